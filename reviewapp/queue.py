"""The job queue: one huey instance, its storage, priorities and one `enqueue()`.

The queue lives in DATA_DIR/jobs.sqlite3, or on Redis (>= 5, for priorities) when
REVIEWAPP_REDIS_URL is set so that several worker processes or machines share it. Tasks are
registered by name (`task`) in `reviewapp.jobs`; services start work with
`enqueue(name, *ids)` and import no job, so the queue sits below the services and knows
none of them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from flask import Flask
from huey import Huey
from huey.api import TaskWrapper
from huey.storage import MemoryStorage, PriorityRedisStorage, SqliteStorage

huey = Huey("reviewapp", storage_class=MemoryStorage, results=False)

# Higher runs first: new documents become searchable before earlier ones get the
# slower, better vectors, and text documents before scans (OCR takes seconds per page).
# A submission's claims are rechecked once its documents are read (a recheck takes
# seconds and reads text), before the slow vectors, which only re-rank the passages.
PRIORITY = {
    "process_document": 20,
    "import_claims": 15,
    "embed_document": 10,
    "ocr_document": 5,
    "recheck_claims": 2,
    "coverage": 1,
    "summarize_indicator": 1,
    "embed_document_slow": 0,
}

# Tasks whose arguments are all document ids, processed as one batch.
BATCHED = frozenset({"process_document"})
BATCH_DOCUMENTS = 16
"""Documents per batched task at most: a large upload is still shared by several workers."""

_TASKS: dict[str, TaskWrapper] = {}
QUEUE_LOCK_TIMEOUT_S = 30  # as the database's PRAGMA busy_timeout (reviewapp/__init__.py)


def init_app(app: Flask) -> None:
    """Point the queue at this app's storage (inline in tests, SQLite, or Redis)."""
    if app.config["JOBS_IMMEDIATE"]:
        huey.storage_class, huey.storage_kwargs = MemoryStorage, {}
        huey.immediate = True
    else:
        huey.immediate = False
        if app.config.get("REDIS_URL"):
            # the plain RedisStorage refuses priorities; this one needs Redis >= 5
            huey.storage_class = PriorityRedisStorage
            huey.storage_kwargs = {"url": app.config["REDIS_URL"]}
        else:
            path = Path(app.config["DATA_DIR"]) / "jobs.sqlite3"
            huey.storage_class = SqliteStorage
            # huey waits 5 s for the file's lock by default; on a busy machine the worker and
            # every web process (enqueueing a recheck after a link) wait longer than that
            # (make loadtest), so they wait as long as for the database (busy_timeout)
            huey.storage_kwargs = {"filename": str(path), "timeout": QUEUE_LOCK_TIMEOUT_S}
    huey.storage = huey.create_storage()


def task(name: str, **options: Any) -> Callable[[Callable[..., Any]], TaskWrapper]:
    """Register a huey task under ``name`` (a key of PRIORITY), for `enqueue` to find."""

    def register(fn: Callable[..., Any]) -> TaskWrapper:
        wrapped = huey.task(**options)(fn)
        _TASKS[name] = wrapped
        return wrapped

    return register


def enqueue(name: str, *args: Any, priority: str | None = None) -> None:
    """The one way to start background work: the task registered as ``name`` with ``args``
    (ids, not objects); ``priority`` names an entry of PRIORITY (default: ``name``'s)."""
    huey.enqueue(_TASKS[name].s(*args, priority=PRIORITY[priority or name]))


def batches(ids: Sequence[int]) -> list[list[int]]:
    """``ids`` in order, ``BATCH_DOCUMENTS`` at a time: the batches of a ``BATCHED`` task."""
    return [list(ids[i : i + BATCH_DOCUMENTS]) for i in range(0, len(ids), BATCH_DOCUMENTS)]


def enqueue_batched(name: str, ids: Sequence[int]) -> None:
    """Enqueue the ``BATCHED`` task ``name`` once per batch of ``ids`` (:func:`batches`)."""
    for batch in batches(ids):
        enqueue(name, *batch)


def pending_ids(name: str) -> set[int]:
    """The document ids of every queued task named ``name``: its first argument, or every
    argument of a task that takes a batch of ids (``process_document``)."""
    task_name = _TASKS[name].task_class.__name__
    ids: set[int] = set()
    for t in huey.pending():
        if t.name == task_name and t.args:
            ids.update(t.args if name in BATCHED else t.args[:1])
    return ids


HEARTBEAT_SECONDS = 10
_HEARTBEAT_KEY = "worker-heartbeat"


def beat() -> None:
    """Record that a worker is alive now (in the queue's own storage: the SQLite file or
    Redis, so that every process sharing the queue sees it)."""
    huey.storage.put_data(_HEARTBEAT_KEY, repr(time.time()).encode())


def worker_alive(max_age: float = 3 * HEARTBEAT_SECONDS) -> bool:
    """Whether a worker beat within ``max_age`` seconds (see :func:`beat`); False with
    inline jobs (JOBS_IMMEDIATE: no worker is needed)."""
    if huey.immediate:
        return False
    raw = huey.storage.peek_data(_HEARTBEAT_KEY)
    try:
        return time.time() - float(raw.decode() if isinstance(raw, bytes) else raw) < max_age
    except (TypeError, ValueError, AttributeError):
        return False  # never beat (huey's EmptyData marker, or nothing stored)
