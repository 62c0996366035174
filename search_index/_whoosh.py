"""The whoosh index on disk: schema, opening, the one writer at a time, stored fields."""

from __future__ import annotations

import errno
import fcntl
import json
import logging
import math
import os
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh import query as wq
from whoosh import writing
from whoosh.fields import ID, NUMERIC, TEXT, Schema
from whoosh.index import LockError
from whoosh.searching import Searcher

from ._korean import ANALYSIS_VERSION, BigramTokenizer, KiwiTokenizer, prime_cache

log = logging.getLogger(__name__)

INDEX_NAME = "chunks"
# Beside the index's files: the ANALYSIS_VERSION its terms were made with (whoosh leaves
# files not named after the index alone).
ANALYSIS_FILE = "analysis.json"
SEARCH_FIELDS = ("text", "text_bigram")  # the free-text fields a query searches


def make_schema() -> Schema:
    return Schema(
        chunk_id=ID(unique=True, stored=True),
        document_id=ID(stored=True),
        submission_id=ID(stored=True),
        applicant_id=ID,
        round_id=ID,
        doc_type=ID(stored=True),
        document_name=ID(stored=True),
        page=NUMERIC(int, bits=32, stored=True, signed=True),
        text=TEXT(analyzer=KiwiTokenizer(), phrase=True, chars=True, stored=True),
        # no stored offsets for bigrams: they are recomputed (cheaply) for snippets,
        # which halves indexing time
        text_bigram=TEXT(analyzer=BigramTokenizer(), phrase=True),
    )


