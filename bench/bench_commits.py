"""Old commit against new, side by side in one run: search p95, suggestion time per indicator,
upload -> searchable pages/s; within 10 %?

``python -m bench.bench_commits [--old 317c0e3] [--new HEAD] [--rounds 4] [--out DIR]``;
writes ``OUT_DIR/commits.json`` and ``OUT_DIR/commits.md`` (default ``bench/results``).

Each commit is checked out as a temporary ``git worktree`` (outside the repo) and measured by
``bench/_commit_driver.py`` in a subprocess with ``PYTHONPATH`` set to that worktree, so each
commit's own ``reviewapp``/``search_index`` run (this checkout's venv, e5 model and
../shared corpus). Setup once per commit (the ~10k-passage search index of bench_search's
synthetic corpus; a submission of ~500 passages with both models' vectors), then rounds of
the three measurements, alternating old/new in ABBA order so drift on a shared machine
falls on both sides. Only ratios within this one run mean anything; the absolute figures
depend on what else the machine was doing. Not in ``make bench`` (about 15-20 minutes).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import bench_search  # noqa: E402
from bench._shared import CORPUS, E5_MODEL_DIR, machine, write_results  # noqa: E402

DRIVER = Path(__file__).resolve().parent / "_commit_driver.py"
SEARCH_CHUNKS = 10_000
SUGGEST_CHUNKS = 500
TOLERANCE = 0.10
E2E_SUFFIXES = (".pdf", ".hwp", ".hwpx", ".docx")
SCANNED = "spri-ai-brief-scanned-p5-6.pdf"  # OCR, not part of upload -> searchable


def _git(*args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout.strip()


def pct(values: list[float], p: float) -> float:
    return bench_search.pct(values, p)


class Side:
    """One commit: its worktree, data dir and driver runs."""

    def __init__(self, label: str, rev: str, tmp: Path, common: dict[str, Any]) -> None:
        self.label, self.rev = label, rev
        self.sha = _git("rev-parse", f"{rev}^{{commit}}")
        self.worktree = tmp / f"wt-{label}"
        self.data = tmp / f"data-{label}"
        self.data.mkdir()
        _git("worktree", "add", "--detach", str(self.worktree), self.sha)
        self.spec = {**common, "worktree": str(self.worktree), "data": str(self.data)}
        self.tmp = tmp

    def run(self, task: str, log: Any) -> dict[str, Any]:
        spec_path = self.tmp / f"spec-{self.label}.json"
        out_path = self.tmp / f"out-{self.label}-{task}.json"
        spec_path.write_text(json.dumps(self.spec, ensure_ascii=False))
        env = {**os.environ, "PYTHONPATH": str(self.worktree), "PYTHONDONTWRITEBYTECODE": "1"}
        env.pop("REVIEWAPP_DATA_DIR", None)
        t0 = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, str(DRIVER), task, str(spec_path), str(out_path)],
            cwd=self.worktree,
            env=env,
            capture_output=True,
            text=True,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"{self.label} {task} failed:\n{proc.stderr[-4000:]}")
        log(f"{self.label} {task}: {time.perf_counter() - t0:.1f} s in the subprocess")
        return json.loads(out_path.read_text())

    def remove(self) -> None:
        subprocess.run(
            ["git", "worktree", "remove", "--force", str(self.worktree)],
            cwd=ROOT,
            capture_output=True,
        )


def _inputs(tmp: Path) -> dict[str, Any]:
    """bench_search's 10k synthetic passages and 100 latency queries (with the submission
    each filtered query is limited to), and the corpus files bench_pipeline uploads."""
    chunks = bench_search.synth_chunks(bench_search.base_texts(), SEARCH_CHUNKS)
    (tmp / "chunks.json").write_text(
        json.dumps([asdict(c) for c in chunks], ensure_ascii=False), encoding="utf-8"
    )
    queries = bench_search.latency_queries()
    rng = random.Random(2)
    subs = [rng.randint(1, bench_search.SUBMISSIONS) for _ in queries]
    (tmp / "queries.json").write_text(
        json.dumps({"queries": queries, "submissions": subs}, ensure_ascii=False),
        encoding="utf-8",
    )
    files = sorted(
        str(p) for p in CORPUS.iterdir() if p.suffix in E2E_SUFFIXES and p.name != SCANNED
    )
    return {
        "chunks": str(tmp / "chunks.json"),
        "queries": str(tmp / "queries.json"),
        "files": files,
        "model_dir": str(E5_MODEL_DIR),
        "suggest_chunks": SUGGEST_CHUNKS,
    }


def _summary(rounds: list[dict[str, dict[str, Any]]], label: str) -> dict[str, Any]:
    """Pooled over the rounds: search p95 (filtered, unfiltered, both), suggestion mean and
    p50 ms per indicator, pages/s (total pages / total seconds)."""
    filt = [x for r in rounds for x in r[label]["search"]["filtered"]]
    unf = [x for r in rounds for x in r[label]["search"]["unfiltered"]]
    sug = [x for r in rounds for x in r[label]["suggest"]["per_indicator_ms"]]
    ing = [r[label]["ingest"] for r in rounds]
    return {
        "search_p95_ms": pct(filt + unf, 95),
        "search_p95_filtered_ms": pct(filt, 95),
        "search_p95_unfiltered_ms": pct(unf, 95),
        "search_p50_ms": statistics.median(filt + unf),
        "suggest_mean_ms_per_indicator": statistics.fmean(sug),
        "suggest_p50_ms_per_indicator": statistics.median(sug),
        # each run's slowest indicator left out: one full garbage collection (~0.3 s) can
        # fall into the loop in one commit's process and not in the other's
        "suggest_mean_ms_without_slowest": statistics.fmean(
            [x for r in rounds for x in sorted(r[label]["suggest"]["per_indicator_ms"])[:-1]]
        ),
        "ingest_pages_per_s": sum(i["pages"] for i in ing) / sum(i["seconds"] for i in ing),
        "per_round": {
            "search_p95_ms": [
                round(pct(r[label]["search"]["filtered"] + r[label]["search"]["unfiltered"], 95), 1)
                for r in rounds
            ],
            "suggest_mean_ms": [
                round(statistics.fmean(r[label]["suggest"]["per_indicator_ms"]), 1) for r in rounds
            ],
            "ingest_pages_per_s": [round(r[label]["ingest"]["pages_per_s"], 1) for r in rounds],
        },
    }


# (key, what it is, True when higher is better)
FIGURES = [
    ("search_p95_ms", "search p95 ms (filtered + unfiltered)", False),
    ("search_p95_filtered_ms", "search p95 ms, filtered to one submission", False),
    ("search_p95_unfiltered_ms", "search p95 ms, unfiltered", False),
    ("suggest_mean_ms_per_indicator", "suggestion ms per indicator (mean)", False),
    ("suggest_p50_ms_per_indicator", "suggestion ms per indicator (p50)", False),
    (
        "suggest_mean_ms_without_slowest",
        "suggestion ms per indicator (mean, each run's slowest left out)",
        False,
    ),
    ("ingest_pages_per_s", "upload -> searchable pages/s", True),
]
HEADLINE = {"search_p95_ms", "suggest_mean_ms_per_indicator", "ingest_pages_per_s"}


ROUND_KEYS = {  # headline figure -> its per-round list in the summary
    "search_p95_ms": "search_p95_ms",
    "suggest_mean_ms_per_indicator": "suggest_mean_ms",
    "ingest_pages_per_s": "ingest_pages_per_s",
}


def compare(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """new/old per figure; PASS when new is at most 10 % worse (slower, fewer pages/s), with
    "faster" noted; the headline figures also get their per-round ratios (the noise)."""
    rows = {}
    for key, what, higher_better in FIGURES:
        ratio = new[key] / old[key]
        worse = (1 / ratio if higher_better else ratio) - 1  # > 0: new is slower
        row = {
            "what": what,
            "old": round(old[key], 2),
            "new": round(new[key], 2),
            "ratio_new_old": round(ratio, 3),
            "new_slower_by": round(worse, 3),
            "within_10pct": worse <= TOLERANCE,
            "verdict": "FAIL" if worse > TOLERANCE else "PASS" + (" (faster)" * (worse < 0)),
            "headline": key in HEADLINE,
        }
        if key in ROUND_KEYS:
            per = ROUND_KEYS[key]
            row["round_ratios"] = [
                round(b / a, 2)
                for a, b in zip(old["per_round"][per], new["per_round"][per], strict=True)
            ]
        rows[key] = row
    return rows


def _md(result: dict[str, Any]) -> str:
    o, n = result["old"], result["new"]
    lines = [
        "# Old commit against new, side by side",
        "",
        f"{result['machine']}. Old {o['sha'][:7]} against new {n['sha'][:7]}; "
        f"{result['rounds']} rounds, old and new alternating (ABBA), each measurement a fresh "
        f"subprocess on the commit's own worktree; run took {result['seconds']} s. "
        "Only the ratios mean something: the machine was shared.",
        "",
        f"Search: bench_search's 100 latency queries, filtered to one submission and unfiltered, "
        f"limit 20, highlights on, {o['setup']['search']['chunks']} passages "
        f"(new: {n['setup']['search']['chunks']}). Suggestions: `rank` (hybrid, limit 10) for "
        f"each of {o['setup']['suggest']['indicators']} indicators over one submission of "
        f"{o['setup']['suggest']['chunks']} passages (new: {n['setup']['suggest']['chunks']}), "
        f"models {', '.join(o['setup']['suggest']['models'])}, queries prepared. Upload -> "
        f"searchable: {o['ingest_pages']} pages (new: {n['ingest_pages']}) of the corpus's "
        "PDF/HWP/HWPX/DOCX files, stored, extracted, chunked and indexed inline.",
        "",
        "PASS: new at most 10 % worse than old (slower, or fewer pages/s). Per-round "
        "new/old: each round's ratio, the spread shows the noise.",
        "",
        "| figure | old | new | new/old | within 10 % | per-round new/old |",
        "|---|---|---|---|---|---|",
    ]
    for row in result["comparison"].values():
        name = f"**{row['what']}**" if row["headline"] else row["what"]
        rounds = ", ".join(str(r) for r in row.get("round_ratios", []))
        lines.append(
            f"| {name} | {row['old']} | {row['new']} | {row['ratio_new_old']:.3f} "
            f"| {row['verdict']} | {rounds} |"
        )
    lines += ["", "Per round (old / new):", ""]
    for key in ("search_p95_ms", "suggest_mean_ms", "ingest_pages_per_s"):
        pairs = ", ".join(
            f"{a} / {b}"
            for a, b in zip(
                o["summary"]["per_round"][key], n["summary"]["per_round"][key], strict=True
            )
        )
        lines.append(f"- {key}: {pairs}")
    if result.get("notes"):
        lines += ["", "## Notes", "", *result["notes"]]
    lines.append("")
    return "\n".join(lines)


def main(
    out_dir: Path = ROOT / "bench" / "results",
    *,
    old: str = "317c0e3",
    new: str = "HEAD",
    rounds: int = 4,
    quick: bool = False,
) -> dict[str, Any]:
    """``quick``: 1,000 search passages, ~30 suggestion passages (a smoke test)."""
    global SEARCH_CHUNKS, SUGGEST_CHUNKS
    if quick:
        SEARCH_CHUNKS, SUGGEST_CHUNKS = 1_000, 30
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()

    def log(msg: str) -> None:
        print(f"[commits {time.strftime('%H:%M:%S')}] {msg}", flush=True)

    tmp = Path(tempfile.mkdtemp(prefix="bench-commits-"))
    sides: list[Side] = []
    try:
        common = _inputs(tmp)
        sides = [Side("old", old, tmp, common), Side("new", new, tmp, common)]
        log(f"old {sides[0].sha[:7]}, new {sides[1].sha[:7]} under {tmp}")
        setup: dict[str, dict[str, Any]] = {}
        for side in sides:
            setup[side.label] = {
                "search": side.run("setup-search", log),
                "suggest": side.run("setup-suggest", log),
            }
            side.spec["submission"] = setup[side.label]["suggest"]["submission"]
            log(f"{side.label} setup: {setup[side.label]}")
        results: list[dict[str, dict[str, Any]]] = []
        for r in range(rounds):
            order = sides if r % 2 == 0 else sides[::-1]
            res: dict[str, dict[str, Any]] = {s.label: {} for s in sides}
            for task in ("search", "suggest", "ingest"):
                for side in order:
                    res[side.label][task] = side.run(task, log)
            results.append(res)
            log(
                f"round {r + 1}: "
                + "; ".join(
                    f"{s.label} p95 {pct(res[s.label]['search']['filtered'], 95):.1f} ms, "
                    f"sugg {statistics.fmean(res[s.label]['suggest']['per_indicator_ms']):.1f}"
                    f" ms, {res[s.label]['ingest']['pages_per_s']:.1f} pages/s"
                    for s in sides
                )
            )
    finally:
        for side in sides:
            side.remove()
        shutil.rmtree(tmp, ignore_errors=True)
    summary = {s.label: _summary(results, s.label) for s in sides}
    result = {
        "machine": machine(),
        "rounds": rounds,
        "old": {
            "rev": old,
            "sha": sides[0].sha,
            "setup": setup["old"],
            "ingest_pages": results[0]["old"]["ingest"]["pages"],
            "summary": summary["old"],
        },
        "new": {
            "rev": new,
            "sha": sides[1].sha,
            "setup": setup["new"],
            "ingest_pages": results[0]["new"]["ingest"]["pages"],
            "summary": summary["new"],
        },
        "comparison": compare(summary["old"], summary["new"]),
        "raw": results,
        "seconds": round(time.perf_counter() - started, 1),
    }
    write_results(out_dir, "commits", result, _md(result))
    for row in result["comparison"].values():
        log(f"{row['what']}: {row['old']} -> {row['new']} ({row['ratio_new_old']:.3f})")
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench.bench_commits", description=__doc__)
    parser.add_argument("--old", default="317c0e3")
    parser.add_argument("--new", default="HEAD")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("--quick", action="store_true", help="small sizes, a smoke test")
    args = parser.parse_args()
    main(args.out, old=args.old, new=args.new, rounds=args.rounds, quick=args.quick)
