"""search, suggest: passages of one submission for a query, and evidence per indicator.

`search` asks the index itself rather than services.search.search: that one groups hits by
document (the web page's view), which would reorder passages of equal score across documents
and cap --limit at 200; the command prints one ranked list.
"""

from __future__ import annotations

import json
from typing import Any

import click
from sqlalchemy import select

from search_index import QueryRejected

from ..extensions import db
from ..models import Indicator, Submission
from ..services.indexing import get_index
from ..services.places import place_at
from ..services.search import plain_snippet
from ..services.suggestions import prepare_indicator_queries, rank
from ._common import fail, note_stale_index, with_database


@click.command("search")
@click.argument("query")
@click.option("--submission", "submission_id", type=int, required=True)
@click.option("--mode", type=click.Choice(["bm25", "vector", "hybrid"]), default="hybrid")
@click.option("--limit", type=int, default=10)
@click.option("--json", "as_json", is_flag=True)
@with_database
def search_cmd(query: str, submission_id: int, mode: str, limit: int, as_json: bool) -> None:
    """Ranked passages of one submission for a query."""
    index = get_index()
    try:
        hits = index.search(query, submission_ids=[submission_id], limit=limit, mode=mode)
    except QueryRejected as exc:
        fail(f"{exc.message} ({exc.message_ko})")
    if mode != "bm25" and not index.vector_available:
        click.echo(f"note: vectors unavailable ({index.vector_error}); BM25 used", err=True)
    note_stale_index()
    rows: list[dict[str, Any]] = [
        {
            "document": h.document_name,
            "document_id": h.document_id,
            "page": h.page,
            "place": place_at(h.document_id, h.page, h.chunk_id).label,
            "score": round(float(h.score), 6),
            "snippet": plain_snippet(h.snippet),
            "best_sentence": h.text[h.best_sentence[0] : h.best_sentence[1]]
            if h.best_sentence
            else None,
        }
        for h in hits
    ]
    if as_json:
        click.echo(json.dumps({"hits": rows}, ensure_ascii=False))
        return
    for i, r in enumerate(rows, 1):
        click.echo(f"{i:>2}. {r['score']:.3f}  {r['document']}, {r['place']}  {r['snippet'][:160]}")


@click.command("suggest")
@click.option("--submission", "submission_id", type=int, required=True)
@click.option("--indicator", "code", default=None, help="One indicator code; all when omitted.")
@click.option("--limit", type=int, default=5)
@click.option("--json", "as_json", is_flag=True)
@with_database
def suggest_cmd(submission_id: int, code: str | None, limit: int, as_json: bool) -> None:
    """Suggested evidence passages per indicator."""
    submission = db.session.get(Submission, submission_id)
    if submission is None:
        fail(f"no submission {submission_id}")
    query = select(Indicator).where(Indicator.framework_id == submission.round.framework_id)
    if code:
        query = query.where(Indicator.code == code)
    indicators = list(db.session.scalars(query.order_by(Indicator.position)))
    if not indicators:
        fail(f"no indicator {code} in this round")
    prepare_indicator_queries(submission.id)
    rows: list[dict[str, Any]] = []
    labels: list[str] = []
    for indicator in indicators:
        for p in rank(submission, indicator, limit=limit).passages:
            rows.append(
                {
                    "indicator": indicator.code,
                    "document": p.document_name,
                    "document_id": p.document_id,
                    "page": p.page,
                    "place": place_at(p.document_id, p.page, p.chunk_id).label,
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
            f"{r['indicator']:<8} {r['score']:.3f} {label:<6} {r['document']}, {r['place']}"
            f"  {r['snippet'][:100]}"
        )


commands = [search_cmd, suggest_cmd]
