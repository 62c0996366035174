"""A submission: its documents and its indicators by area, its evidence coverage, and an
evaluator's answer to the conflict-of-interest question."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..services import access, claims, documents, overview, rounds
from ..services import suggestions as suggest
from ..services.errors import Invalid

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
        counts=claims.counts(submission.id),
        statuses=claims.STATUSES,
        claim_status=claims.status_by_indicator(submission.id),
    )


@bp.route("/submissions/<id:submission_id>/coverage")
@login_required
def coverage(submission_id: int) -> Any:
    submission = access.submission_for(current_user, submission_id)
    snapshot = suggest.coverage_matrix(current_user, submission)
    rows = snapshot.rows
    areas: dict[int, list[Any]] = {}
    for row in rows:
        areas.setdefault(row.indicator.area_id, []).append(row)
    return render_template(
        "submissions/coverage.html",
        submission=submission,
        areas=[(a, areas.get(a.id, [])) for a in submission.round.framework.areas],
        missing=sum(1 for r in rows if r.strength == 0),
        updating=not snapshot.fresh,
        total=len(rows),
        counts=claims.counts(submission.id),
        statuses=claims.STATUSES,
        claim_status=claims.status_by_indicator(submission.id),
    )


@bp.route("/submissions/<id:submission_id>/conflict", methods=["POST"])
@login_required
def conflict(submission_id: int) -> Any:
    """The evaluator answers the conflict-of-interest question (``conflict`` = no | yes, with
    ``conflict_note`` for yes); back to the indicator page the form was on (``indicator``)."""
    submission = access.submission_for(current_user, submission_id)
    answer = request.form.get("conflict", "")
    if answer not in ("no", "yes"):
        abort(400)
    code = request.form.get("indicator", "").strip()
    back = (
        url_for("indicators.page", submission_id=submission.id, code=code) + "#score"
        if code
        else url_for("submissions.show", submission_id=submission.id)
    )
    try:
        rounds.declare_conflict(
            submission.id,
            current_user.id,
            conflict=answer == "yes",
            note=request.form.get("conflict_note", ""),
        )
    except Invalid as exc:
        for message in exc.fields.values():
            flash(message, "error")
        return redirect(back, code=303)
    if answer == "yes":
        flash(_("Your conflict of interest is recorded: you do not score this applicant."), "info")
    else:
        flash(_("Recorded: no conflict of interest with this applicant."), "info")
    return redirect(back, code=303)
