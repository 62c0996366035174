"""Upload and ZIP intake: store the original first, then one queued document per file.

A ZIP is a container, not a document: its files become documents (its folders kept), a ZIP
inside it is unpacked in its place, and the same unpacking serves a first upload and the retry
of an archive that failed to unpack.
"""

from __future__ import annotations

import shutil
import tempfile
import unicodedata
import uuid
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import BinaryIO

from flask import current_app
from sqlalchemy import select

from extractors import ERROR_CODES, ExtractionError, detect_type
from extractors.archive import ZipLimits, unpack_zip

from .. import queue
from ..extensions import db
from ..models import Document, DocumentStatus, DocumentType, Submission
from . import audit, storage
from .documents import fail, upload_dir, work_dir
from .errors import NotFound, ServiceError
from .rounds import require_open


@dataclass(frozen=True)
class UploadOutcome:
    filename: str
    folder: str
    status: str  # queued | duplicate | failed
    document_id: int | None
    message: str = ""
    message_ko: str = ""


@dataclass
class UploadReport:
    batch: str
    outcomes: list[UploadOutcome] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        return dict(Counter(o.status for o in self.outcomes))

    @property
    def queued_ids(self) -> list[int]:
        return [o.document_id for o in self.outcomes if o.status == "queued" and o.document_id]


def clean_name(name: str) -> str:
    """The file's own name (no client path), NFC (macOS sends Hangul as NFD), never empty."""
    name = unicodedata.normalize("NFC", Path(name.replace("\\", "/")).name).strip()
    return name or "upload"


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
    """Store one upload (a file or a ZIP of folders) and queue each document it holds.

    Raises NotFound for an unknown submission, Conflict when its round is finalized and
    ServiceError for an unknown document type;
    every other problem (empty file, broken ZIP, file over the limit) is an outcome with its
    reason, and a file that has content is stored whatever happens to it.
    """
    submission = db.session.get(Submission, submission_id)
    if submission is not None:
        require_open(submission.round)
    if submission is None:
        raise NotFound(f"no submission {submission_id}")
    if doc_type not in {t.value for t in DocumentType}:
        raise ServiceError(f"unknown document type {doc_type!r}")
    filename = clean_name(filename)
    folder = unicodedata.normalize("NFC", folder)
    report = UploadReport(batch=batch or uuid.uuid4().hex[:12])
    sha, size, blob = storage.store_stream(upload_dir(), stream)
    if size == 0:  # nothing to keep; not a duplicate of some other empty file
        en, ko = ERROR_CODES["empty"]
        report.outcomes.append(UploadOutcome(filename, folder, "failed", None, en, ko))
        return report

    if detect_type(blob) == "zip":
        # The per-file limit applies to each entry (ZipLimits.max_entry_bytes), the archive
        # as a whole to ZIP_MAX_TOTAL_BYTES.
        try:
            report.outcomes.extend(
                unpack_archive(
                    submission, blob, filename, sha, folder, doc_type, actor_id, report.batch
                )
            )
        except ExtractionError as exc:
            # The archive itself is kept as a failed document, so nothing is lost.
            outcome = _add_document(
                submission, filename, folder, sha, size, doc_type, actor_id, report.batch, {}
            )
            report.outcomes.append(_failed(outcome, exc))
    else:
        outcome = _add_document(
            submission, filename, folder, sha, size, doc_type, actor_id, report.batch, {}
        )
        limit = current_app.config["MAX_UPLOAD_BYTES"]
        if size > limit:
            # Over the per-file limit: the original is already stored (nothing is lost); the
            # document fails now with the reason instead of queueing a job bound to fail.
            # A retry after the limit was raised processes it normally.
            outcome = _failed(outcome, too_large(size, limit))
        report.outcomes.append(outcome)
    db.session.commit()
    if enqueue_jobs:
        queue_documents(report.queued_ids)
    return report


def queue_documents(document_ids: list[int]) -> None:
    """Queue stored documents for processing, an upload's documents in batches (a batch's
    passages are indexed in one commit: pipeline.process_documents)."""
    queue.enqueue_batched("process_document", document_ids)


def _failed(outcome: UploadOutcome, exc: ExtractionError) -> UploadOutcome:
    """A newly added document failed at intake; a duplicate stays a duplicate."""
    if outcome.status != "queued" or not outcome.document_id:
        return outcome
    fail(db.session.get(Document, outcome.document_id), exc)
    return UploadOutcome(
        outcome.filename, outcome.folder, "failed", outcome.document_id, exc.message, exc.message_ko
    )


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
            f"{existing.filename}(문서 {existing.id})와 내용이 같아 다시 추가하지 않았습니다.",
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


def too_large(size: int, limit: int) -> ExtractionError:
    """The same reason extract() gives for a file over ``max_bytes``."""
    return ExtractionError(
        "too_large",
        f"The file is {size:,} bytes; the limit is {limit:,} bytes. Split it or reduce its images.",
        f"파일 크기({size:,}바이트)가 허용 한도({limit:,}바이트)를 넘습니다. "
        "나누거나 이미지를 줄여 주세요.",
    )


