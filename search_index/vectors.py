"""An embedded, memory-mapped vector store for chunk embeddings.

Layout of ``directory``::

    manifest.json                 the committed state (replaced atomically)
    seg-00000001.vec.npy          float32 [n, dim], L2-normalised rows (immutable)
    seg-00000001.meta.npy         int64 [n, 3]: chunk_id, document_id, submission_id (immutable)
    seg-00000001.del-00000007.npy bool [n]: tombstones of that segment (copy-on-write)
    .write.lock                   fcntl lock held by the one writer

Writers (one at a time, across threads and processes, through ``fcntl.flock``)
only ever create new files and then publish them by renaming a new
``manifest.json`` over the old one. Readers take a snapshot of the manifest and
memory-map the files it names, so they always see one consistent committed
state, never a half-written segment; if a writer removes a file between a
reader's manifest read and its open, the reader just reloads. Deletes are
tombstones; ``compact()`` rewrites live rows into one segment. Small segments are
merged automatically so that the number of files stays bounded.

Nothing is loaded as Python objects per row: 1M chunks x 384 dims is 1.5 GB of
float32 on disk, scanned block by block through ``np.memmap``.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

MANIFEST = "manifest.json"
LOCK_FILE = ".write.lock"
FORMAT_VERSION = 1
_SEG_RE = re.compile(r"^seg-(\d{8})\.(vec|meta|del-\d{8})\.npy$")
_BLOCK_ROWS = 1 << 17  # rows scored per block on a full scan (~200 MB at dim 384)

__all__ = ["VectorStore", "VectorStoreError"]


class VectorStoreError(RuntimeError):
    """The store is unusable as asked (wrong dimension, corrupt files); the message says why."""


@dataclass(frozen=True)
class _SegView:
    name: str
    vec: np.ndarray  # memmap float32 [n, dim]
    meta: np.ndarray  # memmap int64 [n, 3]
    dead: np.ndarray | None  # bool [n] or None

    def live_mask(self) -> np.ndarray:
        if self.dead is None:
            return np.ones(len(self.meta), dtype=bool)
        return ~self.dead


@dataclass(frozen=True)
class _Snapshot:
    key: tuple[int, int, int] | None
    version: int
    dim: int
    segments: tuple[_SegView, ...]


def _id_array(values: Iterable[int] | np.ndarray | None) -> np.ndarray | None:
    if values is None:
        return None
    arr = np.asarray(list(values) if not isinstance(values, np.ndarray) else values)
    return arr.astype(np.int64, copy=False).reshape(-1)


def _normalize_query(query_vec: np.ndarray, dim: int) -> np.ndarray:
    q = np.asarray(query_vec, dtype=np.float32).reshape(-1)
    if q.shape[0] != dim:
        raise VectorStoreError(f"query has {q.shape[0]} dimensions, the store holds {dim}")
    n = float(np.linalg.norm(q))
    return q / n if n > 0 else q


class VectorStore:
    """Chunk vectors under ``directory``; safe for one writer process + concurrent readers."""

    # how rows are stored on disk (a subclass may store them smaller; scores are float32)
    vec_dtype: type = np.float32

    def __init__(self, directory: Path, dim: int, *, max_segments: int = 16) -> None:
        self.directory = Path(directory)
        self.dim = int(dim)
        self.max_segments = max(2, int(max_segments))
        self.directory.mkdir(parents=True, exist_ok=True)
        self._snapshot: _Snapshot | None = None
        self._files: dict[str, np.ndarray] = {}  # file name -> mapped/loaded array
        self._thread_lock = threading.RLock()  # writers of this object
        self._cache_lock = threading.Lock()  # the snapshot / open-file cache

    # ------------------------------------------------------------------ reading

    def _manifest_path(self) -> Path:
        return self.directory / MANIFEST

    def _read_manifest(self) -> tuple[dict, tuple[int, int, int] | None]:
        path = self._manifest_path()
        try:
            with path.open("rb") as fh:
                st = os.fstat(fh.fileno())
                data = json.loads(fh.read().decode("utf-8"))
        except FileNotFoundError:
            return {
                "format": FORMAT_VERSION,
                "version": 0,
                "dim": self.dim,
                "next_id": 1,
                "segments": [],
            }, None
        except ValueError as exc:
            raise VectorStoreError(f"vector store manifest {path} is corrupt: {exc}") from exc
        return data, (st.st_ino, st.st_mtime_ns, st.st_size)

    def _open_array(self, name: str, mmap: bool) -> np.ndarray:
        arr = self._files.get(name)
        if arr is None:
            arr = np.load(self.directory / name, mmap_mode="r" if mmap else None)
            self._files[name] = arr
        return arr

    def _snap(self) -> _Snapshot:
        """The latest committed state (cached while the manifest is unchanged)."""
        for attempt in range(50):
            try:
                st = os.stat(self._manifest_path())
                key: tuple[int, int, int] | None = (st.st_ino, st.st_mtime_ns, st.st_size)
            except FileNotFoundError:
                key = None
            cached = self._snapshot
            if cached is not None and cached.key == key and key is not None:
                return cached
            manifest, key = self._read_manifest()
            with self._cache_lock:
                try:
                    snap = self._build_snapshot(manifest, key)
                except FileNotFoundError:
                    snap = None
                if snap is None:
                    # A writer replaced the manifest and removed files meanwhile: reload.
                    time.sleep(0.002 * (attempt + 1))
                    continue
                self._snapshot = snap
                used = {f"{s.name}.vec.npy" for s in snap.segments}
                used |= {f"{s.name}.meta.npy" for s in snap.segments}
                used |= {seg.get("deleted") for seg in manifest.get("segments", [])}
                for fname in list(self._files):
                    if fname not in used:
                        del self._files[fname]
            return snap
        raise VectorStoreError(f"vector store {self.directory} keeps changing; could not read it")

    def _build_snapshot(self, manifest: dict, key: tuple[int, int, int] | None) -> _Snapshot:
        segs = []
        for seg in manifest.get("segments", []):
            name = seg["name"]
            vec = self._open_array(f"{name}.vec.npy", mmap=True)
            meta = self._open_array(f"{name}.meta.npy", mmap=True)
            dead = self._open_array(seg["deleted"], mmap=False) if seg.get("deleted") else None
            if len(vec) != seg["count"] or len(meta) != seg["count"]:
                raise VectorStoreError(f"segment {name} in {self.directory} has the wrong size")
            segs.append(_SegView(name, vec, meta, dead))
        return _Snapshot(key, int(manifest.get("version", 0)), int(manifest["dim"]), tuple(segs))

    def _checked_snap(self) -> _Snapshot:
        snap = self._snap()
        if snap.segments and snap.dim != self.dim:
            raise VectorStoreError(
                f"vector store {self.directory} holds {snap.dim}-dimensional vectors, "
                f"this model makes {self.dim}: clear() it and re-embed"
            )
        return snap

    def count(self) -> int:
        """Number of live vectors."""
        snap = self._checked_snap()
        return int(
            sum(
                len(s.meta) - (int(s.dead.sum()) if s.dead is not None else 0)
                for s in snap.segments
            )
        )

    def __len__(self) -> int:
        return self.count()

    def _selected(
        self,
        seg: _SegView,
        submission_ids: np.ndarray | None,
        document_ids: np.ndarray | None,
        chunk_ids: np.ndarray | None,
    ) -> np.ndarray | None:
        """Row indices of ``seg`` passing the filters, or None for "all live rows"."""
        mask: np.ndarray | None = None if seg.dead is None else ~seg.dead
        for col, wanted in ((2, submission_ids), (1, document_ids), (0, chunk_ids)):
            if wanted is None:
                continue
            m = np.isin(seg.meta[:, col], wanted)
            mask = m if mask is None else (mask & m)
        return None if mask is None else np.flatnonzero(mask)

    def _scored_rows(
        self,
        queries: np.ndarray,
        submission_ids: Iterable[int] | None,
        document_ids: Iterable[int] | None,
        chunk_ids: Iterable[int] | None,
    ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Yield (chunk_ids, scores [rows, n_queries]) block by block."""
        snap = self._checked_snap()
        subs, docs, chunks = (
            _id_array(submission_ids),
            _id_array(document_ids),
            _id_array(chunk_ids),
        )
        for seg in snap.segments:
            rows = self._selected(seg, subs, docs, chunks)
            if rows is None:
                for a in range(0, len(seg.meta), _BLOCK_ROWS):
                    block = np.asarray(seg.vec[a : a + _BLOCK_ROWS], dtype=np.float32)
                    yield np.asarray(seg.meta[a : a + _BLOCK_ROWS, 0]), block @ queries.T
            elif len(rows):
                for a in range(0, len(rows), _BLOCK_ROWS):
                    r = rows[a : a + _BLOCK_ROWS]
                    yield np.asarray(seg.meta[r, 0]), np.asarray(seg.vec[r], np.float32) @ queries.T

    def search_batch(
        self,
        query_vecs: np.ndarray,
        k: int,
        *,
        submission_ids: Iterable[int] | None = None,
        document_ids: Iterable[int] | None = None,
        chunk_ids: Iterable[int] | None = None,
    ) -> list[list[tuple[int, float]]]:
        """Top ``k`` (chunk_id, cosine) for each row of ``query_vecs``, best first."""
        q = np.asarray(query_vecs, dtype=np.float32)
        if q.ndim == 1:
            q = q[None, :]
        q = np.stack([_normalize_query(row, self.dim) for row in q]) if len(q) else q
        nq = len(q)
        if nq == 0 or k <= 0:
            return [[] for _ in range(nq)]
        best_ids = np.empty((0,), dtype=np.int64)
        best_scores = np.empty((0, nq), dtype=np.float32)
        for ids, scores in self._scored_rows(q, submission_ids, document_ids, chunk_ids):
            best_ids = np.concatenate([best_ids, ids])
            best_scores = np.concatenate([best_scores, scores.astype(np.float32, copy=False)])
            if len(best_ids) > 4 * k + _BLOCK_ROWS // 8:
                best_ids, best_scores = _prune(best_ids, best_scores, k)
        out: list[list[tuple[int, float]]] = []
        for j in range(nq):
            col = best_scores[:, j]
            n = min(k, len(col))
            if n == 0:
                out.append([])
                continue
            top = np.argpartition(-col, n - 1)[:n] if n < len(col) else np.arange(len(col))
            top = top[np.lexsort((best_ids[top], -col[top]))]
            out.append([(int(best_ids[i]), float(col[i])) for i in top])
        return out

    def search(
        self,
        query_vec: np.ndarray,
        k: int,
        *,
        submission_ids: Iterable[int] | None = None,
        document_ids: Iterable[int] | None = None,
        chunk_ids: Iterable[int] | None = None,
    ) -> list[tuple[int, float]]:
        """Top ``k`` (chunk_id, cosine), best first, among live vectors passing the filters.

        A filter of ``None`` means "any"; an empty filter matches nothing.
        """
        q = np.asarray(query_vec, dtype=np.float32).reshape(1, -1)
        return self.search_batch(
            q, k, submission_ids=submission_ids, document_ids=document_ids, chunk_ids=chunk_ids
        )[0]

    def scores_for(self, query_vec: np.ndarray, chunk_ids: Iterable[int]) -> dict[int, float]:
        """Cosine of the query with each listed chunk that has a live vector."""
        wanted = _id_array(chunk_ids)
        if wanted is None or len(wanted) == 0:
            return {}
        q = _normalize_query(query_vec, self.dim)[None, :]
        result: dict[int, float] = {}
        for ids, scores in self._scored_rows(q, None, None, wanted):
            for cid, s in zip(ids.tolist(), scores[:, 0].tolist(), strict=True):
                result[int(cid)] = float(s)
        return result

    def get_vectors(self, chunk_ids: Iterable[int]) -> dict[int, np.ndarray]:
        """The stored vectors of the listed chunks that have one (copies)."""
        wanted = _id_array(chunk_ids)
        out: dict[int, np.ndarray] = {}
        if wanted is None or len(wanted) == 0:
            return out
        snap = self._checked_snap()
        for seg in snap.segments:
            rows = self._selected(seg, None, None, wanted)
            if rows is None or not len(rows):
                continue
            vecs = np.asarray(seg.vec[rows], dtype=np.float32)
            for cid, v in zip(seg.meta[rows, 0].tolist(), vecs, strict=True):
                out[int(cid)] = v.copy()
        return out

    def chunk_ids(
        self,
        *,
        submission_ids: Iterable[int] | None = None,
        document_ids: Iterable[int] | None = None,
    ) -> np.ndarray:
        """Live chunk ids (int64), optionally filtered."""
        snap = self._checked_snap()
        subs, docs = _id_array(submission_ids), _id_array(document_ids)
        parts = []
        for seg in snap.segments:
            rows = self._selected(seg, subs, docs, None)
            parts.append(
                np.asarray(seg.meta[:, 0]) if rows is None else np.asarray(seg.meta[rows, 0])
            )
        return np.concatenate(parts).astype(np.int64) if parts else np.empty(0, dtype=np.int64)

    # ------------------------------------------------------------------ writing

    @contextlib.contextmanager
    def _writer(self) -> Iterator[dict]:
        """Exclusive write access; yields a fresh copy of the committed manifest."""
        with self._thread_lock, (self.directory / LOCK_FILE).open("a+") as fh:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
            try:
                manifest, _ = self._read_manifest()
                yield manifest
            finally:
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)

    def _save_array(self, name: str, arr: np.ndarray) -> None:
        final = self.directory / name
        tmp = self.directory / f".{name}.tmp-{os.getpid()}-{threading.get_ident()}"
        with tmp.open("wb") as fh:
            np.save(fh, arr, allow_pickle=False)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, final)

    def _commit(self, manifest: dict) -> None:
        manifest["version"] = int(manifest.get("version", 0)) + 1
        manifest["format"] = FORMAT_VERSION
        tmp = self.directory / f".{MANIFEST}.tmp-{os.getpid()}-{threading.get_ident()}"
        with tmp.open("w", encoding="utf-8") as fh:
            json.dump(manifest, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self._manifest_path())
        with contextlib.suppress(OSError):
            dfd = os.open(self.directory, os.O_RDONLY)
            try:
                os.fsync(dfd)
            finally:
                os.close(dfd)
        self._garbage_collect(manifest)

    def _garbage_collect(self, manifest: dict) -> None:
        """Remove segment files the committed manifest no longer names (and stale temp files)."""
        keep = set()
        for seg in manifest["segments"]:
            keep.update({f"{seg['name']}.vec.npy", f"{seg['name']}.meta.npy"})
            if seg.get("deleted"):
                keep.add(seg["deleted"])
        for entry in os.scandir(self.directory):
            name = entry.name
            stale = (_SEG_RE.match(name) and name not in keep) or ".tmp-" in name
            if stale:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(entry.path)

    def _check_dim(self, manifest: dict) -> None:
        if manifest["segments"] and int(manifest["dim"]) != self.dim:
            raise VectorStoreError(
                f"vector store {self.directory} holds {manifest['dim']}-dimensional vectors, "
                f"this model makes {self.dim}: clear() it and re-embed"
            )
        manifest["dim"] = self.dim

    def _new_segment_name(self, manifest: dict) -> str:
        seg_id = int(manifest.get("next_id", 1))
        manifest["next_id"] = seg_id + 1
        return f"seg-{seg_id:08d}"

    def _tombstone(self, manifest: dict, column: int, ids: np.ndarray) -> int:
        """Mark rows whose ``column`` value is in ``ids`` as deleted; returns rows newly deleted."""
        removed = 0
        for seg in manifest["segments"]:
            meta = np.load(self.directory / f"{seg['name']}.meta.npy", mmap_mode="r")
            hit = np.isin(meta[:, column], ids)
            if not hit.any():
                continue
            old = np.load(self.directory / seg["deleted"]) if seg.get("deleted") else None
            dead = hit if old is None else (old | hit)
            newly = int(dead.sum()) - (int(old.sum()) if old is not None else 0)
            if newly == 0:
                continue
            removed += newly
            name = f"{seg['name']}.del-{int(manifest.get('version', 0)) + 1:08d}.npy"
            self._save_array(name, dead)
            seg["deleted"] = name
            seg["live"] = int(len(dead) - dead.sum())
        manifest["segments"] = [s for s in manifest["segments"] if s.get("live", s["count"]) > 0]
        return removed

    def add(
        self,
        chunk_ids: np.ndarray | Sequence[int],
        vectors: np.ndarray,
        *,
        document_ids: np.ndarray | Sequence[int] | int,
        submission_ids: np.ndarray | Sequence[int] | int,
    ) -> int:
        """Store (or replace) the vectors of ``chunk_ids``; returns the number stored.

        ``document_ids`` / ``submission_ids`` are per row (a single int is broadcast).
        Rows are L2-normalised on the way in. The write is published atomically.
        """
        ids = np.asarray(chunk_ids, dtype=np.int64).reshape(-1)
        vecs = np.asarray(vectors, dtype=np.float32)
        if vecs.ndim != 2 or vecs.shape[0] != len(ids) or vecs.shape[1] != self.dim:
            raise VectorStoreError(
                f"expected vectors of shape ({len(ids)}, {self.dim}), got {vecs.shape}"
            )
        docs = _per_row(document_ids, len(ids), "document_ids")
        subs = _per_row(submission_ids, len(ids), "submission_ids")
        if len(ids) == 0:
            return 0
        if not np.isfinite(vecs).all():
            raise VectorStoreError("vectors contain NaN or infinity")
        # Keep the last occurrence of a repeated chunk id.
        _, last = np.unique(ids[::-1], return_index=True)
        keep = np.sort(len(ids) - 1 - last)
        ids, vecs, docs, subs = ids[keep], vecs[keep], docs[keep], subs[keep]
        norms = np.linalg.norm(vecs, axis=1, keepdims=True)
        vecs = vecs / np.maximum(norms, 1e-12)
        meta = np.stack([ids, docs, subs], axis=1).astype(np.int64)
        with self._writer() as manifest:
            self._check_dim(manifest)
            self._tombstone(manifest, 0, ids)
            name = self._new_segment_name(manifest)
            self._save_array(f"{name}.vec.npy", np.ascontiguousarray(vecs, dtype=self.vec_dtype))
            self._save_array(f"{name}.meta.npy", meta)
            manifest["segments"].append({"name": name, "count": len(ids), "live": len(ids)})
            self._merge_small_segments(manifest)
            self._commit(manifest)
        return len(ids)

    def delete_documents(self, document_ids: Iterable[int]) -> int:
        """Remove every vector of the listed documents; returns the number removed."""
        ids = _id_array(document_ids)
        if ids is None or len(ids) == 0:
            return 0
        with self._writer() as manifest:
            removed = self._tombstone(manifest, 1, ids)
            if removed:
                self._commit(manifest)
        return removed

    def delete_chunks(self, chunk_ids: Iterable[int]) -> int:
        """Remove the vectors of the listed chunks; returns the number removed."""
        ids = _id_array(chunk_ids)
        if ids is None or len(ids) == 0:
            return 0
        with self._writer() as manifest:
            removed = self._tombstone(manifest, 0, ids)
            if removed:
                self._commit(manifest)
        return removed

    def clear(self) -> None:
        """Remove every vector (and adopt this store's dimension)."""
        with self._writer() as manifest:
            manifest["segments"] = []
            manifest["dim"] = self.dim
            self._commit(manifest)

    def _rewrite(self, manifest: dict, segs: list[dict]) -> dict | None:
        """Write the live rows of ``segs`` into one new segment entry (None if none live)."""
        vec_parts, meta_parts = [], []
        for seg in segs:
            vec = np.load(self.directory / f"{seg['name']}.vec.npy", mmap_mode="r")
            meta = np.load(self.directory / f"{seg['name']}.meta.npy", mmap_mode="r")
            if seg.get("deleted"):
                live = ~np.load(self.directory / seg["deleted"])
                vec_parts.append(np.asarray(vec[live]))
                meta_parts.append(np.asarray(meta[live]))
            else:
                vec_parts.append(np.asarray(vec))
                meta_parts.append(np.asarray(meta))
        vecs = np.concatenate(vec_parts) if vec_parts else np.empty((0, self.dim), np.float32)
        if len(vecs) == 0:
            return None
        name = self._new_segment_name(manifest)
        self._save_array(f"{name}.vec.npy", np.ascontiguousarray(vecs, dtype=self.vec_dtype))
        self._save_array(f"{name}.meta.npy", np.concatenate(meta_parts).astype(np.int64))
        return {"name": name, "count": len(vecs), "live": len(vecs)}

    def _merge_small_segments(self, manifest: dict) -> None:
        """Keep at most ``max_segments`` files: merge the smallest ones (amortised O(log n))."""
        segs = manifest["segments"]
        while len(segs) > self.max_segments:
            order = sorted(range(len(segs)), key=lambda i: segs[i].get("live", segs[i]["count"]))
            pick = set(order[: max(2, self.max_segments // 2)])
            merged = self._rewrite(manifest, [segs[i] for i in sorted(pick)])
            rest = [s for i, s in enumerate(segs) if i not in pick]
            segs = rest + ([merged] if merged else [])
        manifest["segments"] = segs

    def compact(self) -> None:
        """Rewrite all live rows into a single segment, dropping tombstoned rows."""
        with self._writer() as manifest:
            segs = manifest["segments"]
            if len(segs) <= 1 and not any(s.get("deleted") for s in segs):
                return
            merged = self._rewrite(manifest, segs)
            manifest["segments"] = [merged] if merged else []
            self._commit(manifest)

    def stats(self) -> dict:
        """Segment count, live and stored rows, bytes on disk."""
        snap = self._checked_snap()
        stored = sum(len(s.meta) for s in snap.segments)
        size = sum(e.stat().st_size for e in os.scandir(self.directory) if e.is_file())
        return {
            "segments": len(snap.segments),
            "stored": int(stored),
            "live": self.count(),
            "dim": self.dim,
            "bytes": int(size),
            "version": snap.version,
        }


def _per_row(values: np.ndarray | Sequence[int] | int, n: int, what: str) -> np.ndarray:
    if isinstance(values, (int, np.integer)):
        return np.full(n, int(values), dtype=np.int64)
    arr = np.asarray(values, dtype=np.int64).reshape(-1)
    if len(arr) != n:
        raise VectorStoreError(f"{what} has {len(arr)} entries for {n} vectors")
    return arr


def _prune(ids: np.ndarray, scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Keep the rows that are in the top ``k`` for at least one query."""
    n = len(ids)
    if n <= k:
        return ids, scores
    keep = np.zeros(n, dtype=bool)
    for j in range(scores.shape[1]):
        keep[np.argpartition(-scores[:, j], k - 1)[:k]] = True
    return ids[keep], scores[keep]
