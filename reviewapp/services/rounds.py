"""Rounds, applicants, submissions and evaluator assignments."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import exists, select

from ..extensions import db
from ..models import (
    Applicant,
    Assignment,
    Framework,
    Role,
    Round,
    Score,
    Submission,
    User,
    utcnow,
)
from . import audit
from .errors import Conflict, Forbidden, Invalid, NotFound, ServiceError

CENT = Decimal("0.01")


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
    audit.record(
        actor_id,
        "round.create",
        "round",
        round_.id,
        round_id=round_.id,
        name=name,
        framework=framework.code,
    )
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
    require_open(round_)
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
        actor_id,
        "submission.create",
        "submission",
        submission.id,
        round_id=round_id,
        applicant=name,
        track=track,
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
    round_id: int | None = None,
) -> Assignment:
    """Assign an evaluator to a submission (idempotent). ``round_id``: the round the request
    came from; a submission of another round is NotFound. Raises Conflict for a finalized
    round, ServiceError for a user who is not an evaluator or declares a conflict."""
    submission = require_open_submission(submission_id)
    if round_id is not None and submission.round_id != round_id:
        raise NotFound(f"no submission with id {submission_id} in this round")
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
    audit.record(
        actor_id,
        "assignment.create",
        "submission",
        submission_id,
        round_id=submission.round_id,
        evaluator=username,
    )
    db.session.commit()
    return assignment


# --- the round's life: settings, conflicts of interest, finalization -------------------------

AGGREGATION_RULES = ("mean", "trimmed_mean")


def require_open(round_: Round) -> None:
    """Every write inside a round (score, link, decision, upload, retry, deletion) calls this
    first; a finalized round refuses them all with Conflict (web 409, CLI exit 1)."""
    if round_.status == "finalized":
        raise Conflict(
            _(
                "Round %(name)s is finalized: nothing in it can be changed. A coordinator can "
                "reopen it with a reason.",
                name=round_.name,
            )
        )


def get_submission(submission_id: int) -> Submission:
    """The submission or NotFound."""
    submission = db.session.get(Submission, submission_id)
    if submission is None:
        raise NotFound(f"no submission with id {submission_id}")
    return submission


def require_open_submission(submission_id: int) -> Submission:
    """The submission, after `require_open` on its round; NotFound for an unknown id."""
    submission = get_submission(submission_id)
    require_open(submission.round)
    return submission


def get_round(round_id: int) -> Round:
    """The round or NotFound."""
    round_ = db.session.get(Round, round_id)
    if round_ is None:
        raise NotFound(f"no round with id {round_id}")
    return round_


def has_scores(round_id: int) -> bool:
    """Whether any score exists in the round (its rules are then fixed)."""
    return bool(
        db.session.scalar(
            # one EXISTS over the round's submissions (a WHERE outside it gave one row per
            # submission, and scalar() answered for the first submission only)
            select(
                exists().where(
                    Score.submission_id == Submission.id, Submission.round_id == round_id
                )
            )
        )
    )


def settings_of(round_: Round) -> dict[str, Any]:
    """The round's grading rules as JSON-ready values (numbers as JSON numbers)."""
    return {
        "round": round_.id,
        "name": round_.name,
        "finalized": round_.status == "finalized",
        "aggregation": round_.aggregation_rule,
        "trim_min": round_.trim_min_evaluators,
        "disagreement_pct": round_.disagreement_pct,
        "certification_threshold_pct": round_.certification_threshold_pct,
        "certified_grades": list(round_.certified_grades or []),
        "stages": [stage["code"] for stage in round_.stages or []],
    }


def settings_locked_reason(round_: Round) -> str | None:
    """Why the round's rules cannot change now (finalized, or scores exist), or None."""
    try:
        require_open(round_)
    except Conflict as exc:
        return str(exc)
    if has_scores(round_.id):
        return _(
            "Scores exist in this round: its rules can no longer change (they would change "
            "results already entered)."
        )
    return None


