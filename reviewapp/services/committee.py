"""The committee's own records on a submission: adjudication notes on flagged indicators and
the committee's opinions (종합의견 overall, and a short one per area).

Only coordinators and administrators write them, only while the round is open (a finalized
round's report cannot change under the ministry's eyes), and every change is audited with
what it replaced.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from ..extensions import db
from ..models import Adjudication, CommitteeOpinion, Submission
from . import audit
from .errors import Invalid
from .evidence import indicator_in, lock_submission
from .rounds import require_manager, require_open_submission

MAX_NOTE_CHARS = 5000  # an adjudication note, like an evaluator's comment
MAX_OPINION_CHARS = 5000  # the overall opinion (종합의견)
MAX_AREA_OPINION_CHARS = 1000  # "a short opinion" per area (issue 12)
OVERALL = ""  # the area_code of the overall opinion


def _plain_text(text: str | None, limit: int, field: str) -> str:
    """``text`` stripped; Invalid when longer than ``limit`` characters or holding NUL."""
    text = (text or "").replace("\r\n", "\n").strip()
    if len(text) > limit or "\x00" in text:
        raise Invalid({field: _("Plain text of at most %(n)s characters, please.", n=f"{limit:,}")})
    return text


def record_adjudication(
    actor_id: int, submission_id: int, indicator_id: int, note: str
) -> Adjudication:
    """Add the coordinator's note on how a (flagged) indicator was settled.

    Raises Forbidden (not a coordinator/admin), NotFound (unknown submission, or an
    indicator outside its framework), Conflict (round finalized), Invalid ({"note": ...}:
    empty or over MAX_NOTE_CHARS).
    """
    require_manager(actor_id)
    submission = require_open_submission(submission_id)
    indicator = indicator_in(submission.id, indicator_id)
    note = _plain_text(note, MAX_NOTE_CHARS, "note")
    if not note:
        raise Invalid({"note": _("Write the adjudication note.")})
    adjudication = Adjudication(
        submission_id=submission.id, indicator_id=indicator.id, note=note, author_id=actor_id
    )
    db.session.add(adjudication)
    db.session.flush()
    audit.record(
        actor_id,
        "adjudication.add",
        "adjudication",
        adjudication.id,
        submission=submission.id,
        indicator=indicator.code,
        note=note,
    )
    db.session.commit()
    return adjudication


def adjudications_of(submission_ids: list[int]) -> dict[tuple[int, int], list[Adjudication]]:
    """(submission id, indicator id) -> its adjudication notes, newest first."""
    found: dict[tuple[int, int], list[Adjudication]] = {}
    if not submission_ids:
        return found
    rows = db.session.scalars(
        select(Adjudication)
        .where(Adjudication.submission_id.in_(submission_ids))
        .order_by(Adjudication.created_at.desc(), Adjudication.id.desc())
    )
    for row in rows:
        found.setdefault((row.submission_id, row.indicator_id), []).append(row)
    return found


@dataclass(frozen=True)
class Opinions:
    """A submission's committee opinions: ``overall`` (종합의견) and area code -> text."""

    overall: str
    areas: dict[str, str]


def opinions_of(submission_id: int) -> Opinions:
    """The committee's opinions of one submission ("" where none is written)."""
    rows = db.session.scalars(
        select(CommitteeOpinion).where(CommitteeOpinion.submission_id == submission_id)
    )
    texts = {row.area_code: row.text for row in rows}
    overall = texts.pop(OVERALL, "")
    return Opinions(overall=overall, areas=texts)


def save_opinions(
    actor_id: int, submission_id: int, *, overall: str, areas: dict[str, str]
) -> Opinions:
    """Save the committee's overall opinion and the per-area opinions of one submission.

    ``areas`` maps area codes of the round's framework to text; an area not given keeps its
    text, an empty text clears it. Only what changed is written and audited (before/after).
    Raises Forbidden, NotFound (unknown submission), Conflict (round finalized), Invalid
    (fields "overall" or "area-<code>": too long; "area-<code>" for a code not in the
    framework), all before anything changes.
    """
    require_manager(actor_id)
    submission: Submission = require_open_submission(submission_id)
    area_codes = {area.code for area in submission.round.framework.areas}
    wanted = {OVERALL: _plain_text(overall, MAX_OPINION_CHARS, "overall")}
    problems: dict[str, str] = {}
    for code, text in areas.items():
        if code not in area_codes:
            problems[f"area-{code}"] = _("No such area in this round's framework.")
            continue
        try:
            wanted[code] = _plain_text(text, MAX_AREA_OPINION_CHARS, f"area-{code}")
        except Invalid as exc:
            problems.update(exc.fields)
    if problems:
        raise Invalid(problems)
    lock_submission(submission.id)  # two coordinators saving at once: one after the other
    existing = {
        row.area_code: row
        for row in db.session.scalars(
            select(CommitteeOpinion).where(CommitteeOpinion.submission_id == submission.id)
        )
    }
    for code, text in wanted.items():
        row = existing.get(code)
        before = row.text if row else ""
        if before == text:
            continue
        if row is None:
            row = CommitteeOpinion(submission_id=submission.id, area_code=code)
            db.session.add(row)
        row.text = text
        row.updated_by_id = actor_id
        db.session.flush()
        audit.record(
            actor_id,
            "opinion.save",
            "committee_opinion",
            row.id,
            submission=submission.id,
            area=code or "overall",
            before=before,
            after=text,
        )
    db.session.commit()
    return opinions_of(submission.id)
