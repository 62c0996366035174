"""Scores: one evaluator's points for one indicator of one submission at one stage.

Rules (issue 11; the round's stages and the indicator's rubric come from the framework file):

- quantitative indicators take points from 0 to ``max_points`` with at most 2 decimals;
  qualitative indicators take a rubric level, whose points are ``max_points x points_pct /
  100`` (rounded half up to the cent); points typed for a qualitative indicator are refused;
- a score cites at least one of the evaluator's own links for that indicator, or says why
  there is no evidence (not both);
- only an assigned evaluator without a declared conflict of interest scores, and only while
  the round is open;
- saving again updates the same (evaluator, stage, indicator) row and bumps its ``version``;
  a form carries the version it was loaded with and a stale one is refused (Conflict);
- blind first, as in HotCRP: an evaluator sees other evaluators' scores for an indicator and
  stage only after saving their own there; coordinators and admins see all.

Every create and change writes an AuditEvent with before and after in the same transaction.
Numbers are `Decimal`, never floats.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import (
    Assignment,
    EvidenceLink,
    Indicator,
    IndicatorKind,
    Role,
    Score,
    Submission,
    User,
)
from . import audit, evidence, rounds
from .errors import Conflict, Forbidden, Invalid, NotFound

CENT = Decimal("0.01")
MAX_COMMENT_CHARS = 5000  # a comment or no-evidence reason: about two pages of Korean text
_POINTS = re.compile(r"-?[0-9]+(?:\.[0-9]+)?", re.ASCII)


@dataclass(frozen=True)
class ScoreForm:
    """What a person entered: points or a level (as typed), the cited links, a reason."""

    points: str | Decimal | None = None
    level: str | int | None = None
    comment: str = ""
    link_ids: Sequence[int] = ()
    no_evidence_reason: str = ""
    # the version the form was loaded with: 0 for "no score yet", None to skip the check (CLI)
    version: int | None = None


def stage_codes(submission: Submission) -> list[str]:
    """The round's stage codes in order (e.g. ["document", "onsite"])."""
    return [stage["code"] for stage in submission.round.stages or []]


def parse_points(text: str | Decimal | None, max_points: Decimal) -> Decimal:
    """Points as typed -> an exact Decimal in [0, max_points] with at most 2 decimals.

    Accepts ASCII digits with an optional decimal point: "12", "12.5", "12.50", "-3" (refused
    as out of range). A comma is refused rather than guessed: in Korean "1,000" is a thousands
    separator, elsewhere "12,5" a decimal comma. Raises Invalid({"points": ...}) for an empty,
    non-numeric, negative, too large or too precise value.
    """
    raw = str(text if text is not None else "").strip()
    if not raw:
        raise Invalid({"points": _("Enter the points.")})
    if not _POINTS.fullmatch(raw):
        raise Invalid(
            {"points": _("Points must be a number such as 12 or 12.5, not %(v)s.", v=raw)}
        )
    value = Decimal(raw) + 0  # "-0" is 0
    if 0 <= value <= max_points and value != value.quantize(CENT):  # range first: 1e30
        raise Invalid({"points": _("Points take at most 2 decimals (%(v)s).", v=raw)})
    if not 0 <= value <= max_points:
        raise Invalid(
            {
                "points": _(
                    "Points must be between 0 and %(max)s, not %(v)s.",
                    max=_plain(max_points),
                    v=raw,
                )
            }
        )
    return value.quantize(CENT)


def level_points(indicator: Indicator, level: str | int | None) -> tuple[int, Decimal]:
    """A rubric level of a qualitative indicator -> (level, points).

    points = max_points x points_pct / 100, rounded half up to the cent (the framework file's
    rubric). Raises Invalid({"level": ...}) for an empty or unknown level.
    """
    raw = str(level if level is not None else "").strip()
    levels = {str(row.get("level")): row for row in indicator.rubric or []}
    if not raw:
        raise Invalid({"level": _("Choose a rubric level.")})
    if raw not in levels:
        raise Invalid(
            {
                "level": _(
                    "Level %(v)s is not in this indicator's rubric (%(levels)s).",
                    v=raw,
                    levels=", ".join(levels),
                )
            }
        )
    pct = Decimal(str(levels[raw]["points_pct"]))
    points = (Decimal(indicator.max_points) * pct / 100).quantize(CENT, rounding=ROUND_HALF_UP)
    return int(raw), points


