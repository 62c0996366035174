"""Images: OCR of a PNG, multi-page TIFF as pages, OCR switched off or missing."""

from __future__ import annotations

from pathlib import Path

import pytest
from extractor_corpus import corpus_file

from extractors import ExtractionError, detect_type, extract
from extractors.ocr import tesseract_available


def _page_image(index: int, crop: float = 0.3):
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(corpus_file("spri-ai-brief-2023-12.pdf")))
    try:
        image = doc[index].render(scale=250 / 72, grayscale=True).to_pil()
    finally:
        doc.close()
    return image.crop((0, 0, image.width, int(image.height * crop)))


def test_tiff_pages_and_ocr_off(tmp_path: Path) -> None:
    first, second = _page_image(4, 0.1), _page_image(5, 0.1)
    path = tmp_path / "scan.tif"
    first.save(path, save_all=True, append_images=[second])
    assert detect_type(path) == "image"
    with pytest.raises(ExtractionError) as err:
        extract(path, ocr=False)
    assert err.value.code == "no_text"


def test_ocr_missing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "scan.png"
    _page_image(4, 0.1).save(path)
    monkeypatch.setenv("REVIEWAPP_TESSERACT", str(tmp_path / "none"))
    with pytest.raises(ExtractionError) as err:
        extract(path)
    assert err.value.code == "ocr_unavailable"


@pytest.mark.skipif(not tesseract_available(), reason="tesseract is not installed")
def test_png_and_multipage_tiff_ocr(tmp_path: Path) -> None:
    path = tmp_path / "scan.tif"
    _page_image(4).save(path, save_all=True, append_images=[_page_image(5)])
    result = extract(path)
    assert result.type == "image" and len(result.pages) == 2
    assert all(p.ocr for p in result.pages)
    assert "히로시마" in result.pages[0].text
