"""When an indicator's evidence summaries must be computed again: one job per change.

Knows the queue only, so that services/evidence.py can call it without importing the
summariser (services/summaries.py, which the job in reviewapp/jobs.py runs).
"""

from __future__ import annotations

import logging

from .. import queue

log = logging.getLogger(__name__)

JOB = "summarize_indicator"


def request(submission_id: int | None, indicator_id: int | None) -> bool:
    """Queue the summaries of one indicator of a submission to be computed again. Call after
    the change is committed (with JOBS_IMMEDIATE the job runs here); never raises: a link
    must not fail because its summary could not be queued. Returns whether it was queued."""
    if submission_id is None or indicator_id is None:
        return False
    try:
        queue.enqueue(JOB, submission_id, indicator_id)
        return True
    except Exception:
        log.exception("could not queue the summary of %s/%s", submission_id, indicator_id)
        return False
