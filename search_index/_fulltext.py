"""The whoosh full-text index: schema, one-writer-at-a-time writing, queries, snippets."""

from __future__ import annotations

import errno
import fcntl
import html
import logging
import math
import os
import re
import threading
import time
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from whoosh import index as whoosh_index
from whoosh import query as wq
from whoosh import writing
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, _lenfield
from whoosh.fields import ID, NUMERIC, TEXT, Schema
from whoosh.index import LockError
from whoosh.matching.wrappers import FilterMatcher
from whoosh.qparser import FieldsPlugin, MultifieldParser, OrGroup
from whoosh.reading import TermNotFound
from whoosh.scoring import BM25F
from whoosh.searching import Searcher
from whoosh.util.numeric import byte_to_length

from ._korean import (
    _HANGUL_RUN_RE,
    BigramTokenizer,
    KiwiTokenizer,
    hangul_bigrams,
    morphemes,
    prime_cache,
)

log = logging.getLogger(__name__)

INDEX_NAME = "chunks"
# Field weights and the OR coordination factor, tuned on KorQuAD/KLUE-STS in
# bench/bench_search.py: morphemes carry most of the signal, bigrams add
# recall for compounds, spacing variants and words kiwi splits differently.
TEXT_BOOST = 1.0
BIGRAM_BOOST = 0.15
OR_FACTOR = 0.9
BM25_K1 = 0.6
BM25_B = 0.75
# Free-text terms in more than this share of chunks are dropped from OR groups
# on large indexes: they barely move BM25 but dominate query time.
COMMON_TERM_RATIO = 0.1
COMMON_TERM_MIN_DOCS = 2000
SNIPPET_CHARS = 240

_SEARCH_FIELDS = ("text", "text_bigram")
_ID_FIELDS = ("chunk_id", "document_id", "submission_id", "applicant_id", "round_id")


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
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    schema = make_schema()
    if not recreate and whoosh_index.exists_in(str(directory), indexname=INDEX_NAME):
        ix = whoosh_index.open_dir(str(directory), indexname=INDEX_NAME)
        if sorted(ix.schema.names()) == sorted(schema.names()):
            return ix
        log.warning("search index at %s has an old schema; recreating it", directory)
    with _process_lock(directory):
        return whoosh_index.create_in(str(directory), schema, indexname=INDEX_NAME)


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
            else:
                w.commit(optimize=optimize)


@dataclass(frozen=True)
class ChunkFields:
    """What the index needs of a chunk (mirrors the public ChunkRecord)."""

    chunk_id: int
    document_id: int
    submission_id: int
    applicant_id: int
    round_id: int
    doc_type: str
    document_name: str
    page: int
    text: str


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


# --- queries ---------------------------------------------------------------


def make_parser(schema: Schema) -> MultifieldParser:
    parser = MultifieldParser(
        list(_SEARCH_FIELDS),
        schema,
        fieldboosts={"text": TEXT_BOOST, "text_bigram": BIGRAM_BOOST},
        group=OrGroup.factory(OR_FACTOR),
    )
    parser.replace_plugin(FieldsPlugin(remove_unknown=True))
    return parser


_parser_cache: dict[int, MultifieldParser] = {}
# Question marks ending a word are punctuation ("무엇인가?"), not whoosh's one-character
# wildcard; inside a word ("te?t") it stays a wildcard.
_TRAILING_QUESTION_RE = re.compile(r"\?+(?=\s|$)")


_parsed: dict[tuple[int, str], wq.Query] = {}
_PARSED_CACHE = 1024  # queries: suggestions parse every indicator's query on every visit


def parse_query(text: str, schema: Schema) -> wq.Query:
    """Free text is OR-grouped (more matching words score higher); operators work.

    Parsed queries are cached (whoosh queries are never changed in place here)."""
    key = (id(schema), text)
    q = _parsed.get(key)
    if q is None:
        if len(_parsed) >= _PARSED_CACHE:
            _parsed.clear()
        q = _parsed[key] = _parse(text, schema)
    return q


