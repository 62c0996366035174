"""OCR quality and speed per tesseract page segmentation mode, on scans whose text is known.

Pages (each with the text it shows):

* the fidelity cases' scans (../shared/fidelity-cases): ``ocr_clean_page.png`` (200 dpi),
  ``pdf_scan_plain.pdf`` and the scanned page of ``pdf_scan_with_stamp.pdf`` (rendered at
  OCR_DPI as the PDF extractor does), all showing the five lines of FIVE_LINES;
* real pages: ``spri-ai-brief-scanned-p5-6.pdf`` (../shared/corpus), judged against the
  text layer of the same pages (5-6) of ``spri-ai-brief-2023-12.pdf``;
* made-up scans drawn here at 200 dpi with the Nanum fonts (fonts-nanum) from sentences of
  the Smart City Act in the corpus: sparse pages in four fonts and sizes, dense pages, two
  columns, a ruled table, a dense page at 150 dpi turned 1 degree, blurred and saved as a
  JPEG, a sparse one likewise; and turned copies (90, 180, 270 degrees) of two of them.

Measures: character recall (the share of the reference's non-space characters, as a
multiset, that the OCR text holds), ordered recall (the same along a difflib alignment,
so that text read out of order counts less), lines found (reference lines of which one
OCR line, or two adjacent ones, holds >= 80 % of the characters in order), seconds per
page with one tesseract process (OMP_THREAD_LIMIT=1; the app runs one per core), as CPU
time (what one free core takes, whatever else runs) and as wall time.

Rows: ``before`` is the code before this bench (mode 3, no preparation); ``psm N`` the
mode with today's preparation (grayscale, table rules erased) and no orientation check;
``psm 6, rules kept`` the same without erasing the rules; ``best of 4|6`` keeps, per page, whichever of modes 4 and 6 read more confident characters
(its time is both runs); ``shipped`` is what extractors.ocr.read_pages does by default.

Run: ``python -m bench.bench_ocr [OUT_DIR]`` (default bench/results); writes ocr.json and
ocr.md. About 10 minutes on 2 cores.
"""

from __future__ import annotations

import difflib
import io
import json
import os
import re
import resource
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench._shared import CORPUS, SHARED, machine, write_results  # noqa: E402
from extractors._text import normalize  # noqa: E402
from extractors.ocr import OCR_DPI, OcrPage, read_pages, tesseract_available  # noqa: E402

FIDELITY = SHARED / "fidelity-cases"
FONTS = Path("/usr/share/fonts/truetype/nanum")
SCANNED = "spri-ai-brief-scanned-p5-6.pdf"
ORIGINAL = "spri-ai-brief-2023-12.pdf"
FIVE_LINES = (
    "스마트도시 통합운영센터 운영 실적 보고",
    "1. 교통정보 연계: 버스정보시스템과 주차정보를 통합하였다.",
    "2. 방범 CCTV 1,250대를 통합운영센터에 연계하였다.",
    "3. 시민참여 리빙랩을 연 4회 운영하였다.",
    "4. 공공와이파이 접속 건수는 월 평균 32만 건이다.",
)
"""The lines every fidelity-case scan shows (../shared/fidelity-cases/README.md)."""

MODES = (3, 4, 6, 11)
LINE_FOUND = 0.8


# ----------------------------------------------------------------------------- measures


def _chars(text: str) -> str:
    return "".join(c for c in normalize(text) if not c.isspace())


def char_recall(reference: str, text: str) -> float:
    """Share (0-1) of the reference's non-space characters, as a multiset, found in ``text``."""
    wanted, got = Counter(_chars(reference)), Counter(_chars(text))
    return sum((wanted & got).values()) / max(1, sum(wanted.values()))


def ordered_recall(reference: str, text: str) -> float:
    """Share (0-1) of the reference's non-space characters matched in order (difflib)."""
    a, b = _chars(reference), _chars(text)
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return sum(m.size for m in matcher.get_matching_blocks()) / max(1, len(a))


def line_recalls(reference: str, text: str) -> list[float]:
    """Per reference line, the best share (0-1) of its characters, in order, that one OCR
    line or two adjacent OCR lines hold."""
    lines = [_chars(line) for line in text.splitlines() if line.strip()]
    windows = lines + [a + b for a, b in zip(lines, lines[1:], strict=False)]
    found = []
    for line in (_chars(x) for x in reference.splitlines()):
        if not line:
            continue
        best = 0.0
        for window in windows:
            matcher = difflib.SequenceMatcher(None, line, window, autojunk=False)
            best = max(best, sum(m.size for m in matcher.get_matching_blocks()) / len(line))
        found.append(best)
    return found


