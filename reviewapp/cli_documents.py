"""CLI for documents and search: extract, ingest, reindex, reembed, search, suggest."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import Flask, current_app

from .models import DocumentType


def register(app: Flask) -> None:
    @app.cli.command("extract")
    @click.argument("file", type=click.Path(path_type=Path))
    @click.option("--json", "as_json", is_flag=True, help="Print JSON.")
    @click.option("--no-ocr", is_flag=True, help="Do not OCR pages without a text layer.")
    def extract_cmd(file: Path, as_json: bool, no_ocr: bool) -> None:
        """Extract text per page from one file; touches no database."""
        from extractors import ExtractionError, extract

        if not file.is_file():
            click.echo(f"error: {file}: no such file", err=True)
            sys.exit(2)
        try:
            result = extract(file, max_bytes=current_app.config["MAX_UPLOAD_BYTES"], ocr=not no_ocr)
        except ExtractionError as exc:
            click.echo(f"error: {file.name}: {exc.message}", err=True)
            sys.exit(1)
        if as_json:
            payload = {
                "file": file.name,
                "type": result.type,
                "pages": [{"number": p.number, "text": p.text} for p in result.pages],
            }
            click.echo(json.dumps(payload, ensure_ascii=False))
        else:
            for page in result.pages:
                click.echo(f"--- page {page.number}{' (OCR)' if page.ocr else ''} ---")
                click.echo(page.text)

    @app.cli.command("ingest")
    @click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
    @click.option("--submission", "submission_id", type=int, required=True)
    @click.option(
        "--type",
        "doc_type",
        default="evidence",
        type=click.Choice([t.value for t in DocumentType]),
    )
    @click.option("--json", "as_json", is_flag=True)
    @click.option(
        "--queue",
        is_flag=True,
        help="Leave the work to the running worker instead of doing it now.",
    )
    def ingest_cmd(
        paths: tuple[Path, ...], submission_id: int, doc_type: str, as_json: bool, queue: bool
    ) -> None:
        """Ingest files, folders and ZIPs; one line per document with its status."""
        from .services.errors import ServiceError
        from .services.ingestion import ingest_paths

        try:
            results = ingest_paths(list(paths), submission_id, doc_type=doc_type, run_now=not queue)
        except ServiceError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(1)
        failed = 0
        for r in results:
            failed += r["status"] == "failed"
            if as_json:
                click.echo(json.dumps(r, ensure_ascii=False))
            else:
                where = f"{r['folder']}/" if r["folder"] else ""
                extra = f" pages={r['pages']}" if r.get("pages") else ""
                reason = f" reason: {r['message']}" if r.get("message") else ""
                click.echo(
                    f"{r['status']:<9} {r.get('document_id') or '-':>5} {where}{r['file']}{extra}{reason}"
                )
        sys.exit(1 if failed and failed == len(results) else 0)

    @app.cli.command("search")
    @click.argument("query")
    @click.option("--submission", "submission_id", type=int, required=True)
    @click.option("--mode", type=click.Choice(["bm25", "vector", "hybrid"]), default="hybrid")
    @click.option("--limit", type=int, default=10)
    @click.option("--json", "as_json", is_flag=True)
    def search_cmd(query: str, submission_id: int, mode: str, limit: int, as_json: bool) -> None:
        """Ranked passages of one submission for a query."""
        from search_index import QueryRejected

        from .services.indexing import get_index, plain_snippet

        index = get_index()
        try:
            hits = index.search(query, submission_ids=[submission_id], limit=limit, mode=mode)
        except QueryRejected as exc:
            click.echo(f"error: {exc.message} ({exc.message_ko})", err=True)
            sys.exit(1)
        if mode != "bm25" and not index.vector_available:
            click.echo(f"note: vectors unavailable ({index.vector_error}); BM25 used", err=True)
        rows = [
            {
                "document": h.document_name,
                "document_id": h.document_id,
                "page": h.page,
                "score": round(float(h.score), 6),
                "snippet": plain_snippet(h.snippet),
            }
            for h in hits
        ]
        if as_json:
            click.echo(json.dumps({"hits": rows}, ensure_ascii=False))
            return
        for i, r in enumerate(rows, 1):
            click.echo(
                f"{i:>2}. {r['score']:.3f}  {r['document']} p.{r['page']}  {r['snippet'][:160]}"
            )

    @app.cli.command("suggest")
    @click.option("--submission", "submission_id", type=int, required=True)
    @click.option("--indicator", "code", default=None, help="One indicator code; all when omitted.")
    @click.option("--limit", type=int, default=5)
    @click.option("--json", "as_json", is_flag=True)
    def suggest_cmd(submission_id: int, code: str | None, limit: int, as_json: bool) -> None:
        """Suggested evidence passages per indicator."""
        from sqlalchemy import select

        from .extensions import db
        from .models import Indicator, Submission
        from .services.indexing import plain_snippet
        from .services.suggestions import prepare_indicator_queries, rank

        submission = db.session.get(Submission, submission_id)
        if submission is None:
            click.echo(f"error: no submission {submission_id}", err=True)
            sys.exit(1)
        query = select(Indicator).where(Indicator.framework_id == submission.round.framework_id)
        if code:
            query = query.where(Indicator.code == code)
        indicators = list(db.session.scalars(query.order_by(Indicator.position)))
        if not indicators:
            click.echo(f"error: no indicator {code} in this round", err=True)
            sys.exit(1)
        prepare_indicator_queries(submission)
        rows, labels = [], []
        for indicator in indicators:
            for p in rank(submission, indicator, limit=limit).passages:
                rows.append(
                    {
                        "indicator": indicator.code,
                        "document": p.document_name,
                        "document_id": p.document_id,
                        "page": p.page,
                        "score": p.score,
                        "snippet": plain_snippet(p.snippet),
                    }
                )
                labels.append(p.confidence)
        if as_json:
            click.echo(json.dumps({"suggestions": rows}, ensure_ascii=False))
            return
        for r, label in zip(rows, labels, strict=True):
            click.echo(
                f"{r['indicator']:<8} {r['score']:.3f} {label:<6} {r['document']} p.{r['page']}"
                f"  {r['snippet'][:100]}"
            )

    @app.cli.command("reindex")
    def reindex_cmd() -> None:
        """Rebuild the full-text index from the database."""
        from .services.indexing import all_records, get_index

        count = get_index().rebuild(all_records())
        click.echo(f"indexed {count} passages")

    @app.cli.command("reembed")
    @click.option("--model", "models", multiple=True, help="Only this model (repeatable).")
    def reembed_cmd(models: tuple[str, ...]) -> None:
        """Recompute every passage's vectors."""
        from .services.indexing import get_index, reembed_all

        index = get_index()
        if not index.vector_available:
            click.echo(f"error: {index.vector_error}", err=True)
            sys.exit(1)
        count = reembed_all(list(models) or None)
        click.echo(f"embedded {count} passages with {', '.join(models or index.vector_models)}")
