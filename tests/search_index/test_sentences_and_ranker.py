"""Sentence vectors, the learned hybrid ranker and exact names first in the default mode,
with the real bundled models (e5 rebuilt offline, USE) on a real index in tmp_path."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from search_index import EmbeddingModelError, SearchIndex, _e5_rebuild, _ranker, load_embedder
from search_index._highlight import make_snippet
from search_index._sentence_store import SentenceStore
from search_index._sentences import sentence_spans
from search_index.embeddings import check_model_dir
from search_index.vectors import VectorStoreError
from tests.search_index.test_fulltext import SMART, ids, record
from tests.search_index.test_width_and_names import NAMES

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def e5_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    shared = os.environ.get("REVIEWAPP_TEST_MODEL_DIR")
    bundled = ROOT / "models" / "multilingual-e5-small"
    if not shared:
        try:
            check_model_dir(bundled)
            return bundled
        except EmbeddingModelError:
            pass
    dest = Path(shared) if shared else tmp_path_factory.mktemp("models") / "multilingual-e5-small"
    return _e5_rebuild.build_e5_model(dest)


def real_index(directory: Path, e5_dir: Path) -> SearchIndex:
    return SearchIndex(
        directory,
        embedders={"use": lambda: load_embedder("use"), "e5": lambda: load_embedder("e5", e5_dir)},
    )


@pytest.fixture(scope="module")
def names_hybrid(tmp_path_factory: pytest.TempPathFactory, e5_dir: Path) -> SearchIndex:
    idx = real_index(tmp_path_factory.mktemp("names"), e5_dir)
    records = [record(i, t) for i, t in NAMES.items()]
    records += [record(100 + i, t) for i, t in enumerate(SMART)]
    idx.add_chunks(records)
    assert idx.embed_chunks(records) == len(records)
    return idx


# ---------------------------------------------------------------- sentences


def test_sentence_spans_are_offsets_of_whole_sentences() -> None:
    text = "  스마트도시 통합운영센터를 2021년에 열었다. 1. 시민 참여 리빙랩 과제는 11건이다. Energy use fell 12%."
    spans = sentence_spans(text)
    sents = [text[a:b] for a, b in spans]
    assert sents[0] == "스마트도시 통합운영센터를 2021년에 열었다."
    assert "리빙랩 과제는 11건이다." in sents[1]  # the list number "1." joins its sentence
    assert sents[-1] == "Energy use fell 12%."
    assert all(a < b for a, b in spans) and spans == sorted(spans)
    assert sentence_spans("   \n ") == [] and sentence_spans("") == []


def test_sentence_store_keeps_float16_rows_and_finds_each_chunks_best_sentence(
    tmp_path: Path,
) -> None:
    store = SentenceStore(tmp_path / "s", dim=3)
    vecs = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 0]], dtype=np.float32)
    store.add_sentences(
        [7, 7, 7, 8],
        vecs,
        [(0, 5), (6, 10), (11, 20), (0, 9)],
        document_ids=[1, 1, 1, 2],
        submission_ids=1,
    )
    assert np.load(next((tmp_path / "s").glob("seg-*.vec.npy"))).dtype == np.float16
    best = store.best_sentences(np.array([0, 1, 0.1]), [7, 8, 9])
    assert set(best) == {7, 8}
    assert best[7][1:] == (6, 10) and best[7][0] == pytest.approx(0.995, abs=1e-3)
    assert best[8][1:] == (0, 9)
    # storing a chunk again replaces all its sentences; a chunk without sentences loses them
    store.add_sentences(
        [7], np.array([[0, 0, 1]]), [(3, 4)], document_ids=1, submission_ids=1, replace=[8]
    )
    assert store.best_sentences(np.array([0, 1, 0]), [7, 8]) == {7: (0.0, 3, 4)}
    assert store.chunks_with_sentences([7, 8]) == {7}
    store.delete_documents([1])
    assert store.chunks_with_sentences([7]) == set()
    with pytest.raises(VectorStoreError):
        store.add([1], np.ones((1, 3)), document_ids=1, submission_ids=1)


# ---------------------------------------------------------------- ranker


def test_shipped_weights_name_known_features_and_are_not_a_placeholder() -> None:
    data = json.loads(_ranker.WEIGHTS_FILE.read_text(encoding="utf-8"))
    assert data["features"] == list(_ranker.FEATURES)
    assert set(data["weights"]) == set(_ranker.FEATURES)
    w = _ranker.load_weights()
    assert w.shape == (len(_ranker.FEATURES),) and np.isfinite(w).all()


def test_missing_sentence_vectors_fall_back_to_the_passage_cosine() -> None:
    nan = np.nan
    signals = {
        "bm25": np.array([3.0, nan, 1.0]),
        "e5_passage": np.array([0.8, 0.9, 0.7]),
        "e5_sentence": np.array([nan, nan, nan]),
    }
    f = _ranker.features(signals, coverage=0.5)
    col = _ranker.FEATURES.index
    assert f[:, col("e5_sentence")].tolist() == f[:, col("e5_passage")].tolist()
    assert f[:, col("bm25")].tolist() == [1.0, 0.0, 0.0]
    assert f[:, col("bm25_coverage")].tolist() == [0.5, 0.0, 0.0]
    assert f[:, col("use_passage")].tolist() == [0.0, 0.0, 0.0]  # no USE vectors: 0


def test_a_whole_name_outranks_any_partial_one_whatever_the_other_scores() -> None:
    feats = np.zeros((3, len(_ranker.FEATURES)))
    feats[:, _ranker.FEATURES.index("e5_passage")] = [0.0, 1.0, 1.0]  # the name's passage is last
    feats[:, _ranker.FEATURES.index("contiguity")] = [1.0, 2 / 3, 0.0]
    w = np.zeros(len(_ranker.FEATURES))
    w[_ranker.FEATURES.index("e5_passage")] = 5.0
    assert np.argsort(-_ranker.score(feats, w)).tolist() == [0, 1, 2]


def test_snippet_marks_the_best_sentence_and_nests_marks_inside_it() -> None:
    text = "첫 문장이다. 재난안전통신망을 2023년에 구축했다. 마지막 문장이다."
    a = text.index("재난")
    b = text.index("했다.") + 3
    html = make_snippet(text, [(a, a + 7), (0, 1)], focus=(a, b))
    assert (
        '<span class="best-sentence"><mark>재난안전통신망</mark>을 2023년에 구축했다.</span>'
        in html
    )
    assert html.count("<mark>") == html.count("</mark>") == 2
    # no term matched (a hit found by meaning): the snippet opens at the sentence
    long = "앞 문단의 긴 설명이다. " * 30 + text
    off = long.index("재난")
    assert make_snippet(long, [], focus=(off, off + b - a)).startswith(
        '…<span class="best-sentence">재난안전통신망을'
    )
    assert "best-sentence" not in make_snippet(text, [(a, a + 7)])


# ---------------------------------------------------------------- with the real models


@pytest.mark.parametrize("query", ["재난 안전 통신 망", "재난안전통신망", "재난안전 통신망"])
def test_default_hybrid_puts_the_whole_name_before_its_parts(
    names_hybrid: SearchIndex, query: str
) -> None:
    assert names_hybrid.fusion == "learned"
    found = ids(names_hybrid.search(query, mode="hybrid", submission_ids=[1]))
    assert set(found[:2]) == {1, 6}, found
    assert {2, 3, 5} <= set(found[2:]), found


def test_hits_carry_the_best_sentence_and_the_snippet_shows_it(
    tmp_path: Path, e5_dir: Path
) -> None:
    idx = real_index(tmp_path, e5_dir)
    text = (
        "한빛시는 2022년에 스마트도시 계획을 수립하였다. "
        "시민 참여 리빙랩 과제는 총 11건이 추진되었다. "
        "교통 신호 제어 시스템은 2024년에 교체될 예정이다."
    )
    records = [record(1, text), *(record(100 + i, t) for i, t in enumerate(SMART))]
    idx.add_chunks(records)
    idx.embed_chunks(records)
    (hit,) = [h for h in idx.search("리빙랩 과제는 몇 건인가", mode="hybrid") if h.chunk_id == 1]
    assert hit.best_sentence is not None
    a, b = hit.best_sentence
    assert text[a:b] == "시민 참여 리빙랩 과제는 총 11건이 추진되었다."
    shown = hit.snippet.split('<span class="best-sentence">')[1].split("</span>")[0]
    assert shown.replace("<mark>", "").replace("</mark>", "") == text[a:b]
    assert "<mark>리빙랩</mark>" in shown
    assert all(h.best_sentence is None for h in idx.search("리빙랩", mode="bm25"))


def test_an_index_without_sentence_vectors_searches_and_gets_them_on_reembed(
    tmp_path: Path, e5_dir: Path
) -> None:
    idx = real_index(tmp_path, e5_dir)
    records = [record(i, t) for i, t in NAMES.items()]
    idx.add_chunks(records)
    idx.embed_chunks(records)
    ids_ = [r.chunk_id for r in records]
    assert idx.has_vectors(ids_, "e5")
    for name in ("e5", "use"):  # as an index built before sentence vectors existed
        idx._sentence_store(idx._models[name]).clear()
    assert not idx.has_vectors(ids_, "e5") and idx.missing_sentences(ids_, "use") == ids_
    before = idx.search("재난안전통신망", mode="hybrid")
    assert set(ids(before)[:2]) == {1, 6} and all(h.best_sentence is None for h in before)
    idx.embed_chunks(records)  # what reviewapp reembed does
    assert idx.has_vectors(ids_, "e5") and idx.has_vectors(ids_, "use")
    assert all(h.best_sentence is not None for h in idx.search("재난안전통신망", mode="hybrid"))


class CountingEmbedder:
    """The real embedder, counting the texts it encodes (a wrapper, not a fake model)."""

    def __init__(self, inner: object) -> None:
        self.inner = inner
        self.documents = 0
        self.queries = 0

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)

    def encode_documents(self, texts: list[str], **kwargs: object) -> np.ndarray:
        self.documents += len(texts)
        return self.inner.encode_documents(texts, **kwargs)  # type: ignore[attr-defined]

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        self.queries += len(texts)
        return self.inner.encode_queries(texts)  # type: ignore[attr-defined]


def test_stored_sentences_read_back_what_ingestion_embedded(tmp_path: Path, e5_dir: Path) -> None:
    e5 = CountingEmbedder(load_embedder("e5", e5_dir))
    idx = SearchIndex(tmp_path, embedders={"e5": lambda: e5})
    text = (
        "한빛시는 2022년에 스마트도시 계획을 수립하였다. "
        "시민 참여 리빙랩 과제는 총 11건이 추진되었다."
    )
    records = [record(1, text), record(2, SMART[0])]
    idx.add_chunks([*records, record(3, SMART[1])])  # chunk 3: full text only, no vectors
    idx.embed_chunks(records)
    e5.documents = e5.queries = 0
    stored = idx.stored_sentences([1, 2, 3, 99], "e5")
    assert set(stored) == {1, 2} and e5.documents == 0
    spans, vecs = stored[1].spans, stored[1].vectors
    assert spans.dtype == np.int64 and [tuple(s) for s in spans.tolist()] == sentence_spans(text)
    assert vecs.dtype == np.float32 and vecs.shape == (2, 384)
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-6)
    fresh = e5.inner.encode_documents([text[a:b] for a, b in spans.tolist()])
    fresh = fresh / np.linalg.norm(fresh, axis=1, keepdims=True)
    assert (np.sum(fresh * vecs, axis=1) > 0.999).all()  # float16 storage, same vectors
    assert idx.stored_sentences([1], "use") == {} and idx.stored_sentences([], "e5") == {}
    # the query vector search computed is the one handed out: encoded once
    idx.search("리빙랩 과제는 몇 건인가", mode="hybrid")
    q = idx.query_vector("리빙랩 과제는 몇 건인가", "e5")
    assert q is not None and q.dtype == np.float32 and abs(np.linalg.norm(q) - 1) < 1e-5
    assert e5.queries == 1 and idx.query_vector("x", "use") is None


def test_warm_loads_the_models_so_the_first_query_is_not_slower(
    tmp_path: Path, e5_dir: Path
) -> None:
    idx = real_index(tmp_path, e5_dir)
    records = [record(100 + i, t) for i, t in enumerate(SMART)]
    idx.add_chunks(records)
    idx.embed_chunks(records)
    fresh = real_index(tmp_path, e5_dir)
    took = fresh.warm()
    assert {"fulltext", "e5", "use"} <= set(took)
    assert all(m.embedder is not None for m in fresh._models.values())
