"""Evidence search over the submissions a user may see."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import select

from search_index import MODES, QueryRejected

from ..extensions import db
from ..models import Document, Page
from .indexing import get_index

if TYPE_CHECKING:
    from search_index import Hit

DEFAULT_MODE = "hybrid"


@dataclass(frozen=True)
class SearchFilters:
    submission_id: int | None = None
    document_id: int | None = None
    doc_type: str | None = None
    page_min: int | None = None
    page_max: int | None = None
    mode: str = DEFAULT_MODE
    limit: int = 30


@dataclass
class DocumentHits:
    document_id: int
    document_name: str
    doc_type: str
    detected_type: str
    submission_id: int
    hits: list[Hit] = field(default_factory=list)
    # page number -> Page.suspect_reason, for the hits' pages whose text may be incomplete
    suspect_pages: dict[int, str] = field(default_factory=dict)


@dataclass
class SearchResults:
    query: str
    mode: str
    mode_used: str  # "bm25" when vectors are unavailable
    notice: str
    groups: list[DocumentHits]
    total: int
    linked_chunks: set[int] = field(default_factory=set)
    error: str = ""  # why the query was refused (too long, too many wildcards), English
    error_ko: str = ""  # the same in Korean


def search(query: str, filters: SearchFilters, submission_ids: list[int]) -> SearchResults:
    """Passages of the submissions ``submission_ids`` (those the user may see, resolved by the
    caller) matching ``query``, grouped by document in the order of each one's best hit."""
    allowed = submission_ids
    if filters.submission_id is not None:
        allowed = [s for s in allowed if s == filters.submission_id]
    mode = filters.mode if filters.mode in MODES else DEFAULT_MODE
    query = query.strip()
    if not query:
        return SearchResults(query, mode, mode, "", [], 0)
    index = get_index()
    try:
        hits = index.search(
            query,
            submission_ids=allowed,
            document_ids=[filters.document_id] if filters.document_id else None,
            doc_types=[filters.doc_type] if filters.doc_type else None,
            page_min=filters.page_min,
            page_max=filters.page_max,
            limit=max(1, min(filters.limit, 200)),
            mode=mode,
        )
    except QueryRejected as exc:
        return SearchResults(
            query, mode, mode, "", [], 0, error=exc.message, error_ko=exc.message_ko
        )
    mode_used = mode
    notice = ""
    if mode != "bm25" and not index.vector_available:
        mode_used = "bm25"
        notice = index.vector_error or "vectors unavailable"
    return SearchResults(query, mode, mode_used, notice, group_by_document(hits), len(hits))


def group_by_document(hits: list[Hit]) -> list[DocumentHits]:
    """Groups in the order of each document's best hit, each with its suspect pages."""
    if not hits:
        return []
    docs = {
        d.id: d
        for d in db.session.scalars(
            select(Document).where(Document.id.in_({h.document_id for h in hits}))
        )
    }
    groups: dict[int, DocumentHits] = {}
    for hit in hits:
        doc = docs.get(hit.document_id)
        if doc is None:  # deleted after indexing; the index catches up
            continue
        group = groups.get(doc.id)
        if group is None:
            group = groups[doc.id] = DocumentHits(
                doc.id, doc.filename, doc.doc_type, doc.detected_type, doc.submission_id
            )
        group.hits.append(hit)
    suspects = db.session.execute(
        select(Page.document_id, Page.number, Page.suspect_reason).where(
            Page.document_id.in_(list(groups)), Page.suspect_reason != ""
        )
    )
    for document_id, number, reason in suspects:
        groups[document_id].suspect_pages[number] = reason
    return list(groups.values())


def plain_snippet(snippet_html: str) -> str:
    """The highlighted HTML snippet as plain text, for the CLI and JSON."""
    return html.unescape(re.sub(r"</?(?:mark|span)\b[^>]*>", "", snippet_html))
