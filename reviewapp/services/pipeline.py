"""Processing one stored document: extract -> chunk -> index (-> embed), each step a status.

Called from the jobs (reviewapp/jobs.py chains the steps and queues what comes next) and,
inline, from the command line and the demo loader. Safe to run twice, and after a crash:
every step replaces what an earlier run left.

Scans wait behind text: the job first reads a document without OCR; when pages need it
(an image, or a PDF whose extractor skipped scanned pages) the document goes back to the
queue at the lower "ocr_document" priority (reviewapp/queue.py), so text documents
uploaded after a long scan are searchable first. During OCR the document's
``doc_metadata["ocr_progress"]`` says "done/total" pages, for the row to show.

A self-evaluation or quantitative document that becomes ready has its claims imported next
(``import_claims``: queued by the job, inline in ``process_inline``), the same step that
imports them again on request.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from extractors import ExtractionError, ExtractionResult, detect_type, extract
from extractors.ocr import ocr_progress, tesseract_available
from search_index import ChunkRecord

from ..extensions import db
from ..models import (
    Chunk,
    Decision,
    Document,
    DocumentStatus,
    EvidenceLink,
    Page,
    SuggestionDecision,
)
from . import claims_import, coverage, rechecks, storage
from .chunking import chunk_pages
from .documents import (
    document_path,
    fail,
    remove_derived,
    set_status,
    submission_id_of,
    work_dir,
)
from .errors import ServiceError
from .indexing import get_index, records_for
from .uploads import unpack_archive

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Processed:
    """What processing left: whether the document has passages to embed, and the documents
    that a retried ZIP unpacked (each still to be processed)."""

    document_id: int
    ready: bool = False
    passages: int = 0
    unpacked: list[int] = field(default_factory=list)
    ocr_later: bool = False
    claims: bool = False  # ready, and its claims are to be imported (import_claims)


OCR_WAITING = "ocr_waiting"
"""doc_metadata key: "true" while the document waits in the queue for its OCR pass."""
OCR_PROGRESS = "ocr_progress"
"""doc_metadata key: "done/total" pages OCR'd so far, while the OCR pass runs."""


INDEX_BATCH_CHUNKS = 2000
"""Passages that process_documents indexes in one commit at most. The search index writes
a segment per commit: one commit for many documents, rather than one each, about halves
the time indexing takes (the per-segment work is shared) and makes fewer segments to merge."""


@dataclass(frozen=True)
class _Read:
    """A document read and chunked (status "indexing"), its passages still to index."""

    document: Document
    records: list[ChunkRecord]
    claims: bool


def process_document(document_id: int, *, ocr_later: bool = False) -> Processed:
    """The ingestion step. Failures end as status "failed" with a reason; nothing raises.

    With ``ocr_later`` (the queued job) a document that needs OCR is not OCR'd here: it is
    put back to status "queued" and ``Processed.ocr_later`` asks the caller to queue the
    OCR pass (process_document again, without the flag).
    """
    return process_documents([document_id], ocr_later=ocr_later)[0]


def process_documents(document_ids: Sequence[int], *, ocr_later: bool = False) -> list[Processed]:
    """process_document for several documents (a job's batch), in order, their passages
    indexed together: one search-index commit per ``INDEX_BATCH_CHUNKS`` passages. Each
    document still gets its own statuses and its own outcome; one that fails fails alone
    (unless the index write fails, which fails the documents of that commit)."""
    outcomes: dict[int, Processed] = {}
    waiting: list[_Read] = []
    for document_id in dict.fromkeys(document_ids):
        read = _read(document_id, ocr_later)
        if isinstance(read, Processed):
            outcomes[document_id] = read
            continue
        waiting.append(read)
        if sum(len(r.records) for r in waiting) >= INDEX_BATCH_CHUNKS:
            outcomes.update(_index(waiting))
            waiting = []
    outcomes.update(_index(waiting))
    return [outcomes[document_id] for document_id in document_ids]


def _index(waiting: list[_Read]) -> dict[int, Processed]:
    """Replace the full-text entries of documents read, in one commit, and make them ready."""
    if not waiting:
        return {}
    try:
        get_index().replace_documents({r.document.id: r.records for r in waiting})
    except Exception as exc:
        log.exception("indexing failed for documents %s", [r.document.id for r in waiting])
        for r in waiting:
            _drop_fulltext(r.document.id)
            fail(r.document, ServiceError(f"the search index could not be updated: {exc}"))
        return {r.document.id: Processed(r.document.id) for r in waiting}
    for r in waiting:
        set_status(r.document, DocumentStatus.READY)
    return {
        r.document.id: Processed(
            r.document.id, ready=True, passages=len(r.records), claims=r.claims
        )
        for r in waiting
    }


