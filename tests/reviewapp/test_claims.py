"""The claim check service (services/claims.py) on the demo city 솔내시's real documents,
uploaded through the services: what each claim is checked against, the cited document and
page, what is stored, the background recheck and the review marks.

The figures are compared by reviewapp.claim_check; these tests give the service the
recording checker of claims_support.py (the real one), so that they test the service's side of the
contract: which passages it hands over, and what it stores from the answer. The real
checker on the same documents: test_claims_demo.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from reviewapp import jobs, queue
from reviewapp.extensions import db
from reviewapp.models import AuditEvent, Claim, ClaimReview, Document
from reviewapp.services import claims, evidence, rechecks, rounds
from reviewapp.services.errors import Conflict, Forbidden, NotFound
from tests.conftest import World, make_app
from tests.reviewapp.claims_support import (
    PLAN,
    SOLNAE,
    Recorder,
    add_claim,
    fresh,
    indicator,
    ingest_solnae,
    install_recorder,
)
from tests.reviewapp.helpers import ingest, user, world_in


@pytest.fixture()
def checker(monkeypatch: pytest.MonkeyPatch) -> Recorder:
    return install_recorder(monkeypatch)


@pytest.fixture()
def solnae(world: World, checker: Recorder) -> dict[str, Document]:
    return ingest_solnae(world.small, checker)


# --- the check -----------------------------------------------------------------------------


def test_claim_checked_against_its_cited_page_and_rubric(
    world: World, solnae: dict[str, Document], checker: Recorder
) -> None:
    """솔내시 asks 40 of 50 points for SVC-01 (level 4: 24시간 운영과 운영 규정을 갖춤) citing
    page 3 of its plan, which says the centre has no operating rules yet."""
    svc01 = indicator(world, "SVC-01")
    claim = add_claim(
        world.small,
        svc01,
        "통합관제센터 24시간 운영(관제요원 16명)",
        claimed_points=Decimal(40),
        cited_document=PLAN,
        cited_page="3",
    )
    assert claim.status == "pending" and claim.checked_at is None
    claims.recheck(world.small)
    claim = fresh(claim.id)
    plan = solnae[PLAN]
    given = checker.passages_of("관제요원 16명")
    page3 = {c.id for c in plan.chunks if c.page == 3}
    assert page3 <= {p.id for p in given}, "every passage of the cited page is checked"
    kinds = {p.kind for p in given}
    assert kinds <= {"evidence", "quantitative"}, kinds  # never the applicant's own tables
    assert not claim.cited_document_missing
    assert claim.checked_at is not None
    # the figures agree, the points do not: weak, the denying clause first
    assert claim.status == "weak"
    level, *values = claim.evidence
    assert level["role"] == "level" and level["agrees"] is False
    assert (level["document"], level["document_id"], level["page"]) == (PLAN, plan.id, 3)
    assert level["value"] == "별도의 운영 규정(훈령)과 상황별대응 매뉴얼은 아직 마련되지 않았다."
    (a, b), *_ = level["marks"]
    assert level["snippet"][a:b] == level["value"]
    assert level["level"] == 4 and "운영 규정" in level["requirement"]
    assert level["place"] == "3쪽"  # Korean first: the worker speaks the default locale
    assert values and all(v["role"] == "value" and v["agrees"] for v in values)
    (operators,) = [v for v in values if v["value"] == "16명"]
    assert operators["page"] == 3
    (a, b), *_ = operators["marks"]
    assert operators["snippet"][a:b] == "16명"
    assert claim.normalized == [
        {"value": 24, "unit": "시간", "period": ""},
        {"value": 16, "unit": "명", "period": ""},
    ]


def test_figures_alone_decide_without_a_level_doubt(
    world: World, solnae: dict[str, Document], checker: Recorder
) -> None:
    svc06 = indicator(world, "SVC-06")  # quantitative: its bands are not read
    honest = add_claim(
        world.small, svc06, "IoT 센서 310개", claimed_points=Decimal(24), cited_document=PLAN
    )
    inflated = add_claim(
        world.small, svc06, "IoT 센서 3,100개", claimed_points=Decimal(40), cited_document=PLAN
    )
    claims.recheck(world.small)
    assert fresh(honest.id).status == "supported"
    inflated = fresh(inflated.id)
    assert inflated.status == "contradicted"
    assert inflated.evidence and all(not e["agrees"] for e in inflated.evidence)
    assert inflated.normalized == [{"value": 3100, "unit": "개", "period": ""}]
    # no page named: the whole cited document was handed over
    given = {p.id for p in checker.passages_of("3,100개")}
    assert {c.id for c in solnae[PLAN].chunks} <= given


@pytest.mark.parametrize(
    ("cited", "page", "missing"),
    [
        (PLAN, "3", False),
        ("solnae smart city basic plan summary 2026", "p.3", False),  # no extension, spaces
        ("ＳＯＬＮＡＥ_SMART_CITY_BASIC_PLAN_SUMMARY_2026.PDF", "3~4", False),  # full width
        ("근거자료/solnae-smart-city-basic-plan-summary-2026.pdf", "3쪽", False),  # a folder
        ("solnae-budget-book-2026.pdf", "3", True),  # no such document
        ("SOLNAE", "3", False),  # every document answers to it: none is taken
        (PLAN, "99", True),  # no such page
        (PLAN, "3, 12", True),
        ("", "", False),  # cites nothing
    ],
)
def test_cited_document_matched_leniently(
    world: World,
    solnae: dict[str, Document],
    checker: Recorder,
    cited: str,
    page: str,
    missing: bool,
) -> None:
    claim = add_claim(
        world.small,
        indicator(world, "SVC-03"),
        "선별관제 200대",
        claimed_points=Decimal(16),
        cited_document=cited,
        cited_page=page,
    )
    claims.recheck(world.small)
    claim = fresh(claim.id)
    assert claim.cited_document_missing is missing
    citation = claims.resolve_citation(claim, list(solnae.values()))
    assert citation.missing is missing
    if cited == "SOLNAE":
        assert citation.document is None  # ambiguous: not missing, and none taken
    elif cited and not missing:  # the cited page was handed over
        assert citation.document is not None and citation.document.filename == PLAN
        given = {p.id for p in checker.passages_of("선별관제 200대")}
        assert {c.id for c in solnae[PLAN].chunks if c.page == 3} <= given


def test_the_applicants_own_documents_are_never_evidence(
    world: World, solnae: dict[str, Document], checker: Recorder
) -> None:
    """A claim citing the application: the name is found (not missing) but none of its
    passages is handed over; neither are the self-evaluation's, whatever the ranking."""
    application = solnae["solnae-application-2026.docx"]
    claim = add_claim(
        world.small,
        indicator(world, "INN-01"),
        "인구 186,000명",
        claimed_points=Decimal(24),
        cited_document=application.filename,
    )
    claims.recheck(world.small)
    claim = fresh(claim.id)
    assert not claim.cited_document_missing
    own = {
        c.id
        for name in ("solnae-application-2026.docx", "solnae-self-evaluation-2026.xlsx")
        for c in solnae[name].chunks
    }
    given = checker.passages_of("186,000명")
    assert given, "the indicator's suggestions are still checked"
    assert not own & {p.id for p in given}
    assert all(e["document_id"] != application.id for e in claim.evidence)


