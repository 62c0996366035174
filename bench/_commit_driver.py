"""One commit's side of bench_commits: run as a script with PYTHONPATH set to that commit's
worktree, so that its own ``reviewapp`` and ``search_index`` are imported (checked).

Only public names both the old and the new layout have are used: ``SearchIndex``,
``ChunkRecord``, ``create_app``, ``services.rounds``, ``services.frameworks``,
``services.suggestions.rank``/``meaning_query``, ``services.indexing.get_index``; uploads and
processing come from ``services.ingestion`` (old) or ``services.uploads`` and
``services.pipeline`` (new).

``python _commit_driver.py TASK SPEC.json OUT.json``; TASK is ``setup-search``,
``setup-suggest``, ``search``, ``suggest`` or ``ingest``. Writes its figures to OUT.json.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


def _check_imports(worktree: Path) -> None:
    import reviewapp
    import search_index

    for module in (reviewapp, search_index):
        path = Path(module.__file__).resolve()
        if worktree.resolve() not in path.parents:
            raise SystemExit(f"{module.__name__} imported from {path}, not from {worktree}")


def _app(data_dir: Path, model_dir: str) -> Any:
    from flask_migrate import upgrade

    from reviewapp import create_app

    app = create_app(
        {
            "DATA_DIR": str(data_dir),
            "SECRET_KEY": "bench",
            "JOBS_IMMEDIATE": True,
            "EMBEDDINGS_ENABLED": True,
            "EMBEDDING_MODEL": model_dir,
            "OCR_ENABLED": False,
        }
    )
    with app.app_context():
        upgrade()
    return app


def _ingest_api() -> tuple[Any, Any]:
    """(add_upload, process) of this commit."""
    try:
        from reviewapp.services import pipeline, uploads
    except ImportError:
        from reviewapp.services import ingestion

        return ingestion.add_upload, lambda i: ingestion.process_document(i, queue_embedding=False)
    return uploads.add_upload, pipeline.process_document


def _embed_api() -> Any:
    try:
        from reviewapp.services.pipeline import embed_document
    except ImportError:
        from reviewapp.services.ingestion import embed_document
    return embed_document


def _submission(worktree: Path) -> tuple[int, list[Any]]:
    from reviewapp.extensions import db
    from reviewapp.models import Framework
    from reviewapp.services import rounds
    from reviewapp.services.frameworks import import_framework

    city = import_framework(worktree / "frameworks" / "smart-city-sample.yaml")
    rnd = rounds.create_round("bench", city.id)
    sid = rounds.add_applicant(rnd.id, "벤치시", 600_000).submission_id
    return sid, list(db.session.get(Framework, city.id).indicators)


def _upload(sid: int, files: list[str]) -> tuple[list[int], float]:
    add_upload, process = _ingest_api()
    t0 = time.perf_counter()
    ids = []
    for name in files:
        path = Path(name)
        with path.open("rb") as fh:
            report = add_upload(sid, path.name, fh, enqueue_jobs=False)
        ids += [o.document_id for o in report.outcomes if o.document_id]
    for document_id in ids:
        process(document_id)
    return ids, time.perf_counter() - t0


def _ready(ids: list[int]) -> list[Any]:
    from reviewapp.extensions import db
    from reviewapp.models import Document

    docs = [db.session.get(Document, i) for i in ids]
    return [d for d in docs if d.status == "ready"]


# --- tasks ----------------------------------------------------------------------------------


def setup_search(spec: dict[str, Any]) -> dict[str, Any]:
    """The ~10k-passage index of bench_search's synthetic corpus, kept for the rounds."""
    from search_index import ChunkRecord, SearchIndex

    def no_model() -> Any:
        raise RuntimeError("no embedding model in this run")

    chunks = [ChunkRecord(**c) for c in json.loads(Path(spec["chunks"]).read_text())]
    idx = SearchIndex(Path(spec["data"]) / "search", embedder_factory=no_model)
    t0 = time.perf_counter()
    for i in range(0, len(chunks), 5000):
        idx.add_chunks(chunks[i : i + 5000])
    return {"chunks": idx.count(), "build_s": round(time.perf_counter() - t0, 1)}


