"""Evidence search: the public API of the full-text index, vectors and hybrid ranking.

The app talks to :class:`SearchIndex` only, so that a larger deployment can put
another engine (OpenSearch with nori and k-NN, PostgreSQL with pgvector) behind
the same methods. Internals live in the private modules.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from . import _fulltext as ft
from .ranking import fuse, fuse_signals

if TYPE_CHECKING:
    from .embeddings import Embedder
    from .vectors import VectorStore

log = logging.getLogger(__name__)

__all__ = ["MODES", "ChunkRecord", "Hit", "SearchIndex", "content_terms", "fuse", "fuse_signals"]

MODES = ("bm25", "vector", "hybrid")
HYBRID_CANDIDATES = 100
# In hybrid ranking BM25's weight is scaled by (top BM25 score / its ceiling) ** this:
# keywords count fully when a passage holds most of the query's words and fade when
# only a few generic ones match (paraphrases, other languages). bench/bench_fusion.py.
KEYWORD_COVERAGE_POWER = 1.0
QUERY_CACHE = 512  # query vectors kept per model
REBUILD_BATCH = 2000


def _keyword_coverage(searcher: Any, q: Any, bm25: Mapping[int, float]) -> float:
    """Top BM25 score / the query's ceiling, in [0, 1] (1 when unknown)."""
    ceiling = ft.score_ceiling(searcher, q)
    if not bm25 or not ceiling:
        return 1.0
    return min(1.0, max(bm25.values()) / ceiling)


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
    vectors: Mapping[str, float] = field(default_factory=dict)  # cosine per model

    @property
    def vector(self) -> float | None:
        """The cosine of the first configured model that scored this chunk."""
        return next(iter(self.vectors.values()), None)


def content_terms(text: str) -> list[str]:
    """The content words of ``text`` (Korean morphemes without particles and endings,
    English words, numbers), in order; single characters are left out."""
    from ._korean import morphemes

    return [term for term, _start, _end in morphemes(text) if len(term) > 1]


def _default_embedder() -> Embedder:
    from .embeddings import load_embedder

    return load_embedder()


@dataclass
class _Model:
    """One embedding model: how to load it, whether it loaded, and its vector store."""

    name: str
    factory: Callable[[], Embedder]
    embedder: Embedder | None = None
    error: str | None = None
    store: VectorStore | None = None
    queries: OrderedDict[str, Any] = field(default_factory=OrderedDict)
    prepared: dict[str, Any] = field(default_factory=dict)
    prepared_mtime: int | None = None


def _text_key(text: str) -> str:
    return "q" + hashlib.sha1(text.encode("utf-8")).hexdigest()


