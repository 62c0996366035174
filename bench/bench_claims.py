"""Claim checker benchmark: the labelled claims of ``bench/data/claims.jsonl`` through
``reviewapp.claim_check.check_claim``.

Reports precision and recall of "contradicted" (the status that costs an applicant points,
so a false one is the worst error), accuracy over the four statuses, the confusion matrix,
accuracy per kind of figure, per "format differs" and per "claim has a year", and the time
to check a synthetic 60-indicator submission: 60 claims of the set, each against the same
1,000 passages sampled from the corpus (``parse_passages`` of the checker, when it has one,
prepares the passages once and is timed with the checks).

The labels were fixed before the checker was written (see ``bench/data/build_claims.py``);
this bench never changes them.

Run: ``python -m bench.bench_claims [OUT_DIR]``; writes ``OUT_DIR/claims.json`` and
``OUT_DIR/claims.md`` (default ``bench/results``).
"""

from __future__ import annotations

import json
import random
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench._shared import CORPUS, machine, write_results  # noqa: E402

DATA = ROOT / "bench" / "data" / "claims.jsonl"
STATUSES = ("supported", "contradicted", "weak", "no_evidence")
KINDS = ("number", "amount", "date", "percent", "count", "none")
TARGETS = {
    "contradicted_precision": 0.9,
    "contradicted_recall": 0.9,
    "accuracy": 0.85,
    "submission_seconds": 5.0,
}
SUBMISSION_CLAIMS = 60
SUBMISSION_PASSAGES = 1000
# Corpus documents the synthetic submission's passages are drawn from (text-rich, quick to read).
SUBMISSION_DOCUMENTS = (
    "pyeongtaek-bus-info-system-rfp-2024.hwp",
    "pyeongtaek-smartcity-ai-video-rfp-2024.hwp",
    "bonghwa-disaster-mgmt-rfp-2024.hwp",
    "seoul-map-platform-rfp-2024.pdf",
    "gov-digital-innovation-plan-2019.hwp",
    "law-smart-city-act.md",
    "spri-ai-brief-2023-12.pdf",
)


def load(path: Path = DATA) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


# --- scoring ---------------------------------------------------------------------------------


