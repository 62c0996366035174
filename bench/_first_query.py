"""First query after start, for the ``ranking`` benchmark: the 964 KorQuAD paragraphs in a
real index (vectors and sentence vectors from the benchmark's cache, written through the
stores), then two fresh processes: one searches at once (cold), one calls
``SearchIndex.warm()`` first, as a web process does at start (``post_worker_init``). Each
times its first and second hybrid search of new questions (end to end in
``SearchIndex.search``, query encoding included), in seconds."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

_CHILD = r"""
import json, sys, time
sys.path.insert(0, sys.argv[1])
from search_index import SearchIndex, load_embedder
from bench._shared import E5_MODEL_DIR
t0 = time.perf_counter()
idx = SearchIndex(sys.argv[2], embedders={"use": lambda: load_embedder("use"),
                                          "e5": lambda: load_embedder("e5", E5_MODEL_DIR)})
out = {"open": time.perf_counter() - t0}
if sys.argv[3] == "warm":
    t0 = time.perf_counter(); idx.warm(); out["warm"] = time.perf_counter() - t0
queries = json.loads(sys.argv[4])
for name, q in zip(("first", "second", "third"), queries):
    t0 = time.perf_counter(); idx.search(q, mode="hybrid", limit=10)
    out[name] = time.perf_counter() - t0
print(json.dumps({k: round(v, 3) for k, v in out.items()}))
"""


def _build(directory: Path) -> None:
    import numpy as np

    from bench._ranking_data import load_ranking_tasks, vectors
    from search_index import ChunkRecord, SearchIndex

    task = load_ranking_tasks()["korquad"]
    v = vectors("korquad", task)
    idx = SearchIndex(directory, embedders={"use": lambda: None, "e5": lambda: None})  # type: ignore[arg-type,return-value]
    recs = [
        ChunkRecord(i + 1, i + 1, 1, 1, 1, "evidence", task["titles"][i], 1, t)
        for i, t in enumerate(task["corpus"])
    ]
    idx.rebuild(recs)
    n = len(recs)
    owner = v["sentence.owner"]
    for kind in ("e5", "use"):
        model = idx._models[kind]
        store = idx._store(model, dim=v[f"{kind}.passage"].shape[1])
        assert store is not None
        store.add(
            np.arange(1, n + 1),
            v[f"{kind}.passage"],
            document_ids=np.arange(1, n + 1),
            submission_ids=1,
        )
        sstore = idx._sentence_store(model, dim=v[f"{kind}.passage"].shape[1])
        assert sstore is not None
        sstore.add_sentences(
            owner + 1,
            v[f"{kind}.sentence"],
            v["sentence.spans"],
            document_ids=owner + 1,
            submission_ids=1,
        )


def measure() -> dict[str, Any]:
    """{"cold": {...}, "warm": {...}} seconds: index open, warm(), first/second/third search."""
    from bench._ranking_data import load_ranking_tasks

    tmp = Path(tempfile.mkdtemp(prefix="bench-first-query-"))
    try:
        t0 = time.perf_counter()
        _build(tmp / "index")
        out: dict[str, Any] = {"build_s": round(time.perf_counter() - t0, 1)}
        qs = load_ranking_tasks()["korquad"]["queries"]
        for i, mode in enumerate(("cold", "warm")):
            picked = qs[100 * i + 1 : 100 * i + 301 : 100]  # new questions each time
            res = subprocess.run(
                [
                    sys.executable,
                    "-c",
                    _CHILD,
                    str(ROOT),
                    str(tmp / "index"),
                    mode,
                    json.dumps(picked),
                ],
                capture_output=True,
                text=True,
                check=True,
            )
            out[mode] = json.loads(res.stdout.strip().splitlines()[-1])
        return out
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    print(json.dumps(measure(), indent=1))
