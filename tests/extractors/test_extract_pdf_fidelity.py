"""PDF pages whose text layer is not what they print: a scan under a text stamp, a font with no
character map, text drawn as outlines. Each is OCR'd (when tesseract is here) or flagged,
never indexed as gibberish; the corpus PDFs' text layers stay exactly as they were.

The shared fidelity cases and corpus, PDFs made with pdfium in tmp_path, real tesseract.
"""

from __future__ import annotations

import re
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from extractor_corpus import CORPUS
from pdf_cases import (
    KEY_WORDS,
    LINES,
    STAMP,
    combined_pdf,
    fidelity_file,
    framed_pdf,
    outlined_pdf,
    recovered,
)

from extractors import ExtractionError, extract
from extractors._pdf_judge import (
    SCAN_IMAGE_SHARE,
    garbled_count,
    measure,
    merge_ocr,
    readable_lines,
    verdict,
)
from extractors._text import normalize, rejoin_broken_words
from extractors.ocr import tesseract_available

needs_ocr = pytest.mark.skipif(not tesseract_available(), reason="tesseract is not installed")

# Latin-1 letters and control codes: what the no-ToUnicode page's layer decodes to.
GIBBERISH = re.compile("[\x00-\x08\x0b-\x1f\u00c0-\u00ff]")

# Corpus pages that print their content as images over a sparse text layer (seen rendered:
# the SPRi brief's front and back covers, the Seoul RFP's scanned forms of annexes 12-13).
CORPUS_IMAGE_PAGES = {
    "spri-ai-brief-2023-12.pdf": {1, 23},
    "seoul-map-platform-rfp-2024.pdf": {54, 55},
    "kipa-public-sector-ai-strategies-2024.pdf": set(),
}


def assert_five_lines(text: str) -> None:
    for line, words in zip(LINES, KEY_WORDS, strict=True):
        missing = [w for w in words if w not in text]
        assert not missing, f"{line!r}: {missing} not in {text!r}"
    assert recovered("\n".join(LINES), text) >= 0.9, text


@needs_ocr
def test_scan_under_a_stamp_yields_the_scanned_lines_and_the_stamp_once() -> None:
    (page,) = extract(fidelity_file("pdf_scan_with_stamp.pdf")).pages
    assert page.ocr and page.suspect == ""
    assert_five_lines(page.text)
    assert STAMP in page.text  # the text layer's exact line, not OCR's reading of it
    assert page.text.count("0012345") == 1  # read twice (layer and OCR), kept once


def test_scan_under_a_stamp_without_ocr_is_flagged_not_silent() -> None:
    result = extract(fidelity_file("pdf_scan_with_stamp.pdf"), ocr=False)
    (page,) = result.pages
    assert page.text == STAMP and not page.ocr
    assert page.suspect == "scan"
    assert result.metadata["suspect_pages"] == "1"
    assert result.metadata["ocr_skipped_pages"] == "1"


@needs_ocr
def test_font_without_character_map_is_read_by_ocr() -> None:
    (page,) = extract(fidelity_file("pdf_no_tounicode.pdf")).pages
    assert page.ocr and page.suspect == ""
    assert not GIBBERISH.search(page.text), page.text
    assert_five_lines(page.text)


def test_font_without_character_map_and_no_ocr_is_refused_with_the_reason() -> None:
    with pytest.raises(ExtractionError) as info:
        extract(fidelity_file("pdf_no_tounicode.pdf"), ocr=False)
    assert info.value.code == "no_text"
    assert "character map" in info.value.message
    assert "문자 대응표" in info.value.message_ko and "OCR" in info.value.message_ko


