"""The rounds views through the Flask client: the home redirect, a new round, a new applicant
and an evaluator's assignment, the round's grading rules, finalizing and reopening, the
conflict-of-interest answers and the audit trail, each with its status and what it changed."""

from __future__ import annotations

import re
from decimal import Decimal

from flask.testing import FlaskClient
from sqlalchemy import select

from reviewapp.extensions import db
from reviewapp.models import Applicant, Assignment, AuditEvent, Document, Round, Score, Submission
from reviewapp.services import audit, rounds, scoring
from tests.conftest import World, csrf_token, login
from tests.reviewapp.helpers import (
    MD,
    count,
    flashes,
    indicators_of,
    second_browser,
    upload,
    user,
)


def test_home_leads_to_the_rounds(client: FlaskClient, world: World) -> None:
    anonymous = client.get("/")
    assert anonymous.status_code == 302 and anonymous.headers["Location"].startswith("/login")
    login(client, "eva")
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"] == "/rounds"
    assert "2026 인증" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_coordinator_creates_a_round(client: FlaskClient, world: World) -> None:
    login(client, "coord")
    page = client.get("/rounds").get_data(as_text=True)
    assert f'<option value="{world.framework_id}"' in page  # the choice the service offers
    token = csrf_token(client, "/rounds")
    response = client.post(
        "/rounds",
        data={"csrf_token": token, "name": "2027 인증", "framework_id": str(world.framework_id)},
    )
    new = db.session.scalar(select(Round).where(Round.name == "2027 인증"))
    assert new is not None and new.framework_id == world.framework_id
    assert response.status_code == 302 and response.headers["Location"] == f"/rounds/{new.id}"
    assert "2027 인증" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_round_form_refuses_missing_fields_and_other_roles(
    client: FlaskClient, world: World
) -> None:
    login(client, "coord")
    token = csrf_token(client, "/rounds")
    rounds_before = count(Round)
    blank = client.post(
        "/rounds", data={"csrf_token": token, "name": "", "framework_id": str(world.framework_id)}
    )
    assert blank.status_code == 200 and flashes(blank.get_data(as_text=True))
    unknown = client.post(
        "/rounds", data={"csrf_token": token, "name": "없는 체계", "framework_id": "999"}
    )
    assert unknown.status_code == 200 and flashes(unknown.get_data(as_text=True))
    assert count(Round) == rounds_before

    evaluator = second_browser(client.application, "eva")
    refused = evaluator.post(
        "/rounds",
        data={
            "csrf_token": csrf_token(evaluator, "/rounds"),
            "name": "평가위원의 라운드",
            "framework_id": str(world.framework_id),
        },
    )
    assert refused.status_code == 403
    assert count(Round) == rounds_before


