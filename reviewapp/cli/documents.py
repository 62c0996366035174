"""extract, ingest, reindex, reembed: documents into text, passages, the index and vectors."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext

from extractors import SUSPECT_REASONS, ExtractionError, extract

from ..models import DocumentType
from ..services import claims
from ..services.errors import ServiceError
from ..services.indexing import all_records, get_index
from ..services.pipeline import process_inline, reembed_all
from ..services.uploads import ingest_paths
from ._common import fail, note_stale_index, with_database


@click.command("extract")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--no-ocr", is_flag=True, help="Do not OCR pages without a text layer.")
@with_appcontext
def extract_cmd(file: Path, as_json: bool, no_ocr: bool) -> None:
    """Extract text per page from one file; touches no database. A page whose text may not be
    what it prints says why ("suspect" in JSON, a note in the page line). JSON: ``{"file",
    "type", "pages": [{"number", "text", "ocr", "suspect"?}], "decode_errors"}``, where
    ``ocr`` says the page's text is (partly) OCR output and ``decode_errors`` counts the runs
    of bad bytes that forgiving decoding replaced (0 when none or not a text format)."""
    if not file.is_file():
        fail(f"{file}: no such file", code=2)
    try:
        result = extract(file, max_bytes=current_app.config["MAX_UPLOAD_BYTES"], ocr=not no_ocr)
    except ExtractionError as exc:
        fail(f"{file.name}: {exc.message}")
    if as_json:
        payload = {
            "file": file.name,
            "type": result.type,
            "pages": [
                {
                    "number": p.number,
                    "text": p.text,
                    "ocr": p.ocr,
                    **({"suspect": p.suspect} if p.suspect else {}),
                }
                for p in result.pages
            ],
            # runs of undecodable bytes replaced by U+FFFD in a text file (0: none)
            "decode_errors": int(result.metadata.get("decode_errors", "0") or 0),
        }
        click.echo(json.dumps(payload, ensure_ascii=False))
    else:
        for page in result.pages:
            notes = " (OCR)" if page.ocr else ""
            if page.suspect:
                notes += f" (check the text: {SUSPECT_REASONS.get(page.suspect, page.suspect)})"
            click.echo(f"--- page {page.number}{notes} ---")
            click.echo(page.text)


CLAIM_TABLES = ("self_evaluation", "quantitative")


def _claims_note(document_id: int, doc_type: str) -> dict[str, Any]:
    """What the claims import made of a table document, with a line for people."""
    found = claims.imported_from(document_id)
    note = f"{found.claims} imported, {found.unmatched} unmatched"
    if found.problems:
        note += f", {len(found.problems)} rows not fully read (see import-claims {document_id})"
    if not found.claims and doc_type == "self_evaluation":
        note = (
            f"none: no claims header row was found; name the columns with "
            f"`reviewapp import-claims {document_id} --map` or on the document's claims page"
        )
    return {
        "claims": found.claims,
        "unmatched": found.unmatched,
        "unread_rows": len(found.problems),
        "note": note,
    }


@click.command("ingest")
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
@with_database
def ingest_cmd(
    paths: tuple[Path, ...], submission_id: int, doc_type: str, as_json: bool, queue: bool
) -> None:
    """Ingest files, folders and ZIPs; one line per document with its status."""
    try:
        outcomes = ingest_paths(list(paths), submission_id, doc_type=doc_type, enqueue_jobs=queue)
    except ServiceError as exc:
        fail(exc)
    results: list[dict[str, Any]] = []
    for outcome in outcomes:
        row: dict[str, Any] = {
            "file": outcome.filename,
            "folder": outcome.folder,
            "document_id": outcome.document_id,
            "status": outcome.status,
            "message": outcome.message,
        }
        if outcome.status == "queued" and outcome.document_id and not queue:
            document = process_inline(outcome.document_id)
            row.update(status=document.status, pages=document.page_count, message=document.error)
            if document.status == "ready" and document.doc_type in CLAIM_TABLES:
                row["claims"] = _claims_note(document.id, document.doc_type)
        results.append(row)
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
            if r.get("claims"):
                click.echo(f"          claims: {r['claims']['note']}")
    note_stale_index()
    sys.exit(1 if failed and failed == len(results) else 0)


@click.command("reindex")
@with_database
def reindex_cmd() -> None:
    """Rebuild the full-text index from the database."""
    count = get_index().rebuild(all_records())
    click.echo(f"indexed {count} passages")


@click.command("reembed")
@click.option("--model", "models", multiple=True, help="Only this model (repeatable).")
@with_database
def reembed_cmd(models: tuple[str, ...]) -> None:
    """Recompute every passage's vectors."""
    index = get_index()
    if not index.vector_available:
        fail(index.vector_error)
    count = reembed_all(list(models) or None)
    click.echo(f"embedded {count} passages with {', '.join(models or index.vector_models)}")


commands = [extract_cmd, ingest_cmd, reindex_cmd, reembed_cmd]