def _parse(text: str, schema: Schema) -> wq.Query:
    parser = _parser_cache.get(id(schema))
    if parser is None:
        parser = _parser_cache[id(schema)] = make_parser(schema)
    try:
        text = _TRAILING_QUESTION_RE.sub("", text)
        prime_cache([text])  # one batched kiwi call for the query's new words
        return _restructure(parser.parse(_drop_function_words(text)))
    except Exception:  # noqa: BLE001 - a query must never crash the search
        log.warning("unparseable query %r; searching its words", text, exc_info=True)
        words = [w for w in text.replace('"', " ").split() if w]
        return parser.parse(" ".join(f"'{w}'" for w in words)) if words else wq.NullQuery


_HANGUL_WORD_RE = re.compile(r"[\uac00-\ud7a3]+")
_OPERATORS = frozenset({"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE"})


def _drop_function_words(text: str) -> str:
    """Drop Hangul words without a content morpheme ("무엇인가", "어디에서", "그리고") from
    free text: their bigrams only match other questions' wording. Quoted phrases, operators
    and a query of nothing else are left as they are."""
    words = text.split()
    if '"' in text or any(w in _OPERATORS or ":" in w or "(" in w for w in words):
        return text
    kept = [w for w in words if not (_HANGUL_WORD_RE.fullmatch(w) and not morphemes(w))]
    return " ".join(kept) if kept and len(kept) < len(words) else text


def _is_filter(node: wq.Query) -> bool:
    fields = {getattr(leaf, "fieldname", None) for leaf in node.leaves()}
    return bool(fields) and None not in fields and not fields & set(_SEARCH_FIELDS)


def _restructure(node: wq.Query) -> wq.Query:
    """Make NOT and field filters restrict OR-grouped free text instead of joining it.

    With OR grouping, ``a NOT b`` would parse as "a or anything without b", and
    ``doc_type:evidence 조례`` as "evidence or 조례"; users mean "a without b" and
    "조례 within evidence".
    """
    if isinstance(node, wq.Or):
        kids = [_restructure(k) for k in node.subqueries]
        negs = [k.query for k in kids if isinstance(k, wq.Not)]
        flts = [k for k in kids if not isinstance(k, wq.Not) and _is_filter(k)]
        pos = [k for k in kids if not isinstance(k, wq.Not) and not _is_filter(k)]
        if not negs and not flts:
            return node.__class__(kids, boost=node.boost, minmatch=node.minmatch, scale=node.scale)
        base: wq.Query | None = None
        if pos:
            base = (
                pos[0]
                if len(pos) == 1
                else node.__class__(pos, boost=node.boost, minmatch=node.minmatch, scale=node.scale)
            )
        if flts:
            flt = flts[0] if len(flts) == 1 else wq.And(flts)
            base = flt if base is None else wq.Require(base, flt)
        if negs:
            neg = negs[0] if len(negs) == 1 else wq.Or(negs)
            base = wq.AndNot(base if base is not None else wq.Every(), neg)
        return base if base is not None else node
    if isinstance(node, wq.Prefix) and node.fieldname == "text_bigram":
        # "통합운영*" must match inside "통합운영센터": the prefix's own bigrams in a row
        grams = [g for g, _s, _e in hangul_bigrams(node.text)]
        if len(grams) > 1:
            return wq.Phrase("text_bigram", grams, boost=node.boost)
        if len(grams) == 1 and len(node.text) == 2:
            return wq.Term("text_bigram", grams[0], boost=node.boost)
        return node
    if isinstance(node, (wq.Phrase, wq.Not)) or node.is_leaf():
        return node
    return node.apply(_restructure)


