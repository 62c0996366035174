"""When a submission's claims must be checked again: one low-priority job per submission.

Anything that changes what a claim is checked against (an evaluator's evidence link, a
document becoming ready, deleted or embedded) calls ``request`` after committing its
change. The claims are marked stale (``checked_at`` NULL: the last result stays shown,
"being rechecked") and one ``recheck_claims`` job is queued for the submission. Requests
coalesce: while the claims are stale and the job is still waiting in the queue, further
changes queue nothing (the job reads the state when it runs). A change made while the job
runs queues one more, so nothing is missed.

This module knows the queue and the claims table only, so that the evidence and document
services can call it without importing the checker (services/claims.py).
"""

from __future__ import annotations

import logging
from typing import Any, cast

from sqlalchemy import CursorResult, exists, select, update

from .. import queue
from ..extensions import db
from ..models import Claim

log = logging.getLogger(__name__)

JOB = "recheck_claims"


def request(submission_id: int | None) -> bool:
    """Mark the submission's claims stale and queue their recheck (coalesced). Call it after
    the change is committed: with JOBS_IMMEDIATE the job runs here, in its own session.
    Returns whether a job was queued. Never raises: a change must not fail because its
    claims could not be queued (they stay stale and `reviewapp claims` checks them)."""
    if submission_id is None:
        return False
    try:
        has_claims = db.session.scalar(select(exists().where(Claim.submission_id == submission_id)))
        if not has_claims:
            return False
        result = db.session.execute(
            update(Claim)
            .where(Claim.submission_id == submission_id, Claim.checked_at.is_not(None))
            .values(checked_at=None)
            .execution_options(synchronize_session=False)
        )
        marked = cast(CursorResult[Any], result).rowcount
        db.session.commit()
        if not marked and submission_id in queue.pending_ids(JOB):
            return False  # already stale, and the job that will check them is waiting
        queue.enqueue(JOB, submission_id)
        return True
    except Exception:
        log.exception("could not queue the claims recheck of submission %s", submission_id)
        db.session.rollback()
        return False


def stale_ids(submission_id: int) -> list[int]:
    """Claims never checked or marked stale since (``checked_at`` NULL)."""
    return list(
        db.session.scalars(
            select(Claim.id)
            .where(Claim.submission_id == submission_id, Claim.checked_at.is_(None))
            .order_by(Claim.id)
        )
    )


def queued(submission_id: int) -> bool:
    """A recheck job for the submission is waiting in the queue."""
    return submission_id in queue.pending_ids(JOB)
