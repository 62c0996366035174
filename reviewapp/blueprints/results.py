"""The committee's pages of a round, for coordinators and administrators (evaluators get 403):
results per track with what each applicant would need, every evaluator's progress, the
disagreements to settle with their adjudication notes, one applicant's sheet with the
committee's opinions, and the exports (XLSX, CSV, DOCX) built by reviewapp/reports/."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import grading
from ..converters import id_arg
from ..extensions import db
from ..models import Role, Round, Submission
from ..reports import export
from ..services import access, committee, results
from ..services.errors import Conflict, Invalid, NotFound
from .auth import roles_required

bp = Blueprint("results", __name__)

MANAGERS = (Role.ADMIN, Role.COORDINATOR)


@bp.app_template_filter("pct")
def pct_text(value: Decimal | int | None) -> str:
    """A percentage with 2 decimals, as the exports write it: 7.4 -> "7.40"."""
    if value is None:
        return ""
    return format(grading.round_half_up(Decimal(str(value))), "f")


def _submission_in(round_: Round, submission_id: int) -> Submission:
    """The submission if it belongs to ``round_``; NotFound otherwise."""
    submission = access.submission_for(current_user, submission_id)
    if submission.round_id != round_.id:
        raise NotFound(f"no submission {submission_id} in round {round_.id}")
    return submission


@bp.route("/rounds/<id:round_id>/results")
@roles_required(*MANAGERS)
def round_page(round_id: int) -> Any:
    """Grades and ranks per track; ``?track=`` and ``?status=`` filter (unknown: ignored)."""
    round_ = access.round_for(current_user, round_id)
    view = results.results_page(
        round_.id, track=request.args.get("track"), status=request.args.get("status")
    )
    return render_template("results/round.html", view=view, round=round_)


@bp.route("/rounds/<id:round_id>/progress")
@roles_required(*MANAGERS)
def progress(round_id: int) -> Any:
    round_ = access.round_for(current_user, round_id)
    return render_template(
        "results/progress.html", view=results.progress_page(round_.id), round=round_
    )


def _disagreements(round_: Round, refused: dict[str, Any] | None = None) -> str:
    """The disagreement list; ``refused`` carries a refused note back to its form, or (for an
    indicator the list shows no form for, or a finalized round) to an alert above the list
    with the typed text to copy."""
    view = results.disagreement_page(round_.id)
    shown = {(sheet.submission.id, row.indicator_id) for sheet, row in view.items}
    return render_template(
        "results/disagreements.html",
        view=view,
        round=round_,
        refused=refused,
        refused_inline=refused is not None
        and refused["key"] in shown
        and not view.results.finalized,
    )


@bp.route("/rounds/<id:round_id>/disagreements")
@roles_required(*MANAGERS)
def disagreements(round_id: int) -> Any:
    return _disagreements(access.round_for(current_user, round_id))


@bp.route(
    "/rounds/<id:round_id>/disagreements/<id:submission_id>/<id:indicator_id>",
    methods=["POST"],
)
@roles_required(*MANAGERS)
def adjudicate(round_id: int, submission_id: int, indicator_id: int) -> Any:
    """Record an adjudication note: the list again with the note's error (400); a finalized
    round or an indicator that is neither flagged nor adjudicated: the list again with why
    and the typed note (409); then back to the indicator in the list."""
    round_ = access.round_for(current_user, round_id)
    submission = _submission_in(round_, submission_id)
    note = request.form.get("note", "")
    key = (submission.id, indicator_id)
    try:
        added = committee.record_adjudication(current_user.id, submission.id, indicator_id, note)
    except Invalid as exc:
        refused = {"key": key, "error": exc.fields.get("note", str(exc)), "note": note}
        return _disagreements(round_, refused=refused), 400
    except Conflict as exc:
        db.session.rollback()
        refused = {"key": key, "error": str(exc), "note": note}
        return _disagreements(round_, refused=refused), 409
    flash(_("Adjudication note recorded."), "success")
    anchor = f"#d-{submission.id}-{added.indicator.code}"
    return redirect(url_for("results.disagreements", round_id=round_.id) + anchor, code=303)


def _submission_page(round_: Round, submission_id: int, **context: Any) -> str:
    """One applicant's page; ``context`` carries refused opinions back to the form."""
    return render_template(
        "results/submission.html",
        view=results.submission_page(round_.id, submission_id),
        round=round_,
        **context,
    )