def _ratio(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


def score(items: Sequence[dict[str, Any]], predicted: Sequence[str]) -> dict[str, Any]:
    """Figures for ``predicted[i]`` against ``items[i]["expected"]`` (an unknown status counts wrong)."""
    pairs = [(it["expected"], got) for it, got in zip(items, predicted, strict=True)]
    confusion = {e: dict.fromkeys((*STATUSES, "other"), 0) for e in STATUSES}
    for expected, got in pairs:
        confusion[expected][got if got in STATUSES else "other"] += 1
    tp = confusion["contradicted"]["contradicted"]
    said = sum(1 for _, got in pairs if got == "contradicted")
    truly = sum(1 for e, _ in pairs if e == "contradicted")
    correct = sum(1 for e, got in pairs if e == got)

    def accuracy_by(key: Callable[[dict[str, Any]], Any]) -> dict[str, dict[str, Any]]:
        groups: dict[str, list[bool]] = {}
        for it, (e, got) in zip(items, pairs, strict=True):
            groups.setdefault(str(key(it)), []).append(e == got)
        return {
            k: {"n": len(v), "accuracy": _ratio(sum(v), len(v))} for k, v in sorted(groups.items())
        }

    per_status = {}
    for s in STATUSES:
        s_tp = confusion[s][s]
        s_said = sum(1 for _, got in pairs if got == s)
        s_truly = sum(confusion[s].values())
        per_status[s] = {
            "n": s_truly,
            "precision": _ratio(s_tp, s_said),
            "recall": _ratio(s_tp, s_truly),
        }
    return {
        "n": len(pairs),
        "accuracy": _ratio(correct, len(pairs)),
        "contradicted_precision": _ratio(tp, said),
        "contradicted_recall": _ratio(tp, truly),
        "per_status": per_status,
        "confusion": confusion,
        "per_kind": accuracy_by(lambda it: it["kind"]),
        "per_format_differs": accuracy_by(lambda it: it["format_differs"]),
        "per_claim_period": accuracy_by(lambda it: "year given" if it["claim_period"] else "none"),
        "per_source": accuracy_by(lambda it: it["id"].split("-")[0]),
    }


# --- the synthetic submission ----------------------------------------------------------------


def submission_passages(
    items: Sequence[dict[str, Any]], n: int = SUBMISSION_PASSAGES
) -> tuple[list[dict[str, Any]], str]:
    """``n`` index-like passages sampled (seed 0) from corpus documents; the set's own passages
    when the corpus is not here."""
    pool: list[dict[str, Any]] = []
    if CORPUS.is_dir():
        from bench.data.build_claims import chunks

        for name in SUBMISSION_DOCUMENTS:
            if (CORPUS / name).is_file():
                pool.extend({"document": name, "page": p, "text": t} for p, t in chunks(name))
    source = f"{len(pool)} corpus chunks of {len(SUBMISSION_DOCUMENTS)} documents"
    if len(pool) < n:
        seen: set[str] = set()
        for it in items:
            for p in it["passages"]:
                if p["text"] not in seen:
                    seen.add(p["text"])
                    pool.append({k: p[k] for k in ("document", "page", "text")})
        source = f"{len(pool)} chunks (corpus missing or short: the set's own passages added)"
    rng = random.Random(0)
    picked = rng.sample(pool, n) if len(pool) >= n else [rng.choice(pool) for _ in range(n)]
    return [{"id": i, **p} for i, p in enumerate(picked, start=1)], source


def submission_claims(
    items: Sequence[dict[str, Any]], n: int = SUBMISSION_CLAIMS
) -> list[tuple[str, str | None]]:
    rng = random.Random(0)
    chosen = rng.sample(list(items), min(n, len(items)))
    while len(chosen) < n:
        chosen.append(rng.choice(list(items)))
    return [(it["claim"], it["claim_period"]) for it in chosen]


def time_submission(module: Any, items: Sequence[dict[str, Any]]) -> dict[str, Any]:
    Passage = module.Passage
    raw, source = submission_passages(items)
    passages = [
        Passage(id=p["id"], text=p["text"], document=p["document"], page=p["page"]) for p in raw
    ]
    claims = submission_claims(items)
    parse = getattr(module, "parse_passages", None)
    started = time.perf_counter()
    if parse is None:
        used_parse = "absent"
        statuses = [
            module.check_claim(c, passages, claim_period=period).status for c, period in claims
        ]
    else:  # passages parsed once, reused by every claim (check_claim's ``parsed=``)
        used_parse = "used"
        parsed = parse(passages)
        statuses = [
            module.check_claim(c, claim_period=period, parsed=parsed).status for c, period in claims
        ]
    seconds = time.perf_counter() - started
    return {
        "claims": len(claims),
        "passages": len(passages),
        "passage_source": source,
        "parse_passages": used_parse,
        "seconds": round(seconds, 3),
        "statuses": dict(Counter(statuses)),
    }


# --- report ----------------------------------------------------------------------------------


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _meets(value: float | None, target: float, *, at_most: bool = False) -> str:
    if value is None:
        return "n/a"
    return "yes" if (value <= target if at_most else value >= target) else "**no**"


def markdown(result: dict[str, Any]) -> str:
    s = result["scores"]
    sub = result["submission"]
    lines = [
        "# Claim check benchmark",
        "",
        f"{result['machine']}; {s['n']} labelled claims from `bench/data/claims.jsonl` "
        f"({', '.join(f'{k} {v}' for k, v in result['expected_counts'].items())}); "
        f"checker `reviewapp.claim_check`; {result['seconds']} s in all.",
        "",
        "| figure | value | target | met |",
        "|---|---|---|---|",
        f"| contradicted precision | {_fmt(s['contradicted_precision'])} | >= 0.9 "
        f"| {_meets(s['contradicted_precision'], 0.9)} |",
        f"| contradicted recall | {_fmt(s['contradicted_recall'])} | >= 0.9 "
        f"| {_meets(s['contradicted_recall'], 0.9)} |",
        f"| accuracy (4 statuses) | {_fmt(s['accuracy'])} | >= 0.85 | {_meets(s['accuracy'], 0.85)} |",
        f"| 60-indicator submission, 1,000 passages | {sub['seconds']} s | <= 5 s "
        f"| {_meets(sub['seconds'], 5.0, at_most=True)} |",
        "",
        f"Submission: {sub['claims']} claims x the same {sub['passages']} passages "
        f"({sub['passage_source']}); parse_passages: {sub['parse_passages']}. "
        f"Mean check on the labelled set: {result['mean_ms_per_claim']} ms per claim "
        f"(p95 {result['p95_ms_per_claim']} ms).",
        "",
        "## Confusion (rows: expected, columns: checker)",
        "",
        "| expected | " + " | ".join((*STATUSES, "other")) + " | recall |",
        "|---|" + "---|" * (len(STATUSES) + 2),
    ]
    for e in STATUSES:
        row = s["confusion"][e]
        lines.append(
            f"| {e} | "
            + " | ".join(str(row[c]) for c in (*STATUSES, "other"))
            + f" | {_fmt(s['per_status'][e]['recall'])} |"
        )
    lines.append(
        "| precision | "
        + " | ".join(_fmt(s["per_status"][c]["precision"]) for c in STATUSES)
        + " | | |"
    )
    for title, key in (
        ("Accuracy per kind of figure", "per_kind"),
        ("Accuracy when the claim's format differs from the evidence's", "per_format_differs"),
        ("Accuracy with and without a claim year", "per_claim_period"),
        (
            "Accuracy per source (hb/sn: demo cities, cp: corpus, syn: synthetic, ne: no evidence)",
            "per_source",
        ),
    ):
        lines += ["", f"## {title}", "", "| group | n | accuracy |", "|---|---|---|"]
        lines += [f"| {k} | {v['n']} | {_fmt(v['accuracy'])} |" for k, v in s[key].items()]
    wrong = result["wrong"]
    lines += ["", f"## Wrong ({len(wrong)})", ""]
    if result["errors"]:
        lines.append(f"{result['errors']} claims raised an exception (counted as 'error').")
        lines.append("")
    lines += [
        f"- {w['id']} [{w['kind']}{', format differs' if w['format_differs'] else ''}"
        f"{', ' + w['claim_period'] if w['claim_period'] else ''}]: expected {w['expected']}, "
        f"got {w['got']}: {w['claim']}"
        for w in wrong
    ]
    lines.append("")
    return "\n".join(lines)


def main(out_dir: Path = ROOT / "bench" / "results") -> dict[str, Any]:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    items = load()
    try:
        import reviewapp.claim_check as module
    except ModuleNotFoundError as exc:
        if exc.name != "reviewapp.claim_check":
            raise
        print("[claims] reviewapp.claim_check is not there yet: nothing to measure", flush=True)
        return {"skipped": "reviewapp.claim_check missing"}
    Passage = module.Passage

    predicted: list[str] = []
    times: list[float] = []
    errors = 0
    for it in items:
        passages = [
            Passage(id=p["id"], text=p["text"], document=p["document"], page=p["page"])
            for p in it["passages"]
        ]
        t0 = time.perf_counter()
        try:
            got = module.check_claim(it["claim"], passages, claim_period=it["claim_period"]).status
        except Exception as exc:  # a crash is a wrong answer here, and is reported
            print(f"[claims] {it['id']}: {type(exc).__name__}: {exc}", flush=True)
            got = "error"
            errors += 1
        times.append((time.perf_counter() - t0) * 1000)
        predicted.append(got)

    scores = score(items, predicted)
    submission = time_submission(module, items)
    wrong = [
        {k: it[k] for k in ("id", "claim", "claim_period", "kind", "format_differs", "expected")}
        | {"got": got}
        for it, got in zip(items, predicted, strict=True)
        if got != it["expected"]
    ]
    result = {
        "machine": machine(),
        "data": str(DATA.relative_to(ROOT)),
        "expected_counts": dict(Counter(it["expected"] for it in items)),
        "targets": TARGETS,
        "scores": scores,
        "submission": submission,
        "mean_ms_per_claim": round(statistics.fmean(times), 2),
        "p95_ms_per_claim": round(sorted(times)[int(0.95 * (len(times) - 1))], 2),
        "errors": errors,
        "wrong": wrong,
        "seconds": round(time.perf_counter() - started, 1),
    }
    write_results(out_dir, "claims", result, markdown(result))
    print(
        f"[claims] contradicted P {_fmt(scores['contradicted_precision'])} (target >= 0.9), "
        f"R {_fmt(scores['contradicted_recall'])} (>= 0.9), accuracy {_fmt(scores['accuracy'])} "
        f"(>= 0.85), submission {submission['seconds']} s (<= 5 s)",
        flush=True,
    )
    return result


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "bench" / "results")
