"""Limits on expensive queries: each rejected shape raises QueryRejected with a message in
English and Korean; wildcard and prefix queries within the limits still work."""

from __future__ import annotations

import string

import pytest

from search_index import ChunkRecord, QueryRejected, SearchIndex

TEXTS = [
    "스마트시티 통합운영센터를 구축하여 교통, 방범, 재난 정보를 연계하고 24시간 운영한다.",
    "시민이 참여하는 리빙랩을 통해 스마트 시티 서비스를 발굴하였다.",
    "The city publishes open data for smart cities and citizen services; test results.",
    "조례 제정: 스마트도시 조성 및 운영에 관한 조례를 2021년에 제정하였다.",
]
# 3 x 26 x 26 = 2,028 distinct words starting with "ab": "ab*" stands for too many of them,
# "aba*" for 676
MANY = [
    "ab" + a + b + c for a in "abc" for b in string.ascii_lowercase for c in string.ascii_lowercase
]


def no_model() -> None:
    raise RuntimeError("no model in this test")


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> SearchIndex:
    idx = SearchIndex(tmp_path_factory.mktemp("limits"), embedder_factory=no_model)
    chunks = [
        ChunkRecord(i + 1, 1, 1, 1, 1, "evidence", "문서.pdf", i + 1, t)
        for i, t in enumerate(TEXTS)
    ]
    for j in range(0, len(MANY), 200):
        words = " ".join(MANY[j : j + 200])
        chunks.append(ChunkRecord(100 + j, 2, 1, 1, 1, "evidence", "목록.pdf", 1, words))
    idx.add_chunks(chunks)
    return idx


def rejected(index: SearchIndex, query: str, **kwargs: object) -> QueryRejected:
    with pytest.raises(QueryRejected) as caught:
        index.search(query, **kwargs)  # type: ignore[arg-type]
    exc = caught.value
    assert isinstance(exc, ValueError) and exc.message and str(exc) == exc.message
    return exc


def test_a_query_of_more_than_500_characters(index: SearchIndex) -> None:
    exc = rejected(index, "가" * 501)
    assert exc.message_ko == "검색어는 500자까지 입력할 수 있습니다."
    assert "500" in exc.message
    # whatever the filters and the mode
    assert rejected(index, "스마트시티 " * 100, submission_ids=[], mode="hybrid").message_ko
    index.search("스마트시티 " * 83)  # 498 characters stripped: fine
    assert index.search("  스마트시티  " + " " * 600)  # surrounding blanks do not count


@pytest.mark.parametrize("query", ["*foo", "?oo", "?*", "*스마트", "스마트 *시티", "text:?mart"])
def test_a_leading_wildcard(index: SearchIndex, query: str) -> None:
    exc = rejected(index, query)
    assert exc.message_ko == "와일드카드(*, ?)는 검색어 앞에 올 수 없습니다."
    assert "cannot start" in exc.message


def test_more_than_three_wildcard_words(index: SearchIndex) -> None:
    exc = rejected(index, "스마* 통합* 조례* 시민*")
    assert exc.message_ko == "와일드카드 검색어는 3개까지 쓸 수 있습니다."
    assert "at most 3" in exc.message
    assert rejected(index, "te?t* 스마* aba* abb*").message_ko == exc.message_ko
    # three are fine, and a word counts once though it is searched in two fields
    assert index.search("스마* 통합* 조례*")


def test_a_prefix_matching_more_than_1000_words(index: SearchIndex) -> None:
    exc = rejected(index, "ab*")
    assert (
        exc.message_ko
        == "'ab*'에 해당하는 단어가 너무 많습니다(1,000개 초과). 더 길게 입력해 주세요."
    )
    assert "'ab*'" in exc.message and "1,000" in exc.message
    assert "'ab?*'" in rejected(index, "ab?*").message_ko
    assert rejected(index, "[aba TO abz]").message_ko.startswith("'[aba TO abz]'")
    # 676 words: searched
    hits = index.search("aba*", limit=50)
    assert {h.chunk_id for h in hits} == {100, 300, 500, 700}


