"""The hybrid ranking's learned fusion: a linear (softmax/logistic) ranker over per-candidate
features, its weights a small JSON file (``ranker.json`` beside this module; no pickle).

Per query, over the candidates (BM25's top hits and each vector store's nearest passages):

==================  ==========================================================================
feature             value, per candidate
==================  ==========================================================================
bm25                BM25 min-max normalised over BM25's hits (0 when not a hit)
bm25_coverage       ``bm25`` x the query's keyword coverage (top BM25 / the query's ceiling)
contiguity          the exact-name signal: :func:`search_index._contiguity.contiguity` x the
                    query's name weight (:func:`~search_index._contiguity.query_names`)
title               share of the query's content words found in the document name (title)
e5_passage          e5 cosine of the passage, min-max normalised over the candidates
e5_sentence         e5 cosine of the passage's best sentence, min-max normalised
use_passage         USE cosine of the passage, min-max normalised
use_sentence        USE cosine of the best sentence, min-max normalised
<vector>_low_kw     each of the four above x (1 - keyword coverage): meaning leads when the
                    query's words are not in the passages (paraphrases, other languages)
e5_sentence_gap     raw e5 best-sentence cosine minus the best candidate's (<= 0)
use_sentence_gap    the same for USE
==================  ==========================================================================

A model without vectors (or a store without sentence vectors, before ``reembed``) gives
its features from what is there: a missing sentence score falls back to the passage's,
a missing model's features are 0. The score is ``weights . features``; the weights were
fitted by ``python -m bench.bench_ranking --ship`` on the tuning half of the ranking
benchmark (softmax cross-entropy of the gold passage among the candidates, each task
weighing the same, L2 penalty); held-out figures in bench/results/ranking.md.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from ._korean import fold_width, morphemes

FEATURES = (
    "bm25",
    "bm25_coverage",
    "contiguity",
    "title",
    "e5_passage",
    "e5_sentence",
    "use_passage",
    "use_sentence",
    "e5_passage_low_kw",
    "e5_sentence_low_kw",
    "use_passage_low_kw",
    "use_sentence_low_kw",
    "e5_sentence_gap",
    "use_sentence_gap",
)
VECTOR_SIGNALS = ("e5_passage", "e5_sentence", "use_passage", "use_sentence")
WEIGHTS_FILE = Path(__file__).with_name("ranker.json")
# A name query's exact passages pass partial ones (see score()); 3 suffices for names of up
# to four nouns, 4 leaves room.
NAME_BONUS = 4.0

__all__ = [
    "FEATURES",
    "NAME_BONUS",
    "WEIGHTS_FILE",
    "features",
    "load_weights",
    "score",
    "title_match",
    "title_terms",
]

_weights: dict[Path, np.ndarray] = {}
_lock = threading.Lock()


def _minmax(values: np.ndarray) -> np.ndarray:
    """[0, 1] over the finite entries; NaN -> 0; all equal -> 1."""
    out = np.zeros(len(values), dtype=np.float64)
    ok = np.isfinite(values)
    if not ok.any():
        return out
    lo, hi = float(values[ok].min()), float(values[ok].max())
    out[ok] = 1.0 if hi <= lo else (values[ok] - lo) / (hi - lo)
    return out


def features(
    signals: Mapping[str, np.ndarray], coverage: float, n: int | None = None
) -> np.ndarray:
    """float64 [candidates, len(FEATURES)] from one query's raw per-candidate signals.

    ``signals`` maps ``bm25`` (raw BM25, NaN where not a BM25 hit), ``contiguity`` and
    ``title`` (in [0, 1]) and each of :data:`VECTOR_SIGNALS` (cosines, NaN where
    unknown) to arrays of the candidates' length ``n``; a missing entry counts as all NaN
    (0). ``coverage`` is the query's keyword coverage in [0, 1].
    """
    if n is None:
        n = len(next(iter(signals.values())))
    nan = np.full(n, np.nan)

    def get(name: str) -> np.ndarray:
        v = signals.get(name)
        return nan if v is None else np.asarray(v, dtype=np.float64)

    cov = float(min(1.0, max(0.0, coverage)))
    raw = {name: get(name) for name in VECTOR_SIGNALS}
    for model in ("e5", "use"):  # no sentence vectors yet: the passage's cosine stands in
        sent, passage = raw[f"{model}_sentence"], raw[f"{model}_passage"]
        raw[f"{model}_sentence"] = np.where(np.isfinite(sent), sent, passage)
    bm25 = get("bm25")
    bm25n = _minmax(bm25) if np.isfinite(bm25).any() else np.zeros(n)
    out = np.zeros((n, len(FEATURES)), dtype=np.float64)
    out[:, 0] = bm25n
    out[:, 1] = bm25n * cov
    out[:, 2] = np.nan_to_num(get("contiguity"))
    out[:, 3] = np.nan_to_num(get("title"))
    for j, name in enumerate(VECTOR_SIGNALS):
        norm = _minmax(raw[name])
        out[:, 4 + j] = norm
        out[:, 8 + j] = norm * (1.0 - cov)
    for j, name in enumerate(("e5_sentence", "use_sentence")):
        v = raw[name]
        if np.isfinite(v).any():
            out[:, 12 + j] = np.where(np.isfinite(v), v - np.nanmax(v), -1.0)
    return out


def load_weights(path: Path | None = None) -> np.ndarray:
    """The weights of :data:`FEATURES` (float64 [len(FEATURES)]) from ``path`` (default
    :data:`WEIGHTS_FILE`: ``{"features": [...], "weights": {...}}``), read once."""
    path = Path(path) if path is not None else WEIGHTS_FILE
    with _lock:
        cached = _weights.get(path)
        if cached is None:
            data = json.loads(path.read_text(encoding="utf-8"))
            w = data["weights"]
            unknown = set(w) - set(FEATURES)
            if unknown:
                raise ValueError(f"{path}: unknown ranker features {sorted(unknown)}")
            cached = np.array([float(w.get(f, 0.0)) for f in FEATURES])
            _weights[path] = cached
    return cached


def score(feats: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """float64 [candidates]: ``feats @ weights`` (default: the shipped weights), then the
    exact-name rule: each candidate gains ``NAME_BONUS x contiguity x`` the spread of the
    scores, so for a query that is a name (contiguity feature = share of the name's noun
    pairs held in one piece, x the name weight 1) a passage holding the name whole passes
    every passage holding at most two thirds of its pairs together, whatever the vectors
    say (issue 13 item 8); ordinary questions have name weight ~0 and move by nothing
    measurable (bench/results/ranking.md)."""
    s = feats @ (load_weights() if weights is None else weights)
    contig = feats[:, FEATURES.index("contiguity")]
    if len(s) and contig.any():
        spread = float(s.max() - s.min()) or 1.0
        s = s + NAME_BONUS * spread * contig
    return s


def title_terms(query: str) -> frozenset[str]:
    """The content words of ``query`` that :func:`title_match` looks for (morphemes of two or
    more characters, lower-cased)."""
    return frozenset(t.lower() for t, _a, _b in morphemes(query) if len(t) > 1)


def title_match(query: str | frozenset[str], title: str) -> float:
    """Share, in [0, 1], of ``query``'s content words (:func:`title_terms`, or those terms
    given) found in ``title`` (a document name); 0 for an empty title or a query without
    content words."""
    terms = title_terms(query) if isinstance(query, str) else query
    if not title or not terms:
        return 0.0
    folded = fold_width(title).lower()
    return sum(1 for t in terms if t in folded) / len(terms)
