"""claims: a submission's claims as checked against its evidence (issue 14).

Claims never checked, or marked stale by a change of the evidence since, are checked here
first when no worker will: with JOBS_IMMEDIATE, with --now, when no recheck job of the
submission waits in the queue, or when no worker beat in the last 30 s (queue.worker_alive).
When one waits and a worker runs, the stored results are printed with a note on stderr.
"""

from __future__ import annotations

import json

import click
from flask import current_app
from sqlalchemy import select

from .. import queue
from ..extensions import db
from ..models import Claim
from ..services import claims, indicators, rechecks, rounds
from ..services.errors import ServiceError
from ._common import fail, json_option, with_database


@click.command("claims")
@click.option("--submission", "submission_id", type=int, required=True)
@click.option("--indicator", "code", default=None, help="Only this indicator's claims.")
@click.option(
    "--now", is_flag=True, help="Check stale claims here even when a worker has them queued."
)
@json_option
@with_database
def claims_cmd(submission_id: int, code: str | None, now: bool, as_json: bool) -> None:
    """The submission's claims: status, normalized values and the deciding passages."""
    try:
        submission = rounds.get_submission(submission_id)
        indicator = indicators.indicator_for(submission, code.strip().upper()) if code else None
    except ServiceError as exc:
        fail(exc)
    stale = rechecks.stale_ids(submission.id)
    if stale:
        if (
            now
            or current_app.config["JOBS_IMMEDIATE"]
            or not rechecks.queued(submission.id)
            or not queue.worker_alive()
        ):
            claims.recheck(submission.id, stale)
        else:
            click.echo(
                f"note: {len(stale)} claims wait for the worker's recheck (shown as last "
                "checked); --now checks them here",
                err=True,
            )
    query = select(Claim).where(Claim.submission_id == submission.id).order_by(Claim.id)
    if indicator is not None:
        query = query.where(Claim.indicator_id == indicator.id)
    rows = [claims.as_json(c) for c in db.session.scalars(query)]
    if as_json:
        click.echo(json.dumps({"claims": rows}, ensure_ascii=False))
        return
    if not rows:
        click.echo("no claims")
    for r in rows:
        points = "-" if r["claimed_points"] is None else r["claimed_points"]
        missing = " (cited document missing)" if r["cited_document_missing"] else ""
        click.echo(
            f"#{r['id']} {r['indicator'] or '-'} {r['status']} points={points}{missing}  {r['text']}"
        )
        for e in r["evidence"]:
            click.echo(f"    {e['value']} <- {e['document']} p.{e['page']}: {e['snippet'][:160]}")


commands = [claims_cmd]
