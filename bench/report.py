"""bench/results/REPORT.md: every benchmark's figures in one page, with plots.

``python -m bench.report [--results bench/results]``; also the last step of ``make bench``.
Reads every ``*.json`` present in the results folder (whatever ran, whenever), puts each
benchmark's own table (its ``.md``) under one heading, and draws, where their figures exist:

- ``load_latency.png``: p50/p95/p99 per action of the load test against its targets;
- ``scale_growth.png``: how ingestion, index, vectors, search, suggestions and memory grow
  between the two volumes of the scale benchmark;
- ``ocr_recall.png``: OCR recall per mode and group of pages.

The page names the machine, date and commit it was generated on; each benchmark's own date
and machine (where it recorded them) stay in its section, since they are not rerun together.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
SKIP = {"runs"}  # bookkeeping of `python -m bench`, no figures of its own


def _commit() -> str:
    done = subprocess.run(
        ["git", "log", "-1", "--format=%h %cd", "--date=format:%Y-%m-%d"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    dirty = subprocess.run(
        # the results being reported are not changes of the code measured
        ["git", "status", "--porcelain", "--untracked-files=no", "--", ".", ":!bench/results"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return (done.stdout.strip() or "unknown") + (" (uncommitted changes)" if dirty else "")


def machine_line() -> str:
    memory = ""
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        memory = f", {pages / 2**30:.0f} GiB memory"
    except (ValueError, OSError):
        pass
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{os.cpu_count()} CPUs ({cpu}){memory}, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}"
    )


# --- plots ---------------------------------------------------------------------------------


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_load(load: dict[str, Any], out: Path) -> Path | None:
    actions = load.get("actions") or {}
    if not actions:
        return None
    plt = _pyplot()
    names = list(actions)
    xs = range(len(names))
    width = 0.27
    fig, ax = plt.subplots(figsize=(max(6, 1.1 * len(names)), 4))
    for i, (key, label) in enumerate((("p50_ms", "p50"), ("p95_ms", "p95"), ("p99_ms", "p99"))):
        ax.bar(
            [x + (i - 1) * width for x in xs], [actions[n][key] for n in names], width, label=label
        )
    targets = load.get("targets_p95_ms") or {}
    for x, name in zip(xs, names, strict=True):
        if name in targets:
            ax.hlines(
                targets[name],
                x - 1.5 * width,
                x + 1.5 * width,
                colors="black",
                linestyles="dashed",
                linewidth=1,
            )
    ax.set_xticks(list(xs), names, rotation=30, ha="right")
    ax.set_ylabel("ms")
    ax.set_yscale("log")
    ax.set_title(
        f"Load test: {load.get('users')} users, {load.get('seconds')} s (dashed: p95 target)"
    )
    ax.legend()
    fig.tight_layout()
    path = out / "load_latency.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


GROWTH_METRICS = (
    ("ingest_s", "ingestion time"),
    ("index_mb", "index on disk"),
    ("vectors_mb", "vectors on disk"),
    ("search_p95_ms", "search p95, one applicant"),
    ("search_round_p95_ms", "search p95, whole round"),
    ("suggest_p95_ms", "suggestions p95"),
    ("peak_rss_mb", "peak memory"),
)


def plot_scale(scale: dict[str, Any], out: Path) -> Path | None:
    points = scale.get("points") or []
    if len(points) < 2:
        return None
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6.5, 4.5))
    pages = [p["pages"] for p in points]
    for key, label in GROWTH_METRICS:
        values = [p.get(key) for p in points]
        if any(v in (None, 0) for v in values):
            continue
        ax.plot(pages, [v / values[0] for v in values], marker="o", label=label)
    ax.plot(pages, [p / pages[0] for p in pages], color="black", linestyle="dashed", label="linear")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("pages in the round")
    ax.set_ylabel(f"relative to {pages[0]:,} pages")
    ax.set_title("Growth with volume")
    ax.legend(fontsize="small")
    fig.tight_layout()
    path = out / "scale_growth.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_ocr(ocr: dict[str, Any], out: Path) -> Path | None:
    groups = ocr.get("groups") or {}
    modes: list[str] = []
    for group in groups.values():
        for mode in group.get("summary", {}):
            if mode not in modes:
                modes.append(mode)
    if not modes:
        return None
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(max(6, 1.2 * len(modes)), 4))
    width = 0.8 / max(1, len(groups))
    for i, (name, group) in enumerate(groups.items()):
        summary = group.get("summary", {})
        xs = [m + i * width for m in range(len(modes))]
        ys = [summary.get(mode, {}).get("mean_recall", float("nan")) for mode in modes]
        ax.bar(xs, ys, width, label=name)
    ax.set_xticks([m + 0.4 - width / 2 for m in range(len(modes))], modes, rotation=30, ha="right")
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("mean character recall")
    ax.set_title("OCR recall per mode")
    ax.legend(fontsize="small")
    fig.tight_layout()
    path = out / "ocr_recall.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


# --- the page ------------------------------------------------------------------------------


def _demote(markdown: str) -> str:
    """A benchmark's own Markdown under a level-2 heading: its headings go down two levels."""
    return re.sub(
        r"^(#{1,4}) ", lambda m: "#" * min(6, len(m.group(1)) + 2) + " ", markdown, flags=re.M
    )


