"""Per-indicator evidence summaries (issue 16): computed by a background job when links
change, cached in ``indicator_summaries``, read by pages, the CLI and the DOCX report.

A summary is kept per evaluator (their own links) and once for everyone's links
(``evaluator_id`` NULL: what coordinators and admins see). With no link, the indicator's top
suggestions are summarised instead (``source`` "suggestions", shown as such). This module
queues nothing itself: services/summary_queue.py does, and reviewapp/jobs.py runs
:func:`refresh`.
"""

from __future__ import annotations

from sqlalchemy import delete, select

from ..answering import Passage, summary
from ..extensions import db
from ..models import (
    Assignment,
    Chunk,
    Document,
    EvidenceLink,
    Indicator,
    IndicatorSummary,
    Role,
    Submission,
    User,
)
from . import answering, indicators, suggestions, summary_queue

JOB = summary_queue.JOB
SOURCE_LINKS = "links"
SOURCE_SUGGESTIONS = "suggestions"
SUGGESTED_PASSAGES = 5  # the top suggestions summarised when nothing is linked


def _passages(chunk_ids: list[int]) -> list[Passage]:
    """The chunks as passages, in document order (document id, then position)."""
    if not chunk_ids:
        return []
    rows = db.session.execute(
        select(Chunk, Document)
        .join(Document, Document.id == Chunk.document_id)
        .where(Chunk.id.in_(chunk_ids))
        .order_by(Document.id, Chunk.position)
    ).all()
    return [
        Passage(c.id, d.id, d.filename, c.page, c.text, 1.0, i, answering.label_for(d.doc_type))
        for i, (c, d) in enumerate(rows)
    ]


def compute(submission_id: int, indicator_id: int, evaluator_id: int | None) -> IndicatorSummary:
    """Summarise and store one summary: ``evaluator_id``'s links (None: everyone's), or the
    top suggestions when there is none. Replaces the earlier row of that key."""
    indicator = db.session.get(Indicator, indicator_id)
    submission = db.session.get(Submission, submission_id)
    if indicator is None or submission is None:
        raise ValueError(f"no indicator {indicator_id} in submission {submission_id}")
    query = select(EvidenceLink.chunk_id).where(
        EvidenceLink.submission_id == submission_id,
        EvidenceLink.indicator_id == indicator_id,
        EvidenceLink.chunk_id.is_not(None),
    )
    if evaluator_id is not None:
        query = query.where(EvidenceLink.evaluator_id == evaluator_id)
    chunk_ids = sorted({c for c in db.session.scalars(query) if c is not None})
    source = SOURCE_LINKS
    if not chunk_ids:
        source = SOURCE_SUGGESTIONS
        ranked = suggestions.rank(submission, indicator, limit=SUGGESTED_PASSAGES)
        chunk_ids = [p.chunk_id for p in ranked.passages]
    picked = summary.summarize(
        _passages(chunk_ids),
        answering.sentence_vectors(),
        query=indicators.meaning_query(indicator),
    )
    db.session.execute(
        delete(IndicatorSummary).where(
            IndicatorSummary.submission_id == submission_id,
            IndicatorSummary.indicator_id == indicator_id,
            IndicatorSummary.evaluator_id.is_(None)
            if evaluator_id is None
            else IndicatorSummary.evaluator_id == evaluator_id,
        )
    )
    row = IndicatorSummary(
        submission_id=submission_id,
        indicator_id=indicator_id,
        evaluator_id=evaluator_id,
        source=source,
        sentences=[s.as_dict() for s in picked],
    )
    db.session.add(row)
    db.session.commit()
    return row


def refresh(submission_id: int, indicator_id: int) -> int:
    """The job: every assigned evaluator's summary and the everyone's one; returns how many."""
    evaluators = list(
        db.session.scalars(
            select(Assignment.evaluator_id).where(Assignment.submission_id == submission_id)
        )
    )
    for evaluator_id in [*evaluators, None]:
        compute(submission_id, indicator_id, evaluator_id)
    return len(evaluators) + 1


def cached(viewer: User, submission_id: int, indicator_id: int) -> IndicatorSummary | None:
    """The stored summary ``viewer`` sees (an evaluator: their own; others: everyone's), or
    None while it has not been computed (the page says it is being prepared)."""
    key = viewer.id if viewer.role == Role.EVALUATOR else None
    return db.session.scalar(
        select(IndicatorSummary)
        .where(
            IndicatorSummary.submission_id == submission_id,
            IndicatorSummary.indicator_id == indicator_id,
            IndicatorSummary.evaluator_id.is_(None)
            if key is None
            else IndicatorSummary.evaluator_id == key,
        )
        .order_by(IndicatorSummary.id.desc())
        .limit(1)
    )


def committee_summaries(submission_id: int) -> dict[int, IndicatorSummary]:
    """indicator id -> the stored everyone's-links summary (what the DOCX report prints)."""
    rows = db.session.scalars(
        select(IndicatorSummary)
        .where(
            IndicatorSummary.submission_id == submission_id,
            IndicatorSummary.evaluator_id.is_(None),
        )
        .order_by(IndicatorSummary.id)
    )
    return {row.indicator_id: row for row in rows}
