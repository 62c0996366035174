"""Background jobs (reviewapp/jobs.py, queue in reviewapp/queue.py): the upload returns at once, a real `reviewapp worker` finishes the work,
and work left behind by a crash is queued again. The queue is huey on SQLite (DATA_DIR/jobs.sqlite3).
"""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from reviewapp import jobs, queue
from reviewapp.extensions import db
from reviewapp.models import Document
from reviewapp.services import documents, uploads
from reviewapp.services.indexing import get_index
from tests.conftest import CORPUS, FRAMEWORK, PASSWORD, csrf_token, login, make_app

REVIEWAPP = Path(sys.executable).with_name("reviewapp")
HWPX_SMALL = CORPUS / "ulsan-namgu-ordinance-notice-2021.hwpx"
MD = CORPUS / "law-data-based-administration-act.md"
WORKER_TIMEOUT = 90.0


@pytest.fixture()
def queued_app(tmp_path: Path) -> Iterator[Flask]:
    """An app whose jobs go to the SQLite queue; huey is put back as it was afterwards."""
    saved = (
        queue.huey.immediate,
        queue.huey.storage_class,
        queue.huey.storage_kwargs,
        queue.huey.storage,
        jobs._app,
    )
    app = make_app(tmp_path, JOBS_IMMEDIATE=False)
    try:
        assert queue.huey.immediate is False
        with app.app_context():
            yield app
            db.session.remove()
    finally:
        (
            queue.huey.immediate,
            queue.huey.storage_class,
            queue.huey.storage_kwargs,
            queue.huey.storage,
            jobs._app,
        ) = saved


def _submission() -> int:
    from reviewapp.services import accounts, rounds
    from reviewapp.services.frameworks import import_framework

    accounts.create_user("coord", PASSWORD, "coordinator")
    fw = import_framework(FRAMEWORK)
    r = rounds.create_round("2026 인증", fw.id)
    return rounds.add_applicant(r.id, "한빛시", 1_020_000).submission_id


def _statuses(ids: list[int]) -> dict[int, str]:
    db.session.rollback()  # a fresh snapshot of what the worker committed
    db.session.expire_all()
    return {
        d.id: d.status for d in db.session.scalars(select(Document).where(Document.id.in_(ids)))
    }


def _pending_ids() -> list[int]:
    """The document ids of the queued process_document jobs (each a batch of ids)."""
    return sorted(
        i for t in queue.huey.pending() if t.name.endswith("process_document_task") for i in t.args
    )


def _run_worker_until(app: Flask, done: Callable[[], bool]) -> str:
    """Start `reviewapp worker` on this app's data directory, poll until done, stop it."""
    env = {
        **os.environ,
        "REVIEWAPP_DATA_DIR": app.config["DATA_DIR"],
        "REVIEWAPP_EMBEDDINGS_ENABLED": "false",
        "REVIEWAPP_JOBS_IMMEDIATE": "false",
        "OMP_THREAD_LIMIT": "1",
    }
    proc = subprocess.Popen(
        [str(REVIEWAPP), "worker"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    finished = False
    try:
        deadline = time.monotonic() + WORKER_TIMEOUT
        while time.monotonic() < deadline:
            if done():
                finished = True
                break
            if proc.poll() is not None:
                break
            time.sleep(0.2)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        output = proc.stdout.read().decode("utf-8", "replace") if proc.stdout else ""
    assert finished, f"worker did not finish in time (rc={proc.returncode}):\n{output[-3000:]}"
    return output


def test_upload_returns_at_once_and_worker_finishes(queued_app: Flask) -> None:
    app = queued_app
    submission_id = _submission()
    client = app.test_client()
    login(client, "coord")
    token = csrf_token(client, f"/submissions/{submission_id}")
    started = time.monotonic()
    response = client.post(
        f"/submissions/{submission_id}/documents",
        data={
            "csrf_token": token,
            "files": [
                (io.BytesIO(HWPX_SMALL.read_bytes()), "입법예고.hwpx"),
                (io.BytesIO(MD.read_bytes()), "데이터기반행정법.md"),
            ],
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert time.monotonic() - started < 5
    ids = sorted(d.id for d in db.session.scalars(select(Document)))
    assert len(ids) == 2
    assert set(_statuses(ids).values()) == {"queued"}
    assert queue.huey.pending_count() == 1  # the upload's documents: one job, one index commit
    assert _pending_ids() == ids
    assert (Path(app.config["DATA_DIR"]) / "jobs.sqlite3").is_file()
    # the page polls while the work is queued
    row = client.get(f"/documents/{ids[0]}/row").get_data(as_text=True)
    assert 'hx-trigger="every 2s"' in row
    assert not get_index().search("입법예고", submission_ids=[submission_id])

    _run_worker_until(app, lambda: set(_statuses(ids).values()) <= {"ready", "failed"})

    assert set(_statuses(ids).values()) == {"ready"}
    assert queue.huey.pending_count() == 0
    for doc_id in ids:
        doc = db.session.get(Document, doc_id)
        assert doc.pages and doc.chunks and doc.error == ""
    hits = get_index().search("입법예고", submission_ids=[submission_id])
    assert hits and hits[0].document_id in ids
    row = client.get(f"/documents/{ids[0]}/row").get_data(as_text=True)
    assert "hx-trigger" not in row and "badge ready" in row


def test_work_left_by_a_crash_is_resumed(queued_app: Flask) -> None:
    app = queued_app
    submission_id = _submission()
    crashed = (
        uploads.add_upload(
            submission_id, "입법예고.hwpx", io.BytesIO(HWPX_SMALL.read_bytes()), enqueue_jobs=False
        )
        .outcomes[0]
        .document_id
    )
    restarted = (
        uploads.add_upload(
            submission_id, "법률.md", io.BytesIO(MD.read_bytes()), enqueue_jobs=False
        )
        .outcomes[0]
        .document_id
    )
    # The worker died mid-job: its task was taken off the queue, the status says extracting.
    for doc_id, status in ((crashed, "extracting"), (restarted, "indexing")):
        db.session.get(Document, doc_id).status = status
    db.session.commit()
    assert queue.huey.pending_count() == 0

    assert documents.resume_unfinished() == 2
    assert _pending_ids() == sorted([crashed, restarted])
    assert documents.resume_unfinished() == 0  # already queued: not queued twice
    assert queue.huey.pending_count() == 1  # one batch
    # lose the queue too (e.g. a fresh queue file): the worker's start-up must find the work
    queue.huey.flush()
    assert queue.huey.pending_count() == 0

    _run_worker_until(
        app, lambda: set(_statuses([crashed, restarted]).values()) <= {"ready", "failed"}
    )
    assert _statuses([crashed, restarted]) == {crashed: "ready", restarted: "ready"}
    assert queue.huey.pending_count() == 0
    assert get_index().search("입법예고", submission_ids=[submission_id])