def _read(document_id: int, ocr_later: bool) -> Processed | _Read:
    """Extract and chunk one document (pages and passages stored, status "indexing"); a
    Processed when it ends here (failed, an archive, waiting for OCR, already ready)."""
    document = db.session.get(Document, document_id)
    if document is None or document.status == DocumentStatus.READY.value:
        return Processed(document_id)
    document.error = document.error_code = document.error_ko = ""
    if detect_type(document_path(document)) == "zip":
        return _process_archive(document)
    set_status(document, DocumentStatus.EXTRACTING)
    work = storage.materialize(document_path(document), document.filename, work_dir())
    max_bytes = current_app.config["MAX_UPLOAD_BYTES"]
    ocr = current_app.config["OCR_ENABLED"]
    try:
        if ocr and ocr_later and tesseract_available():
            result = _text_layers(work, max_bytes)
            if result is None:
                _wait_for_ocr(document)
                return Processed(document_id, ocr_later=True)
        else:
            with ocr_progress(lambda done, total: _record_ocr_progress(document, done, total)):
                result = extract(work, max_bytes=max_bytes, ocr=ocr)
    except ExtractionError as exc:
        _end_ocr_progress(document)
        fail(document, exc)
        return Processed(document_id)
    except Exception as exc:  # never let a bug in one document stop the worker
        log.exception("extraction crashed for document %s", document_id)
        _end_ocr_progress(document)
        fail(document, ServiceError(f"internal error while reading the file: {exc}"))
        return Processed(document_id)
    finally:
        shutil.rmtree(work.parent, ignore_errors=True)

    # the full-text entries stay until _index replaces them, in one commit with the new ones
    remove_derived(document, keep_fulltext=True)
    document.detected_type = result.type
    document.page_count = len(result.pages)
    document.pages_estimated = result.metadata.get("page_estimate") == "true"
    _end_ocr_progress(document)
    document.doc_metadata = {**(document.doc_metadata or {}), **dict(result.metadata)}
    for page in result.pages:
        db.session.add(
            Page(
                document_id=document.id,
                number=page.number,
                text=page.text,
                ocr=page.ocr,
                suspect_reason=page.suspect,
            )
        )
    passages = chunk_pages([(p.number, p.text) for p in result.pages])
    chunks = [
        Chunk(
            document_id=document.id,
            position=i,
            page=p.page,
            start_char=p.start,
            end_char=p.end,
            text=p.text,
        )
        for i, p in enumerate(passages)
    ]
    db.session.add_all(chunks)
    reanchor_links(document, chunks)
    claims = document.doc_type in claims_import.CLAIM_DOCUMENT_TYPES
    db.session.flush()  # ids for the new chunks
    records = records_for(document, chunks)  # before the commit expires the chunks
    set_status(document, DocumentStatus.INDEXING)
    return _Read(document, records, claims)


def _drop_fulltext(document_id: int) -> None:
    """After a failed replace: no passages of the document's earlier extraction stay
    searchable (their rows are gone); a failure here is logged only."""
    try:
        get_index().delete_document(document_id)
    except Exception:
        log.warning("could not drop the index entries of document %s", document_id, exc_info=True)


def _text_layers(work: Path, max_bytes: int) -> ExtractionResult | None:
    """The document read without OCR, or None when it needs OCR: an image, a PDF with no
    text at all, or a PDF whose extractor skipped scanned pages (``ocr_skipped_pages``).
    Other errors raise as from extract()."""
    try:
        result = extract(work, max_bytes=max_bytes, ocr=False)
    except ExtractionError as exc:
        if exc.code == "no_text" and detect_type(work) in ("image", "pdf"):
            return None
        raise
    return None if result.metadata.get("ocr_skipped_pages") else result


def _wait_for_ocr(document: Document) -> None:
    document.doc_metadata = {**(document.doc_metadata or {}), OCR_WAITING: "true"}
    set_status(document, DocumentStatus.QUEUED)


def _record_ocr_progress(document: Document, done: int, total: int) -> None:
    """Commit "done/total" pages OCR'd, for the polling row; a failure only loses the figure."""
    metadata = {k: v for k, v in (document.doc_metadata or {}).items() if k != OCR_WAITING}
    document.doc_metadata = {**metadata, OCR_PROGRESS: f"{done}/{total}"}
    try:
        db.session.commit()
    except Exception:
        log.warning("could not record OCR progress of document %s", document.id, exc_info=True)
        db.session.rollback()


def _end_ocr_progress(document: Document) -> None:
    metadata = document.doc_metadata or {}
    if OCR_WAITING in metadata or OCR_PROGRESS in metadata:
        document.doc_metadata = {
            k: v for k, v in metadata.items() if k not in (OCR_WAITING, OCR_PROGRESS)
        }