def _plain(value: Decimal) -> str:
    """12.50 -> "12.5", 40.00 -> "40": a number as a person writes it."""
    text = format(Decimal(value).normalize(), "f")
    return text


def _assignment(evaluator_id: int, submission_id: int) -> Assignment | None:
    return db.session.scalar(
        select(Assignment).where(
            Assignment.submission_id == submission_id, Assignment.evaluator_id == evaluator_id
        )
    )


def require_may_score(evaluator_id: int, submission: Submission) -> None:
    """Assigned, no declared conflict of interest, round open; Forbidden or Conflict else."""
    rounds.require_open(submission.round)
    assignment = _assignment(evaluator_id, submission.id)
    if assignment is None:
        raise Forbidden(_("Only evaluators assigned to this submission can score it."))
    if assignment.conflict_declared:
        raise Forbidden(
            _(
                "You declared a conflict of interest for this applicant: you cannot score it. "
                "The coordinator sees your declaration."
            )
        )


def _cited_links(
    evaluator_id: int, submission: Submission, indicator: Indicator, link_ids: Iterable[int]
) -> list[EvidenceLink]:
    ids = sorted(set(link_ids))
    if not ids:
        return []
    links = {
        link.id: link
        for link in db.session.scalars(select(EvidenceLink).where(EvidenceLink.id.in_(ids)))
    }
    wrong = [
        str(link_id)
        for link_id in ids
        if link_id not in links
        or links[link_id].evaluator_id != evaluator_id
        or links[link_id].submission_id != submission.id
        or links[link_id].indicator_id != indicator.id
    ]
    if wrong:
        raise Invalid(
            {
                "links": _(
                    "Link %(ids)s is not one of your evidence links for this indicator.",
                    ids=", ".join(wrong),
                )
            }
        )
    return [links[link_id] for link_id in ids]


def snapshot(score: Score | None) -> dict[str, Any] | None:
    """A score as JSON-ready values, for audit before/after and the CLI."""
    if score is None:
        return None
    return {
        "stage": score.stage,
        "points": str(score.points),
        "level": score.level,
        "comment": score.comment,
        "links": [link.id for link in score.links],
        "no_evidence_reason": score.no_evidence_reason,
        "version": score.version,
    }