# ----------------------------------------------------------------------------- pages


def _render(pdf: Path, index: int):
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(pdf))
    try:
        return doc[index].render(scale=OCR_DPI / 72, grayscale=True).to_pil().copy()
    finally:
        doc.close()


def _text_layer(pdf: Path, index: int) -> str:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(pdf))
    try:
        textpage = doc[index].get_textpage()
        try:
            return textpage.get_text_range()
        finally:
            textpage.close()
    finally:
        doc.close()


def _sentences() -> list[str]:
    body = (CORPUS / "law-smart-city-act.md").read_text(encoding="utf-8").split("---", 2)[2]
    out = []
    for line in body.splitlines():
        line = re.sub(r"\s+", " ", re.sub(r"[#*\\<>]", "", line)).strip()
        if len(line) >= 15 and re.search("[가-힣]", line):
            out.append(line)
    return out


def _wrap(text: str, font, width: int) -> list[str]:
    lines, current = [], ""
    for word in text.split(" "):
        candidate = f"{current} {word}".strip()
        if font.getlength(candidate) <= width:
            current = candidate
        else:
            if current:
                lines.append(current)
            current = word
    return lines + [current] if current else lines


def made_up_pages(dpi: int = 200) -> list[tuple[str, Any, str]]:
    """(name, grayscale A4 image, the text drawn on it) for the made-up scans."""
    import random

    from PIL import Image, ImageDraw, ImageFilter, ImageFont

    def font(name: str, points: float):
        return ImageFont.truetype(str(FONTS / name), int(points * dpi / 72))

    def page():
        return Image.new("L", (int(8.27 * dpi), int(11.69 * dpi)), 255)

    def draw(image, lines, fnt, x, y):
        pen = ImageDraw.Draw(image)
        for line in lines:
            pen.text((x, y), line, font=fnt, fill=0)
            y += int(fnt.size * 1.6)

    def degrade(image, angle: float, blur: float, scale: float):
        image = image.rotate(angle, fillcolor=255, resample=Image.BICUBIC)
        image = image.filter(ImageFilter.GaussianBlur(blur))
        if scale != 1:
            image = image.resize((int(image.width * scale), int(image.height * scale)))
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=40)
        return Image.open(io.BytesIO(buffer.getvalue())).convert("L")

    sentences = _sentences()
    rng = random.Random(13)
    margin = int(60 * dpi / 72)
    pages: list[tuple[str, Any, str]] = []
    for name, size in (
        ("NanumGothic", 12),
        ("NanumMyeongjo", 12),
        ("NanumBarunGothic", 11),
        ("NanumGothic", 10),
    ):
        fnt, image = font(f"{name}.ttf", size), page()
        short = [s for s in sentences if len(s) < 60]
        rng.shuffle(short)
        lines = [x for s in short[:5] for x in _wrap(s, fnt, image.width - 2 * margin)][:6]
        draw(image, lines, fnt, margin, int(50 * dpi / 72))
        pages.append((f"sparse {name} {size}pt", image, "\n".join(lines)))
    for name in ("NanumGothic", "NanumMyeongjo"):
        fnt, image = font(f"{name}.ttf", 10), page()
        lines, i = [], rng.randrange(len(sentences) - 60)
        while len(lines) < 40:
            lines += _wrap(sentences[i], fnt, image.width - 2 * margin)
            i += 1
        draw(image, lines[:40], fnt, margin, margin)
        pages.append((f"dense {name} 10pt", image, "\n".join(lines[:40])))
    fnt, image = font("NanumGothic.ttf", 10), page()
    gap = int(30 * dpi / 72)
    column = (image.width - 2 * int(50 * dpi / 72) - gap) // 2
    columns, i = [], rng.randrange(len(sentences) - 60)
    for c in range(2):
        lines = []
        while len(lines) < 35:
            lines += _wrap(sentences[i], fnt, column)
            i += 1
        columns.append(lines[:35])
        draw(image, lines[:35], fnt, int(50 * dpi / 72) + c * (column + gap), margin)
    pages.append(("two columns", image, "\n".join(columns[0] + columns[1])))
    fnt, image = font("NanumGothic.ttf", 10), page()
    pen = ImageDraw.Draw(image)
    items = ("지능형 CCTV 통합", "버스정보시스템", "스마트 가로등", "공공와이파이")
    items += ("주차정보 안내", "재난안전 알림", "스마트 횡단보도", "도시데이터 허브")
    rows = [["사업명", "사업비(천원)", "설치 수량", "완료 연도"]] + [
        [
            item,
            f"{rng.randrange(100, 9000) * 1000:,}",
            f"{rng.randrange(2, 400)}대",
            f"{rng.randrange(2019, 2025)}년",
        ]
        for item in items
    ]
    widths = [int(w * dpi / 72) for w in (150, 110, 90, 110)]
    row_height, x0, y0 = int(26 * dpi / 72), margin, int(80 * dpi / 72)
    for r, row in enumerate(rows):
        x = x0
        for c, cell in enumerate(row):
            top = y0 + r * row_height
            pen.rectangle((x, top, x + widths[c], top + row_height), outline=0, width=2)
            pen.text((x + int(6 * dpi / 72), top + int(7 * dpi / 72)), cell, font=fnt, fill=0)
            x += widths[c]
    pages.append(("ruled table", image, "\n".join(" ".join(row) for row in rows)))
    _, dense, dense_text = pages[4]
    pages.append(("dense 150 dpi, 1 deg, blur, JPEG", degrade(dense, 1.0, 0.8, 0.75), dense_text))
    _, sparse, sparse_text = pages[0]
    pages.append(("sparse 1.2 deg, blur, JPEG", degrade(sparse, -1.2, 0.7, 1.0), sparse_text))
    return pages


