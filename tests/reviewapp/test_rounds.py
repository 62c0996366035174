"""The rounds views through the Flask client: the home redirect, a new round, a new applicant
and an evaluator's assignment, each with its status and what it changed."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import select

from reviewapp.extensions import db
from reviewapp.models import Applicant, Assignment, Round, Submission
from tests.conftest import World, csrf_token, login
from tests.reviewapp.helpers import count, flashes, second_browser, user


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
