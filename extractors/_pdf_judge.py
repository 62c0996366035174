"""Does a PDF page's text layer hold what is printed? Signals per page, a verdict, and the
merge of OCR text with the text layer.

Three kinds of page print text that their text layer lacks:

* ``scan``: the printed content is an image (a scan), the text layer is empty or holds a
  stamp, a header or page numbers drawn over it;
* ``garbled``: the text is there but decodes to gibberish (a font without a usable
  character map: control codes, Latin-1 letters, private-use or U+FFFD characters);
* ``vector``: the text was converted to outlines, so the page is drawings and no text.

Every page gets the cheap text signals; the page objects (images, paths) are read only on
pages with sparse text, so text PDFs pay almost nothing. Thresholds were measured on the 146
pages of the three text PDFs of the corpus (``../shared/corpus/*.pdf``) and on the fidelity
cases (``../shared/fidelity-cases/pdf_*.pdf``); ``bench/bench_pdf_pages.py`` prints them again
(``bench/results/pdf_pages.md``).
"""

from __future__ import annotations

import ctypes
import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any

from ._text import _pua_replacement, normalize

__all__ = [
    "GARBLED_SHARE",
    "LINE_MATCH",
    "MIN_JUDGED_CHARS",
    "MIN_OCR_GAIN",
    "NO_TEXT_CHARS",
    "SCAN_IMAGE_SHARE",
    "SPARSE_CHARS",
    "VECTOR_MIN_SEGMENTS",
    "PageSignals",
    "garbled_count",
    "marked_text",
    "measure",
    "merge_ocr",
    "readable_lines",
    "verdict",
    "word_chars",
]

SPARSE_CHARS = 200
"""Pages with fewer non-space characters than this are sparse: their objects get inspected.
A full corpus page holds 400-2,600; the image pages hold 9-78 (spri p1 and p23, seoul p54
and p55) and the smallest text layer on a page with a large image is 352 (kipa p32)."""

SCAN_IMAGE_SHARE = 0.2
"""A sparse page whose images cover at least this share of the page prints its content as
images. Measured: the corpus image pages 0.29-1.0 (seoul p55 the least); the other sparse
corpus pages at most 0.07 (spri p3's ornament)."""

GARBLED_SHARE = 0.2
"""A text layer with at least this share of garbled characters is unusable (and a line with
this share is dropped). Measured: corpus pages at most 0.026 (kipa p15: Word's bullet tab
U+0007), the no-ToUnicode case 0.76."""

MIN_JUDGED_CHARS = 10
"""Fewer non-space characters than this are too few to call a layer garbled."""

VECTOR_MIN_SEGMENTS = 300
"""A page with almost no text (under 20 characters) but at least this many path segments is
drawn text. Three of the fidelity lines outlined in NanumGothic take 9,587 segments (about 95
a glyph); the corpus pages under 20 characters draw at most 42 (spri p3's frame). Covers with
illustrations draw 5,865-7,841 (kipa p1, p2) but keep 55-127 characters of real text."""

NO_TEXT_CHARS = 20
"""Under this many non-space characters a page has no text to speak of (a title, a page
number); the scan rule of the extractor before these signals used the same figure."""

MIN_OCR_GAIN = 10
"""OCR is kept only when it adds at least this many word characters (Hangul, Latin letters,
digits) to the text layer; fewer is noise read from a photo or an ornament."""

LINE_MATCH = 0.6
"""Two lines with a similarity ratio (difflib, spaces removed) of at least this are one
printed line read twice (OCR and text layer). Tesseract's partial readings of the fidelity
cases' lines (``--psm 3``) score 0.92-0.93 against the truth; any two different lines of the
cases score at most 0.30."""

MAP_ERROR_SAMPLE = 64
"""Characters per page asked whether pdfium could map them to Unicode (a sample: asking all
costs 1-7 ms a page, as much as extracting it)."""

# Characters that no readable text decodes to: C0/C1 controls other than tab and line breaks,
# Latin-1 letters (a Korean font read through a Latin code page; × and ÷ excluded), private
# use and U+FFFD. Private-use glyphs that normalize() maps to a character are not counted.
_GARBLED = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff\ufffd"
    "\ue000-\uf8ff\U000f0000-\U0010fffd]"
)
_PUA_FIRST = 0xE000
_WORD = re.compile("[\uac00-\ud7a3A-Za-z0-9]")
_SPACE = re.compile(r"\s+")

