"""The committee's own records on a submission: adjudication notes on flagged indicators and
the committee's opinions (종합의견 overall, and a short one per area).

Only coordinators and administrators write them, only while the round is open (a finalized
round's report cannot change under the ministry's eyes), and every change is audited with
what it replaced. A note settles a disagreement: it is taken on an indicator the read model
flags, or on one that already has notes (an evaluator may revise a score after the committee
discussed it: the indicator is then no longer flagged, and its notes stay with it). Each
opinion carries a version, so a coordinator's stale form cannot overwrite another's text.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select

from ..extensions import db
from ..models import Adjudication, CommitteeOpinion, Submission
from . import audit
from .errors import Conflict, Invalid
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
    """Add the coordinator's note on how a flagged indicator was settled.

    The indicator must be flagged in the read model (services/results.round_results) or
    already have notes. The same author posting the same text on the same indicator twice in
    a row (a double click, a resent form) gets the note already stored: nothing is added.
    Raises Forbidden (not a coordinator/admin), NotFound (unknown submission, or an
    indicator outside its framework), Conflict (round finalized; an indicator neither flagged
    nor adjudicated), Invalid ({"note": ...}: empty or over MAX_NOTE_CHARS).
    """
    from . import results  # results reads this module's records

    require_manager(actor_id)
    submission = require_open_submission(submission_id)
    indicator = indicator_in(submission.id, indicator_id)
    note = _plain_text(note, MAX_NOTE_CHARS, "note")
    if not note:
        raise Invalid({"note": _("Write the adjudication note.")})
    lock_submission(submission.id)  # two posts at once: the second sees the first's note
    latest = db.session.scalars(
        select(Adjudication)
        .where(
            Adjudication.submission_id == submission.id,
            Adjudication.indicator_id == indicator.id,
        )
        .order_by(Adjudication.created_at.desc(), Adjudication.id.desc())
        .limit(1)
    ).first()
    if latest is not None and latest.author_id == actor_id and latest.note == note:
        db.session.commit()
        return latest
    if latest is None:
        sheet = results.round_results(submission.round_id, submission_id=submission.id).sheets[0]
        row = next(row for row in sheet.rows if row.indicator_id == indicator.id)
        if not row.result.flagged:
            message = _(
                "%(code)s is not flagged for disagreement and has no adjudication note: a "
                "note records how a disagreement was settled. Nothing was saved.",
                code=indicator.code,
            )
            db.session.rollback()  # let go of the lock
            raise Conflict(message)
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
    """A submission's committee opinions: ``overall`` (종합의견) and area code -> text;
    ``versions``: area code ("" for the overall opinion) -> the version saved (a code
    missing has none yet: version 0). Two Opinions are equal when their texts are."""

    overall: str
    areas: dict[str, str]
    versions: dict[str, int] = field(default_factory=dict, compare=False)

    def version(self, code: str) -> int:
        """The saved version of one opinion (``OVERALL`` or an area code), 0 for none."""
        return self.versions.get(code, 0)


class StaleOpinions(Conflict):
    """Opinions changed since the form was loaded: ``fields`` names each stale field as the
    form does ("overall", "area-<code>"), in the form's order. Nothing was saved."""

    def __init__(self, message: str, fields: list[str]) -> None:
        super().__init__(message)
        self.fields = fields


def opinions_of(submission_id: int) -> Opinions:
    """The committee's opinions of one submission ("" where none is written)."""
    rows = db.session.scalars(
        select(CommitteeOpinion).where(CommitteeOpinion.submission_id == submission_id)
    ).all()
    texts = {row.area_code: row.text for row in rows}
    overall = texts.pop(OVERALL, "")
    return Opinions(
        overall=overall, areas=texts, versions={row.area_code: row.version for row in rows}
    )


def _field_name(code: str) -> str:
    return "overall" if code == OVERALL else f"area-{code}"


def save_opinions(
    actor_id: int,
    submission_id: int,
    *,
    overall: str | None,
    areas: dict[str, str],
    versions: dict[str, int] | None = None,
) -> Opinions:
    """Save the committee's overall opinion and the per-area opinions of one submission.

    ``overall`` None (not sent) keeps the overall opinion; ``areas`` maps area codes of the
    round's framework to text; an area not given keeps its text, an empty text clears it.
    ``versions`` maps area codes ("" for the overall opinion) to the version the form was
    loaded with (0: none yet); a code not in it is not checked, nor one whose text is the
    saved text. Only what changed is written (its version +1) and audited (before/after).
    Raises Forbidden, NotFound (unknown submission), Conflict (round finalized),
    StaleOpinions (a Conflict: a field's version is not the saved one; nothing is saved),
    Invalid (fields "overall" or "area-<code>": too long; "area-<code>" for a code not in the
    framework), all before anything changes.
    """
    require_manager(actor_id)
    submission: Submission = require_open_submission(submission_id)
    framework_areas = {area.code: area for area in submission.round.framework.areas}
    wanted: dict[str, str] = {}
    if overall is not None:
        wanted[OVERALL] = _plain_text(overall, MAX_OPINION_CHARS, "overall")
    problems: dict[str, str] = {}
    for code, text in areas.items():
        if code not in framework_areas:
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
    versions = versions or {}
    stale = [
        code
        for code in [OVERALL, *framework_areas]
        if code in wanted
        and code in versions
        and versions[code] != (existing[code].version if code in existing else 0)
        and wanted[code] != existing[code].text  # the same text loses nothing
    ]
    if stale:
        korean = str(get_locale()) == "ko"
        names = [
            _("Overall opinion")
            if code == OVERALL
            else _(
                "Opinion on %(area)s",
                area=framework_areas[code].title_ko
                if korean
                else (framework_areas[code].title_en or framework_areas[code].title_ko),
            )
            for code in stale
        ]
        message = _(
            "Saved by someone else after you opened this page: %(fields)s. Nothing was "
            "saved: compare the saved text with yours below, then save again.",
            fields=", ".join(names),
        )
        db.session.rollback()  # let go of the lock
        raise StaleOpinions(message, [_field_name(code) for code in stale])
    for code, text in wanted.items():
        row = existing.get(code)
        before = row.text if row else ""
        if before == text:
            continue
        if row is None:
            row = CommitteeOpinion(submission_id=submission.id, area_code=code, version=1)
            db.session.add(row)
        else:
            row.version += 1
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
