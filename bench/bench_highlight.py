"""How often the preview pane can highlight a cited PDF passage on its page, and never wrongly.

For every passage of every PDF of the corpus and the demo (extracted with the app's extractor,
OCR off, chunked with the app's chunker, exactly as the pipeline stores them), the passage is
located in the text layer PDF.js builds for its page (``bench/pdf_text_layer.mjs``: the
vendored pdf.min.mjs under Node, the same ``getTextContent`` items the browser's text layer
shows) with ``reviewapp.services.highlight.locate``, the rules static/viewer.js applies in the
browser. PDF.js is run once per file in Node rather than in Chromium per passage (minutes).

*highlighted*: located (whole, or piecewise covering >= 75 %). *wrong*: a highlighted piece
that is not text of the passage, or that lies more than a fifth of the page outside the span
the passage takes in the extracted text. *shown beside*: not located; the pane shows the passage
text next to the page instead.

``python -m bench.bench_highlight [--out DIR]``; writes highlight.json and highlight.md.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench._shared import CORPUS, machine, write_results  # noqa: E402
from extractors.pdf import PdfExtractor  # noqa: E402
from reviewapp.services.chunking import chunk_pages  # noqa: E402
from reviewapp.services.highlight import locate, normalize  # noqa: E402

TEXT_LAYER = ROOT / "bench" / "pdf_text_layer.mjs"


def pdfs() -> list[Path]:
    return sorted(CORPUS.glob("*.pdf")) + sorted((ROOT / "demo" / "documents").rglob("*.pdf"))


def text_layer(path: Path) -> list[str]:
    """Each page's text layer as one string (PDF.js's items joined as the viewer lays them)."""
    out = subprocess.run(
        ["node", str(TEXT_LAYER), str(path)], capture_output=True, text=True, check=True
    ).stdout
    pages = json.loads(out.split("@@pages@@", 1)[1])
    return ["".join(items) for items in pages]


def measure(path: Path) -> dict[str, Any]:
    result = PdfExtractor(ocr=False).extract(path)
    layers = text_layer(path)
    counts = {"passages": 0, "exact": 0, "pieces": 0, "wrong": 0, "beside": 0}
    misses: list[str] = []
    for passage in chunk_pages([(p.number, p.text) for p in result.pages]):
        counts["passages"] += 1
        page_text = result.pages[passage.page - 1].text
        layer = layers[passage.page - 1] if passage.page <= len(layers) else ""
        norm_page, where_page = normalize(page_text)
        before = sum(1 for i in where_page if i < passage.start)
        hint = before / max(len(norm_page), 1)
        upto = sum(1 for i in where_page if i < passage.end) / max(len(norm_page), 1)
        found = locate(passage.text, layer, hint)
        if found is None:
            counts["beside"] += 1
            if len(misses) < 3:
                misses.append(f"p.{passage.page}: {passage.text[:60]!r}")
            continue
        counts["exact" if found.exact else "pieces"] += 1
        hay, _ = normalize(layer)
        needle, _ = normalize(passage.text)
        marked = [hay[start:end] for start, end in found.ranges]
        foreign = any(piece not in needle for piece in marked)
        far = any(
            not hint - 0.2 <= start / len(hay) and end / len(hay) <= upto + 0.2
            for start, end in found.ranges
        )
        if foreign or far:
            counts["wrong"] += 1
    return {"file": path.name, "pages": len(result.pages), **counts, "misses": misses}


def main(out_dir: Path) -> dict[str, Any]:
    started = time.perf_counter()
    files = [measure(path) for path in pdfs()]
    total = {
        k: sum(f[k] for f in files) for k in ("passages", "exact", "pieces", "wrong", "beside")
    }
    highlighted = total["exact"] + total["pieces"]
    rate = highlighted / total["passages"] if total["passages"] else 0.0
    result = {
        "machine": machine(),
        "seconds": round(time.perf_counter() - started, 1),
        "files": files,
        "total": total,
        "highlight_rate": round(rate, 4),
        "target": {"highlight_rate": 0.95, "wrong": 0},
        "method": "PDF.js getTextContent under Node (vendored build), matched in Python",
    }
    lines = [
        "# Highlight rate of cited PDF passages in the preview pane",
        "",
        f"{machine()}; {result['seconds']} s. {result['method']}.",
        "",
        f"**{highlighted} of {total['passages']} passages highlighted ({rate:.1%}); "
        f"{total['wrong']} wrong; {total['beside']} shown beside the page.** "
        "Target: >= 95 %, 0 wrong.",
        "",
        "| file | pages | passages | exact | pieces | wrong | beside |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for f in files:
        lines.append(
            f"| {f['file']} | {f['pages']} | {f['passages']} | {f['exact']} | {f['pieces']} "
            f"| {f['wrong']} | {f['beside']} |"
        )
    for f in files:
        for miss in f["misses"]:
            lines.append(f"\n- not located in {f['file']}: {miss}")
    write_results(out_dir, "highlight", result, "\n".join(lines) + "\n")
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = parser.parse_args()
    outcome = main(args.out)
    print(json.dumps(outcome["total"]), outcome["highlight_rate"])
