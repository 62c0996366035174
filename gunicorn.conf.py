"""Gunicorn settings for `make run`: the web server beside the job worker.

Few processes, several threads each. Every web process loads the two sentence-embedding
models (USE and e5) in the background as it starts (``post_worker_init``), so that its first
search does not wait for them, about 0.5-1 GB of memory per process, so the
process count sets the memory bill and the thread count sets how many requests wait on
I/O (SQLite, files, the index) at once. Two workers fit the machine's two cores and need
about 2 GB for the models (beside the job worker's own copy); eight threads each give
sixteen requests in flight. Change with REVIEWAPP_WEB_WORKERS (or WEB_CONCURRENCY) and
REVIEWAPP_WEB_THREADS; HOST and PORT (or --bind) set the address.
"""

from __future__ import annotations

import os


def _positive_int(*names: str, default: int) -> int:
    for name in names:
        raw = os.environ.get(name, "").strip()
        if raw.isascii() and raw.isdigit() and int(raw) > 0:
            return int(raw)
    return default


wsgi_app = "reviewapp:create_app()"
bind = [f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '5000')}"]
worker_class = "gthread"
workers = _positive_int("REVIEWAPP_WEB_WORKERS", "WEB_CONCURRENCY", default=2)
threads = _positive_int("REVIEWAPP_WEB_THREADS", default=8)
# a large upload is read in one request
timeout = 120
graceful_timeout = 30
keepalive = 5
accesslog = "-"  # stdout
errorlog = "-"  # stderr


def post_worker_init(worker: object) -> None:
    """Warm the search index (models, first query encoding) beside the first requests."""
    from reviewapp.services.indexing import warm_in_background

    warm_in_background(worker.wsgi)  # type: ignore[attr-defined]
