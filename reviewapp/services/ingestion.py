"""Uploads become documents: store -> extract -> chunk -> index -> embed, each step a status.

The original is stored before anything else happens and is never modified; every failure
ends as status "failed" with a reason a person can act on, and can be retried.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from flask import current_app
from sqlalchemy import delete, func, select, update

from ..extensions import db
from ..models import (
    Chunk,
    Claim,
    Document,
    DocumentStatus,
    DocumentType,
    EvidenceLink,
    Page,
    Submission,
    Suggestion,
    utcnow,
)
from . import audit, storage
from .chunking import chunk_pages
from .errors import NotFound, ServiceError

if TYPE_CHECKING:
    from extractors.archive import ArchiveEntry, ZipLimits

log = logging.getLogger(__name__)
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


@dataclass(frozen=True)
class UploadOutcome:
    filename: str
    folder: str
    status: str  # queued | duplicate | failed
    document_id: int | None
    message: str = ""


@dataclass
class UploadReport:
    batch: str
    outcomes: list[UploadOutcome] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        return dict(Counter(o.status for o in self.outcomes))


def _upload_dir() -> Path:
    return Path(current_app.config["UPLOAD_DIR"])


def _work_dir() -> Path:
    return Path(current_app.config["DATA_DIR"]) / "tmp"


def document_path(document: Document) -> Path:
    return storage.blob_path(_upload_dir(), document.sha256)


def add_upload(
    submission_id: int,
    filename: str,
    stream: BinaryIO,
    *,
    doc_type: str = DocumentType.EVIDENCE.value,
    actor_id: int | None = None,
    batch: str | None = None,
    folder: str = "",
    enqueue_jobs: bool = True,
) -> UploadReport:
    """Store one upload (a file or a ZIP of folders) and queue each document it holds."""
    submission = db.session.get(Submission, submission_id)
    if submission is None:
        raise NotFound(f"no submission {submission_id}")
    if doc_type not in {t.value for t in DocumentType}:
        raise ServiceError(f"unknown document type {doc_type!r}")
    filename = Path(filename.replace("\\", "/")).name.strip() or "upload"
    report = UploadReport(batch=batch or uuid.uuid4().hex[:12])
    sha, size, blob = storage.store_stream(_upload_dir(), stream)

    from extractors import detect_type

    kind = detect_type(blob)
    if kind == "zip":
        # A ZIP is a container, not a document: the per-file limit applies to each entry
        # (ZipLimits.max_entry_bytes), the archive as a whole to ZIP_MAX_TOTAL_BYTES.
        _add_archive(submission, filename, folder, sha, size, blob, doc_type, actor_id, report)
    else:
        outcome = _add_document(
            submission, filename, folder, sha, size, doc_type, actor_id, report.batch, {}
        )
        limit = current_app.config["MAX_UPLOAD_BYTES"]
        if outcome.status == "queued" and outcome.document_id and size > limit:
            # Over the per-file limit: the original is already stored (nothing is lost); the
            # document fails now with the reason instead of queueing a job bound to fail.
            # A retry after the limit was raised processes it normally.
            exc = _too_large(size, limit)
            _fail(db.session.get(Document, outcome.document_id), exc)
            outcome = UploadOutcome(filename, folder, "failed", outcome.document_id, exc.message)
        report.outcomes.append(outcome)
    db.session.commit()
    if enqueue_jobs:
        for outcome in report.outcomes:
            if outcome.status == "queued" and outcome.document_id:
                _enqueue(outcome.document_id)
    return report


def _add_document(
    submission: Submission,
    filename: str,
    folder: str,
    sha: str,
    size: int,
    doc_type: str,
    actor_id: int | None,
    batch: str,
    metadata: dict[str, str],
) -> UploadOutcome:
    existing = db.session.scalar(
        select(Document).where(Document.submission_id == submission.id, Document.sha256 == sha)
    )
    if existing is not None:
        return UploadOutcome(
            filename,
            folder,
            "duplicate",
            existing.id,
            f"same content as {existing.filename} (document {existing.id}), not added again",
        )
    document = Document(
        submission_id=submission.id,
        filename=filename,
        folder=folder,
        sha256=sha,
        size=size,
        doc_type=doc_type,
        status=DocumentStatus.QUEUED.value,
        uploaded_by_id=actor_id,
        batch=batch,
        doc_metadata=metadata,
    )
    db.session.add(document)
    db.session.flush()
    audit.record(actor_id, "document.upload", "document", document.id, file=filename, sha256=sha)
    return UploadOutcome(filename, folder, "queued", document.id)


def _too_large(size: int, limit: int) -> Exception:
    """The same reason extract() gives for a file over ``max_bytes``."""
    from extractors import ExtractionError

    return ExtractionError(
        "too_large",
        f"The file is {size:,} bytes; the limit is {limit:,} bytes. Split it or reduce its images.",
        f"파일 크기({size:,}바이트)가 허용 한도({limit:,}바이트)를 넘습니다. "
        "나누거나 이미지를 줄여 주세요.",
    )


def _zip_limits() -> ZipLimits:
    from extractors.archive import ZipLimits

    cfg = current_app.config
    return ZipLimits(
        max_entries=cfg["ZIP_MAX_ENTRIES"],
        max_total_bytes=cfg["ZIP_MAX_TOTAL_BYTES"],
        max_ratio=cfg["ZIP_MAX_RATIO"],
        max_entry_bytes=cfg["MAX_UPLOAD_BYTES"],
    )


def _join_folder(*parts: str) -> str:
    return "/".join(p.strip("/") for p in parts if p and p.strip("/"))


def _add_entries(
    submission: Submission,
    entries: list[ArchiveEntry],
    archive_name: str,
    archive_sha: str,
    folder: str,
    doc_type: str,
    actor_id: int | None,
    batch: str,
) -> list[UploadOutcome]:
    outcomes = []
    for entry in entries:
        e_sha, e_size, _ = storage.store_file(_upload_dir(), entry.path)
        outcomes.append(
            _add_document(
                submission,
                entry.name,
                _join_folder(folder, entry.folder),
                e_sha,
                e_size,
                doc_type,
                actor_id,
                batch,
                {"archive": archive_name, "archive_sha256": archive_sha},
            )
        )
    return outcomes


def _add_archive(
    submission: Submission,
    filename: str,
    folder: str,
    sha: str,
    size: int,
    blob: Path,
    doc_type: str,
    actor_id: int | None,
    report: UploadReport,
) -> None:
    from extractors import ExtractionError
    from extractors.archive import unpack_zip

    dest = Path(tempfile.mkdtemp(dir=_work_dir(), prefix="unzip-"))
    try:
        try:
            entries = unpack_zip(blob, dest, _zip_limits())
        except ExtractionError as exc:
            # The archive itself is kept as a failed document, so nothing is lost.
            outcome = _add_document(
                submission, filename, folder, sha, size, doc_type, actor_id, report.batch, {}
            )
            if outcome.status == "queued" and outcome.document_id:
                _fail(db.session.get(Document, outcome.document_id), exc)
                outcome = UploadOutcome(
                    filename, folder, "failed", outcome.document_id, exc.message
                )
            report.outcomes.append(outcome)
            return
        report.outcomes.extend(
            _add_entries(
                submission, entries, filename, sha, folder, doc_type, actor_id, report.batch
            )
        )
        if not entries:
            report.outcomes.append(
                UploadOutcome(filename, folder, "failed", None, "the ZIP archive holds no files")
            )
    finally:
        shutil.rmtree(dest, ignore_errors=True)


def _process_archive(document: Document) -> None:
    """Retry of a ZIP that failed to unpack: unpack it again (limits may have changed)."""
    from extractors import ExtractionError
    from extractors.archive import unpack_zip

    _set_status(document, DocumentStatus.EXTRACTING)
    dest = Path(tempfile.mkdtemp(dir=_work_dir(), prefix="unzip-"))
    try:
        try:
            entries = unpack_zip(document_path(document), dest, _zip_limits())
        except ExtractionError as exc:
            _fail(document, exc)
            return
        except Exception as exc:
            log.exception("unpacking crashed for document %s", document.id)
            _fail(document, ServiceError(f"internal error while unpacking the archive: {exc}"))
            return
        outcomes = _add_entries(
            document.submission,
            entries,
            document.filename,
            document.sha256,
            document.folder,
            document.doc_type,
            document.uploaded_by_id,
            document.batch,
        )
    finally:
        shutil.rmtree(dest, ignore_errors=True)
    _remove_derived(document)
    document.detected_type = "zip"
    document.page_count = 0
    document.doc_metadata = {**(document.doc_metadata or {}), "unpacked_entries": str(len(entries))}
    _set_status(document, DocumentStatus.READY)
    for outcome in outcomes:
        if outcome.status == "queued" and outcome.document_id:
            _enqueue(outcome.document_id)


def _enqueue(document_id: int) -> None:
    from ..jobs import enqueue

    enqueue("process_document", document_id)


def _set_status(document: Document, status: DocumentStatus) -> None:
    document.status = status.value
    document.updated_at = utcnow()
    db.session.commit()


def _fail(document: Document | None, exc: Exception) -> None:
    if document is None:
        return
    document.status = DocumentStatus.FAILED.value
    document.error_code = getattr(exc, "code", "error")
    document.error = getattr(exc, "message", None) or str(exc)
    document.error_ko = getattr(exc, "message_ko", "") or ""
    document.updated_at = utcnow()
    db.session.commit()


def process_document(document_id: int, *, queue_embedding: bool = True) -> None:
    """The ingestion job. Safe to run twice: it replaces earlier pages and chunks."""
    from extractors import ExtractionError, detect_type, extract

    document = db.session.get(Document, document_id)
    if document is None or document.status == DocumentStatus.READY.value:
        return
    document.error = document.error_code = document.error_ko = ""
    if detect_type(document_path(document)) == "zip":
        _process_archive(document)
        return
    _set_status(document, DocumentStatus.EXTRACTING)
    work = storage.materialize(document_path(document), document.filename, _work_dir())
    try:
        result = extract(
            work,
            max_bytes=current_app.config["MAX_UPLOAD_BYTES"],
            ocr=current_app.config["OCR_ENABLED"],
        )
    except ExtractionError as exc:
        _fail(document, exc)
        return
    except Exception as exc:  # never let a bug in one document stop the worker
        log.exception("extraction crashed for document %s", document_id)
        _fail(document, ServiceError(f"internal error while reading the file: {exc}"))
        return
    finally:
        shutil.rmtree(work.parent, ignore_errors=True)

    _remove_derived(document)
    document.detected_type = result.type
    document.page_count = len(result.pages)
    document.pages_estimated = result.metadata.get("page_estimate") == "true"
    document.doc_metadata = {**(document.doc_metadata or {}), **dict(result.metadata)}
    for page in result.pages:
        db.session.add(
            Page(document_id=document.id, number=page.number, text=page.text, ocr=page.ocr)
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
    _reanchor_links(document, chunks)
    _set_status(document, DocumentStatus.INDEXING)

    from .indexing import get_index, records_for

    try:
        get_index().add_chunks(records_for(document, chunks))
    except Exception as exc:
        log.exception("indexing failed for document %s", document_id)
        _fail(document, ServiceError(f"the search index could not be updated: {exc}"))
        return
    _set_status(document, DocumentStatus.READY)
    if queue_embedding and current_app.config["EMBEDDINGS_ENABLED"] and chunks:
        queue_embeddings(document.id)


def queue_embeddings(document_id: int) -> None:
    """The fast model's vectors right away, the slower models' behind new documents."""
    from ..jobs import enqueue

    for i, model in enumerate(current_app.config["EMBEDDERS"]):
        enqueue(
            "embed_document",
            document_id,
            model,
            priority="embed_document" if i == 0 else "embed_document_slow",
        )


def embed_document(document_id: int, models: list[str] | None = None) -> int:
    """Vectors follow once the document is already searchable by keywords.

    ``document.embedded`` turns true once every available model has its vectors.
    """
    from .indexing import get_index, records_for

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
    if count:  # the round's indicators as prepared queries: suggestions need no model call
        from .suggestions import prepare_indicator_queries

        prepare_indicator_queries(document.submission, models)
    return count


def _remove_derived(document: Document) -> int:
    """Drop pages, chunks and their index entries and vectors; returns suggestions removed.

    Evidence links survive: when a document is re-extracted (a retry, or a ZIP unpacked again)
    its passages are replaced, and a link made by an evaluator is an audit record that must
    not vanish or block the job. Each link already carries its own document, page and quote
    (copied when it was made), so it only loses its passage id here (chunk_id -> NULL) and
    _reanchor_links points it at the identical new passage afterwards. Deleting the whole
    document is refused while links exist (delete_document). Suggestions (ranked passages and
    accept/reject decisions) belong to a passage and go with it; the decisions stay in the
    audit log, and an accepted one lives on as its evidence link.
    The statements below are explicit rather than left to the foreign keys' ON DELETE, so
    they hold where the database does not enforce those (SQLite without the pragma) and the
    session sees them.
    """
    from .indexing import get_index

    get_index().delete_document(document.id)
    chunk_ids = select(Chunk.id).where(Chunk.document_id == document.id)
    removed = db.session.execute(
        delete(Suggestion)
        .where(Suggestion.chunk_id.in_(chunk_ids))
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


def _reanchor_links(document: Document, chunks: list[Chunk]) -> int:
    """Links whose passage was replaced by re-extraction point again at the same passage.

    The same page and text (extraction and chunking are deterministic); failing that, the
    first passage on that page holding the quote. A link with no match keeps chunk_id NULL
    and still cites its document, page and quote.
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
    for link in orphans:
        chunk_id = exact.get((link.page, link.quote))
        if chunk_id is None and link.quote.strip():
            chunk_id = next(
                (c.id for c in chunks if c.page == link.page and link.quote in c.text), None
            )
        if chunk_id is not None:
            link.chunk_id = chunk_id
            count += 1
    return count


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
    document = db.session.get(Document, document_id)
    if document is None:
        raise NotFound(f"no document {document_id}")
    # Only a failed document: a ready one is never re-extracted under its evaluators. A failed
    # one may still hold passages (the index update failed after chunking) that were linked
    # or decided on; re-processing replaces them and keeps the links (_remove_derived).
    if document.status != DocumentStatus.FAILED.value:
        raise ServiceError("only a failed document can be retried")
    document.error = document.error_code = document.error_ko = ""
    audit.record(actor_id, "document.retry", "document", document.id)
    _set_status(document, DocumentStatus.QUEUED)
    # Pass the id kept from before the commit: reloading the expired object here would open a
    # read transaction whose snapshot hides what an inline (immediate) job commits next.
    _enqueue(document_id)
    return document


