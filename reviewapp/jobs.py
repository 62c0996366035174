"""Background jobs: each takes ids and chains the pipeline's steps.

process_document (-> ocr_document, behind text documents, when it needs OCR) ->
embed_document (the fastest model at once, the others behind newer documents) -> prepare
the round's indicator queries; a ready self-evaluation or quantitative document also ->
import_claims. A document that becomes ready or gets vectors, and an import, ask for the
submission's claims to be rechecked (recheck_claims, low priority, one per submission:
services/rechecks.py). `reviewapp worker` runs the consumer;
the queue itself (storage, priorities, `enqueue`) is reviewapp/queue.py.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from flask import Flask, current_app

from .queue import HEARTBEAT_SECONDS, beat, enqueue, enqueue_batched, huey, task
from .services import claims, coverage, documents, pipeline, rechecks, suggestions, summaries

log = logging.getLogger(__name__)
_app: Flask | None = None


def init_app(app: Flask) -> None:
    """Remember the app, so that jobs run in its context in the worker."""
    global _app
    _app = app


def _context() -> Any:
    if _app is None:
        raise RuntimeError("jobs run in an app's worker: start it with `reviewapp worker`")
    return _app.app_context()


@task("process_document", retries=1, retry_delay=5)
def process_document_task(*document_ids: int) -> None:
    """One upload's documents (uploads.queue_documents batches them), indexed together."""
    with _context():
        outcomes = pipeline.process_documents(document_ids, ocr_later=True)
        for outcome in outcomes:
            if outcome.ocr_later:
                enqueue("ocr_document", outcome.document_id)
            _follow_up(outcome)
        enqueue_batched("process_document", [i for o in outcomes for i in o.unpacked])


@task("ocr_document", retries=1, retry_delay=5)
def ocr_document_task(document_id: int) -> None:
    """The OCR pass of a document that needs it, queued behind text documents."""
    with _context():
        outcome = pipeline.process_document(document_id)
        _follow_up(outcome)
        enqueue_batched("process_document", outcome.unpacked)


def _follow_up(outcome: pipeline.Processed) -> None:
    """What a processed document asks for next (a retried ZIP's entries: the caller)."""
    if outcome.claims:
        enqueue("import_claims", outcome.document_id)
    if outcome.ready and outcome.passages and current_app.config["EMBEDDINGS_ENABLED"]:
        queue_embeddings(outcome.document_id)
    if outcome.ready:
        rechecks.request(documents.submission_id_of(outcome.document_id))
        coverage.request(documents.submission_id_of(outcome.document_id))


def queue_embeddings(document_id: int) -> None:
    """The fast model's vectors right away, the slower models' behind new documents."""
    for i, model in enumerate(current_app.config["EMBEDDERS"]):
        enqueue(
            "embed_document",
            document_id,
            model,
            priority="embed_document" if i == 0 else "embed_document_slow",
        )


@task("import_claims", retries=1, retry_delay=5)
def import_claims_task(document_id: int) -> None:
    """The claims of a self-evaluation (or quantitative) table that became ready."""
    with _context():
        pipeline.import_claims(document_id, automatic=True)


@task("embed_document", retries=1, retry_delay=5)
def embed_document_task(document_id: int, model: str | None = None) -> None:
    with _context():
        models = [model] if model else None
        submission_id = documents.submission_id_of(document_id)
        if pipeline.embed_document(document_id, models) and submission_id is not None:
            # the round's indicators as prepared queries: suggestions need no model call
            suggestions.prepare_indicator_queries(submission_id, models)
            rechecks.request(submission_id)  # the suggestions re-rank with the new vectors
            coverage.request(submission_id)


@task(coverage.JOB, retries=1, retry_delay=10)
def coverage_task(submission_id: int, viewer_id: int) -> None:
    """Recompute one viewer's stored coverage matrix (services/coverage.py)."""
    with _context():
        suggestions.refresh_coverage(submission_id, viewer_id)


@task(summaries.JOB, retries=1, retry_delay=30)
def summarize_indicator_task(submission_id: int, indicator_id: int) -> None:
    """Recompute an indicator's evidence summaries (services/summaries.py)."""
    with _context():
        summaries.refresh(submission_id, indicator_id)


@task(rechecks.JOB, retries=1, retry_delay=30)
def recheck_claims_task(submission_id: int) -> None:
    """Recheck a submission's claims against its evidence (services/claims.py)."""
    with _context():
        claims.recheck(submission_id)


def run_worker(app: Flask, workers: int = 1) -> None:
    """Resume work left by a crash, then consume the queue until stopped."""
    with app.app_context():
        resumed = documents.resume_unfinished()
    if resumed:
        log.info("re-queued %d unfinished documents", resumed)
    stop = threading.Event()

    def heartbeat() -> None:  # so that the CLI knows whether queued work will be done
        while True:
            beat()
            if stop.wait(HEARTBEAT_SECONDS):
                return

    threading.Thread(target=heartbeat, name="heartbeat", daemon=True).start()
    consumer = huey.create_consumer(workers=workers, worker_type="thread", periodic=False)
    try:
        consumer.run()
    finally:
        stop.set()
