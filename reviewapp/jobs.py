"""Background work: one `enqueue()`, jobs take ids, an embedded queue (huey on SQLite) by default.

The queue lives in DATA_DIR/jobs.sqlite3, or on Redis when REVIEWAPP_REDIS_URL is set so that
several worker processes or machines share it. `reviewapp worker` runs the consumer.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import Flask
from huey import Huey
from huey.storage import MemoryStorage, RedisStorage, SqliteStorage

log = logging.getLogger(__name__)

huey = Huey("reviewapp", storage_class=MemoryStorage, results=False)
_app: Flask | None = None


def init_app(app: Flask) -> None:
    """Point the queue at this app's storage; remember the app for the jobs' context."""
    global _app
    _app = app
    if app.config["JOBS_IMMEDIATE"]:
        huey.storage_class, huey.storage_kwargs = MemoryStorage, {}
        huey.immediate = True
    else:
        huey.immediate = False
        if app.config.get("REDIS_URL"):
            huey.storage_class, huey.storage_kwargs = RedisStorage, {"url": app.config["REDIS_URL"]}
        else:
            path = Path(app.config["DATA_DIR"]) / "jobs.sqlite3"
            huey.storage_class, huey.storage_kwargs = SqliteStorage, {"filename": str(path)}
    huey.storage = huey.create_storage()


def _context() -> Any:
    if _app is None:  # a worker started without the CLI: build the app from the environment
        from . import create_app

        create_app()
    assert _app is not None
    return _app.app_context()


# Higher runs first: new documents become searchable before earlier ones get the
# slower, better vectors.
PRIORITY = {"process_document": 20, "embed_document": 10, "embed_document_slow": 0}


@huey.task(retries=1, retry_delay=5)
def process_document_task(document_id: int) -> None:
    from .services import ingestion

    with _context():
        ingestion.process_document(document_id)


@huey.task(retries=1, retry_delay=5)
def embed_document_task(document_id: int, model: str | None = None) -> None:
    from .services import ingestion

    with _context():
        ingestion.embed_document(document_id, [model] if model else None)


def enqueue(job: str, *args: Any, priority: str | None = None) -> None:
    """The one way to start background work; ``priority`` names an entry of PRIORITY."""
    tasks = {"process_document": process_document_task, "embed_document": embed_document_task}
    task = tasks[job]
    huey.enqueue(task.s(*args, priority=PRIORITY[priority or job]))


def run_worker(app: Flask, workers: int = 1) -> None:
    """Resume work left by a crash, then consume the queue until stopped."""
    from .services import ingestion

    with app.app_context():
        resumed = ingestion.resume_unfinished()
    if resumed:
        log.info("re-queued %d unfinished documents", resumed)
    consumer = huey.create_consumer(workers=workers, worker_type="thread", periodic=False)
    consumer.run()