@dataclass(frozen=True)
class AssignmentRow:
    """One evaluator's assignment as the coordinator sees it, with the conflict-of-interest
    answer: ``conflict`` is "unanswered", "none" or "declared"."""

    submission: Submission
    evaluator: User
    conflict: str
    note: str
    answered_at: Any


@dataclass(frozen=True)
class RoundManagement:
    """What the coordinator's part of the round page needs: the rules (and whether and why
    they are fixed), the framework's stages to choose from, and the assignments."""

    settings: dict[str, Any]
    stage_choices: list[dict[str, Any]]
    locked_reason: str | None
    assignments: list[AssignmentRow]


def management(round_: Round) -> RoundManagement:
    """The coordinator's view of the round's rules and assignments (no access check: the
    view calls this for coordinators and admins only)."""
    found = db.session.execute(
        select(Assignment, Submission)
        .join(Submission, Submission.id == Assignment.submission_id)
        .where(Submission.round_id == round_.id)
        .order_by(Submission.id, Assignment.id)
    ).all()
    rows = []
    for assignment, submission in found:
        if assignment.conflict_declared:
            state = "declared"
        elif assignment.conflict_declared_at is not None:
            state = "none"
        else:
            state = "unanswered"
        rows.append(
            AssignmentRow(
                submission=submission,
                evaluator=assignment.evaluator,
                conflict=state,
                note=assignment.conflict_note or "",
                answered_at=assignment.conflict_declared_at,
            )
        )
    return RoundManagement(
        settings=settings_of(round_),
        stage_choices=list((round_.framework.settings or {}).get("stages") or []),
        locked_reason=settings_locked_reason(round_),
        assignments=rows,
    )


def update_settings(
    round_id: int,
    *,
    actor_id: int | None = None,
    aggregation: str | None = None,
    trim_min: int | None = None,
    disagreement_pct: Decimal | str | None = None,
    threshold_pct: Decimal | str | None = None,
    stages: list[str] | None = None,
) -> Round:
    """Change the round's grading rules; only until its first score exists.

    ``stages`` is a subset of the framework's stage codes, kept in the framework's order.
    Raises Invalid (per field), Conflict (finalized, or scores exist), NotFound.
    """
    round_ = get_round(round_id)
    locked = settings_locked_reason(round_)
    if locked:
        raise Conflict(locked)
    problems: dict[str, str] = {}
    before = settings_of(round_)
    if aggregation is not None:
        if aggregation not in AGGREGATION_RULES:
            problems["aggregation"] = _("Choose mean or trimmed_mean.")
        else:
            round_.aggregation_rule = aggregation
    if trim_min is not None:
        if not 3 <= trim_min <= 100:
            problems["trim_min"] = _("The trim minimum must be a whole number from 3 to 100.")
        else:
            round_.trim_min_evaluators = trim_min
    for field, typed, attribute in (
        ("disagreement_pct", disagreement_pct, "disagreement_pct"),
        ("threshold_pct", threshold_pct, "certification_threshold_pct"),
    ):
        if typed is None:
            continue
        value = _percent(typed)
        if value is None:
            problems[field] = _("Enter a percentage from 0 to 100 (2 decimals).")
        else:
            setattr(round_, attribute, value)
    if stages is not None:
        known = (round_.framework.settings or {}).get("stages") or []
        chosen = [stage for stage in known if stage["code"] in set(stages)]
        unknown = sorted(set(stages) - {stage["code"] for stage in known})
        if unknown or not chosen:
            problems["stages"] = _(
                "Choose at least one of the framework's stages (%(codes)s).",
                codes=", ".join(stage["code"] for stage in known),
            )
        else:
            round_.stages = chosen
    if problems:
        db.session.rollback()
        raise Invalid(problems)
    audit.record(
        actor_id,
        "round.settings",
        "round",
        round_.id,
        round_id=round_.id,
        before=before,
        after=settings_of(round_),
    )
    db.session.commit()
    return round_


