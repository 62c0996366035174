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

from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select

from ..extensions import db
from ..models import Adjudication, CommitteeOpinion, Submission
from . import audit
from .errors import Conflict, Invalid
from .evidence import indicator_in, lock_submission
from .results import OVERALL, Opinions, opinions_of, round_results
from .rounds import require_manager, require_open_submission

MAX_NOTE_CHARS = 5000  # an adjudication note, like an evaluator's comment
MAX_OPINION_CHARS = 5000  # the overall opinion (종합의견)
MAX_AREA_OPINION_CHARS = 1000  # "a short opinion" per area (issue 12)


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
        sheet = round_results(submission.round_id, submission_id=submission.id).sheets[0]
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


class StaleOpinions(Conflict):
    """Opinions changed since the form was loaded: ``fields`` names each stale field as the
    form does ("overall", "area-<code>"), in the form's order. Nothing was saved."""

    def __init__(self, message: str, fields: list[str]) -> None:
        super().__init__(message)
        self.fields = fields


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
    Invalid (fields "overall" or "area-<code>": too long, or a text sent with a malformed
    version (< 0); "area-<code>" for a code not in the framework), all before anything
    changes.
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
    for code, version in (versions or {}).items():
        if version < 0 and wanted.get(code):  # a text to save, with no version to check
            problems[_field_name(code)] = _(
                "This form's version is missing or malformed: reload the page and save again."
            )
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
        # the same text loses nothing
        and wanted[code] != (existing[code].text if code in existing else "")
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
