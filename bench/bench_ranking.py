"""The ``ranking`` benchmark: the shipped hybrid ranking against each single signal, on the
full KorQuAD dev set, KLUE-STS paraphrases and JHE KO->EN, with a tuning/held-out split.

* KorQuAD: all 5,774 questions against all 964 paragraphs; the 140 articles are split in
  two halves (seed 0); a question belongs to its gold paragraph's article.
* paraphrase, KO->EN: queries split in two halves (seed 0).

Parameters (the learned ranker's weights, the choice between it and min-max fusion, the
sentence vectors' storage precision) are chosen on the tuning half; every figure in
``ranking.json`` is of the held-out half. Intervals: paired bootstrap (2,000 resamples,
seed 0) of shipped minus single, resampling articles for KorQuAD (questions of one article
are not independent) and queries elsewhere; 95 % percentile intervals.

Signals are computed with the product's code and simulated per query as
``SearchIndex.search(mode="hybrid")`` ranks them: BM25 (the whoosh kiwi+bigram index,
top-100 raw BM25, the exact-name contiguity of :mod:`search_index._contiguity`, keyword
coverage), title match, e5 and USE cosines of passages and of each passage's best sentence
(:mod:`search_index._sentences`), the candidates being the union of BM25's and each
model's top 100 passages; the learned ranker is :mod:`search_index._ranker` with its
shipped weights (``search_index/ranker.json``). Singles: ``bm25`` is ``mode="bm25"`` (with
the name bonus), ``e5``/``use`` the passage cosine over the whole corpus.

``python -m bench.bench_ranking [OUT_DIR] [--ship]``: ``--ship`` writes the weights fitted
on the tuning half into ``search_index/ranker.json`` (then evaluates them). Vectors are
cached in ``bench/cache/ranking`` (``python -m bench._ranking_data`` fills it).
"""

from __future__ import annotations

import json
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench._ranking_data import (  # noqa: E402
    CACHE_DIR,
    cached,
    code_version,
    digest,
    load_ranking_tasks,
    vectors,
)

CANDIDATES = 100  # search_index.index.HYBRID_CANDIDATES
SEED = 0
BOOTSTRAP = 2000
TASK_NAMES = {"korquad": "KorQuAD", "paraphrase": "paraphrase", "koen": "KO->EN"}
L2 = 1e-3
MINMAX_WEIGHTS = {"bm25": 0.4, "e5": 0.4, "use": 0.2}  # the fusion shipped before
Log = Callable[[str], None]


# ------------------------------------------------------------------------------ split