def test_a_table_never_proves_its_own_rows(
    world: World, solnae: dict[str, Document], checker: Recorder
) -> None:
    """A claim imported from the quantitative table, citing that table: its passages are not
    handed over (the suggestions and other documents still are)."""
    table = solnae["solnae-quantitative-data-2026.xlsx"]
    claim = add_claim(
        world.small,
        indicator(world, "INN-06"),
        "공공데이터 개방 64건",
        kind="quantitative",
        source_document_id=table.id,
        cited_document=table.filename,
    )
    claims.recheck(world.small)
    assert not fresh(claim.id).cited_document_missing
    given = {p.id for p in checker.passages_of("개방 64건")}
    assert given.isdisjoint(c.id for c in table.chunks)
    # the same row typed into the self-evaluation is checked against the table
    other = add_claim(
        world.small, indicator(world, "INN-06"), "개방 데이터 64건", cited_document=table.filename
    )
    claims.recheck(world.small, [other.id])
    assert {c.id for c in table.chunks} <= {p.id for p in checker.passages_of("데이터 64건")}


def test_a_claim_without_indicator_is_unmatched(
    world: World, solnae: dict[str, Document], checker: Recorder
) -> None:
    claim = add_claim(world.small, None, "스마트 주차 120면", ref="X-99 스마트 주차")
    claims.recheck(world.small)
    claim = fresh(claim.id)
    assert claim.status == "unmatched" and claim.evidence == []
    assert claim.checked_at is not None


