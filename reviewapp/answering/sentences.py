"""Sentence vectors of passages: the one place answer selection and summaries get them.

``sentence_vectors(passages)`` splits each passage with search_index's
:func:`~search_index.sentence_spans` (kiwi ``split_into_sents``, the same spans the index
stores sentence vectors for at ingestion) and embeds the sentences with the bundled e5
model through search_index's embedder, caching per chunk id + text hash (a re-extracted
chunk with new text is embedded again). When search_index exposes its stored sentence
vectors publicly, only :meth:`SentenceVectors.get` changes.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from search_index import Embedder, content_terms, sentence_spans

QUERY_CACHE = 256
CACHE_CHUNKS = 50_000  # passages kept (an e5 sentence row is 1.5 KB; ~6 sentences a passage)


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


class SentenceVectors:
    """Per-process cache of passages' sentence vectors for one embedder (thread-safe)."""

    def __init__(self, embedder: Embedder, capacity: int = CACHE_CHUNKS) -> None:
        self.embedder = embedder
        self.capacity = capacity
        self._cache: OrderedDict[tuple[int, str], Sentences] = OrderedDict()
        self._lock = threading.Lock()
        self._queries: OrderedDict[str, np.ndarray] = OrderedDict()

    def get(self, passages: Sequence[tuple[int, str]]) -> list[Sentences]:
        """For ``[(chunk_id, text), ...]`` the :class:`Sentences` of each, in order;
        uncached passages are split and embedded in one batch."""
        keys = [_key(cid, text) for cid, text in passages]
        out: list[Sentences | None] = []
        todo: list[int] = []
        with self._lock:
            for i, k in enumerate(keys):
                hit = self._cache.get(k)
                if hit is not None:
                    self._cache.move_to_end(k)
                else:
                    todo.append(i)
                out.append(hit)
        if todo:
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
                for i, sp in zip(todo, spans, strict=True):
                    text = passages[i][1]
                    item = Sentences(
                        sp, vecs[k : k + len(sp)], [terms_of(text[a:b]) for a, b in sp]
                    )
                    k += len(sp)
                    out[i] = item
                    self._cache[keys[i]] = item
                while len(self._cache) > self.capacity:
                    self._cache.popitem(last=False)
        return [o for o in out if o is not None]

    def query(self, text: str) -> np.ndarray:
        """The question's vector (float32 [dim], L2-normalised), e5 query prompt; the last
        QUERY_CACHE questions are kept (a follow-up or a repeated question costs nothing)."""
        with self._lock:
            hit = self._queries.get(text)
        if hit is not None:
            return hit
        vec = np.asarray(self.embedder.encode_queries([text]), dtype=np.float32).reshape(-1)
        vec = vec / max(float(np.linalg.norm(vec)), 1e-12)
        with self._lock:
            self._queries[text] = vec
            while len(self._queries) > QUERY_CACHE:
                self._queries.popitem(last=False)
        return vec


_instances: dict[int, SentenceVectors] = {}
_instances_lock = threading.Lock()


def sentence_vectors_for(embedder: Embedder) -> SentenceVectors:
    """The process-wide :class:`SentenceVectors` of ``embedder``."""
    with _instances_lock:
        inst = _instances.get(id(embedder))
        if inst is None or inst.embedder is not embedder:
            inst = _instances[id(embedder)] = SentenceVectors(embedder)
        return inst
