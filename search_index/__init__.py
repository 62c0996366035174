"""Evidence search: the public API of the full-text index, vectors and hybrid ranking.

The app talks to :class:`SearchIndex` and these names only, so that a larger deployment
can put another engine (OpenSearch with nori and k-NN, PostgreSQL with pgvector) behind
the same methods. Importing this package loads no model (torch stays unimported).

A hit of a ``vector``/``hybrid`` search carries ``Hit.best_sentence``: the (start, end)
offsets into ``Hit.text`` of the sentence closest in meaning to the query (from the
sentence vectors every embedded passage gets; :func:`sentence_spans` splits a text the
same way), which its snippet shows first. :meth:`SearchIndex.stored_sentences` reads those
sentence vectors back (spans and float32 vectors per chunk, no model call), and
:meth:`SearchIndex.query_vector` gives the query vector search used, so a caller that
ranks sentences after a search encodes nothing again.
"""

from __future__ import annotations

from ._query import MAX_QUERY_CHARS, QueryRejected
from ._sentences import sentence_spans
from .embeddings import Embedder, EmbeddingModelError, confidence_for, load_embedder
from .index import (
    FUSIONS,
    MODES,
    ChunkRecord,
    Feedback,
    Hit,
    SearchIndex,
    StoredSentences,
    content_terms,
)
from .ranking import fuse, fuse_signals, minmax_normalize

__all__ = [
    "FUSIONS",
    "MAX_QUERY_CHARS",
    "MODES",
    "ChunkRecord",
    "Embedder",
    "EmbeddingModelError",
    "Feedback",
    "Hit",
    "QueryRejected",
    "SearchIndex",
    "StoredSentences",
    "confidence_for",
    "content_terms",
    "fuse",
    "fuse_signals",
    "load_embedder",
    "minmax_normalize",
    "sentence_spans",
]