def delete_document(document_id: int, *, actor_id: int | None = None) -> None:
    """Removes the document, its pages, chunks and index entries; the stored original stays.

    Refused (DocumentInUse) while evidence links or claims cite the document: evaluators'
    evidence is what scores rest on and the committee audits, so it is never removed as a
    side effect; the links are removed first, one by one, each attributed. Suggestions on
    the document's passages (decisions that did not become links) go with the passages.
    """
    document = db.session.get(Document, document_id)
    if document is None:
        raise NotFound(f"no document {document_id}")
    links, claims = references(document.id)
    if links or claims:
        raise DocumentInUse(document, links, claims)
    removed = _remove_derived(document)
    audit.record(
        actor_id,
        "document.delete",
        "document",
        document.id,
        file=document.filename,
        sha256=document.sha256,
        suggestions_removed=removed,
    )
    db.session.delete(document)
    db.session.commit()


def resume_unfinished() -> int:
    """After a crash or restart, queue again every document that did not reach an end state."""
    from ..jobs import huey

    pending = {
        task.args[0]
        for task in huey.pending()
        if task.name.endswith("process_document_task") and task.args
    }
    docs = db.session.scalars(
        select(Document).where(Document.status.in_([s.value for s in UNFINISHED]))
    ).all()
    count = 0
    for document in docs:
        if document.id not in pending:
            _enqueue(document.id)
            count += 1
    return count


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


