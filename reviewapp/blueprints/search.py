"""The search page: evidence search across the submissions a user may see."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required

from ..converters import id_arg, int_arg
from ..models import DocumentType
from ..services import access, documents
from ..services import search as evidence_search
from ._responses import is_htmx

bp = Blueprint("search", __name__)


def search_filters(default_submission: int | None = None) -> evidence_search.SearchFilters:
    """The filters of a search request's query string."""
    args = request.args
    return evidence_search.SearchFilters(
        submission_id=id_arg("submission") or default_submission,
        document_id=id_arg("document"),
        doc_type=args.get("doc_type") or None,
        page_min=int_arg("page_min", lo=1),
        page_max=int_arg("page_max", lo=1),
        mode=args.get("mode", evidence_search.DEFAULT_MODE),
        limit=int_arg("limit", 30, lo=1) or 30,
    )


@bp.route("/search")
@login_required
def page() -> Any:
    filters = search_filters()
    query = request.args.get("q", "")
    visible = access.visible_submission_ids(current_user)
    results = evidence_search.search(query, filters, visible)
    if is_htmx():
        return render_template(
            "search/_results.html", results=results, indicator=None, submission=None
        )
    return render_template(
        "search/page.html",
        results=results,
        filters=filters,
        query=query,
        submissions=access.visible_submission_list(current_user),
        documents=(
            documents.documents_of(filters.submission_id)
            if filters.submission_id in visible
            else []
        ),
        doc_types=[t.value for t in DocumentType],
    )
