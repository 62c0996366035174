"""Indicator frameworks: the import page (a YAML or XLSX file) for coordinators and admins."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..models import Role
from ..services import frameworks
from .auth import roles_required

bp = Blueprint("frameworks", __name__)


@bp.route("/frameworks", methods=["GET", "POST"])
@roles_required(Role.ADMIN, Role.COORDINATOR)
def index() -> Any:
    """GET: the imported frameworks and the upload form. POST: import one file; every
    problem of a refused file is listed (400) and nothing is imported."""
    if request.method == "GET":
        return _page()
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash(_("Choose a framework file (.yaml, .yml or .xlsx)."), "error")
        return _page(), 400
    try:
        summary = frameworks.import_upload(
            upload.stream,
            upload.filename,
            tmp_dir=Path(current_app.config["DATA_DIR"]) / "tmp",
            actor_id=current_user.id,
        )
    except frameworks.FrameworkFileError as exc:
        flash(_("%(file)s was not imported: nothing changed.", file=exc.file), "error")
        return _page(file=exc.file, problems=frameworks.problem_rows(exc.problems)), 400
    flash(
        _(
            "Framework %(code)s version %(version)s imported: %(n)d indicators.",
            code=summary.code,
            version=summary.version,
            n=summary.indicators,
        ),
        "success",
    )
    return redirect(url_for("frameworks.index"), code=303)


def _page(**context: Any) -> str:
    return render_template("frameworks/index.html", frameworks=frameworks.listing(), **context)
