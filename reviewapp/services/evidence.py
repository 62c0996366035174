"""Evidence: an evaluator's links (document, page, quote) and decisions on suggested passages.

Links and decisions belong to the evaluator who made them (blind review, as in HotCRP):

- an evaluator's state for one passage of one indicator is one of *undecided*, *accepted*
  (an accepted decision and a link on that passage, always together) or *rejected* (hidden
  from that evaluator's suggestions); every change moves between these states in one
  transaction and can be undone, so "linked" anywhere means a link exists;
- only evaluators assigned to the submission change anything (the web and the CLI share this
  rule: it lives here, not in the views); coordinators and admins see all and change none;
- an evaluator sees other evaluators' links once their own score for that indicator is saved
  (the rule that will hide scores too); before, only their own.

Every change writes an AuditEvent in the same transaction, and then asks for the
submission's claims to be rechecked against the changed evidence (services/rechecks.py). Concurrent identical clicks meet
unique constraints; the loser's transaction is retried once and finds the winner's row, so
the answer is the state both asked for, never an error or a duplicate.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import delete, exists, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import (
    Assignment,
    Chunk,
    Decision,
    Document,
    EvidenceLink,
    Indicator,
    Role,
    Score,
    Submission,
    SuggestionDecision,
    User,
    utcnow,
)
from . import audit, coverage, rechecks, summary_queue
from .errors import Conflict, Forbidden, Invalid, NotFound, ServiceError
from .rounds import require_open_submission

T = TypeVar("T")
UNDO = "undo"


@dataclass(frozen=True)
class PassageState:
    """One evaluator's state for one passage of one indicator."""

    chunk_id: int
    decision: str | None  # accepted | rejected | None (undecided)
    link_id: int | None


@dataclass(frozen=True)
class RemovedLink:
    """What a removed link was attached to, for the view to redraw that indicator."""

    submission_id: int
    indicator_id: int
    indicator_code: str
    chunk_id: int | None


def quote_key(quote: str) -> str:
    """sha256 hex of the quote: the quote's part of a link's unique key (any length)."""
    return hashlib.sha256(quote.encode("utf-8")).hexdigest()


# --- reading -------------------------------------------------------------------------------


def _scored(evaluator_id: int, submission_id: int, indicator_id: int) -> bool:
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    Score.evaluator_id == evaluator_id,
                    Score.submission_id == submission_id,
                    Score.indicator_id == indicator_id,
                )
            )
        )
    )


def sees_all_links(viewer: User, submission_id: int, indicator_id: int) -> bool:
    """Coordinators and admins always; an evaluator once they have scored the indicator."""
    if viewer.role != Role.EVALUATOR:
        return True
    return _scored(viewer.id, submission_id, indicator_id)


def links_for(viewer: User, submission_id: int, indicator_id: int) -> list[EvidenceLink]:
    """The links ``viewer`` may see for one indicator: their own first, oldest first."""
    query = select(EvidenceLink).where(
        EvidenceLink.submission_id == submission_id, EvidenceLink.indicator_id == indicator_id
    )
    if not sees_all_links(viewer, submission_id, indicator_id):
        query = query.where(EvidenceLink.evaluator_id == viewer.id)
    # the page shows whether a score cites each link: loaded with the links, not one by one
    query = query.options(selectinload(EvidenceLink.citing_scores))
    links = list(db.session.scalars(query.order_by(EvidenceLink.created_at, EvidenceLink.id)))
    return sorted(links, key=lambda link: link.evaluator_id != viewer.id)


def linked_chunk_ids(evaluator_id: int, submission_id: int, indicator_id: int) -> set[int]:
    """Passages the evaluator has linked for the indicator."""
    return set(
        db.session.scalars(
            select(EvidenceLink.chunk_id).where(
                EvidenceLink.evaluator_id == evaluator_id,
                EvidenceLink.submission_id == submission_id,
                EvidenceLink.indicator_id == indicator_id,
                EvidenceLink.chunk_id.is_not(None),
            )
        )
    )