def split(task: dict[str, Any]) -> np.ndarray:
    """bool [queries]: True for the tuning half (half the groups, seed 0)."""
    groups = sorted(set(task["group"]))
    rng = random.Random(SEED)
    tuning = set(rng.sample(groups, len(groups) // 2))
    return np.array([g in tuning for g in task["group"]])


# ------------------------------------------------------------------------------ BM25


def _records(corpus: list[str], titles: list[str]) -> list[Any]:
    from search_index import ChunkRecord

    return [
        ChunkRecord(i + 1, i + 1, 1, 1, 1, "evidence", titles[i] or "d", 1, t)
        for i, t in enumerate(corpus)
    ]


def _no_model() -> Any:
    raise RuntimeError("BM25 only")


def bm25_signals(task: dict[str, Any], tmp: Path) -> np.ndarray:
    """float32 [queries, corpus + 2]: raw BM25 of each query's top 100 (NaN elsewhere), then
    the query's keyword coverage and its name weight (0 without names)."""
    from search_index import QueryRejected, SearchIndex, _contiguity, index

    corpus, queries = task["corpus"], task["queries"]
    exclude = task.get("exclude")
    idx = SearchIndex(tmp, embedder_factory=_no_model)
    idx.rebuild(_records(corpus, task["titles"]))
    searcher = idx._searcher()
    out = np.full((len(queries), len(corpus) + 2), np.nan, dtype=np.float32)
    for i, q in enumerate(queries):
        out[i, -2:] = (1.0, 0.0)
        try:
            parsed = idx._parse(searcher, q)
        except QueryRejected:
            continue
        hits = index._bm25.run_query(searcher, parsed, None, CANDIDATES + 1)
        kept = [h for h in hits if exclude is None or h.chunk_id - 1 != exclude[i]]
        kept = kept[:CANDIDATES]
        for h in kept:
            out[i, h.chunk_id - 1] = h.score
        out[i, -2] = index._keyword_coverage(searcher, parsed, {h.chunk_id: h.score for h in kept})
        names = _contiguity.query_names(q)
        out[i, -1] = names.weight if names is not None else 0.0
    return out


def contiguity_matrix(task: dict[str, Any], weights: np.ndarray) -> np.ndarray:
    """float32 [queries, corpus]: name weight x contiguity (0 for queries without names)."""
    from search_index import _contiguity

    out = np.zeros((len(task["queries"]), len(task["corpus"])), dtype=np.float32)
    for i in np.flatnonzero(weights > 0):
        runs = _contiguity.query_runs(task["queries"][i])
        out[i] = [weights[i] * _contiguity.contiguity(runs, t) for t in task["corpus"]]
    return out


def title_matrix(task: dict[str, Any]) -> np.ndarray:
    """float32 [queries, corpus]: share of the query's content words in the passage's title."""
    from search_index._ranker import title_match, title_terms

    titles = task["titles"]
    uniq = sorted(set(titles))
    if uniq == [""]:
        return np.zeros((len(task["queries"]), len(titles)), dtype=np.float32)
    col = {t: j for j, t in enumerate(uniq)}
    per = np.array(
        [[title_match(terms, t) for t in uniq] for terms in map(title_terms, task["queries"])],
        dtype=np.float32,
    )
    return per[:, [col[t] for t in titles]]


# --------------------------------------------------------------------------- vectors


def best_sentence(q: np.ndarray, sent: np.ndarray, owner: np.ndarray, n: int) -> np.ndarray:
    """float32 [queries, passages]: each passage's best sentence cosine (-1 without any)."""
    out = np.full((len(q), n), -1.0, dtype=np.float32)
    starts = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
    for a in range(0, len(q), 512):
        s = q[a : a + 512] @ sent.T
        out[a : a + 512, owner[starts]] = np.maximum.reduceat(s, starts, axis=1)
    return out


def quantize(v: np.ndarray, kind: str) -> np.ndarray:
    """The stored form of sentence vectors, read back as float32 (float32/float16/int8)."""
    if kind == "float16":
        return v.astype(np.float16).astype(np.float32)
    if kind == "int8":
        scale = np.abs(v).max(axis=1, keepdims=True) / 127.0
        return (np.round(v / scale).astype(np.int8) * scale).astype(np.float32)
    return v


# --------------------------------------------------------------------------- scoring


class Task:
    """One task's raw signals as matrices [queries, corpus] and its split."""

    def __init__(self, name: str, task: dict[str, Any], log: Log, sentence_dtype: str) -> None:
        from search_index import _bm25, _contiguity, _korean, _query, _whoosh, index

        self.name = name
        self.gold = np.asarray(task["gold"])
        self.group = np.asarray(task["group"])
        self.tuning = split(task)
        n = len(task["corpus"])
        version = code_version(_bm25, _query, _whoosh, _korean, _contiguity, index)
        key = f"bm25-{name}-{digest(task['queries'] + task['corpus'] + task['titles'], version)}"
        tmp = Path(tempfile.mkdtemp(prefix="bench-ranking-"))
        try:
            b = cached(key, lambda: bm25_signals(task, tmp), log)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        self.bm25, self.coverage, self.name_weight = b[:, :n], b[:, n], b[:, n + 1]
        self.contiguity = contiguity_matrix(task, self.name_weight)
        self.title = title_matrix(task)
        self.vectors = vectors(name, task, log)
        self.cos: dict[str, np.ndarray] = {}
        self.mask = np.zeros_like(self.bm25, dtype=bool)  # excluded items (the query itself)
        if task.get("exclude") is not None:
            self.mask[np.arange(len(self.gold)), np.asarray(task["exclude"])] = True
        for kind in ("e5", "use"):
            cos = self.vectors[f"{kind}.query"] @ self.vectors[f"{kind}.passage"].T
            cos[self.mask] = -np.inf
            self.cos[f"{kind}_passage"] = cos
        self.candidates = self._candidates()
        self.set_sentence_dtype(sentence_dtype)

    def set_sentence_dtype(self, fmt: str) -> None:
        """Best-sentence cosines with the sentence vectors stored as ``fmt``."""
        v, n = self.vectors, self.bm25.shape[1]
        for kind in ("e5", "use"):
            sent = quantize(v[f"{kind}.sentence"], fmt)
            cos = best_sentence(v[f"{kind}.query"], sent, v["sentence.owner"], n)
            cos[self.mask] = -np.inf
            self.cos[f"{kind}_sentence"] = cos
        self._features: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def _candidates(self) -> list[np.ndarray]:
        """Per query the candidate indices: BM25's hits and each model's top 100 passages."""
        out = []
        k = CANDIDATES
        top_e5 = np.argpartition(-self.cos["e5_passage"], k - 1, axis=1)[:, :k]
        top_use = np.argpartition(-self.cos["use_passage"], k - 1, axis=1)[:, :k]
        for i in range(len(self.gold)):
            hits = np.flatnonzero(np.isfinite(self.bm25[i]))
            out.append(np.unique(np.concatenate([hits, top_e5[i], top_use[i]])))
        return out

    def features(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        """(candidate indices, float64 [candidates, features]) of query ``i``."""
        from search_index._ranker import features

        if i in self._features:
            return self._features[i]
        c = self.candidates[i]
        signals = {name: m[i, c] for name, m in self.cos.items()}
        signals.update(
            bm25=self.bm25[i, c], contiguity=self.contiguity[i, c], title=self.title[i, c]
        )
        self._features[i] = (c, features(signals, float(self.coverage[i]), len(c)))
        return self._features[i]

    def rank_of_gold(self, scores_of: Callable[[int], tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
        """0-based rank of each query's gold (ties against it; not a candidate: 10**6)."""
        ranks = np.empty(len(self.gold), dtype=np.int64)
        for i in range(len(self.gold)):
            c, s = scores_of(i)
            where = np.flatnonzero(c == self.gold[i])
            if not len(where):
                ranks[i] = 10**6
                continue
            g = s[where[0]]
            ranks[i] = int((s > g).sum() + (s == g).sum() - 1)
        return ranks

    # -- the rankings compared

    def single(self, name: str) -> Callable[[int], tuple[np.ndarray, np.ndarray]]:
        n = self.bm25.shape[1]
        everything = np.arange(n)
        if name == "bm25":  # mode="bm25": raw BM25 with the exact-name bonus (rerank)

            def bm25(i: int) -> tuple[np.ndarray, np.ndarray]:
                c = np.flatnonzero(np.isfinite(self.bm25[i]))
                s = self.bm25[i, c].astype(np.float64)
                if len(c) and self.name_weight[i] > 0:
                    s = s + self.contiguity[i, c] * s.max()
                return c, s

            return bm25
        return lambda i: (everything, np.where(self.mask[i], -np.inf, self.cos[name][i]))

    def minmax(self) -> Callable[[int], tuple[np.ndarray, np.ndarray]]:
        """The fusion shipped before: min-max of BM25 (with the name bonus), e5 and USE
        passage cosines, 0.4/0.4/0.2, BM25's weight x keyword coverage."""

        def run(i: int) -> tuple[np.ndarray, np.ndarray]:
            c = self.candidates[i]
            b = self.bm25[i, c].astype(np.float64)
            hit = np.isfinite(b)
            if hit.any() and self.name_weight[i] > 0:
                b[hit] += self.contiguity[i, c][hit] * b[hit].max()
            from search_index._ranker import _minmax

            s = MINMAX_WEIGHTS["bm25"] * self.coverage[i] * _minmax(b)
            s += MINMAX_WEIGHTS["e5"] * _minmax(self.cos["e5_passage"][i, c].astype(np.float64))
            s += MINMAX_WEIGHTS["use"] * _minmax(self.cos["use_passage"][i, c].astype(np.float64))
            return c, s

        return run

    def learned(self, w: np.ndarray) -> Callable[[int], tuple[np.ndarray, np.ndarray]]:
        def run(i: int) -> tuple[np.ndarray, np.ndarray]:
            from search_index._ranker import score

            c, f = self.features(i)
            return c, score(f, w)

        return run


def minmax_equivalent() -> np.ndarray:
    """The min-max fusion shipped before (:data:`MINMAX_WEIGHTS`, BM25 x keyword coverage,
    the name bonus) as weights of :data:`search_index._ranker.FEATURES`."""
    from search_index._ranker import FEATURES

    w = np.zeros(len(FEATURES))
    w[FEATURES.index("bm25_coverage")] = MINMAX_WEIGHTS["bm25"]
    w[FEATURES.index("e5_passage")] = MINMAX_WEIGHTS["e5"]
    w[FEATURES.index("use_passage")] = MINMAX_WEIGHTS["use"]
    return w


def metrics(ranks: np.ndarray) -> dict[str, float]:
    return {
        "R@1": round(float(np.mean(ranks < 1)), 4),
        "R@5": round(float(np.mean(ranks < 5)), 4),
        "MRR": round(float(np.mean(1.0 / (ranks + 1))), 4),
    }


def _per_query(ranks: np.ndarray) -> np.ndarray:
    """[queries, 3]: hit@1, hit@5, reciprocal rank."""
    return np.stack([ranks < 1, ranks < 5, 1.0 / (ranks + 1)], axis=1).astype(np.float64)


def bootstrap(a: np.ndarray, b: np.ndarray, groups: np.ndarray) -> dict[str, list[float]]:
    """95 % interval of mean(a) - mean(b) per metric, resampling ``groups`` (paired)."""
    d = _per_query(a) - _per_query(b)
    uniq, inv = np.unique(groups, return_inverse=True)
    sums = np.zeros((len(uniq), 3))
    np.add.at(sums, inv, d)
    counts = np.bincount(inv, minlength=len(uniq)).astype(np.float64)
    rng = np.random.default_rng(SEED)
    picks = rng.integers(0, len(uniq), size=(BOOTSTRAP, len(uniq)))
    means = sums[picks].sum(axis=1) / counts[picks].sum(axis=1)[:, None]
    lo, hi = np.percentile(means, [2.5, 97.5], axis=0)
    return {
        m: [round(float(x), 4), round(float(y), 4)]
        for m, x, y in zip(("R@1", "R@5", "MRR"), lo, hi, strict=True)
    }


# --------------------------------------------------------------------------- training


def fit(tasks: dict[str, Task], log: Log) -> np.ndarray:
    """Weights minimising the softmax cross-entropy of the gold among each tuning query's
    candidates (each task weighs the same in total; L2 penalty :data:`L2`)."""
    from scipy.optimize import minimize

    from search_index._ranker import FEATURES

    feats: list[np.ndarray] = []
    golds: list[int] = []
    qweights: list[float] = []
    offset = 0
    starts: list[int] = []
    for t in tasks.values():
        usable = []
        for i in np.flatnonzero(t.tuning):
            c, f = t.features(int(i))
            where = np.flatnonzero(c == t.gold[i])
            if len(where):
                usable.append((f, int(where[0])))
        for f, g in usable:
            starts.append(offset)
            feats.append(f)
            golds.append(offset + g)
            qweights.append(1.0 / len(usable))
            offset += len(f)
    F = np.concatenate(feats)
    seg = np.asarray(starts)
    gold_rows = np.asarray(golds)
    qw = np.asarray(qweights) / np.sum(qweights)
    owner = np.repeat(np.arange(len(seg)), np.diff(np.r_[seg, len(F)]))

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        s = F @ w
        m = np.maximum.reduceat(s, seg)
        e = np.exp(s - m[owner])
        z = np.add.reduceat(e, seg)
        p = e / z[owner]
        val = float(qw @ (np.log(z) + m - s[gold_rows]))
        grad = (qw[owner] * p) @ F - qw @ F[gold_rows]
        return val + L2 * float(w @ w), grad + 2 * L2 * w

    blocks = seg
    t0 = time.perf_counter()
    res = minimize(loss, np.zeros(len(FEATURES)), jac=True, method="L-BFGS-B")
    log(f"  fitted {len(blocks)} tuning queries in {time.perf_counter() - t0:.0f} s: {res.message}")
    return res.x


# ----------------------------------------------------------------------------- report


def evaluate(tasks: dict[str, Task], w: np.ndarray) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, t in tasks.items():
        runs = {
            "shipped": t.rank_of_gold(t.learned(w)),
            "minmax": t.rank_of_gold(t.minmax()),
            "bm25": t.rank_of_gold(t.single("bm25")),
            "e5": t.rank_of_gold(t.single("e5_passage")),
            "use": t.rank_of_gold(t.single("use_passage")),
            "e5_sentence": t.rank_of_gold(t.single("e5_sentence")),
            "use_sentence": t.rank_of_gold(t.single("use_sentence")),
        }
        res: dict[str, Any] = {}
        for half, sel in (("tuning", t.tuning), ("heldout", ~t.tuning)):
            res[half] = {
                "queries": int(sel.sum()),
                "metrics": {k: metrics(r[sel]) for k, r in runs.items()},
                "intervals": {
                    k: bootstrap(runs["shipped"][sel], r[sel], t.group[sel])
                    for k, r in runs.items()
                    if k != "shipped"
                },
            }
        out[name] = res
    return out


def write(out_dir: Path, detail: dict[str, Any]) -> None:
    from bench._shared import write_results

    ev = detail["evaluation"]
    shaped = {
        "tasks": {
            name: {
                "heldout_queries": ev[name]["heldout"]["queries"],
                "shipped": ev[name]["heldout"]["metrics"]["shipped"],
                "singles": {k: ev[name]["heldout"]["metrics"][k] for k in ("bm25", "e5", "use")},
            }
            for name in ev
        }
    }
    lines = [
        "# Ranking: shipped hybrid vs each single signal (held-out half)",
        "",
        f"Machine: {detail['machine']}. Run took {detail['seconds']} s "
        f"(vectors {'cached' if detail['warm'] else 'computed'}).",
        "Split: KorQuAD by article (70 tuning / 70 held-out of 140), paraphrase and KO->EN by "
        "query, seed 0. All figures below are of the held-out half; intervals are paired "
        "bootstrap 95 % of shipped minus the row (articles resampled for KorQuAD).",
        "",
        f"Shipped fusion: **{detail['shipped']}** (tuning-half mean R@1 over the tasks: learned "
        f"{detail['choice']['learned']:.4f}, min-max {detail['choice']['min-max']:.4f}; the "
        "better one ships).",
        "",
    ]
    for name, res in ev.items():
        h = res["heldout"]
        lines += [
            f"## {TASK_NAMES[name]} ({h['queries']} held-out queries)",
            "",
            "| ranking | R@1 | R@5 | MRR | shipped - row R@1 [95 %] | R@5 [95 %] | MRR [95 %] |",
            "|---|---|---|---|---|---|---|",
        ]
        for k, m in h["metrics"].items():
            iv = h["intervals"].get(k)
            cells = (
                " | ".join(
                    f"{_diff(h, k, met):+.4f} [{iv[met][0]:+.4f}, {iv[met][1]:+.4f}]"
                    for met in ("R@1", "R@5", "MRR")
                )
                if iv
                else "- | - | -"
            )
            lines.append(f"| {k} | {m['R@1']:.4f} | {m['R@5']:.4f} | {m['MRR']:.4f} | {cells} |")
        lines.append("")
    lines += [
        "## Sentence vector precision (tuning half; the ranker fitted with float16, then the",
        "sentence vectors read back from each format; e5 best sentence alone in brackets)",
        "",
    ]
    lines += [
        "| stored as | bytes/vector e5 / USE | "
        + " | ".join(f"{TASK_NAMES[t]} R@1" for t in ev)
        + " |",
        "|---|---|" + "---|" * len(ev),
    ]
    for fmt, row in detail["precision"].items():
        lines.append(
            f"| {fmt} | {row['bytes']} | "
            + " | ".join(f"{row[t]:.4f} ({row[t + ' e5_sentence']:.4f})" for t in ev)
            + " |"
        )
    lines += ["", "## Weights (search_index/ranker.json)", "", "| feature | weight |", "|---|---|"]
    lines += [f"| {k} | {v:+.3f} |" for k, v in detail["weights"].items()]
    lines += ["", "## Timing", "", "```", json.dumps(detail.get("timing", {}), indent=1), "```", ""]
    write_results(out_dir, "ranking", shaped, "\n".join(lines))
    (out_dir / "ranking_detail.json").write_text(json.dumps(detail, indent=1, ensure_ascii=False))


def _diff(h: dict[str, Any], k: str, met: str) -> float:
    return h["metrics"]["shipped"][met] - h["metrics"][k][met]


def main(
    out_dir: Path = ROOT / "bench" / "results",
    ship: bool = False,
    only: tuple[str, ...] = ("korquad", "paraphrase", "koen"),
    timing: bool = True,
) -> dict[str, Any]:
    from bench._shared import machine
    from search_index import _ranker

    started = time.perf_counter()
    warm = CACHE_DIR.exists() and any(CACHE_DIR.glob("use-korquad-sentence-*.npy"))

    def log(msg: str) -> None:
        print(msg, flush=True)

    raw = {k: v for k, v in load_ranking_tasks().items() if k in only}
    precision: dict[str, Any] = {}
    fitted: dict[str, np.ndarray] = {}
    tasks = {name: Task(name, raw[name], log, "float16") for name in raw}
    fitted["float16"] = fit(tasks, log)
    for fmt in ("float32", "int8", "float16"):  # float16 last: the shipped storage
        for t in tasks.values():
            t.set_sentence_dtype(fmt)
        w = fitted["float16"]
        ev = {n: metrics(t.rank_of_gold(t.learned(w))[t.tuning]) for n, t in tasks.items()}
        e5s = {
            n: metrics(t.rank_of_gold(t.single("e5_sentence"))[t.tuning]) for n, t in tasks.items()
        }
        precision[fmt] = {
            "bytes": {"float32": "1536 / 2048", "float16": "768 / 1024", "int8": "388 / 516"}[fmt],
            **{n: ev[n]["R@1"] for n in ev},
            **{f"{n} e5_sentence": e5s[n]["R@1"] for n in e5s},
        }
        log(f"{fmt}: {precision[fmt]}")
    candidates = {"learned": fitted["float16"], "min-max": minmax_equivalent()}
    tuning = {
        name: float(
            np.mean(
                [metrics(t.rank_of_gold(t.learned(w))[t.tuning])["R@1"] for t in tasks.values()]
            )
        )
        for name, w in candidates.items()
    }
    chosen = max(candidates, key=lambda k: (tuning[k], k == "min-max"))  # a tie keeps min-max
    if ship:
        w = candidates[chosen]
        payload = {
            "about": f"search_index._ranker weights ({chosen}), chosen and fitted by "
            "python -m bench.bench_ranking --ship on the tuning half (sentence vectors as "
            "float16); held-out figures in bench/results/ranking.md",
            "features": list(_ranker.FEATURES),
            "weights": {f: round(float(x), 6) for f, x in zip(_ranker.FEATURES, w, strict=True)},
        }
        _ranker.WEIGHTS_FILE.write_text(json.dumps(payload, indent=1) + "\n", encoding="utf-8")
        _ranker._weights.clear()
    shipped_w = _ranker.load_weights()
    evaluation = evaluate(tasks, shipped_w)
    detail = {
        "machine": machine(),
        "warm": warm,
        "shipped": "learned ranker"
        if np.allclose(shipped_w, candidates["learned"], atol=1e-5)
        else "min-max 0.4/0.4/0.2"
        if np.allclose(shipped_w, candidates["min-max"])
        else "search_index/ranker.json (neither this run's fit nor min-max: rerun with --ship)",
        "choice": tuning,
        "weights": {
            f: round(float(x), 4) for f, x in zip(_ranker.FEATURES, shipped_w, strict=True)
        },
        "precision": precision,
        "evaluation": evaluation,
    }
    try:
        from bench._first_query import measure

        detail["timing"] = measure() if timing else {}
    except Exception as exc:  # noqa: BLE001 - reported, the figures above stand
        detail["timing"] = {"error": f"{type(exc).__name__}: {exc}"}
    detail["seconds"] = round(time.perf_counter() - started, 1)
    out_dir.mkdir(parents=True, exist_ok=True)
    write(out_dir, detail)
    return detail


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(prog="python -m bench.bench_ranking", description=__doc__)
    parser.add_argument("out", nargs="?", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("--ship", action="store_true", help="write the fitted weights")
    parser.add_argument("--only", nargs="+", default=["korquad", "paraphrase", "koen"])
    parser.add_argument("--no-timing", action="store_true", help="skip the first-query timing")
    a = parser.parse_args()
    main(a.out, ship=a.ship, only=tuple(a.only), timing=not a.no_timing)
