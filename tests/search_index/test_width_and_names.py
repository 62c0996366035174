"""Search on text as Korean input methods type it: full-width letters and digits fold to
ASCII in the index and in queries (stored text keeps them), an index made by an older
analysis is flagged until rebuilt. Real kiwi, a real whoosh index in tmp_path."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest

from search_index import SearchIndex
from search_index._korean import ANALYSIS_VERSION, fold_width, morphemes
from search_index._whoosh import ANALYSIS_FILE
from tests.search_index.test_fulltext import SMART, ids, no_model, record

CASES = Path(__file__).resolve().parents[3] / "shared" / "fidelity-cases"
if not CASES.is_dir():
    CASES = Path("/work/shared/fidelity-cases")


def fullwidth_case() -> str:
    path = CASES / "search_fullwidth.txt"
    if not path.exists():
        pytest.skip("fidelity case search_fullwidth.txt is not available")
    return path.read_text(encoding="utf-8").strip()


# ---------------------------------------------------------------- width folding


def test_fold_width_maps_fullwidth_ascii_one_for_one() -> None:
    typed = "ＣＣＴＶ １，２５０대　ＩｏＴ！～"
    folded = fold_width(typed)
    assert folded == "CCTV 1,250대 IoT!~"
    assert len(folded) == len(typed)  # offsets into the original stay valid
    every = "".join(chr(cp) for cp in range(0xFF01, 0xFF5F))
    assert fold_width(every) == "".join(chr(cp) for cp in range(0x21, 0x7F))


def test_fold_width_leaves_hangul_compatibility_letters_alone() -> None:
    kept = "재난ㆍ안전 ㉠ ﾡ ￦ ㄱ ㈜ ㎡"  # what plain NFKC would rewrite
    assert fold_width(kept) == kept
    assert unicodedata.normalize("NFKC", kept) != kept


def test_fullwidth_and_ascii_give_the_same_terms_with_original_offsets() -> None:
    typed = "스마트ＬＥＤ 가로등과 ＩｏＴ 센서, ＣＣＴＶ １，２５０대"
    plain = "스마트LED 가로등과 IoT 센서, CCTV 1,250대"
    assert [t for t, _s, _e in morphemes(typed)] == [t for t, _s, _e in morphemes(plain)]
    spans = {t: typed[s:e] for t, s, e in morphemes(typed)}
    assert (
        spans["led"] == "ＬＥＤ" and spans["cctv"] == "ＣＣＴＶ" and spans["1250"] == "１，２５０"
    )


def test_fullwidth_case_is_found_by_ascii_queries_and_keeps_its_text(tmp_path: Path) -> None:
    text = fullwidth_case()
    idx = SearchIndex(tmp_path, embedder_factory=no_model)
    idx.add_chunks([record(i + 1, t) for i, t in enumerate(SMART)])
    idx.add_chunks([record(100, text), record(101, "방범 CCTV 1,250대를 연계하였다.")])
    for query in ("CCTV", "cctv", "LED", "IoT", "ＣＣＴＶ", "스마트 LED 가로등"):
        assert 100 in ids(idx.search(query)), query
    assert set(ids(idx.search("1,250"))) == {100, 101}
    assert set(ids(idx.search("１，２５０"))) == {100, 101}
    (hit,) = [h for h in idx.search("CCTV") if h.chunk_id == 100]
    assert hit.text == text  # the stored text (and so citations) keep the original
    assert "<mark>ＣＣＴＶ</mark>" in hit.snippet


# ---------------------------------------------------------------- analysis version


def test_index_made_by_an_older_analysis_is_flagged_until_rebuilt(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    idx = SearchIndex(tmp_path, embedder_factory=no_model)
    assert not idx.needs_reindex  # a new index
    idx.add_chunks([record(1, fullwidth_case()), record(2, SMART[0])])
    stamp = tmp_path / "fulltext" / ANALYSIS_FILE
    assert json.loads(stamp.read_text()) == {"analysis": ANALYSIS_VERSION}

    stamp.unlink()  # as an index made before versions were recorded
    old = SearchIndex(tmp_path, embedder_factory=no_model)
    assert old.needs_reindex
    assert "older text analysis; run `reviewapp reindex`" in caplog.text
    assert ids(old.search("리빙랩 24시간 운영")) == [2]  # still answers meanwhile
    stamp.write_text(json.dumps({"analysis": ANALYSIS_VERSION - 1}))
    assert old.needs_reindex

    assert old.rebuild([record(1, fullwidth_case()), record(2, SMART[0])]) == 2
    assert not old.needs_reindex
    assert not SearchIndex(tmp_path, embedder_factory=no_model).needs_reindex


def test_empty_index_without_a_stamp_is_not_flagged(tmp_path: Path) -> None:
    SearchIndex(tmp_path, embedder_factory=no_model)
    (tmp_path / "fulltext" / ANALYSIS_FILE).unlink()
    assert not SearchIndex(tmp_path, embedder_factory=no_model).needs_reindex
