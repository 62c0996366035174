"""import-claims: a self-evaluation (or quantitative) table's rows into claims, as the
pipeline does when such a document becomes ready, with a column mapping where the
importer does not know the table's header."""

from __future__ import annotations

import json
from typing import Any

import click

from ..services import claims, claims_import, pipeline
from ..services.errors import ServiceError
from ._common import emit, fail, json_option, with_database


@click.command("import-claims")
@click.argument("document_id", type=int)
@click.option(
    "--map",
    "mapping",
    default=None,
    metavar="JSON",
    help='Columns of the header row, e.g. \'{"indicator": 0, "value": 2, "points": 3, '
    '"document": 4, "page": 5}\' (fields: indicator, value, text, points, document, page; '
    "0 is the header row's first filled cell); the header row is the first with text in "
    "every mapped column. Saved as the round's mapping for that header.",
)
@json_option
@with_database
def import_claims_cmd(document_id: int, mapping: str | None, as_json: bool) -> None:
    """Import (again) a document's claims from its tables; prints {"document_id": ID,
    "claims": N, "unmatched": N}. Claims of rows found again keep their review marks."""
    columns: dict[str, Any] | None = None
    if mapping is not None:
        try:
            columns = json.loads(mapping)
        except json.JSONDecodeError as exc:
            fail(f"--map is not valid JSON: {exc}")
        if not isinstance(columns, dict) or not columns:
            fail('--map must be a JSON object of field -> column index, e.g. {"indicator": 0}')
    try:
        if columns is not None:
            claims_import.map_columns(document_id, columns)
        report = pipeline.import_claims(document_id)
    except ServiceError as exc:
        fail(exc)
    assert report is not None
    if not report.header_found:
        fail(
            f"document {document_id}: no claims header row was found in its tables; "
            "name the columns with --map"
        )
    lines = [f"document {document_id}: {report.claims} claims, {len(report.unmatched)} unmatched"]
    lines += [f"  unmatched: {where}: {ref or '-'}" for where, ref in report.unmatched]
    lines += [f"  not a claim: {why}" for why in report.skipped]
    lines += [
        f"  not read: {where}: {'; '.join(problems)}"
        for where, problems in claims.imported_from(document_id).problems
    ]
    emit(as_json, report.as_dict(), "\n".join(lines))


commands = [import_claims_cmd]
