"""Evidence suggestions on a real ingested Korean document: ranking, decisions, learning,
coverage, access and the CLI. Keyword-only (BM25) unless a test loads the real models."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from reviewapp.extensions import db
from reviewapp.models import (
    Decision,
    Document,
    EvidenceLink,
    Submission,
    SuggestionDecision,
    User,
)
from reviewapp.services import access, evidence, indicators
from reviewapp.services import suggestions as suggest
from reviewapp.services.errors import Forbidden, NotFound
from reviewapp.services.suggestions import IndicatorSuggestions
from search_index import MAX_QUERY_CHARS
from tests.conftest import CORPUS, ROOT, World, make_app
from tests.reviewapp.helpers import indicators_of, ingest, ready_doc

PLAN = ROOT / "demo" / "documents" / "hanbit" / "hanbit-smart-city-plan-summary-2026.pdf"
APPLICATION = ROOT / "demo" / "documents" / "hanbit" / "hanbit-application-2026.docx"
ORDINANCE = CORPUS / "ulsan-namgu-ordinance-notice-2021.hwpx"
MODEL = ROOT / "models" / "multilingual-e5-small"
# An indicator whose best passages include SVC-09's best one (the plan's data-based
# administration section answers both)
OTHER = "GOV-07"


def _user(name: str) -> User:
    return db.session.scalar(select(User).where(User.username == name))


def _for(user: User, submission_id: int, code: str, limit: int = 10) -> IndicatorSuggestions:
    """Suggestions as the indicator page asks for them: access resolved first (NotFound for a
    submission or indicator the user may not see), then ranked for that viewer."""
    submission, indicator = access.indicator_for(user, submission_id, code)
    return suggest.for_indicator(user, submission, indicator, limit=limit)


def _decide(user: User, submission_id: int, code: str, chunk_id: int, decision: str):  # type: ignore[no-untyped-def]
    """A decision as the indicator page posts it: access first, then the evidence service."""
    _, indicator = access.indicator_for(user, submission_id, code)
    return evidence.decide(user.id, submission_id, indicator.id, chunk_id, decision)


def _statuses(paths: list[Path], submission_id: int, **kwargs: str) -> list[str]:
    return [d.status for d in ingest(paths, submission_id, **kwargs)]


@pytest.fixture()
def ingested(world: World) -> World:
    assert _statuses([PLAN, APPLICATION], world.large) == ["ready", "ready"]
    return world


def test_suggestions_rank_the_passages_that_prove_the_indicator(ingested: World) -> None:
    result = _for(_user("eva"), ingested.large, "SVC-07", limit=5)
    assert result.mode == "bm25"  # no model in this test: keywords only, said so
    top = result.passages[0]
    assert "데이터 허브" in top.text.replace("데이터허브", "데이터 허브")
    assert top.page >= 1 and top.document_name.endswith(".pdf")
    assert top.confidence in {"high", "medium", "low"}
    assert "<mark>" in top.snippet
    scores = [p.score for p in result.passages]
    assert scores == sorted(scores, reverse=True)
    assert sum(len(g.passages) for g in result.by_document) == len(result.passages)


def test_accept_links_evidence_and_reject_hides(ingested: World) -> None:
    eva = _user("eva")
    before = _for(eva, ingested.large, "SVC-09", limit=10).passages
    assert len(before) >= 3
    accepted, rejected = before[1], before[0]
    other_before = [p.chunk_id for p in _for(eva, ingested.large, OTHER, limit=10).passages]
    assert rejected.chunk_id in other_before, f"pick another indicator than {OTHER}"
    _decide(eva, ingested.large, "SVC-09", accepted.chunk_id, "accepted")
    _decide(eva, ingested.large, "SVC-09", rejected.chunk_id, "rejected")
    link = db.session.scalar(select(EvidenceLink).where(EvidenceLink.chunk_id == accepted.chunk_id))
    assert link is not None and link.evaluator_id == eva.id and link.page == accepted.page
    after = _for(eva, ingested.large, "SVC-09", limit=10)
    assert rejected.chunk_id not in [p.chunk_id for p in after.passages]
    assert after.passages[0].chunk_id == accepted.chunk_id
    assert after.passages[0].decision == Decision.ACCEPTED.value
    assert (after.accepted, after.rejected) == (1, 1)
    # the rejection is for this indicator only: the same passage, among the best of another
    # indicator of the same submission before the rejection, is still suggested there
    other = _for(eva, ingested.large, OTHER, limit=10).passages
    assert rejected.chunk_id in [p.chunk_id for p in other]
    assert next(p for p in other if p.chunk_id == rejected.chunk_id).decision is None
    assert other_before == [p.chunk_id for p in other]
    # deciding again changes the decision instead of adding rows
    _decide(eva, ingested.large, "SVC-09", rejected.chunk_id, "accepted")
    n = db.session.scalar(select(func.count()).select_from(SuggestionDecision))
    assert n == 2


def test_decisions_are_checked(ingested: World) -> None:
    eva, evb = _user("eva"), _user("evb")
    chunk_id = _for(eva, ingested.large, "SVC-07").passages[0].chunk_id
    with pytest.raises(NotFound):  # not assigned
        _for(evb, ingested.large, "SVC-07")
    with pytest.raises(NotFound):
        _decide(evb, ingested.large, "SVC-07", chunk_id, "accepted")
    with pytest.raises(NotFound):  # a passage of another submission
        _decide(evb, ingested.small, "SVC-07", chunk_id, "accepted")
    with pytest.raises(NotFound):
        _for(eva, ingested.large, "NOPE-1")
    # the evidence service refuses by itself whoever is not assigned (the CLI shares the rule):
    # an evaluator of another submission, a coordinator who sees everything
    indicator_id = access.indicator_for(eva, ingested.large, "SVC-07")[1].id
    for outsider in (evb, _user("coord")):
        with pytest.raises(Forbidden):
            evidence.decide(outsider.id, ingested.large, indicator_id, chunk_id, "accepted")
        with pytest.raises(Forbidden):
            evidence.link_passage(outsider.id, ingested.large, indicator_id, chunk_id)
    assert db.session.scalar(select(func.count()).select_from(SuggestionDecision)) == 0
    from reviewapp.services.errors import ServiceError

    with pytest.raises(ServiceError):
        _decide(eva, ingested.large, "SVC-07", chunk_id, "maybe")


def test_accepted_passages_expand_the_keyword_query(ingested: World) -> None:
    """Rocchio on text: an accepted passage's key words join the indicator's query, so
    passages sharing them rise even without vectors."""
    eva = _user("eva")
    code = "GOV-01"
    before = _for(eva, ingested.large, code, limit=40).passages
    target = before[-1]
    _decide(eva, ingested.large, code, target.chunk_id, "accepted")
    after = _for(eva, ingested.large, code, limit=40).passages
    assert after[0].chunk_id == target.chunk_id
    rest_before = [p.chunk_id for p in before if p.chunk_id != target.chunk_id]
    rest_after = [p.chunk_id for p in after[1:]]
    assert rest_after != rest_before[: len(rest_after)]


def test_coverage_flags_indicators_without_evidence(ingested: World, app: Flask) -> None:
    eva, evb = _user("eva"), _user("evb")
    rows = suggest.coverage(eva, access.submission_for(eva, ingested.large))
    assert len(rows) == 54
    by_code = {r.indicator.code: r for r in rows}
    assert by_code["SVC-07"].strength >= 1
    small = access.submission_for(evb, ingested.small)
    empty = suggest.coverage(evb, small)  # no documents yet
    assert len(empty) == 54 and all(r.strength == 0 and not r.passages for r in empty)

    # one narrow document (a district ordinance notice) answers some indicators, not others
    assert _statuses([ORDINANCE], ingested.small) == ["ready"]
    rows = suggest.coverage(evb, small)
    strengths = {r.indicator.code: r.strength for r in rows}
    assert {0, 1} <= set(strengths.values()), strengths  # keywords only: 1 at best unlinked
    for row in rows:  # 1: a keyword match among the best five; 0: none (low at best)
        best = {p.confidence for p in row.passages[:5]}
        assert ("medium" in best) == (row.strength == 1) and "high" not in best
    matched = next(r for r in rows if r.strength == 1)
    unmatched = next(r for r in rows if r.strength == 0)
    # evidence linked for an indicator makes it 3, for the evaluator who linked it (and for a
    # coordinator, who sees every link); the other indicators keep their strength
    evidence.link_passage(
        evb.id, small.id, matched.indicator.id, matched.passages[0].chunk_id, note="조례 근거"
    )
    after = {r.indicator.code: r.strength for r in suggest.coverage(evb, small)}
    assert after[matched.indicator.code] == 3
    assert after == {**strengths, matched.indicator.code: 3}
    assert after[unmatched.indicator.code] == 0
    coord = _user("coord")
    seen = {r.indicator.code: r.strength for r in suggest.coverage(coord, small)}
    assert seen[matched.indicator.code] == 3 and seen[unmatched.indicator.code] == 0
    client = app.test_client()
    from tests.conftest import login

    login(client, "evb")
    page = client.get(f"/submissions/{ingested.small}/coverage").get_data(as_text=True)
    assert "SVC-07" in page
    assert client.get(f"/submissions/{ingested.large}/coverage").status_code == 404


def test_suggest_cli_json(ingested: World, runner) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(
        args=[
            "suggest",
            "--submission",
            str(ingested.large),
            "--indicator",
            "SVC-07",
            "--limit",
            "3",
            "--json",
        ]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output.strip().splitlines()[-1])
    rows = data["suggestions"]
    assert 1 <= len(rows) <= 3
    for row in rows:
        assert set(row) == {
            "indicator",
            "document",
            "document_id",
            "page",
            "place",
            "score",
            "snippet",
        }
        assert row["indicator"] == "SVC-07" and isinstance(row["page"], int)
        assert "<mark>" not in row["snippet"]
    assert db.session.get(Document, rows[0]["document_id"]).filename == rows[0]["document"]
    bad = runner.invoke(args=["suggest", "--submission", "999", "--json"])
    assert bad.exit_code == 1 and "no submission 999" in bad.output


@pytest.mark.skipif(
    not (MODEL / "model.safetensors").exists(),
    reason=f"embedding model folder {MODEL} not built (make install builds it)",
)
def test_real_models_embed_fuse_and_learn(tmp_path: Path) -> None:
    """The shipped pipeline: USE vectors, then e5 vectors, fused with BM25; decisions move
    passages similar to the accepted one up."""
    from tests.conftest import FRAMEWORK

    app = make_app(
        tmp_path, EMBEDDINGS_ENABLED=True, EMBEDDING_MODEL=str(MODEL), EMBEDDERS=["use", "e5"]
    )
    with app.app_context():
        from reviewapp.services import accounts, rounds
        from reviewapp.services.frameworks import import_framework
        from reviewapp.services.indexing import get_index

        accounts.create_user("eva", "pw-1234567890", "evaluator")
        fw = import_framework(FRAMEWORK)
        sid = rounds.add_applicant(
            rounds.create_round("r", fw.id).id, "한빛시", 1_020_000
        ).submission_id
        rounds.assign(sid, "eva")
        assert _statuses([PLAN], sid) == ["ready"]
        document = db.session.scalar(select(Document))
        assert document.embedded
        index = get_index()
        ids = [c.id for c in document.chunks]
        assert index.vector_models == ["use", "e5"]
        assert index.has_vectors(ids, "use") and index.has_vectors(ids, "e5")
        # a paraphrase without the document's key words still finds the data hub page
        hits = index.search(
            "여러 부서의 행정 정보를 한곳에 모아 개방하는 플랫폼",
            mode="vector",
            submission_ids=[sid],
            limit=3,
        )
        assert any("허브" in h.text for h in hits)
        eva = _user("eva")
        result = _for(eva, sid, "SVC-07", limit=10)
        assert result.mode == "hybrid"
        assert set(result.passages[0].__dict__) >= {"confidence"}
        assert "허브" in result.passages[0].text
        assert {p.confidence for p in result.passages} <= {"high", "medium", "low"}
        # learning: accept the passage ranked last; the candidates most like it move up
        before = [p.chunk_id for p in result.passages]
        target = before[-1]
        sims = index.similarity([target], [c for c in before if c != target])
        nearest = max(sims, key=sims.get)
        _decide(eva, sid, "SVC-07", target, "accepted")
        after = [p.chunk_id for p in _for(eva, sid, "SVC-07", limit=10).passages]
        assert after[0] == target
        rest = after[1:]  # the accepted passage itself goes first; compare the others
        assert nearest in rest and rest.index(nearest) <= before.index(nearest)
        # deleting the document removes its vectors from both models
        from reviewapp.services.documents import delete_document

        db.session.execute(EvidenceLink.__table__.delete())
        db.session.execute(SuggestionDecision.__table__.delete())
        db.session.commit()
        delete_document(document.id)
        assert not index.has_vectors(ids[:1], "use") and not index.has_vectors(ids[:1], "e5")


def test_self_evaluation_and_reference_are_never_suggested_as_evidence(world: World) -> None:
    """The applicant's own claims are what the evidence is checked against; a statute says
    what is required, not what the city did. Both stay searchable."""
    from reviewapp.services.search import SearchFilters, search

    claims = ROOT / "demo" / "documents" / "hanbit" / "hanbit-self-evaluation-2026.xlsx"
    statute = ROOT / "demo" / "public" / "law-smart-city-act.md"
    assert _statuses([claims], world.large, doc_type="self_evaluation") == ["ready"]
    assert _statuses([statute], world.large, doc_type="reference") == ["ready"]
    assert _statuses([PLAN], world.large) == ["ready"]
    eva = _user("eva")
    for code in ("SVC-07", "GOV-01"):
        passages = _for(eva, world.large, code, limit=40).passages
        assert passages and all(p.document_name == PLAN.name for p in passages)
    visible = access.visible_submission_ids(eva)
    found = search("데이터 허브", SearchFilters(submission_id=world.large, limit=100), visible)
    assert claims.name in {g.document_name for g in found.groups}
    found = search("스마트도시 건설", SearchFilters(submission_id=world.large, limit=100), visible)
    assert statute.name in {g.document_name for g in found.groups}


def test_any_framework_text_gives_a_query_within_the_search_limits(world: World) -> None:
    """A framework file may hold long titles, many hints and characters that are query syntax
    (`*`, `?`, quotes): the indicator's suggestions must still rank, never be refused."""
    doc = ready_doc(world)
    indicator = indicators_of(world)[0]
    indicator.title_ko = "데이터 기반 행정 " * 40  # 400+ characters
    indicator.search_hints = ["*데이터", "공공데이터?", '"행정', "법률 " * 60]
    db.session.commit()
    query = indicators.keyword_query(indicator)
    assert 0 < len(query) <= MAX_QUERY_CHARS
    assert not set('*?"') & set(query)
    submission = db.session.get(Submission, world.large)
    result = suggest.rank(submission, indicator, limit=5, mode="bm25")
    assert result.passages and {p.document_id for p in result.passages} == {doc.id}
