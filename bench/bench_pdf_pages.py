"""PDF pages whose text layer is not what they print: the characters each extractor recovers on
the fidelity cases, the page signals that chose the thresholds, and what judging every page
costs on the corpus text PDFs, old extractor against new.

``python -m bench.bench_pdf_pages [--old REV] [--rounds N] [--out DIR]``; writes
``OUT_DIR/pdf_pages.json`` and ``OUT_DIR/pdf_pages.md`` (default ``bench/results``).

The old extractor is ``extractors/pdf.py`` at REV (default a47691e, the last commit before
pages were judged), read with ``git show`` and loaded as a module of this checkout's
``extractors`` package, so both run in one process on the same files. Timing: OCR off, the
three text PDFs of the corpus per round, rounds alternating old/new in ABBA order so drift on
a shared machine falls on both sides; the ratio of the median round times is the figure.
Recovery: OCR on (tesseract kor+eng) and off, on the shared cases and an outlined-text page
made here (tests/extractors/pdf_cases.py draws it).
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
for extra in (ROOT, ROOT / "tests" / "extractors"):
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))

from bench._shared import CORPUS, SHARED, machine, write_results  # noqa: E402
from extractors import ExtractionError  # noqa: E402
from extractors import _pdf_judge as judge  # noqa: E402
from extractors.ocr import tesseract_available  # noqa: E402
from extractors.pdf import PdfExtractor  # noqa: E402

OLD_REV = "a47691e"
SCANNED = "spri-ai-brief-scanned-p5-6.pdf"  # no text layer at all: nothing to keep unchanged


def load_old(rev: str) -> type:
    """``PdfExtractor`` of ``extractors/pdf.py`` at git revision ``rev``."""
    source = subprocess.run(
        ["git", "show", f"{rev}:extractors/pdf.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    name = "extractors._pdf_old"
    spec = importlib.util.spec_from_loader(name, loader=None)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    module.__package__ = "extractors"
    sys.modules[name] = module
    exec(compile(source, f"{rev}:extractors/pdf.py", "exec"), module.__dict__)
    return module.PdfExtractor


def _text_pdfs() -> list[Path]:
    return sorted(p for p in CORPUS.glob("*.pdf") if p.name != SCANNED)


def timing(old_cls: type, rounds: int) -> dict[str, Any]:
    """Median seconds per round (all text PDFs, OCR off) of each extractor, and their ratio."""
    files = _text_pdfs()
    old, new = old_cls(ocr=False), PdfExtractor(ocr=False)
    seconds: dict[str, list[float]] = {"old": [], "new": []}
    for extractor in (old, new):  # warm-up: imports, pdfium, file cache
        for path in files:
            extractor.extract(path)
    for index in range(rounds):
        order = [("old", old), ("new", new)]
        if index % 4 in (1, 2):
            order.reverse()
        for name, extractor in order:
            start = time.perf_counter()
            for path in files:
                extractor.extract(path)
            seconds[name].append(time.perf_counter() - start)
    pages = sum(len(new.extract(p).pages) for p in files)
    differing = [
        f"{path.name} p{a.number}"
        for path in files
        for a, b in zip(old.extract(path).pages, new.extract(path).pages, strict=True)
        if a.text != b.text
    ]
    old_median = statistics.median(seconds["old"])
    new_median = statistics.median(seconds["new"])
    return {
        "files": [p.name for p in files],
        "pages": pages,
        "rounds": rounds,
        "old_s": round(old_median, 4),
        "new_s": round(new_median, 4),
        "old_rounds_s": [round(s, 4) for s in seconds["old"]],
        "new_rounds_s": [round(s, 4) for s in seconds["new"]],
        "ratio": round(new_median / old_median, 3),
        "pages_with_other_text": differing,
    }


def signals(outlined: Path) -> dict[str, Any]:
    """The page signals over the corpus text PDFs, the shared PDF cases and ``outlined``."""
    import pypdfium2 as pdfium

    rows: list[dict[str, Any]] = []
    corpus = _text_pdfs()
    cases = sorted((SHARED / "fidelity-cases").glob("pdf_*.pdf")) + [outlined]
    for path in corpus + cases:
        doc = pdfium.PdfDocument(str(path))
        try:
            for index in range(len(doc)):
                page = doc[index]
                textpage = page.get_textpage()
                found = judge.measure(page, textpage, textpage.get_text_range())
                textpage.close()
                image_share, _segments = judge._objects(page)  # on every page, for the table
                page.close()
                rows.append(
                    {
                        "file": path.name,
                        "page": index + 1,
                        "case": path not in corpus,
                        "chars": found.chars,
                        "garbled": round(found.garbled, 3),
                        "image_share": round(found.image_share, 3),
                        "image_share_any_page": round(image_share, 3),
                        "path_segments": found.path_segments,
                        "verdict": judge.verdict(found),
                    }
                )
        finally:
            doc.close()
    pages = [r for r in rows if not r["case"]]
    no_text = [r for r in pages if r["chars"] < judge.NO_TEXT_CHARS]
    imaged = [r for r in pages if r["image_share_any_page"] >= judge.SCAN_IMAGE_SHARE]
    return {
        "corpus_pages": len(pages),
        "corpus_max_garbled": max(pages, key=lambda r: r["garbled"]),
        "corpus_flagged": [r for r in pages if r["verdict"]],
        "corpus_sparse_pages": sum(r["chars"] < judge.SPARSE_CHARS for r in pages),
        "sparse_not_flagged": [
            r for r in pages if r["chars"] < judge.SPARSE_CHARS and not r["verdict"]
        ],
        "corpus_max_segments_without_text": max(
            no_text, key=lambda r: r["path_segments"], default=None
        ),
        "corpus_least_text_beside_large_image_not_flagged": min(
            (r for r in imaged if not r["verdict"]), key=lambda r: r["chars"], default=None
        ),
        "cases": [r for r in rows if r["case"]],
    }


def recovery(old_cls: type, outlined: Path) -> list[dict[str, Any]]:
    """Per case, per extractor and OCR setting: share of the five printed lines recovered."""
    from pdf_cases import LINES, STAMP, recovered

    cases = [
        ("pdf_scan_with_stamp.pdf", SHARED / "fidelity-cases" / "pdf_scan_with_stamp.pdf"),
        ("pdf_no_tounicode.pdf", SHARED / "fidelity-cases" / "pdf_no_tounicode.pdf"),
        ("pdf_scan_plain.pdf", SHARED / "fidelity-cases" / "pdf_scan_plain.pdf"),
        ("outlined text (made here)", outlined),
    ]
    settings = [("old", old_cls, True), ("new", PdfExtractor, True), ("new", PdfExtractor, False)]
    rows = []
    for name, path in cases:
        for label, cls, ocr in settings:
            if ocr and not tesseract_available():
                continue
            row: dict[str, Any] = {"case": name, "extractor": label, "ocr": ocr}
            start = time.perf_counter()
            try:
                (page,) = cls(ocr=ocr).extract(path).pages
            except ExtractionError as exc:
                row.update(error=exc.code, message=exc.message, recovered=0.0)
            else:
                row.update(
                    recovered=round(recovered("\n".join(LINES), page.text), 3),
                    stamp=STAMP in page.text,
                    garbled_chars=judge.garbled_count(page.text),
                    ocr_page=page.ocr,
                    suspect=getattr(page, "suspect", ""),
                    chars=len(page.text),
                )
            row["seconds"] = round(time.perf_counter() - start, 2)
            rows.append(row)
    return rows


def main(out_dir: Path, old_rev: str = OLD_REV, rounds: int = 12) -> dict[str, Any]:
    """Measure, write pdf_pages.json and pdf_pages.md into ``out_dir``, return the figures."""
    from pdf_cases import LINES, outlined_pdf

    old_cls = load_old(old_rev)
    with tempfile.TemporaryDirectory(prefix="bench-pdf-") as tmp:
        outlined = outlined_pdf(Path(tmp) / "outlined.pdf", LINES)
        result = {
            "machine": machine(),
            "old_rev": old_rev,
            "timing": timing(old_cls, rounds),
            "signals": signals(outlined),
            "recovery": recovery(old_cls, outlined),
        }
    out_dir.mkdir(parents=True, exist_ok=True)
    write_results(out_dir, "pdf_pages", result, _markdown(result))
    return result


def _markdown(result: dict[str, Any]) -> str:
    t = result["timing"]
    s = result["signals"]
    lines = [
        "# PDF pages whose text layer is not what they print",
        "",
        f"{result['machine']}. Old = `extractors/pdf.py` at {result['old_rev']}, new = this checkout.",
        "",
        "## Text PDFs: cost of judging every page (OCR off)",
        "",
        f"{len(t['files'])} corpus text PDFs, {t['pages']} pages, {t['rounds']} rounds (ABBA): "
        f"old {t['old_s']} s, new {t['new_s']} s a round (medians) -> **new/old = {t['ratio']}**. "
        f"Pages whose text differs: {', '.join(t['pages_with_other_text']) or 'none'}.",
        "",
        "## Characters recovered (share of the five printed lines' non-space characters)",
        "",
        "| case | extractor | OCR | recovered | stamp kept | garbled chars | OCR'd | suspect / error | s |",
        "|---|---|---|---:|---|---:|---|---|---:|",
    ]
    for r in result["recovery"]:
        outcome = r.get("suspect") or (f"error {r['error']}" if "error" in r else "-")
        lines.append(
            f"| {r['case']} | {r['extractor']} | {'on' if r['ocr'] else 'off'} | {r['recovered']} | "
            f"{'yes' if r.get('stamp') else '-'} | {r.get('garbled_chars', '-')} | "
            f"{'yes' if r.get('ocr_page') else '-'} | {outcome} | {r['seconds']} |"
        )
    top = s["corpus_max_garbled"]
    seg = s["corpus_max_segments_without_text"]
    least = s["corpus_least_text_beside_large_image_not_flagged"]
    lines += [
        "",
        "## Page signals that chose the thresholds",
        "",
        f"Corpus text PDFs: {s['corpus_pages']} pages, {s['corpus_sparse_pages']} sparse "
        f"(< {judge.SPARSE_CHARS} characters, objects inspected).",
        f"- highest garbled share: {top['garbled']} ({top['file']} p{top['page']}); "
        f"threshold {judge.GARBLED_SHARE}",
        f"- most path segments on a page under {judge.NO_TEXT_CHARS} characters: "
        + (f"{seg['path_segments']} ({seg['file']} p{seg['page']})" if seg else "none")
        + f"; threshold {judge.VECTOR_MIN_SEGMENTS}",
        "- least text on a page not flagged whose images cover >= "
        f"{judge.SCAN_IMAGE_SHARE} of it: "
        + (
            f"{least['chars']} characters ({least['file']} p{least['page']}, images "
            f"{least['image_share_any_page']})"
            if least
            else "none"
        )
        + f"; threshold {judge.SPARSE_CHARS}",
        "- least image share among the flagged image pages: "
        + str(min((r["image_share"] for r in s["corpus_flagged"]), default="none"))
        + "; largest on a sparse page not flagged: "
        + str(
            max(
                (r["image_share"] for r in s["sparse_not_flagged"]),
                default="none",
            )
        )
        + f"; threshold {judge.SCAN_IMAGE_SHARE}",
        "",
        "| file | page | chars | garbled | image share | path segments | verdict |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for r in s["corpus_flagged"] + s["cases"]:
        lines.append(
            f"| {r['file']} | {r['page']} | {r['chars']} | {r['garbled']} | {r['image_share']} | "
            f"{r['path_segments']} | {r['verdict'] or '-'} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--old", default=OLD_REV)
    parser.add_argument("--rounds", type=int, default=12)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = parser.parse_args()
    figures = main(args.out, args.old, args.rounds)
    print(f"new/old = {figures['timing']['ratio']}")
