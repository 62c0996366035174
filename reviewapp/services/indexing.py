"""The app's search index (search_index package) and how documents feed it."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import current_app
from sqlalchemy import select

from ..extensions import db
from ..models import Chunk, Document, Submission

if TYPE_CHECKING:
    from search_index import ChunkRecord, SearchIndex


def get_index() -> SearchIndex:
    """One SearchIndex per app (per process), under DATA_DIR/index."""
    from search_index import SearchIndex

    ext = current_app.extensions
    if "search_index" not in ext:
        cfg = current_app.config
        ext["search_index"] = SearchIndex(
            Path(cfg["INDEX_DIR"]),
            embedders={name: _embedder_factory(name) for name in cfg["EMBEDDERS"]},
            weights=cfg["FUSION_WEIGHTS"],
        )
    return ext["search_index"]


def _embedder_factory(kind: str) -> Any:
    enabled = current_app.config["EMBEDDINGS_ENABLED"]
    model_dir = Path(current_app.config["EMBEDDING_MODEL"])

    def factory() -> Any:
        from search_index import EmbeddingModelError, load_embedder

        if not enabled:
            raise EmbeddingModelError("embeddings are switched off (REVIEWAPP_EMBEDDINGS_ENABLED)")
        return load_embedder(kind, model_dir=model_dir if kind == "e5" else None)

    return factory


def records_for(document: Document, chunks: list[Chunk] | None = None) -> list[ChunkRecord]:
    from search_index import ChunkRecord

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


def all_records(batch: int = 500) -> Any:
    """Every chunk of every ready document, streamed, for rebuilding the index."""
    from ..models import DocumentStatus

    docs = db.session.scalars(
        select(Document).join(Submission).where(Document.status == DocumentStatus.READY.value)
    )
    for document in docs:
        yield from records_for(document)


def reembed_all(models: list[str] | None = None) -> int:
    """Recompute the vectors (of ``models``, default all) of every ready document."""
    from ..models import DocumentStatus
    from .ingestion import embed_document

    ids = db.session.scalars(
        select(Document.id).where(Document.status == DocumentStatus.READY.value)
    ).all()
    return sum(embed_document(document_id, models) for document_id in ids)


def plain_snippet(snippet_html: str) -> str:
    """The highlighted HTML snippet as plain text, for the CLI and JSON."""
    import html
    import re

    return html.unescape(re.sub(r"</?mark[^>]*>", "", snippet_html))
