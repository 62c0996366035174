"""Uploads, per-document progress (htmx polling), retry, delete, and the document viewers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from markupsafe import Markup
from werkzeug.exceptions import RequestEntityTooLarge

from extractors import detect_type

from ..converters import id_arg, int_arg
from ..models import DocumentType, Role
from ..services import access, documents, evidence, ocr_marks, places, preview, rounds, uploads
from ..services.errors import ServiceError
from ._responses import is_htmx
from .auth import roles_required

bp = Blueprint("documents", __name__)


@bp.route("/submissions/<id:submission_id>/documents", methods=["POST"])
@roles_required(Role.ADMIN, Role.COORDINATOR)
def upload(submission_id: int) -> Any:
    submission = access.submission_for(current_user, submission_id)
    rounds.require_open(submission.round)  # a finalized round: 409 before any file is read
    files = [f for f in request.files.getlist("files") if f and f.filename]
    doc_type = request.form.get("doc_type", DocumentType.EVIDENCE.value)
    if not files:
        flash(_("Choose at least one file."), "error")
        return redirect(url_for("submissions.show", submission_id=submission.id) + "#documents")
    batch = None
    outcomes = []
    queued: list[int] = []
    for f in files:
        try:
            report = uploads.add_upload(
                submission.id,
                f.filename or "upload",
                f.stream,
                doc_type=doc_type,
                actor_id=current_user.id,
                batch=batch,
                enqueue_jobs=False,
            )
        except ServiceError as exc:
            flash(f"{f.filename}: {exc}", "error")
            continue
        batch = report.batch
        outcomes.extend(report.outcomes)
        queued += report.queued_ids
    uploads.queue_documents(queued)  # the files' documents, indexed together
    new_documents = False
    for outcome in outcomes:
        if outcome.status == "duplicate":
            existing = documents.filename_of(outcome.document_id) if outcome.document_id else None
            flash(
                _(
                    "%(file)s: duplicate of %(existing)s already in this submission; not added again.",
                    file=outcome.filename,
                    existing=existing or "?",
                ),
                "warning",
            )
        elif outcome.document_id is None:  # nothing stored as a document (e.g. an empty ZIP)
            flash(f"{outcome.filename}: {outcome.message}", "error")
        else:
            new_documents = True
    if batch and new_documents:
        return redirect(
            url_for("submissions.show", submission_id=submission.id, batch=batch) + "#documents"
        )
    return redirect(url_for("submissions.show", submission_id=submission.id) + "#documents")


@bp.route("/submissions/<id:submission_id>/batches/<batch>")
@login_required
def batch_summary(submission_id: int, batch: str) -> Any:
    submission = access.submission_for(current_user, submission_id)
    return render_template(
        "documents/_batch.html",
        submission=submission,
        summary=documents.batch_summary(submission.id, batch),
    )


@bp.route("/documents/<id:document_id>/row")
@login_required
def row(document_id: int) -> Any:
    doc = access.document_for(current_user, document_id)
    return render_template("documents/_row.html", doc=doc)


@bp.route("/documents/<id:document_id>/retry", methods=["POST"])
@roles_required(Role.ADMIN, Role.COORDINATOR)
def retry(document_id: int) -> Any:
    doc = access.document_for(current_user, document_id)
    try:
        documents.retry(doc.id, actor_id=current_user.id)
    except ServiceError as exc:
        flash(str(exc), "error")
    doc = access.document_for(current_user, document_id)
    if is_htmx():
        return render_template("documents/_row.html", doc=doc)
    return redirect(url_for("submissions.show", submission_id=doc.submission_id) + "#documents")


@bp.route("/documents/<id:document_id>/delete", methods=["POST"])
@roles_required(Role.ADMIN, Role.COORDINATOR)
def delete(document_id: int) -> Any:
    doc = access.document_for(current_user, document_id)
    submission_id = doc.submission_id
    try:
        documents.delete_document(doc.id, actor_id=current_user.id)
    except documents.DocumentInUse as exc:
        for message in _in_use_messages(exc):
            flash(message, "error")
        return redirect(url_for("documents.view", document_id=document_id))
    flash(_("Document removed; the original file stays archived."), "success")
    return redirect(url_for("submissions.show", submission_id=submission_id) + "#documents")


def _in_use_messages(exc: documents.DocumentInUse) -> list[str]:
    messages = []
    if exc.links:
        messages.append(
            ngettext(
                "%(file)s cannot be deleted: %(num)d evidence link made by evaluators cites it. "
                "Remove that link first; the original file stays archived either way.",
                "%(file)s cannot be deleted: %(num)d evidence links made by evaluators cite it. "
                "Remove those links first; the original file stays archived either way.",
                exc.links,
                file=exc.filename,
            )
        )
    if exc.claims:
        messages.append(
            ngettext(
                "%(file)s cannot be deleted: %(num)d claim names it as its source.",
                "%(file)s cannot be deleted: %(num)d claims name it as their source.",
                exc.claims,
                file=exc.filename,
            )
        )
    return messages


@bp.route("/documents/<id:document_id>")
@login_required
def view(document_id: int) -> Any:
    """The document: the viewer (the preview pane's page, full width: PDF pages drawn with the
    passage highlighted), search within it, the indicators citing it, and the text of every
    page; ?chunk=ID opens and marks one passage, ?page=N opens a page."""
    doc = access.document_for(current_user, document_id)
    chunk_id = id_arg("chunk")
    chunk = documents.passage_of(doc, chunk_id) if chunk_id else None
    links, claims = documents.references(doc.id)
    return render_template(
        "documents/view.html",
        doc=doc,
        chunk=chunk,
        links=links,
        claims=claims,
        citing=evidence.indicators_citing(current_user, doc.id),
        start_page=int_arg("page", 1, lo=1),
    )


@bp.route("/documents/<id:document_id>/preview")
@login_required
def preview_pane(document_id: int) -> Any:
    """The preview pane's content (htmx): the page of ?chunk=ID with the passage, or ?page=N."""
    doc = access.document_for(current_user, document_id)
    shown = preview.preview_of(doc, id_arg("chunk"), int_arg("page", 1, lo=1))
    # a one-page image the browser can show is shown as scanned, the passage boxed on it
    page_image = (
        doc.detected_type == "image"
        and shown.page_count == 1
        and inline_mimetype(documents.document_path(doc)) is not None
    )
    return render_template("documents/_preview.html", preview=shown, page_image=page_image)