def _own_line(name: str, data: dict[str, Any]) -> str:
    bits = []
    machine = data.get("machine")
    if isinstance(machine, dict):
        machine = ", ".join(f"{k} {v}" for k, v in machine.items())
    if machine:
        bits.append(f"measured on {machine}")
    for key in ("date", "commit"):
        if data.get(key):
            bits.append(f"{key} {data[key]}")
    bits.append(f"figures: [{name}.json]({name}.json)")
    return "*" + "; ".join(bits) + ".*"


def build(results: Path = RESULTS) -> Path:
    results.mkdir(parents=True, exist_ok=True)
    found: dict[str, dict[str, Any]] = {}
    for path in sorted(results.glob("*.json")):
        if path.stem in SKIP:
            continue
        try:
            found[path.stem] = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            found[path.stem] = {"error": f"unreadable: {exc}"}
    plots: dict[str, Path | None] = {}
    for name, draw in (("load", plot_load), ("scale", plot_scale), ("ocr", plot_ocr)):
        if name in found and "error" not in found[name]:
            try:
                plots[name] = draw(found[name], results)
            except Exception as exc:  # a plot never stops the report
                print(f"plot {name} failed: {exc}", file=sys.stderr)
                plots[name] = None
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# Benchmark report",
        "",
        f"Generated {now} by `python -m bench.report` (the last step of `make bench`) at commit "
        f"{_commit()}, on {machine_line()}; load average now "
        f"{[round(x, 2) for x in os.getloadavg()]} (1, 5, 15 min).",
        "",
        "Each section is one benchmark's own table, from its JSON in this folder; benchmarks "
        "that did not run this time keep their last figures, with the machine and date they "
        "recorded. `make loadtest` and `make bench-scale` run apart from `make bench`.",
        "",
        "Plots: "
        + (
            ", ".join(f"[{p.name}]({p.name})" for p in plots.values() if p is not None)
            or "none yet"
        ),
        "",
        "Contents: " + ", ".join(f"[{name}](#{name})" for name in found),
        "",
    ]
    for name, data in found.items():
        lines += [f'<a id="{name}"></a>', "", f"## {name}", "", _own_line(name, data), ""]
        plot = plots.get(name)
        if plot is not None:
            lines += [f"![{name}]({plot.name})", ""]
        md = results / f"{name}.md"
        if md.exists():
            lines += [_demote(md.read_text(encoding="utf-8")).strip(), ""]
        else:
            lines += ["```json", json.dumps(data, ensure_ascii=False, indent=1)[:4000], "```", ""]
    report = results / "REPORT.md"
    report.write_text("\n".join(lines), encoding="utf-8")
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.report", description=__doc__)
    parser.add_argument("--results", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    print(build(args.results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
