"""OCR through the tesseract command line (kor+eng), one process per page image.

Why the CLI and not a binding: nothing to compile, the apt package is all that is
needed, and a crash or hang in tesseract cannot take the worker down (timeout).

How a page is read (each choice measured by bench/bench_ocr.py, figures in
bench/results/ocr.md): the image is made grayscale (transparency flattened onto white),
a page image under OCR_DPI is enlarged to it (so an image scan reads like a PDF page,
which is rendered at OCR_DPI: _prepare), its table rules are erased, then tesseract reads
it as one block of text (OCR_PSM). When the words come back with a low
mean confidence (a page scanned sideways or upside down reads as noise), tesseract's
orientation detection is asked and, when it is sure, the turned page is read again and
the better reading kept.
"""

from __future__ import annotations

import csv
import io
import logging
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from .base import ExtractionError

if TYPE_CHECKING:
    from PIL.Image import Image

__all__ = [
    "OCR_DPI",
    "OCR_LANGUAGES",
    "OCR_PSM",
    "OCR_SUSPECT_CONFIDENCE",
    "OCR_SUSPECT_MIN_WORDS",
    "OcrPage",
    "OcrWord",
    "OcrWords",
    "clean_ocr_text",
    "ocr_suspect",
    "ocr_images",
    "ocr_progress",
    "read_pages",
    "read_words",
    "tesseract_available",
]

log = logging.getLogger(__name__)

OCR_DPI = 250
OCR_LANGUAGES = "kor+eng"
OCR_TIMEOUT_S = 120
MAX_OCR_PIXELS = 40_000_000  # ~A3 at 300 dpi; larger images are scaled down first

OCR_PSM = 6
"""Tesseract page segmentation mode: 6, the page as one uniform block of text.

Chosen from bench/results/ocr.md (character recall; CPU seconds per page on one core):
mode 3 (tesseract's automatic layout, used before) kept 31-39 % of the fidelity cases'
five-line scans, 1 of their 15 lines, and 15 % of a dense made-up page. Mode 6 keeps
96.5-100 % of those scans with all 15 lines, 0.903 of the real scanned SPRi pages 5-6
(mode 3: 0.853; before: 0.867) with the most lines found (55/59), and 0.971 on average
(at least 0.936) of the ten made-up scans, at 3.2 s per real page. Mode 4 reads the same
to within 0.002; keeping the better of modes 4 and 6 gains 0.002 for twice the time.
"""

PSM_CHOICES = frozenset({3, 4, 6, 11})
"""The modes bench/bench_ocr.py compares; read_pages accepts only these."""

ORIENTATION_CHECK_BELOW = 70.0
"""Mean word confidence (0-100) under which the page's orientation is checked. In
bench/results/ocr.md upright pages read at 86-93 with mode 6, pages turned 90, 180 or 270
degrees at 37-50. Checking only those keeps upright pages at one tesseract run; a turned
page costs three (up to 9 CPU s for a dense one)."""

OSD_MIN_CONFIDENCE = 4.0
"""Tesseract's orientation confidence needed before a page is turned. The bench's six
turned pages are all detected right, at 8.7-15.8; a wrong turn costs only time, since the
turned reading is kept only when it finds more confident text."""

CONFIDENT_WORD = 60.0
"""A word read with at least this confidence counts towards OcrPage.confident_chars."""

OCR_SUSPECT_CONFIDENCE = 60.0
"""Mean word confidence (0-100) under which an OCR reading is noise rather than text.
Measured with mode 6 (bench/bench_ocr.py pages and /tmp checks recorded in the commit):
the clean fidelity scans read at 92.4, the real scanned SPRi pages 5-6 at 90.3-91.0, a
real photo-with-text page (seoul p55) at 82.2; random noise reads at 13.3, a page of
speckles at 43.4, a clean scan blurred past reading at 39.1, the SPRi cover photo at 38.9."""

OCR_SUSPECT_MIN_WORDS = 5
"""Fewer words than this are a stray mark or two (a photo, a logo), not a page of noise."""

