"""Ask the evidence panel (submission page and indicator page) and the indicator summary.

Access is resolved once per request (access.submission_for / access.indicator_for) and the
service checks it again; the panel shows the viewer's conversation (coordinators: everyone's).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required

from ..models import Indicator, Submission
from ..services import access, answering, summaries, summary_queue
from ..services.errors import Invalid

bp = Blueprint("answering", __name__)
SUBMISSION = "/submissions/<id:submission_id>/ask"
INDICATOR = "/submissions/<id:submission_id>/indicators/<code>/ask"


def _panel(submission: Submission, indicator: Indicator | None, error: str = "") -> str:
    return render_template(
        "answering/_panel.html",
        submission=submission,
        indicator=indicator,
        questions=answering.conversation(
            current_user, submission.id, indicator_id=indicator.id if indicator else None
        ),
        error=error,
    )


def _ask(submission: Submission, indicator: Indicator | None) -> str:
    try:
        answering.ask(
            current_user.id,
            submission.id,
            request.form.get("question", ""),
            indicator_code=indicator.code if indicator else None,
        )
    except Invalid as exc:
        return _panel(submission, indicator, error="; ".join(exc.fields.values()))
    return _panel(submission, indicator)


@bp.route(SUBMISSION)
@login_required
def panel(submission_id: int) -> Any:
    return _panel(access.submission_for(current_user, submission_id), None)


@bp.route(SUBMISSION, methods=["POST"])
@login_required
def ask(submission_id: int) -> Any:
    return _ask(access.submission_for(current_user, submission_id), None)


@bp.route(INDICATOR)
@login_required
def indicator_panel(submission_id: int, code: str) -> Any:
    submission, indicator = access.indicator_for(current_user, submission_id, code)
    return _panel(submission, indicator)


@bp.route(INDICATOR, methods=["POST"])
@login_required
def indicator_ask(submission_id: int, code: str) -> Any:
    submission, indicator = access.indicator_for(current_user, submission_id, code)
    return _ask(submission, indicator)


@bp.route("/submissions/<id:submission_id>/indicators/<code>/summary")
@login_required
def summary(submission_id: int, code: str) -> Any:
    """The cached summary; while none is stored, one is queued and the panel polls."""
    submission, indicator = access.indicator_for(current_user, submission_id, code)
    row = summaries.cached(current_user, submission.id, indicator.id)
    if row is None and request.args.get("queued") != "1":
        summary_queue.request(submission.id, indicator.id)
        row = summaries.cached(current_user, submission.id, indicator.id)  # inline queue
    return render_template(
        "answering/_summary.html", submission=submission, indicator=indicator, row=row
    )
