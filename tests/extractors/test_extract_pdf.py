"""PDF: real corpus files, text normalization, Korean line-wrap repair, OCR of scans."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest
from extractor_corpus import corpus_file

from extractors import ExtractionError, extract
from extractors._text import normalize, rejoin_broken_words
from extractors.ocr import tesseract_available

_PUA = re.compile("[\ue000-\uf8ff\U000f0000-\U0010ffff]")


@pytest.mark.parametrize(
    ("name", "pages"),
    [
        ("spri-ai-brief-2023-12.pdf", 23),
        ("kipa-public-sector-ai-strategies-2024.pdf", 48),
        ("seoul-map-platform-rfp-2024.pdf", 75),
    ],
)
def test_page_counts_and_normalized_text(name: str, pages: int) -> None:
    result = extract(corpus_file(name), ocr=False)
    assert result.type == "pdf"
    assert len(result.pages) == pages
    assert result.metadata["page_count"] == str(pages)
    for page in result.pages:
        assert page.text == unicodedata.normalize("NFC", page.text)
        assert not _PUA.search(page.text)
        assert "  " not in page.text and "\r" not in page.text
    assert sum(len(p.text) for p in result.pages) > 20_000


def test_seoul_rfp_content_and_tables() -> None:
    result = extract(corpus_file("seoul-map-platform-rfp-2024.pdf"), ocr=False)
    text = result.text
    assert "지도정보" in text and "제안요청서" in text.replace(" ", "")


def test_broken_word_is_rejoined_in_spri_brief() -> None:
    page = extract(corpus_file("spri-ai-brief-2023-12.pdf"), ocr=False).pages
    text = "\n".join(p.text for p in page)
    # "연평\n균" and "이해\n하고" are wrapped inside a word in the PDF
    assert "연평균 성장률" in text
    assert "이해하고" in text


def test_rejoin_rules() -> None:
    full = "가" * 30
    # no trailing space, full width, not a word ending: joined
    assert rejoin_broken_words(f"{full[:-1]}스마트시\n티 구축") == f"{full[:-1]}스마트시티 구축"
    # a trailing space marks a wrap between words: kept
    assert rejoin_broken_words(f"{full}스마트 \n도시") == f"{full}스마트 \n도시"
    # a short line (a heading or the end of a paragraph): kept
    assert rejoin_broken_words(f"{full}\n짧은 제목\n다음") == f"{full}\n짧은 제목\n다음"
    # a particle at the end of the line: a word boundary, kept
    assert rejoin_broken_words(f"{full}을\n추진") == f"{full}을\n추진"
    # Latin text is never glued
    assert rejoin_broken_words(f"{'a' * 30}\nb") == f"{'a' * 30}\nb"


def test_normalize_maps_and_drops_private_use() -> None:
    assert normalize("\U000f0854평택시\U000f0855") == "「평택시」"
    assert normalize("\uf09f 항목") == "• 항목"
    assert normalize("가\ue123나") == "가나"
    assert normalize("ᄒᆞᆫ글") == unicodedata.normalize("NFC", "ᄒᆞᆫ글")
    assert normalize("a\u00a0\u3000 b\r\n\r\n\r\n\r\nc\x00") == "a b\n\nc"


def test_image_only_pages_without_ocr() -> None:
    with pytest.raises(ExtractionError) as info:
        extract(corpus_file("spri-ai-brief-scanned-p5-6.pdf"), ocr=False)
    assert info.value.code == "no_text"
    result = extract(corpus_file("spri-ai-brief-2023-12.pdf"), ocr=False)
    assert result.metadata["ocr_skipped_pages"].split(",")[0] == "1"
    assert not any(p.ocr for p in result.pages)


def test_ocr_unavailable(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("REVIEWAPP_TESSERACT", str(tmp_path / "no-tesseract"))
    with pytest.raises(ExtractionError) as info:
        extract(corpus_file("spri-ai-brief-scanned-p5-6.pdf"))
    assert info.value.code == "ocr_unavailable"
    assert "tesseract" in info.value.message
    # text PDFs still work without tesseract; the scanned cover is reported, not OCR'd
    result = extract(corpus_file("spri-ai-brief-2023-12.pdf"))
    assert len(result.pages) == 23 and "ocr_skipped_pages" in result.metadata


@pytest.mark.skipif(not tesseract_available(), reason="tesseract is not installed")
def test_ocr_of_scanned_pages_matches_text_layer() -> None:
    scanned = extract(corpus_file("spri-ai-brief-scanned-p5-6.pdf"))
    assert len(scanned.pages) == 2 and all(p.ocr for p in scanned.pages)
    original = extract(corpus_file("spri-ai-brief-2023-12.pdf"), ocr=False).pages
    for scan, page in zip(scanned.pages, original[4:6], strict=True):
        words = {w for w in re.findall(r"[\uac00-\ud7a3]{2,}", page.text)}
        found = {w for w in words if w in scan.text}
        assert len(found) / len(words) > 0.6, (len(found), len(words))
    assert "히로시마" in scanned.pages[0].text