def test_links_are_evidence_and_changes_recheck_in_the_background(
    world: World, solnae: dict[str, Document], checker: Recorder
) -> None:
    """An evaluator's link adds its passage to the claim's evidence; the change queues the
    recheck (inline here: JOBS_IMMEDIATE), which finds the linked passage."""
    inn02 = indicator(world, "INN-02")
    claim = add_claim(world.small, inn02, "리빙랩 과제 3건", claimed_points=Decimal(16))
    claims.recheck(world.small)
    first = fresh(claim.id).checked_at
    report = solnae["solnae-living-lab-pilot-report-2025.docx"]
    chunk = next(c for c in report.chunks if "3건" in c.text)
    evb = user("evb")
    calls = len(checker.calls)
    evidence.link_passage(evb.id, world.small, inn02.id, chunk.id)
    assert len(checker.calls) > calls, "the link queued a recheck"
    claim = fresh(claim.id)
    assert claim.checked_at is not None and claim.checked_at >= first
    assert chunk.id in {p.id for p in checker.passages_of("리빙랩 과제 3건")}
    assert claim.status == "supported"
    assert any(e["chunk_id"] == chunk.id and e["source"] == "link" for e in claim.evidence)
    # removing the link rechecks again
    link_id = evidence.linked_chunk_ids(evb.id, world.small, inn02.id)
    assert link_id == {chunk.id}
    calls = len(checker.calls)
    (link,) = evidence.links_for(evb, world.small, inn02.id)
    evidence.unlink(evb.id, link.id)
    assert len(checker.calls) > calls


def test_changes_without_claims_queue_nothing(world: World, checker: Recorder) -> None:
    (plan,) = ingest([SOLNAE / PLAN], world.small)  # a document becomes ready: no claims
    assert plan.status == "ready"
    assert checker.calls == []
    assert rechecks.request(world.small) is False


def test_an_import_is_checked_next(world: World, checker: Recorder) -> None:
    """The self-evaluation table uploaded after the evidence: its rows become claims (the
    import) and are checked at once (inline here; a queued job with a worker)."""
    (plan,) = ingest([SOLNAE / PLAN], world.small)
    assert checker.calls == []
    (table,) = ingest(
        [SOLNAE / "solnae-self-evaluation-2026.xlsx"], world.small, doc_type="self_evaluation"
    )
    imported = db.session.scalars(select(Claim).where(Claim.source_document_id == table.id)).all()
    assert len(imported) == 23
    assert all(c.checked_at is not None and c.status != "pending" for c in imported)
    assert len(checker.calls) == 23  # each claim once
    svc01 = next(c for c in imported if c.indicator_ref.startswith("SVC-01"))
    assert svc01.status == "weak" and svc01.evidence[0]["document_id"] == plan.id


@pytest.fixture()
def queued_app(tmp_path: Path) -> Iterator[Flask]:
    """An app whose jobs wait in the SQLite queue for a worker, as in production."""
    app = make_app(tmp_path, JOBS_IMMEDIATE=False)
    with app.app_context():
        yield app
        db.session.remove()
    make_app(tmp_path / "after", JOBS_IMMEDIATE=True)  # the next tests' queue: inline


