"""A claims recheck never holds the database's write lock while it checks (found by
``make loadtest``: logins failed with "database is locked" after 30 s while the worker
rechecked a submission's claims on a busy machine)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from reviewapp.services import claims
from tests.conftest import World
from tests.reviewapp.claims_support import Recorder, add_claim, fresh, indicator


class LockProbe(Recorder):
    """The real checker; before each check, another connection tries to take the write lock
    without waiting, as a login or a score save in another process would."""

    def __init__(self, database: Path) -> None:
        super().__init__()
        self.database = database
        self.refused: list[str] = []

    def check_claim(self, claim_text: str, passages: Any = (), **kwargs: Any) -> Any:
        other = sqlite3.connect(self.database, timeout=0, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
        except sqlite3.OperationalError as exc:
            self.refused.append(f"{claim_text}: {exc}")
        finally:
            other.close()
        return super().check_claim(claim_text, passages, **kwargs)


def test_other_writers_are_not_blocked_while_claims_are_checked(
    app: Flask, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    probe = LockProbe(Path(app.config["DATA_DIR"]) / "reviewapp.sqlite3")
    monkeypatch.setattr(claims, "_checker", lambda: probe)
    made = [
        add_claim(world.small, indicator(world, code), f"{code} 실적 {n}건을 달성하였다.")
        for n, code in enumerate(("INN-01", "INN-02", "GOV-07"), start=3)
    ]
    checked = claims.recheck(world.small)
    assert len(probe.calls) == len(made) == len(checked)
    assert probe.refused == []
    for claim in made:  # and every result is stored
        assert fresh(claim.id).checked_at is not None


def test_the_queue_waits_for_its_lock_as_long_as_the_database(tmp_path: Path) -> None:
    """huey's 5 s wait for jobs.sqlite3 was too short on a busy machine: a web process that
    enqueues while the worker holds the file's lock for 6 s still enqueues."""
    import threading

    from reviewapp import queue
    from tests.conftest import make_app

    make_app(tmp_path, JOBS_IMMEDIATE=False)
    try:
        holder = sqlite3.connect(
            tmp_path / "data" / "jobs.sqlite3", isolation_level=None, check_same_thread=False
        )
        holder.execute("BEGIN EXCLUSIVE")
        release = threading.Timer(6, holder.execute, args=("COMMIT",))
        release.start()
        queue.huey.storage.enqueue(b"waited", 1)
        release.join()
        assert queue.huey.storage.queue_size() == 1
        holder.close()
    finally:
        queue.huey.storage.close()
