"""Who may see what. An evaluator sees only assigned submissions: enforced in the queries."""

from __future__ import annotations

from sqlalchemy import Select, select

from ..extensions import db
from ..models import Assignment, Document, Role, Round, Submission, User
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


def can_manage(user: User) -> bool:
    """Coordinators and admins set up rounds, upload and assign."""
    return user.role in (Role.ADMIN, Role.COORDINATOR)