def decisions_of(evaluator_id: int, submission_id: int, indicator_id: int) -> dict[int, str]:
    """chunk id -> accepted | rejected: one evaluator's decisions for one indicator."""
    rows = db.session.execute(
        select(SuggestionDecision.chunk_id, SuggestionDecision.decision).where(
            SuggestionDecision.evaluator_id == evaluator_id,
            SuggestionDecision.submission_id == submission_id,
            SuggestionDecision.indicator_id == indicator_id,
        )
    )
    return {chunk_id: decision for chunk_id, decision in rows}


def rejected_passages(evaluator_id: int, submission_id: int, indicator_id: int) -> list[Chunk]:
    """The passages the evaluator rejected for the indicator, latest first (for undo)."""
    return list(
        db.session.scalars(
            select(Chunk)
            .join(SuggestionDecision, SuggestionDecision.chunk_id == Chunk.id)
            .where(
                SuggestionDecision.evaluator_id == evaluator_id,
                SuggestionDecision.submission_id == submission_id,
                SuggestionDecision.indicator_id == indicator_id,
                SuggestionDecision.decision == Decision.REJECTED.value,
            )
            .order_by(SuggestionDecision.decided_at.desc(), SuggestionDecision.id.desc())
        )
    )


def passage_in(submission_id: int, chunk_id: int) -> Chunk:
    """The passage if it belongs to one of this submission's documents; NotFound otherwise."""
    chunk = db.session.scalar(
        select(Chunk)
        .join(Document, Document.id == Chunk.document_id)
        .where(Chunk.id == chunk_id, Document.submission_id == submission_id)
    )
    if chunk is None:
        raise NotFound(f"no passage {chunk_id} in this submission")
    return chunk


# --- writing -------------------------------------------------------------------------------


def require_assigned(actor_id: int, submission_id: int) -> None:
    """Only an evaluator assigned to the submission changes its evidence; Forbidden else."""
    assigned = db.session.scalar(
        select(
            exists().where(
                Assignment.submission_id == submission_id, Assignment.evaluator_id == actor_id
            )
        )
    )
    if not assigned:
        raise Forbidden(
            _(
                "Only evaluators assigned to this submission can change its evidence; "
                "coordinators see all evidence and change none."
            )
        )


def indicator_in(submission_id: int, indicator_id: int) -> Indicator:
    """The indicator if it belongs to the submission's framework; NotFound otherwise."""
    indicator = db.session.get(Indicator, indicator_id)
    submission = db.session.get(Submission, submission_id)
    if (
        indicator is None
        or submission is None
        or indicator.framework_id != submission.round.framework_id
    ):
        raise NotFound(f"no indicator {indicator_id} in this round")
    return indicator


def lock_submission(submission_id: int) -> None:
    """Serialize evidence changes of one submission: a no-op UPDATE takes the row's write lock
    (SQLite: the database's; PostgreSQL: the row's) before anything is read, so a concurrent
    accept and reject cannot each act on what the other has not committed yet."""
    db.session.execute(
        update(Submission).where(Submission.id == submission_id).values(status=Submission.status)
    )


def _once(change: Callable[[], T]) -> T:
    """Run ``change`` and commit; when a concurrent request committed the same row first
    (a unique constraint), roll back and run it once more: it then finds that row."""
    try:
        result = change()
        db.session.commit()
        return result
    except IntegrityError:
        db.session.rollback()
    result = change()
    db.session.commit()
    return result


def _own_link(evaluator_id: int, submission_id: int, indicator_id: int, chunk_id: int):  # type: ignore[no-untyped-def]
    return select(EvidenceLink).where(
        EvidenceLink.evaluator_id == evaluator_id,
        EvidenceLink.submission_id == submission_id,
        EvidenceLink.indicator_id == indicator_id,
        EvidenceLink.chunk_id == chunk_id,
    )


def _own_citation(  # type: ignore[no-untyped-def]
    evaluator_id: int,
    submission_id: int,
    indicator_id: int,
    document_id: int,
    page: int,
    quote: str,
):
    """The evaluator's link by its citation key (document, page, quote)."""
    return select(EvidenceLink).where(
        EvidenceLink.evaluator_id == evaluator_id,
        EvidenceLink.submission_id == submission_id,
        EvidenceLink.indicator_id == indicator_id,
        EvidenceLink.document_id == document_id,
        EvidenceLink.page == page,
        EvidenceLink.quote_sha256 == quote_key(quote),
    )