_PROGRESS: ContextVar[Callable[[int, int], None] | None] = ContextVar("ocr_progress", default=None)


@dataclass(frozen=True)
class OcrPage:
    """What tesseract read on one page image.

    ``confidence`` is the mean word confidence (tesseract's TSV ``conf``, 0-100; 0 when no
    word was read), ``confident_chars`` the characters of the words read with at least
    CONFIDENT_WORD, ``rotation`` the degrees (0, 90, 180, 270) the image was turned
    clockwise before the reading that was kept, ``orientation_confidence`` tesseract's
    confidence in the orientation it detected (0 when it was not asked or could not tell).
    """

    text: str
    confidence: float
    words: int
    confident_chars: int
    rotation: int = 0
    orientation_confidence: float = 0.0


@dataclass(frozen=True)
class OcrWord:
    """One word tesseract read, and its box in pixels of the image it was given (upright as
    given, whatever turn the reading needed); ``line`` numbers the word's line in reading order."""

    text: str
    left: int
    top: int
    width: int
    height: int
    line: int
    confidence: float


@dataclass(frozen=True)
class OcrWords:
    """The words of one page image with their boxes; ``width`` x ``height`` the image's size."""

    width: int
    height: int
    words: tuple[OcrWord, ...]
    rotation: int = 0


def tesseract_path() -> str | None:
    """Where the tesseract binary is (``REVIEWAPP_TESSERACT`` overrides), or None."""
    override = os.environ.get("REVIEWAPP_TESSERACT")
    if override:
        return override if Path(override).exists() else None
    return shutil.which("tesseract")


def tesseract_available() -> bool:
    return tesseract_path() is not None


@contextmanager
def ocr_progress(callback: Callable[[int, int], None]) -> Iterator[None]:
    """Within the block, every page OCR'd (by any extractor) calls ``callback(done, total)``.

    ``done`` counts the pages of one ``read_pages`` call finished so far (1..total), in
    page order, from the thread that called it; an extractor that OCRs in several calls
    reports each call's count.
    """
    token = _PROGRESS.set(callback)
    try:
        yield
    finally:
        _PROGRESS.reset(token)


def ocr_images(images: Sequence[Image], *, workers: int | None = None) -> list[str]:
    """OCR page images in parallel (one tesseract process per core); text per image.

    Raises ExtractionError: ``ocr_unavailable`` without tesseract or its Korean data,
    ``corrupt`` when tesseract fails on or times out (OCR_TIMEOUT_S) on an image.
    """
    return [page.text for page in read_pages(images, workers=workers)]


def read_pages(
    images: Sequence[Image],
    *,
    psm: int = OCR_PSM,
    orient: bool = True,
    erase_rules: bool = True,
    workers: int | None = None,
) -> list[OcrPage]:
    """Read page images with tesseract mode ``psm``; one OcrPage per image, in order.

    ``orient`` turns pages that read badly when orientation detection is sure, and
    ``erase_rules`` whites out table rules first (see the module docstring; both are off
    only in bench/bench_ocr.py's comparisons). ``workers`` tesseract processes run at once (default: one per core).
    Errors as ocr_images.
    """
    if psm not in PSM_CHOICES:
        raise ValueError(f"psm must be one of {sorted(PSM_CHOICES)}, not {psm!r}")
    binary = tesseract_path()
    if binary is None:
        raise ExtractionError("ocr_unavailable")
    if not images:
        return []
    report = _PROGRESS.get()
    total = len(images)
    with tempfile.TemporaryDirectory(prefix="reviewapp-ocr-") as tmp:

        def read(index: int) -> OcrPage:
            base = Path(tmp) / f"page-{index:05d}"
            return _read_page(binary, images[index], base, psm, orient, erase_rules)

        workers = workers or max(1, min(total, os.cpu_count() or 1))
        pages: list[OcrPage] = []
        with ThreadPoolExecutor(max_workers=workers) as pool:
            for page in pool.map(read, range(total)):
                pages.append(page)
                if report is not None:
                    report(len(pages), total)
        return pages


