"""An indicator of a submission's round, and the queries that find its evidence."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from search_index import MAX_QUERY_CHARS

from ..extensions import db
from ..models import Indicator, Score, Submission
from .errors import NotFound


def indicator_for(submission: Submission, code: str) -> Indicator:
    """The indicator ``code`` of the framework the submission's round pins; NotFound else."""
    indicator = db.session.scalar(
        select(Indicator).where(
            Indicator.framework_id == submission.round.framework_id, Indicator.code == code
        )
    )
    if indicator is None:
        raise NotFound(f"no indicator {code} in this round")
    return indicator


# query syntax a framework file never means: wildcards and phrase quotes
_SYNTAX = str.maketrans({"*": " ", "?": " ", '"': " "})


def keyword_query(indicator: Indicator) -> str:
    """The indicator's title and search hints, each once: alternatives for BM25 (and the
    default query of the indicator's search box).

    Always within the search limits (search_index.MAX_QUERY_CHARS; no wildcard or phrase
    syntax), whatever a framework file holds: longer text is cut at a word boundary.
    """
    words = [indicator.title_ko, *indicator.search_hints]
    words = [" ".join(w.translate(_SYNTAX).split()) for w in words if w]
    query = " ".join(dict.fromkeys(w for w in words if w))
    if len(query) > MAX_QUERY_CHARS:
        query = query[: MAX_QUERY_CHARS + 1].rsplit(" ", 1)[0][:MAX_QUERY_CHARS]
    return query


def meaning_query(indicator: Indicator) -> str:
    """What the indicator asks for, in words an applicant's document would use (embedded)."""
    parts = [indicator.title_ko, indicator.title_en, indicator.description]
    parts += [str(level.get("description") or "") for level in (indicator.rubric or [])[:1]]
    parts.append(", ".join(indicator.search_hints or []))
    return " ".join(p.strip() for p in parts if p and p.strip())


@dataclass(frozen=True)
class Neighbours:
    """The indicators around one on the workbench: previous, next, and the next one (after it,
    wrapping round) that the evaluator has not scored at any stage yet."""

    previous: str | None
    next: str | None
    next_unscored: str | None
    position: int  # 1-based
    total: int


def neighbours(submission: Submission, indicator: Indicator, user_id: int) -> Neighbours:
    """``indicator``'s neighbours in its framework's order, for ``user_id``'s scoring."""
    codes = list(
        db.session.scalars(
            select(Indicator.code)
            .where(Indicator.framework_id == submission.round.framework_id)
            .order_by(Indicator.position, Indicator.id)
        )
    )
    scored = set(
        db.session.scalars(
            select(Indicator.code)
            .join(Score, Score.indicator_id == Indicator.id)
            .where(Score.submission_id == submission.id, Score.evaluator_id == user_id)
        )
    )
    at = codes.index(indicator.code) if indicator.code in codes else 0
    after = codes[at + 1 :] + codes[:at]
    return Neighbours(
        previous=codes[at - 1] if at > 0 else None,
        next=codes[at + 1] if at + 1 < len(codes) else None,
        next_unscored=next((c for c in after if c not in scored), None),
        position=at + 1,
        total=len(codes),
    )