def search(spec: dict[str, Any]) -> dict[str, Any]:
    """bench_search's protocol: one warm-up query, then the 100 queries with one random
    submission as filter, then unfiltered; limit 20, highlights on."""
    from search_index import SearchIndex

    def no_model() -> Any:
        raise RuntimeError("no embedding model in this run")

    queries = json.loads(Path(spec["queries"]).read_text())
    idx = SearchIndex(Path(spec["data"]) / "search", embedder_factory=no_model)
    idx.search("워밍업 질의", submission_ids=[1])
    out: dict[str, Any] = {}
    for label, subs in (("filtered", queries["submissions"]), ("unfiltered", None)):
        lat = []
        for i, q in enumerate(queries["queries"]):
            sub = [subs[i]] if subs else None
            t1 = time.perf_counter()
            idx.search(q, submission_ids=sub, limit=20, highlight=True)
            lat.append((time.perf_counter() - t1) * 1000)
        out[label] = lat
    return out


def setup_suggest(spec: dict[str, Any]) -> dict[str, Any]:
    """A submission of the smallest corpus documents up to ~``suggest_chunks`` passages,
    with both models' vectors and the indicator queries prepared (as the worker leaves it)."""
    from reviewapp.extensions import db
    from reviewapp.services.indexing import get_index
    from reviewapp.services.suggestions import meaning_query

    worktree = Path(spec["worktree"])
    app = _app(Path(spec["data"]) / "suggest", spec["model_dir"])
    with app.app_context():
        sid, indicators = _submission(worktree)
        kept: list[int] = []
        chunks = 0
        for name in sorted(spec["files"], key=lambda f: Path(f).stat().st_size):
            ids, _ = _upload(sid, [name])
            for d in _ready(ids):
                kept.append(d.id)
                chunks += len(d.chunks)
            if chunks >= spec["suggest_chunks"]:
                break
        embed_document = _embed_api()
        t0 = time.perf_counter()
        for document_id in kept:
            embed_document(document_id)
        embed_s = time.perf_counter() - t0
        index = get_index()
        index.prepare_queries([meaning_query(i) for i in indicators])
        db.session.commit()
        return {
            "submission": sid,
            "documents": len(kept),
            "chunks": chunks,
            "indicators": len(indicators),
            "models": index.vector_models,
            "embed_s": round(embed_s, 1),
        }


def suggest(spec: dict[str, Any]) -> dict[str, Any]:
    """Per-indicator time of ``rank`` (hybrid, limit 10) over the prepared submission; models
    loaded and one unrelated hybrid search run first."""
    from sqlalchemy import select

    from reviewapp.extensions import db
    from reviewapp.models import Indicator, Submission
    from reviewapp.services.indexing import get_index
    from reviewapp.services.suggestions import rank

    app = _app(Path(spec["data"]) / "suggest", spec["model_dir"])
    with app.app_context():
        submission = db.session.get(Submission, spec["submission"])
        indicators = db.session.scalars(
            select(Indicator)
            .where(Indicator.framework_id == submission.round.framework_id)
            .order_by(Indicator.id)
        ).all()
        index = get_index()
        models = index.vector_models  # loads the models
        index.search("워밍업 질의", vector_query="워밍업 질의", submission_ids=[submission.id])
        index.search(
            "워밍업 질의", vector_query="워밍업", submission_ids=[submission.id], mode="hybrid"
        )
        per = []
        for indicator in indicators:
            t = time.perf_counter()
            rank(submission, indicator, limit=10)
            per.append((time.perf_counter() - t) * 1000)
        return {"models": models, "per_indicator_ms": per}


def ingest(spec: dict[str, Any]) -> dict[str, Any]:
    """Upload -> searchable (store, extract, chunk, index; no OCR, no vectors) of the corpus
    documents on a fresh data dir."""
    worktree = Path(spec["worktree"])
    with tempfile.TemporaryDirectory(prefix="bench-commit-ingest-") as tmp:
        app = _app(Path(tmp) / "data", spec["model_dir"])
        with app.app_context():
            sid, _ = _submission(worktree)
            ids, seconds = _upload(sid, spec["files"])
            docs = _ready(ids)
            pages = sum(d.page_count for d in docs)
            return {
                "documents": len(docs),
                "pages": pages,
                "chunks": sum(len(d.chunks) for d in docs),
                "seconds": seconds,
                "pages_per_s": pages / seconds,
            }


TASKS = {
    "setup-search": setup_search,
    "setup-suggest": setup_suggest,
    "search": search,
    "suggest": suggest,
    "ingest": ingest,
}


def main() -> int:
    task, spec_path, out_path = sys.argv[1:4]
    spec = json.loads(Path(spec_path).read_text())
    _check_imports(Path(spec["worktree"]))
    result = TASKS[task](spec)
    result["pid"] = os.getpid()
    Path(out_path).write_text(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
