"""The Korean analyzers: morphemes, bigrams, offsets, odd input."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from search_index._korean import (
    BigramTokenizer,
    KiwiTokenizer,
    hangul_bigrams,
    morphemes,
)


def terms(text: str) -> list[str]:
    return [t for t, _s, _e in morphemes(text)]


def test_particles_and_endings_are_dropped() -> None:
    assert terms("스마트시티를") == ["스마트시티"]
    assert terms("스마트시티가") == ["스마트시티"]
    got = terms("지방자치단체는 계획을 수립했다.")
    assert "계획" in got and "수립" in got
    assert not {"는", "을", "했", "다", "."} & set(got)


def test_english_is_lowercased_and_stemmed() -> None:
    assert terms("Smart Cities") == terms("smart city")
    assert terms("스마트 cities를") == ["스마트", "citi"]


def test_numbers_lose_thousands_separators() -> None:
    assert "1400" in terms("총점 1,400점 이상")


def test_offsets_point_at_the_surface_form() -> None:
    text = "도시는 <스마트시티>를 만들었다"
    for _term, s, e in morphemes(text):
        assert 0 <= s < e <= len(text)
    spans = {text[s:e] for _t, s, e in morphemes(text)}
    assert "스마트시티" in spans


def test_tokenizer_emits_positions_and_chars() -> None:
    text = "광화문 광장에서 시민 참여"
    toks = [
        (t.text, t.pos, t.startchar, t.endchar)
        for t in KiwiTokenizer()(text, positions=True, chars=True)
    ]
    assert [t[1] for t in toks] == list(range(len(toks)))
    for term, _pos, s, e in toks:
        assert text[s:e].startswith(term[:1])


def test_bigrams_ignore_spaces_between_hangul_words() -> None:
    joined = [b for b, _s, _e in hangul_bigrams("스마트시티")]
    spaced = [b for b, _s, _e in hangul_bigrams("스마트 시티")]
    assert joined == spaced == ["스마", "마트", "트시", "시티"]
    assert [b for b, _s, _e in hangul_bigrams("물 a")] == ["물"]


def test_bigram_offsets() -> None:
    text = "a 스마트 시티"
    toks = [(t.startchar, t.endchar) for t in BigramTokenizer()(text, positions=True, chars=True)]
    assert toks == [(2, 4), (3, 5), (4, 7), (6, 8)]


def test_very_long_text_and_unbroken_runs() -> None:
    text = ("스마트시티 통합운영센터 " * 2000) + "가" * 5000
    out = morphemes(text)
    assert len(out) > 4000
    assert all(0 <= s < e <= len(text) for _t, s, e in out)


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.characters(codec=None), max_size=80))
def test_any_text_is_analyzed_without_crashing(text: str) -> None:
    for analyzer in (KiwiTokenizer(), BigramTokenizer()):
        for tok in analyzer(text, positions=True, chars=True):
            assert 0 <= tok.startchar <= tok.endchar <= len(text)
            assert tok.text


def test_private_use_and_control_characters() -> None:
    text = "\ue000\ue001 스마트\x00시티 \ud800 \u200b데이터"
    assert "데이터" in terms(text)
