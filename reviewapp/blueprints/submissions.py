"""A submission: its documents and its indicators by area; one indicator's page."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template, request
from flask_login import current_user, login_required

from ..services import access, ingestion, overview

bp = Blueprint("submissions", __name__)


@bp.route("/submissions/<int:submission_id>")
@login_required
def show(submission_id: int) -> Any:
    submission = access.submission_for(current_user, submission_id)
    batch = request.args.get("batch")
    return render_template(
        "submissions/show.html",
        submission=submission,
        areas=overview.indicators_by_area(submission),
        summary=ingestion.batch_summary(submission.id, batch) if batch else None,
    )


@bp.route("/submissions/<int:submission_id>/indicators/<code>")
@login_required
def indicator(submission_id: int, code: str) -> Any:
    submission = access.submission_for(current_user, submission_id)
    indicator = overview.indicator_by_code(submission, code)
    if indicator is None:
        abort(404)
    return render_template("submissions/indicator.html", submission=submission, indicator=indicator)
