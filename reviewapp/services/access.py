"""Who may see what. An evaluator sees only assigned submissions: enforced in the queries."""

from __future__ import annotations

from sqlalchemy import Select, select

from ..extensions import db
from ..models import (
    Assignment,
    Claim,
    Document,
    EvidenceLink,
    Indicator,
    Role,
    Round,
    Submission,
    User,
)
from . import evidence, indicators
from .errors import NotFound


def visible_submissions(user: User) -> Select[tuple[Submission]]:
    query = select(Submission)
    if user.role == Role.EVALUATOR:
        query = query.join(Assignment, Assignment.submission_id == Submission.id).where(
            Assignment.evaluator_id == user.id
        )
    return query


def visible_submission_ids(user: User) -> list[int]:
    return list(db.session.scalars(visible_submissions(user).with_only_columns(Submission.id)))


def visible_rounds(user: User) -> list[Round]:
    if user.role == Role.EVALUATOR:
        ids = select(Submission.round_id).where(Submission.id.in_(visible_submission_ids(user)))
        return list(
            db.session.scalars(select(Round).where(Round.id.in_(ids)).order_by(Round.id.desc()))
        )
    return list(db.session.scalars(select(Round).order_by(Round.id.desc())))


def submission_for(user: User, submission_id: int) -> Submission:
    """The submission if this user may see it; NotFound otherwise (no hint that it exists)."""
    submission = db.session.scalar(visible_submissions(user).where(Submission.id == submission_id))
    if submission is None:
        raise NotFound(f"no submission {submission_id}")
    return submission


def round_for(user: User, round_id: int) -> Round:
    round_ = db.session.get(Round, round_id)
    if round_ is None or (user.role == Role.EVALUATOR and round_ not in visible_rounds(user)):
        raise NotFound(f"no round {round_id}")
    return round_


def document_for(user: User, document_id: int) -> Document:
    document = db.session.scalar(
        select(Document).where(
            Document.id == document_id,
            Document.submission_id.in_(visible_submissions(user).with_only_columns(Submission.id)),
        )
    )
    if document is None:
        raise NotFound(f"no document {document_id}")
    return document


def claim_for(user: User, claim_id: int) -> Claim:
    """The claim if its submission is visible to ``user``; NotFound otherwise."""
    claim = db.session.scalar(
        select(Claim).where(
            Claim.id == claim_id,
            Claim.submission_id.in_(visible_submissions(user).with_only_columns(Submission.id)),
        )
    )
    if claim is None:
        raise NotFound(f"no claim {claim_id}")
    return claim


def can_manage(user: User) -> bool:
    """Coordinators and admins set up rounds, upload and assign."""
    return user.role in (Role.ADMIN, Role.COORDINATOR)


def link_for(user: User, link_id: int) -> EvidenceLink:
    """The evidence link if ``user`` may see it: its submission is visible and it is their own
    or they see every evaluator's links there (services/evidence.py); NotFound otherwise."""
    link = db.session.get(EvidenceLink, link_id)
    if link is None or link.submission_id not in visible_submission_ids(user):
        raise NotFound(f"no evidence link {link_id}")
    if link.evaluator_id != user.id and not evidence.sees_all_links(
        user, link.submission_id, link.indicator_id
    ):
        raise NotFound(f"no evidence link {link_id}")
    return link


def indicator_for(user: User, submission_id: int, code: str) -> tuple[Submission, Indicator]:
    """The submission (if visible) and its round's indicator ``code``; NotFound otherwise."""
    submission = submission_for(user, submission_id)
    return submission, indicators.indicator_for(submission, code)


def visible_submission_list(user: User) -> list[Submission]:
    """The submissions ``user`` may see, by id (for choosers)."""
    return list(db.session.scalars(visible_submissions(user).order_by(Submission.id)))
