"""OCR quality on whole pages: the fidelity cases' scans, the real scanned SPRi pages, pages
turned sideways or upside down (by the pixels or by an EXIF tag) and a ruled table.

Recall is measured as in bench/bench_ocr.py: the share of the expected non-space
characters found, and per expected line the share found in order on one OCR line.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from extractor_corpus import corpus_file

from bench.bench_ocr import FIVE_LINES, char_recall, line_recalls
from extractors import extract
from extractors.ocr import ocr_progress, read_pages, read_words, tesseract_available

FIDELITY = Path(__file__).resolve().parents[3] / "shared" / "fidelity-cases"
if not FIDELITY.is_dir():  # the shared files live beside the checkout
    FIDELITY = Path("/work/shared/fidelity-cases")
NANUM = Path("/usr/share/fonts/truetype/nanum/NanumGothic.ttf")
TESSDATA = Path("/usr/share/tesseract-ocr/5/tessdata")

needs_tesseract = pytest.mark.skipif(not tesseract_available(), reason="tesseract is not installed")


def fidelity_file(name: str) -> Path:
    path = FIDELITY / name
    if not path.exists():
        pytest.skip(f"fidelity case {name} is not available")
    return path


def assert_five_lines(text: str) -> None:
    """>= 90 % of the five lines' characters, and each line with >= 80 % of its own."""
    reference = "\n".join(FIVE_LINES)
    assert char_recall(reference, text) >= 0.9, text
    per_line = line_recalls(reference, text)
    assert min(per_line) >= 0.8, (per_line, text)


def clean_page():
    from PIL import Image

    with Image.open(fidelity_file("ocr_clean_page.png")) as image:
        return image.copy()


@needs_tesseract
@pytest.mark.parametrize("name", ["ocr_clean_page.png", "pdf_scan_plain.pdf"])
def test_clean_scan_keeps_every_line(name: str) -> None:
    result = extract(fidelity_file(name))
    assert len(result.pages) == 1 and result.pages[0].ocr
    assert_five_lines(result.pages[0].text)


@needs_tesseract
def test_png_scan_reads_as_well_as_its_pdf_twin() -> None:
    """ocr_clean_page.png (200 dpi) read as pdf_scan_plain.pdf's page rendered at OCR_DPI:
    enlarged to OCR_DPI first, it keeps every character (as it was read before: 0.965, "연"
    read "A" and "건수는" read "ASE")."""
    reference = "\n".join(FIVE_LINES)
    png = extract(fidelity_file("ocr_clean_page.png")).pages[0].text
    pdf = extract(fidelity_file("pdf_scan_plain.pdf")).pages[0].text
    assert char_recall(reference, png) >= 0.99, png
    assert min(line_recalls(reference, png)) >= 0.95, png
    for phrase in ("리빙랩을 연 4회", "접속 건수는 월 평균"):
        assert phrase in png and phrase in pdf


@needs_tesseract
@pytest.mark.parametrize("tag", [None, 72])
def test_untagged_or_72_dpi_page_image_reads_like_the_scan(tmp_path: Path, tag: int | None) -> None:
    """The same 200 dpi page saved with no resolution tag, or with the 72 dpi tag many tools
    write: its page shape tells its resolution, and it reads as the tagged scan does."""
    path = tmp_path / "page.png"
    page = clean_page()
    page.info.pop("dpi", None)
    page.save(path, **({"dpi": (tag, tag)} if tag else {}))
    text = extract(path).pages[0].text
    assert char_recall("\n".join(FIVE_LINES), text) >= 0.99, text
    assert "접속 건수는" in text


@needs_tesseract
def test_transparent_page_is_read_on_white(tmp_path: Path) -> None:
    """A page with a transparent background whose hidden colour is black (as many tools
    save it): flattened onto white, not read as a black page."""
    from PIL import Image

    gray = clean_page().convert("L")
    ink = Image.eval(gray, lambda v: 255 - v)  # opaque where the text is
    rgba = Image.merge("RGBA", (gray.point(lambda _: 0),) * 3 + (ink,))
    path = tmp_path / "transparent.png"
    rgba.save(path, dpi=(200, 200))
    assert_five_lines(extract(path).pages[0].text)


def test_page_resolution_from_tag_or_page_shape() -> None:
    from PIL import Image

    from extractors.ocr import OCR_DPI, _prepare, _source_dpi

    a4 = Image.new("L", (1654, 2339), 255)
    assert round(_source_dpi(a4)) == 200  # no tag: an A4 page's shape
    a4.info["dpi"] = (72, 72)  # an implausible tag: the shape again
    assert round(_source_dpi(a4)) == 200
    a4.info["dpi"] = (300, 300)  # a plausible tag wins (an A5 page at 300 dpi)
    assert _source_dpi(a4) == 300
    assert round(_source_dpi(Image.new("L", (2200, 1700), 255))) == 200  # Letter, sideways
    assert _source_dpi(Image.new("L", (900, 300), 255)) is None  # a strip: nothing to go by
    a4.info["dpi"] = (200, 200)
    prepared = _prepare(a4)
    assert prepared.size == (int(1654 * 1.25), int(2339 * 1.25))
    assert prepared.info["dpi"] == (OCR_DPI, OCR_DPI) and a4.info["dpi"] == (200, 200)
    at_ocr_dpi = Image.new("L", (2067, 2924), 255)
    at_ocr_dpi.info["dpi"] = (OCR_DPI, OCR_DPI)
    assert _prepare(at_ocr_dpi).size == at_ocr_dpi.size  # the PDF extractor's pages as they are


