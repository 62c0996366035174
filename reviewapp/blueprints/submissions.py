"""A submission: its documents and its indicators by area; one indicator's page."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template, request
from flask_login import current_user, login_required

from ..services import access, ingestion, overview
from ..services import search as evidence

bp = Blueprint("submissions", __name__)


@bp.route("/submissions/<id:submission_id>")
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


@bp.route("/submissions/<id:submission_id>/indicators/<code>")
@login_required
def indicator(submission_id: int, code: str) -> Any:
    submission = access.submission_for(current_user, submission_id)
    indicator = overview.indicator_by_code(submission, code)
    if indicator is None:
        abort(404)
    query = request.args.get("q") or evidence.indicator_query(indicator)
    mode = request.args.get("mode", evidence.DEFAULT_MODE)
    results = evidence.search(
        current_user, query, evidence.SearchFilters(submission_id=submission.id, mode=mode)
    )
    results.linked_chunks = evidence.linked_chunk_ids(submission.id, indicator.id)
    return render_template(
        "submissions/indicator.html",
        submission=submission,
        indicator=indicator,
        query=query,
        mode=mode,
        results=results,
        links=evidence.links_for(submission.id, indicator.id),
    )