def _read_page(
    binary: str, image: Image, base: Path, psm: int, orient: bool, erase_rules: bool
) -> OcrPage:
    image = _prepare(image)
    if erase_rules:
        image = _erase_rules(image)
    path = base.with_suffix(".png")
    image.save(path, format="PNG")
    page = _tesseract(binary, path, psm)
    if not orient or page.confidence >= ORIENTATION_CHECK_BELOW:
        return page
    turn, sure = _orientation(binary, path)
    page = replace(page, orientation_confidence=sure)
    if not turn or sure < OSD_MIN_CONFIDENCE:
        return page
    turned_path = base.with_name(f"{base.name}-turned.png")
    image.rotate(-turn, expand=True).save(turned_path, format="PNG")  # rotate() turns anticlockwise
    turned = replace(
        _tesseract(binary, turned_path, psm), rotation=turn, orientation_confidence=sure
    )
    return turned if turned.confident_chars > page.confident_chars else page


def read_words(image: Image, *, psm: int = OCR_PSM) -> OcrWords:
    """The words of one page image with their boxes, read as read_pages reads the page (same
    preparation, mode and orientation check), so the words are the ones the page's text came
    from. For drawing a passage's highlight on a scanned page (reviewapp/services/ocr_marks.py).
    Errors as ocr_images."""
    if psm not in PSM_CHOICES:
        raise ValueError(f"psm must be one of {sorted(PSM_CHOICES)}, not {psm!r}")
    binary = tesseract_path()
    if binary is None:
        raise ExtractionError("ocr_unavailable")
    width, height = image.size
    prepared = _erase_rules(_prepare(image))
    with tempfile.TemporaryDirectory(prefix="reviewapp-ocr-") as tmp:
        path = Path(tmp) / "page.png"
        prepared.save(path, format="PNG")
        page = _tesseract(binary, path, psm)
        tsv, turn = path.with_suffix(".tsv"), 0
        if page.confidence < ORIENTATION_CHECK_BELOW:
            guess, sure = _orientation(binary, path)
            if guess and sure >= OSD_MIN_CONFIDENCE:
                turned_path = Path(tmp) / "page-turned.png"
                prepared.rotate(-guess, expand=True).save(turned_path, format="PNG")
                if _tesseract(binary, turned_path, psm).confident_chars > page.confident_chars:
                    tsv, turn = turned_path.with_suffix(".tsv"), guess
        rows = tsv.read_text(encoding="utf-8", errors="replace")
    scale = width / prepared.width  # _prepare may have made a huge image smaller
    words = []
    lines: dict[tuple[str, str, str], int] = {}
    for row in csv.DictReader(io.StringIO(rows), delimiter="\t", quoting=csv.QUOTE_NONE):
        text = (row.get("text") or "").strip()
        if row.get("level") != "5" or not text:
            continue
        key = (row.get("block_num") or "", row.get("par_num") or "", row.get("line_num") or "")
        box = tuple(int(row.get(k) or 0) for k in ("left", "top", "width", "height"))
        left, top, w, h = _unturn(box, turn, prepared.width, prepared.height)
        words.append(
            OcrWord(
                text,
                round(left * scale),
                round(top * scale),
                round(w * scale),
                round(h * scale),
                lines.setdefault(key, len(lines)),
                float(row.get("conf") or 0),
            )
        )
    return OcrWords(width, height, tuple(words), turn)


def _unturn(box: tuple[int, ...], turn: int, width: int, height: int) -> tuple[int, int, int, int]:
    """A box read on the image turned ``turn`` degrees clockwise, on the image as it was
    (``width`` x ``height``)."""
    left, top, w, h = box
    if turn == 90:  # (x, y) upright -> (height - y, x) turned
        return top, height - left - w, h, w
    if turn == 180:
        return width - left - w, height - top - h, w, h
    if turn == 270:  # (x, y) upright -> (y, width - x) turned
        return width - top - h, left, h, w
    return left, top, w, h