def ingest_paths(
    paths: list[Path],
    submission_id: int,
    *,
    doc_type: str = DocumentType.EVIDENCE.value,
    actor_id: int | None = None,
    run_now: bool = True,
) -> list[dict[str, object]]:
    """Files, folders (walked; sub-folder kept) and ZIPs; with run_now, process them here."""
    files: list[tuple[Path, str]] = []
    for path in paths:
        if path.is_dir():
            for child in sorted(p for p in path.rglob("*") if p.is_file()):
                rel = child.parent.relative_to(path).as_posix()
                files.append((child, "" if rel == "." else rel))
        elif path.is_file():
            files.append((path, ""))
        else:
            raise ServiceError(f"{path}: no such file or folder")
    batch = uuid.uuid4().hex[:12]
    outcomes: list[UploadOutcome] = []
    for path, folder in files:
        with path.open("rb") as fh:
            report = add_upload(
                submission_id,
                path.name,
                fh,
                doc_type=doc_type,
                actor_id=actor_id,
                batch=batch,
                folder=folder,
                enqueue_jobs=not run_now,
            )
        outcomes.extend(report.outcomes)
    results = []
    for outcome in outcomes:
        row: dict[str, object] = {
            "file": outcome.filename,
            "folder": outcome.folder,
            "document_id": outcome.document_id,
            "status": outcome.status,
            "message": outcome.message,
        }
        if outcome.status == "queued" and outcome.document_id and run_now:
            process_document(outcome.document_id, queue_embedding=False)
            if current_app.config["EMBEDDINGS_ENABLED"]:
                embed_document(outcome.document_id)
            document = db.session.get(Document, outcome.document_id)
            assert document is not None
            row.update(status=document.status, pages=document.page_count, message=document.error)
        results.append(row)
    return results