def test_font_without_character_map_and_no_tesseract_says_so(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("REVIEWAPP_TESSERACT", str(tmp_path / "no-tesseract"))
    with pytest.raises(ExtractionError) as info:
        extract(fidelity_file("pdf_no_tounicode.pdf"))
    assert info.value.code == "no_text"
    assert "character map" in info.value.message and "not installed" in info.value.message


def test_garbled_page_among_good_ones_is_flagged_and_keeps_no_gibberish(tmp_path: Path) -> None:
    spri = CORPUS / "spri-ai-brief-2023-12.pdf"
    path = combined_pdf(
        tmp_path / "mixed.pdf", [(spri, 4), (fidelity_file("pdf_no_tounicode.pdf"), 0)]
    )
    good, garbled = extract(path, ocr=False).pages
    assert good.suspect == "" and good.text == _layer_text(spri, 4)
    assert garbled.suspect == "garbled" and not garbled.ocr
    assert not GIBBERISH.search(garbled.text), garbled.text


def test_outlined_text_without_ocr_is_flagged(tmp_path: Path) -> None:
    outlines = outlined_pdf(tmp_path / "outlines.pdf")
    with pytest.raises(ExtractionError) as info:
        extract(outlines, ocr=False)
    assert info.value.code == "no_text" and "outlines" in info.value.message
    assert "윤곽선" in info.value.message_ko
    spri = CORPUS / "spri-ai-brief-2023-12.pdf"
    mixed = combined_pdf(tmp_path / "mixed.pdf", [(spri, 4), (outlines, 0)])
    good, drawn = extract(mixed, ocr=False).pages
    assert good.suspect == "" and drawn.suspect == "vector" and drawn.text == ""


@needs_ocr
def test_outlined_text_is_read_by_ocr(tmp_path: Path) -> None:
    (page,) = extract(outlined_pdf(tmp_path / "outlines.pdf", LINES)).pages
    assert page.ocr and page.suspect == ""
    assert_five_lines(page.text)


@pytest.mark.parametrize("name", sorted(CORPUS_IMAGE_PAGES))
def test_corpus_text_layers_are_unchanged_and_only_image_pages_are_flagged(name: str) -> None:
    """Every page of the corpus PDFs: the text the extractor gave before these signals (the
    pdfium layer, rejoined and normalized); suspect (so OCR'd when OCR is on) only the pages
    that print their content as images, and never "garbled" or "vector"."""
    path = CORPUS / name
    if not path.exists():
        pytest.skip(f"corpus file {name} is not available")
    pages = extract(path, ocr=False).pages
    for page in pages:
        assert page.text == _layer_text(path, page.number - 1), page.number
    flagged = {page.number: page.suspect for page in pages if page.suspect}
    assert flagged == dict.fromkeys(CORPUS_IMAGE_PAGES[name], "scan")


def _layer_text(path: Path, index: int) -> str:
    """A page's text layer as the extractor read it before it judged pages."""
    doc = pdfium.PdfDocument(str(path))
    try:
        textpage = doc[index].get_textpage()
        return normalize(rejoin_broken_words(textpage.get_text_range()))
    finally:
        doc.close()


def test_image_inside_a_form_is_measured_in_page_space(tmp_path: Path) -> None:
    """A scan wrapped in a form XObject (as some scanners write it) at half size covers a
    quarter of the page, not all of it."""
    path = framed_pdf(tmp_path / "framed.pdf", fidelity_file("pdf_scan_with_stamp.pdf"), 0.5)
    doc = pdfium.PdfDocument(str(path))
    try:
        page = doc[0]
        textpage = page.get_textpage()
        signals = measure(page, textpage, textpage.get_text_range())
    finally:
        doc.close()
    assert signals.image_share == pytest.approx(0.25, abs=0.01)
    assert signals.image_share >= SCAN_IMAGE_SHARE and verdict(signals) == "scan"


def test_merge_keeps_each_line_once_and_prefers_the_text_layer() -> None:
    ocr = "호 2024-0012345 발급일 2024.05.01 발급처 가온시청\n\n스마트도시 통합운영센터 운영 실적 보고\n- 3 -"
    layer = f"{STAMP}\n- 3 -\n별첨 1"
    assert merge_ocr(layer, ocr).split("\n") == [
        "별첨 1",  # a layer line OCR missed
        STAMP,  # the layer's exact reading replaces OCR's partial one
        "",  # OCR's paragraph break stays
        "스마트도시 통합운영센터 운영 실적 보고",
        "- 3 -",  # in both: once
    ]
    assert merge_ocr("", ocr) == normalize(ocr)


def test_readable_lines_drop_garbled_lines_only() -> None:
    text = "\x01\x04\x05 \x06\x07\x08\n2. 방범 CCTV 1,250대\nÄ ÅÇÉ ÑÖÜá\n가격 × 20원\ufffd"
    assert readable_lines(text) == "2. 방범 CCTV 1,250대\n가격 × 20원"
    # symbols Korean documents use, and private-use glyphs that normalize() maps
    assert garbled_count("·§×£ \U000f0854평택시\U000f0855 \uf0a7") == 0