def test_coordinator_registers_an_applicant(client: FlaskClient, world: World) -> None:
    login(client, "coord")
    token = csrf_token(client, f"/rounds/{world.round_id}")
    response = client.post(
        f"/rounds/{world.round_id}/applicants",
        data={"csrf_token": token, "name": "가온시", "region": "경기", "population": "700000"},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/rounds/{world.round_id}"
    applicant = db.session.scalar(select(Applicant).where(Applicant.name == "가온시"))
    assert applicant is not None and applicant.population == 700_000
    assert applicant.region == "경기"
    submission = db.session.scalar(
        select(Submission).where(Submission.applicant_id == applicant.id)
    )
    assert submission is not None and submission.round_id == world.round_id
    assert submission.track == "large"  # 700,000 people: the large-city track

    again = client.post(
        f"/rounds/{world.round_id}/applicants",
        data={"csrf_token": token, "name": "가온시", "population": "700000"},
    )
    assert again.status_code == 302
    assert flashes(client.get(again.headers["Location"]).get_data(as_text=True))
    assert count(Submission, Submission.applicant_id == applicant.id) == 1


def test_coordinator_assigns_an_evaluator(client: FlaskClient, world: World) -> None:
    evb = user("evb")
    assert count(Assignment, Assignment.submission_id == world.large) == 1  # eva only
    login(client, "coord")
    page = client.get(f"/rounds/{world.round_id}").get_data(as_text=True)
    assert '<option value="evb"' in page  # the active evaluators the service lists
    token = csrf_token(client, f"/rounds/{world.round_id}")
    response = client.post(
        f"/rounds/{world.round_id}/assignments",
        data={"csrf_token": token, "submission_id": str(world.large), "username": "evb"},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/rounds/{world.round_id}"
    assert "평가위원을 배정했습니다" in client.get(response.headers["Location"]).get_data(
        as_text=True
    )
    assert (
        count(
            Assignment,
            Assignment.submission_id == world.large,
            Assignment.evaluator_id == evb.id,
        )
        == 1
    )

    evaluator = second_browser(client.application, "evb")
    assert evaluator.get(f"/submissions/{world.large}").status_code == 200


def test_assignment_refuses_who_is_no_evaluator(client: FlaskClient, world: World) -> None:
    login(client, "coord")
    token = csrf_token(client, f"/rounds/{world.round_id}")
    before = count(Assignment)
    for username in ("coord", "nobody"):
        response = client.post(
            f"/rounds/{world.round_id}/assignments",
            data={"csrf_token": token, "submission_id": str(world.large), "username": username},
        )
        assert response.status_code == 302
        assert flashes(client.get(response.headers["Location"]).get_data(as_text=True))
    assert count(Assignment) == before


def test_assignment_takes_only_a_submission_of_its_round(client: FlaskClient, world: World) -> None:
    other = rounds.create_round("다른 라운드", world.framework_id)
    elsewhere = rounds.add_applicant(other.id, "다른시", 300000).submission_id
    login(client, "coord")
    token = csrf_token(client, f"/rounds/{world.round_id}")
    before = count(Assignment)
    response = client.post(
        f"/rounds/{world.round_id}/assignments",
        data={"csrf_token": token, "submission_id": str(elsewhere), "username": "evb"},
    )
    assert response.status_code == 302
    assert flashes(client.get(response.headers["Location"]).get_data(as_text=True))
    assert count(Assignment) == before
    # an unknown round: 404, nothing assigned
    missing = client.post(
        "/rounds/999999/assignments",
        data={"csrf_token": token, "submission_id": str(world.large), "username": "evb"},
    )
    assert missing.status_code == 404 and count(Assignment) == before


# --- grading rules, finalization, conflicts of interest, audit trail (issue 11) ----------------

QUANT = "INN-02"  # quantitative, 40 points


def _round(world: World) -> Round:
    db.session.expire_all()
    found = db.session.get(Round, world.round_id)
    assert found is not None
    return found


def _settings_form(**overrides: object) -> dict[str, object]:
    form: dict[str, object] = {
        "aggregation": "trimmed_mean",
        "trim_min": "4",
        "disagreement_pct": "25.5",
        "threshold_pct": "75",
        "stages": ["document"],
    }
    form.update(overrides)
    return form


def _post(client: FlaskClient, world: World, action: str, **data: object):  # type: ignore[no-untyped-def]
    token = csrf_token(client, f"/rounds/{world.round_id}")
    return client.post(f"/rounds/{world.round_id}/{action}", data={"csrf_token": token, **data})


def _first_score(world: World) -> None:
    indicator = next(i for i in indicators_of(world) if i.code == QUANT)
    scoring.save_score(
        user("eva").id,
        world.large,
        indicator.id,
        "document",
        scoring.ScoreForm(points="30", no_evidence_reason="증빙 없음", version=0),
    )


def test_settings_are_saved_and_audited(client: FlaskClient, world: World) -> None:
    login(client, "coord")
    page = client.get(f"/rounds/{world.round_id}").get_data(as_text=True)
    assert f'action="/rounds/{world.round_id}/settings"' in page
    assert 'name="stages" value="onsite"' in page  # the framework's stages offered
    response = _post(client, world, "settings", **_settings_form())
    assert response.status_code == 303
    assert response.headers["Location"] == f"/rounds/{world.round_id}#settings"
    round_ = _round(world)
    assert round_.aggregation_rule == "trimmed_mean" and round_.trim_min_evaluators == 4
    assert round_.disagreement_pct == Decimal("25.50")
    assert round_.certification_threshold_pct == Decimal("75.00")
    assert [s["code"] for s in round_.stages] == ["document"]
    (event,) = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "round.settings"))
    assert event.round_id == world.round_id and event.actor_id == user("coord").id
    assert event.data["after"]["aggregation"] == "trimmed_mean"
    assert "라운드 설정을 저장했습니다" in client.get(f"/rounds/{world.round_id}").get_data(
        as_text=True
    )


