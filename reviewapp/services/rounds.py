"""Rounds, applicants, submissions and evaluator assignments."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from ..extensions import db
from ..models import Applicant, Assignment, Framework, Role, Round, Submission, User
from . import audit
from .errors import NotFound, ServiceError


@dataclass(frozen=True)
class NewSubmission:
    submission_id: int
    applicant_id: int
    round_id: int
    track: str


def create_round(name: str, framework_id: int, *, actor_id: int | None = None) -> Round:
    name = name.strip()
    if not name:
        raise ServiceError("round name is empty")
    framework = db.session.get(Framework, framework_id)
    if framework is None:
        raise NotFound(f"no framework with id {framework_id}")
    settings = framework.settings or {}
    round_ = Round(
        name=name,
        framework_id=framework.id,
        tracks=settings.get("tracks", []),
        stages=settings.get("stages", []),
        grade_bands=settings.get("grade_bands", []),
        certified_grades=settings.get("certified_grades", [1, 2, 3]),
        certification_threshold_pct=framework.certification_threshold_pct,
        created_by_id=actor_id,
    )
    db.session.add(round_)
    db.session.flush()
    audit.record(actor_id, "round.create", "round", round_.id, name=name, framework=framework.code)
    db.session.commit()
    return round_


def track_for(tracks: list[dict[str, Any]], population: int) -> str:
    """The population decides the track: the first whose bounds hold it."""
    for track in tracks:
        low = track.get("min_population")
        high = track.get("max_population")
        if (low is None or population >= low) and (high is None or population <= high):
            return str(track["code"])
    if tracks:
        raise ServiceError(f"no track of this round takes a population of {population:,}")
    return "all"


def add_applicant(
    round_id: int,
    name: str,
    population: int,
    *,
    region: str = "",
    actor_id: int | None = None,
) -> NewSubmission:
    round_ = db.session.get(Round, round_id)
    if round_ is None:
        raise NotFound(f"no round with id {round_id}")
    if round_.status != "open":
        raise ServiceError("this round is finalized")
    name = name.strip()
    if not name:
        raise ServiceError("applicant name is empty")
    if population < 0:
        raise ServiceError("population cannot be negative")
    track = track_for(round_.tracks, population)
    applicant = db.session.scalar(select(Applicant).where(Applicant.name == name))
    if applicant is None:
        applicant = Applicant(name=name, population=population, region=region)
        db.session.add(applicant)
        db.session.flush()
    else:
        applicant.population = population
        applicant.region = region or applicant.region
    if db.session.scalar(
        select(Submission).where(
            Submission.round_id == round_id, Submission.applicant_id == applicant.id
        )
    ):
        raise ServiceError(f"{name} is registered in this round already")
    submission = Submission(round_id=round_id, applicant_id=applicant.id, track=track)
    db.session.add(submission)
    db.session.flush()
    audit.record(
        actor_id, "submission.create", "submission", submission.id, applicant=name, track=track
    )
    db.session.commit()
    return NewSubmission(submission.id, applicant.id, round_id, track)


def assign(
    submission_id: int,
    username: str,
    *,
    actor_id: int | None = None,
    conflict_declared: bool = False,
    conflict_note: str = "",
) -> Assignment:
    submission = db.session.get(Submission, submission_id)
    if submission is None:
        raise NotFound(f"no submission with id {submission_id}")
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"no user named {username!r}")
    if user.role != Role.EVALUATOR:
        raise ServiceError(f"{username} is not an evaluator")
    if conflict_declared:
        raise ServiceError(f"{username} declared a conflict of interest and cannot be assigned")
    existing = db.session.scalar(
        select(Assignment).where(
            Assignment.submission_id == submission_id, Assignment.evaluator_id == user.id
        )
    )
    if existing:
        return existing
    assignment = Assignment(
        submission_id=submission_id,
        evaluator_id=user.id,
        assigned_by_id=actor_id,
        conflict_note=conflict_note,
    )
    db.session.add(assignment)
    db.session.flush()
    audit.record(actor_id, "assignment.create", "submission", submission_id, evaluator=username)
    db.session.commit()
    return assignment