def _run(args: list[str]) -> subprocess.CompletedProcess[bytes]:
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    try:
        return subprocess.run(
            args, capture_output=True, env=env, timeout=OCR_TIMEOUT_S, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise ExtractionError(
            "corrupt",
            "OCR took too long on a page and was stopped.",
            "한 쪽의 OCR이 너무 오래 걸려 중단했습니다.",
            detail=str(exc),
        ) from exc
    except OSError as exc:
        raise ExtractionError("ocr_unavailable", detail=str(exc)) from exc


def _tesseract(binary: str, image_path: Path, psm: int) -> OcrPage:
    """One tesseract run writing the page's text and its words' confidences (TSV)."""
    out = image_path.with_suffix("")
    done = _run(
        [
            binary,
            str(image_path),
            str(out),
            *("-l", OCR_LANGUAGES, "--psm", str(psm)),
            *("-c", "tessedit_create_txt=1", "-c", "tessedit_create_tsv=1"),
        ]
    )
    if done.returncode != 0:
        err = done.stderr.decode("utf-8", "replace").strip()
        if "Failed loading language" in err or "Error opening data file" in err:
            raise ExtractionError(
                "ocr_unavailable",
                "Tesseract is installed without Korean language data (tesseract-ocr-kor).",
                "tesseract에 한국어 데이터(tesseract-ocr-kor)가 설치되어 있지 않습니다.",
                detail=err[-500:],
            )
        raise ExtractionError(
            "corrupt",
            "OCR could not read a page image.",
            "OCR이 쪽 이미지를 읽지 못했습니다.",
            detail=err[-500:],
        )
    try:
        text = out.with_suffix(".txt").read_text(encoding="utf-8", errors="replace")
        tsv = out.with_suffix(".tsv").read_text(encoding="utf-8", errors="replace")
    except OSError as exc:  # exit status 0 but no output: a broken installation
        raise ExtractionError(
            "ocr_unavailable", detail=f"tesseract wrote no result: {exc}"
        ) from exc
    words: list[tuple[str, float]] = []
    for row in csv.DictReader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE):
        word = (row.get("text") or "").strip()
        if row.get("level") == "5" and word:
            words.append((word, float(row.get("conf") or 0)))
    confidence = sum(c for _, c in words) / len(words) if words else 0.0
    confident = sum(len(w) for w, c in words if c >= CONFIDENT_WORD)
    return OcrPage(text, round(confidence, 1), len(words), confident)


_OSD_WARNED: list[bool] = []


def _orientation(binary: str, image_path: Path) -> tuple[int, float]:
    """Degrees (0, 90, 180, 270) to turn the page clockwise, and tesseract's confidence.

    Tesseract's orientation and script detection (``--psm 0``, osd.traineddata from the
    tesseract-ocr-osd package); (0, 0.0) when that data is missing or the page has too
    little text.
    """
    done = _run([binary, str(image_path), "stdout", "--psm", "0"])
    out = done.stdout.decode("utf-8", "replace")
    if done.returncode != 0 or "Rotate:" not in out:
        err = done.stderr.decode("utf-8", "replace")
        if "osd" in err and ("Failed loading" in err or "Error opening" in err) and not _OSD_WARNED:
            _OSD_WARNED.append(True)
            log.warning(
                "tesseract has no osd.traineddata (tesseract-ocr-osd): pages are not turned"
            )
        return 0, 0.0
    rotate = re.search(r"Rotate:\s*(\d+)", out)
    confidence = re.search(r"Orientation confidence:\s*([\d.]+)", out)
    if not rotate or not confidence:
        return 0, 0.0
    turn = int(rotate.group(1)) % 360
    return (turn if turn in (90, 180, 270) else 0), float(confidence.group(1))


_WORDLIKE = re.compile(r"[\uac00-\ud7a3A-Za-z0-9]")


