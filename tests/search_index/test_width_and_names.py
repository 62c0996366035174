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


# ---------------------------------------------------------------- exact names first

NAMES = {
    1: "재난안전통신망 구축 사업을 2023년에 완료하여 소방과 경찰이 같은 망을 쓴다.",
    2: "재난관리 통신 장비를 보강하였다. 재난 상황에서 안전 요원 간 통신을 지원한다.",
    3: "구분 | 통신망 | 통신망 | 통신망\n자가 통신망 | 임대 통신망 | 통신망 이중화 | 통신망 점검",
    4: "시민 안전 교육과 재난 대피 훈련을 실시하였다.",
    5: "행정 통신망 고도화와 안전 점검, 재난 대응 체계 정비",
    6: "재난 안전 통신망 운영 센터를 24시간 운영한다.",
}


@pytest.fixture()
def names_index(tmp_path: Path) -> SearchIndex:
    idx = SearchIndex(tmp_path, embedder_factory=no_model)
    idx.add_chunks([record(i, t) for i, t in NAMES.items()])
    idx.add_chunks([record(100 + i, t) for i, t in enumerate(SMART)])
    return idx


@pytest.mark.parametrize("query", ["재난 안전 통신 망", "재난안전통신망", "재난안전 통신망"])
def test_passages_naming_the_query_come_before_those_sharing_its_parts(
    names_index: SearchIndex, query: str
) -> None:
    found = ids(names_index.search(query, mode="bm25"))
    assert set(found[:2]) == {1, 6}, found  # the name, written with or without spaces
    assert set(found[2:]) >= {2, 3, 5}


def test_without_the_bonus_parts_outrank_the_name(names_index: SearchIndex) -> None:
    """The situation the bonus is for: BM25 alone puts shared parts first."""
    from search_index import _bm25, _query

    searcher = names_index._searcher()
    q = _query.parse_query("재난 안전 통신 망", searcher.schema)
    plain = [h.chunk_id for h in _bm25.run_query(searcher, q, None, 10)]
    assert plain.index(2) < plain.index(1)


def test_names_are_runs_of_adjacent_nouns() -> None:
    from search_index._contiguity import query_runs
    from search_index._korean import noun_runs

    assert query_runs("재난 안전 통신 망") == [("재난", "안전", "통신", "망")]
    assert query_runs("재난안전통신망") == [("재난", "안전", "통신망")]
    # a particle, ending or Latin word ends a name; one noun alone is BM25's
    assert noun_runs("재난 안전 통신 망의 구축") == (("재난", "안전", "통신", "망"), ("구축",))
    assert query_runs("재난안전통신망은 언제 구축되었나?") == [("재난", "안전", "통신망")]
    assert query_runs("스마트ＬＥＤ 가로등") == [] and query_runs("CCTV 조례") == []


def test_contiguity_counts_the_noun_pairs_held_in_one_piece() -> None:
    from search_index._contiguity import contiguity

    runs = [("재난", "안전", "통신", "망")]
    assert contiguity(runs, NAMES[1]) == 1.0
    assert contiguity(runs, NAMES[6]) == 1.0  # spaces between the nouns do not matter
    assert contiguity(runs, NAMES[3]) == pytest.approx(1 / 3)  # 통신+망 only
    assert contiguity(runs, NAMES[2]) == 0.0  # the parts, never two together
    assert contiguity(runs, "재난안전 분야의 통신망") == pytest.approx(1 / 3)  # longest piece
    assert contiguity(runs, "안전통신망") == pytest.approx(2 / 3)
    assert contiguity([], NAMES[1]) == 0.0


def test_the_bonus_is_for_queries_made_of_names() -> None:
    from search_index._contiguity import name_share, query_runs

    for query, share in [
        ("재난 안전 통신 망", 1.0),
        ("재난안전통신망", 1.0),
        ("재난안전통신망은 언제 구축되었나?", 3 / 4),  # 재난 안전 통신망, 구축
        ("김영삼 대통령의 할아버지의 당시 종교는 무엇이었는가?", 4 / 5),
    ]:
        assert name_share(query, query_runs(query)) == pytest.approx(share), query


def test_a_question_naming_something_on_the_way_keeps_bm25_order(
    names_index: SearchIndex,
) -> None:
    """Its names hold 8 of its 11 content words: 0.73 ** 10, 4 % of the bonus; the passage
    with the words asked about stays first."""
    from search_index import _bm25, _query

    query = "재난 안전 통신 망 장비를 보강하고 요원 간 통신을 지원한 상황은"
    searcher = names_index._searcher()
    plain = _bm25.run_query(searcher, _query.parse_query(query, searcher.schema), None, 3)
    assert [h.chunk_id for h in plain][0] == 2
    assert ids(names_index.search(query, mode="bm25"))[0] == 2


def test_bonus_reaches_a_name_beyond_the_page_asked_for(names_index: SearchIndex) -> None:
    (top,) = names_index.search("재난 안전 통신 망", mode="bm25", limit=1)
    assert top.chunk_id in {1, 6}
    assert top.bm25 == top.score  # the keyword signal carries the bonus
