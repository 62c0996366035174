"""``make bench``: every benchmark in one run; figures as JSON and Markdown under bench/results/.

``python -m bench [--only NAME ...] [--out DIR] [--quick]``; ``--quick`` measures search
latency at 10k chunks only (the 100k index takes ~15 minutes to build on 2 cores).
Not in this list (20-30 minutes): ``python -m bench.bench_commits --old REV --new REV``,
two commits side by side (search p95, suggestion time, upload -> searchable pages/s); nor
``make loadtest`` (bench/loadtest.py) and ``make bench-scale`` (bench/bench_scale.py).
The last step writes OUT/REPORT.md from every OUT/*.json present, with plots (bench/report.py);
``--no-report`` skips it.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCHES = (
    "extract",
    "fidelity",
    "pdf_pages",
    "ocr",
    "pipeline",
    "search",
    "models",
    "fusion",
    "ranking",
    "learning",
    "suggest",
    "claims",
    "highlight",
    "answering",
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--only", nargs="+", choices=BENCHES, default=list(BENCHES))
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--no-report", action="store_true", help="skip OUT/REPORT.md")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    runs = args.out / "runs.json"
    # a partial run (--only) keeps the other benchmarks' last times
    summary: dict[str, float] = json.loads(runs.read_text())["seconds"] if runs.exists() else {}
    for name in args.only:
        module = importlib.import_module(f"bench.bench_{name}")
        print(f"== bench {name}", flush=True)
        started = time.perf_counter()
        if name == "search" and args.quick:
            module.main(args.out, sizes=(10_000,))
        else:
            module.main(args.out)
        summary[name] = round(time.perf_counter() - started, 1)
        print(f"== bench {name}: {summary[name]} s -> {args.out}/{name}.md", flush=True)
    runs.write_text(json.dumps({"seconds": dict(sorted(summary.items()))}, indent=2) + "\n")
    if not args.no_report:
        from bench import report

        print(f"== report: {report.build(args.out)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