def open_index(directory: Path, recreate: bool = False) -> whoosh_index.Index:
    """Open the index in ``directory``, creating it (or recreating it) as needed.

    An index whose schema has other fields than ours was made by another
    version; it is derived data, so it is recreated (the caller rebuilds it).
    An index whose terms were made by another text analysis (``ANALYSIS_VERSION``) is
    kept, searchable as it is, and logged: :func:`analysis_current` says so until a
    rebuild (``reviewapp reindex``).
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    schema = make_schema()
    if not recreate and whoosh_index.exists_in(str(directory), indexname=INDEX_NAME):
        ix = whoosh_index.open_dir(str(directory), indexname=INDEX_NAME)
        if sorted(ix.schema.names()) == sorted(schema.names()):
            if not analysis_current(directory):
                if ix.doc_count_all() == 0:  # nothing in it was analysed the old way
                    mark_analysis_current(directory)
                else:
                    log.warning(
                        "search index at %s was made by an older text analysis; "
                        "run `reviewapp reindex`",
                        directory,
                    )
            return ix
        log.warning("search index at %s has an old schema; recreating it", directory)
    with _process_lock(directory):
        ix = whoosh_index.create_in(str(directory), schema, indexname=INDEX_NAME)
        mark_analysis_current(directory)
        return ix


def analysis_current(directory: Path) -> bool:
    """Whether the index in ``directory`` was made with this code's ``ANALYSIS_VERSION``
    (an index from before versions were recorded was not)."""
    try:
        stamp = json.loads((Path(directory) / ANALYSIS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(stamp, dict) and stamp.get("analysis") == ANALYSIS_VERSION


def mark_analysis_current(directory: Path) -> None:
    """Record that every term in the index in ``directory`` comes from this code's
    analysis: once it is created, rebuilt or emptied."""
    path = Path(directory) / ANALYSIS_FILE
    tmp = path.with_name(f".{ANALYSIS_FILE}.{os.getpid()}.{threading.get_ident()}")
    tmp.write_text(json.dumps({"analysis": ANALYSIS_VERSION}), encoding="utf-8")
    tmp.replace(path)


_thread_locks: dict[str, threading.Lock] = {}
_thread_locks_guard = threading.Lock()


@contextmanager
def _process_lock(directory: Path, timeout: float = 600.0) -> Iterator[None]:
    """Exclusive lock across threads and processes (fcntl) for one index directory."""
    path = Path(directory) / "write.lock"
    key = str(path.resolve())
    with _thread_locks_guard:
        tlock = _thread_locks.setdefault(key, threading.Lock())
    deadline = time.monotonic() + timeout
    if not tlock.acquire(timeout=timeout):
        raise TimeoutError(f"search index {directory} is busy (another writer)")
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError as exc:
                    if exc.errno not in (errno.EAGAIN, errno.EACCES):
                        raise
                    if time.monotonic() > deadline:
                        raise TimeoutError(
                            f"search index {directory} is busy (another writer)"
                        ) from exc
                    time.sleep(0.05)
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)
    finally:
        tlock.release()


@contextmanager
def writes_locked(directory: Path, timeout: float = 600.0) -> Iterator[None]:
    """No writer (any thread or process) changes the index in ``directory`` meanwhile."""
    with _process_lock(directory, timeout=timeout):
        yield


@contextmanager
def index_writer(
    ix: whoosh_index.Index,
    directory: Path,
    *,
    timeout: float = 600.0,
    clear: bool = False,
    optimize: bool = False,
) -> Iterator[writing.IndexWriter]:
    """The one writer: commits on success, cancels on error.

    The file lock serializes writers across processes before whoosh's own lock
    is tried, so jobs queue up instead of failing with ``LockError``. With
    ``clear`` the commit replaces every existing segment at once (a rebuild that
    readers never see half done).
    """
    with _process_lock(directory, timeout=timeout):
        w = None
        for attempt in range(20):
            try:
                w = ix.writer(timeout=5.0)
                break
            except LockError:  # a writer outside our lock (should not happen)
                time.sleep(0.1 * (attempt + 1))
        if w is None:
            raise TimeoutError(f"could not lock search index {directory} for writing")
        try:
            yield w
        except BaseException:
            w.cancel()
            raise
        else:
            if clear:
                w.commit(mergetype=writing.CLEAR, optimize=optimize)
            elif optimize:
                w.commit(optimize=True)
            else:
                w.commit(mergetype=merge_tiered)


MERGE_FACTOR = 8
"""Segments of one size class that a commit merges into one (see :func:`merge_tiered`)."""


def merge_tiered(writer: writing.SegmentWriter, segments: list[Any]) -> list[Any]:
    """whoosh merge policy: merge only when ``MERGE_FACTOR`` segments of one size class
    (live documents, in powers of ``MERGE_FACTOR``) are there, into the segment being written.

    whoosh's default (MERGE_SMALL) merges on nearly every commit; with one commit per
    document it rewrote the same postings again and again, more time than indexing the new
    document. Tiered, each posting is rewritten once per size class (about three times up
    to 10,000 passages), and an index holds at most ``MERGE_FACTOR - 1`` segments per class.
    A segment whose documents were mostly deleted falls to a lower class and is merged (and
    purged) with it; one with none left is merged at the next merge.
    """
    from whoosh.reading import SegmentReader

    tiers: dict[int, list[Any]] = {}
    for segment in segments:
        live = segment.doc_count()
        tier = 0 if live <= 1 else int(math.log(live, MERGE_FACTOR))
        tiers.setdefault(tier, []).append(segment)
    full = [tier for tier, members in tiers.items() if len(members) >= MERGE_FACTOR]
    if not full:
        return list(segments)
    merged = tiers[min(full)] + [s for s in segments if s.doc_count() == 0]
    for segment in segments:
        if any(segment is m for m in merged):
            reader = SegmentReader(writer.storage, writer.schema, segment)
            writer.add_reader(reader)
            reader.close()
    return [s for s in segments if not any(s is m for m in merged)]


def add_documents(w: writing.IndexWriter, chunks: Sequence[Any], *, update: bool = True) -> int:
    prime_cache(c.text for c in chunks)
    add = w.update_document if update else w.add_document
    for c in chunks:
        text = _index_text(c.text)
        add(
            chunk_id=str(c.chunk_id),
            document_id=str(c.document_id),
            submission_id=str(c.submission_id),
            applicant_id=str(c.applicant_id),
            round_id=str(c.round_id),
            doc_type=c.doc_type or "",
            document_name=c.document_name or "",
            page=int(c.page),
            text=text,
            text_bigram=text,
        )
    return len(chunks)


def _index_text(text: str | None) -> str:
    text = text or ""
    # whoosh stores text as UTF-8; lone surrogates would break it.
    return text.encode("utf-8", "replace").decode("utf-8")


def delete_document(w: writing.IndexWriter, document_id: int) -> None:
    w.delete_by_term("document_id", str(document_id))


def delete_all(w: writing.IndexWriter) -> None:
    w.delete_by_query(wq.Every())


# --- stored fields -----------------------------------------------------------


@dataclass(frozen=True)
class RawHit:
    docnum: int
    chunk_id: int
    document_id: int
    submission_id: int
    doc_type: str
    document_name: str
    page: int
    text: str
    score: float


_STORED_CACHE = 20_000  # chunks' stored fields remembered per searcher


def searcher_cache(searcher: Searcher, name: str, size: int = _STORED_CACHE) -> dict[Any, Any]:
    """A dict of at most ``size`` items that lives as long as ``searcher`` (one committed
    snapshot, never changing): suggestions for every indicator of a submission read the
    same chunks again and again."""
    cache = searcher.__dict__.setdefault(f"_reviewapp_{name}", {})
    if len(cache) >= size:
        cache.clear()
    return cache


def raw_hit(searcher: Searcher, docnum: int, score: float) -> RawHit:
    cache = searcher_cache(searcher, "stored")
    hit = cache.get(docnum)
    if hit is None:
        f = searcher.stored_fields(docnum)
        hit = cache[docnum] = RawHit(
            docnum=docnum,
            chunk_id=int(f["chunk_id"]),
            document_id=int(f["document_id"]),
            submission_id=int(f.get("submission_id") or 0),
            doc_type=f.get("doc_type", ""),
            document_name=f.get("document_name", ""),
            page=int(f.get("page") or 0),
            text=f.get("text", ""),
            score=0.0,
        )
    return replace(hit, score=float(score)) if score else hit


def hits_for_chunks(searcher: Searcher, chunk_ids: Iterable[int]) -> dict[int, RawHit]:
    docnums = searcher_cache(searcher, "docnums")
    out: dict[int, RawHit] = {}
    for cid in chunk_ids:
        docnum = docnums.get(cid, -1)
        if docnum == -1:
            docnum = docnums[cid] = searcher.document_number(chunk_id=str(cid))
        if docnum is not None:
            out[cid] = raw_hit(searcher, docnum, 0.0)
    return out
