"""Claims import on request: import a document's claims again, and map the columns of a
claims table whose header the importer does not know (coordinators and admins)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..models import Role
from ..services import access, claims_import, pipeline
from ..services.claims_import import FIELDS, ImportReport
from ..services.errors import Invalid
from .auth import roles_required

bp = Blueprint("claims_import", __name__)


@bp.route("/documents/<id:document_id>/claims/columns")
@roles_required(Role.ADMIN, Role.COORDINATOR)
def columns(document_id: int) -> Any:
    """The document's candidate header rows, each with a select per field."""
    doc = access.document_for(current_user, document_id)
    try:
        candidates = claims_import.candidate_headers(doc.id)
        problem = None
    except claims_import.NotATableDocument:
        candidates, problem = [], "no_tables"
    return render_template(
        "claims_import/columns.html",
        doc=doc,
        candidates=candidates,
        problem=problem,
        fields=FIELDS,
    )


@bp.route("/documents/<id:document_id>/claims/columns", methods=["POST"])
@roles_required(Role.ADMIN, Role.COORDINATOR)
def save_columns(document_id: int) -> Any:
    """Save the chosen header row's columns as the round's mapping and import with it."""
    doc = access.document_for(current_user, document_id)
    table, row = _required("table"), _required("row")
    chosen = {name: _index(name) for name in FIELDS}
    columns = {name: value for name, value in chosen.items() if value is not None}
    claims_import.save_mapping(doc.id, table, row, columns, actor_id=current_user.id)
    flash(_("Column mapping saved for this round."), "success")
    report = pipeline.import_claims(doc.id, actor_id=current_user.id)
    assert report is not None
    _flash_report(report)
    return redirect(url_for("documents.view", document_id=doc.id) + "#claims")


@bp.route("/documents/<id:document_id>/claims/import", methods=["POST"])
@roles_required(Role.ADMIN, Role.COORDINATOR)
def reimport(document_id: int) -> Any:
    """Import the document's claims again (review marks stay where the row does)."""
    doc = access.document_for(current_user, document_id)
    report = pipeline.import_claims(doc.id, actor_id=current_user.id)
    assert report is not None
    _flash_report(report)
    return redirect(url_for("documents.view", document_id=doc.id) + "#claims")


def _index(name: str) -> int | None:
    """A form field holding a column, table or row index ("" or absent: None); Invalid (400)
    for anything else."""
    raw = request.form.get(name, "").strip()
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 6:
        raise Invalid({name: f"not an index: {raw[:20]!r}"})
    return int(raw)


def _required(name: str) -> int:
    value = _index(name)
    if value is None:
        raise Invalid({name: "required"})
    return value


def _flash_report(report: ImportReport) -> None:
    if not report.header_found:
        flash(_("No header row was found: specify the columns."), "warning")
        return
    flash(
        _(
            "%(claims)d claims imported; %(unmatched)d not linked to an indicator.",
            claims=report.claims,
            unmatched=len(report.unmatched),
        ),
        "success" if not report.unmatched else "warning",
    )


@bp.app_template_global("document_claims")
def document_claims(doc: Any) -> claims_import.DocumentClaims:
    return claims_import.document_claims(doc)
