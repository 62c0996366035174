"""Sentence vectors of passages: the one place answer selection and summaries get them.

A passage's sentences are those search_index stored at ingestion
(:meth:`~search_index.SearchIndex.stored_sentences`: kiwi ``split_into_sents`` spans and
their e5 vectors, read from the memory-mapped store, nothing encoded). Only a passage
without stored sentences (indexed before sentence vectors and not re-embedded yet, a
passage not embedded yet, or one whose stored spans no longer fit its text) is split with
:func:`~search_index.sentence_spans` and embedded with the bundled e5 model at question
time; those are cached per chunk id + text hash (a re-extracted chunk with new text is
embedded again). The question's vector is the one search already computed for it
(:meth:`~search_index.SearchIndex.query_vector`), so an ask encodes its question once.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from search_index import Embedder, SearchIndex, content_terms, sentence_spans

QUERY_CACHE = 256
CACHE_CHUNKS = 50_000  # passages kept (an e5 sentence row is 1.5 KB; ~6 sentences a passage)
MODEL = "e5"  # the index's model whose stored sentence vectors answer
INSTANCES = 8  # SentenceVectors kept per process (one per embedder and index)


@dataclass(frozen=True)
class Sentences:
    """A passage's sentences: ``spans`` (start, end) into its text, ``vectors`` float32
    [n, dim], L2-normalised (n may be 0 for a text without words), ``terms`` each
    sentence's content words (lower-cased kiwi morphemes, search_index.content_terms), and
    ``memo`` for what callers derive once per sentence (e.g. its numbers and dates)."""

    spans: list[tuple[int, int]]
    vectors: np.ndarray
    terms: list[frozenset[str]] = field(default_factory=list)
    memo: dict[Any, Any] = field(default_factory=dict, compare=False)


def terms_of(text: str) -> frozenset[str]:
    """The content words of ``text``, lower-cased (whitespace words if analysis fails)."""
    try:
        return frozenset(t.lower() for t in content_terms(text))
    except Exception:  # noqa: BLE001 - analysis never breaks an answer
        return frozenset(text.lower().split())


def _key(chunk_id: int, text: str) -> tuple[int, str]:
    return chunk_id, hashlib.blake2b(text.encode("utf-8"), digest_size=12).hexdigest()


def _spans_fit(spans: np.ndarray, text: str) -> bool:
    """Whether stored spans can be ``text``'s: in order, inside it, none empty (a chunk
    whose text changed after it was embedded fails this and is embedded again)."""
    if not len(spans):
        return False
    starts, ends = spans[:, 0], spans[:, 1]
    return bool(
        starts[0] >= 0
        and ends[-1] <= len(text)
        and (ends > starts).all()
        and (starts[1:] >= ends[:-1]).all()
    )


class SentenceVectors:
    """Passages' sentence vectors for one embedder: the ``index``'s stored ones first (model
    ``model``), else embedded and cached per process (thread-safe). ``embedded`` counts
    the passages embedded at question time (those with words)."""

    def __init__(
        self,
        embedder: Embedder,
        capacity: int = CACHE_CHUNKS,
        *,
        index: SearchIndex | None = None,
        model: str = MODEL,
    ) -> None:
        self.embedder = embedder
        self.capacity = capacity
        self.index = index
        self.model = model
        self.embedded = 0
        self._cache: OrderedDict[tuple[int, str], Sentences] = OrderedDict()
        # stored passages: their terms and memo only (the vectors stay in the index's file)
        self._read: OrderedDict[tuple[int, str], Sentences] = OrderedDict()
        self._lock = threading.Lock()
        self._queries: OrderedDict[str, np.ndarray] = OrderedDict()

    def get(self, passages: Sequence[tuple[int, str]]) -> list[Sentences]:
        """For ``[(chunk_id, text), ...]`` the :class:`Sentences` of each, in order: stored
        sentences where the index has them, else cached, else split and embedded (the
        uncached in one batch)."""
        keys = [_key(cid, text) for cid, text in passages]
        stored = (
            self.index.stored_sentences([cid for cid, _ in passages], self.model)
            if self.index is not None and passages
            else {}
        )
        out: list[Sentences | None] = [None] * len(passages)
        todo: list[int] = []
        for i, (cid, text) in enumerate(passages):
            row = stored.get(cid)
            if row is not None and _spans_fit(row.spans, text):
                out[i] = self._from_store(keys[i], text, row.spans, row.vectors)
        with self._lock:
            for i, k in enumerate(keys):
                if out[i] is not None:
                    continue
                hit = self._cache.get(k)
                if hit is not None:
                    self._cache.move_to_end(k)
                    out[i] = hit
                else:
                    todo.append(i)
        if todo:
            self._embed(passages, keys, todo, out)
        return [o for o in out if o is not None]

    def _from_store(
        self, key: tuple[int, str], text: str, spans: np.ndarray, vectors: np.ndarray
    ) -> Sentences:
        """A stored passage's :class:`Sentences`; its terms and memo are kept per process."""
        span_list = [(int(a), int(b)) for a, b in spans.tolist()]
        with self._lock:
            known = self._read.get(key)
            if known is not None:
                self._read.move_to_end(key)
        if known is None or known.spans != span_list:
            terms = [terms_of(text[a:b]) for a, b in span_list]
            known = Sentences(span_list, np.zeros((0, 1), np.float32), terms)
            with self._lock:
                self._read[key] = known
                while len(self._read) > self.capacity:
                    self._read.popitem(last=False)
        return Sentences(span_list, vectors, known.terms, known.memo)

    def _embed(
        self,
        passages: Sequence[tuple[int, str]],
        keys: list[tuple[int, str]],
        todo: list[int],
        out: list[Sentences | None],
    ) -> None:
        """Split and embed the ``todo`` passages in one batch, into ``out`` and the cache."""
        spans = [sentence_spans(passages[i][1]) for i in todo]
        texts = [passages[i][1][a:b] for i, sp in zip(todo, spans, strict=True) for a, b in sp]
        vecs = (
            np.asarray(self.embedder.encode_documents(texts), dtype=np.float32)
            if texts
            else np.zeros((0, 1), np.float32)
        )
        if len(vecs):
            vecs = vecs / np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-12)
        k = 0
        with self._lock:
            self.embedded += sum(1 for sp in spans if sp)
            for i, sp in zip(todo, spans, strict=True):
                text = passages[i][1]
                item = Sentences(sp, vecs[k : k + len(sp)], [terms_of(text[a:b]) for a, b in sp])
                k += len(sp)
                out[i] = item
                self._cache[keys[i]] = item
            while len(self._cache) > self.capacity:
                self._cache.popitem(last=False)

    def query(self, text: str) -> np.ndarray:
        """The question's vector (float32 [dim], L2-normalised), e5 query prompt: the one
        the index's search computed for the same text when there is an index with the
        model (its cache), else encoded here; the last QUERY_CACHE questions are kept."""
        with self._lock:
            hit = self._queries.get(text)
        if hit is not None:
            return hit
        vec = self.index.query_vector(text, self.model) if self.index is not None else None
        if vec is None:
            vec = np.asarray(self.embedder.encode_queries([text]), dtype=np.float32).reshape(-1)
        vec = np.asarray(vec, dtype=np.float32).reshape(-1)
        vec = vec / max(float(np.linalg.norm(vec)), 1e-12)
        with self._lock:
            self._queries[text] = vec
            while len(self._queries) > QUERY_CACHE:
                self._queries.popitem(last=False)
        return vec


_instances: OrderedDict[tuple[int, int], SentenceVectors] = OrderedDict()
_instances_lock = threading.Lock()


def sentence_vectors_for(embedder: Embedder, index: SearchIndex | None = None) -> SentenceVectors:
    """The process-wide :class:`SentenceVectors` of ``embedder`` reading ``index``'s stored
    sentence vectors (none: every passage is embedded)."""
    key = (id(embedder), id(index))
    with _instances_lock:
        inst = _instances.get(key)
        if inst is None or inst.embedder is not embedder or inst.index is not index:
            inst = _instances[key] = SentenceVectors(embedder, index=index)
        _instances.move_to_end(key)
        while len(_instances) > INSTANCES:
            _instances.popitem(last=False)
        return inst