def prune_common_terms(q: wq.Query, searcher: Searcher) -> wq.Query:
    """Drop very frequent terms from OR groups (keeps at least one per group)."""
    n = searcher.doc_count()
    if n < COMMON_TERM_MIN_DOCS:
        return q
    limit = n * COMMON_TERM_RATIO
    reader = searcher.reader()

    # document frequencies, kept with the searcher (a snapshot: they cannot change)
    cache = searcher.__dict__.setdefault("_rs_doc_frequency", {})
    if len(cache) > 100_000:
        cache.clear()

    def common(sub: wq.Query) -> bool:
        if isinstance(sub, wq.Term) and sub.fieldname in _SEARCH_FIELDS:
            key = (sub.fieldname, sub.text)
            df = cache.get(key)
            if df is None:
                try:
                    df = cache[key] = reader.doc_frequency(sub.fieldname, sub.text)
                except Exception:  # noqa: BLE001
                    return False
            return df > limit
        return False

    def walk(node: wq.Query) -> wq.Query:
        if isinstance(node, wq.Or):
            kids = [walk(s) for s in node.subqueries]
            kept = [k for k in kids if not common(k) and k is not wq.NullQuery]
            if not kept:
                return node
            new = node.__class__(kept, boost=node.boost, minmatch=node.minmatch, scale=node.scale)
            return new
        if isinstance(node, (wq.Phrase, wq.Not)) or node.is_leaf():
            return node
        if isinstance(node, (wq.AndNot, wq.Require)):
            # only the scoring side; the excluded/required side keeps every term
            return node.__class__(walk(node.a), node.b)
        return node.apply(walk)

    return walk(q)


def filter_query(
    *,
    submission_ids: Sequence[int] | None = None,
    document_ids: Sequence[int] | None = None,
    doc_types: Sequence[str] | None = None,
    page_min: int | None = None,
    page_max: int | None = None,
    chunk_ids: Iterable[int] | None = None,
) -> wq.Query | None:
    parts: list[wq.Query] = []

    def any_of(field: str, values: Iterable[Any]) -> wq.Query:
        terms = [wq.Term(field, str(v)) for v in dict.fromkeys(values)]
        return terms[0] if len(terms) == 1 else wq.Or(terms)

    if submission_ids is not None:
        parts.append(any_of("submission_id", submission_ids))
    if document_ids is not None:
        parts.append(any_of("document_id", document_ids))
    if doc_types is not None:
        parts.append(any_of("doc_type", doc_types))
    if chunk_ids is not None:
        parts.append(any_of("chunk_id", chunk_ids))
    if page_min is not None or page_max is not None:
        parts.append(wq.NumericRange("page", page_min, page_max))
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else wq.And(parts)


def empty_filter(**filters: Any) -> bool:
    """True when a filter list is given but empty: nothing can match."""
    return any(
        v is not None and len(v) == 0
        for k, v in filters.items()
        if k.endswith("ids") or k == "doc_types"
    )


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


def _searcher_cache(searcher: Searcher, name: str) -> dict[Any, Any]:
    """A dict that lives as long as ``searcher`` (one committed snapshot, never changing):
    suggestions for every indicator of a submission read the same chunks again and again."""
    cache = searcher.__dict__.setdefault(f"_reviewapp_{name}", {})
    if len(cache) >= _STORED_CACHE:
        cache.clear()
    return cache


def _raw_hit(searcher: Searcher, docnum: int, score: float) -> RawHit:
    cache = _searcher_cache(searcher, "stored")
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


# --- fast scoring ------------------------------------------------------------
#
# whoosh scores an OR of terms one document at a time through a tree of Python
# matchers, and applies a filter only after scoring each matching document. For
# the usual query -- an OR group over the text/text_bigram fields -- the same
# BM25F scores are computed here a posting block at a time with numpy, and the
# posting blocks holding no document of the filter are never decompressed.
# Anything else (AND, NOT, required clauses, a non-BM25F weighting) goes
# through whoosh's own collector.

_BYTE_TO_LENGTH = np.array([byte_to_length(i) for i in range(256)], dtype=np.float64)


