"""Plain text and Markdown: encodings Korean files really use, pages."""

from __future__ import annotations

from pathlib import Path

import pytest
from extractor_corpus import corpus_file

from extractors import extract

SAMPLE = "스마트도시 인증 증빙자료\n시민참여 리빙랩 운영 실적: 12회\n"


@pytest.mark.parametrize(
    ("encoding", "name"),
    [
        ("utf-8", "a.txt"),
        ("utf-8-sig", "b.csv"),
        ("cp949", "c.txt"),
        ("euc-kr", "d.md"),
        ("utf-16", "e.txt"),
    ],
)
def test_encodings(encoding: str, name: str, tmp_path: Path) -> None:
    path = tmp_path / name
    path.write_bytes(SAMPLE.encode(encoding))
    result = extract(path)
    assert result.type == "text"
    assert result.pages[0].text == SAMPLE.strip()


def test_form_feed_pages(tmp_path: Path) -> None:
    path = tmp_path / "pages.txt"
    path.write_text("첫 쪽\f둘째 쪽\f셋째 쪽", encoding="utf-8")
    result = extract(path)
    assert [p.text for p in result.pages] == ["첫 쪽", "둘째 쪽", "셋째 쪽"]
    assert "page_estimate" not in result.metadata


def test_long_markdown_is_paged_on_line_boundaries() -> None:
    path = corpus_file("law-personal-information-protection-act.md")
    result = extract(path)
    assert result.metadata["page_estimate"] == "true"
    assert len(result.pages) > 30
    assert all(len(p.text) <= 2 * 1800 for p in result.pages)
    original = path.read_text(encoding="utf-8")
    assert "개인정보" in result.pages[0].text
    assert sum(len(p.text) for p in result.pages) > 0.9 * len(original)
