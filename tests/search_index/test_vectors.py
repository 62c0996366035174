"""The memory-mapped vector store: add, search, filters, deletes, persistence, concurrency."""

from __future__ import annotations

import multiprocessing as mp
import threading
from pathlib import Path

import numpy as np
import pytest

from search_index.vectors import VectorStore, VectorStoreError

DIM = 16


def unit(rng: np.random.Generator, n: int, dim: int = DIM) -> np.ndarray:
    v = rng.standard_normal((n, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def brute_force(ids: np.ndarray, vecs: np.ndarray, q: np.ndarray, k: int) -> list[int]:
    scores = vecs @ (q / np.linalg.norm(q))
    order = np.lexsort((ids, -scores))[:k]
    return [int(ids[i]) for i in order]


@pytest.fixture()
def store(tmp_path: Path) -> VectorStore:
    return VectorStore(tmp_path / "vectors", DIM)


def test_empty_store(store: VectorStore) -> None:
    assert store.count() == 0
    assert store.search(np.ones(DIM), 5) == []
    assert store.scores_for(np.ones(DIM), [1, 2]) == {}


def test_add_and_search_matches_brute_force(store: VectorStore) -> None:
    rng = np.random.default_rng(0)
    ids = np.arange(100, 400, dtype=np.int64)
    vecs = unit(rng, len(ids))
    store.add(ids[:150], vecs[:150], document_ids=ids[:150] // 10, submission_ids=1)
    store.add(ids[150:], vecs[150:], document_ids=ids[150:] // 10, submission_ids=2)
    assert store.count() == 300
    q = rng.standard_normal(DIM).astype(np.float32)
    hits = store.search(q, 10)
    assert [c for c, _ in hits] == brute_force(ids, vecs, q, 10)
    scores = [s for _, s in hits]
    assert scores == sorted(scores, reverse=True)
    assert all(-1.0 - 1e-5 <= s <= 1.0 + 1e-5 for s in scores)
    # a stored vector is its own nearest neighbour with cosine 1
    top_id, top_score = store.search(vecs[7] * 3.0, 1)[0]
    assert top_id == int(ids[7]) and top_score == pytest.approx(1.0, abs=1e-5)


def test_vectors_are_normalized_on_add(store: VectorStore) -> None:
    store.add(np.array([1]), np.full((1, DIM), 5.0), document_ids=[1], submission_ids=[1])
    assert store.get_vectors([1])[1] == pytest.approx(np.full(DIM, 0.25), abs=1e-6)


def test_filters(store: VectorStore) -> None:
    rng = np.random.default_rng(1)
    ids = np.arange(60, dtype=np.int64)
    vecs = unit(rng, 60)
    docs = ids // 10  # documents 0..5
    subs = np.where(docs < 3, 7, 8)
    store.add(ids, vecs, document_ids=docs, submission_ids=subs)
    q = rng.standard_normal(DIM)

    only_sub8 = store.search(q, 100, submission_ids=[8])
    assert {c for c, _ in only_sub8} == set(range(30, 60))
    assert [c for c, _ in only_sub8[:5]] == brute_force(ids[30:], vecs[30:], q, 5)

    only_docs = store.search(q, 100, document_ids=[1, 4])
    assert {c for c, _ in only_docs} == set(range(10, 20)) | set(range(40, 50))

    both = store.search(q, 100, submission_ids=[7], document_ids=[1, 4])
    assert {c for c, _ in both} == set(range(10, 20))

    chunks = store.search(q, 100, chunk_ids=[3, 33, 999])
    assert {c for c, _ in chunks} == {3, 33}
    assert store.search(q, 10, submission_ids=[]) == []

    scores = store.scores_for(q, [5, 6, 999])
    assert set(scores) == {5, 6}
    assert scores[5] == pytest.approx(float(vecs[5] @ (q / np.linalg.norm(q))), abs=1e-5)


def test_search_batch_equals_single_searches(store: VectorStore) -> None:
    rng = np.random.default_rng(2)
    ids = np.arange(500, dtype=np.int64)
    store.add(ids, unit(rng, 500), document_ids=ids // 50, submission_ids=1)
    qs = unit(rng, 6)
    batch = store.search_batch(qs, 7, submission_ids=[1])
    single = [store.search(q, 7, submission_ids=[1]) for q in qs]
    assert [[c for c, _ in hits] for hits in batch] == [[c for c, _ in hits] for hits in single]
    for b_hits, s_hits in zip(batch, single, strict=True):
        assert [s for _, s in b_hits] == pytest.approx([s for _, s in s_hits], abs=1e-5)


def test_delete_documents_and_chunks(store: VectorStore) -> None:
    rng = np.random.default_rng(3)
    ids = np.arange(40, dtype=np.int64)
    vecs = unit(rng, 40)
    store.add(ids, vecs, document_ids=ids // 10, submission_ids=1)
    assert store.delete_documents([1, 3]) == 20
    assert store.delete_documents([1]) == 0  # already gone
    assert store.count() == 20
    live = {c for c, _ in store.search(vecs[15], 100)}
    assert live == set(range(0, 10)) | set(range(20, 30))
    assert store.scores_for(vecs[15], [15]) == {}
    assert store.delete_chunks([0, 1]) == 2
    assert store.count() == 18
    assert set(store.chunk_ids().tolist()) == set(range(2, 10)) | set(range(20, 30))


def test_add_replaces_existing_chunk(store: VectorStore) -> None:
    rng = np.random.default_rng(4)
    a, b = unit(rng, 2)
    store.add(np.array([5]), a[None], document_ids=[1], submission_ids=[1])
    store.add(np.array([5, 5]), np.stack([a, b]), document_ids=[2, 2], submission_ids=[1, 1])
    assert store.count() == 1
    cid, score = store.search(b, 1)[0]
    assert cid == 5 and score == pytest.approx(1.0, abs=1e-5)
    # the replacement carries the new document id
    assert store.search(b, 5, document_ids=[1]) == []
    assert [c for c, _ in store.search(b, 5, document_ids=[2])] == [5]


def test_persistence_reopen_and_compact(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    directory = tmp_path / "v"
    s1 = VectorStore(directory, DIM, max_segments=4)
    ids = np.arange(200, dtype=np.int64)
    vecs = unit(rng, 200)
    for a in range(0, 200, 20):  # ten writes -> small segments get merged
        s1.add(
            ids[a : a + 20], vecs[a : a + 20], document_ids=ids[a : a + 20] // 20, submission_ids=1
        )
    assert s1.stats()["segments"] <= 4
    s1.delete_documents([0, 9])
    q = rng.standard_normal(DIM)
    before = s1.search(q, 15)

    s2 = VectorStore(directory, DIM)  # a second handle on the same files
    assert s2.count() == 160
    assert s2.search(q, 15) == before
    s2.compact()
    st = s2.stats()
    assert st["segments"] == 1 and st["stored"] == 160 and st["live"] == 160
    assert s1.search(q, 15) == before  # the first handle follows the new manifest
    files = {p.name for p in directory.iterdir()}
    assert sum(1 for f in files if f.endswith(".vec.npy")) == 1  # old segments removed
    assert not any(".del-" in f for f in files)


def test_clear_and_dimension_mismatch(tmp_path: Path) -> None:
    rng = np.random.default_rng(6)
    directory = tmp_path / "v"
    VectorStore(directory, DIM).add(
        np.arange(3), unit(rng, 3), document_ids=[1, 1, 1], submission_ids=1
    )
    other = VectorStore(directory, 8)
    with pytest.raises(VectorStoreError, match="16-dimensional"):
        other.count()
    with pytest.raises(VectorStoreError, match="shape"):
        VectorStore(directory, DIM).add(
            np.arange(2), unit(rng, 2, 8), document_ids=[1, 1], submission_ids=1
        )
    other.clear()
    assert other.count() == 0
    other.add(np.arange(2), unit(rng, 2, 8), document_ids=[1, 1], submission_ids=1)
    assert other.count() == 2


def test_concurrent_reader_sees_consistent_state(tmp_path: Path) -> None:
    """Readers during appends, deletes and compactions only see committed states.

    Every write adds a whole document of 10 chunks (or deletes one), so a reader
    must always find each document either complete or absent.
    """
    rng = np.random.default_rng(7)
    directory = tmp_path / "v"
    writer = VectorStore(directory, DIM, max_segments=3)
    reader = VectorStore(directory, DIM)
    errors: list[str] = []
    done = threading.Event()
    q = unit(rng, 1)[0]

    def read_loop() -> None:
        seen = 0
        while not done.is_set() or seen == 0:
            hits = reader.search(q, 10_000)
            docs: dict[int, int] = {}
            for cid, _ in hits:
                docs[cid // 10] = docs.get(cid // 10, 0) + 1
            bad = {d: n for d, n in docs.items() if n != 10}
            if bad:
                errors.append(f"partial documents {bad}")
                return
            if reader.count() % 10:
                errors.append("count not a multiple of 10")
                return
            seen += 1

    threads = [threading.Thread(target=read_loop) for _ in range(2)]
    for t in threads:
        t.start()
    for doc in range(40):
        ids = np.arange(doc * 10, doc * 10 + 10, dtype=np.int64)
        writer.add(ids, unit(rng, 10), document_ids=doc, submission_ids=1)
        if doc % 4 == 3:
            writer.delete_documents([doc - 2])
        if doc % 10 == 9:
            writer.compact()
    done.set()
    for t in threads:
        t.join(timeout=30)
    assert not errors, errors
    assert reader.count() == 300


def _write_docs(directory: str, start: int, n_docs: int) -> None:
    rng = np.random.default_rng(start)
    store = VectorStore(Path(directory), DIM, max_segments=4)
    for doc in range(start, start + n_docs):
        ids = np.arange(doc * 10, doc * 10 + 10, dtype=np.int64)
        store.add(ids, unit(rng, 10), document_ids=doc, submission_ids=1)


def test_two_writer_processes_serialise(tmp_path: Path) -> None:
    """The fcntl lock keeps writes from two processes from losing each other's segments."""
    directory = tmp_path / "v"
    ctx = mp.get_context("fork")
    procs = [ctx.Process(target=_write_docs, args=(str(directory), s, 15)) for s in (0, 100)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    store = VectorStore(directory, DIM)
    assert store.count() == 300
    assert set(store.chunk_ids().tolist()) == set(range(0, 150)) | set(range(1000, 1150))