def test_wildcards_within_the_limits_still_work(index: SearchIndex) -> None:
    assert [h.chunk_id for h in index.search("통합운영*")] == [1]
    assert "<mark>통합운영" in index.search("통합운영*")[0].snippet
    assert [h.chunk_id for h in index.search("te?t")] == [3]  # inside a word: a wildcard
    assert [h.chunk_id for h in index.search("citi*")] == [3]
    assert 1 in [h.chunk_id for h in index.search("통합운영센터는 무엇인가?")]  # punctuation
    assert {h.chunk_id for h in index.search("abaa?")} == {100}
    # "*" alone is every passage (within the filters), not every term of the index
    everything = index.search("*", limit=100)
    assert len(everything) == index.count()
    assert {h.chunk_id for h in index.search("*", page_min=2, page_max=3)} == {2, 3}


def test_the_limits_of_other_methods(index: SearchIndex) -> None:
    hits = index.search("스마트시티", highlight=False)
    with pytest.raises(QueryRejected):
        index.highlight("*시티", hits)
    with pytest.raises(QueryRejected):
        index.keyword_coverage("스" * 501, {})


def test_at_most_three_quoted_phrases(index: SearchIndex) -> None:
    three = '"통합운영센터를 구축하여" "교통, 방범" "리빙랩을 통해"'
    assert index.search(three)
    exc = rejected(index, three + ' "조례를 2021년에"')
    assert "3" in exc.message and "4" in exc.message
    assert exc.message_ko == "따옴표로 묶은 구절은 3개까지 쓸 수 있습니다(현재 4개)."


def test_pasted_text_is_scored_by_its_rarest_terms(index: SearchIndex) -> None:
    """An OR group longer than any question (pasted text) keeps its rarest terms; a
    question keeps all of its own."""
    from whoosh import query as wq

    from search_index import _query

    searcher = index._searcher()
    reader = searcher.reader()
    question = "스마트시티 통합운영센터는 무엇을 연계하는가"
    extra = "재난안전 교통정보 환경감시 에너지관리 복지서비스 의료정보 교육훈련 문화관광 행정혁신"
    pasted = " ".join([TEXTS[0], TEXTS[3], TEXTS[1], extra])[:500]

    def terms(q: wq.Query) -> set[tuple[str, str]]:
        return {(n.fieldname, n.text) for n in _query._walk(q) if isinstance(n, wq.Term)}

    short = _query.parse_query(question, searcher.schema)
    assert terms(_query.prune_common_terms(short, searcher)) == terms(short)
    long = _query.parse_query(pasted, searcher.schema)
    assert len(long.subqueries) > _query.LONG_QUERY_CLAUSES
    kept = terms(_query.prune_common_terms(long, searcher))
    assert len(kept) == _query.LONG_QUERY_KEEP
    df = {t: reader.doc_frequency(*t) for t in terms(long)}
    assert max(df[t] for t in kept) <= min(df[t] for t in terms(long) - kept)
    assert index.search(pasted)[0].chunk_id in {1, 2, 4}  # found by what it kept


def test_wildcards_are_limited_by_the_posting_lists_they_open(
    index: SearchIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What scoring a wildcard word costs is one posting list per expanded term and index
    segment: over MAX_TERM_LISTS in one query, it is refused, naming the widest word."""
    from types import SimpleNamespace

    from search_index import _query

    searcher = index._searcher()
    reader = searcher.reader()
    q = _query.parse_query("aba* abb*", searcher.schema)
    one = _query.term_lists(q, reader)
    assert set(one) == {"aba*", "abb*"} and min(one.values()) > 600  # of 676 words each
    # the same terms in two segments cost twice as many lists
    two = _query.term_lists(q, SimpleNamespace(readers=[reader, reader]))
    assert two == {label: 2 * n for label, n in one.items()}
    assert index.search("aba* abb*")  # ~1,300 lists: within the default limit
    monkeypatch.setattr(_query, "MAX_TERM_LISTS", 1000)
    exc = rejected(index, "aba* abb*")
    assert "too many places" in exc.message and "'aba*'" in exc.message
    assert exc.message_ko.startswith("'aba*'에 해당하는 단어가 색인 곳곳에 너무 많아")
    assert index.search("aba*")  # 676 lists alone
