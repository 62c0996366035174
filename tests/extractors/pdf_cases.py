"""PDF fidelity cases for tests: the shared case files, the five scanned lines they print, and
PDFs made here with pdfium (text drawn as vector outlines; pages of several files combined)."""

from __future__ import annotations

import ctypes
import re
from difflib import SequenceMatcher
from pathlib import Path

import pytest
from extractor_corpus import CORPUS

FIDELITY = CORPUS.parent / "fidelity-cases"
NANUM_GOTHIC = Path("/usr/share/fonts/truetype/nanum/NanumGothic.ttf")

# What the scanned pages print (fidelity-cases/README.md), with the words a reviewer searches.
LINES = (
    "스마트도시 통합운영센터 운영 실적 보고",
    "1. 교통정보 연계: 버스정보시스템과 주차정보를 통합하였다.",
    "2. 방범 CCTV 1,250대를 통합운영센터에 연계하였다.",
    "3. 시민참여 리빙랩을 연 4회 운영하였다.",
    "4. 공공와이파이 접속 건수는 월 평균 32만 건이다.",
)
KEY_WORDS = (
    ("스마트도시", "통합운영센터", "실적"),
    ("교통정보", "버스정보시스템", "주차정보"),
    ("CCTV", "1,250", "통합운영센터"),
    ("시민참여", "리빙랩", "4회"),
    ("공공와이파이", "32만"),
)
STAMP = "문서확인번호 2024-0012345 발급일 2024.05.01 발급처 가온시청"


def fidelity_file(name: str) -> Path:
    path = FIDELITY / name
    if not path.exists():
        pytest.skip(f"fidelity case {name} is not available")
    return path


def recovered(expected: str, text: str) -> float:
    """Share (0-1) of ``expected``'s non-space characters found, in order, in ``text``."""
    want = re.sub(r"\s+", "", expected)
    got = re.sub(r"\s+", "", text)
    matcher = SequenceMatcher(None, want, got, autojunk=False)
    return sum(block.size for block in matcher.get_matching_blocks()) / len(want)


def outlined_pdf(path: Path, lines: tuple[str, ...] = LINES[:3], size: float = 16.0) -> Path:
    """An A4 page printing ``lines`` in NanumGothic as filled vector paths, no text object:
    what "convert text to outlines" in a design program leaves (one path per line)."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    if not NANUM_GOTHIC.exists():
        pytest.skip(f"font {NANUM_GOTHIC} is not installed")
    font_bytes = NANUM_GOTHIC.read_bytes()
    buffer = (ctypes.c_uint8 * len(font_bytes)).from_buffer_copy(font_bytes)
    scratch = pdfium.PdfDocument.new()  # holds the font, so the output embeds none
    font = raw.FPDFText_LoadFont(scratch, buffer, len(font_bytes), raw.FPDF_FONT_TRUETYPE, 1)
    doc = pdfium.PdfDocument.new()
    page = doc.new_page(595, 842)
    baseline = 780.0
    for line in lines:
        shape = raw.FPDFPageObj_CreateNewPath(0, 0)
        x = 60.0
        for char in line:
            _draw_glyph(raw, font, shape, char, x, baseline, size)
            advance = ctypes.c_float()
            raw.FPDFFont_GetGlyphWidth(font, ord(char), size, ctypes.byref(advance))
            x += advance.value
        raw.FPDFPath_SetDrawMode(shape, raw.FPDF_FILLMODE_WINDING, 0)
        raw.FPDFPageObj_SetFillColor(shape, 0, 0, 0, 255)
        raw.FPDFPage_InsertObject(page, shape)
        baseline -= 2.2 * size
    raw.FPDFPage_GenerateContent(page)
    doc.save(str(path))
    raw.FPDFFont_Close(font)
    return path


def _draw_glyph(raw, font, shape, char: str, x: float, y: float, size: float) -> None:  # type: ignore[no-untyped-def]
    """Append the outline of ``char`` (em units from pdfium, scaled to ``size``) to ``shape``."""
    glyph = raw.FPDFFont_GetGlyphPath(font, ord(char), size)
    if not glyph:
        return  # a space
    curve: list[float] = []
    for index in range(raw.FPDFGlyphPath_CountGlyphSegments(glyph)):
        segment = raw.FPDFGlyphPath_GetGlyphPathSegment(glyph, index)
        px, py = ctypes.c_float(), ctypes.c_float()
        raw.FPDFPathSegment_GetPoint(segment, px, py)
        point = (x + px.value * size, y + py.value * size)
        kind = raw.FPDFPathSegment_GetType(segment)
        if kind == raw.FPDF_SEGMENT_MOVETO:
            raw.FPDFPath_MoveTo(shape, *point)
        elif kind == raw.FPDF_SEGMENT_LINETO:
            raw.FPDFPath_LineTo(shape, *point)
        elif kind == raw.FPDF_SEGMENT_BEZIERTO:
            curve.extend(point)
            if len(curve) == 6:
                raw.FPDFPath_BezierTo(shape, *curve)
                curve = []
        if raw.FPDFPathSegment_GetClose(segment):
            raw.FPDFPath_Close(shape)


def combined_pdf(path: Path, pages: list[tuple[Path, int]]) -> Path:
    """A PDF of the given (file, 0-based page index) pages, in order."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument.new()
    for source, index in pages:
        doc.import_pages(pdfium.PdfDocument(str(source)), [index])
    doc.save(str(path))
    return path


def framed_pdf(path: Path, source: Path, scale: float) -> Path:
    """Page 1 of ``source`` drawn as a form XObject, scaled by ``scale``, on a new A4 page:
    its objects then sit inside a form, measured in the form's own space."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    src = pdfium.PdfDocument(str(source))
    doc = pdfium.PdfDocument.new()
    page = doc.new_page(595, 842)
    xobject = raw.FPDF_NewXObjectFromPage(doc, src, 0)
    form = raw.FPDF_NewFormObjectFromXObject(xobject)
    raw.FPDFPageObj_Transform(form, scale, 0, 0, scale, 20, 20)
    raw.FPDFPage_InsertObject(page, form)
    raw.FPDFPage_GenerateContent(page)
    raw.FPDF_CloseXObject(xobject)
    doc.save(str(path))
    return path
