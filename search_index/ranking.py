"""Fusion of BM25 and vector scores into one ranking.

``alpha`` is the weight of the vector side (0 = BM25 only, 1 = vectors only), as
in most hybrid search engines.
"""

from __future__ import annotations

from collections.abc import Mapping

RRF_K = 60
METHODS = ("minmax", "rrf")

__all__ = ["METHODS", "RRF_K", "fuse", "minmax_normalize"]


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
    ids = set(bm25) | set(vector)
    fused: dict[int, float] = {}
    if method == "minmax":
        nb, nv = minmax_normalize(bm25), minmax_normalize(vector)
        for cid in ids:
            fused[cid] = (1.0 - alpha) * nb.get(cid, 0.0) + alpha * nv.get(cid, 0.0)
    elif method == "rrf":
        rb, rv = _ranks(bm25), _ranks(vector)
        wb, wv = 2.0 * (1.0 - alpha), 2.0 * alpha
        for cid in ids:
            s = 0.0
            if cid in rb:
                s += wb / (k + rb[cid])
            if cid in rv:
                s += wv / (k + rv[cid])
            fused[cid] = s
    else:
        raise ValueError(f"unknown fusion method {method!r}; use one of {METHODS}")
    return sorted(fused.items(), key=lambda kv: (-kv[1], kv[0]))
