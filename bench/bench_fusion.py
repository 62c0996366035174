"""Fusion weights for the shipped ranking: BM25 + e5 + USE, min-max normalized.

For each task of ``bench.bench_models.load_tasks`` (KorQuAD question -> paragraph,
KLUE-STS paraphrase, JHE KO->EN and EN->KO) plus a second KorQuAD question sample
(the one ``bench.bench_search`` draws, same 964 paragraphs: a check on weights
chosen on the first), this computes

* BM25 scores of each query's top-100 from the product's whoosh kiwi+bigram index
  (``SearchIndex.search(mode="bm25")``), other pairs missing, as in the product;
* full e5 and USE cosine matrices (``query:``/``passage:`` prompts for e5);

and simulates the product's hybrid search for any weights (w_bm25, w_e5, w_use):
the candidates are the union of the top-100 of every signal with a weight > 0;
BM25 is min-max normalized over its own hits (missing = 0), each vector score over
the candidates (vector scores of all candidates are exact, as the product fills
them with ``scores_for``); the fused score is the weighted sum; non-candidates
never rank. For the paraphrase task the query sentence itself is removed from the
corpus before anything is normalized (the product never sees the query as a chunk).

It reports single signals, 50/50 pairs, a 0.1-step weight grid over the three
(objective: mean R@1 of KorQuAD, paraphrase and KO->EN; near-ties go to the point
whose grid neighbourhood scores best, then to rounder weights), leave-one-task-out
choices, the fast path (BM25 + USE, before e5 vectors exist) and the full path,
and cosine thresholds for suggestion confidence labels (e5 and USE on KorQuAD).

Run: ``python -m bench.bench_fusion OUT_DIR [--cache DIR | --no-cache]``; writes
``OUT_DIR/fusion.json`` and ``OUT_DIR/fusion.md``. Embeddings and BM25 matrices are
cached (default ``OUT_DIR/../cache``) keyed by model, task, role and a hash of the
texts, so a second run takes seconds.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

os.environ.setdefault("REVIEWAPP_EMBEDDING_THREADS", "2")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from bench.bench_models import load_tasks, metrics, ranks_of_gold  # noqa: E402

SIGNALS = ("bm25", "e5", "use")
CANDIDATES = 100  # search_index.HYBRID_CANDIDATES
STEP = 10  # weight grid in tenths
OBJECTIVE_TASKS = ("korquad", "paraphrase", "ko_en")
REPORT_TASKS = ("korquad", "korquad_b", "paraphrase", "ko_en", "en_ko")
TARGETS = {
    ("korquad", "r@1"): 0.92,
    ("korquad", "r@5"): 0.99,
    ("paraphrase", "r@1"): 0.91,
    ("ko_en", "r@1"): 0.95,
}
NEAR_TIE = 0.005  # objective points within which weights count as tied
CALIB_TOPK = 10
CALIB_LEVELS = {"HIGH": 0.8, "MEDIUM": 0.5}
CALIB_MIN_SUPPORT = 10  # candidates above a threshold needed to trust its precision
E5_MODEL_DIR = ROOT / "models" / "multilingual-e5-small"

Log = Callable[[str], None]


# ----------------------------------------------------------------------------- data


def all_tasks() -> dict[str, dict]:
    tasks = load_tasks()
    from bench.bench_search import korquad as korquad_b

    paras, pairs = korquad_b()
    assert paras == tasks["korquad"]["corpus"]
    tasks["korquad_b"] = {
        "queries": [q for q, _ in pairs],
        "corpus": paras,
        "gold": [g for _, g in pairs],
        "corpus_task": "korquad",  # same corpus: share its cached embeddings
    }
    return {k: tasks[k] for k in REPORT_TASKS}


def _digest(texts: Sequence[str], extra: str = "") -> str:
    h = hashlib.sha1(extra.encode())
    for t in texts:
        h.update(t.encode("utf-8"))
        h.update(b"\0")
    return h.hexdigest()[:12]


class Cache:
    """``.npy`` files keyed by model, task, role and text hash; a no-op without a folder."""

    def __init__(self, directory: Path | None) -> None:
        self.directory = directory
        if directory is not None:
            directory.mkdir(parents=True, exist_ok=True)

    def get(self, key: str, make: Callable[[], np.ndarray]) -> tuple[np.ndarray, bool]:
        if self.directory is not None:
            path = self.directory / f"{key}.npy"
            if path.exists():
                return np.load(path), True
        arr = make()
        if self.directory is not None:
            tmp = self.directory / f"{key}.tmp.npy"
            np.save(tmp, arr)
            tmp.replace(self.directory / f"{key}.npy")
        return arr, False


# ------------------------------------------------------------------------ signals


def _records(corpus: Sequence[str]) -> list[Any]:
    from search_index import ChunkRecord

    return [ChunkRecord(i + 1, i + 1, 1, 1, 1, "evidence", "d", 1, t) for i, t in enumerate(corpus)]


def _no_model() -> Any:
    raise RuntimeError("no embedding model for BM25")


def bm25_matrix(task: dict, tmp: Path) -> np.ndarray:
    """BM25 of each query's top-100 (NaN elsewhere) from the product index; one more
    column holds each query's keyword coverage (``SearchIndex.keyword_coverage``)."""
    from search_index import QueryRejected, SearchIndex

    corpus, queries = task["corpus"], task["queries"]
    exclude = task.get("exclude")
    idx = SearchIndex(tmp, embedder_factory=_no_model)
    idx.rebuild(_records(corpus))
    out = np.full((len(queries), len(corpus) + 1), np.nan, dtype=np.float32)
    for i, q in enumerate(queries):
        try:
            hits = idx.search(q, limit=CANDIDATES + 1, mode="bm25", highlight=False)
        except QueryRejected:  # refused by the product too (a JHE line "*acupuncture."): no hits
            continue
        kept = [h for h in hits if exclude is None or h.chunk_id - 1 != exclude[i]]
        for h in kept[:CANDIDATES]:
            out[i, h.chunk_id - 1] = h.bm25
        out[i, -1] = idx.keyword_coverage(q, {h.chunk_id: h.bm25 for h in kept[:CANDIDATES]})
    return out