def _process_archive(document: Document) -> Processed:
    """Retry of a ZIP that failed to unpack: unpack it again (limits may have changed)."""
    set_status(document, DocumentStatus.EXTRACTING)
    try:
        outcomes = unpack_archive(
            document.submission,
            document_path(document),
            document.filename,
            document.sha256,
            document.folder,
            document.doc_type,
            document.uploaded_by_id,
            document.batch,
        )
    except ExtractionError as exc:
        fail(document, exc)
        return Processed(document.id)
    except Exception as exc:
        log.exception("unpacking crashed for document %s", document.id)
        fail(document, ServiceError(f"internal error while unpacking the archive: {exc}"))
        return Processed(document.id)
    remove_derived(document)
    document.detected_type = "zip"
    document.page_count = 0
    entries = [o for o in outcomes if o.document_id]
    document.doc_metadata = {**(document.doc_metadata or {}), "unpacked_entries": str(len(entries))}
    set_status(document, DocumentStatus.READY)
    return Processed(
        document.id,
        unpacked=[o.document_id for o in outcomes if o.status == "queued" and o.document_id],
    )


def embed_document(document_id: int, models: list[str] | None = None) -> int:
    """Vectors (of ``models``, default all) for a ready document's passages; returns how
    many passages got vectors. ``document.embedded`` turns true once every available model
    has its vectors."""
    document = db.session.get(Document, document_id)
    if document is None or document.status != DocumentStatus.READY.value:
        return 0
    index = get_index()
    records = records_for(document)
    count = index.embed_chunks(records, models)
    ids = [r.chunk_id for r in records]
    document.embedded = index.vector_available and all(
        index.has_vectors(ids, name) for name in index.vector_models
    )
    db.session.commit()
    return count


def import_claims(
    document_id: int,
    *,
    actor_id: int | None = None,
    automatic: bool = False,
    recheck: bool = True,
) -> claims_import.ImportReport | None:
    """The claims step: import (again) a document's claims from its tables, automatically
    after processing (``automatic``: an unexpected failure is logged and gives None, it never
    fails the document) or on request (errors raise, as from claims_import.import_claims).
    The imported claims are then checked against the evidence (``recheck``: queued, see
    services/rechecks.py; process_inline asks once for the whole document instead)."""
    if not automatic:
        report = claims_import.import_claims(document_id, actor_id=actor_id)
    else:
        try:
            report = claims_import.import_claims(document_id, actor_id=actor_id, automatic=True)
        except Exception:
            log.exception("importing the claims of document %s failed", document_id)
            db.session.rollback()
            return None
    if recheck:
        rechecks.request(submission_id_of(document_id))
        coverage.request(submission_id_of(document_id))
    return report


def process_inline(document_id: int) -> Document:
    """Process and embed one document here and now, without the queue (CLI, demo)."""
    outcome = process_document(document_id)
    for unpacked in outcome.unpacked:
        process_inline(unpacked)
    if outcome.claims:
        import_claims(document_id, automatic=True, recheck=False)  # checked below, once
    if outcome.ready and current_app.config["EMBEDDINGS_ENABLED"]:
        embed_document(document_id)
    document = db.session.get(Document, document_id)
    assert document is not None
    if outcome.ready:
        rechecks.request(document.submission_id)
        coverage.request(document.submission_id)
    return document


def reanchor_links(document: Document, chunks: list[Chunk]) -> int:
    """Links whose passage was replaced by re-extraction point again at the same passage.

    The same page and text (extraction and chunking are deterministic); failing that, the
    first passage on that page holding the quote. A link with no match keeps chunk_id NULL
    and still cites its document, page and quote. A re-anchored link gets its evaluator's
    accepted decision back (the old one went with the old passage), so that "linked" and
    "accepted" stay one state.
    """
    orphans = db.session.scalars(
        select(EvidenceLink).where(
            EvidenceLink.document_id == document.id, EvidenceLink.chunk_id.is_(None)
        )
    ).all()
    if not orphans:
        return 0
    db.session.flush()  # ids for the new chunks
    exact: dict[tuple[int, str], int] = {}
    for chunk in chunks:
        exact.setdefault((chunk.page, chunk.text), chunk.id)
    count = 0
    taken: set[tuple[int, int, int, int]] = set()  # one link per evaluator and passage
    for link in orphans:
        chunk_id = exact.get((link.page, link.quote))
        if chunk_id is None and link.quote.strip():
            chunk_id = next(
                (c.id for c in chunks if c.page == link.page and link.quote in c.text), None
            )
        key = (link.evaluator_id, link.submission_id, link.indicator_id, chunk_id or 0)
        if chunk_id is None or key in taken:
            continue
        taken.add(key)
        link.chunk_id = chunk_id
        db.session.add(
            SuggestionDecision(
                evaluator_id=link.evaluator_id,
                submission_id=link.submission_id,
                indicator_id=link.indicator_id,
                chunk_id=chunk_id,
                decision=Decision.ACCEPTED.value,
            )
        )
        count += 1
    return count


def reembed_all(models: list[str] | None = None) -> int:
    """Recompute the vectors (of ``models``, default all) of every ready document."""
    ids = db.session.scalars(
        select(Document.id).where(Document.status == DocumentStatus.READY.value)
    ).all()
    return sum(embed_document(document_id, models) for document_id in ids)
