"""Read models for the pages: a round with its applicants, a submission with its indicators."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, func, select

from ..extensions import db
from ..models import (
    Area,
    Document,
    DocumentStatus,
    EvidenceLink,
    Indicator,
    Role,
    Round,
    Submission,
    User,
)
from .access import visible_submissions


@dataclass(frozen=True)
class SubmissionRow:
    submission: Submission
    documents: int
    ready: int
    failed: int
    evaluators: list[str]
    linked_indicators: int

    @property
    def progress_pct(self) -> int:
        return round(100 * self.ready / self.documents) if self.documents else 0


@dataclass(frozen=True)
class RoundOverview:
    round: Round
    rows: list[SubmissionRow]
    track_counts: dict[str, int]
    indicator_count: int


@dataclass(frozen=True)
class AreaIndicators:
    area: Area
    indicators: list[Indicator]
    links: dict[int, int] = field(default_factory=dict)  # indicator id -> evidence links


def round_overview(user: User, round_: Round) -> RoundOverview:
    submissions = list(
        db.session.scalars(
            visible_submissions(user)
            .where(Submission.round_id == round_.id)
            .order_by(Submission.id)
        )
    )
    ids = [s.id for s in submissions]
    status_counts: dict[tuple[int, str], int] = {}
    for sub_id, status, n in db.session.execute(
        select(Document.submission_id, Document.status, func.count())
        .where(Document.submission_id.in_(ids))
        .group_by(Document.submission_id, Document.status)
    ):
        status_counts[(sub_id, status)] = n
    linked = dict(
        db.session.execute(
            _own_links(
                user,
                select(
                    EvidenceLink.submission_id,
                    func.count(func.distinct(EvidenceLink.indicator_id)),
                ).where(EvidenceLink.submission_id.in_(ids)),
            ).group_by(EvidenceLink.submission_id)
        ).all()
    )
    rows = []
    for s in submissions:
        total = sum(n for (sid, _), n in status_counts.items() if sid == s.id)
        rows.append(
            SubmissionRow(
                submission=s,
                documents=total,
                ready=status_counts.get((s.id, DocumentStatus.READY.value), 0),
                failed=status_counts.get((s.id, DocumentStatus.FAILED.value), 0),
                evaluators=[a.evaluator.display_name for a in s.assignments],
                linked_indicators=linked.get(s.id, 0),
            )
        )
    indicator_count = (
        db.session.scalar(
            select(func.count())
            .select_from(Indicator)
            .where(Indicator.framework_id == round_.framework_id)
        )
        or 0
    )
    return RoundOverview(
        round=round_,
        rows=rows,
        track_counts=dict(Counter(s.track for s in submissions)),
        indicator_count=indicator_count,
    )


def _own_links(user: User, query: Select[Any]) -> Select[Any]:
    """Counts of evidence links as ``user`` may count them: an evaluator their own (blind
    review), a coordinator everyone's."""
    if user.role == Role.EVALUATOR:
        return query.where(EvidenceLink.evaluator_id == user.id)
    return query


def indicators_by_area(user: User, submission: Submission) -> list[AreaIndicators]:
    framework = submission.round.framework
    links = dict(
        db.session.execute(
            _own_links(
                user,
                select(EvidenceLink.indicator_id, func.count()).where(
                    EvidenceLink.submission_id == submission.id
                ),
            ).group_by(EvidenceLink.indicator_id)
        ).all()
    )
    return [
        AreaIndicators(area=a, indicators=list(a.indicators), links=links) for a in framework.areas
    ]