Matrix = tuple[float, float, float, float, float, float]
"""A PDF transformation matrix (a, b, c, d, e, f)."""


@dataclass(frozen=True)
class PageSignals:
    """What one page's text layer and objects say.

    ``chars``: non-space characters of the text layer. ``garbled``: share (0-1) of them that
    decode to nothing readable, the larger of the character classes and pdfium's map errors
    on a sample. ``image_share``: share (0-1, capped) of the page area under images;
    ``path_segments``: segments of all vector paths. Both are measured on sparse pages only
    (fewer than SPARSE_CHARS characters) and are 0 elsewhere.
    """

    chars: int
    garbled: float
    image_share: float = 0.0
    path_segments: int = 0


def garbled_count(text: str) -> int:
    """Characters of ``text`` that decode to nothing readable (see _GARBLED)."""
    return sum(
        1
        for c in _GARBLED.findall(text)
        if ord(c) < _PUA_FIRST or c == "\ufffd" or not _pua_replacement(ord(c))
    )


def _nonspace(text: str) -> int:
    return len(text) - text.count(" ") - text.count("\n") - text.count("\r") - text.count("\t")


def measure(page, textpage, text: str) -> PageSignals:
    """Signals of one pypdfium2 ``page`` whose text layer ``textpage`` reads as ``text``."""
    chars = _nonspace(text)
    share = 0.0
    if chars >= MIN_JUDGED_CHARS:
        share = max(garbled_count(text) / chars, _map_error_share(textpage))
    if chars >= SPARSE_CHARS:
        return PageSignals(chars, share)
    image_share, segments = _objects(page)
    return PageSignals(chars, share, image_share, segments)


def verdict(signals: PageSignals) -> str:
    """Why the page's text layer misses what is printed: "garbled", "scan", "vector" or ""."""
    if signals.chars >= MIN_JUDGED_CHARS and signals.garbled >= GARBLED_SHARE:
        return "garbled"
    if signals.chars < SPARSE_CHARS and signals.image_share >= SCAN_IMAGE_SHARE:
        return "scan"
    if signals.chars < NO_TEXT_CHARS and signals.path_segments >= VECTOR_MIN_SEGMENTS:
        return "vector"
    return ""


