"""Sentence vectors: every sentence of a passage (:mod:`search_index._sentences`), stored
with its passage's ids and its character offsets, float16, memory-mapped.

The same segment/manifest/tombstone machinery as :class:`~search_index.vectors.VectorStore`
(one writer, concurrent readers, atomic publication); rows are::

    seg-*.vec.npy   float16 [n, dim], L2-normalised sentences
    seg-*.meta.npy  int64 [n, 5]: chunk_id, document_id, submission_id, start, end

A chunk has several rows; storing a chunk's sentences replaces all its earlier rows.
float16 halves the bytes of float32 (768 bytes per e5 sentence, 1,024 per USE sentence);
its cost on recall was nil to four decimals on every task of bench/results/ranking.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from .vectors import VectorStore, VectorStoreError, _id_array, _normalize_query, _per_row

__all__ = ["SentenceStore"]


class SentenceStore(VectorStore):
    """Sentence rows (several per chunk) with their offsets into the chunk's text."""

    vec_dtype = np.float16

    def add(self, *args: object, **kwargs: object) -> int:  # type: ignore[override]
        raise VectorStoreError("a sentence store takes add_sentences(), not add()")

    def add_sentences(
        self,
        chunk_ids: Sequence[int],
        vectors: np.ndarray,
        spans: Sequence[tuple[int, int]] | np.ndarray,
        *,
        document_ids: Sequence[int] | int,
        submission_ids: Sequence[int] | int,
        replace: Iterable[int] = (),
    ) -> int:
        """Store sentence rows (``chunk_ids``, ``vectors`` float [n, dim] and ``spans``
        [n, 2] per row), replacing every earlier row of their chunks and of ``replace``
        (chunks whose text now has no sentence); returns the rows stored."""
        ids = np.asarray(chunk_ids, dtype=np.int64).reshape(-1)
        vecs = np.asarray(vectors, dtype=np.float32).reshape(len(ids), -1) if len(ids) else None
        if vecs is not None and vecs.shape[1] != self.dim:
            raise VectorStoreError(f"expected {self.dim}-dimensional sentences, got {vecs.shape}")
        span_arr = np.asarray(spans, dtype=np.int64).reshape(len(ids), 2)
        docs = _per_row(document_ids, len(ids), "document_ids")
        subs = _per_row(submission_ids, len(ids), "submission_ids")
        gone = np.union1d(np.unique(ids), _id_array(list(replace)))
        if vecs is not None and not np.isfinite(vecs).all():
            raise VectorStoreError("vectors contain NaN or infinity")
        with self._writer() as manifest:
            self._check_dim(manifest)
            self._tombstone(manifest, 0, gone)
            if len(ids):
                assert vecs is not None
                vecs = vecs / np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-12)
                meta = np.concatenate([np.stack([ids, docs, subs], axis=1), span_arr], axis=1)
                name = self._new_segment_name(manifest)
                self._save_array(f"{name}.vec.npy", np.ascontiguousarray(vecs, self.vec_dtype))
                self._save_array(f"{name}.meta.npy", meta.astype(np.int64))
                manifest["segments"].append({"name": name, "count": len(ids), "live": len(ids)})
                self._merge_small_segments(manifest)
            self._commit(manifest)
        return len(ids)

    def chunks_with_sentences(self, chunk_ids: Iterable[int]) -> set[int]:
        """The listed chunks that have at least one sentence row."""
        wanted = _id_array(chunk_ids)
        if wanted is None or not len(wanted):
            return set()
        found: set[int] = set()
        for seg in self._checked_snap().segments:
            rows = self._selected(seg, None, None, wanted)
            if rows is not None and len(rows):
                found.update(int(c) for c in np.unique(seg.meta[rows, 0]))
        return found

    def sentences_of(self, chunk_ids: Iterable[int]) -> dict[int, tuple[np.ndarray, np.ndarray]]:
        """Per listed chunk with sentence rows: (spans int64 [n, 2], vectors float32
        [n, dim] L2-normalised), in text order (copies of the memory-mapped rows)."""
        wanted = _id_array(chunk_ids)
        if wanted is None or not len(wanted):
            return {}
        parts: dict[int, list[tuple[np.ndarray, np.ndarray]]] = {}
        for seg in self._checked_snap().segments:
            rows = self._selected(seg, None, None, wanted)
            if rows is None or not len(rows):
                continue
            meta = np.asarray(seg.meta[rows])
            vecs = np.asarray(seg.vec[rows], dtype=np.float32)
            for cid in np.unique(meta[:, 0]).tolist():
                mine = meta[:, 0] == cid
                parts.setdefault(int(cid), []).append((meta[mine, 3:5], vecs[mine]))
        out: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        for cid, pieces in parts.items():
            spans = np.concatenate([s for s, _ in pieces]).astype(np.int64)
            vecs = np.concatenate([v for _, v in pieces])
            order = np.argsort(spans[:, 0], kind="stable")
            vecs = vecs[order]
            # float16 rounding moves the norm off 1 by ~1e-3: normalise again for cosines
            vecs /= np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-12)
            out[cid] = (spans[order], vecs)
        return out

    def best_sentences(
        self, query_vec: np.ndarray, chunk_ids: Iterable[int]
    ) -> dict[int, tuple[float, int, int]]:
        """Per listed chunk with sentences: (cosine, start, end) of its sentence closest to
        the query (offsets into the chunk's text)."""
        wanted = _id_array(chunk_ids)
        out: dict[int, tuple[float, int, int]] = {}
        if wanted is None or not len(wanted):
            return out
        q = _normalize_query(query_vec, self.dim)
        for seg in self._checked_snap().segments:
            rows = self._selected(seg, None, None, wanted)
            if rows is None or not len(rows):
                continue
            scores = np.asarray(seg.vec[rows], dtype=np.float32) @ q
            meta = np.asarray(seg.meta[rows])
            order = np.lexsort((-scores, meta[:, 0]))  # by chunk, best sentence first
            first = order[np.r_[True, meta[order[1:], 0] != meta[order[:-1], 0]]]
            for r in first:
                cid = int(meta[r, 0])
                if cid not in out or scores[r] > out[cid][0]:
                    out[cid] = (float(scores[r]), int(meta[r, 3]), int(meta[r, 4]))
        return out
