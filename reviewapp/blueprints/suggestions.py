"""Suggested evidence per indicator, accept/reject, and the coverage matrix."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ..converters import id_arg, int_arg
from ..services import access
from ..services import suggestions as suggest
from . import is_htmx

bp = Blueprint("suggestions", __name__)


@bp.route("/submissions/<id:submission_id>/indicators/<code>/suggestions")
@login_required
def for_indicator(submission_id: int, code: str) -> Any:
    submission = access.submission_for(current_user, submission_id)
    result = suggest.for_indicator(
        current_user, submission.id, code, limit=int_arg("limit", 10, lo=1) or 10
    )
    return render_template("suggestions/_list.html", submission=submission, result=result)


@bp.route("/submissions/<id:submission_id>/indicators/<code>/suggestions", methods=["POST"])
@login_required
def decide(submission_id: int, code: str) -> Any:
    submission = access.submission_for(current_user, submission_id)
    chunk_id = id_arg("chunk_id", source="form") or abort(400)
    suggest.decide(current_user, submission.id, code, chunk_id, request.form.get("decision", ""))
    if is_htmx():
        result = suggest.for_indicator(current_user, submission.id, code)
        return (
            render_template("suggestions/_list.html", submission=submission, result=result),
            200,
            {"HX-Trigger": "suggestion-decided"},
        )
    return redirect(url_for("submissions.indicator", submission_id=submission.id, code=code))


@bp.route("/submissions/<id:submission_id>/coverage")
@login_required
def coverage(submission_id: int) -> Any:
    submission = access.submission_for(current_user, submission_id)
    rows = suggest.coverage(current_user, submission.id)
    areas: dict[int, list[suggest.IndicatorSuggestions]] = {}
    for row in rows:
        areas.setdefault(row.indicator.area_id, []).append(row)
    return render_template(
        "suggestions/coverage.html",
        submission=submission,
        areas=[(a, areas.get(a.id, [])) for a in submission.round.framework.areas],
        missing=sum(1 for r in rows if r.strength == 0),
        total=len(rows),
    )