def _set_decision(
    actor_id: int, submission_id: int, indicator: Indicator, chunk: Chunk, decision: str | None
) -> None:
    row = db.session.scalar(
        select(SuggestionDecision).where(
            SuggestionDecision.evaluator_id == actor_id,
            SuggestionDecision.submission_id == submission_id,
            SuggestionDecision.indicator_id == indicator.id,
            SuggestionDecision.chunk_id == chunk.id,
        )
    )
    if decision is None:
        if row is not None:
            db.session.delete(row)
        return
    if row is None:
        row = SuggestionDecision(
            evaluator_id=actor_id,
            submission_id=submission_id,
            indicator_id=indicator.id,
            chunk_id=chunk.id,
            decision=decision,
        )
        db.session.add(row)
    elif row.decision == decision:
        return
    row.decision = decision
    row.decided_at = utcnow()
    db.session.flush()
    audit.record(
        actor_id,
        f"suggestion.{decision}",
        "suggestion_decision",
        row.id,
        submission=submission_id,
        indicator=indicator.code,
        chunk=chunk.id,
        page=chunk.page,
    )


def _ensure_link(
    actor_id: int, submission_id: int, indicator: Indicator, chunk: Chunk, note: str
) -> EvidenceLink:
    link = db.session.scalar(_own_link(actor_id, submission_id, indicator.id, chunk.id))
    if link is None:  # the same citation kept from an earlier passage of the same text
        link = db.session.scalar(
            _own_citation(
                actor_id, submission_id, indicator.id, chunk.document_id, chunk.page, chunk.text
            )
        )
        if link is not None and link.chunk_id is None:
            link.chunk_id = chunk.id
    if link is not None:
        return link
    return _new_link(
        actor_id,
        submission_id,
        indicator,
        chunk.document_id,
        chunk.page,
        chunk_id=chunk.id,
        quote=chunk.text,
        note=note,
    )


def _new_link(
    actor_id: int,
    submission_id: int,
    indicator: Indicator,
    document_id: int,
    page: int,
    *,
    chunk_id: int | None,
    quote: str,
    note: str,
) -> EvidenceLink:
    link = EvidenceLink(
        submission_id=submission_id,
        indicator_id=indicator.id,
        document_id=document_id,
        chunk_id=chunk_id,
        page=page,
        quote=quote,
        quote_sha256=quote_key(quote),
        note=note.strip(),
        evaluator_id=actor_id,
    )
    db.session.add(link)
    db.session.flush()
    audit.record(
        actor_id,
        "evidence.link",
        "evidence_link",
        link.id,
        submission=submission_id,
        indicator=indicator.code,
        document=document_id,
        chunk=chunk_id,
        page=page,
    )
    return link


def citing_score(link_id: int) -> Score | None:
    """A saved score that cites the link, if any."""
    return db.session.scalar(select(Score).where(Score.links.any(EvidenceLink.id == link_id)))


def _stage_name(submission_id: int, code: str) -> str:
    """A stage's name in Korean (서면평가) or English, as the round's framework names it."""
    submission = db.session.get(Submission, submission_id)
    stages = submission.round.stages if submission is not None else []
    row = next((st for st in stages or [] if st.get("code") == code), {})
    return str(row.get("name_ko") if str(get_locale()) == "ko" else row.get("name_en") or code)


def _refuse_if_cited(link: EvidenceLink) -> None:
    score = citing_score(link.id)
    if score is not None:
        raise Conflict(
            _(
                "This link is cited by your %(stage)s score for %(code)s (%(points)s points). "
                "Untick it in that score first, then remove it.",
                stage=_stage_name(link.submission_id, score.stage),
                code=link.indicator.code,
                points=format(score.points.normalize(), "f"),
            )
        )


def _drop_link(actor_id: int, link: EvidenceLink, indicator_code: str) -> None:
    _refuse_if_cited(link)
    audit.record(
        actor_id,
        "evidence.unlink",
        "evidence_link",
        link.id,
        submission=link.submission_id,
        indicator=indicator_code,
        document=link.document_id,
        chunk=link.chunk_id,
        page=link.page,
    )
    db.session.delete(link)
    db.session.flush()