def _or_subqueries(q: wq.Query) -> tuple[list[wq.Query], float | None, float] | None:
    """(subqueries, coordination scale, boost) of a plain OR group, or None."""
    if isinstance(q, wq.Term):
        return ([q], None, 1.0) if q.fieldname in _SEARCH_FIELDS else None
    if type(q) is not wq.Or or q.minmatch or not q.subqueries:
        return None
    subs = list(q.subqueries)
    for sub in subs:
        fields = {getattr(leaf, "fieldname", None) for leaf in sub.leaves()}
        if isinstance(sub, wq.Not) or not fields <= set(_SEARCH_FIELDS):
            return None
    if len(subs) == 1:  # whoosh scores a one-clause OR as that clause
        return subs, None, 1.0
    return subs, q.scale, q.boost


def _field_lengths(reader: Any, fieldname: str) -> np.ndarray:
    """Per-document field lengths of one segment, as whoosh's scorer sees them."""
    cache = reader.__dict__.setdefault("_rs_field_lengths", {})
    lengths = cache.get(fieldname)
    if lengths is None:
        n = reader.doc_count_all()
        try:
            col = reader._perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
            raw = col._dbfile.get(col._basepos, col._count) if col is not None else b""
            codes = np.zeros(n, dtype=np.uint8)
            codes[: len(raw)] = np.frombuffer(raw, dtype=np.uint8)[:n]
            lengths = _BYTE_TO_LENGTH[codes]
        except Exception:  # noqa: BLE001 - another codec: ask one document at a time
            lengths = np.array(
                [reader.doc_field_length(d, fieldname, 1) or 1 for d in range(n)],
                dtype=np.float64,
            )
        cache[fieldname] = lengths
    return lengths


def _term_postings(
    reader: Any, fieldname: str, btext: bytes, allowed: list[int] | None
) -> tuple[np.ndarray, np.ndarray] | None:
    """Document numbers and weights of a term in one segment; None if it has no such term.

    Deleted documents are included (the caller masks them). With ``allowed``
    (sorted local docnums), posting blocks without any of them are not read.
    """
    try:
        m = reader.postings(fieldname, btext)
    except TermNotFound:
        return None
    if isinstance(m, FilterMatcher):
        m = m.child
    if not isinstance(m, W3LeafMatcher) or m._byteids:
        ids, weights = [], []
        while m.is_active():
            ids.append(m.id())
            weights.append(m.weight())
            m.next()
        return np.array(ids, dtype=np.int64), np.array(weights, dtype=np.float64)
    deltas: list[int] = []
    weights = []
    starts: list[int] = []
    prev_max = -1
    n_allowed = len(allowed) if allowed is not None else 0
    while m.is_active():
        max_id = m._maxid
        if allowed is not None:
            j = bisect_right(allowed, prev_max)
            if j == n_allowed:
                break
            if allowed[j] > max_id:
                prev_max = max_id
                m._next_block()
                continue
        if m._data is None:
            m._read_data()
        data = m._data
        n = m._blocklength
        starts.append(len(deltas))
        deltas.extend(data[0])  # delta-coded, each block from 0
        w = data[1]
        if w is None:
            weights.extend([1.0] * n)
        elif isinstance(w, float):
            weights.extend([w] * n)
        else:
            weights.extend(w)
        prev_max = max_id
        m._next_block()
    if not deltas:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
    ids = np.cumsum(np.array(deltas, dtype=np.int64))
    if len(starts) > 1:
        bounds = np.array(starts[1:], dtype=np.int64)
        base = np.zeros(len(deltas), dtype=np.int64)
        base[bounds] = np.diff(np.concatenate(([0], ids[bounds - 1])))
        ids -= np.cumsum(base)
    return ids, np.array(weights, dtype=np.float64)


