"""SearchIndex: chunks in the whoosh full-text index and the vector stores, searched and
ranked together; the implementation behind the package's public API."""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import threading
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from . import _bm25, _contiguity, _highlight, _query, _ranker, _whoosh
from ._korean import morphemes
from ._sentence_store import SentenceStore
from ._sentences import sentence_spans
from ._whoosh import RawHit
from .embeddings import Embedder, load_embedder
from .ranking import fuse_signals, minmax_normalize
from .vectors import VectorStore

log = logging.getLogger(__name__)

MODES = ("bm25", "vector", "hybrid")
FUSIONS = ("learned", "minmax", "rrf")
HYBRID_CANDIDATES = 100
# In hybrid ranking BM25's weight is scaled by (top BM25 score / its ceiling) ** this:
# keywords count fully when a passage holds most of the query's words and fade when
# only a few generic ones match (paraphrases, other languages). bench/bench_fusion.py.
KEYWORD_COVERAGE_POWER = 1.0
QUERY_CACHE = 512  # query vectors kept per model
REBUILD_BATCH = 2000
# Feedback (Rocchio): the query grows with this many content words of the accepted
# passages, and candidates move by this weight towards accepted and away from rejected
# passages' vectors (bench/bench_learning.py).
EXPANSION_TERMS = 6
FEEDBACK_WEIGHT = 0.35


def _keyword_coverage(searcher: Any, q: Any, bm25: Mapping[int, float]) -> float:
    """Top BM25 score / the query's ceiling, in [0, 1] (1 when unknown)."""
    ceiling = _bm25.score_ceiling(searcher, q)
    if not bm25 or not ceiling:
        return 1.0
    return min(1.0, max(bm25.values()) / ceiling)


def _keyword_hits(
    searcher: Any, q: Any, flt: Any, limit: int, names: _contiguity.QueryNames | None
) -> list[RawHit]:
    """The top ``limit`` BM25 hits; with ``names``, the bonus for passages holding them in
    one piece (:mod:`search_index._contiguity`) chosen among the top
    :data:`~search_index._contiguity.CONTIGUITY_POOL` (or ``limit``, when more)."""
    if names is None:
        return _bm25.run_query(searcher, q, flt, limit)
    pool = _bm25.run_query(searcher, q, flt, max(limit, _contiguity.CONTIGUITY_POOL))
    return _contiguity.rerank(names, pool)[:limit]


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
    # (start, end) character offsets into ``text`` of the sentence closest in meaning to the
    # query (from the best model's sentence vectors; None without them, or in bm25 mode)
    best_sentence: tuple[int, int] | None = None

    @property
    def vector(self) -> float | None:
        """The cosine of the first configured model that scored this chunk."""
        return next(iter(self.vectors.values()), None)


def content_terms(text: str) -> list[str]:
    """The content words of ``text`` (Korean morphemes without particles and endings,
    English words, numbers), in order; single characters are left out."""
    return [term for term, _start, _end in morphemes(text) if len(term) > 1]


@dataclass(frozen=True)
class Feedback:
    """An evaluator's decisions on chunks for one query: ``accepted`` and ``rejected``
    chunk ids, in the order the decisions were made (the order breaks ties between
    expansion words). A chunk cannot be both; ValueError otherwise."""

    accepted: Sequence[int] = ()
    rejected: Sequence[int] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "accepted", tuple(self.accepted))
        object.__setattr__(self, "rejected", tuple(self.rejected))
        both = set(self.accepted) & set(self.rejected)
        if both:
            raise ValueError(f"chunks both accepted and rejected: {sorted(both)}")


def _expanded_query(searcher: Any, query: str, accepted: Sequence[int]) -> str:
    """``query`` and the most frequent content words of the accepted chunks' stored texts
    that it does not contain (each counted once per chunk; ties by first appearance)."""
    raw = _whoosh.hits_for_chunks(searcher, accepted)
    counts: Counter[str] = Counter()
    for cid in accepted:
        if cid in raw:
            counts.update(list(dict.fromkeys(content_terms(raw[cid].text))))
    extra = [t for t, _ in counts.most_common() if t not in query][:EXPANSION_TERMS]
    return " ".join([query, *extra])


def _default_embedder() -> Embedder:
    return load_embedder()