class SearchIndex:
    """Full text under ``directory/"fulltext"``, vectors under ``directory/"vectors"/<model>``.

    ``embedders`` names the embedding models (each a factory, loaded lazily; a model
    that fails to load is left out and search falls back to what remains, BM25 at
    least). ``weights`` weighs the signals ``"bm25"`` and each model name in hybrid
    ranking. Writers are serialized across threads and processes; searches read a
    snapshot and keep working while chunks are added.
    """

    def __init__(
        self,
        directory: Path,
        *,
        embedders: Mapping[str, Callable[[], Embedder]] | None = None,
        embedder_factory: Callable[[], Embedder] | None = None,
        weights: Mapping[str, float] | None = None,
        fusion: str = "minmax",
    ) -> None:
        self.directory = Path(directory)
        self._ft_dir = self.directory / "fulltext"
        self._vec_dir = self.directory / "vectors"
        self._ix = ft.open_index(self._ft_dir)
        if embedders is None:
            embedders = {"vector": embedder_factory or _default_embedder}
        self._models = {name: _Model(name, factory) for name, factory in embedders.items()}
        self._vector_lock = threading.Lock()
        self._local = threading.local()
        self.fusion = fusion
        if weights is None:
            share = 0.5 / max(1, len(self._models))
            weights = {"bm25": 0.5, **{name: share for name in self._models}}
        self.weights = dict(weights)

    # --- vectors (lazy) ---------------------------------------------------

    @property
    def model_names(self) -> list[str]:
        """The configured embedding models, in configuration order."""
        return list(self._models)

    @property
    def vector_models(self) -> list[str]:
        """The embedding models that loaded."""
        return [m.name for m in self._models.values() if self._load(m) is not None]

    @property
    def vector_available(self) -> bool:
        return bool(self.vector_models)

    @property
    def vector_error(self) -> str | None:
        """Why a configured model is unavailable (None when all loaded)."""
        errors = [m.error for m in self._models.values() if self._load(m) is None and m.error]
        return "; ".join(errors) or None

    def _load(self, model: _Model) -> Embedder | None:
        if model.embedder is not None or model.error is not None:
            return model.embedder
        with self._vector_lock:
            if model.embedder is None and model.error is None:
                try:
                    model.embedder = model.factory()
                except Exception as exc:  # noqa: BLE001 - any failure means "no vectors"
                    model.error = f"embedding model {model.name!r} unavailable: {exc}"
                    log.warning("%s; search falls back to the other signals", model.error)
        return model.embedder

    def _store(self, model: _Model, dim: int | None = None) -> VectorStore | None:
        """The model's vector store; ``dim`` creates it when it does not exist yet."""
        if model.store is not None:
            return model.store
        meta = self._vec_dir / f"{model.name}.json"
        if meta.exists():
            dim = int(json.loads(meta.read_text())["dim"])
        elif dim is None:
            return None
        from .vectors import VectorStore

        with self._vector_lock:
            if model.store is None:
                (self._vec_dir / model.name).mkdir(parents=True, exist_ok=True)
                model.store = VectorStore(self._vec_dir / model.name, dim)
                if not meta.exists():
                    meta.write_text(json.dumps({"dim": dim}))
        return model.store

    def _stores(self) -> list[tuple[_Model, VectorStore]]:
        """Models that loaded and have stored vectors."""
        out = []
        for m in self._models.values():
            store = self._store(m) if self._load(m) is not None else None
            if store is not None and store.count() > 0:
                out.append((m, store))
        return out

    def _query_vector(self, model: _Model, text: str) -> Any:
        """The query's vector: from memory (LRU), else the prepared queries, else encoded."""
        with self._vector_lock:
            cached = model.queries.get(text)
            if cached is not None:
                model.queries.move_to_end(text)
                return cached
        vec = self._prepared(model).get(_text_key(text))
        if vec is None:
            assert model.embedder is not None
            vec = model.embedder.encode_queries([text])[0]
        with self._vector_lock:
            model.queries[text] = vec
            while len(model.queries) > QUERY_CACHE:
                model.queries.popitem(last=False)
        return vec

    def _prepared_path(self, model: _Model) -> Path:
        return self._vec_dir / f"{model.name}.queries.npz"

    def _prepared(self, model: _Model) -> dict[str, Any]:
        path = self._prepared_path(model)
        try:
            mtime = path.stat().st_mtime_ns
        except FileNotFoundError:
            return {}
        if model.prepared_mtime != mtime:
            with np.load(path) as data:
                model.prepared = {key: data[key] for key in data.files}
            model.prepared_mtime = mtime
        return model.prepared

    def prepare_queries(self, texts: Sequence[str], models: Sequence[str] | None = None) -> int:
        """Encode standing queries (indicators) once, in batches, and keep them on disk, so
        that suggestions need no model call; returns how many were new."""
        added = 0
        for model in self._models.values():
            if (models is not None and model.name not in models) or self._load(model) is None:
                continue
            known = self._prepared(model)
            new = list(dict.fromkeys(t for t in texts if _text_key(t) not in known))
            if not new:
                continue
            assert model.embedder is not None
            vecs = model.embedder.encode_queries(new)
            merged = {**known, **{_text_key(t): v for t, v in zip(new, vecs, strict=True)}}
            self._vec_dir.mkdir(parents=True, exist_ok=True)
            path = self._prepared_path(model)
            tmp = path.with_suffix(f".{threading.get_ident()}.tmp.npz")
            np.savez(tmp, **merged)
            tmp.replace(path)
            added = max(added, len(new))
        return added

    def has_vectors(self, chunk_ids: Sequence[int], model: str) -> bool:
        """Whether every listed chunk has a vector of ``model``."""
        m = self._models.get(model)
        store = self._store(m) if m is not None else None
        if store is None:
            return not chunk_ids
        return len(store.get_vectors(chunk_ids)) == len(set(chunk_ids))

    def similarity(self, sources: Sequence[int], targets: Sequence[int]) -> dict[int, float]:
        """Mean cosine of each target chunk to the source chunks, from stored vectors.

        Uses the highest-weighted model that holds vectors of the sources; {} when none.
        """
        if not sources or not targets:
            return {}
        ranked = sorted(self._stores(), key=lambda ms: -self.weights.get(ms[0].name, 0.0))
        for _model, store in ranked:
            src = store.get_vectors(sources)
            if not src:
                continue
            centre = np.mean(np.stack(list(src.values())), axis=0)
            tgt = store.get_vectors(targets)
            return {cid: float(np.dot(v, centre)) for cid, v in tgt.items()}
        return {}

    # --- writing ------------------------------------------------------------

    def add_chunks(self, chunks: Sequence[ChunkRecord]) -> None:
        """Index chunks for full-text search (replacing chunks with the same id)."""
        if not chunks:
            return
        with ft.index_writer(self._ix, self._ft_dir) as w:
            ft.add_documents(w, chunks, update=True)

    def embed_chunks(
        self, chunks: Sequence[ChunkRecord], models: Sequence[str] | None = None
    ) -> int:
        """Store vectors of ``models`` (default: all) for chunks; the number of chunks that
        got a vector from at least one model (0 when no model is available)."""
        if not chunks:
            return 0
        done = 0
        for name in models if models is not None else self._models:
            model = self._models.get(name)
            if model is None:
                raise ValueError(f"unknown embedding model {name!r}; have {list(self._models)}")
            embedder = self._load(model)
            if embedder is None:
                continue
            vecs = embedder.encode_documents([c.text for c in chunks])
            store = self._store(model, dim=int(vecs.shape[1]))
            assert store is not None
            store.add(
                [c.chunk_id for c in chunks],
                vecs,
                document_ids=[c.document_id for c in chunks],
                submission_ids=[c.submission_id for c in chunks],
            )
            done = len(chunks)
        return done

    def delete_document(self, document_id: int) -> None:
        with ft.index_writer(self._ix, self._ft_dir) as w:
            w.delete_by_term("document_id", str(document_id))
        for model in self._models.values():
            store = self._store(model)
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
        for model in self._models.values():
            store = self._store(model)
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
        vector_query: str | None = None,
        submission_ids: Sequence[int] | None = None,
        document_ids: Sequence[int] | None = None,
        doc_types: Sequence[str] | None = None,
        page_min: int | None = None,
        page_max: int | None = None,
        limit: int = 20,
        mode: str = "bm25",
        highlight: bool = True,
        keyword_coverage: bool = True,
    ) -> list[Hit]:
        """Ranked chunks; ``submission_ids=[]`` matches nothing, ``None`` everything.

        ``query`` feeds BM25 (and highlights); ``vector_query`` (default: ``query``) is
        what the embedding models compare passages with. Modes: ``bm25``, ``vector``
        (the models' scores fused), ``hybrid`` (BM25 and the models fused with
        :attr:`weights`; BM25's weight scaled by the query's keyword coverage unless
        ``keyword_coverage`` is false). Without vectors, ``vector``/``hybrid`` fall back to
        BM25.
        """
        if mode not in MODES:
            raise ValueError(f"unknown search mode {mode!r}; use one of {MODES}")
        if ft.empty_filter(
            submission_ids=submission_ids, document_ids=document_ids, doc_types=doc_types
        ):
            return []
        if not query or not query.strip() or limit <= 0:
            return []
        vector_query = vector_query if vector_query and vector_query.strip() else query
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
        stores = self._stores() if mode != "bm25" else []
        if not stores:
            mode = "bm25"

        signals: dict[str, dict[int, float]] = {}
        raw: dict[int, ft.RawHit] = {}
        if mode == "bm25":
            hits = ft.run_query(searcher, q, flt, limit)
            raw = {h.chunk_id: h for h in hits}
            signals["bm25"] = {h.chunk_id: h.score for h in hits}
            ranked = [(h.chunk_id, h.score) for h in hits]
        else:
            k = HYBRID_CANDIDATES if mode == "hybrid" or len(stores) > 1 else limit
            qvecs = {m.name: self._query_vector(m, vector_query) for m, _ in stores}
            for model, store in stores:
                scores, vraw = self._vector_candidates(
                    searcher, store, qvecs[model.name], filters, k
                )
                signals[model.name] = scores
                raw.update(vraw)
            if mode == "hybrid":
                hits = ft.run_query(searcher, q, flt, HYBRID_CANDIDATES)
                for h in hits:
                    raw.setdefault(h.chunk_id, h)
                signals["bm25"] = {h.chunk_id: h.score for h in hits}
            # every candidate gets every model's score, so fusion compares like with like
            for model, store in stores:
                have = signals[model.name]
                missing = [cid for cid in raw if cid not in have]
                if missing:
                    have.update(store.scores_for(qvecs[model.name], missing))
            if mode == "hybrid":
                weights = dict(self.weights)
                if keyword_coverage:
                    coverage = _keyword_coverage(searcher, q, signals["bm25"])
                    weights["bm25"] = weights.get("bm25", 0.0) * coverage**KEYWORD_COVERAGE_POWER
            else:
                weights = {m.name: self.weights.get(m.name, 0.0) or 1.0 for m, _ in stores}
            ranked = fuse_signals(signals, weights, method=self.fusion)[:limit]

        spans: dict[int, list[tuple[int, int]]] = {}
        if highlight and ranked:
            terms = ft.highlight_terms(q, searcher)
            spans = ft.match_spans(
                searcher, terms, [(raw[cid].docnum, raw[cid].text) for cid, _ in ranked]
            )
        model_order = [m.name for m, _ in stores]
        out = []
        for cid, score in ranked:
            h = raw[cid]
            snippet = ft.make_snippet(h.text, spans.get(h.docnum, []) if highlight else [])
            vectors = {name: signals[name][cid] for name in model_order if cid in signals[name]}
            out.append(
                Hit(
                    chunk_id=cid,
                    document_id=h.document_id,
                    document_name=h.document_name,
                    page=h.page,
                    score=float(score),
                    snippet=snippet,
                    text=h.text,
                    bm25=signals.get("bm25", {}).get(cid),
                    vectors=vectors,
                )
            )
        return out

    def keyword_coverage(self, query: str, bm25: Mapping[int, float]) -> float:
        """How much of ``query`` its best keyword match holds (top BM25 score / ceiling)."""
        searcher = self._searcher()
        q = ft.prune_common_terms(ft.parse_query(query, searcher.schema), searcher)
        return _keyword_coverage(searcher, q, bm25)

    def highlight(self, query: str, hits: Sequence[Hit]) -> list[Hit]:
        """``hits`` (e.g. searched with ``highlight=False``) with snippets marking ``query``'s
        terms: rank many candidates, highlight only those shown."""
        if not hits:
            return []
        searcher = self._searcher()
        q = ft.prune_common_terms(ft.parse_query(query, searcher.schema), searcher)
        raw = ft.hits_for_chunks(searcher, [h.chunk_id for h in hits])
        docs = [(raw[h.chunk_id].docnum, h.text) for h in hits if h.chunk_id in raw]
        spans = ft.match_spans(searcher, ft.highlight_terms(q, searcher), docs)
        return [
            replace(h, snippet=ft.make_snippet(h.text, spans.get(raw[h.chunk_id].docnum, [])))
            if h.chunk_id in raw
            else h
            for h in hits
        ]

    def _vector_candidates(
        self, searcher: Any, store: VectorStore, qvec: Any, filters: dict[str, Any], k: int
    ) -> tuple[dict[int, float], dict[int, ft.RawHit]]:
        """Nearest chunks within the filters, with their stored fields."""
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