def decide(
    actor_id: int, submission_id: int, indicator_id: int, chunk_id: int, decision: str
) -> PassageState:
    """Move the actor's passage to ``decision``: accepted (decision + link), rejected (the
    link, if any, goes) or ``"undo"`` (back to undecided: decision and link go).

    Raises ServiceError for another decision, Forbidden for a user not assigned to the
    submission, NotFound for a passage or indicator outside it.
    """
    if decision not in {Decision.ACCEPTED.value, Decision.REJECTED.value, UNDO}:
        raise ServiceError(f"decision must be accepted, rejected or undo, not {decision!r}")
    require_open_submission(submission_id)
    require_assigned(actor_id, submission_id)
    indicator = indicator_in(submission_id, indicator_id)
    chunk = passage_in(submission_id, chunk_id)

    def change() -> PassageState:
        lock_submission(submission_id)
        link = db.session.scalar(_own_link(actor_id, submission_id, indicator.id, chunk.id))
        if decision == Decision.ACCEPTED.value:
            _set_decision(actor_id, submission_id, indicator, chunk, decision)
            link = _ensure_link(actor_id, submission_id, indicator, chunk, "")
            return PassageState(chunk.id, decision, link.id)
        if link is not None:
            _drop_link(actor_id, link, indicator.code)
        if decision == UNDO:
            had = decisions_of(actor_id, submission_id, indicator.id).get(chunk.id)
            _set_decision(actor_id, submission_id, indicator, chunk, None)
            if had:
                audit.record(
                    actor_id,
                    "suggestion.undo",
                    "suggestion_decision",
                    None,
                    submission=submission_id,
                    indicator=indicator.code,
                    chunk=chunk.id,
                    undone=had,
                )
            return PassageState(chunk.id, None, None)
        _set_decision(actor_id, submission_id, indicator, chunk, decision)
        return PassageState(chunk.id, decision, None)

    state = _once(change)
    rechecks.request(submission_id)
    coverage.request(submission_id)
    summary_queue.request(submission_id, indicator_id)
    return state


def link_passage(
    actor_id: int, submission_id: int, indicator_id: int, chunk_id: int, *, note: str = ""
) -> EvidenceLink:
    """Link a passage (e.g. a search hit) as evidence: the same state as accepting it.

    Idempotent: a second call, or a concurrent one, answers with the existing link.
    Raises as `decide`.
    """
    require_open_submission(submission_id)
    require_assigned(actor_id, submission_id)
    indicator = indicator_in(submission_id, indicator_id)
    chunk = passage_in(submission_id, chunk_id)

    def change() -> EvidenceLink:
        lock_submission(submission_id)
        _set_decision(actor_id, submission_id, indicator, chunk, Decision.ACCEPTED.value)
        return _ensure_link(actor_id, submission_id, indicator, chunk, note)

    link = _once(change)
    rechecks.request(submission_id)
    coverage.request(submission_id)
    summary_queue.request(submission_id, indicator_id)
    return link


def unlink(actor_id: int, link_id: int) -> RemovedLink:
    """Remove one of the actor's own links; its accepted decision goes with it (undecided).

    Raises NotFound for an unknown link, Forbidden for another user's link or a user not
    assigned to the submission.
    """
    link = db.session.get(EvidenceLink, link_id)
    if link is None:
        raise NotFound(f"no evidence link {link_id}")
    require_open_submission(link.submission_id)
    require_assigned(actor_id, link.submission_id)
    if link.evaluator_id != actor_id:
        raise Forbidden(_("Only the evaluator who linked this passage can remove it."))
    removed = RemovedLink(link.submission_id, link.indicator_id, link.indicator.code, link.chunk_id)

    def change() -> RemovedLink:
        lock_submission(removed.submission_id)
        current = db.session.get(EvidenceLink, link_id)
        if current is not None:
            _drop_link(actor_id, current, removed.indicator_code)
        if removed.chunk_id is not None:
            db.session.execute(
                delete(SuggestionDecision).where(
                    SuggestionDecision.evaluator_id == actor_id,
                    SuggestionDecision.submission_id == removed.submission_id,
                    SuggestionDecision.indicator_id == removed.indicator_id,
                    SuggestionDecision.chunk_id == removed.chunk_id,
                    SuggestionDecision.decision == Decision.ACCEPTED.value,
                )
            )
        return removed

    done = _once(change)
    rechecks.request(done.submission_id)
    coverage.request(done.submission_id)
    summary_queue.request(done.submission_id, done.indicator_id)
    return done