def _generic_scores(
    sub: wq.Query, subsearcher: Searcher, context: Any, allowed: list[int] | None
) -> tuple[int, np.ndarray, np.ndarray, np.ndarray]:
    """(term matcher count, docnums, scores, matched term counts) via whoosh's matcher.

    With ``allowed`` (sorted local docnums) the matcher skips to those documents.
    """
    m = sub.matcher(subsearcher, context)
    nterms = len(list(m.term_matchers()))
    ids, scores, counts = [], [], []
    n_allowed = len(allowed) if allowed is not None else 0
    while m.is_active():
        d = m.id()
        if allowed is not None:
            j = bisect_left(allowed, d)
            if j == n_allowed:
                break
            if allowed[j] != d:
                m.skip_to(allowed[j])
                continue
        ids.append(d)
        scores.append(m.score())
        counts.append(sum(1 for _ in m.matching_terms(d)))
        m.next()
    return (
        nterms,
        np.array(ids, dtype=np.int64),
        np.array(scores, dtype=np.float64),
        np.array(counts, dtype=np.int64),
    )


def fast_top_docs(
    searcher: Searcher, q: wq.Query, flt: wq.Query | None, limit: int
) -> list[tuple[int, float]] | None:
    """(docnum, score) of the top ``limit`` documents by whoosh's BM25F and coordination.

    None when the query is not a plain OR group (the caller asks whoosh then).

    Coordination (whoosh's CoordMatcher) counts the query's terms present in
    the whole index. whoosh counts those present in the document's segment,
    and recounts when a term's postings run out while it iterates, so its
    scores for the same text drift with the segment and the position in it.
    """
    shape = _or_subqueries(q)
    if shape is None or not isinstance(searcher.weighting, BM25F) or limit <= 0:
        return None
    subs, scale, boost = shape
    weighting = searcher.weighting
    context = searcher.context()  # what whoosh's collector gives the matchers
    schema = searcher.schema
    segments = searcher.subsearchers or [(searcher, 0)]
    # BM25F's global statistics, as whoosh's BM25FScorer takes them
    terms: list[tuple[str, bytes, float, float, float, float] | None] = []
    for sub in subs:
        if not isinstance(sub, wq.Term):
            terms.append(None)
            continue
        btext = schema[sub.fieldname].to_bytes(sub.text)
        terms.append(
            (
                sub.fieldname,
                btext,
                searcher.idf(sub.fieldname, btext),
                searcher.avg_field_length(sub.fieldname) or 1,
                weighting._field_B.get(sub.fieldname, weighting.B),
                weighting.K1,
            )
        )
    present = [False] * len(subs)  # Term clauses: found in some segment
    generic_terms = [0] * len(subs)  # other clauses: most term matchers in a segment
    matched: list[tuple[int, np.ndarray, np.ndarray, np.ndarray]] = []
    for sub_searcher, offset in segments:
        reader = sub_searcher.reader()
        n = reader.doc_count_all()
        if n == 0:
            continue
        allowed: np.ndarray | None = None
        if flt is not None:
            allowed = _filter_docs(searcher, sub_searcher, offset, flt)
            if allowed.size == 0:
                continue
        allowed_list = allowed.tolist() if allowed is not None else None
        id_parts: list[np.ndarray] = []
        score_parts: list[np.ndarray] = []
        count_parts: list[np.ndarray] = []
        for i, (sub, term) in enumerate(zip(subs, terms, strict=True)):
            if term is None:
                k, ids, sc, c = _generic_scores(sub, sub_searcher, context, allowed_list)
                generic_terms[i] = max(generic_terms[i], k)
                id_parts.append(ids)
                score_parts.append(sc)
                count_parts.append(c)
                continue
            fieldname, btext, idf, avgfl, b, k1 = term
            got = _term_postings(reader, fieldname, btext, allowed_list)
            if got is None:
                continue
            present[i] = True
            ids, w = got
            if not ids.size:
                continue
            fl = _field_lengths(reader, fieldname)[ids]
            sc = idf * ((w * (k1 + 1)) / (w + k1 * ((1 - b) + b * fl / avgfl)))
            if sub.boost != 1.0:
                sc = sc * sub.boost
            id_parts.append(ids)
            score_parts.append(sc)
            count_parts.append(np.ones(ids.size, dtype=np.int64))
        all_ids = np.concatenate(id_parts) if id_parts else np.zeros(0, dtype=np.int64)
        if not all_ids.size:
            continue
        score = np.bincount(all_ids, weights=np.concatenate(score_parts), minlength=n)
        count = np.bincount(all_ids, weights=np.concatenate(count_parts), minlength=n)
        hit = count > 0
        if allowed is not None:
            mask = np.zeros(n, dtype=bool)
            mask[allowed] = True
            hit &= mask
        deleted = getattr(reader, "deleted_docs_set", None)
        if deleted:
            hit[np.fromiter(deleted, dtype=np.int64)] = False
        docs = np.flatnonzero(hit)
        if docs.size:
            matched.append((offset, docs, score[docs], count[docs]))
    if not matched:
        return []
    nterms = sum(present) + sum(generic_terms)
    found_docs, found_scores = [], []
    for offset, docs, sc, count in matched:
        if boost != 1.0:
            sc = sc * boost
        if scale and nterms:  # whoosh's CoordMatcher ("SQR" of V-Twin)
            if nterms == scale:
                sc = np.zeros_like(sc)
            else:
                sc = (sc + (count - 1) / (nterms - scale) ** 2) * ((nterms - 1) / nterms)
        if docs.size > limit:
            kth = np.partition(sc, docs.size - limit)[docs.size - limit]
            keep = sc >= kth
            docs, sc = docs[keep], sc[keep]
        found_docs.append(docs + offset)
        found_scores.append(sc)
    docs = np.concatenate(found_docs)
    sc = np.concatenate(found_scores)
    order = np.lexsort((docs, -sc))[:limit]
    return [(int(docs[i]), float(sc[i])) for i in order]


