"""Extraction speed on the real corpus: pages per second per format, OCR seconds per page.

Run: ``python bench/bench_extract.py [out_dir]``; writes ``extract.json`` and ``extract.md``
(default ``bench/results/``). Repeats files until each format has >= 200 pages measured
in total (min 1 pass), so small formats are not timed on a handful of pages.
"""

from __future__ import annotations

import json
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench._shared import CORPUS  # noqa: E402
from extractors import ExtractionError, extract  # noqa: E402
from extractors.ocr import tesseract_available  # noqa: E402

CORPUS_CANDIDATES = (CORPUS,)
MIN_PAGES_PER_FORMAT = 200
MAX_SECONDS_PER_FORMAT = 15.0
SCANNED = "spri-ai-brief-scanned-p5-6.pdf"


def _corpus() -> Path:
    for candidate in CORPUS_CANDIDATES:
        if candidate.is_dir():
            return candidate
    raise SystemExit("corpus not found (expected ../shared/corpus)")


def _bench_format(files: list[Path]) -> dict[str, object]:
    pages = chars = runs = 0
    errors: list[str] = []
    elapsed = 0.0
    while pages < MIN_PAGES_PER_FORMAT and elapsed < MAX_SECONDS_PER_FORMAT:
        for path in files:
            start = time.perf_counter()
            try:
                result = extract(path, ocr=False)
            except ExtractionError as err:
                elapsed += time.perf_counter() - start
                if runs == 0:
                    errors.append(f"{path.name}: {err.code}")
                continue
            elapsed += time.perf_counter() - start
            pages += len(result.pages)
            chars += sum(len(p.text) for p in result.pages)
        runs += 1
        if pages == 0:
            break
    return {
        "files": [p.name for p in files],
        "passes": runs,
        "pages": pages,
        "chars": chars,
        "seconds": round(elapsed, 3),
        "pages_per_s": round(pages / elapsed, 1) if elapsed else None,
        "chars_per_s": round(chars / elapsed) if elapsed else None,
        "expected_errors": errors,
    }


def _bench_ocr(path: Path) -> dict[str, object]:
    if not tesseract_available():
        return {"available": False}
    start = time.perf_counter()
    result = extract(path, ocr=True)
    elapsed = time.perf_counter() - start
    return {
        "available": True,
        "file": path.name,
        "pages": len(result.pages),
        "seconds": round(elapsed, 2),
        "seconds_per_page": round(elapsed / max(1, len(result.pages)), 2),
        "workers": os.cpu_count(),
    }


def main(out_dir: Path) -> dict:
    """Measure, write extract.json and extract.md into ``out_dir``, return the figures."""
    corpus = _corpus()
    groups: dict[str, list[Path]] = {}
    suffix_group = {
        ".pdf": "pdf",
        ".hwp": "hwp",
        ".hwpx": "hwpx",
        ".docx": "docx",
        ".xlsx": "xlsx",
        ".md": "text",
    }
    for path in sorted(corpus.iterdir()):
        group = suffix_group.get(path.suffix.lower())
        if group and path.name not in (SCANNED, "README.md"):
            groups.setdefault(group, []).append(path)
    formats = {name: _bench_format(files) for name, files in groups.items()}
    total_pages = sum(int(f["pages"]) for f in formats.values())
    total_seconds = sum(float(f["seconds"]) for f in formats.values())
    figures = {
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
        },
        "formats": formats,
        "total": {
            "pages": total_pages,
            "seconds": round(total_seconds, 2),
            "pages_per_s": round(total_pages / total_seconds, 1) if total_seconds else None,
        },
        "ocr": _bench_ocr(corpus / SCANNED)
        if (corpus / SCANNED).exists()
        else {"available": False},
        "notes": "ocr=False for the format figures (text layers only); HWP/HWPX/DOCX/text pages are estimates.",
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "extract.json").write_text(
        json.dumps(figures, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    (out_dir / "extract.md").write_text(_markdown(figures), encoding="utf-8")
    return figures


def _markdown(figures: dict) -> str:
    lines = [
        "# Extraction speed",
        "",
        f"Python {figures['machine']['python']}, {figures['machine']['cpus']} CPUs. "
        "Text layers only (OCR off); HWP/HWPX/DOCX/text pages are estimated pages.",
        "",
        "| format | files | passes | pages | seconds | pages/s | chars/s | expected errors |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for name, f in figures["formats"].items():
        lines.append(
            f"| {name} | {len(f['files'])} | {f['passes']} | {f['pages']} | {f['seconds']} | "
            f"{f['pages_per_s']} | {f['chars_per_s']} | {', '.join(f['expected_errors']) or '-'} |"
        )
    total = figures["total"]
    lines.append(
        f"| **all** | | | {total['pages']} | {total['seconds']} | {total['pages_per_s']} | | |"
    )
    ocr = figures["ocr"]
    lines.append("")
    if ocr.get("available"):
        lines.append(
            f"OCR (tesseract kor+eng, {ocr['workers']} workers): {ocr['file']}, {ocr['pages']} pages in "
            f"{ocr['seconds']} s = **{ocr['seconds_per_page']} s/page**."
        )
    else:
        lines.append("OCR: tesseract not installed, not measured.")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "bench" / "results"
    print(json.dumps(main(target)["total"], indent=2))