def _squeeze(text: str) -> str:
    return " ".join(text.split())


def link_citation(
    actor_id: int,
    submission_id: int,
    indicator_id: int,
    document_id: int,
    page: int,
    *,
    quote: str = "",
    note: str = "",
) -> EvidenceLink:
    """Link a page of a document (and optionally a quote on it) as evidence: the command line's
    `reviewapp link`, for citations that are not a search hit.

    The quote must appear on that page (whitespace-insensitive); when it lies inside one
    passage, the link is that passage's link (accepted, as from the UI). Idempotent like
    `link_passage`. Raises Conflict (finalized round), Forbidden (not assigned), NotFound
    (document or indicator outside the submission), Invalid (page out of range, quote not on
    the page).
    """
    require_open_submission(submission_id)
    require_assigned(actor_id, submission_id)
    indicator = indicator_in(submission_id, indicator_id)
    document = db.session.get(Document, document_id)
    if document is None or document.submission_id != submission_id:
        raise NotFound(f"no document {document_id} in submission {submission_id}")
    pages = {p.number: p.text for p in document.pages}
    if page not in pages:
        raise Invalid(
            {
                "page": _(
                    "Document %(doc)s has no page %(page)s (pages 1 to %(n)s).",
                    doc=document.filename,
                    page=page,
                    n=max(pages, default=0),
                )
            }
        )
    quote = _squeeze(quote)
    if quote and quote not in _squeeze(pages[page]):
        raise Invalid(
            {
                "quote": _(
                    "The quote is not on page %(page)s of %(doc)s.",
                    page=page,
                    doc=document.filename,
                )
            }
        )
    chunk = next(
        (c for c in document.chunks if c.page == page and quote and quote in _squeeze(c.text)),
        None,
    )

    def change() -> EvidenceLink:
        lock_submission(submission_id)
        if chunk is not None:
            _set_decision(actor_id, submission_id, indicator, chunk, Decision.ACCEPTED.value)
            existing = db.session.scalar(_own_link(actor_id, submission_id, indicator.id, chunk.id))
            if existing is not None:
                return existing
        existing = db.session.scalar(
            _own_citation(actor_id, submission_id, indicator.id, document.id, page, quote)
        )
        if existing is not None:
            return existing
        return _new_link(
            actor_id,
            submission_id,
            indicator,
            document.id,
            page,
            chunk_id=chunk.id if chunk is not None else None,
            quote=quote,
            note=note,
        )

    link = _once(change)
    rechecks.request(submission_id)
    coverage.request(submission_id)
    summary_queue.request(submission_id, indicator_id)
    return link


def indicators_citing(viewer: User, document_id: int) -> list[tuple[Indicator, int]]:
    """The indicators whose evidence links cite ``document_id``, as ``viewer`` may see them
    (sees_all_links per indicator: their own links, everyone's once they may), with how many
    visible links each; in framework order."""
    rows = db.session.execute(
        select(
            EvidenceLink.indicator_id, EvidenceLink.submission_id, EvidenceLink.evaluator_id
        ).where(EvidenceLink.document_id == document_id)
    ).all()
    counts: dict[int, int] = {}
    for indicator_id, submission_id, evaluator_id in rows:
        if evaluator_id == viewer.id or sees_all_links(viewer, submission_id, indicator_id):
            counts[indicator_id] = counts.get(indicator_id, 0) + 1
    if not counts:
        return []
    found = db.session.scalars(
        select(Indicator).where(Indicator.id.in_(counts)).order_by(Indicator.position)
    )
    return [(indicator, counts[indicator.id]) for indicator in found]
