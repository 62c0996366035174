"""Evidence search over the submissions a user may see, and linking passages as evidence."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import select

from search_index import QueryRejected

from ..extensions import db
from ..models import Chunk, Document, EvidenceLink, Indicator, Submission, User
from . import audit
from .access import submission_for, visible_submission_ids
from .errors import NotFound, ServiceError

if TYPE_CHECKING:
    from search_index import Hit

MODES = ("bm25", "vector", "hybrid")
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


def indicator_query(indicator: Indicator) -> str:
    """The default query for an indicator: its Korean title words and search hints, OR-grouped."""
    parts = [indicator.title_ko, *indicator.search_hints]
    seen: list[str] = []
    for part in parts:
        part = part.strip()
        if part and part not in seen:
            seen.append(part)
    return " ".join(seen)


def search(user: User, query: str, filters: SearchFilters) -> SearchResults:
    from .indexing import get_index

    allowed = visible_submission_ids(user)
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
    """Groups in the order of each document's best hit."""
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
    return list(groups.values())


def linked_chunk_ids(submission_id: int, indicator_id: int) -> set[int]:
    return set(
        db.session.scalars(
            select(EvidenceLink.chunk_id).where(
                EvidenceLink.submission_id == submission_id,
                EvidenceLink.indicator_id == indicator_id,
                EvidenceLink.chunk_id.is_not(None),
            )
        )
    )


def links_for(submission_id: int, indicator_id: int) -> list[EvidenceLink]:
    return list(
        db.session.scalars(
            select(EvidenceLink)
            .where(
                EvidenceLink.submission_id == submission_id,
                EvidenceLink.indicator_id == indicator_id,
            )
            .order_by(EvidenceLink.created_at)
        )
    )


def passage_in(submission: Submission, chunk_id: int) -> Chunk:
    """The passage if it belongs to one of this submission's documents; NotFound otherwise."""
    chunk = db.session.get(Chunk, chunk_id)
    if chunk is None or chunk.document.submission_id != submission.id:
        raise NotFound(f"no passage {chunk_id} in this submission")
    return chunk


def link_evidence(
    user: User, submission_id: int, indicator_id: int, chunk_id: int, *, note: str = ""
) -> EvidenceLink:
    """Record a passage as evidence for an indicator (document, page, quote, who, when)."""
    submission: Submission = submission_for(user, submission_id)
    indicator = db.session.get(Indicator, indicator_id)
    if indicator is None or indicator.framework_id != submission.round.framework_id:
        raise NotFound(f"no indicator {indicator_id} in this round")
    chunk = passage_in(submission, chunk_id)
    existing = db.session.scalar(
        select(EvidenceLink).where(
            EvidenceLink.submission_id == submission.id,
            EvidenceLink.indicator_id == indicator.id,
            EvidenceLink.chunk_id == chunk.id,
        )
    )
    if existing is not None:
        return existing
    link = EvidenceLink(
        submission_id=submission.id,
        indicator_id=indicator.id,
        document_id=chunk.document_id,
        chunk_id=chunk.id,
        page=chunk.page,
        quote=chunk.text,
        note=note.strip(),
        created_by_id=user.id,
    )
    db.session.add(link)
    db.session.flush()
    audit.record(
        user.id,
        "evidence.link",
        "evidence_link",
        link.id,
        submission=submission.id,
        indicator=indicator.code,
        document=chunk.document_id,
        page=chunk.page,
    )
    db.session.commit()
    return link


def unlink_evidence(user: User, link_id: int) -> EvidenceLink:
    link = db.session.get(EvidenceLink, link_id)
    if link is None:
        raise NotFound(f"no evidence link {link_id}")
    submission_for(user, link.submission_id)  # raises NotFound when not visible
    if link.created_by_id != user.id and user.role == "evaluator":
        raise ServiceError("only the evaluator who linked this passage can remove it")
    audit.record(
        user.id,
        "evidence.unlink",
        "evidence_link",
        link.id,
        submission=link.submission_id,
        indicator=link.indicator_id,
        page=link.page,
    )
    db.session.delete(link)
    db.session.commit()
    return link