@needs_tesseract
def test_scanned_page_under_a_stamp_keeps_every_line() -> None:
    """The page image of pdf_scan_with_stamp.pdf, rendered as the PDF extractor renders it
    (which pages get OCR at all is the PDF extractor's decision, tested with it)."""
    import pypdfium2 as pdfium

    from extractors.ocr import OCR_DPI

    doc = pdfium.PdfDocument(str(fidelity_file("pdf_scan_with_stamp.pdf")))
    try:
        image = doc[0].render(scale=OCR_DPI / 72, grayscale=True).to_pil().copy()
    finally:
        doc.close()
    [page] = read_pages([image])
    assert_five_lines(page.text)
    assert "2024-0012345" in page.text  # the stamp drawn over the scan is read too


@needs_tesseract
def test_real_scanned_pages_match_their_text_layer() -> None:
    """Pages 5-6 of the SPRi brief, scanned (200 dpi, turned 0.6 degrees, blurred), against
    the text layer of the same pages: measured 0.92 and 0.89 (bench/results/ocr.md)."""
    scanned = extract(corpus_file("spri-ai-brief-scanned-p5-6.pdf")).pages
    original = extract(corpus_file("spri-ai-brief-2023-12.pdf"), ocr=False).pages[4:6]
    for scan, page in zip(scanned, original, strict=True):
        assert char_recall(page.text, scan.text) >= 0.85


@needs_tesseract
@pytest.mark.parametrize("angle", [90, 180])
def test_turned_page_is_read_upright(tmp_path: Path, angle: int) -> None:
    if not (TESSDATA / "osd.traineddata").exists():
        pytest.skip("tesseract's orientation data (tesseract-ocr-osd) is not installed")
    path = tmp_path / "turned.png"
    clean_page().rotate(angle, expand=True).save(path)  # anticlockwise
    result = extract(path)
    assert_five_lines(result.pages[0].text)
    assert result.metadata["ocr_turned_pages"] == f"1:{angle}"  # turned back clockwise


@needs_tesseract
@pytest.mark.parametrize("angle", [90, 180, 270])
def test_word_boxes_of_a_turned_page_land_on_the_page_as_it_is(angle: int) -> None:
    """read_words reads a turned page upright (as read_pages does) and gives the boxes on the
    image as it was given: each word's box on the turned image is its upright box turned."""
    if not (TESSDATA / "osd.traineddata").exists():
        pytest.skip("tesseract's orientation data (tesseract-ocr-osd) is not installed")
    page = clean_page()
    upright = read_words(page)
    turned = read_words(page.rotate(angle, expand=True))  # anticlockwise
    assert turned.rotation == angle and upright.rotation == 0  # turned back clockwise
    assert (turned.width, turned.height) == (
        (page.height, page.width) if angle != 180 else page.size
    )
    once = [Counter(w.text for w in r.words) for r in (upright, turned)]
    boxes = {w.text: w for w in turned.words}
    checked = 0
    for word in upright.words:  # the words read once in both readings: no doubt which is which
        if len(word.text) < 3 or once[0][word.text] != 1 or once[1].get(word.text) != 1:
            continue
        other = boxes[word.text]
        # the upright box's centre, turned anticlockwise by ``angle`` with the image
        cx, cy = word.left + word.width / 2, word.top + word.height / 2
        x, y = {
            90: (cy, page.width - cx),
            180: (page.width - cx, page.height - cy),
            270: (page.height - cy, cx),
        }[angle]
        assert (
            abs(other.left + other.width / 2 - x) <= 6
            and abs(other.top + other.height / 2 - y) <= 6
        )
        checked += 1
    assert checked >= 4


@needs_tesseract
def test_exif_orientation_is_applied_before_ocr(tmp_path: Path) -> None:
    """A photo stored sideways with EXIF Orientation 6 ("turn 90 degrees clockwise to
    view"): read upright from the tag, without the orientation check having to turn it."""
    from PIL import Image

    exif = Image.Exif()
    exif[0x0112] = 6
    path = tmp_path / "photo.jpg"
    clean_page().rotate(90, expand=True).save(path, "JPEG", quality=95, exif=exif)
    result = extract(path)
    assert_five_lines(result.pages[0].text)
    assert "ocr_turned_pages" not in result.metadata


