"""DOCX: order of paragraphs and tables, headings, merged cells, page estimates."""

from __future__ import annotations

from pathlib import Path

from extractor_corpus import corpus_file

from extractors import extract


def test_made_docx(small_docx: Path) -> None:
    result = extract(small_docx)
    assert result.type == "docx"
    assert result.metadata["title"] == "스마트도시 인증 증빙"
    assert len(result.pages) == 2
    first, second = result.pages[0].text, result.pages[1].text
    lines = first.splitlines()
    assert lines[0] == "# 1. 스마트도시 추진 현황"
    assert lines[1] == "통합운영센터는 2023년에 구축되었다."
    assert "구분 | 2022 | 2023" in lines
    assert "예산(백만원) | 1,200 | 1,500" in lines
    assert "합계 2,700" in lines  # a merged row is written once, not three times
    assert second.splitlines()[0] == "## 2. 시민참여"
    assert result.metadata["page_estimate"] == "true"


def test_real_api_guides() -> None:
    for name, declared in (
        ("kma-weather-warning-api-guide.docx", 37),
        ("kma-village-forecast-api-guide.docx", 31),
    ):
        result = extract(corpus_file(name))
        assert result.metadata["declared_pages"] == str(declared)
        assert abs(len(result.pages) - declared) <= 6  # rendered page marks, close to Word's count
        assert result.text.count(" | ") > 200  # most content is in tables
        # The contents title is a text box Word writes twice (shape and VML fallback).
        assert result.text.count("목 차") == 1 and "목 차" in result.text.splitlines()
    text = extract(corpus_file("kma-village-forecast-api-guide.docx")).text
    assert "동네예보" in text and "격자" in text
