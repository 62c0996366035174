"""Feedback in one search call: the same ranking as the app's former two-step computation
(search, then Rocchio and ordering around it, then highlighting), on a real index."""

from __future__ import annotations

import json
import zlib
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from search_index import (
    ChunkRecord,
    Feedback,
    Hit,
    SearchIndex,
    confidence_for,
    content_terms,
    minmax_normalize,
)

KORQUAD = Path(__file__).resolve().parents[3] / "shared" / "benchmarks" / "korquad-v1.0-dev.json"
if not KORQUAD.exists():
    KORQUAD = Path("/work/shared/benchmarks/korquad-v1.0-dev.json")
CANDIDATES, SHOWN = 40, 10


class HashingEmbedderDouble:
    """Test double for the real model (tested in test_embeddings): hashed character
    bigrams, L2-normalized, deterministic, so that feedback has vectors to move by."""

    dim = 64

    def _encode(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, t in enumerate(texts):
            t = t.replace(" ", "")
            for a, b in zip(t, t[1:], strict=False):
                out[i, zlib.crc32((a + b).encode()) % self.dim] += 1.0
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)

    def encode_documents(self, texts: list[str]) -> np.ndarray:
        return self._encode(list(texts))

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode(list(texts))


@pytest.fixture(scope="module")
def paragraphs() -> list[dict]:
    data = json.loads(KORQUAD.read_text(encoding="utf-8"))
    return [p for a in data["data"] for p in a["paragraphs"]][:150]


@pytest.fixture(scope="module")
def corpus(paragraphs: list[dict]) -> list[ChunkRecord]:
    return [
        ChunkRecord(i + 1, 1 + i // 5, 1 + i % 2, 1, 1, "evidence", f"d{i // 5}", 1 + i % 7, p)
        for i, p in enumerate(p["context"] for p in paragraphs)
    ]


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory, corpus: list[ChunkRecord]) -> SearchIndex:
    idx = SearchIndex(
        tmp_path_factory.mktemp("fb"),
        embedders={"e5": HashingEmbedderDouble},
        weights={"bm25": 0.5, "e5": 0.5},
    )
    for i in range(0, len(corpus), 50):  # several segments
        idx.add_chunks(corpus[i : i + 50])
    idx.embed_chunks(corpus)
    return idx


def two_step(
    index: SearchIndex,
    texts: dict[int, str],
    keywords: str,
    vector_query: str,
    accepted: list[int],
    rejected: list[int],
    mode: str,
) -> list[tuple[int, float, str]]:
    """reviewapp.services.suggestions.rank() before feedback moved into the index."""
    decisions = {**dict.fromkeys(accepted, "accepted"), **dict.fromkeys(rejected, "rejected")}
    if accepted:
        counts: Counter[str] = Counter()
        for text in [texts[c] for c in accepted if c in texts]:
            counts.update(list(dict.fromkeys(content_terms(text))))
        extra = [t for t, _ in counts.most_common() if t not in keywords][:6]
        keywords = " ".join([keywords, *extra])
    hits = index.search(
        keywords,
        vector_query=vector_query,
        submission_ids=[1],
        limit=CANDIDATES + len(decisions),
        mode=mode,
        highlight=False,
        keyword_coverage=False,
    )
    scores = {h.chunk_id: h.score for h in hits}
    if accepted or rejected:
        candidates = [h.chunk_id for h in hits if h.chunk_id not in decisions]
        toward = minmax_normalize(index.similarity(accepted, candidates))
        away = minmax_normalize(index.similarity(rejected, candidates))
        for cid in candidates:
            scores[cid] += 0.35 * (toward.get(cid, 0.0) - away.get(cid, 0.0))
    ordered = sorted(
        (h for h in hits if decisions.get(h.chunk_id) != "rejected"),
        key=lambda h: (decisions.get(h.chunk_id) != "accepted", -scores[h.chunk_id]),
    )
    shown = index.highlight(keywords, ordered[:SHOWN])
    return [(h.chunk_id, scores[h.chunk_id], h.snippet) for h in shown]


def one_call(
    index: SearchIndex,
    keywords: str,
    vector_query: str,
    accepted: list[int],
    rejected: list[int],
    mode: str,
) -> list[Hit]:
    return index.search(
        keywords,
        vector_query=vector_query,
        submission_ids=[1],
        limit=CANDIDATES + len(accepted) + len(rejected),
        mode=mode,
        keyword_coverage=False,
        feedback=Feedback(accepted, rejected),
        highlight_top=SHOWN,
    )