def zip_limits() -> ZipLimits:
    cfg = current_app.config
    return ZipLimits(
        max_entries=cfg["ZIP_MAX_ENTRIES"],
        max_total_bytes=cfg["ZIP_MAX_TOTAL_BYTES"],
        max_ratio=cfg["ZIP_MAX_RATIO"],
        max_entry_bytes=cfg["MAX_UPLOAD_BYTES"],
    )


def _join_folder(*parts: str) -> str:
    return "/".join(p.strip("/") for p in parts if p and p.strip("/"))


# A ZIP inside a ZIP is unpacked where it lies, like the outer one; this many archives deep
# at most (the upload itself is level 1): deeper ones are kept as failed documents.
MAX_ARCHIVE_DEPTH = 4


@dataclass
class _Unpacking:
    """One upload's archives, nested ones included: who they belong to, and what of the ZIP
    limits (entries, bytes; one budget for all the levels) they have used."""

    submission: Submission
    doc_type: str
    actor_id: int | None
    batch: str
    limits: ZipLimits
    entries_used: int = 0
    bytes_used: int = 0

    def remaining(self) -> ZipLimits:
        """The limits for the next archive: what the ones unpacked so far left."""
        return replace(
            self.limits,
            max_entries=self.limits.max_entries - self.entries_used,
            max_total_bytes=self.limits.max_total_bytes - self.bytes_used,
        )


def unpack_archive(
    submission: Submission,
    blob: Path,
    archive_name: str,
    archive_sha: str,
    folder: str,
    doc_type: str,
    actor_id: int | None,
    batch: str,
) -> list[UploadOutcome]:
    """Store each file of the ZIP at ``blob`` as a document of ``submission`` (not queued),
    in archive order; a ZIP inside it is unpacked in its place the same way (its files in
    its folder), down to :data:`MAX_ARCHIVE_DEPTH` levels, all levels within one budget of
    ZIP limits. A nested ZIP that cannot be unpacked (too deep, over the limits, broken,
    encrypted) is kept as a failed document with the reason.

    Raises ExtractionError for the archive at ``blob`` itself (ZIP bomb limits, a broken or
    encrypted archive); an archive with no files gives one failed outcome without a document.
    """
    unpacking = _Unpacking(submission, doc_type, actor_id, batch, zip_limits())
    return _unpack(unpacking, blob, archive_name, archive_sha, folder, depth=1)


def _unpack(
    unpacking: _Unpacking,
    blob: Path,
    archive_name: str,
    archive_sha: str,
    folder: str,
    depth: int,
) -> list[UploadOutcome]:
    if depth > MAX_ARCHIVE_DEPTH:
        raise ExtractionError(
            "unsupported",
            f"This ZIP is nested more than {MAX_ARCHIVE_DEPTH} archives deep and was not "
            "unpacked. Unpack it and upload its files.",
            f"압축 파일이 {MAX_ARCHIVE_DEPTH}단계보다 깊이 중첩되어 풀지 않았습니다. "
            "풀어서 안의 파일을 올려 주세요.",
            detail=f"nested deeper than {MAX_ARCHIVE_DEPTH}",
        )
    dest = Path(tempfile.mkdtemp(dir=work_dir(), prefix="unzip-"))
    try:
        entries = unpack_zip(blob, dest, unpacking.remaining())
        unpacking.entries_used += len(entries)
        unpacking.bytes_used += sum(entry.path.stat().st_size for entry in entries)
        outcomes = []
        for entry in entries:
            e_sha, e_size, _ = storage.store_file(upload_dir(), entry.path)
            e_folder = _join_folder(folder, entry.folder)
            problem: ExtractionError | None = None
            if detect_type(entry.path) == "zip":
                try:
                    outcomes.extend(
                        _unpack(unpacking, entry.path, entry.name, e_sha, e_folder, depth + 1)
                    )
                    continue
                except ExtractionError as exc:  # kept as a failed document, as an upload is
                    problem = exc
            outcome = _add_document(
                unpacking.submission,
                entry.name,
                e_folder,
                e_sha,
                e_size,
                unpacking.doc_type,
                unpacking.actor_id,
                unpacking.batch,
                {"archive": archive_name, "archive_sha256": archive_sha},
            )
            outcomes.append(_failed(outcome, problem) if problem else outcome)
    finally:
        shutil.rmtree(dest, ignore_errors=True)
    if not entries:
        outcomes.append(
            UploadOutcome(
                archive_name,
                folder,
                "failed",
                None,
                "the ZIP archive holds no files",
                "ZIP 압축 파일 안에 파일이 없습니다.",
            )
        )
    return outcomes


def ingest_paths(
    paths: list[Path],
    submission_id: int,
    *,
    doc_type: str = DocumentType.EVIDENCE.value,
    actor_id: int | None = None,
    enqueue_jobs: bool = True,
) -> list[UploadOutcome]:
    """Files, folders (walked; sub-folder kept) and ZIPs from disk, as one batch.

    Raises ServiceError for a path that does not exist (before anything is stored).
    """
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
    queued: list[int] = []
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
                enqueue_jobs=False,
            )
        outcomes.extend(report.outcomes)
        queued += report.queued_ids
    if enqueue_jobs:
        queue_documents(queued)
    return outcomes
