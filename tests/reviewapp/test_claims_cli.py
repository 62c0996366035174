"""`reviewapp claims`: the exact JSON shape, the indicator filter, errors, and the inline
recheck of pending or stale claims when no worker will (issue 14, part 6). The checker is
the recording (real) checker of claims_support.py."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from flask import Flask

from reviewapp import queue
from reviewapp.extensions import db
from reviewapp.services import rechecks, rounds
from tests.conftest import World, make_app
from tests.reviewapp.claims_support import (
    PLAN,
    SOLNAE,
    Recorder,
    add_claim,
    fresh,
    indicator,
    install_recorder,
)
from tests.reviewapp.helpers import ingest, world_in

CLAIM_KEYS = [
    "id",
    "indicator",
    "text",
    "claimed_value",
    "claimed_points",
    "normalized",
    "status",
    "cited_document_missing",
    "evidence",
]
EVIDENCE_KEYS = ["document", "document_id", "page", "snippet", "value"]


@pytest.fixture()
def checker(monkeypatch: pytest.MonkeyPatch) -> Recorder:
    return install_recorder(monkeypatch)


def test_json_shape_after_an_inline_check(world: World, runner, checker: Recorder) -> None:  # type: ignore[no-untyped-def]
    (plan,) = ingest([SOLNAE / PLAN], world.small)
    over = add_claim(
        world.small,
        indicator(world, "SVC-01"),
        "통합관제센터 24시간 운영(관제요원 16명)",
        claimed_points=Decimal(40),
        claimed_value="16명",
        cited_document=PLAN,
        cited_page="3",
    )
    lost = add_claim(
        world.small,
        indicator(world, "GOV-07"),
        "예산 비중 0.40%",
        claimed_points=Decimal("24.5"),
        cited_document="예산서.hwp",
    )
    loose = add_claim(world.small, None, "스마트 주차 120면", ref="X-99")
    assert fresh(over.id).status == "pending"
    result = runner.invoke(args=["claims", "--submission", str(world.small), "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert list(payload) == ["claims"]
    rows = payload["claims"]
    assert [r["id"] for r in rows] == [over.id, lost.id, loose.id]
    for r in rows:
        assert list(r) == CLAIM_KEYS
        assert r["status"] in {"supported", "contradicted", "weak", "no_evidence", "unmatched"}
        for n in r["normalized"]:
            assert list(n) == ["value", "unit", "period"]
        for e in r["evidence"]:
            assert list(e) == EVIDENCE_KEYS
    first = rows[0]
    assert first["indicator"] == "SVC-01" and first["claimed_points"] == 40
    assert first["claimed_value"] == "16명" and first["text"].startswith("통합관제센터")
    assert first["status"] == "weak" and first["cited_document_missing"] is False
    assert first["normalized"] == [
        {"value": 24, "unit": "시간", "period": ""},
        {"value": 16, "unit": "명", "period": ""},
    ]
    level = first["evidence"][0]
    assert level["document"] == PLAN and level["document_id"] == plan.id and level["page"] == 3
    assert level["value"] == "별도의 운영 규정(훈령)과 상황별대응 매뉴얼은 아직 마련되지 않았다."
    assert level["value"] in level["snippet"]
    assert any(e["value"] == "16명" for e in first["evidence"][1:])
    assert rows[1]["cited_document_missing"] is True and rows[1]["claimed_points"] == 24.5
    assert rows[2]["indicator"] is None and rows[2]["status"] == "unmatched"
    assert rows[2]["claimed_points"] is None and rows[2]["evidence"] == []
    # checked once: a second run has nothing stale to check
    calls = len(checker.calls)
    again = runner.invoke(args=["claims", "--submission", str(world.small), "--json"])
    assert json.loads(again.output) == payload and len(checker.calls) == calls


def test_indicator_filter_text_output_and_errors(world: World, runner, checker: Recorder) -> None:  # type: ignore[no-untyped-def]
    add_claim(world.small, indicator(world, "SVC-01"), "관제요원 16명", claimed_points=Decimal(40))
    other = add_claim(world.small, indicator(world, "INN-01"), "참여단 25명")
    one = runner.invoke(
        args=["claims", "--submission", str(world.small), "--indicator", "inn-01", "--json"]
    )
    assert one.exit_code == 0, one.output
    assert [r["id"] for r in json.loads(one.output)["claims"]] == [other.id]
    text = runner.invoke(args=["claims", "--submission", str(world.small)])
    assert text.exit_code == 0 and "SVC-01" in text.output and "INN-01" in text.output
    none = runner.invoke(args=["claims", "--submission", str(world.large), "--json"])
    assert json.loads(none.output) == {"claims": []}
    bad = runner.invoke(args=["claims", "--submission", "999", "--json"])
    assert bad.exit_code == 1 and "no submission with id 999" in bad.output
    bad = runner.invoke(args=["claims", "--submission", str(world.small), "--indicator", "NOPE"])
    assert bad.exit_code == 1 and "no indicator NOPE" in bad.output


@pytest.fixture()
def queued_app(tmp_path: Path) -> Iterator[Flask]:
    """Jobs wait in the SQLite queue for a worker, as in production."""
    app = make_app(tmp_path, JOBS_IMMEDIATE=False)
    with app.app_context():
        yield app
        db.session.remove()
    make_app(tmp_path / "after", JOBS_IMMEDIATE=True)  # the next tests' queue: inline


def test_stale_claims_left_to_a_waiting_job_unless_now(
    queued_app: Flask, checker: Recorder
) -> None:
    runner = queued_app.test_cli_runner()
    submission_id = world_in(queued_app)
    submission = rounds.get_submission(submission_id)
    svc01 = next(i for i in submission.round.framework.indicators if i.code == "SVC-01")
    claim = add_claim(submission_id, svc01, "관제요원 16명", claimed_points=Decimal(40))
    # pending, and no job queued for it: nobody else will check it, so the command does
    result = runner.invoke(args=["claims", "--submission", str(submission_id), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["claims"][0]["status"] == "no_evidence"
    # a change marks it stale and queues the worker's job; with no worker alive (none beat),
    # the command checks it here all the same
    assert rechecks.request(submission_id) is True
    assert not queue.worker_alive()
    calls = len(checker.calls)
    result = runner.invoke(args=["claims", "--submission", str(submission_id), "--json"])
    assert result.exit_code == 0 and not result.stderr
    assert len(checker.calls) == calls + 1
    # with a worker alive, the command leaves it to the job
    assert rechecks.request(submission_id) is True
    queue.beat()
    assert queue.worker_alive()
    calls = len(checker.calls)
    stored = fresh(claim.id).checked_at
    result = runner.invoke(args=["claims", "--submission", str(submission_id), "--json"])
    assert result.exit_code == 0
    assert "wait for the worker's recheck" in result.stderr
    assert json.loads(result.stdout)["claims"][0]["status"] == "no_evidence"  # as last checked
    assert len(checker.calls) == calls and fresh(claim.id).checked_at == stored
    # --now checks it here
    result = runner.invoke(args=["claims", "--submission", str(submission_id), "--now", "--json"])
    assert result.exit_code == 0 and not result.stderr
    assert len(checker.calls) == calls + 1 and fresh(claim.id).checked_at is not None
