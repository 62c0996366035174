"""Scans in the job queue: a document that needs OCR goes back to the queue behind text
documents (priority "ocr_document"), its row says it waits for OCR and then shows the pages
OCR'd so far; a restart does not queue it twice; the priorities hold on Redis too.

The queue is huey on a real SQLite file; the jobs are taken off it one at a time and run
here, as one busy worker would take them, so that the order is deterministic.
"""

from __future__ import annotations

import io
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from extractors.ocr import tesseract_available
from reviewapp import jobs, queue
from reviewapp.extensions import db
from reviewapp.models import Document
from reviewapp.services import documents, pipeline, uploads
from tests.conftest import World, login, make_app
from tests.reviewapp.helpers import MD, record_statuses
from tests.reviewapp.test_jobs import _submission, queued_app  # noqa: F401 (a fixture)

FIDELITY = Path(__file__).resolve().parents[3] / "shared" / "fidelity-cases"
if not FIDELITY.is_dir():  # the shared files live beside the checkout
    FIDELITY = Path("/work/shared/fidelity-cases")
SCAN = FIDELITY / "pdf_scan_plain.pdf"

needs_ocr = pytest.mark.skipif(
    not tesseract_available() or not SCAN.exists(),
    reason=f"tesseract is not installed or the fidelity case {SCAN.name} is not available",
)


def _row(client: FlaskClient, document_id: int) -> str:
    return client.get(f"/documents/{document_id}/row").get_data(as_text=True)


@needs_ocr
def test_text_document_queued_after_a_scan_is_processed_first(queued_app: Flask) -> None:  # noqa: F811
    submission_id = _submission()
    scan = uploads.add_upload(submission_id, "스캔본.pdf", SCAN.open("rb")).outcomes[0].document_id
    text = (
        uploads.add_upload(submission_id, "법률.md", io.BytesIO(MD.read_bytes()))
        .outcomes[0]
        .document_id
    )
    assert scan and text and scan < text
    client = queued_app.test_client()
    login(client, "coord")

    ran: list[tuple[str, int, str]] = []  # (job, document, the text document's status)
    while (job := queue.huey.dequeue()) is not None:
        db.session.expire_all()
        ran.append((job.name, job.args[0], db.session.get(Document, text).status))
        db.session.rollback()  # no read transaction left open while the job writes
        queue.huey.execute(job)
        db.session.expire_all()
        if len(ran) == 1:  # the scan's first look: back in the queue, waiting for OCR
            waiting = db.session.get(Document, scan)
            assert waiting.status == "queued" and waiting.pages == []
            assert waiting.doc_metadata[pipeline.OCR_WAITING] == "true"
            assert "OCR 대기 중" in _row(client, scan)
            # a restart now queues nothing twice: both documents are still in the queue
            assert documents.resume_unfinished() == 0
            db.session.rollback()

    assert [(name.rsplit(".", 1)[-1], doc) for name, doc, _ in ran] == [
        ("process_document_task", scan),
        ("process_document_task", text),
        ("ocr_document_task", scan),
    ]
    assert ran[2][2] == "ready"  # the text document was searchable before OCR began
    db.session.expire_all()
    done = db.session.get(Document, scan)
    assert done.status == "ready" and all(p.ocr for p in done.pages)
    assert "통합운영센터" in done.pages[0].text
    assert pipeline.OCR_WAITING not in done.doc_metadata
    assert pipeline.OCR_PROGRESS not in done.doc_metadata


@needs_ocr
def test_ocr_progress_is_stored_per_page_and_shown(
    app: Flask, client: FlaskClient, world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PIL import Image

    with Image.open(FIDELITY / "ocr_clean_page.png") as image:
        page = image.crop((0, 0, 1654, 600))
    scan = tmp_path / "two-pages.tif"
    page.save(scan, save_all=True, append_images=[page])
    seen: list[str] = []
    original = pipeline._record_ocr_progress

    def record(document: Document, done: int, total: int) -> None:
        original(document, done, total)
        db.session.expire(document)
        seen.append(document.doc_metadata[pipeline.OCR_PROGRESS])  # read back, committed

    monkeypatch.setattr(pipeline, "_record_ocr_progress", record)
    (outcome,) = uploads.add_upload(world.large, "스캔.tif", scan.open("rb")).outcomes
    assert seen == ["1/2", "2/2"]
    db.session.expire_all()
    document = db.session.get(Document, outcome.document_id)
    assert document.status == "ready" and len(document.pages) == 2
    assert pipeline.OCR_PROGRESS not in document.doc_metadata

    # the row of a document in the middle of its OCR says how far it got
    document.status = "extracting"
    document.doc_metadata = {**document.doc_metadata, pipeline.OCR_PROGRESS: "3/12"}
    db.session.commit()
    login(client, "admin")
    row = _row(client, document.id)
    assert "OCR 3/12쪽" in row and 'hx-trigger="every 2s"' in row


def test_without_tesseract_a_scan_fails_at_once(
    app: Flask, world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No OCR pass is queued that could not run: the scan fails with the reason."""
    if not SCAN.exists():
        pytest.skip(f"fidelity case {SCAN.name} is not available")
    monkeypatch.setenv("REVIEWAPP_TESSERACT", str(tmp_path / "no-tesseract"))
    seen = record_statuses(monkeypatch)
    (outcome,) = uploads.add_upload(world.large, "스캔본.pdf", SCAN.open("rb")).outcomes
    assert seen == ["extracting", "failed"]
    db.session.expire_all()
    document = db.session.get(Document, outcome.document_id)
    assert document.error_code == "ocr_unavailable"
    assert pipeline.OCR_WAITING not in document.doc_metadata


def test_redis_queue_keeps_the_priorities(tmp_path: Path) -> None:
    """huey's plain RedisStorage refuses priorities; the queue uses PriorityRedisStorage
    (Redis >= 5). Against a real redis-server (skipped where none is installed)."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed: the Redis job queue is not tested")
    redis = pytest.importorskip("redis", reason="the redis package ([scale] extra) is missing")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        [binary, "--port", str(port), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    saved = (queue.huey.immediate, queue.huey.storage_class, queue.huey.storage_kwargs)
    saved_storage, saved_app = queue.huey.storage, jobs._app
    try:
        client = redis.Redis(port=port)
        for _ in range(50):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.1)
        app = make_app(tmp_path, JOBS_IMMEDIATE=False, REDIS_URL=f"redis://127.0.0.1:{port}/0")
        with app.app_context():
            queue.enqueue("embed_document", 1, "e5", priority="embed_document_slow")
            queue.enqueue("ocr_document", 2)
            queue.enqueue("process_document", 3)
            order = [queue.huey.dequeue().args[0] for _ in range(3)]
        assert order == [3, 2, 1]
    finally:
        queue.huey.immediate, queue.huey.storage_class, queue.huey.storage_kwargs = saved
        queue.huey.storage, jobs._app = saved_storage, saved_app
        server.terminate()
        server.wait(10)