@bp.route("/documents/<id:document_id>/ocr-marks")
@login_required
def passage_on_scan(document_id: int) -> Any:
    """Where passage ?chunk=ID lies on its scanned (OCR'd) page: boxes in fractions of the page
    (JSON) for static/viewer.js to draw; none when it cannot be located safely. The first
    call for a page reads it with tesseract (seconds); later ones read the cache."""
    doc = access.document_for(current_user, document_id)
    chunk_id = id_arg("chunk")
    chunk = documents.passage_of(doc, chunk_id) if chunk_id else None
    if chunk is None:
        abort(404)
    found = ocr_marks.marks_for(doc, chunk)
    response = jsonify(
        marks=[
            {"left": m.left, "top": m.top, "width": m.width, "height": m.height, "text": m.text}
            for m in found.marks
        ],
        cover=found.cover,
        reason=found.reason,
    )
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.route("/documents/<id:document_id>/original")
@login_required
def original(document_id: int) -> Any:
    """The original file, byte for byte. Its type comes from its content, never its name:
    only PDF and the images browsers show (PNG, JPEG, GIF, WebP) are shown inline; anything
    else is a download under its original name (RFC 5987 ``filename*`` for Korean names)."""
    doc = access.document_for(current_user, document_id)
    path = documents.document_path(doc)
    if not path.exists():
        abort(404)
    mimetype = inline_mimetype(path)
    if mimetype is None:
        return send_file(
            path,
            mimetype=_DOWNLOAD_TYPES.get(detect_type(path), "application/octet-stream"),
            as_attachment=True,
            download_name=doc.filename,
        )
    return send_file(path, mimetype=mimetype, as_attachment=False, download_name=doc.filename)