def _bm25_version() -> str:
    from search_index import _bm25, _contiguity, _korean, _query, _whoosh, index

    # the scorer's and analyzer's code and settings: a change there invalidates the cache
    modules = (_bm25, _query, _whoosh, _korean, _contiguity, index)
    code = b"".join(Path(m.__file__).read_bytes() for m in modules)
    return f"bm25:{hashlib.sha1(code).hexdigest()[:12]}:{CANDIDATES}"


def compute_signals(
    tasks: dict[str, dict], cache: Cache, log: Log
) -> tuple[dict[str, dict[str, np.ndarray]], dict[str, Any]]:
    """{task: {"bm25": NaN-padded matrix, "e5": cosines, "use": cosines}} and timings."""
    from search_index.embeddings import load_embedder

    timings: dict[str, Any] = {}
    signals: dict[str, dict[str, np.ndarray]] = {t: {} for t in tasks}
    tmp = Path(tempfile.mkdtemp(prefix="bench-fusion-"))
    try:
        for name, task in tasks.items():
            key = f"bm25-{name}-{_digest(task['queries'] + task['corpus'], _bm25_version())}"
            t0 = time.perf_counter()
            signals[name]["bm25"], hit = cache.get(
                key, lambda t=task, n=name: bm25_matrix(t, tmp / n)
            )
            timings[f"bm25 {name}"] = {"s": round(time.perf_counter() - t0, 1), "cached": hit}
            log(f"bm25 {name}: {timings[f'bm25 {name}']}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    loaded: dict[str, Any] = {}

    def embedder(kind: str) -> Any:
        if kind not in loaded:
            t0 = time.perf_counter()
            loaded[kind] = load_embedder(kind, E5_MODEL_DIR if kind == "e5" else None)
            timings[f"load {kind}"] = round(time.perf_counter() - t0, 1)
        return loaded[kind]

    for kind in ("use", "e5"):
        for name, task in tasks.items():
            vecs = {}
            for role in ("queries", "corpus"):
                texts = task[role]
                owner = task.get("corpus_task", name) if role == "corpus" else name
                key = f"{kind}-{owner}-{role}-{_digest(texts)}"

                def make(kind: str = kind, role: str = role, texts: list[str] = texts) -> Any:
                    emb = embedder(kind)
                    if role == "queries":
                        return emb.encode_queries(texts)
                    return emb.encode_documents(texts, batch_size=32 if kind == "e5" else 64)

                t0 = time.perf_counter()
                vecs[role], hit = cache.get(key, make)
                dt = time.perf_counter() - t0
                timings[f"{kind} {name} {role}"] = {
                    "s": round(dt, 1),
                    "cached": hit,
                    "texts": len(texts),
                    **({} if hit else {"texts_per_s": round(len(texts) / max(dt, 1e-9), 1)}),
                }
                log(f"{kind} {name} {role}: {timings[f'{kind} {name} {role}']}")
            signals[name][kind] = vecs["queries"] @ vecs["corpus"].T
    return signals, timings


# -------------------------------------------------------------------------- fusion


class TaskScorer:
    """Simulates the product's min-max hybrid ranking for one task."""

    def __init__(self, task: dict, sig: dict[str, np.ndarray]) -> None:
        self.gold = task["gold"]
        nq, n = sig["e5"].shape
        alive = np.ones((nq, n), dtype=bool)
        if task.get("exclude"):
            alive[np.arange(nq), task["exclude"]] = False
        self.alive = alive
        bm = sig["bm25"][:, :-1].astype(np.float64)
        self.coverage = np.nan_to_num(sig["bm25"][:, -1].astype(np.float64), nan=1.0)[:, None]
        bm_hit = ~np.isnan(bm) & alive
        self.top: dict[str, np.ndarray] = {"bm25": bm_hit}
        lo = np.where(bm_hit, bm, np.inf).min(axis=1, keepdims=True)
        hi = np.where(bm_hit, bm, -np.inf).max(axis=1, keepdims=True)
        span = hi - lo
        with np.errstate(invalid="ignore"):
            norm = np.where(span > 0, (bm - lo) / np.where(span > 0, span, 1.0), 1.0)
        self.bm25_norm = np.where(bm_hit, norm, 0.0)
        self.vec: dict[str, np.ndarray] = {}
        for kind in ("e5", "use"):
            s = np.where(alive, sig[kind].astype(np.float64), -np.inf)
            self.vec[kind] = s
            k = min(CANDIDATES, n - 1)
            top = np.argpartition(-s, k - 1, axis=1)[:, :k]
            mask = np.zeros_like(alive)
            np.put_along_axis(mask, top, True, axis=1)
            self.top[kind] = mask & alive
        self._norm_cache: dict[tuple[tuple[str, ...], str], np.ndarray] = {}

    def _vec_norm(self, active: tuple[str, ...], kind: str) -> np.ndarray:
        key = (active, kind)
        if key not in self._norm_cache:
            cand = np.logical_or.reduce([self.top[a] for a in active])
            s = self.vec[kind]
            lo = np.where(cand, s, np.inf).min(axis=1, keepdims=True)
            hi = np.where(cand, s, -np.inf).max(axis=1, keepdims=True)
            span = hi - lo
            norm = np.where(span > 0, (s - lo) / np.where(span > 0, span, 1.0), 1.0)
            self._norm_cache[key] = np.where(cand, norm, 0.0)
        return self._norm_cache[key]

    def scores(self, weights: dict[str, float], power: float | None = None) -> np.ndarray:
        """Fused scores; BM25's weight scaled by coverage ** ``power`` (the product's
        ``KEYWORD_COVERAGE_POWER`` by default) as ``SearchIndex.search`` does."""
        if power is None:
            from search_index.index import KEYWORD_COVERAGE_POWER as power
        active = tuple(s for s in SIGNALS if weights.get(s, 0.0) > 0)
        cand = np.logical_or.reduce([self.top[a] for a in active])
        fused = np.zeros(cand.shape)
        for s in active:
            if s == "bm25":
                fused += weights[s] * self.coverage**power * self.bm25_norm
            else:
                fused += weights[s] * self._vec_norm(active, s)
        return np.where(cand, fused, -np.inf)

    def evaluate(self, weights: dict[str, float], power: float | None = None) -> dict[str, float]:
        return metrics(ranks_of_gold(self.scores(weights, power), self.gold))


def objective(res: dict[str, dict], tasks: Sequence[str] = OBJECTIVE_TASKS) -> float:
    return float(np.mean([res[t]["r@1"] for t in tasks]))


def meets_targets(res: dict[str, dict]) -> dict[str, bool]:
    return {f"{t} {m} >= {v}": res[t][m] >= v - 1e-9 for (t, m), v in TARGETS.items()}


def grid() -> list[tuple[int, int, int]]:
    return [(b, e, STEP - b - e) for b in range(STEP + 1) for e in range(STEP + 1 - b)]


def _w(point: tuple[int, int, int]) -> dict[str, float]:
    return {s: p / STEP for s, p in zip(SIGNALS, point, strict=True)}


def _label(point: tuple[int, int, int]) -> str:
    return "/".join(f"{p / STEP:.1f}" for p in point)


def _neighbours(point: tuple[int, int, int]) -> list[tuple[int, int, int]]:
    out = []
    for i, j in itertools.permutations(range(3), 2):
        p = list(point)
        p[i] -= 1
        p[j] += 1
        if min(p) >= 0:
            out.append((p[0], p[1], p[2]))
    return out


def _roundness(point: tuple[int, int, int]) -> int:
    """Higher is rounder: zeros and multiples of 0.5 / 0.2 first."""
    return sum(2 if p % 5 == 0 else 1 if p % 2 == 0 else 0 for p in point)


def choose(
    table: dict[tuple[int, int, int], dict[str, dict]],
    tasks: Sequence[str],
    points: Sequence[tuple[int, int, int]] | None = None,
) -> dict[str, Any]:
    """Best point on ``tasks``; near-ties by neighbourhood mean, then roundness."""
    points = list(points or table)
    obj = {p: objective(table[p], tasks) for p in table}
    best = max(obj[p] for p in points)
    near = [p for p in points if obj[p] >= best - NEAR_TIE]

    def smooth(p: tuple[int, int, int]) -> float:
        ns = [q for q in _neighbours(p) if q in obj] + [p]
        return float(np.mean([obj[q] for q in ns]))

    pick = max(near, key=lambda p: (round(smooth(p), 6), _roundness(p), obj[p]))
    argmax = max(points, key=lambda p: (obj[p], _roundness(p)))
    return {
        "weights": _w(pick),
        "label": _label(pick),
        "objective": round(obj[pick], 4),
        "neighbourhood_objective": round(smooth(pick), 4),
        "raw_argmax": _label(argmax),
        "raw_argmax_objective": round(obj[argmax], 4),
        "near_ties": [_label(p) for p in near],
        "_point": pick,
    }


def feasibility(scorers: dict[str, TaskScorer], step: int = 20) -> dict[str, Any]:
    """Can any weights on a finer grid meet every target? (Reported, not used to choose.)"""
    rows: dict[str, dict[str, Any]] = {}
    for b in range(step + 1):
        for e in range(step + 1 - b):
            w = {"bm25": b / step, "e5": e / step, "use": (step - b - e) / step}
            res = {t: scorers[t].evaluate(w) for t in OBJECTIVE_TASKS}
            vals = {f"{t} {m}": res[t][m] for (t, m) in TARGETS}
            margins = {f"{t} {m}": res[t][m] - v for (t, m), v in TARGETS.items()}
            rows["/".join(f"{x:.2f}" for x in w.values())] = {
                "values": vals,
                "worst_margin": round(min(margins.values()), 4),
            }
    best = max(rows, key=lambda k: rows[k]["worst_margin"])
    max_per_target = {}
    for key in rows[best]["values"]:
        arg = max(rows, key=lambda k, key=key: rows[k]["values"][key])
        max_per_target[key] = {"value": rows[arg]["values"][key], "weights": arg}
    return {
        "step": 1 / step,
        "points_meeting_all_targets": [k for k, r in rows.items() if r["worst_margin"] >= -1e-9],
        "best_worst_margin": {"weights": best, **rows[best]},
        "max_per_target": max_per_target,
    }


POWERS = (0.0, 1.0, 2.0, 3.0)


def power_study(scorers: dict[str, TaskScorer]) -> dict[str, Any]:
    """The best full-path weights for each keyword-coverage power (0 = plain min-max)."""
    out = {}
    for power in POWERS:
        table = {p: {t: sc.evaluate(_w(p), power) for t, sc in scorers.items()} for p in grid()}
        c = choose(table, OBJECTIVE_TASKS, [p for p in table if min(p) > 0])
        point = c["_point"]
        out[f"{power:g}"] = {
            "weights": c["label"],
            "objective": c["objective"],
            **{f"{t} r@1": table[point][t]["r@1"] for t in REPORT_TASKS},
            "korquad r@5": table[point]["korquad"]["r@5"],
            "meets all targets": all(meets_targets(table[point]).values()),
        }
    return out


def fusion_study(scorers: dict[str, TaskScorer], log: Log) -> dict[str, Any]:
    def run(weights: dict[str, float]) -> dict[str, dict]:
        return {t: sc.evaluate(weights) for t, sc in scorers.items()}

    named: dict[str, dict[str, float]] = {
        "bm25 (product whoosh kiwi+bigram)": {"bm25": 1.0},
        "e5": {"e5": 1.0},
        "use": {"use": 1.0},
        "bm25+e5 50/50": {"bm25": 0.5, "e5": 0.5},
        "bm25+use 50/50": {"bm25": 0.5, "use": 0.5},
        "e5+use 50/50": {"e5": 0.5, "use": 0.5},
        "bm25+e5+use 1/3 each": {"bm25": 1 / 3, "e5": 1 / 3, "use": 1 / 3},
    }
    methods: dict[str, Any] = {}
    for label, w in named.items():
        res = run(w)
        methods[label] = {"weights": w, "tasks": res, "objective": round(objective(res), 4)}
        log(f"{label}: objective {methods[label]['objective']}")

    table = {p: run(_w(p)) for p in grid()}
    full_points = [p for p in table if min(p) > 0]
    chosen = choose(table, OBJECTIVE_TASKS)
    chosen_full = choose(table, OBJECTIVE_TASKS, full_points)
    log(f"chosen {chosen['label']} (full-path-only {chosen_full['label']})")

    # fast path: BM25 + USE only
    fast_points = [p for p in table if p[1] == 0 and p[0] > 0 and p[2] > 0]
    fast = choose(table, OBJECTIVE_TASKS, fast_points)
    pick = chosen_full["_point"]
    renorm = {"bm25": pick[0] / (pick[0] + pick[2]), "use": pick[2] / (pick[0] + pick[2])}
    fast_renorm = run(renorm)

    loto = {}
    for held in OBJECTIVE_TASKS:
        rest = [t for t in OBJECTIVE_TASKS if t != held]
        c = choose(table, rest, full_points)
        best_held = max(table[p][held]["r@1"] for p in full_points)
        loto[held] = {
            "chosen_on_others": c["label"],
            "held_out_r@1": table[c["_point"]][held]["r@1"],
            "held_out_r@1_with_all_task_choice": table[pick][held]["r@1"],
            "best_possible_held_out_r@1": best_held,
        }

    def entry(p: tuple[int, int, int], extra: dict | None = None) -> dict[str, Any]:
        return {
            "weights": _w(p),
            "tasks": table[p],
            "objective": round(objective(table[p]), 4),
            "targets": meets_targets(table[p]),
            **(extra or {}),
        }

    for c in (chosen, chosen_full, fast):
        c["point"] = list(c.pop("_point"))
    fine = feasibility(scorers)
    log(f"fine grid: {len(fine['points_meeting_all_targets'])} points meet all targets")
    powers = power_study(scorers)
    log(f"coverage powers: {powers}")
    return {
        "methods": methods,
        "coverage_power": powers,
        "fine_grid_feasibility": fine,
        "chosen": {**entry(tuple(chosen["point"])), "selection": chosen},
        "full_path": {**entry(tuple(chosen_full["point"])), "selection": chosen_full},
        "fast_path_best": {**entry(tuple(fast["point"])), "selection": fast},
        "fast_path_renormalized": {
            "weights": renorm,
            "tasks": fast_renorm,
            "objective": round(objective(fast_renorm), 4),
            "targets": meets_targets(fast_renorm),
        },
        "leave_one_task_out": loto,
        "points_meeting_all_targets": [
            _label(p) for p in table if all(meets_targets(table[p]).values())
        ],
        "grid": {
            _label(p): {
                "objective": round(objective(r), 4),
                **{f"{t} r@1": r[t]["r@1"] for t in REPORT_TASKS},
                "korquad r@5": r["korquad"]["r@5"],
            }
            for p, r in table.items()
        },
    }


def near_duplicates(corpus: Sequence[str], share: float = 0.8, n: int = 5) -> list[set[int]]:
    """For each text, the others sharing at least ``share`` of the shorter one's character
    ``n``-grams (KorQuAD has paragraphs repeated almost word for word across articles)."""
    grams = [{t[i : i + n] for i in range(len(t) - n + 1)} for t in corpus]
    postings: dict[str, list[int]] = {}
    for i, g in enumerate(grams):
        for x in g:
            postings.setdefault(x, []).append(i)
    out: list[set[int]] = [set() for _ in corpus]
    for i, g in enumerate(grams):
        counts: dict[int, int] = {}
        for x in g:
            for j in postings[x]:
                if j != i:
                    counts[j] = counts.get(j, 0) + 1
        for j, c in counts.items():
            if c >= share * min(len(g), len(grams[j])):
                out[i].add(j)
    return out


def duplicate_aware(scorers: dict[str, TaskScorer], tasks: dict[str, dict], w: dict) -> dict:
    """KorQuAD R@1 at weights ``w`` counting a near-duplicate of the gold paragraph as a hit
    (a secondary figure: the targets are measured strictly)."""
    dups = near_duplicates(tasks["korquad"]["corpus"])
    out = {}
    for name in ("korquad", "korquad_b"):
        sc = scorers[name].scores(w)
        gold = tasks[name]["gold"]
        top = sc.argmax(axis=1)
        strict = metrics(ranks_of_gold(sc, gold))["r@1"]
        hits = [
            int(top[i]) == g or (int(top[i]) in dups[g] and sc[i, top[i]] > -np.inf)
            for i, g in enumerate(gold)
        ]
        out[name] = {
            "strict_r@1": strict,
            "r@1_near_duplicate_counts": round(float(np.mean(hits)), 4),
            "questions_whose_gold_has_a_near_duplicate": sum(bool(dups[g]) for g in gold),
        }
    return out


# --------------------------------------------------------------------- calibration


def _pcts(values: np.ndarray) -> dict[str, float]:
    qs = (5, 25, 50, 75, 95)
    out = {f"p{q}": round(float(np.percentile(values, q)), 4) for q in qs}
    out["mean"] = round(float(values.mean()), 4)
    return out


def _ceil2(x: float) -> float:
    return float(np.ceil(round(x * 100, 6)) / 100)


def calibrate(cos: np.ndarray, gold: Sequence[int], check: dict[str, Any] | None = None) -> dict:
    """Cosine distributions and HIGH/MEDIUM thresholds for one model on one task.

    Precision(t) = among each query's top-10 passages by this cosine, pooled over
    queries, the share of those with cosine >= t that are the gold passage.
    """
    nq = cos.shape[0]
    rows = np.arange(nq)
    g = np.asarray(gold)
    gold_cos = cos[rows, g]
    non = cos.copy()
    non[rows, g] = -np.inf
    best_non = non.max(axis=1)
    mask = np.ones_like(cos, dtype=bool)
    mask[rows, g] = False
    all_non = cos[mask]
    rng = np.random.default_rng(0)
    rand_non = np.array([rng.choice(np.delete(cos[i], g[i])) for i in range(nq)])

    top = np.argsort(-cos, axis=1)[:, :CALIB_TOPK]
    top_cos = np.take_along_axis(cos, top, axis=1)
    is_gold = top == g[:, None]

    def at(t: float, tc: np.ndarray, ig: np.ndarray) -> dict[str, float]:
        above = tc >= t
        n = int(above.sum())
        hit = int((above & ig).sum())
        top1 = above[:, 0]
        return {
            "threshold": round(t, 3),
            "candidates": n,
            "precision": round(hit / n, 4) if n else None,
            "gold_coverage": round(hit / len(tc), 4),
            "queries_with_top1_above": int(top1.sum()),
            "top1_precision": round(float(ig[top1, 0].mean()), 4) if top1.any() else None,
        }

    grid_t = np.round(np.arange(0.0, 1.0001, 0.005), 3)
    curve = [at(float(t), top_cos, is_gold) for t in grid_t]
    thresholds: dict[str, Any] = {}
    for level, want in CALIB_LEVELS.items():
        ok = None  # smallest t with precision >= want at every higher t with enough support
        for c in reversed(curve):
            if c["candidates"] < CALIB_MIN_SUPPORT:
                continue
            if c["precision"] is not None and c["precision"] >= want:
                ok = c["threshold"]
            else:
                break
        if ok is None:
            best = max(
                (c for c in curve if c["candidates"] >= CALIB_MIN_SUPPORT),
                key=lambda c: c["precision"] or 0,
            )
            thresholds[level] = {"threshold": None, "target_precision": want, "best": best}
            continue
        t = _ceil2(ok)
        thresholds[level] = {
            "threshold": t,
            "target_precision": want,
            "raw_threshold": ok,
            "at_threshold": at(t, top_cos, is_gold),
        }
        if check is not None:
            c_top = np.argsort(-check["cos"], axis=1)[:, :CALIB_TOPK]
            c_cos = np.take_along_axis(check["cos"], c_top, axis=1)
            c_gold = c_top == np.asarray(check["gold"])[:, None]
            thresholds[level]["check_" + check["name"]] = at(t, c_cos, c_gold)
    return {
        "gold": _pcts(gold_cos),
        "best_non_gold": _pcts(best_non),
        "random_non_gold": _pcts(rand_non),
        "all_non_gold": _pcts(all_non),
        "gold_minus_best_non_gold": _pcts(gold_cos - best_non),
        "gold_is_top1": round(float((gold_cos > best_non).mean()), 4),
        "thresholds": thresholds,
        "curve": [c for c in curve if c["candidates"] > 0],
    }


# -------------------------------------------------------------------------- report


def _row(name: str, tasks: dict[str, dict], obj: float) -> str:
    k, kb, p, ke, ek = (tasks[t] for t in REPORT_TASKS)
    return (
        f"| {name} | {k['r@1']:.3f} / {k['r@5']:.3f} / {k['r@10']:.3f} / {k['mrr']:.3f} "
        f"| {kb['r@1']:.3f} / {kb['r@5']:.3f} "
        f"| {p['r@1']:.3f} / {p['r@5']:.3f} / {p['mrr']:.3f} "
        f"| {ke['r@1']:.3f} / {ke['mrr']:.3f} | {ek['r@1']:.3f} / {ek['mrr']:.3f} | {obj:.3f} |"
    )


def _wlabel(w: dict[str, float]) -> str:
    return " ".join(f"{s} {w[s]:.2f}" for s in SIGNALS if w.get(s))


def write_markdown(result: dict[str, Any], path: Path) -> None:
    from search_index.index import KEYWORD_COVERAGE_POWER

    f = result["fusion"]
    lines = [
        "# Hybrid fusion weights (BM25 kiwi+bigram, e5, USE; min-max, keyword coverage)",
        "",
        f"Machine: {result['machine']}. Run took {result['wall_s']} s "
        f"({'cache hits' if result['all_cached'] else 'embeddings computed'}).",
        "Objective = mean R@1 of KorQuAD, paraphrase, KO->EN. korquad_b = another question "
        "per paragraph (bench_search's sample), not used for choosing.",
        "",
        "| method | KorQuAD R@1 / R@5 / R@10 / MRR | korquad_b R@1 / R@5 "
        "| paraphrase R@1 / R@5 / MRR | KO->EN R@1 / MRR | EN->KO R@1 / MRR | objective |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, m in f["methods"].items():
        lines.append(_row(name, m["tasks"], m["objective"]))
    for key, title in (
        ("fast_path_best", "fast path best (BM25+USE)"),
        ("fast_path_renormalized", "fast path = full weights without e5"),
        ("full_path", "full path chosen (all three > 0)"),
        ("chosen", "chosen over whole grid"),
    ):
        m = f[key]
        lines.append(_row(f"{title}: {_wlabel(m['weights'])}", m["tasks"], m["objective"]))
    ch, full, fe = f["chosen"], f["full_path"], f["fine_grid_feasibility"]
    lines += [
        "",
        f"Chosen weights (bm25/e5/use): **{ch['selection']['label']}** (objective "
        f"{ch['objective']}, grid-neighbourhood mean {ch['selection']['neighbourhood_objective']}; "
        f"raw argmax {ch['selection']['raw_argmax']} at {ch['selection']['raw_argmax_objective']}; "
        f"near ties: {', '.join(ch['selection']['near_ties'])}).",
        f"Full path (all three > 0): **{full['selection']['label']}**. "
        f"Fast path best: **{f['fast_path_best']['selection']['label']}**.",
        "",
        "Targets at the chosen full-path weights: "
        + ", ".join(f"{k}: {'yes' if v else 'NO'}" for k, v in full["targets"].items()),
        "",
        f"Grid points meeting all targets: {', '.join(f['points_meeting_all_targets']) or 'none'}",
        "",
        f"Finer grid (step {fe['step']}): points meeting all targets: "
        f"{', '.join(fe['points_meeting_all_targets']) or 'none'}; least-bad point "
        f"{fe['best_worst_margin']['weights']} (worst margin {fe['best_worst_margin']['worst_margin']}: "
        + ", ".join(f"{k} {v:.3f}" for k, v in fe["best_worst_margin"]["values"].items())
        + "); best reachable per target: "
        + ", ".join(
            f"{k} {v['value']:.3f} at {v['weights']}" for k, v in fe["max_per_target"].items()
        )
        + ".",
        "",
        "## Keyword coverage power",
        "",
        "BM25's weight is scaled per query by (top BM25 score / the query's ceiling) ** power "
        f"(search_index.index.KEYWORD_COVERAGE_POWER = {KEYWORD_COVERAGE_POWER:g}; 0 = plain min-max). "
        "Best full-path weights for each power:",
        "",
        "| power | weights bm25/e5/use | objective | KorQuAD R@1 / R@5 | korquad_b R@1 "
        "| paraphrase R@1 | KO->EN R@1 | all targets |",
        "|---|---|---|---|---|---|---|---|",
        *(
            f"| {power} | {r['weights']} | {r['objective']:.4f} "
            f"| {r['korquad r@1']:.3f} / {r['korquad r@5']:.3f} | {r['korquad_b r@1']:.3f} "
            f"| {r['paraphrase r@1']:.3f} | {r['ko_en r@1']:.3f} "
            f"| {'yes' if r['meets all targets'] else 'no'} |"
            for power, r in f["coverage_power"].items()
        ),
        "",
        "KorQuAD has near-duplicate paragraphs (the same text in two articles). Counting a "
        "paragraph sharing >= 80% of the gold's character 5-grams as a hit (secondary; the "
        "targets above are strict), at the chosen full-path weights: "
        + "; ".join(
            f"{name} R@1 {d['strict_r@1']:.3f} strict, {d['r@1_near_duplicate_counts']:.3f} "
            f"with near-duplicates ({d['questions_whose_gold_has_a_near_duplicate']} of the "
            "questions' golds have one)"
            for name, d in f["near_duplicates"].items()
        )
        + ".",
        "",
        "## Leave one task out (full-path points)",
        "",
        "| held out | chosen on the others | held-out R@1 | with all-task choice | best possible |",
        "|---|---|---|---|---|",
    ]
    for held, r in f["leave_one_task_out"].items():
        lines.append(
            f"| {held} | {r['chosen_on_others']} | {r['held_out_r@1']:.3f} "
            f"| {r['held_out_r@1_with_all_task_choice']:.3f} "
            f"| {r['best_possible_held_out_r@1']:.3f} |"
        )
    lines += [
        "",
        "## Cosine calibration on KorQuAD (suggestion labels)",
        "",
        "Precision = among each query's top-10 passages by that model's cosine, pooled, the "
        "share of passages with cosine >= t that are the gold paragraph; coverage = share of "
        "queries whose gold passage is in the top 10 with cosine >= t; top-1 precision = among "
        "queries whose best passage has cosine >= t, the share where it is the gold one. "
        "Check = same threshold on korquad_b.",
        "",
        "| model | gold cos p5/p50/p95 | best non-gold p5/p50/p95 | random non-gold p50/p95 "
        "| level | t | precision | coverage | top-1 precision | check precision |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for model, c in result["calibration"].items():
        g, b, r = c["gold"], c["best_non_gold"], c["random_non_gold"]
        for level, th in c["thresholds"].items():
            if th["threshold"] is None:
                cells = f"none (best {th['best']['precision']} at {th['best']['threshold']}) | | |"
                chk = ""
            else:
                a = th["at_threshold"]
                cells = f"{th['threshold']:.2f} | {a['precision']} | {a['gold_coverage']} | {a['top1_precision']}"
                chk = str(th.get("check_korquad_b", {}).get("precision"))
            lines.append(
                f"| {model} | {g['p5']:.3f}/{g['p50']:.3f}/{g['p95']:.3f} "
                f"| {b['p5']:.3f}/{b['p50']:.3f}/{b['p95']:.3f} "
                f"| {r['p50']:.3f}/{r['p95']:.3f} | {level} | {cells} | {chk} |"
            )
    lines.append("")
    path.write_text("\n".join(lines), encoding="utf-8")


def main(out_dir: Path, cache_dir: Path | None | bool = True) -> dict:
    """Run everything; ``cache_dir`` True = ``out_dir/../cache``, None/False = no cache."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    if cache_dir is True:
        cache_dir = out_dir.resolve().parent / "cache"
    cache = Cache(Path(cache_dir) if cache_dir else None)
    t_start = time.perf_counter()

    def log(msg: str) -> None:
        print(f"[bench_fusion {time.strftime('%H:%M:%S')}] {msg}", flush=True)

    tasks = all_tasks()
    signals, timings = compute_signals(tasks, cache, log)
    scorers = {name: TaskScorer(tasks[name], signals[name]) for name in tasks}
    t_eval = time.perf_counter()
    fusion = fusion_study(scorers, log)
    fusion["near_duplicates"] = duplicate_aware(scorers, tasks, fusion["full_path"]["weights"])
    calibration = {}
    for model in ("e5", "use"):
        check = {
            "name": "korquad_b",
            "cos": signals["korquad_b"][model],
            "gold": tasks["korquad_b"]["gold"],
        }
        calibration[model] = calibrate(signals["korquad"][model], tasks["korquad"]["gold"], check)
    timings["evaluation_s"] = round(time.perf_counter() - t_eval, 1)
    result = {
        "machine": f"{os.cpu_count()} CPUs, {os.environ['REVIEWAPP_EMBEDDING_THREADS']} "
        f"embedding threads, Python {platform.python_version()}",
        "tasks": {
            k: {"queries": len(v["queries"]), "corpus": len(v["corpus"])} for k, v in tasks.items()
        },
        "candidates_per_signal": CANDIDATES,
        "targets": {f"{t} {m}": v for (t, m), v in TARGETS.items()},
        "fusion": fusion,
        "calibration": calibration,
        "timings": timings,
        "all_cached": all(v.get("cached", True) for v in timings.values() if isinstance(v, dict)),
        "wall_s": round(time.perf_counter() - t_start, 1),
    }
    (out_dir / "fusion.json").write_text(
        json.dumps(result, indent=1, ensure_ascii=False), encoding="utf-8"
    )
    write_markdown(result, out_dir / "fusion.md")
    return result


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    cache_arg: Path | bool = True
    if "--no-cache" in sys.argv:
        cache_arg = False
    elif "--cache" in sys.argv:
        cache_arg = Path(sys.argv[sys.argv.index("--cache") + 1])
        args = [a for a in args if a != str(cache_arg)]
    res = main(Path(args[0]) if args else ROOT / "bench" / "results", cache_arg)
    print((Path(args[0]) if args else ROOT / "bench" / "results").joinpath("fusion.md").read_text())
