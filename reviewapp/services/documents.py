"""A stored document's life: status and failure, derived data, retry, delete, references.

The original is stored before anything else happens and is never modified; every failure
ends as status "failed" with a reason a person can act on, and can be retried.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from sqlalchemy import delete, func, select, update

from .. import queue
from ..extensions import db
from ..models import (
    Chunk,
    Claim,
    Document,
    DocumentStatus,
    EvidenceLink,
    Page,
    SuggestionDecision,
    utcnow,
)
from . import audit, coverage, rechecks, storage
from .errors import NotFound, ServiceError
from .indexing import get_index
from .rounds import require_open

UNFINISHED = (DocumentStatus.QUEUED, DocumentStatus.EXTRACTING, DocumentStatus.INDEXING)


class DocumentInUse(ServiceError):
    """Deleting the document is refused: evaluators' evidence (or claims) cite it.

    ``links`` and ``claims`` are the counts, so a view can say in the user's language how many
    references block the deletion and what to do.
    """

    def __init__(self, document: Document, links: int, claims: int) -> None:
        self.document_id = document.id
        self.filename = document.filename
        self.links = links
        self.claims = claims
        parts = []
        if links:
            parts.append(f"{links} evidence link(s)")
        if claims:
            parts.append(f"{claims} claim(s)")
        super().__init__(
            f"{document.filename} cannot be deleted: {' and '.join(parts)} cite it; "
            "remove those first"
        )


def upload_dir() -> Path:
    return Path(current_app.config["UPLOAD_DIR"])


def work_dir() -> Path:
    return Path(current_app.config["DATA_DIR"]) / "tmp"


def document_path(document: Document) -> Path:
    """Where the original is kept (content-addressed by its sha256)."""
    return storage.blob_path(upload_dir(), document.sha256)


def filename_of(document_id: int) -> str | None:
    """The file name of a document, or None if there is no such document."""
    return db.session.scalar(select(Document.filename).where(Document.id == document_id))


def passage_of(document: Document, chunk_id: int) -> Chunk | None:
    """The passage ``chunk_id`` if it belongs to ``document``; None otherwise."""
    chunk = db.session.get(Chunk, chunk_id)
    return chunk if chunk is not None and chunk.document_id == document.id else None


def submission_id_of(document_id: int) -> int | None:
    return db.session.scalar(select(Document.submission_id).where(Document.id == document_id))


def set_status(document: Document, status: DocumentStatus) -> None:
    """Record a pipeline step and commit, so that progress polling sees it."""
    document.status = status.value
    document.updated_at = utcnow()
    db.session.commit()


def fail(document: Document | None, exc: Exception) -> None:
    """Status "failed" with the error's code and its English and Korean reasons."""
    if document is None:
        return
    document.status = DocumentStatus.FAILED.value
    document.error_code = getattr(exc, "code", "error")
    document.error = getattr(exc, "message", None) or str(exc)
    document.error_ko = getattr(exc, "message_ko", "") or ""
    document.updated_at = utcnow()
    db.session.commit()


def remove_derived(document: Document, *, keep_fulltext: bool = False) -> int:
    """Drop pages, chunks and their index entries and vectors; returns decisions removed.
    With ``keep_fulltext`` the full-text entries stay, for the caller to replace in one
    commit (pipeline: ``SearchIndex.replace_document``).

    Evidence links survive: when a document is re-extracted (a retry, or a ZIP unpacked again)
    its passages are replaced, and a link made by an evaluator is an audit record that must
    not vanish or block the job. Each link already carries its own document, page and quote
    (copied when it was made), so it only loses its passage id here (chunk_id -> NULL) and
    pipeline.reanchor_links points it at the identical new passage afterwards. Deleting the
    whole document is refused while links exist (delete_document). Decisions on a passage go
    with it; they stay in the audit log, and an accepted one lives on as its evidence link.
    The statements below are explicit rather than left to the foreign keys' ON DELETE, so
    they hold where the database does not enforce those and the session sees them.
    """
    get_index().delete_document(document.id, vectors_only=keep_fulltext)
    chunk_ids = select(Chunk.id).where(Chunk.document_id == document.id)
    removed = db.session.execute(
        delete(SuggestionDecision)
        .where(SuggestionDecision.chunk_id.in_(chunk_ids))
        .execution_options(synchronize_session="fetch")
    ).rowcount
    db.session.execute(
        update(EvidenceLink)
        .where(EvidenceLink.chunk_id.in_(chunk_ids))
        .values(chunk_id=None)
        .execution_options(synchronize_session="fetch")
    )
    db.session.execute(delete(Chunk).where(Chunk.document_id == document.id))
    db.session.execute(delete(Page).where(Page.document_id == document.id))
    # The collections may still hold the rows just deleted; a later cascade would delete them again.
    db.session.expire(document, ["pages", "chunks"])
    document.embedded = False
    db.session.flush()
    return removed or 0