@needs_tesseract
def test_without_orientation_data_a_turned_page_is_read_as_it_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tesseract without osd.traineddata: no error, the page is simply not turned."""
    for name in ("kor.traineddata", "eng.traineddata"):
        if not (TESSDATA / name).exists():
            pytest.skip(f"tesseract's {name} is not at {TESSDATA}")
        (tmp_path / name).symlink_to(TESSDATA / name)
    monkeypatch.setenv("TESSDATA_PREFIX", str(tmp_path))
    [page] = read_pages([clean_page().rotate(180)])
    assert page.rotation == 0
    assert char_recall("\n".join(FIVE_LINES), page.text) < 0.5


@needs_tesseract
def test_ruled_table_cells_are_read(tmp_path: Path) -> None:
    """Tesseract reads text inside table rules as a picture; the rules are erased first."""
    if not NANUM.exists():
        pytest.skip("the Nanum fonts (fonts-nanum) are not installed")
    from PIL import Image, ImageDraw, ImageFont

    rows = [
        ["사업명", "사업비(천원)", "설치 수량"],
        ["지능형 CCTV 통합", "2,108,000", "38대"],
        ["버스정보시스템", "813,000", "159대"],
        ["공공와이파이", "5,584,000", "205대"],
    ]
    image = Image.new("L", (2067, 1200), 255)
    pen = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(NANUM), 35)  # 10 pt at 250 dpi
    widths, height = (520, 380, 300), 90
    for r, row in enumerate(rows):
        x = 150
        for c, cell in enumerate(row):
            top = 150 + r * height
            pen.rectangle((x, top, x + widths[c], top + height), outline=0, width=3)
            pen.text((x + 20, top + 25), cell, font=font, fill=0)
            x += widths[c]
    path = tmp_path / "table.png"
    image.save(path)
    text = extract(path).pages[0].text
    reference = "\n".join(" ".join(row) for row in rows)
    assert char_recall(reference, text) >= 0.9, text
    assert min(line_recalls(reference, text)) >= 0.8, text


@needs_tesseract
def test_progress_is_reported_per_page(tmp_path: Path) -> None:
    page = clean_page().crop((0, 0, 1654, 600))
    path = tmp_path / "two-pages.tif"
    page.save(path, save_all=True, append_images=[page])
    seen: list[tuple[int, int]] = []
    with ocr_progress(lambda done, total: seen.append((done, total))):
        result = extract(path)
    assert len(result.pages) == 2
    assert seen == [(1, 2), (2, 2)]


def test_unknown_segmentation_mode_is_refused() -> None:
    with pytest.raises(ValueError, match="psm"):
        read_pages([], psm=7)


def _noise_pages() -> list:
    """Two pages OCR reads only as noise: random grain and a clean scan blurred past reading."""
    from PIL import Image, ImageFilter

    grain = Image.effect_noise((1600, 2000), 120).convert("L")
    blurred = clean_page().convert("L").filter(ImageFilter.GaussianBlur(6))
    return [grain, blurred]


@needs_tesseract
def test_noise_read_by_ocr_marks_the_page_suspect(tmp_path: Path) -> None:
    """A two-page TIFF of noise and a clean scan: the noise page is stored "ocr_low" (its
    OCR is what tesseract guessed at random), the clean one is not."""
    grain, blurred = _noise_pages()
    path = tmp_path / "scan.tif"
    grain.save(path, save_all=True, append_images=[clean_page().convert("L"), blurred])
    result = extract(path)
    assert [p.suspect for p in result.pages] == ["ocr_low", "", "ocr_low"]
    assert result.metadata["suspect_pages"] == "1,3"
    assert_five_lines(result.pages[1].text)


@needs_tesseract
def test_pdf_scan_read_as_noise_is_suspect_and_clean_scans_are_not(tmp_path: Path) -> None:
    """A PDF of a blurred scan page and the clean scan: only the blurred page is suspect;
    the shared clean and stamped scans and the real scanned SPRi pages stay unflagged."""
    import pypdfium2 as pdfium

    _, blurred = _noise_pages()
    doc = pdfium.PdfDocument.new()
    for image in (blurred, clean_page().convert("L")):
        page = doc.new_page(595, 842)
        obj = pdfium.PdfImage.new(doc)
        obj.set_bitmap(pdfium.PdfBitmap.from_pil(image))
        obj.set_matrix(pdfium.PdfMatrix().scale(595, 842))
        page.insert_obj(obj)
        page.gen_content()
    path = tmp_path / "blurred.pdf"
    doc.save(str(path))
    pages = extract(path).pages
    assert [p.suspect for p in pages] == ["ocr_low", ""] and pages[1].ocr
    for name in ("pdf_scan_plain.pdf", "pdf_scan_with_stamp.pdf"):
        assert all(p.suspect == "" for p in extract(fidelity_file(name)).pages), name
    real = corpus_file("spri-ai-brief-scanned-p5-6.pdf")
    assert [p.suspect for p in extract(real).pages] == ["", ""]
