"""The app's search index (search_index package) and how documents feed it."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import select

from search_index import ChunkRecord, EmbeddingModelError, SearchIndex, load_embedder

from ..extensions import db
from ..models import Chunk, Document, DocumentStatus, Submission

log = logging.getLogger(__name__)


def get_index() -> SearchIndex:
    """One SearchIndex per app (per process), under DATA_DIR/index."""
    ext = current_app.extensions
    if "search_index" not in ext:
        cfg = current_app.config
        ext["search_index"] = SearchIndex(
            Path(cfg["INDEX_DIR"]),
            embedders={name: _embedder_factory(name) for name in cfg["EMBEDDERS"]},
            weights=cfg["FUSION_WEIGHTS"],
        )
    return ext["search_index"]


def warm_in_background(app: Any) -> threading.Thread:
    """Load the search models and index of ``app`` in a daemon thread (a web process at
    start), so that its first search does not wait for them; failures are logged only."""

    def run() -> None:
        try:
            with app.app_context():
                took = get_index().warm()
            log.info("search index warm: %s", took)
        except Exception:  # noqa: BLE001 - the first search loads what is missing
            log.warning("warming the search index failed", exc_info=True)

    thread = threading.Thread(target=run, name="search-warm", daemon=True)
    thread.start()
    return thread


def _embedder_factory(kind: str) -> Any:
    enabled = current_app.config["EMBEDDINGS_ENABLED"]
    model_dir = Path(current_app.config["EMBEDDING_MODEL"])

    def factory() -> Any:
        if not enabled:
            raise EmbeddingModelError("embeddings are switched off (REVIEWAPP_EMBEDDINGS_ENABLED)")
        return load_embedder(kind, model_dir=model_dir if kind == "e5" else None)

    return factory


def records_for(document: Document, chunks: list[Chunk] | None = None) -> list[ChunkRecord]:
    """The index's view of a document's passages (all, or ``chunks``)."""
    submission = document.submission
    return [
        ChunkRecord(
            chunk_id=c.id,
            document_id=document.id,
            submission_id=submission.id,
            applicant_id=submission.applicant_id,
            round_id=submission.round_id,
            doc_type=document.doc_type,
            document_name=document.filename,
            page=c.page,
            text=c.text,
        )
        for c in (chunks if chunks is not None else document.chunks)
    ]


def all_records() -> Iterator[ChunkRecord]:
    """Every chunk of every ready document, streamed, for rebuilding the index."""
    docs = db.session.scalars(
        select(Document).join(Submission).where(Document.status == DocumentStatus.READY.value)
    )
    for document in docs:
        yield from records_for(document)