@dataclass
class _Model:
    """One embedding model: how to load it, whether it loaded, and its vector store."""

    name: str
    factory: Callable[[], Embedder]
    embedder: Embedder | None = None
    error: str | None = None
    store: VectorStore | None = None
    sentences: SentenceStore | None = None
    queries: OrderedDict[str, Any] = field(default_factory=OrderedDict)
    prepared: dict[str, Any] = field(default_factory=dict)
    prepared_mtime: int | None = None


@dataclass(frozen=True)
class StoredSentences:
    """A chunk's stored sentences (:meth:`SearchIndex.stored_sentences`): ``spans`` int64
    [n, 2] (start, end) offsets into the chunk's text, ``vectors`` float32 [n, dim],
    L2-normalised, one row per span."""

    spans: np.ndarray
    vectors: np.ndarray


def _text_key(text: str) -> str:
    return "q" + hashlib.sha1(text.encode("utf-8")).hexdigest()


class SearchIndex:
    """Full text under ``directory/"fulltext"``, vectors under ``directory/"vectors"/<model>``.

    ``embedders`` names the embedding models (each a factory, loaded lazily; a model
    that fails to load is left out and search falls back to what remains, BM25 at
    least). ``fusion`` is how hybrid ranking combines the signals: ``"learned"`` (the
    default: :mod:`search_index._ranker`'s weights over BM25, exact-name contiguity, title
    match and each model's passage and best-sentence cosines; models named or made as
    ``e5``/``use``) or ``"minmax"``/``"rrf"`` with ``weights`` for ``"bm25"`` and each model
    name. Writers are serialized across threads and processes; searches read a snapshot and
    keep working while chunks are added.
    """

    def __init__(
        self,
        directory: Path,
        *,
        embedders: Mapping[str, Callable[[], Embedder]] | None = None,
        embedder_factory: Callable[[], Embedder] | None = None,
        weights: Mapping[str, float] | None = None,
        fusion: str = "learned",
    ) -> None:
        if fusion not in FUSIONS:
            raise ValueError(f"unknown fusion {fusion!r}; use one of {FUSIONS}")
        self.directory = Path(directory)
        self._ft_dir = self.directory / "fulltext"
        self._vec_dir = self.directory / "vectors"
        self._ix = _whoosh.open_index(self._ft_dir)
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
        with self._vector_lock:
            if model.store is None:
                (self._vec_dir / model.name).mkdir(parents=True, exist_ok=True)
                model.store = VectorStore(self._vec_dir / model.name, dim)
                if not meta.exists():
                    meta.write_text(json.dumps({"dim": dim}))
        return model.store

    def _sentence_store(self, model: _Model, dim: int | None = None) -> SentenceStore | None:
        """The model's sentence store (``vectors/<model>.sentences``); ``dim`` creates it."""
        if model.sentences is not None:
            return model.sentences
        meta = self._vec_dir / f"{model.name}.sentences.json"
        if meta.exists():
            dim = int(json.loads(meta.read_text())["dim"])
        elif dim is None:
            return None
        with self._vector_lock:
            if model.sentences is None:
                (self._vec_dir / f"{model.name}.sentences").mkdir(parents=True, exist_ok=True)
                model.sentences = SentenceStore(self._vec_dir / f"{model.name}.sentences", dim)
                if not meta.exists():
                    meta.write_text(json.dumps({"dim": dim, "dtype": "float16"}))
        return model.sentences

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
        """Whether every listed chunk has a vector of ``model`` (and, when its text has
        words, its sentence vectors: an index made before them lacks them until
        ``embed_chunks``, e.g. ``reviewapp reembed``)."""
        m = self._models.get(model)
        store = self._store(m) if m is not None else None
        if store is None:
            return not chunk_ids
        if len(store.get_vectors(chunk_ids)) != len(set(chunk_ids)):
            return False
        return not self.missing_sentences(chunk_ids, model)

    def missing_sentences(self, chunk_ids: Sequence[int], model: str) -> list[int]:
        """The listed chunks with words in their text but no sentence vectors of ``model``."""
        m = self._models.get(model)
        if m is None or not chunk_ids:
            return []
        sstore = self._sentence_store(m)
        have = sstore.chunks_with_sentences(chunk_ids) if sstore is not None else set()
        missing = [cid for cid in dict.fromkeys(chunk_ids) if cid not in have]
        if not missing:
            return []
        raw = _whoosh.hits_for_chunks(self._searcher(), missing)
        return [cid for cid in missing if cid not in raw or sentence_spans(raw[cid].text)]

    def stored_sentences(
        self, chunk_ids: Sequence[int], model: str = "e5"
    ) -> dict[int, StoredSentences]:
        """The sentence vectors of ``model`` stored at ingestion for the listed chunks,
        read from the memory-mapped sentence store (no model is loaded or called).

        Returns ``{chunk_id: StoredSentences}`` for each listed chunk that has sentence
        rows: ``spans`` int64 [n, 2], (start, end) character offsets into the chunk's text
        as :func:`sentence_spans` cut it at ingestion, in text order; ``vectors`` float32
        [n, dim], L2-normalised, row i the vector of ``text[start_i:end_i]``. A chunk
        without rows (embedded before sentence vectors existed and not re-embedded since,
        not embedded yet, or with no words) is left out; {} when ``model`` is not a
        configured model name or has no sentence store."""
        m = self._models.get(model)
        sstore = self._sentence_store(m) if m is not None and chunk_ids else None
        if sstore is None:
            return {}
        return {
            cid: StoredSentences(spans, vecs)
            for cid, (spans, vecs) in sstore.sentences_of(chunk_ids).items()
        }

    def query_vector(self, text: str, model: str = "e5") -> np.ndarray | None:
        """``text``'s query vector of ``model`` (float32 [dim], L2-normalised), through the
        cache search uses (memory, then :meth:`prepare_queries`' file, then the model): a
        query just searched is not encoded again. None when ``model`` is not configured or
        failed to load."""
        m = self._models.get(model)
        if m is None or self._load(m) is None:
            return None
        vec = np.asarray(self._query_vector(m, text), dtype=np.float32).reshape(-1)
        return vec / max(float(np.linalg.norm(vec)), 1e-12)

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

    def warm(self) -> dict[str, float]:
        """Load now what the first search would load (each model and a first query
        encoding, the vector and sentence stores, the full-text searcher, kiwi, the ranker's
        weights), so that the first search is as fast as the next; returns the seconds of
        each step (a model that fails to load is skipped, as in search). Thread-safe: a web
        process calls it in the background at start (``services.indexing.warm_in_background``)."""
        import time

        took: dict[str, float] = {}
        t0 = time.perf_counter()
        self._searcher()
        morphemes("검색 준비")
        _ranker.load_weights()
        took["fulltext"] = round(time.perf_counter() - t0, 3)
        for model in self._models.values():
            t0 = time.perf_counter()
            embedder = self._load(model)
            if embedder is None:
                continue
            for store in (self._store(model), self._sentence_store(model)):
                if store is not None:
                    store.count()
            embedder.encode_queries(["검색 준비 문장"])
            took[model.name] = round(time.perf_counter() - t0, 3)
        return took

    # --- writing ------------------------------------------------------------

    def add_chunks(self, chunks: Sequence[ChunkRecord]) -> None:
        """Index chunks for full-text search (replacing chunks with the same id)."""
        if not chunks:
            return
        with _whoosh.index_writer(self._ix, self._ft_dir) as w:
            _whoosh.add_documents(w, chunks, update=True)

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
            self._embed_sentences(model, embedder, chunks, vecs)
            done = len(chunks)
        return done

    def _embed_sentences(
        self, model: _Model, embedder: Embedder, chunks: Sequence[ChunkRecord], passage: Any
    ) -> None:
        """Each chunk's sentences into the model's sentence store; a chunk that is one
        sentence reuses its passage vector (no second encoding)."""
        rows: list[tuple[int, int, int, int]] = []  # chunk index, start, end, reuse (0/1)
        for i, c in enumerate(chunks):
            spans = sentence_spans(c.text)
            whole = len(spans) == 1 and c.text[spans[0][0] : spans[0][1]] == c.text.strip()
            rows.extend((i, a, b, int(whole)) for a, b in spans)
        todo = [r for r in rows if not r[3]]
        encoded = (
            embedder.encode_documents([chunks[i].text[a:b] for i, a, b, _ in todo])
            if todo
            else np.zeros((0, passage.shape[1]), np.float32)
        )
        vecs = np.zeros((len(rows), passage.shape[1]), dtype=np.float32)
        k = 0
        for j, (i, _a, _b, reuse) in enumerate(rows):
            if reuse:
                vecs[j] = passage[i]
            else:
                vecs[j] = encoded[k]
                k += 1
        sstore = self._sentence_store(model, dim=int(passage.shape[1]))
        assert sstore is not None
        sstore.add_sentences(
            [chunks[i].chunk_id for i, *_ in rows],
            vecs,
            [(a, b) for _i, a, b, _r in rows],
            document_ids=[chunks[i].document_id for i, *_ in rows],
            submission_ids=[chunks[i].submission_id for i, *_ in rows],
            replace=[c.chunk_id for c in chunks],
        )

    def replace_document(self, document_id: int, chunks: Sequence[ChunkRecord]) -> None:
        """Make ``chunks`` the document's whole full-text entry: its earlier chunks go and
        these come in one commit (readers see the old passages or the new, never neither).
        Vectors are not touched: :meth:`delete_document` drops them, :meth:`embed_chunks`
        adds them."""
        self.replace_documents({document_id: chunks})

    def replace_documents(self, chunks_by_document: Mapping[int, Sequence[ChunkRecord]]) -> None:
        """:meth:`replace_document` for several documents, all in one commit (one segment,
        one analysis call: much faster than a commit each)."""
        if not chunks_by_document:
            return
        with _whoosh.index_writer(self._ix, self._ft_dir) as w:
            for document_id in chunks_by_document:
                _whoosh.delete_document(w, document_id)
            _whoosh.add_documents(
                w, [c for chunks in chunks_by_document.values() for c in chunks], update=True
            )

    def delete_document(self, document_id: int, *, vectors_only: bool = False) -> None:
        """Drop a document's chunks from the full-text index and every vector store; with
        ``vectors_only`` from the vector stores alone (:meth:`replace_document` follows)."""
        if not vectors_only:
            with _whoosh.index_writer(self._ix, self._ft_dir) as w:
                _whoosh.delete_document(w, document_id)
        for model in self._models.values():
            for store in (self._store(model), self._sentence_store(model)):
                if store is not None:
                    store.delete_documents([document_id])

    @contextlib.contextmanager
    def writes_paused(self) -> Iterator[None]:
        """Hold every writer (full text and each model's vectors, in any process) until the
        block ends, so that ``directory`` can be copied as one committed state beside a
        database snapshot taken inside the block. Readers are not held."""
        with contextlib.ExitStack() as stack:
            self._ft_dir.mkdir(parents=True, exist_ok=True)
            stack.enter_context(_whoosh.writes_locked(self._ft_dir))
            if self._vec_dir.is_dir():
                for meta in sorted(self._vec_dir.glob("*.json")):
                    store_dir = self._vec_dir / meta.stem
                    if store_dir.is_dir():
                        dim = int(json.loads(meta.read_text())["dim"])
                        stack.enter_context(VectorStore(store_dir, dim).writes_paused())
            yield

    def rebuild(self, chunks: Iterable[ChunkRecord]) -> int:
        """Replace the full-text index with ``chunks`` (streamed, batched, atomic); after
        it :attr:`needs_reindex` is false."""
        n = 0
        with _whoosh.index_writer(self._ix, self._ft_dir, clear=True, optimize=True) as w:
            batch: list[ChunkRecord] = []
            for chunk in chunks:
                batch.append(chunk)
                if len(batch) >= REBUILD_BATCH:
                    n += _whoosh.add_documents(w, batch, update=False)
                    batch = []
            n += _whoosh.add_documents(w, batch, update=False)
        _whoosh.mark_analysis_current(self._ft_dir)
        return n

    @property
    def needs_reindex(self) -> bool:
        """True while the full-text index holds terms made by an older text analysis
        (``search_index._korean.ANALYSIS_VERSION``): it still answers, but text that the
        new analysis reads differently (e.g. full-width letters) is not found until
        :meth:`rebuild` (``reviewapp reindex``)."""
        return not _whoosh.analysis_current(self._ft_dir)

    def clear(self) -> None:
        with _whoosh.index_writer(self._ix, self._ft_dir, clear=True) as w:
            _whoosh.delete_all(w)
        _whoosh.mark_analysis_current(self._ft_dir)
        for model in self._models.values():
            for store in (self._store(model), self._sentence_store(model)):
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
        s = self._ix.searcher(weighting=_bm25.weighting())
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
        feedback: Feedback | None = None,
        highlight_top: int | None = None,
        fusion: str | None = None,
    ) -> list[Hit]:
        """Ranked chunks, best first; ``submission_ids=[]`` matches nothing, ``None`` everything.

        ``query`` feeds BM25 (and highlights); ``vector_query`` (default: ``query``) is
        what the embedding models compare passages with. Modes: ``bm25``, ``vector``
        (the models' scores fused), ``hybrid`` (BM25 and the models fused by ``fusion``,
        default :attr:`fusion`: ``learned`` is :mod:`search_index._ranker`, the query's
        exact names first; ``minmax``/``rrf`` weigh with :attr:`weights`, BM25's weight
        scaled by the query's keyword coverage; ``keyword_coverage=False`` counts the
        coverage as full). Without vectors, ``vector``/``hybrid`` fall back to BM25. At
        most ``limit`` chunks are ranked and returned. Hits of ``vector``/``hybrid`` carry
        their :attr:`Hit.best_sentence` where sentence vectors exist; snippets then show
        that sentence (marked ``<span class="best-sentence">``).

        ``feedback`` (an evaluator's accepted and rejected chunks) re-ranks in one call:

        1. the query grows with the :data:`EXPANSION_TERMS` most frequent content words
           of the accepted chunks' stored texts that ``query`` does not contain yet
           (counted once per chunk; ties by first appearance, accepted order first);
        2. the top ``limit`` chunks are ranked for that query as above (pass ``limit``
           large enough to cover the decided chunks: they compete like any other);
        3. every ranked chunk without a decision gets ``FEEDBACK_WEIGHT * (toward - away)``
           added to its score, ``toward``/``away`` being its mean cosine to the
           accepted/rejected chunks' stored vectors, min-max normalized over those
           chunks (:meth:`similarity`; nothing without vectors);
        4. rejected chunks are removed, accepted ones come first; each group by score
           (stable: equal scores keep the rank order of step 2).

        Returned hits carry the final score. Snippets mark the (expanded) query's terms in
        the first ``highlight_top`` hits (all when None; none when ``highlight`` is false);
        the others get the passage's start, escaped.

        Raises ValueError for an unknown mode, and :class:`QueryRejected` (a ValueError,
        message in English and Korean) for a query over the limits of
        :mod:`search_index._query`: 500 characters, 3 wildcard/prefix words of at most
        1,000 index terms each, no leading wildcard.
        """
        if mode not in MODES:
            raise ValueError(f"unknown search mode {mode!r}; use one of {MODES}")
        fusion = fusion or self.fusion
        if fusion not in FUSIONS:
            raise ValueError(f"unknown fusion {fusion!r}; use one of {FUSIONS}")
        if query:
            _query.check_length(query)
        if _query.empty_filter(
            submission_ids=submission_ids, document_ids=document_ids, doc_types=doc_types
        ):
            return []
        if not query or not query.strip() or limit <= 0:
            return []
        vector_query = vector_query if vector_query and vector_query.strip() else query
        searcher = self._searcher()
        if feedback is not None and feedback.accepted:
            query = _expanded_query(searcher, query, feedback.accepted)
        names = _contiguity.query_names(query)  # of the query BM25 scores, as a search of it
        q = self._parse(searcher, query)
        filters = dict(
            submission_ids=submission_ids,
            document_ids=document_ids,
            doc_types=doc_types,
            page_min=page_min,
            page_max=page_max,
        )
        flt = _query.filter_query(**filters)
        stores = self._stores() if mode != "bm25" else []
        if not stores:
            mode = "bm25"

        signals: dict[str, dict[int, float]] = {}
        raw: dict[int, RawHit] = {}
        kinds = self._kinds([m for m, _ in stores])
        learned = mode == "hybrid" and fusion == "learned" and kinds is not None
        best: dict[int, tuple[int, int]] = {}
        if mode == "bm25":
            hits = _keyword_hits(searcher, q, flt, limit, names)
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
                # the learned ranker weighs the exact-name contiguity itself: raw BM25 here
                hits = (
                    _bm25.run_query(searcher, q, flt, HYBRID_CANDIDATES)
                    if learned
                    else _keyword_hits(searcher, q, flt, HYBRID_CANDIDATES, names)
                )
                for h in hits:
                    raw.setdefault(h.chunk_id, h)
                signals["bm25"] = {h.chunk_id: h.score for h in hits}
            # every candidate gets every model's score, so fusion compares like with like
            for model, store in stores:
                have = signals[model.name]
                missing = [cid for cid in raw if cid not in have]
                if missing:
                    have.update(store.scores_for(qvecs[model.name], missing))
            sentences = self._best_sentences(stores, qvecs, list(raw))
            if learned:
                assert kinds is not None
                coverage = (
                    _keyword_coverage(searcher, q, signals["bm25"]) if keyword_coverage else 1.0
                )
                ranked = self._learned_ranking(
                    query, raw, signals, sentences, kinds, coverage, names
                )[:limit]
            else:
                if mode == "hybrid":
                    weights = dict(self.weights)
                    if keyword_coverage:
                        coverage = _keyword_coverage(searcher, q, signals["bm25"])
                        weights["bm25"] = (
                            weights.get("bm25", 0.0) * coverage**KEYWORD_COVERAGE_POWER
                        )
                else:
                    weights = {m.name: self.weights.get(m.name, 0.0) or 1.0 for m, _ in stores}
                method = "minmax" if fusion == "learned" else fusion
                ranked = fuse_signals(signals, weights, method=method)[:limit]
            best = self._pick_sentences(sentences, kinds, [m.name for m, _ in stores])
        if feedback is not None:
            ranked = self._apply_feedback(ranked, feedback)

        shown = 0 if not highlight else len(ranked) if highlight_top is None else highlight_top
        spans: dict[int, list[tuple[int, int]]] = {}
        if shown > 0 and ranked:
            terms = _highlight.highlight_terms(q, searcher)
            spans = _highlight.match_spans(
                searcher, terms, [(raw[cid].docnum, raw[cid].text) for cid, _ in ranked[:shown]]
            )
        model_order = [m.name for m, _ in stores]
        out = []
        for i, (cid, score) in enumerate(ranked):
            h = raw[cid]
            snippet = (
                _highlight.make_snippet(h.text, spans.get(h.docnum, []), focus=best.get(cid))
                if i < shown
                else _highlight.make_snippet(h.text, [])
            )
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
                    best_sentence=best.get(cid),
                )
            )
        return out

    def _kinds(self, models: Sequence[_Model]) -> dict[str, str] | None:
        """Model name -> ``e5``/``use`` (its name or its embedder's), for the learned
        ranker's features; None when a model is neither (then min-max fusion ranks)."""
        out: dict[str, str] = {}
        for m in models:
            kind = m.name if m.name in ("e5", "use") else getattr(m.embedder, "name", None)
            if kind not in ("e5", "use") or kind in out.values():
                return None
            out[m.name] = kind
        return out

    def _best_sentences(
        self, stores: Sequence[tuple[_Model, VectorStore]], qvecs: Mapping[str, Any], ids: list[int]
    ) -> dict[str, dict[int, tuple[float, int, int]]]:
        """Per model name: each candidate's best sentence (cosine, start, end), where the
        model has sentence vectors."""
        out: dict[str, dict[int, tuple[float, int, int]]] = {}
        for model, _store in stores:
            sstore = self._sentence_store(model)
            if sstore is not None and ids:
                out[model.name] = sstore.best_sentences(qvecs[model.name], ids)
        return out

    @staticmethod
    def _pick_sentences(
        sentences: Mapping[str, Mapping[int, tuple[float, int, int]]],
        kinds: Mapping[str, str] | None,
        names: Sequence[str],
    ) -> dict[int, tuple[int, int]]:
        """Each chunk's best sentence offsets from the strongest model that has them (e5,
        the better one alone on every task of bench/results/ranking.md, before USE)."""
        order = sorted(names, key=lambda n: 0 if (kinds or {}).get(n, n) == "e5" else 1)
        out: dict[int, tuple[int, int]] = {}
        for name in reversed(order):
            for cid, (_cos, a, b) in sentences.get(name, {}).items():
                out[cid] = (a, b)
        return out

    def _learned_ranking(
        self,
        query: str,
        raw: Mapping[int, RawHit],
        signals: Mapping[str, Mapping[int, float]],
        sentences: Mapping[str, Mapping[int, tuple[float, int, int]]],
        kinds: Mapping[str, str],
        coverage: float,
        names: _contiguity.QueryNames | None,
    ) -> list[tuple[int, float]]:
        """The candidates ranked by :mod:`search_index._ranker` (best first, ties by id)."""
        ids = list(raw)
        nan = float("nan")
        bm25 = signals.get("bm25", {})
        sig: dict[str, np.ndarray] = {
            "bm25": np.array([bm25.get(c, nan) for c in ids], dtype=np.float64),
            "title": np.array([_ranker.title_match(query, raw[c].document_name) for c in ids]),
        }
        if names is not None:
            sig["contiguity"] = np.array(
                [names.weight * _contiguity.contiguity(names.runs, raw[c].text) for c in ids]
            )
        for name, kind in kinds.items():
            cos = signals.get(name, {})
            sig[f"{kind}_passage"] = np.array([cos.get(c, nan) for c in ids], dtype=np.float64)
            best = sentences.get(name, {})
            sig[f"{kind}_sentence"] = np.array(
                [best[c][0] if c in best else nan for c in ids], dtype=np.float64
            )
        scores = _ranker.score(_ranker.features(sig, coverage, len(ids)))
        return sorted(
            ((c, float(v)) for c, v in zip(ids, scores, strict=True)),
            key=lambda kv: (-kv[1], kv[0]),
        )

    def _parse(self, searcher: Any, query: str) -> Any:
        """``query`` as a whoosh query within the limits, very common terms pruned."""
        q = _query.parse_query(query, searcher.schema)
        _query.check_phrases(q)
        _query.check_expansions(q, searcher.reader())
        return _query.prune_common_terms(q, searcher)

    def _apply_feedback(
        self, ranked: list[tuple[int, float]], feedback: Feedback
    ) -> list[tuple[int, float]]:
        """Steps 3 and 4 of :meth:`search`'s feedback: Rocchio on vectors, then order."""
        accepted, rejected = set(feedback.accepted), set(feedback.rejected)
        scores = dict(ranked)
        if accepted or rejected:
            candidates = [cid for cid, _ in ranked if cid not in accepted and cid not in rejected]
            # normalized per query: raw cosines differ by a few hundredths only
            toward = minmax_normalize(self.similarity(list(feedback.accepted), candidates))
            away = minmax_normalize(self.similarity(list(feedback.rejected), candidates))
            for cid in candidates:
                scores[cid] += FEEDBACK_WEIGHT * (toward.get(cid, 0.0) - away.get(cid, 0.0))
        ordered = sorted(
            (cid for cid, _ in ranked if cid not in rejected),
            key=lambda cid: (cid not in accepted, -scores[cid]),
        )
        return [(cid, scores[cid]) for cid in ordered]

    def keyword_coverage(self, query: str, bm25: Mapping[int, float]) -> float:
        """How much of ``query`` its best keyword match holds (top BM25 score / ceiling),
        in [0, 1]. Raises :class:`QueryRejected` as :meth:`search` does."""
        _query.check_length(query)
        searcher = self._searcher()
        return _keyword_coverage(searcher, self._parse(searcher, query), bm25)

    def highlight(self, query: str, hits: Sequence[Hit]) -> list[Hit]:
        """``hits`` (e.g. searched with ``highlight=False``) with snippets marking ``query``'s
        terms: rank many candidates, highlight only those shown. Raises
        :class:`QueryRejected` as :meth:`search` does."""
        if not hits:
            return []
        _query.check_length(query)
        searcher = self._searcher()
        q = self._parse(searcher, query)
        raw = _whoosh.hits_for_chunks(searcher, [h.chunk_id for h in hits])
        docs = [(raw[h.chunk_id].docnum, h.text) for h in hits if h.chunk_id in raw]
        spans = _highlight.match_spans(searcher, _highlight.highlight_terms(q, searcher), docs)
        return [
            replace(
                h,
                snippet=_highlight.make_snippet(
                    h.text, spans.get(raw[h.chunk_id].docnum, []), focus=h.best_sentence
                ),
            )
            if h.chunk_id in raw
            else h
            for h in hits
        ]

    def _vector_candidates(
        self, searcher: Any, store: VectorStore, qvec: Any, filters: dict[str, Any], k: int
    ) -> tuple[dict[int, float], dict[int, RawHit]]:
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
        raw = _whoosh.hits_for_chunks(searcher, [cid for cid, _ in found])
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