def ocr_suspect(page: OcrPage) -> str:
    """``"ocr_low"`` (a base.SUSPECT_REASONS code) when tesseract read at least
    OCR_SUSPECT_MIN_WORDS words at a mean confidence under OCR_SUSPECT_CONFIDENCE: what it
    read is mostly noise (a blurred, faint or speckled scan), so the printed text may be
    missing or wrong. ``""`` for a good reading or for a page with almost nothing on it."""
    if page.words >= OCR_SUSPECT_MIN_WORDS and page.confidence < OCR_SUSPECT_CONFIDENCE:
        return "ocr_low"
    return ""


def clean_ocr_text(text: str) -> str:
    """Drop OCR lines that are mostly noise (photos and ornaments read as stray glyphs).

    A line is kept when at least 60% of its non-space characters are Hangul syllables,
    Latin letters or digits and it has at least two of them.
    """
    kept: list[str] = []
    for line in text.splitlines():
        chars = [c for c in line if not c.isspace()]
        good = sum(1 for c in chars if _WORDLIKE.match(c))
        if good >= 2 and good / len(chars) >= 0.6:
            kept.append(line)
    return "\n".join(kept)


MAX_UPSCALE = 3.0
"""The most a low-resolution page image is enlarged by (a 72 dpi page to 216 dpi)."""

PAGE_SIZES_IN = ((8.27, 11.69), (8.5, 11.0))
"""A4 and US Letter (inches): an image of a page's shape without a plausible resolution
tag is taken to be a whole page of the nearer one (see _source_dpi)."""


def _prepare(image: Image) -> Image:
    """Grayscale on white, at OCR_DPI where the image is a lower-resolution page, and at
    most MAX_OCR_PIXELS: what tesseract reads best and fastest.

    A page image under OCR_DPI (its resolution tag, else guessed from a page's shape:
    _source_dpi) is enlarged to OCR_DPI (Lanczos, at most MAX_UPSCALE times), so that an
    image reads like the PDF extractor's pages, which pdfium renders at OCR_DPI. Measured on
    the fidelity case ocr_clean_page.png (200 dpi): as it is, 0.965 of its characters and
    two words lost ("연" read "A", "건수는" read "ASE"); enlarged to 240, 250 or 300 dpi with
    Lanczos, 1.000, as its PDF twin pdf_scan_plain.pdf rendered at 250 dpi (bicubic: 0.974
    at 250 dpi), for about 0.2 s more per page. On bench/bench_ocr.py's ten made-up scans
    (200 and 150 dpi, untagged: their A4 shape tells), shipped reading, before -> after:
    mean recall 0.971 -> 0.974, lowest 0.936 -> 0.954, lines found 223 -> 224 of 225; the
    ruled table 0.981 -> 0.958 and two columns 0.992 -> 0.983 are the pages that lost; at
    most 4.8 CPU s per page (two columns). PDF pages (tagged OCR_DPI) are not touched.
    The prepared image's ``dpi`` says its resolution (for _erase_rules)."""
    from PIL import Image as PILImage

    given, dpi = image, _source_dpi(image)
    if image.mode != "L":
        if image.mode in ("RGBA", "LA", "P", "PA") or "transparency" in image.info:
            rgba = image.convert("RGBA")
            background = PILImage.new("RGBA", rgba.size, (255, 255, 255, 255))
            image = PILImage.alpha_composite(background, rgba)
        image = image.convert("L")
    scale = 1.0
    if dpi is not None and dpi < OCR_DPI * 0.96:
        scale = min(OCR_DPI / dpi, MAX_UPSCALE)
    pixels = image.width * image.height * scale * scale
    if pixels > MAX_OCR_PIXELS:
        scale *= (MAX_OCR_PIXELS / pixels) ** 0.5
    if scale != 1.0:
        size = (max(1, int(image.width * scale)), max(1, int(image.height * scale)))
        resample = PILImage.Resampling.LANCZOS if scale > 1 else PILImage.Resampling.BICUBIC
        image = image.resize(size, resample)
    if dpi is not None and image.info.get("dpi") != (dpi * scale, dpi * scale):
        if image is given:
            image = image.copy()  # the caller's image keeps its own tags
        image.info["dpi"] = (dpi * scale, dpi * scale)
    return image