def turned_pages(pages: list[tuple[str, Any, str]]) -> list[tuple[str, Any, str]]:
    """Copies of the first sparse and the first dense page turned 90, 180 and 270 degrees
    anticlockwise (as a scanner fed sideways or upside down leaves them)."""
    turned = []
    for name, image, text in (pages[0], pages[4]):
        for angle in (90, 180, 270):
            turned.append((f"{name} turned {angle}", image.rotate(angle, expand=True), text))
    return turned


def fidelity_pages() -> list[tuple[str, Any, str]]:
    from PIL import Image

    reference = "\n".join(FIVE_LINES)
    with Image.open(FIDELITY / "ocr_clean_page.png") as image:
        clean = image.copy()
    return [
        ("ocr_clean_page.png", clean, reference),
        ("pdf_scan_plain.pdf", _render(FIDELITY / "pdf_scan_plain.pdf", 0), reference),
        ("pdf_scan_with_stamp.pdf", _render(FIDELITY / "pdf_scan_with_stamp.pdf", 0), reference),
    ]


def real_pages() -> list[tuple[str, Any, str]]:
    return [
        (f"{SCANNED} p{5 + i}", _render(CORPUS / SCANNED, i), _text_layer(CORPUS / ORIGINAL, 4 + i))
        for i in (0, 1)
    ]


# ----------------------------------------------------------------------------- runs


def _before(image) -> tuple[OcrPage, float]:
    """The reading before this bench: mode 3 on the grayscale image, nothing erased."""
    return _timed(image, psm=3, orient=False, erase_rules=False)