# Types the browser may render inline, by their magic numbers (the bytes, not the name).
_INLINE_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)

# Downloads get their real type where the content says it; anything else is octet-stream.
_DOWNLOAD_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "hwp": "application/x-hwp",
    "hwpx": "application/hwp+zip",
    "zip": "application/zip",
}


def inline_mimetype(path: Path) -> str | None:
    """The MIME type to show ``path`` inline with, from its content; None: download it."""
    try:
        with path.open("rb") as fh:
            head = fh.read(1024)
    except OSError:
        return None
    if b"%PDF-" in head:  # as extractors.detect_type: the header may follow some junk
        return "application/pdf"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "image/webp"
    for magic, mimetype in _INLINE_MAGIC:
        if head.startswith(magic):
            return mimetype
    return None


def preview_attrs(document_id: int, chunk_id: int | None = None, page: int | None = None) -> Markup:
    """A citation link's attributes that open it in the preview pane (htmx) in place; its
    ``href`` stays the document page, for a new tab or a browser without JavaScript."""
    url = url_for("documents.preview_pane", document_id=document_id, chunk=chunk_id, page=page)
    return Markup('data-cite hx-get="{}" hx-target="#preview" hx-swap="innerHTML"').format(url)


bp.add_app_template_global(preview_attrs, "preview_attrs")

# A citation's place ("Page 3", or a spreadsheet's sheet and rows) in every template.
bp.add_app_template_global(places.place_of, "place_of")
bp.add_app_template_global(places.place_at, "place_at")
bp.add_app_template_global(places.hit_place, "hit_place")


@bp.app_template_filter("filesize")
def filesize(n: int | None) -> str:
    """1234567 -> '1.2 MB' (binary units, as MAX_UPLOAD_BYTES is set)."""
    if n is None:
        return "?"
    if n < 1024:
        return f"{n:,} B"
    value = float(n)
    for unit in ("KB", "MB", "GB", "TB"):
        value /= 1024
        if value < 1024 or unit == "TB":
            break
    text = f"{value:,.1f}".removesuffix(".0")
    return f"{text} {unit}"


@bp.app_errorhandler(RequestEntityTooLarge)
def request_too_large(exc: RequestEntityTooLarge) -> Any:
    """The request body is over MAX_CONTENT_LENGTH (MAX_REQUEST_BYTES), or has too many parts.

    Werkzeug stops reading such a body, so nothing of it was stored: say so, say the limits
    and what to do, and lead back to where the upload came from.
    """
    cap = current_app.config.get("MAX_CONTENT_LENGTH")
    sent = request.content_length
    per_file = filesize(current_app.config["MAX_UPLOAD_BYTES"])
    if cap and sent and sent > cap:
        message = _(
            "This upload (%(sent)s) is larger than one request may be (%(cap)s). Nothing from "
            "it was stored. Upload fewer files at a time or split the ZIP archive; a single "
            "file may be up to %(per_file)s.",
            sent=filesize(sent),
            cap=filesize(cap),
            per_file=per_file,
        )
    else:
        message = _(
            "This upload has too many files or form fields for one request (at most "
            "%(parts)s). Nothing from it was stored. Upload fewer files at a time or put them "
            "in a ZIP archive; a single file may be up to %(per_file)s.",
            parts=request.max_form_parts,
            per_file=per_file,
        )
    if is_htmx():
        return render_template("_partials/alert.html", message=message), 413
    back = url_for("rounds.index")
    if request.endpoint == "documents.upload" and request.view_args:
        back = url_for("submissions.show", **request.view_args) + "#documents"
    return render_template("documents/too_large.html", message=message, back=back), 413
