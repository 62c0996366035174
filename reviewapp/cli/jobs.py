"""worker: the job consumer."""

from __future__ import annotations

import click
from flask import current_app

from ..jobs import run_worker
from ._common import with_database


@click.command("worker")
@click.option("--workers", type=int, default=1)
@with_database
def worker_cmd(workers: int) -> None:
    """Run the job consumer (ingestion and embedding)."""
    run_worker(current_app._get_current_object(), workers=workers)  # type: ignore[attr-defined]


commands = [worker_cmd]