def test_requests_coalesce_into_one_waiting_job(queued_app: Flask, checker: Recorder) -> None:
    submission_id = world_in(queued_app)
    submission = rounds.get_submission(submission_id)
    svc01 = next(i for i in submission.round.framework.indicators if i.code == "SVC-01")
    claim = add_claim(submission_id, svc01, "관제요원 16명", claimed_points=Decimal(40))
    assert rechecks.stale_ids(submission_id) == [claim.id]  # never checked
    assert rechecks.request(submission_id) is True
    assert rechecks.request(submission_id) is False  # stale, and the job is waiting
    assert rechecks.request(submission_id) is False
    pending = [t for t in queue.huey.pending() if t.args == (submission_id,)]
    assert len(pending) == 1
    assert pending[0].priority == queue.PRIORITY["recheck_claims"]
    assert queue.PRIORITY["recheck_claims"] < queue.PRIORITY["ocr_document"]
    assert checker.calls == []  # nothing ran: the worker does
    # the worker runs it
    jobs.recheck_claims_task.call_local(submission_id)
    claim = fresh(claim.id)
    assert claim.checked_at is not None and claim.status == "no_evidence"
    assert rechecks.stale_ids(submission_id) == []
    # a change after the check marks the claims stale and queues the job again
    assert rechecks.request(submission_id) is True
    assert fresh(claim.id).checked_at is None and claim.status == "no_evidence"
    assert rechecks.queued(submission_id)


# --- review marks --------------------------------------------------------------------------


def test_an_assigned_evaluator_marks_a_claim_checked(world: World, checker: Recorder) -> None:
    claim = add_claim(world.small, indicator(world, "GOV-05"), "기본구상 2024. 4. 수립")
    evb = user("evb")
    review = claims.mark_checked(evb.id, claim.id, "  기본구상만 확인됨  ")
    assert review.note == "기본구상만 확인됨"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "claim.review"))
    assert event is not None and event.actor_id == evb.id and event.entity_id == claim.id
    assert event.round_id == world.round_id
    assert event.data["indicator"] == "GOV-05" and event.data["note"] == "기본구상만 확인됨"
    for outsider in ("eva", "coord", "admin"):  # another submission's evaluator, managers
        with pytest.raises(Forbidden):
            claims.mark_checked(user(outsider).id, claim.id, "")
    with pytest.raises(NotFound):
        claims.mark_checked(evb.id, claim.id + 999, "")
    rounds.finalize(world.round_id, actor_id=user("admin").id)
    with pytest.raises(Conflict):
        claims.mark_checked(evb.id, claim.id, "again")
    assert len(db.session.scalars(select(ClaimReview)).all()) == 1


def test_counts_and_order(world: World, checker: Recorder) -> None:
    gov05, svc01 = indicator(world, "GOV-05"), indicator(world, "SVC-01")
    rows = [
        add_claim(world.small, svc01, "a", status="supported"),
        add_claim(world.small, gov05, "b", status="weak"),
        add_claim(world.small, None, "c", status="unmatched", ref="Z"),
        add_claim(world.small, svc01, "d", status="contradicted"),
    ]
    listed = claims.of_submission(world.small)
    assert [c.text for c in listed] == ["d", "b", "c", "a"]
    assert [c.text for c in claims.of_submission(world.small, status="weak")] == ["b"]
    assert [c.text for c in claims.of_submission(world.small, indicator="SVC-01")] == ["d", "a"]
    assert [c.text for c in claims.of_submission(world.small, area="GOV")] == ["b"]
    counts = claims.counts(world.small)
    assert counts["total"] == len(rows)
    assert (counts["supported"], counts["weak"], counts["contradicted"]) == (1, 1, 1)
    assert counts["unmatched"] == 1 and counts["pending"] == 0
    assert claims.status_by_indicator(world.small) == {svc01.id: "contradicted", gov05.id: "weak"}