def _map_error_share(textpage) -> float:
    """Share of a sample of the page's characters that pdfium could not map to Unicode."""
    import pypdfium2.raw as raw

    count = raw.FPDFText_CountChars(textpage)
    if count <= 0:
        return 0.0
    step = max(1, count // MAP_ERROR_SAMPLE)
    sampled = errors = 0
    for index in range(0, count, step):
        if raw.FPDFText_GetUnicode(textpage, index) in (9, 10, 13, 32):
            continue  # spaces and line breaks pdfium generated
        sampled += 1
        errors += raw.FPDFText_HasUnicodeMapError(textpage, index) == 1
    return errors / sampled if sampled else 0.0


def marked_text(textpage) -> str:
    """The page text with every character pdfium could not map replaced by U+FFFD.

    Reads each character (1-7 ms a page): for pages already judged garbled only.
    """
    import pypdfium2.raw as raw

    out: list[str] = []
    for index in range(raw.FPDFText_CountChars(textpage)):
        code = raw.FPDFText_GetUnicode(textpage, index)
        if raw.FPDFText_HasUnicodeMapError(textpage, index) == 1:
            out.append("\ufffd")
        elif 0 < code < 0x110000 and not 0xD800 <= code <= 0xDFFF:
            out.append(chr(code))
    return "".join(out)


def readable_lines(text: str) -> str:
    """The lines of ``text`` with less than GARBLED_SHARE garbled characters, U+FFFD removed."""
    kept = []
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        chars = _nonspace(line)
        if chars and garbled_count(line) / chars < GARBLED_SHARE:
            kept.append(line.replace("\ufffd", ""))
    return "\n".join(kept)


def _objects(page) -> tuple[float, int]:
    """(image share of the page area, path segments) over the page's objects, forms included."""
    import pypdfium2.raw as raw

    left, bottom, right, top = page.get_bbox()
    area = max(1.0, (right - left) * (top - bottom))
    image_area = 0.0
    segments = 0
    floats = [ctypes.c_float() for _ in range(4)]
    matrix = raw.FS_MATRIX()
    # (object handle, matrix from its space to the page's): a form's children are measured
    # in the form's space, so their bounds are mapped through the form's matrix.
    stack: list[tuple[Any, Matrix | None]] = [
        (raw.FPDFPage_GetObject(page.raw, i), None)
        for i in range(raw.FPDFPage_CountObjects(page.raw))
    ]
    while stack:
        handle, to_page = stack.pop()
        kind = raw.FPDFPageObj_GetType(handle)
        if kind == raw.FPDF_PAGEOBJ_PATH:
            segments += max(0, raw.FPDFPath_CountSegments(handle))
        elif kind == raw.FPDF_PAGEOBJ_IMAGE:
            if raw.FPDFPageObj_GetBounds(handle, *(ctypes.byref(f) for f in floats)):
                box = _to_page([f.value for f in floats], to_page)
                width = min(box[2], right) - max(box[0], left)
                height = min(box[3], top) - max(box[1], bottom)
                image_area += max(0.0, width) * max(0.0, height)
        elif kind == raw.FPDF_PAGEOBJ_FORM and raw.FPDFPageObj_GetMatrix(
            handle, ctypes.byref(matrix)
        ):
            own = (matrix.a, matrix.b, matrix.c, matrix.d, matrix.e, matrix.f)
            combined = own if to_page is None else _compose(own, to_page)
            stack.extend(
                (raw.FPDFFormObj_GetObject(handle, i), combined)
                for i in range(raw.FPDFFormObj_CountObjects(handle))
            )
    return min(1.0, image_area / area), segments


def _compose(inner: Matrix, outer: Matrix) -> Matrix:
    """The PDF matrix product inner × outer (apply ``inner`` first)."""
    a, b, c, d, e, f = inner
    A, B, C, D, E, F = outer
    return (
        a * A + b * C,
        a * B + b * D,
        c * A + d * C,
        c * B + d * D,
        e * A + f * C + E,
        e * B + f * D + F,
    )


def _to_page(box: list[float], matrix: Matrix | None) -> list[float]:
    """The axis-aligned page box of ``box`` (left, bottom, right, top) mapped by ``matrix``."""
    if matrix is None:
        return box
    a, b, c, d, e, f = matrix
    xs, ys = [], []
    for x in (box[0], box[2]):
        for y in (box[1], box[3]):
            xs.append(a * x + c * y + e)
            ys.append(b * x + d * y + f)
    return [min(xs), min(ys), max(xs), max(ys)]


def word_chars(text: str) -> int:
    """Hangul syllables, Latin letters and digits in ``text``."""
    return len(_WORD.findall(text))


def _compact(text: str) -> str:
    return _SPACE.sub("", text)


def merge_ocr(layer: str, ocr: str) -> str:
    """One page text from its OCR reading and its (partial) text layer, each line once.

    ``layer`` and ``ocr`` are page texts (lines). A layer line that the OCR text contains
    (spaces ignored) is dropped; one that reads like an OCR line (ratio >= LINE_MATCH) takes
    that line's place, since the layer is exact where OCR guesses; the others (lines OCR
    missed) come first, in their order. Returns normalized text.
    """
    ocr_lines = normalize(ocr).split("\n") if ocr.strip() else []
    keys = [_compact(line) for line in ocr_lines]
    whole = "".join(keys)
    taken: set[int] = set()
    missed: list[str] = []
    for line in normalize(layer).split("\n"):
        key = _compact(line)
        if not key or key in whole:
            continue
        best, best_ratio = -1, 0.0
        for index, other in enumerate(keys):
            if index in taken or not other:
                continue
            matcher = SequenceMatcher(None, key, other, autojunk=False)
            if matcher.quick_ratio() >= LINE_MATCH and matcher.ratio() > best_ratio:
                best, best_ratio = index, matcher.ratio()
        if best >= 0 and best_ratio >= LINE_MATCH:
            ocr_lines[best] = line
            taken.add(best)
        else:
            missed.append(line)
    return normalize("\n".join(missed + ocr_lines))
