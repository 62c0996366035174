"""Fusion of BM25 and vector scores into one ranking.

``alpha`` is the weight of the vector side (0 = BM25 only, 1 = vectors only), as
in most hybrid search engines.
"""

from __future__ import annotations

from collections.abc import Mapping

RRF_K = 60
METHODS = ("minmax", "rrf")

__all__ = ["METHODS", "RRF_K", "fuse", "fuse_signals", "minmax_normalize"]


def minmax_normalize(scores: Mapping[int, float]) -> dict[int, float]:
    """Scale one query's scores to [0, 1]; equal scores all become 1."""
    if not scores:
        return {}
    lo, hi = min(scores.values()), max(scores.values())
    if hi <= lo:
        return {k: 1.0 for k in scores}
    span = hi - lo
    return {k: (v - lo) / span for k, v in scores.items()}


def _ranks(scores: Mapping[int, float]) -> dict[int, int]:
    ordered = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
    return {k: i + 1 for i, (k, _v) in enumerate(ordered)}


def fuse(
    bm25: Mapping[int, float],
    vector: Mapping[int, float],
    *,
    method: str = "minmax",
    alpha: float = 0.5,
    k: int = RRF_K,
) -> list[tuple[int, float]]:
    """(chunk_id, fused score), best first; ties broken by chunk id.

    minmax: ``(1-alpha) * norm(bm25) + alpha * norm(vector)``, a chunk missing
    from one list counts 0 there. rrf: ``sum w / (k + rank)`` with weights
    ``2(1-alpha)`` and ``2 alpha`` (plain RRF at alpha 0.5).
    """
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must be within [0, 1], not {alpha}")
    return fuse_signals(
        {"bm25": bm25, "vector": vector},
        {"bm25": 1.0 - alpha, "vector": alpha},
        method=method,
        k=k,
    )


def fuse_signals(
    signals: Mapping[str, Mapping[int, float]],
    weights: Mapping[str, float],
    *,
    method: str = "minmax",
    k: int = RRF_K,
) -> list[tuple[int, float]]:
    """Any number of named score lists fused with the named weights, best first.

    minmax: ``sum w * norm(scores)``, a chunk missing from a list counts 0 there;
    rrf: ``sum 2w / (k + rank)``. A signal without a weight counts 0.
    """
    if any(w < 0 for w in weights.values()):
        raise ValueError("fusion weights must not be negative")
    ids: set[int] = set().union(*signals.values()) if signals else set()
    fused = dict.fromkeys(ids, 0.0)
    if method == "minmax":
        for name, scores in signals.items():
            w = weights.get(name, 0.0)
            for cid, v in minmax_normalize(scores).items():
                fused[cid] += w * v
    elif method == "rrf":
        for name, scores in signals.items():
            w = 2.0 * weights.get(name, 0.0)
            for cid, r in _ranks(scores).items():
                fused[cid] += w / (k + r)
    else:
        raise ValueError(f"unknown fusion method {method!r}; use one of {METHODS}")
    return sorted(fused.items(), key=lambda kv: (-kv[1], kv[0]))
