"""Fusion of BM25 and vector scores."""

from __future__ import annotations

import pytest

from search_index.ranking import fuse, minmax_normalize


def test_minmax_normalize() -> None:
    assert minmax_normalize({1: 2.0, 2: 4.0, 3: 3.0}) == {1: 0.0, 2: 1.0, 3: 0.5}
    assert minmax_normalize({1: 5.0, 2: 5.0}) == {1: 1.0, 2: 1.0}
    assert minmax_normalize({}) == {}


def test_minmax_fusion_mixes_normalized_scores() -> None:
    bm25 = {1: 10.0, 2: 5.0, 3: 0.0}
    vector = {2: 0.9, 3: 0.8, 4: 0.7}
    fused = dict(fuse(bm25, vector, method="minmax", alpha=0.5))
    assert fused[1] == pytest.approx(0.5)  # best BM25, no vector score
    assert fused[2] == pytest.approx(0.5 * 0.5 + 0.5 * 1.0)
    assert fused[4] == pytest.approx(0.0)
    assert fuse(bm25, vector)[0][0] == 2


def test_alpha_selects_a_side() -> None:
    bm25 = {1: 3.0, 2: 1.0}
    vector = {1: 0.1, 2: 0.9}
    assert fuse(bm25, vector, alpha=0.0)[0][0] == 1
    assert fuse(bm25, vector, alpha=1.0)[0][0] == 2
    with pytest.raises(ValueError):
        fuse(bm25, vector, alpha=1.5)


def test_rrf_uses_ranks_with_k_60() -> None:
    bm25 = {1: 100.0, 2: 1.0}
    vector = {2: 0.5, 3: 0.4}
    fused = dict(fuse(bm25, vector, method="rrf"))
    assert fused[2] == pytest.approx(1 / 62 + 1 / 61)
    assert fused[1] == pytest.approx(1 / 61)
    assert fused[3] == pytest.approx(1 / 62)
    assert fuse(bm25, vector, method="rrf")[0][0] == 2


def test_ties_are_broken_by_chunk_id_and_empty_inputs_work() -> None:
    assert fuse({5: 1.0, 3: 1.0}, {}) == [(3, 0.5), (5, 0.5)]
    assert fuse({}, {}) == []
    with pytest.raises(ValueError):
        fuse({1: 1.0}, {}, method="borda")