def test_invalid_settings_answer_400_per_field_and_change_nothing(
    client: FlaskClient, world: World
) -> None:
    login(client, "coord")
    before = rounds.settings_of(_round(world))
    response = _post(
        client,
        world,
        "settings",
        **_settings_form(aggregation="median", trim_min="두", threshold_pct="101", stages=[]),
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    errors = re.findall(r'<p class="error-text" id="st-[a-z]+-err">(.*?)</p>', html)
    assert len(errors) == 4, errors
    assert all(re.search(r"[가-힣]", e) for e in errors), errors  # Korean messages
    assert 'value="두"' in html and 'value="101"' in html  # what was typed stays
    assert rounds.settings_of(_round(world)) == before
    assert count(AuditEvent, AuditEvent.action == "round.settings") == 0


def test_settings_are_read_only_after_the_first_score(client: FlaskClient, world: World) -> None:
    _first_score(world)
    login(client, "coord")
    page = client.get(f"/rounds/{world.round_id}").get_data(as_text=True)
    assert f'action="/rounds/{world.round_id}/settings"' not in page
    reason = rounds.settings_locked_reason(_round(world))
    assert reason and reason in page
    before = rounds.settings_of(_round(world))
    response = _post(client, world, "settings", **_settings_form())
    assert response.status_code == 409 and reason in response.get_data(as_text=True)
    assert rounds.settings_of(_round(world)) == before
    assert count(AuditEvent, AuditEvent.action == "round.settings") == 0


def test_finalize_needs_the_confirmation(client: FlaskClient, world: World) -> None:
    login(client, "coord")
    page = client.get(f"/rounds/{world.round_id}").get_data(as_text=True)
    assert "확정 후에는 점수·증빙·업로드를 변경할 수 없습니다" in page
    response = _post(client, world, "finalize")
    assert response.status_code == 400
    assert "확인란" in response.get_data(as_text=True)
    assert _round(world).status == "open"
    assert count(AuditEvent, AuditEvent.action == "round.finalize") == 0


def test_finalize_then_writes_are_refused_then_reopen(client: FlaskClient, world: World) -> None:
    login(client, "coord")
    response = _post(client, world, "finalize", confirm="yes")
    assert response.status_code == 303
    round_ = _round(world)
    assert round_.status == "finalized" and round_.finalized_at is not None
    assert count(AuditEvent, AuditEvent.action == "round.finalize") == 1
    page = client.get(f"/rounds/{world.round_id}").get_data(as_text=True)
    assert "이 라운드는 확정되었습니다" in page
    assert f'action="/rounds/{world.round_id}/reopen"' in page
    assert f'action="/rounds/{world.round_id}/finalize"' not in page
    assert _post(client, world, "finalize", confirm="yes").status_code == 409  # already

    # writes in a finalized round: an upload (coordinator) and a score (evaluator)
    documents_before = count(Document)
    refused = upload(client, world.large, [("법.md", MD.read_bytes())])
    assert refused.status_code == 409 and count(Document) == documents_before
    assert "확정" in refused.get_data(as_text=True)
    eva = second_browser(client.application, "eva")
    score_page = f"/submissions/{world.large}/indicators/{QUANT}"
    scored = eva.post(
        score_page + "/score",
        data={
            "csrf_token": csrf_token(eva, score_page),
            "stage": "document",
            "version": "0",
            "points": "30",
            "no_evidence_reason": "증빙 없음",
        },
    )
    assert scored.status_code == 409 and count(Score) == 0

    coord = second_browser(client.application, "coord")
    no_reason = _post(coord, world, "reopen", reason="  ")
    assert no_reason.status_code == 400
    assert 'id="re-err"' in no_reason.get_data(as_text=True)
    assert _round(world).status == "finalized"
    reopened = _post(coord, world, "reopen", reason="점수 입력 오류 정정")
    assert reopened.status_code == 303 and _round(world).status == "open"
    (event,) = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "round.reopen"))
    assert event.data["reason"] == "점수 입력 오류 정정"
    assert _post(coord, world, "reopen", reason="또").status_code == 409  # not finalized