def _percent(value: Decimal | str) -> Decimal | None:
    """A percentage as typed ("20", "72.5"): ASCII digits and a decimal point, 0 to 100, at
    most 2 decimals; None otherwise (no exponents, signs or separators)."""
    text = str(value).strip()
    if not re.fullmatch(r"[0-9]+(?:\.[0-9]+)?", text, re.ASCII):
        return None
    number = Decimal(text)
    if not 0 <= number <= 100 or number != number.quantize(CENT):
        return None
    return number.quantize(CENT)


def declare_conflict(
    submission_id: int, evaluator_id: int, *, conflict: bool, note: str = ""
) -> Assignment:
    """The evaluator's answer to the conflict-of-interest question for one submission.

    A declared conflict blocks that evaluator's scoring there (services/scoring.py) and is
    shown to the coordinator. Raises Forbidden for a user not assigned, Invalid for a
    conflict without a note, Conflict for a finalized round.
    """
    submission = require_open_submission(submission_id)
    assignment = db.session.scalar(
        select(Assignment).where(
            Assignment.submission_id == submission.id, Assignment.evaluator_id == evaluator_id
        )
    )
    if assignment is None:
        raise Forbidden(_("You are not assigned to this submission."))
    note = note.strip()
    if conflict and not note:
        raise Invalid({"conflict_note": _("Say briefly what the conflict of interest is.")})
    if assignment.conflict_declared and not conflict:
        raise Forbidden(
            _(
                "A declared conflict of interest stands and cannot be withdrawn here; the "
                "coordinator, who sees it, decides how to proceed."
            )
        )
    before = {"conflict": assignment.conflict_declared, "note": assignment.conflict_note}
    assignment.conflict_declared = conflict
    assignment.conflict_note = note
    assignment.conflict_declared_at = utcnow()
    audit.record(
        evaluator_id,
        "assignment.conflict",
        "assignment",
        assignment.id,
        submission=submission.id,
        before=before,
        after={"conflict": conflict, "note": note},
    )
    db.session.commit()
    return assignment


def finalize(round_id: int, *, actor_id: int) -> Round:
    """Finalize the round: from now on every write in it is refused (`require_open`).

    Raises NotFound, Forbidden (not a coordinator or admin), Conflict (already finalized).
    """
    round_ = get_round(round_id)
    require_manager(actor_id)
    require_open(round_)
    round_.status = "finalized"
    round_.finalized_at = utcnow()
    audit.record(
        actor_id,
        "round.finalize",
        "round",
        round_.id,
        round_id=round_.id,
        before={"status": "open"},
        after={"status": "finalized"},
    )
    db.session.commit()
    return round_


def reopen(round_id: int, *, actor_id: int, reason: str) -> Round:
    """Reopen a finalized round; the reason is required and audited.

    Raises Invalid (no reason), Conflict (not finalized), NotFound, Forbidden.
    """
    round_ = get_round(round_id)
    require_manager(actor_id)
    reason = (reason or "").strip()
    if not reason:
        raise Invalid({"reason": _("Say why the round is reopened.")})
    if len(reason) > 2000 or "\x00" in reason:
        raise Invalid({"reason": _("The reason must be plain text of at most 2,000 characters.")})
    if round_.status != "finalized":
        raise Conflict(_("This round is not finalized."))
    round_.status = "open"
    round_.finalized_at = None
    audit.record(
        actor_id,
        "round.reopen",
        "round",
        round_.id,
        round_id=round_.id,
        before={"status": "finalized"},
        after={"status": "open"},
        reason=reason,
    )
    db.session.commit()
    return round_


def require_manager(actor_id: int) -> None:
    """Forbidden unless ``actor_id`` is a coordinator's or administrator's id."""
    user = db.session.get(User, actor_id)
    if user is None or user.role not in (Role.ADMIN, Role.COORDINATOR):
        raise Forbidden(_("Only a coordinator or an administrator can do this."))
