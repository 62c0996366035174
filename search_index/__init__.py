"""Evidence search: the public API of the full-text index, vectors and hybrid ranking.

The app talks to :class:`SearchIndex` only, so that a larger deployment can put
another engine (OpenSearch with nori and k-NN, PostgreSQL with pgvector) behind
the same methods. Internals live in the private modules.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import _fulltext as ft
from .ranking import fuse

if TYPE_CHECKING:
    from .embeddings import Embedder
    from .vectors import VectorStore

log = logging.getLogger(__name__)

__all__ = ["MODES", "ChunkRecord", "Hit", "SearchIndex", "fuse"]

MODES = ("bm25", "vector", "hybrid")
HYBRID_CANDIDATES = 100
REBUILD_BATCH = 2000


@dataclass(frozen=True)
class ChunkRecord:
    chunk_id: int
    document_id: int
    submission_id: int
    applicant_id: int
    round_id: int
    doc_type: str
    document_name: str
    page: int
    text: str


@dataclass(frozen=True)
class Hit:
    chunk_id: int
    document_id: int
    document_name: str
    page: int
    score: float
    snippet: str  # HTML: the escaped passage with <mark> around matches
    text: str
    bm25: float | None
    vector: float | None


def _default_embedder() -> Embedder:
    from .embeddings import load_embedder

    return load_embedder()


class SearchIndex:
    """Full text under ``directory/"fulltext"``, vectors under ``directory/"vectors"``.

    Writers are serialized across threads and processes; searches read a
    snapshot and keep working while chunks are added.
    """

    def __init__(
        self,
        directory: Path,
        *,
        embedder_factory: Callable[[], Embedder] | None = None,
        fusion: str = "minmax",
        alpha: float = 0.5,
    ) -> None:
        self.directory = Path(directory)
        self._ft_dir = self.directory / "fulltext"
        self._vec_dir = self.directory / "vectors"
        self._ix = ft.open_index(self._ft_dir)
        self._embedder_factory = embedder_factory or _default_embedder
        self._embedder: Embedder | None = None
        self._store: VectorStore | None = None
        self._vector_error: str | None = None
        self._vector_lock = threading.Lock()
        self._local = threading.local()
        self.fusion = fusion
        self.alpha = alpha

    # --- vectors (lazy) ---------------------------------------------------

    @property
    def vector_available(self) -> bool:
        return self._load_embedder() is not None

    @property
    def vector_error(self) -> str | None:
        self._load_embedder()
        return self._vector_error

    def _load_embedder(self) -> Embedder | None:
        if self._embedder is not None or self._vector_error is not None:
            return self._embedder
        with self._vector_lock:
            if self._embedder is None and self._vector_error is None:
                try:
                    self._embedder = self._embedder_factory()
                except Exception as exc:  # noqa: BLE001 - any failure means "no vectors"
                    self._vector_error = f"embedding model unavailable: {exc}"
                    log.warning(
                        "%s; vector and hybrid search fall back to BM25", self._vector_error
                    )
        return self._embedder

    def _meta_path(self) -> Path:
        return self.directory / "vectors.json"

    def _vector_store(self, dim: int | None = None) -> VectorStore | None:
        """The vector store; ``dim`` creates it when it does not exist yet."""
        if self._store is not None:
            return self._store
        meta = self._meta_path()
        if meta.exists():
            dim = int(json.loads(meta.read_text())["dim"])
        elif dim is None:
            return None
        from .vectors import VectorStore

        with self._vector_lock:
            if self._store is None:
                self._vec_dir.mkdir(parents=True, exist_ok=True)
                self._store = VectorStore(self._vec_dir, dim)
                if not meta.exists():
                    meta.write_text(json.dumps({"dim": dim}))
        return self._store

    # --- writing ------------------------------------------------------------

    def add_chunks(self, chunks: Sequence[ChunkRecord]) -> None:
        """Index chunks for full-text search (replacing chunks with the same id)."""
        if not chunks:
            return
        with ft.index_writer(self._ix, self._ft_dir) as w:
            ft.add_documents(w, chunks, update=True)

    def embed_chunks(self, chunks: Sequence[ChunkRecord]) -> int:
        """Store vectors for chunks; 0 when no embedding model is available."""
        if not chunks:
            return 0
        embedder = self._load_embedder()
        if embedder is None:
            return 0
        vecs = embedder.encode_documents([c.text for c in chunks])
        store = self._vector_store(dim=int(vecs.shape[1]))
        assert store is not None
        ids = [c.chunk_id for c in chunks]
        store.add(
            ids,
            vecs,
            document_ids=[c.document_id for c in chunks],
            submission_ids=[c.submission_id for c in chunks],
        )
        return len(ids)

    def delete_document(self, document_id: int) -> None:
        with ft.index_writer(self._ix, self._ft_dir) as w:
            w.delete_by_term("document_id", str(document_id))
        store = self._vector_store()
        if store is not None:
            store.delete_documents([document_id])

    def rebuild(self, chunks: Iterable[ChunkRecord]) -> int:
        """Replace the full-text index with ``chunks`` (streamed, batched, atomic)."""
        n = 0
        with ft.index_writer(self._ix, self._ft_dir, clear=True, optimize=True) as w:
            batch: list[ChunkRecord] = []
            for chunk in chunks:
                batch.append(chunk)
                if len(batch) >= REBUILD_BATCH:
                    n += ft.add_documents(w, batch, update=False)
                    batch = []
            n += ft.add_documents(w, batch, update=False)
        return n

    def clear(self) -> None:
        with ft.index_writer(self._ix, self._ft_dir, clear=True) as w:
            w.delete_by_query(ft.wq.Every())
        store = self._vector_store()
        if store is not None:
            store.clear()

    def count(self) -> int:
        return self._searcher().doc_count()

    # --- searching -----------------------------------------------------------

    def _searcher(self) -> Any:
        """A per-thread searcher, refreshed to the latest committed snapshot."""
        gen = self._ix.latest_generation()
        cached = getattr(self._local, "searcher", None)
        if cached is not None and cached[0] == gen:
            return cached[1]
        if cached is not None:
            cached[1].close()
        s = self._ix.searcher(weighting=ft.weighting())
        self._local.searcher = (gen, s)
        return s

    def search(
        self,
        query: str,
        *,
        submission_ids: Sequence[int] | None = None,
        document_ids: Sequence[int] | None = None,
        doc_types: Sequence[str] | None = None,
        page_min: int | None = None,
        page_max: int | None = None,
        limit: int = 20,
        mode: str = "bm25",
        highlight: bool = True,
    ) -> list[Hit]:
        """Ranked chunks; ``submission_ids=[]`` matches nothing, ``None`` everything."""
        if mode not in MODES:
            raise ValueError(f"unknown search mode {mode!r}; use one of {MODES}")
        if ft.empty_filter(
            submission_ids=submission_ids, document_ids=document_ids, doc_types=doc_types
        ):
            return []
        if not query or not query.strip() or limit <= 0:
            return []
        searcher = self._searcher()
        q = ft.prune_common_terms(ft.parse_query(query, searcher.schema), searcher)
        filters = dict(
            submission_ids=submission_ids,
            document_ids=document_ids,
            doc_types=doc_types,
            page_min=page_min,
            page_max=page_max,
        )
        flt = ft.filter_query(**filters)
        if mode != "bm25" and self._load_embedder() is None:
            mode = "bm25"

        bm25: dict[int, float] = {}
        vector: dict[int, float] = {}
        raw: dict[int, ft.RawHit] = {}
        if mode == "bm25":
            hits = ft.run_query(searcher, q, flt, limit)
            raw = {h.chunk_id: h for h in hits}
            bm25 = {h.chunk_id: h.score for h in hits}
            ranked = [(h.chunk_id, h.score) for h in hits]
        else:
            vector, vraw = self._vector_candidates(
                searcher, query, filters, HYBRID_CANDIDATES if mode == "hybrid" else limit
            )
            raw.update(vraw)
            if mode == "vector":
                ranked = sorted(vector.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
            else:
                hits = ft.run_query(searcher, q, flt, HYBRID_CANDIDATES)
                for h in hits:
                    raw.setdefault(h.chunk_id, h)
                bm25 = {h.chunk_id: h.score for h in hits}
                missing = [cid for cid in bm25 if cid not in vector]
                store = self._vector_store()
                if missing and store is not None:
                    qvec = self._query_vector(query)
                    vector.update(store.scores_for(qvec, missing))
                ranked = fuse(bm25, vector, method=self.fusion, alpha=self.alpha)[:limit]

        spans: dict[int, list[tuple[int, int]]] = {}
        if highlight and ranked:
            terms = ft.highlight_terms(q, searcher)
            spans = ft.match_spans(
                searcher, terms, [(raw[cid].docnum, raw[cid].text) for cid, _ in ranked]
            )
        out = []
        for cid, score in ranked:
            h = raw[cid]
            snippet = ft.make_snippet(h.text, spans.get(h.docnum, []) if highlight else [])
            out.append(
                Hit(
                    chunk_id=cid,
                    document_id=h.document_id,
                    document_name=h.document_name,
                    page=h.page,
                    score=float(score),
                    snippet=snippet,
                    text=h.text,
                    bm25=bm25.get(cid),
                    vector=vector.get(cid),
                )
            )
        return out

    def _query_vector(self, query: str) -> Any:
        cached = getattr(self._local, "qvec", None)
        if cached is not None and cached[0] == query:
            return cached[1]
        embedder = self._load_embedder()
        assert embedder is not None
        qvec = embedder.encode_queries([query])[0]
        self._local.qvec = (query, qvec)
        return qvec

    def _vector_candidates(
        self, searcher: Any, query: str, filters: dict[str, Any], k: int
    ) -> tuple[dict[int, float], dict[int, ft.RawHit]]:
        """Nearest chunks within the filters, with their stored fields."""
        store = self._vector_store()
        if store is None or store.count() == 0:
            return {}, {}
        qvec = self._query_vector(query)
        post_filter = (
            filters["doc_types"] is not None
            or filters["page_min"] is not None
            or filters["page_max"] is not None
        )
        want = k * 5 if post_filter else k
        found = store.search(
            qvec,
            want,
            submission_ids=filters["submission_ids"],
            document_ids=filters["document_ids"],
        )
        raw = ft.hits_for_chunks(searcher, [cid for cid, _ in found])
        scores: dict[int, float] = {}
        doc_types = set(filters["doc_types"]) if filters["doc_types"] is not None else None
        for cid, score in found:
            h = raw.get(cid)
            if h is None:  # in the vectors but not (yet) in the full-text index
                continue
            if doc_types is not None and h.doc_type not in doc_types:
                continue
            if filters["page_min"] is not None and h.page < filters["page_min"]:
                continue
            if filters["page_max"] is not None and h.page > filters["page_max"]:
                continue
            scores[cid] = float(score)
            if len(scores) >= k:
                break
        return scores, {cid: raw[cid] for cid in scores}
