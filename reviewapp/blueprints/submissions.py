"""A submission: its documents and its indicators by area, and its evidence coverage."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required

from ..services import access, documents, overview
from ..services import suggestions as suggest

bp = Blueprint("submissions", __name__)


@bp.route("/submissions/<id:submission_id>")
@login_required
def show(submission_id: int) -> Any:
    submission = access.submission_for(current_user, submission_id)
    batch = request.args.get("batch")
    return render_template(
        "submissions/show.html",
        submission=submission,
        areas=overview.indicators_by_area(current_user, submission),
        summary=documents.batch_summary(submission.id, batch) if batch else None,
    )


@bp.route("/submissions/<id:submission_id>/coverage")
@login_required
def coverage(submission_id: int) -> Any:
    submission = access.submission_for(current_user, submission_id)
    rows = suggest.coverage(current_user, submission)
    areas: dict[int, list[suggest.IndicatorSuggestions]] = {}
    for row in rows:
        areas.setdefault(row.indicator.area_id, []).append(row)
    return render_template(
        "submissions/coverage.html",
        submission=submission,
        areas=[(a, areas.get(a.id, [])) for a in submission.round.framework.areas],
        missing=sum(1 for r in rows if r.strength == 0),
        total=len(rows),
    )