def score_ceiling(searcher: Searcher, q: wq.Query) -> float | None:
    """The score of a chunk holding every term of a plain OR query as often as BM25F
    rewards (its ceiling), on the scale :func:`fast_top_docs` scores; None for other
    queries. A top score far below it means few of the query's words were found."""
    shape = _or_subqueries(q)
    weighting = searcher.weighting
    if shape is None or not isinstance(weighting, BM25F):
        return None
    subs, scale, boost = shape
    schema = searcher.schema
    total, nterms = 0.0, 0
    for sub in subs:
        if not isinstance(sub, wq.Term):
            continue
        # a word found nowhere counts too (at the highest idf): no passage holds it
        btext = schema[sub.fieldname].to_bytes(sub.text)
        total += searcher.idf(sub.fieldname, btext) * (weighting.K1 + 1) * sub.boost
        nterms += 1
    if not nterms:
        return None
    total *= boost
    if scale and nterms > 1:  # the coordination of a chunk matching all of them
        total = (total + (nterms - 1) / (nterms - scale) ** 2) * ((nterms - 1) / nterms)
    return total


_FILTER_CACHE = 64  # filters remembered per searcher (one committed snapshot)


def _filter_docs(searcher: Searcher, sub_searcher: Searcher, offset: int, flt: wq.Query) -> Any:
    """The segment's documents matching ``flt``, cached on the searcher: suggestions run the
    same filter for every indicator, and a searcher never sees later commits."""
    cache = searcher.__dict__.setdefault("_reviewapp_filters", {})
    key = (offset, flt)
    allowed = cache.get(key)
    if allowed is None:
        allowed = np.unique(np.fromiter(flt.docs(sub_searcher), dtype=np.int64))
        if len(cache) >= _FILTER_CACHE:
            cache.pop(next(iter(cache)))
        cache[key] = allowed
    return allowed


