"""Data and cached vectors of the ``ranking`` benchmark (bench/bench_ranking.py).

Three tasks, each ``{"queries", "corpus", "titles", "gold", "group", "exclude"?}``:

* ``korquad``: all 5,774 KorQuAD dev questions against all 964 paragraphs; ``group`` is the
  question's article (the tuning/held-out split is by article);
* ``paraphrase``: KLUE-STS dev pairs labelled >= 4 (``bench.bench_models.load_tasks``);
  ``group`` is the query's own index (split by query);
* ``koen``: the 720 JHE Korean lines against the English ones (split by query).

Vectors (e5 and USE, of passages, of each passage's sentences from
:func:`search_index._sentences.sentence_spans`, and of the queries) are cached under
``bench/cache/ranking/`` as float32 ``.npy`` keyed by model, task, role and a hash of the
texts and of the embedding/sentence code, so each text is embedded once.

``python -m bench._ranking_data`` fills the cache (the slow part: ~25 minutes niced on 2
shared cores).
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
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

from bench._shared import BENCHMARKS, E5_MODEL_DIR  # noqa: E402

CACHE_DIR = ROOT / "bench" / "cache" / "ranking"
TASKS = ("korquad", "paraphrase", "koen")
KINDS = ("e5", "use")


def load_ranking_tasks() -> dict[str, dict[str, Any]]:
    """The three tasks (see the module docstring), in memory from ../shared/benchmarks."""
    from bench.bench_models import load_tasks

    kq = json.loads((BENCHMARKS / "korquad-v1.0-dev.json").read_text(encoding="utf-8"))
    corpus: list[str] = []
    titles: list[str] = []
    queries: list[str] = []
    gold: list[int] = []
    group: list[int] = []
    for a, article in enumerate(kq["data"]):
        for p in article["paragraphs"]:
            pi = len(corpus)
            corpus.append(p["context"])
            titles.append(article["title"])
            for qa in p["qas"]:
                queries.append(qa["question"])
                gold.append(pi)
                group.append(a)
    small = load_tasks(BENCHMARKS)
    para, koen = small["paraphrase"], small["ko_en"]
    return {
        "korquad": {
            "queries": queries,
            "corpus": corpus,
            "titles": titles,
            "gold": gold,
            "group": group,
        },
        "paraphrase": {
            **para,
            "titles": [""] * len(para["corpus"]),
            "group": list(range(len(para["queries"]))),
        },
        "koen": {
            **koen,
            "titles": [""] * len(koen["corpus"]),
            "group": list(range(len(koen["queries"]))),
        },
    }


def digest(texts: Sequence[str], extra: str = "") -> str:
    h = hashlib.sha1(extra.encode())
    for t in texts:
        h.update(t.encode("utf-8"))
        h.update(b"\0")
    return h.hexdigest()[:12]


def code_version(*modules: Any) -> str:
    code = b"".join(Path(m.__file__).read_bytes() for m in modules)
    return hashlib.sha1(code).hexdigest()[:10]


def cached(
    key: str, make: Callable[[], np.ndarray], log: Callable[[str], None] = print
) -> np.ndarray:
    """``CACHE_DIR/key.npy``, made once."""
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    path = CACHE_DIR / f"{key}.npy"
    if path.exists():
        return np.load(path)
    t0 = time.perf_counter()
    arr = make()
    tmp = CACHE_DIR / f"{key}.tmp.npy"
    np.save(tmp, arr)
    tmp.replace(path)
    log(f"  made {key} {arr.shape} in {time.perf_counter() - t0:.0f} s")
    return arr


def sentences_of(corpus: Sequence[str]) -> tuple[list[str], np.ndarray, np.ndarray]:
    """All sentences of ``corpus`` in order, the passage index of each (int32) and the
    spans (int32 [n, 2])."""
    from search_index._sentences import sentence_spans

    texts: list[str] = []
    owner: list[int] = []
    spans: list[tuple[int, int]] = []
    for i, t in enumerate(corpus):
        for a, b in sentence_spans(t):
            texts.append(t[a:b])
            owner.append(i)
            spans.append((a, b))
    return texts, np.asarray(owner, np.int32), np.asarray(spans, np.int32).reshape(-1, 2)


_embedders: dict[str, Any] = {}


def _embedder(kind: str) -> Any:
    from search_index.embeddings import load_embedder

    if kind not in _embedders:
        _embedders[kind] = load_embedder(kind, E5_MODEL_DIR if kind == "e5" else None)
    return _embedders[kind]


def vectors(
    task_name: str, task: dict[str, Any], log: Callable[[str], None] = print
) -> dict[str, np.ndarray]:
    """``{"<kind>.query", "<kind>.passage", "<kind>.sentence"}`` float32 L2-normalised rows,
    plus ``"sentence.owner"`` and ``"sentence.spans"``; cached."""
    from search_index import _sentences

    sent_texts, owner, spans = sentences_of(task["corpus"])
    # the models are fixed files; the sentence split is code: a change re-embeds sentences
    split_version = code_version(_sentences)
    out: dict[str, np.ndarray] = {"sentence.owner": owner, "sentence.spans": spans}
    roles = {
        "query": task["queries"],
        "passage": task["corpus"],
        "sentence": sent_texts,
    }
    for kind in KINDS:
        for role, texts in roles.items():
            version = split_version if role == "sentence" else "v1"
            key = f"{kind}-{task_name}-{role}-{digest(texts, version)}"

            def make(kind: str = kind, role: str = role, texts: Sequence[str] = texts) -> Any:
                emb = _embedder(kind)
                if role == "query":
                    return emb.encode_queries(list(texts))
                return emb.encode_documents(list(texts))

            out[f"{kind}.{role}"] = cached(key, make, log)
    return out


def main() -> int:
    tasks = load_ranking_tasks()
    for name in ("paraphrase", "koen", "korquad"):
        t0 = time.perf_counter()
        v = vectors(name, tasks[name])
        print(
            name,
            {k: a.shape for k, a in v.items()},
            f"{time.perf_counter() - t0:.0f} s",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
