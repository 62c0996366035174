"""Evidence search: the search page, per-indicator search, and linking passages as evidence."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from ..converters import id_arg, int_arg
from ..extensions import db
from ..models import Chunk, Document, DocumentType
from ..services import access, overview
from ..services import search as evidence
from . import is_htmx

bp = Blueprint("search", __name__)


def _filters(default_submission: int | None = None) -> evidence.SearchFilters:
    args = request.args
    return evidence.SearchFilters(
        submission_id=id_arg("submission") or default_submission,
        document_id=id_arg("document"),
        doc_type=args.get("doc_type") or None,
        page_min=int_arg("page_min", lo=1),
        page_max=int_arg("page_max", lo=1),
        mode=args.get("mode", evidence.DEFAULT_MODE),
        limit=int_arg("limit", 30, lo=1) or 30,
    )


@bp.route("/search")
@login_required
def page() -> Any:
    filters = _filters()
    query = request.args.get("q", "")
    results = evidence.search(current_user, query, filters)
    if is_htmx():
        return render_template(
            "search/_results.html", results=results, indicator=None, submission=None
        )
    submissions = list(db.session.scalars(access.visible_submissions(current_user).order_by("id")))
    documents = []
    if filters.submission_id:
        documents = list(
            db.session.scalars(
                select(Document)
                .where(
                    Document.submission_id.in_(
                        [s.id for s in submissions if s.id == filters.submission_id]
                    )
                )
                .order_by(Document.filename)
            )
        )
    return render_template(
        "search/page.html",
        results=results,
        filters=filters,
        query=query,
        submissions=submissions,
        documents=documents,
        doc_types=[t.value for t in DocumentType],
    )


@bp.route("/submissions/<id:submission_id>/indicators/<code>/hits")
@login_required
def indicator_hits(submission_id: int, code: str) -> Any:
    submission = access.submission_for(current_user, submission_id)
    indicator = overview.indicator_by_code(submission, code) or abort(404)
    query = request.args.get("q") or evidence.indicator_query(indicator)
    results = evidence.search(current_user, query, _filters(submission.id))
    results.linked_chunks = evidence.linked_chunk_ids(submission.id, indicator.id)
    return render_template(
        "search/_results.html", results=results, indicator=indicator, submission=submission
    )


@bp.route("/submissions/<id:submission_id>/indicators/<code>/links", methods=["POST"])
@login_required
def link(submission_id: int, code: str) -> Any:
    submission = access.submission_for(current_user, submission_id)
    indicator = overview.indicator_by_code(submission, code) or abort(404)
    chunk_id = id_arg("chunk_id", source="form") or abort(400)
    evidence.link_evidence(
        current_user, submission.id, indicator.id, chunk_id, note=request.form.get("note", "")
    )
    if is_htmx():
        response = render_template(
            "search/_link_button.html",
            submission=submission,
            indicator=indicator,
            chunk=db.session.get(Chunk, chunk_id),
            linked=True,
        )
        return response, 200, {"HX-Trigger": "evidence-changed"}
    return redirect(url_for("submissions.indicator", submission_id=submission.id, code=code))


@bp.route("/submissions/<id:submission_id>/indicators/<code>/links")
@login_required
def links(submission_id: int, code: str) -> Any:
    submission = access.submission_for(current_user, submission_id)
    indicator = overview.indicator_by_code(submission, code) or abort(404)
    return render_template(
        "search/_links.html",
        submission=submission,
        indicator=indicator,
        links=evidence.links_for(submission.id, indicator.id),
    )


@bp.route("/links/<id:link_id>/delete", methods=["POST"])
@login_required
def unlink(link_id: int) -> Any:
    removed = evidence.unlink_evidence(current_user, link_id)
    submission = access.submission_for(current_user, removed.submission_id)
    code = removed.indicator.code
    if is_htmx():
        return (
            render_template(
                "search/_links.html",
                submission=submission,
                indicator=removed.indicator,
                links=evidence.links_for(submission.id, removed.indicator_id),
            ),
            200,
            {"HX-Trigger": "evidence-changed"},
        )
    return redirect(url_for("submissions.indicator", submission_id=submission.id, code=code))