@pytest.mark.parametrize("mode", ["bm25", "hybrid"])
def test_one_call_ranks_as_the_two_steps_did(
    index: SearchIndex, corpus: list[ChunkRecord], paragraphs: list[dict], mode: str
) -> None:
    texts = {c.chunk_id: c.text for c in corpus}
    mine = [c.chunk_id for c in corpus if c.submission_id == 1]
    compared = moved = 0
    for k in range(0, 40, 3):
        question = paragraphs[2 * k]["qas"][0]["question"]
        meaning = paragraphs[2 * k]["context"][:80]
        for accepted, rejected in (
            ([], []),
            (mine[k : k + 2], []),
            ([], mine[k + 5 : k + 7]),
            (mine[k : k + 2], mine[k + 5 : k + 7]),
            ([mine[k + 30]], [mine[k + 1]]),  # decided passages outside the candidates
        ):
            old = two_step(index, texts, question, meaning, accepted, rejected, mode)
            new = one_call(index, question, meaning, accepted, rejected, mode)[:SHOWN]
            assert [(h.chunk_id, h.score, h.snippet) for h in new] == old, (question, mode)
            compared += 1
            plain = one_call(index, question, meaning, [], [], mode)[:SHOWN]
            moved += [h.chunk_id for h in plain] != [h.chunk_id for h in new]
    assert compared == 70
    assert moved > 20  # the decisions do change the rankings compared


def test_decided_passages_and_highlights(index: SearchIndex, corpus: list[ChunkRecord]) -> None:
    query = "대한민국 임시정부 역사"
    plain = one_call(index, query, query, [], [], "hybrid")
    accepted, rejected = [plain[5].chunk_id, plain[2].chunk_id], [plain[0].chunk_id]
    hits = one_call(index, query, query, accepted, rejected, "hybrid")
    got = [h.chunk_id for h in hits]
    assert got[:2] == sorted(
        accepted, key=lambda c: -next(h.score for h in hits if h.chunk_id == c)
    )
    assert rejected[0] not in got
    only_rejected = one_call(index, query, query, [], rejected, "hybrid")
    wider = index.search(
        query, submission_ids=[1], limit=len(plain) + 1, mode="hybrid", keyword_coverage=False
    )
    # without accepted passages the query stays as it is: only the rejected one is left out
    assert {h.chunk_id for h in only_rejected} == {h.chunk_id for h in wider} - set(rejected)
    assert all("<mark>" in h.snippet for h in hits[:2])
    assert not any("<mark>" in h.snippet for h in hits[SHOWN:])
    assert {confidence_for(h) for h in hits} <= {"high", "medium", "low"}
    # undecided passages move away from the rejected one (the query unchanged without
    # accepted passages), by at most FEEDBACK_WEIGHT
    before = {h.chunk_id: h.score for h in wider}
    shifts = [h.score - before[h.chunk_id] for h in only_rejected]
    eps = 1e-9  # the learned ranker's scores are larger: a last bit of rounding at -0.35
    assert any(shifts) and all(-0.35 - eps <= d <= eps for d in shifts), sorted(shifts)


def test_feedback_contract(index: SearchIndex) -> None:
    with pytest.raises(ValueError, match="both accepted and rejected"):
        Feedback([1, 2], [2])
    assert Feedback([3, 1]).accepted == (3, 1)
    # no decisions: the same hits as a plain search
    plain = index.search("헤이그 퇴역", mode="hybrid", submission_ids=[1])
    same = index.search("헤이그 퇴역", mode="hybrid", submission_ids=[1], feedback=Feedback())
    assert same == plain
    # highlight_top=0 highlights nothing; highlight=False wins over highlight_top
    none = index.search("헤이그", submission_ids=[1], highlight_top=0)
    assert none and not any("<mark>" in h.snippet for h in none)
    off = index.search("헤이그", submission_ids=[1], highlight=False, highlight_top=5)
    assert not any("<mark>" in h.snippet for h in off)


@pytest.mark.parametrize(
    ("vectors", "bm25", "expected"),
    [
        ({"e5": 0.90}, 1.0, "high"),
        ({"e5": 0.90}, None, "medium"),
        ({"e5": 0.88}, 1.0, "medium"),
        ({"e5": 0.86}, 1.0, "low"),
        ({"use": 0.53, "e5": 0.80}, 1.0, "low"),  # the best model present decides
        ({"use": 0.53}, 2.0, "high"),
        ({"use": 0.46}, 0.0, "medium"),
        ({}, 1.5, "medium"),
        ({}, None, "low"),
        ({"other": 0.99}, 0.0, "low"),
    ],
)
def test_confidence_for(vectors: dict[str, float], bm25: float | None, expected: str) -> None:
    hit = Hit(1, 1, "d", 1, 0.5, "", "", bm25, vectors)
    assert confidence_for(hit) == expected