@bp.route("/rounds/<id:round_id>/results/<id:submission_id>")
@roles_required(*MANAGERS)
def submission(round_id: int, submission_id: int) -> Any:
    round_ = access.round_for(current_user, round_id)
    return _submission_page(round_, _submission_in(round_, submission_id).id)


def _version(text: str) -> int:
    """A version as the form sent it; -1 (never a saved version) for anything malformed."""
    text = text.strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 9 else -1


@bp.route("/rounds/<id:round_id>/results/<id:submission_id>", methods=["POST"])
@roles_required(*MANAGERS)
def save_opinions(round_id: int, submission_id: int) -> Any:
    """Save the committee's opinions (fields ``overall`` and ``area-<code>``, each with the
    version it was loaded with in ``version-<field>``; a field not sent keeps its text).
    Wrong fields: the page with a message per field and the typed text (400). Changed by
    someone else meanwhile: the page with the saved text beside the typed text (409). A
    finalized round: the page with the typed text to copy (409)."""
    round_ = access.round_for(current_user, round_id)
    submission = _submission_in(round_, submission_id)
    overall = request.form.get("overall")  # None: not sent, kept
    areas = {
        name.removeprefix("area-"): text
        for name, text in request.form.items()
        if name.startswith("area-")
    }
    versions = {}
    for name, text in request.form.items():
        field = name.removeprefix("version-")
        if field == name:
            continue
        if field == "overall":
            versions[committee.OVERALL] = _version(text)
        elif field.startswith("area-"):
            versions[field.removeprefix("area-")] = _version(text)
    values = {"overall": overall} if overall is not None else {}
    values.update({f"area-{code}": text for code, text in areas.items()})
    try:
        committee.save_opinions(
            current_user.id, submission.id, overall=overall, areas=areas, versions=versions
        )
    except Invalid as exc:
        return _submission_page(
            round_, submission.id, opinion_errors=exc.fields, opinion_values=values
        ), 400
    except committee.StaleOpinions as exc:
        db.session.rollback()
        return _submission_page(
            round_,
            submission.id,
            opinion_values=values,
            opinion_message=str(exc),
            stale_fields=exc.fields,
        ), 409
    except Conflict as exc:
        db.session.rollback()
        return _submission_page(
            round_, submission.id, opinion_values=values, opinion_message=str(exc)
        ), 409
    flash(_("Committee opinions saved."), "success")
    url = url_for("results.submission", round_id=round_.id, submission_id=submission.id)
    return redirect(url + "#opinions", code=303)


@bp.route("/rounds/<id:round_id>/export/<fmt>")
@roles_required(*MANAGERS)
def export_file(round_id: int, fmt: str) -> Any:
    """The round as XLSX or CSV, or one applicant as DOCX (``?submission=<id>``), as a
    download under a Korean file name (RFC 5987 ``filename*``) with an ASCII fallback."""
    round_ = access.round_for(current_user, round_id)
    submission_id = None
    if "submission" in request.args:
        submission_id = id_arg("submission")
        if submission_id is None:
            raise NotFound(f"no submission {request.args['submission']!r}")
        _submission_in(round_, submission_id)
    made = export(round_.id, fmt, submission_id=submission_id)
    response = send_file(
        io.BytesIO(made.data),
        mimetype=made.mimetype,
        as_attachment=True,
        download_name=made.filename,
        max_age=0,
    )
    response.headers["Content-Disposition"] = made.content_disposition
    return response