def run_query(searcher: Searcher, q: wq.Query, flt: wq.Query | None, limit: int) -> list[RawHit]:
    """Top ``limit`` chunks for ``q`` within ``flt`` (scored by ``q`` alone)."""
    if searcher.doc_count_all() == 0:  # BM25's idf is undefined on an empty index
        return []
    top = fast_top_docs(searcher, q, flt, limit)
    if top is None:
        # whoosh's block-quality skipping trips an assertion inside intersections
        # with a coordination-scored OR (Require); such queries run unoptimized.
        optimize = not any(isinstance(n, wq.Require) for n in _walk(q))
        results = searcher.search(q, limit=limit, filter=flt, optimize=optimize)
        top = [(hit.docnum, hit.score) for hit in results]
    return [_raw_hit(searcher, docnum, score) for docnum, score in top]


def _walk(q: wq.Query) -> Iterator[wq.Query]:
    yield q
    for child in q.children():
        yield from _walk(child)


def hits_for_chunks(searcher: Searcher, chunk_ids: Iterable[int]) -> dict[int, RawHit]:
    docnums = _searcher_cache(searcher, "docnums")
    out: dict[int, RawHit] = {}
    for cid in chunk_ids:
        docnum = docnums.get(cid, -1)
        if docnum == -1:
            docnum = docnums[cid] = searcher.document_number(chunk_id=str(cid))
        if docnum is not None:
            out[cid] = _raw_hit(searcher, docnum, 0.0)
    return out


# --- snippets ----------------------------------------------------------------


def highlight_terms(q: wq.Query, searcher: Searcher) -> list[tuple[str, bytes]]:
    """The (field, term) pairs of ``q`` present in the index, prefixes expanded.

    (whoosh's ``Query.existing_terms`` skips every field after the first one.)
    """
    reader = searcher.reader()
    schema = searcher.schema
    found: set[tuple[str, bytes]] = set()
    for leaf in q.leaves():
        if isinstance(leaf, wq.Not):
            continue
        try:
            terms = list(leaf.expanded_terms(reader, phrases=True))
        except Exception:  # noqa: BLE001
            continue
        for fieldname, text in terms:
            if fieldname not in _SEARCH_FIELDS:
                continue
            btext = schema[fieldname].to_bytes(text) if isinstance(text, str) else text
            if (fieldname, btext) in reader:
                found.add((fieldname, btext))
    return sorted(found)


_bigram_patterns: dict[frozenset[str], re.Pattern[str] | None] = {}


def bigram_spans(text: str, grams: set[str] | frozenset[str]) -> list[tuple[int, int]]:
    """Spans in ``text`` of the Hangul bigrams (and lone syllables) in ``grams``.

    The same spans as filtering :func:`hangul_bigrams`, found with one regex
    instead of building every bigram of the text.
    """
    key = frozenset(grams)
    pattern = _bigram_patterns.get(key, False)
    if pattern is False:
        pairs = sorted(g for g in key if len(g) == 2)
        pattern = (
            re.compile(
                "(?=(" + "|".join(re.escape(g[0]) + r"\s*" + re.escape(g[1]) for g in pairs) + "))"
            )
            if pairs
            else None
        )
        if len(_bigram_patterns) > 1000:
            _bigram_patterns.clear()
        _bigram_patterns[key] = pattern
    out = [(m.start(), m.end(1)) for m in pattern.finditer(text)] if pattern else []
    singles = {g for g in key if len(g) == 1}
    if singles:  # a one-syllable Hangul run is indexed as a unigram
        out.extend(
            (m.start(), m.end())
            for m in _HANGUL_RUN_RE.finditer(text)
            if m.end() - m.start() == 1 and m.group() in singles
        )
    return out


