"""The demo round that `make run` loads: its users, assignments, scores and isolation."""

from __future__ import annotations

from decimal import Decimal

from flask import Flask, g
from flask.testing import FlaskClient
from sqlalchemy import select

from reviewapp.extensions import db
from reviewapp.models import Assignment, EvidenceLink, Score, Submission, User
from reviewapp.services import grades
from reviewapp.services.demo import load_demo

from ..conftest import login


def _client(app: Flask, username: str) -> FlaskClient:
    g.pop("_login_user", None)
    g.pop("csrf_token", None)
    client = app.test_client()
    login(client, username, "eval1234!")
    return client


def _assigned(username: str) -> set[str]:
    return {
        submission.applicant.name
        for submission in db.session.scalars(
            select(Submission)
            .join(Assignment, Assignment.submission_id == Submission.id)
            .join(User, User.id == Assignment.evaluator_id)
            .where(User.username == username)
        )
    }


def test_demo_two_evaluators_one_city_scores_and_a_disagreement(app: Flask) -> None:
    result = load_demo()
    assert result.loaded
    assert load_demo().loaded is False  # idempotent
    assert _assigned("evaluator1") == {"한빛시"}
    assert _assigned("evaluator3") == {"한빛시"}
    assert _assigned("evaluator2") == {"솔내시"}

    # every demo score cites its own evaluator's link on the cited page
    scores = list(db.session.scalars(select(Score)))
    assert len(scores) == 7
    for score in scores:
        assert score.links and all(link.evaluator_id == score.evaluator_id for link in score.links)
        assert score.no_evidence_reason == ""

    by_code = {row.submission.applicant.name: row for row in grades.round_grades(1).submissions}
    hanbit = by_code["한빛시"].result
    indicators = {ind.code: ind for ind in hanbit.indicators}
    # INN-01 levels 5 and 4 of 40 points -> 40 and 32, mean 36; INN-02 40 vs 24 -> 32, flagged
    assert indicators["INN-01"].score == Decimal("36.00")
    assert not indicators["INN-01"].flagged  # spread 8 = 20 % of 40: not above
    assert indicators["INN-02"].score == Decimal("32.00") and indicators["INN-02"].flagged
    assert indicators["SVC-02"].n_scores == 1
    assert hanbit.total == Decimal("148.00") and not hanbit.complete
    assert by_code["솔내시"].result.total == Decimal("0.00")

    # blind: evaluator3 scored INN-01, so sees evaluator1's comment there; evaluator2 is not
    # assigned to 한빛시 and sees nothing of it
    hanbit_id = by_code["한빛시"].submission.id
    e3 = _client(app, "evaluator3")
    page = e3.get(f"/submissions/{hanbit_id}/indicators/INN-01/links").get_data(as_text=True)
    assert "평가위원 1" in page
    # SVC-02 was scored by evaluator1 only: evaluator3 does not see that link yet
    page = e3.get(f"/submissions/{hanbit_id}/indicators/SVC-02/links").get_data(as_text=True)
    assert "평가위원 1" not in page
    assert db.session.scalar(select(EvidenceLink).where(EvidenceLink.indicator.has(code="SVC-02")))
    e2 = _client(app, "evaluator2")
    assert e2.get(f"/submissions/{hanbit_id}/indicators/INN-01").status_code == 404