def test_conflict_of_interest_answers_are_shown_to_the_coordinator(
    client: FlaskClient, world: World
) -> None:
    rounds.assign(world.large, "evb")
    rounds.declare_conflict(world.large, user("eva").id, conflict=True, note="배우자가 담당자")
    rounds.declare_conflict(world.small, user("evb").id, conflict=False)
    login(client, "coord")
    html = client.get(f"/rounds/{world.round_id}").get_data(as_text=True)
    rows = re.findall(r'<tr class="assignment">(.*?)</tr>', html, re.S)
    assert len(rows) == 3
    text = [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", r)).strip() for r in rows]
    eva_row = next(t for t in text if "한빛시" in t and "eva" in t)
    assert "이해충돌 신고" in eva_row and "배우자가 담당자" in eva_row
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d KST", eva_row)
    assert "이해충돌 없음" in next(t for t in text if "솔내시" in t)
    assert "미응답" in next(t for t in text if "한빛시" in t and "evb" in t)
    # an evaluator sees no one's answers on the round page
    eva = second_browser(client.application, "eva")
    assert 'class="assignment"' not in eva.get(f"/rounds/{world.round_id}").get_data(as_text=True)


def test_audit_trail_lists_events_newest_first(client: FlaskClient, world: World) -> None:
    login(client, "coord")
    assert f"/rounds/{world.round_id}/audit" in client.get(f"/rounds/{world.round_id}").get_data(
        as_text=True
    )
    _post(client, world, "settings", **_settings_form())
    _post(client, world, "finalize", confirm="yes")
    _post(client, world, "reopen", reason="정정 필요")
    response = client.get(f"/rounds/{world.round_id}/audit")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    actions = re.findall(r'<td data-action="(.*?)">', html)
    assert actions[:3] == ["round.reopen", "round.finalize", "round.settings"]
    # shown in Korean: the action, the entity and the changed rule
    assert "라운드 재개" in html and "평가 규칙 변경" in html and "<dt>집계 방식</dt>" in html
    assert "round.create" in actions and "assignment.create" in actions
    assert len(actions) == count(AuditEvent, AuditEvent.round_id == world.round_id)
    assert re.search(r"<td>\d{4}-\d\d-\d\d \d\d:\d\d KST</td>", html)
    assert "mean → trimmed_mean" in html and "정정 필요" in html
    assert user("coord").display_name in html
    # read-only: no form on the page but the header's
    assert "<form" not in html.split("<main>")[1]


def test_audit_trail_pages_of_100(client: FlaskClient, world: World) -> None:
    for n in range(120):
        audit.record(None, "test.event", "round", world.round_id, round_id=world.round_id, n=n)
    db.session.commit()
    login(client, "admin")
    first = client.get(f"/rounds/{world.round_id}/audit").get_data(as_text=True)
    assert len(re.findall(r'<tr class="event">', first)) == 100
    assert "<dd>119</dd>" in first and "?page=2" in first
    total = count(AuditEvent, AuditEvent.round_id == world.round_id)
    second = client.get(f"/rounds/{world.round_id}/audit?page=2").get_data(as_text=True)
    assert len(re.findall(r'<tr class="event">', second)) == total - 100
    assert 'data-action="round.create"' in second and "라운드 생성" in second


def test_evaluators_cannot_reach_the_coordinator_routes(client: FlaskClient, world: World) -> None:
    login(client, "eva")  # assigned in this round, still refused
    assert client.get(f"/rounds/{world.round_id}/audit").status_code == 403
    before = rounds.settings_of(_round(world))
    token = csrf_token(client, f"/rounds/{world.round_id}")
    for action, data in (
        ("settings", _settings_form()),
        ("finalize", {"confirm": "yes"}),
        ("reopen", {"reason": "평가위원"}),
    ):
        response = client.post(
            f"/rounds/{world.round_id}/{action}", data={"csrf_token": token, **data}
        )
        assert response.status_code == 403, action
    assert rounds.settings_of(_round(world)) == before
    page = client.get(f"/rounds/{world.round_id}").get_data(as_text=True)
    assert "/audit" not in page and "/finalize" not in page
    assert f"/rounds/{world.round_id}/settings" not in page
    assert client.get("/rounds/999/audit").status_code == 403
    coord = second_browser(client.application, "coord")
    assert coord.get("/rounds/999/audit").status_code == 404
