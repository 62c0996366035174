"""The claims table, the claim block of an indicator page, the counts on the submission and
coverage pages, and the review marks, through the Flask test client (issue 14, part 5).

The claims are checked by the service on 솔내시's real plan document (uploaded through the
services) with the real checker (recorded, claims_support.py); the pages render what is stored.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from decimal import Decimal

import pytest
from flask import g
from flask.testing import FlaskClient
from sqlalchemy import select

from reviewapp.extensions import db
from reviewapp.models import AuditEvent, Claim, ClaimReview, Document
from reviewapp.services import claims, rounds
from tests.conftest import World, csrf_token, login
from tests.reviewapp.claims_support import (
    PLAN,
    SOLNAE,
    Recorder,
    add_claim,
    indicator,
    install_recorder,
)
from tests.reviewapp.helpers import ingest, second_browser, user

pytestmark = pytest.mark.usefixtures("checker")


@pytest.fixture()
def checker(monkeypatch: pytest.MonkeyPatch) -> Recorder:
    return install_recorder(monkeypatch)


@dataclass
class Checked:
    world: World
    plan: Document
    over: int  # SVC-01, 40 points: weak (the centre has no operating rules)
    inflated: int  # SVC-06 "IoT 센서 3,100개": contradicted
    honest: int  # SVC-03 "선별관제 200대": supported
    missing: int  # GOV-07, cites a document the submission lacks
    unmatched: int


@pytest.fixture()
def checked(world: World, checker: Recorder) -> Checked:
    (plan,) = ingest([SOLNAE / PLAN], world.small)
    assert plan.status == "ready"
    over = add_claim(
        world.small,
        indicator(world, "SVC-01"),
        "통합관제센터 24시간 운영(관제요원 16명)",
        claimed_points=Decimal(40),
        cited_document=PLAN,
        cited_page="3",
    )
    inflated = add_claim(
        world.small,
        indicator(world, "SVC-06"),
        "IoT 센서 3,100개",
        claimed_points=Decimal(40),
        cited_document=PLAN,
        cited_page="4",
    )
    honest = add_claim(
        world.small,
        indicator(world, "SVC-03"),
        "CCTV 선별관제 200대",
        claimed_points=Decimal(16),
        cited_document=PLAN,
        cited_page="4",
    )
    missing = add_claim(
        world.small,
        indicator(world, "GOV-07"),
        "2025년 스마트도시 예산 31.2억원",
        claimed_points=Decimal(24),
        cited_document="솔내시 예산서 2025.pdf",
        cited_page="12",
    )
    unmatched = add_claim(world.small, None, "스마트 주차 120면", ref="X-99")
    claims.recheck(world.small)
    return Checked(world, plan, over.id, inflated.id, honest.id, missing.id, unmatched.id)


def browser(client: FlaskClient, name: str) -> FlaskClient:
    login(client, name)
    return client


def row_ids(page: str) -> list[int]:
    return [int(n) for n in re.findall(r'<tr id="claim-(\d+)"', page)]


def test_the_table_lists_contradictions_first_with_both_values(
    client: FlaskClient, checked: Checked
) -> None:
    page = browser(client, "evb").get(f"/submissions/{checked.world.small}/claims")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    order = row_ids(text)
    statuses = [db.session.get(Claim, claim_id).status for claim_id in order]
    assert statuses == sorted(statuses, key=claims.STATUSES.index)
    assert order[0] == checked.inflated and statuses[0] == "contradicted"
    assert order[-1] == checked.honest and statuses[-1] == "supported"
    assert db.session.get(Claim, checked.over).status == "weak"
    assert set(order) == {
        checked.over,
        checked.inflated,
        checked.honest,
        checked.missing,
        checked.unmatched,
    }
    # the contradicted claim: its value and the evidence's, side by side, with the passage
    inflated = db.session.get(Claim, checked.inflated)
    entry = inflated.evidence[0]
    assert "3,100개 ≠ 310개" in html.unescape(text)
    assert "증빙과 상충" in text and "증빙 미흡" in text  # Korean first
    assert "<mark>310개</mark>" in text
    url = f"/documents/{checked.plan.id}?chunk={entry['chunk_id']}#chunk-{entry['chunk_id']}"
    assert f'href="{url}"' in text
    view = client.get(url.split("#")[0]).get_data(as_text=True)
    assert f'<mark id="chunk-{entry["chunk_id"]}"' in view and "310개" in view
    # the over-claimed level: the requirement and the clause that denies it
    assert "운영 규정" in text and "마련되지 않았다" in text
    # the flag for a cited document the submission does not hold
    missing_row = text[text.index(f'id="claim-{checked.missing}"') :]
    missing_row = missing_row[: missing_row.index("</tr>")]
    assert "솔내시 예산서 2025.pdf" in missing_row
    assert "근거 문서 없음" in missing_row  # the flag
    # counts by status
    assert f'/submissions/{checked.world.small}/claims?status=contradicted"' in text


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=weak", ["over"]),  # its figures agree, its level is doubted
        # by indicator; 31.2억원 is on page 2 of the plan, though the cited 예산서 is missing
        ("status=supported", ["missing", "honest"]),
        ("indicator=svc-06", ["inflated"]),
        ("area=GOV", ["missing"]),
        ("status=unmatched", ["unmatched"]),
        ("status=contradicted&area=INN", []),
    ],
)
def test_filters(client: FlaskClient, checked: Checked, query: str, expected: list[str]) -> None:
    page = browser(client, "coord").get(f"/submissions/{checked.world.small}/claims?{query}")
    assert page.status_code == 200
    assert row_ids(page.get_data(as_text=True)) == [getattr(checked, name) for name in expected]


def test_the_indicator_page_shows_the_claim_beside_the_score_field(
    client: FlaskClient, checked: Checked
) -> None:
    evb = browser(client, "evb")
    page = evb.get(f"/submissions/{checked.world.small}/indicators/SVC-01")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert f'id="claim-{checked.over}"' in text
    assert "통합관제센터 24시간 운영(관제요원 16명)" in text
    assert "마련되지 않았다" in text and "<mark>" in text
    # the claimed points inside the score card, by the field
    card = text[text.index('id="score"') : text.index('id="linked"')]
    assert "40" in card and f'href="#claim-{checked.over}"' in card
    fragment = evb.get(f"/submissions/{checked.world.small}/indicators/SVC-01/score")
    assert f'href="#claim-{checked.over}"' in fragment.get_data(as_text=True)
    # an indicator without a claim shows no claim block
    other = evb.get(f"/submissions/{checked.world.small}/indicators/INN-01").get_data(as_text=True)
    assert 'id="claims"' not in other


def test_counts_on_the_submission_and_coverage_pages(client: FlaskClient, checked: Checked) -> None:
    coord = browser(client, "coord")
    for path in (
        f"/submissions/{checked.world.small}",
        f"/submissions/{checked.world.small}/coverage",
    ):
        text = coord.get(path).get_data(as_text=True)
        for status in ("contradicted", "weak", "supported", "unmatched"):
            assert f"claims?status={status}" in text, (path, status)
        assert "claims?status=pending" not in text  # zero counts are not listed
        assert "#claims" in text  # the per-indicator status links to the claim block
    # the large city has no claims
    text = coord.get(f"/submissions/{checked.world.large}").get_data(as_text=True)
    assert "claims?status=" not in text


def _review(client: FlaskClient, checked: Checked, claim_id: int, **form: str):  # type: ignore[no-untyped-def]
    token = csrf_token(client, f"/submissions/{checked.world.small}/claims")
    return client.post(f"/claims/{claim_id}/review", data={"csrf_token": token, **form})


def test_an_assigned_evaluator_marks_a_claim_checked(client: FlaskClient, checked: Checked) -> None:
    evb = browser(client, "evb")
    answer = _review(evb, checked, checked.over, note="운영 지침만 있음", back="indicator")
    assert answer.status_code == 303
    assert answer.headers["Location"].endswith(
        f"/submissions/{checked.world.small}/indicators/SVC-01#claim-{checked.over}"
    )
    review = db.session.scalar(select(ClaimReview).where(ClaimReview.claim_id == checked.over))
    assert review is not None and review.note == "운영 지침만 있음"
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "claim.review"))
    table = evb.get(f"/submissions/{checked.world.small}/claims").get_data(as_text=True)
    assert "운영 지침만 있음" in table
    token = csrf_token(evb, f"/submissions/{checked.world.small}/claims")
    fragment = evb.post(
        f"/claims/{checked.honest}/review",
        data={"csrf_token": token, "note": "확인"},
        headers={"HX-Request": "true"},
    )
    assert fragment.status_code == 200
    body = fragment.get_data(as_text=True)
    assert body.lstrip().startswith(
        f'<div class="claim-reviews" id="claim-reviews-{checked.honest}"'
    )
    assert "확인" in body


def test_who_may_see_and_mark_claims(client: FlaskClient, checked: Checked) -> None:
    small = checked.world.small
    eva = browser(client, "eva")  # assigned to the other submission only
    assert eva.get(f"/submissions/{small}/claims").status_code == 404
    assert eva.get(f"/submissions/{small}/indicators/SVC-01").status_code == 404
    token = csrf_token(eva, f"/submissions/{checked.world.large}")
    refused = eva.post(f"/claims/{checked.over}/review", data={"csrf_token": token})
    assert refused.status_code == 404  # no hint that it exists
    assert (
        eva.post(f"/claims/{checked.over + 999}/review", data={"csrf_token": token}).status_code
        == 404
    )
    # a coordinator sees everything, marks nothing
    coord = second_browser(client.application, "coord")
    assert coord.get(f"/submissions/{small}/claims").status_code == 200
    token = csrf_token(coord, f"/submissions/{small}/claims")
    assert (
        coord.post(f"/claims/{checked.over}/review", data={"csrf_token": token}).status_code == 403
    )
    assert db.session.scalars(select(ClaimReview)).all() == []
    # signed out: the login page (forget the user the test's app context cached)
    g.pop("_login_user", None)
    anonymous = client.application.test_client()
    assert anonymous.get(f"/submissions/{small}/claims").status_code == 302
    # a finalized round refuses the mark
    rounds.finalize(checked.world.round_id, actor_id=user("admin").id)
    evb = second_browser(client.application, "evb")
    page = evb.get(f"/submissions/{small}/claims").get_data(as_text=True)
    assert 'name="note"' not in page  # no form once finalized
    token = csrf_token(evb, f"/submissions/{small}")
    assert evb.post(f"/claims/{checked.over}/review", data={"csrf_token": token}).status_code == 409
    assert db.session.scalars(select(ClaimReview)).all() == []


def test_evaluators_see_other_evaluators_marks_only_after_scoring(
    client: FlaskClient, checked: Checked
) -> None:
    """Blind review, as for evidence links: another evaluator's note on a claim shows once
    one's own score for the indicator is saved."""
    from reviewapp.services import scoring

    rounds.assign(checked.world.small, "eva")
    claims.mark_checked(user("evb").id, checked.over, "evb의 메모")
    eva = browser(client, "eva")
    path = f"/submissions/{checked.world.small}/indicators/SVC-01"
    assert "evb의 메모" not in eva.get(path).get_data(as_text=True)
    svc01 = indicator(checked.world, "SVC-01")
    scoring.save_score(
        user("eva").id, checked.world.small, svc01.id, "document",
        scoring.ScoreForm(level=3, no_evidence_reason="현장 확인 예정"),
    )  # fmt: skip
    assert "evb의 메모" in eva.get(path).get_data(as_text=True)