def _source_dpi(image: Image) -> float | None:
    """The resolution of ``image`` (pixels per inch): its tag where plausible (100-1200; 72
    and 96 are what screenshots and many tools write whatever the scan), else, for an image
    shaped like an upright or sideways A4 or Letter page (within 2 %), its long side over
    the page's; None when neither tells."""
    try:
        value = float(image.info["dpi"][0])
    except (KeyError, TypeError, ValueError, IndexError):
        value = 0.0
    if 100 <= value <= 1200:
        return value
    long_side, short_side = max(image.size), min(image.size)
    if short_side < 1:
        return None
    for width_in, height_in in PAGE_SIZES_IN:
        if abs(long_side / short_side - height_in / width_in) <= 0.02 * height_in / width_in:
            return long_side / height_in
    return None


RULE_MIN_LENGTH_IN = (1.0, 0.6)
"""(horizontal, vertical) length in inches from which a straight line is a rule: longer than
any stroke of a glyph under ~50 pt, shorter than a table's rows and columns."""

RULE_MAX_WIDTH_IN = 0.04
"""Rules are thinner than this (10 px at 250 dpi): a black bar behind white text stays."""


def _erase_rules(image: Image) -> Image:
    """White out table rules and box lines (grayscale in, grayscale out).

    Tesseract takes a ruled table for a picture and returns nothing or a few cells: in
    bench/results/ocr.md mode 6 reads 0 % of the made-up table's characters with its rules
    and 98 % without, and no other page reads worse without them. Resolution from the
    image's dpi, else OCR_DPI (what the PDF extractor renders at).
    """
    import numpy as np
    from PIL import Image as PILImage

    dpi = _dpi(image)
    pixels = np.asarray(image)
    dark = pixels < 160
    long_h, long_v = (max(2, round(n * dpi)) for n in RULE_MIN_LENGTH_IN)
    thick = max(2, round(RULE_MAX_WIDTH_IN * dpi)) + 1
    # a rule drawn a little askew moves by a pixel now and then: look one pixel either side
    fat_h = dark.copy()
    fat_h[1:] |= dark[:-1]
    fat_h[:-1] |= dark[1:]
    fat_v = dark.copy()
    fat_v[:, 1:] |= dark[:, :-1]
    fat_v[:, :-1] |= dark[:, 1:]
    rules = _runs(fat_h, long_h) & ~_runs(dark.T, thick).T
    rules |= _runs(fat_v.T, long_v).T & ~_runs(dark, thick)
    rules &= pixels < 200
    if not rules.any():
        return image
    cleaned = pixels.copy()
    cleaned[rules] = 255
    return PILImage.fromarray(cleaned, mode="L")


def _dpi(image: Image) -> float:
    """The image's resolution where it says a plausible one (100-1200), else OCR_DPI."""
    try:
        value = float(image.info["dpi"][0])
    except (KeyError, TypeError, ValueError, IndexError):
        return OCR_DPI
    return value if 100 <= value <= 1200 else OCR_DPI


def _runs(mask, length: int):
    """True where ``mask`` (2-D bool) lies on a run of >= ``length`` Trues along a row."""
    import numpy as np

    if length > mask.shape[1]:
        return np.zeros_like(mask)
    starts, span = mask, 1  # starts[:, j]: mask[:, j : j + span] all True
    while span < length:
        step = min(span, length - span)
        starts = starts[:, :-step] & starts[:, step:]
        span += step
    covered = np.zeros_like(mask)
    covered[:, : starts.shape[1]] = starts
    span = 1  # covered: within span of a start
    while span < length:
        step = min(span, length - span)
        covered[:, step:] |= covered[:, :-step]
        span += step
    return covered