def references(document_id: int) -> tuple[int, int]:
    """(evidence links, claims) that cite the document and so block deleting it."""
    links = db.session.scalar(
        select(func.count())
        .select_from(EvidenceLink)
        .where(EvidenceLink.document_id == document_id)
    )
    claims = db.session.scalar(
        select(func.count()).select_from(Claim).where(Claim.source_document_id == document_id)
    )
    return links or 0, claims or 0


def retry(document_id: int, *, actor_id: int | None = None) -> Document:
    """Queue a failed document again; ServiceError for any other status, Conflict when its
    round is finalized."""
    document = db.session.get(Document, document_id)
    if document is None:
        raise NotFound(f"no document {document_id}")
    require_open(document.submission.round)
    # Only a failed document: a ready one is never re-extracted under its evaluators. A failed
    # one may still hold passages (the index update failed after chunking) that were linked
    # or decided on; re-processing replaces them and keeps the links (remove_derived).
    if document.status != DocumentStatus.FAILED.value:
        raise ServiceError("only a failed document can be retried")
    document.error = document.error_code = document.error_ko = ""
    audit.record(actor_id, "document.retry", "document", document.id)
    set_status(document, DocumentStatus.QUEUED)
    # Pass the id kept from before the commit: reloading the expired object here would open a
    # read transaction whose snapshot hides what an inline (immediate) job commits next.
    queue.enqueue("process_document", document_id)
    return document


def delete_document(document_id: int, *, actor_id: int | None = None) -> None:
    """Removes the document, its pages, chunks and index entries; the stored original stays.

    Refused (DocumentInUse) while evidence links or claims cite the document: evaluators'
    evidence is what scores rest on and the committee audits, so it is never removed as a
    side effect; the links are removed first, one by one, each attributed. Decisions on
    the document's passages (that did not become links) go with the passages.
    """
    document = db.session.get(Document, document_id)
    if document is None:
        raise NotFound(f"no document {document_id}")
    require_open(document.submission.round)
    links, claims = references(document.id)
    if links or claims:
        refusal = DocumentInUse(document, links, claims)
        db.session.rollback()  # nothing was written; end the read transaction before refusing
        raise refusal
    removed = remove_derived(document)
    audit.record(
        actor_id,
        "document.delete",
        "document",
        document.id,
        file=document.filename,
        sha256=document.sha256,
        decisions_removed=removed,
    )
    submission_id = document.submission_id
    db.session.delete(document)
    db.session.commit()
    rechecks.request(submission_id)  # a cited document may be gone, and its passages
    coverage.request(submission_id)  # with the matrix's


def resume_unfinished() -> int:
    """After a crash or restart, queue again every document that did not reach an end state."""
    pending = queue.pending_ids("process_document") | queue.pending_ids("ocr_document")
    ids = db.session.scalars(
        select(Document.id).where(Document.status.in_([s.value for s in UNFINISHED]))
    ).all()
    todo = [document_id for document_id in ids if document_id not in pending]
    queue.enqueue_batched("process_document", todo)
    return len(todo)


@dataclass(frozen=True)
class BatchSummary:
    batch: str
    total: int
    counts: dict[str, int]
    failures: list[Document]

    @property
    def done(self) -> bool:
        return not any(self.counts.get(s.value) for s in UNFINISHED)


def batch_summary(submission_id: int, batch: str) -> BatchSummary:
    """One bulk upload: n ready, n failed with reasons, n still running."""
    docs = db.session.scalars(
        select(Document).where(Document.submission_id == submission_id, Document.batch == batch)
    ).all()
    return BatchSummary(
        batch=batch,
        total=len(docs),
        counts=dict(Counter(d.status for d in docs)),
        failures=[d for d in docs if d.status == DocumentStatus.FAILED.value],
    )


def documents_of(submission_id: int) -> list[Document]:
    """A submission's documents by file name (for choosers)."""
    return list(
        db.session.scalars(
            select(Document)
            .where(Document.submission_id == submission_id)
            .order_by(Document.filename)
        )
    )
