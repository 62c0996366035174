"""Passages of ~300-800 characters on sentence boundaries, with exact page offsets."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from reviewapp.services.chunking import MAX_CHARS, MIN_CHARS, Passage, chunk_page, chunk_pages

SENTENCES = [
    "스마트도시 통합운영센터는 2023년 3월에 개소하여 24시간 운영되고 있다.",
    "시는 교통, 방범, 재난 정보를 하나의 플랫폼으로 연계하였다.",
    "시민참여형 리빙랩을 통해 총 12건의 서비스 아이디어가 발굴되었다!",
    "공공데이터 개방 실적은 전년 대비 35% 증가하였습니까?",
    "조례 제정(「스마트도시 조성 및 운영 조례」, 2021.5.20.)으로 추진 근거를 마련하였다.",
    "전담 조직인 스마트도시과는 3개 팀, 14명으로 구성되어 있다.",
]
SENTENCE_END = re.compile(r"[.!?」)\"”]$")


def _korean_text(n: int) -> str:
    return " ".join(SENTENCES[i % len(SENTENCES)] for i in range(n))


def _non_space(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _assert_exact(passages: list[Passage], pages: dict[int, str]) -> None:
    for p in passages:
        assert pages[p.page][p.start : p.end] == p.text
        assert p.text == p.text.strip() and p.text


def _assert_nothing_lost(passages: list[Passage], pages: dict[int, str]) -> None:
    """Every visible character of every page is in exactly one passage, in order."""
    for number, text in pages.items():
        own = sorted((p for p in passages if p.page == number), key=lambda p: p.start)
        for a, b in zip(own, own[1:], strict=False):
            assert a.end <= b.start, "passages overlap"
            assert not text[a.end : b.start].strip(), (
                f"text lost between passages: {text[a.end : b.start]!r}"
            )
        assert _non_space("".join(p.text for p in own)) == _non_space(text)


def test_korean_text_is_split_on_sentence_boundaries_in_range() -> None:
    text = _korean_text(60)
    passages = chunk_page(1, text)
    assert len(passages) >= 4
    _assert_exact(passages, {1: text})
    _assert_nothing_lost(passages, {1: text})
    for p in passages[:-1]:
        assert MIN_CHARS <= len(p.text) <= MAX_CHARS, len(p.text)
    assert len(passages[-1].text) <= MAX_CHARS
    for p in passages:
        assert p.text.endswith(tuple(s[-3:] for s in SENTENCES)), p.text[-20:]
        assert any(p.text.startswith(s[:10]) for s in SENTENCES), p.text[:20]


def test_line_breaks_end_sentences_too() -> None:
    lines = [
        f"{i}. 스마트 서비스 항목 {i}: 주차 공유, 대중교통 정보 제공 및 안전 귀가 서비스 운영"
        for i in range(40)
    ]
    text = "\n".join(lines)
    passages = chunk_page(3, text)
    _assert_exact(passages, {3: text})
    _assert_nothing_lost(passages, {3: text})
    for p in passages:
        assert p.page == 3
        assert text[p.end : p.end + 1] in ("", "\n")  # ends at a line end
        assert p.start == 0 or text[p.start - 1] == "\n"
    assert all(MIN_CHARS <= len(p.text) <= MAX_CHARS for p in passages[:-1])


def test_closing_quotes_and_brackets_stay_with_their_sentence() -> None:
    text = ("그는 “좋다.” 라고 말했다. " * 25) + ("(참고: 부록 1을 보라.) 다음 문장이다. " * 25)
    passages = chunk_page(1, text)
    assert len(passages) >= 2
    _assert_exact(passages, {1: text})
    _assert_nothing_lost(passages, {1: text})


def test_no_passage_crosses_a_page() -> None:
    pages = {
        1: _korean_text(5) + " 이 문장은 다음 쪽으로",
        2: "이어지는 문장이다. " + _korean_text(20),
        3: "",
        4: "   \n\n  ",
        5: "마지막 쪽의 짧은 문장.",
    }
    passages = chunk_pages(list(pages.items()))
    _assert_exact(passages, pages)
    _assert_nothing_lost(passages, pages)
    assert {p.page for p in passages} == {1, 2, 5}
    assert passages[[p.page for p in passages].index(1)].start == 0
    page1 = [p for p in passages if p.page == 1]
    assert page1[-1].text.endswith("다음 쪽으로")
    page2 = [p for p in passages if p.page == 2]
    assert page2[0].text.startswith("이어지는 문장이다.")
    assert [p.page for p in passages] == sorted(p.page for p in passages)


def test_long_sentence_without_punctuation_is_cut() -> None:
    words = " ".join(f"스마트시티{i}" for i in range(600))  # ~5,000 chars, no sentence end
    passages = chunk_page(1, words)
    assert len(passages) >= 6
    assert all(len(p.text) <= MAX_CHARS for p in passages)
    assert all(len(p.text) >= MIN_CHARS for p in passages[:-1])
    _assert_exact(passages, {1: words})
    _assert_nothing_lost(passages, {1: words})
    # cut between words, never inside one
    for p in passages:
        assert re.fullmatch(r"스마트시티\d+", p.text.split()[0])
        assert re.fullmatch(r"스마트시티\d+", p.text.split()[-1])

    solid = "가나다라마바사아자차카타파하" * 300  # no spaces at all
    passages = chunk_page(2, solid)
    assert all(len(p.text) <= MAX_CHARS for p in passages)
    assert "".join(p.text for p in passages) == solid
    _assert_exact(passages, {2: solid})


def test_empty_pages_give_no_chunks() -> None:
    assert chunk_page(1, "") == []
    assert chunk_page(1, " \n\t\n  ") == []
    assert chunk_pages([(1, ""), (2, "\n\n"), (3, "   ")]) == []
    short = chunk_page(7, "  짧은 쪽.  ")
    assert [(p.page, p.start, p.end, p.text) for p in short] == [(7, 2, 7, "짧은 쪽.")]


_sentence = st.one_of(
    st.sampled_from(SENTENCES),
    st.text(
        alphabet='가나다라마바사 아자차카타파하0123456789()「」“”".,!?\n', min_size=1, max_size=400
    ),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(_sentence, max_size=30).map(" ".join), min_size=1, max_size=4))
def test_properties_on_generated_pages(page_texts: list[str]) -> None:
    pages = {i + 1: t for i, t in enumerate(page_texts)}
    passages = chunk_pages(list(pages.items()))
    _assert_exact(passages, pages)
    _assert_nothing_lost(passages, pages)
    assert all(len(p.text) <= MAX_CHARS for p in passages)
    assert all(p.text for p in passages)