def match_spans(
    searcher: Searcher, terms: Sequence[tuple[str, bytes]], docs: Sequence[tuple[int, str]]
) -> dict[int, list[tuple[int, int]]]:
    """Character spans of the matching terms in each (docnum, text).

    Morpheme offsets come from the postings (stored at indexing time, so kiwi
    does not run again); bigram offsets are recomputed from the text.
    """
    wanted = sorted({d for d, _t in docs})
    spans: dict[int, list[tuple[int, int]]] = {d: [] for d in wanted}
    if not wanted:
        return spans
    grams = {t.decode("utf-8") for f, t in terms if f == "text_bigram"}
    if grams:
        for d, text in docs:
            spans[d].extend(bigram_spans(text, grams))
    # per segment, and only the segments holding a wanted document
    by_segment = []
    for sub, offset in searcher.subsearchers or [(searcher, 0)]:
        reader = sub.reader()
        end = offset + reader.doc_count_all()
        local = [d - offset for d in wanted if offset <= d < end]
        if local:
            by_segment.append((reader, offset, local))
    for field, term in terms:
        if field != "text":
            continue
        for reader, offset, local in by_segment:
            try:
                m = reader.postings(field, term)
            except Exception:  # noqa: BLE001 - not in this segment, or deleted meanwhile
                continue
            for d in local:
                if not m.is_active():
                    break
                if m.id() < d:
                    m.skip_to(d)
                    if not m.is_active():
                        break
                if m.id() == d:
                    spans[d + offset].extend((s, e) for _pos, s, e in m.value_as("characters"))
    return spans


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[list[int]] = []
    for s, e in sorted(spans):
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    return [(s, e) for s, e in merged]


def make_snippet(text: str, spans: list[tuple[int, int]], width: int = SNIPPET_CHARS) -> str:
    """HTML: the escaped passage around the densest cluster of matches, in <mark>."""
    text = text or ""
    spans = [(s, e) for s, e in _merge(spans) if 0 <= s < e <= len(text)]
    if not spans:
        cut = text[:width]
        return html.escape(cut) + ("…" if len(text) > width else "")
    best_start, best_count = 0, -1
    j = 0
    for i, (s, _e) in enumerate(spans):
        j = max(j, i)
        while j + 1 < len(spans) and spans[j + 1][1] <= s + width:
            j += 1
        count = sum(e - st for st, e in spans[i : j + 1])
        if count > best_count:
            best_start, best_count = i, count
    first = spans[best_start][0]
    start = max(0, first - width // 5)
    if start > 0:  # begin at a word boundary
        sp = text.rfind(" ", max(0, start - 20), first)
        start = sp + 1 if sp >= 0 else start
    end = min(len(text), start + width)
    if end < len(text):
        sp = text.find(" ", end, end + 20)
        end = sp if sp >= 0 else end
    parts = ["…"] if start > 0 else []
    pos = start
    for s, e in spans:
        if e <= start or s >= end:
            continue
        s, e = max(s, start), min(e, end)
        parts.append(html.escape(text[pos:s]))
        parts.append("<mark>" + html.escape(text[s:e]) + "</mark>")
        pos = e
    parts.append(html.escape(text[pos:end]))
    if end < len(text):
        parts.append("…")
    return "".join(parts)


__all__ = [
    "ChunkFields",
    "RawHit",
    "add_documents",
    "empty_filter",
    "filter_query",
    "highlight_terms",
    "hits_for_chunks",
    "index_writer",
    "make_schema",
    "make_snippet",
    "match_spans",
    "open_index",
    "parse_query",
    "prune_common_terms",
    "run_query",
    "score_ceiling",
]


class KoreanBM25F(BM25F):
    """BM25F with the probabilistic idf, ``log(1 + (N - n + 0.5) / (n + 0.5))``.

    whoosh's default idf, ``log(N / (n + 1)) + 1``, keeps a word found in half the
    chunks at a quarter of a rare word's weight; this idf takes it to a tenth, so a
    question's generic words stop outvoting its names and numbers.
    """

    def idf(self, searcher: Any, fieldname: str, text: bytes) -> float:
        parent = searcher.get_parent()
        n = parent.doc_frequency(fieldname, text)
        total = parent.doc_count_all()
        return math.log(1 + (total - n + 0.5) / (n + 0.5))


def weighting() -> KoreanBM25F:
    return KoreanBM25F(B=BM25_B, K1=BM25_K1)