def save_score(
    actor_id: int, submission_id: int, indicator_id: int, stage: str, form: ScoreForm
) -> Score:
    """Create or update the actor's score for (submission, indicator, stage).

    Returns the saved Score (its ``version`` is 1 on creation, +1 on every change).
    Raises NotFound (submission or indicator), Forbidden (not assigned, conflict declared),
    Conflict (round finalized, stale form), Invalid (a dict of field -> message: stage,
    points, level, links, no_evidence_reason). Nothing changes when anything is raised.
    """
    submission = db.session.get(Submission, submission_id)
    if submission is None:
        raise NotFound(f"no submission with id {submission_id}")
    indicator = evidence.indicator_in(submission_id, indicator_id)
    require_may_score(actor_id, submission)
    problems: dict[str, str] = {}
    if stage not in stage_codes(submission):
        problems["stage"] = _(
            "Stage %(stage)s is not a stage of this round (%(stages)s).",
            stage=stage,
            stages=", ".join(stage_codes(submission)),
        )
    level: int | None = None
    points: Decimal | None = None
    try:
        if indicator.kind == IndicatorKind.QUALITATIVE:
            if form.points not in (None, ""):
                raise Invalid(
                    {
                        "points": _(
                            "This indicator is qualitative: choose a rubric level; its points "
                            "follow from the level."
                        )
                    }
                )
            level, points = level_points(indicator, form.level)
        else:
            if form.level not in (None, ""):
                raise Invalid(
                    {"level": _("This indicator is quantitative: enter points, not a level.")}
                )
            points = parse_points(form.points, Decimal(indicator.max_points))
    except Invalid as exc:
        problems.update(exc.fields)
    reason = form.no_evidence_reason.strip()
    for name, text, limit in (
        ("comment", form.comment, MAX_COMMENT_CHARS),
        ("no_evidence_reason", reason, MAX_COMMENT_CHARS),
    ):
        if len(text) > limit:
            problems[name] = _(
                "At most %(n)s characters (this has %(m)s).", n=f"{limit:,}", m=f"{len(text):,}"
            )
        elif "\x00" in text:
            problems[name] = _("The text holds a NUL character; remove it.")
    links: list[EvidenceLink] = []
    try:
        links = _cited_links(actor_id, submission, indicator, form.link_ids)
    except Invalid as exc:
        problems.update(exc.fields)
    if not form.link_ids and not reason:
        problems["links"] = _(
            "Tick at least one of your evidence links, or say why no evidence was submitted."
        )
    elif form.link_ids and reason:
        problems["no_evidence_reason"] = _(
            "Either cite evidence links or give a no-evidence reason, not both."
        )
    if problems:
        raise Invalid(problems)
    assert points is not None

    def change() -> Score:
        evidence.lock_submission(submission.id)
        score = db.session.scalar(
            select(Score).where(
                Score.evaluator_id == actor_id,
                Score.submission_id == submission.id,
                Score.indicator_id == indicator.id,
                Score.stage == stage,
            )
        )
        current_version = score.version if score is not None else 0
        if form.version is not None and form.version != current_version:
            raise Conflict(
                _(
                    "This score was changed after you opened the form (version %(now)s, your "
                    "form has %(yours)s). Nothing was saved: reload to see the current score.",
                    now=current_version,
                    yours=form.version,
                )
            )
        before = snapshot(score)
        if score is None:
            score = Score(
                submission_id=submission.id,
                indicator_id=indicator.id,
                evaluator_id=actor_id,
                stage=stage,
                version=1,
            )
            db.session.add(score)
        else:
            score.version += 1
        score.points = points
        score.level = level
        score.comment = form.comment.strip()
        score.no_evidence_reason = reason
        score.links = links
        db.session.flush()
        after = snapshot(score)
        if before is not None and {**before, "version": 0} == {**after, "version": 0}:
            score.version -= 1  # nothing changed: no new version, no event
            return score
        audit.record(
            actor_id,
            "score.create" if before is None else "score.update",
            "score",
            score.id,
            submission=submission.id,
            indicator=indicator.code,
            before=before,
            after=after,
        )
        return score

    try:
        score = change()
        db.session.commit()
    except IntegrityError:  # a concurrent first save of the same score won
        db.session.rollback()
        score = change()
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return score


# --- reading (blind first) ------------------------------------------------------------------


def own_scores(evaluator_id: int, submission_id: int, indicator_id: int) -> dict[str, Score]:
    """stage -> the evaluator's own score for one indicator."""
    rows = db.session.scalars(
        select(Score).where(
            Score.evaluator_id == evaluator_id,
            Score.submission_id == submission_id,
            Score.indicator_id == indicator_id,
        )
    )
    return {score.stage: score for score in rows}


def visible_scores(viewer: User, submission_id: int, indicator_id: int) -> list[Score]:
    """The scores ``viewer`` may see for one indicator, by stage then evaluator.

    Coordinators and admins see all; an evaluator sees their own, and the others' at a stage
    only once their own score at that stage is saved (blind first).
    """
    query = select(Score).where(
        Score.submission_id == submission_id, Score.indicator_id == indicator_id
    )
    if viewer.role == Role.EVALUATOR:
        mine = own_scores(viewer.id, submission_id, indicator_id)
        query = query.where((Score.evaluator_id == viewer.id) | Score.stage.in_(list(mine)))
    scores = list(db.session.scalars(query.order_by(Score.stage, Score.evaluator_id)))
    return sorted(scores, key=lambda s: (s.stage, s.evaluator_id != viewer.id, s.evaluator_id))