def _cpu() -> float:
    """CPU seconds used so far by this process and its finished children (tesseract)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def _timed(image, **options: Any) -> tuple[OcrPage, tuple[float, float]]:
    """The reading and its (wall, CPU) seconds; CPU time does not grow when other work
    shares the cores, so it is what one free core would take."""
    started, cpu = time.perf_counter(), _cpu()
    [page] = read_pages([image], workers=1, **options)
    return page, (time.perf_counter() - started, _cpu() - cpu)


def _score(reference: str, page: OcrPage, seconds: tuple[float, float]) -> dict[str, Any]:
    lines = line_recalls(reference, page.text)
    return {
        "recall": round(char_recall(reference, page.text), 3),
        "ordered_recall": round(ordered_recall(reference, page.text), 3),
        "lines_found": sum(x >= LINE_FOUND for x in lines),
        "lines": len(lines),
        "confidence": page.confidence,
        "rotation": page.rotation,
        "orientation_confidence": page.orientation_confidence,
        "seconds": round(seconds[0], 2),
        "cpu_seconds": round(seconds[1], 2),
    }


def measure_page(reference: str, image, *, turned: bool) -> dict[str, dict[str, Any]]:
    """Every row of the table for one page (turned pages: psm 6 without and with the
    orientation check only)."""
    rows: dict[str, dict[str, Any]] = {}
    if turned:
        rows["psm 6"] = _score(reference, *_timed(image, psm=6, orient=False))
        rows["shipped"] = _score(reference, *_timed(image))
        return rows
    rows["before"] = _score(reference, *_before(image))
    reads: dict[int, tuple[OcrPage, float]] = {}
    for psm in MODES:
        reads[psm] = _timed(image, psm=psm, orient=False)
        rows[f"psm {psm}"] = _score(reference, *reads[psm])
    rows["psm 6, rules kept"] = _score(
        reference, *_timed(image, psm=6, orient=False, erase_rules=False)
    )
    (four, t4), (six, t6) = reads[4], reads[6]
    best = four if four.confident_chars > six.confident_chars else six
    rows["best of 4|6"] = _score(reference, best, (t4[0] + t6[0], t4[1] + t6[1]))
    rows["shipped"] = _score(reference, *_timed(image))
    return rows


def _summary(results: dict[str, dict[str, dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    by_row: dict[str, list[dict[str, Any]]] = {}
    for rows in results.values():
        for row, figures in rows.items():
            by_row.setdefault(row, []).append(figures)
    return {
        row: {
            "pages": len(figs),
            "mean_recall": round(sum(f["recall"] for f in figs) / len(figs), 3),
            "min_recall": min(f["recall"] for f in figs),
            "mean_ordered_recall": round(sum(f["ordered_recall"] for f in figs) / len(figs), 3),
            "lines_found": f"{sum(f['lines_found'] for f in figs)}/{sum(f['lines'] for f in figs)}",
            "seconds_per_page": round(sum(f["seconds"] for f in figs) / len(figs), 2),
            "cpu_seconds_per_page": round(sum(f["cpu_seconds"] for f in figs) / len(figs), 2),
            "max_cpu_seconds": max(f["cpu_seconds"] for f in figs),
        }
        for row, figs in by_row.items()
    }


def main(out_dir: Path) -> dict[str, Any]:
    """Measure every group, write ocr.json and ocr.md into ``out_dir``, return the figures."""
    if not tesseract_available():
        raise SystemExit("tesseract is not installed: nothing to measure")
    made_up = made_up_pages()
    groups = {
        "fidelity scans": fidelity_pages(),
        "real scanned pages": real_pages(),
        "made-up scans": made_up,
        "turned pages": turned_pages(made_up),
    }
    figures: dict[str, Any] = {
        "machine": machine(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "groups": {},
    }
    for group, pages in groups.items():
        results = {}
        for name, image, reference in pages:
            results[name] = measure_page(reference, image, turned=group == "turned pages")
            print(f"{group}: {name}: {json.dumps(results[name]['shipped'])}", flush=True)
        figures["groups"][group] = {"pages": results, "summary": _summary(results)}
    figures["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    write_results(out_dir, "ocr", figures, _markdown(figures))
    return figures


def _markdown(figures: dict[str, Any]) -> str:
    lines = [
        "# OCR: tesseract page segmentation modes on Korean scans",
        "",
        f"{figures['machine']}; tesseract kor+eng, one process (OMP_THREAD_LIMIT=1) per page. "
        "CPU s: tesseract's and this process's CPU time per page, i.e. the wall time on one "
        "free core; wall s: as measured, with the load average at "
        f"{figures['load_average_at_start']} at the start and "
        f"{figures['load_average_at_end']} at the end (other work shared the CPUs). "
        "How the pages and rows are made: bench/bench_ocr.py.",
        "",
    ]
    for group, data in figures["groups"].items():
        lines += [
            f"## {group}",
            "",
            "| row | pages | recall (mean) | recall (min) | ordered recall | lines found "
            "| CPU s/page | max CPU s | wall s/page |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for row, s in data["summary"].items():
            lines.append(
                f"| {row} | {s['pages']} | {s['mean_recall']:.3f} | {s['min_recall']:.3f} | "
                f"{s['mean_ordered_recall']:.3f} | {s['lines_found']} | "
                f"{s['cpu_seconds_per_page']} | {s['max_cpu_seconds']} | {s['seconds_per_page']} |"
            )
        lines += ["", "Per page, recall (lines found) for each row:", ""]
        rows = list(data["summary"])
        lines += ["| page | " + " | ".join(rows) + " |", "|---|" + "---:|" * len(rows)]
        for name, page in data["pages"].items():
            cells = [
                f"{page[r]['recall']:.3f} ({page[r]['lines_found']}/{page[r]['lines']})"
                for r in rows
            ]
            lines.append(f"| {name} | " + " | ".join(cells) + " |")
        turned = {
            name: page["shipped"]
            for name, page in data["pages"].items()
            if page["shipped"]["orientation_confidence"]
        }
        if turned:
            lines += [
                "",
                "Orientation asked (shipped): "
                + "; ".join(
                    f"{name}: turned {f['rotation']}, confidence {f['orientation_confidence']}"
                    for name, f in turned.items()
                )
                + ".",
            ]
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "bench" / "results"
    target.mkdir(parents=True, exist_ok=True)
    result = main(target)
    print(json.dumps({g: d["summary"] for g, d in result["groups"].items()}, indent=2))
