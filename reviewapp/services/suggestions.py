"""Evidence suggestions: passages ranked per indicator, decisions, and learning from them.

Ranking: keywords (the indicator's title and search hints, Korean morphemes and bigrams) and
meaning (the indicator's description and rubric, embedded) fused per query; then the
evaluators' decisions for this indicator and submission re-rank the rest: the query grows with
the key words of accepted passages (Rocchio on text) and candidates move towards accepted and
away from rejected passages (Rocchio on vectors). Rejected passages are hidden.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from search_index import Feedback, confidence_for

from ..extensions import db
from ..models import (
    Decision,
    Document,
    DocumentType,
    EvidenceLink,
    Indicator,
    Submission,
    Suggestion,
    User,
    utcnow,
)
from . import audit
from .access import submission_for
from .errors import NotFound, ServiceError
from .search import link_evidence, passage_in

CANDIDATES = 40
# The keyword query is a list of alternatives (title, search hints), not a sentence: a
# passage holding a few of them is a good match, so BM25 keeps its full weight instead of
# being scaled by keyword coverage as search queries are (bench/results/suggest.md).
KEYWORD_COVERAGE = False


@dataclass(frozen=True)
class SuggestedPassage:
    chunk_id: int
    document_id: int
    document_name: str
    page: int
    score: float
    confidence: str  # high | medium | low
    snippet: str
    text: str
    decision: str | None = None


@dataclass
class DocumentSuggestions:
    document_id: int
    document_name: str
    passages: list[SuggestedPassage] = field(default_factory=list)


@dataclass(frozen=True)
class IndicatorSuggestions:
    indicator: Indicator
    passages: list[SuggestedPassage]
    accepted: int
    rejected: int
    mode: str

    @property
    def by_document(self) -> list[DocumentSuggestions]:
        groups: dict[int, DocumentSuggestions] = {}
        for p in self.passages:
            groups.setdefault(p.document_id, DocumentSuggestions(p.document_id, p.document_name))
            groups[p.document_id].passages.append(p)
        return list(groups.values())

    @property
    def strength(self) -> int:
        """0 none, 1 weak, 2 probable, 3 linked evidence exists."""
        if self.accepted:
            return 3
        labels = {p.confidence for p in self.passages[:5]}
        if "high" in labels:
            return 2
        return 1 if "medium" in labels else 0


def keyword_query(indicator: Indicator) -> str:
    words = [indicator.title_ko, *indicator.search_hints]
    return " ".join(dict.fromkeys(w.strip() for w in words if w and w.strip()))


def meaning_query(indicator: Indicator) -> str:
    """What the indicator asks for, in words an applicant's document would use."""
    parts = [indicator.title_ko, indicator.title_en, indicator.description]
    parts += [str(level.get("description") or "") for level in (indicator.rubric or [])[:1]]
    parts.append(", ".join(indicator.search_hints or []))
    return " ".join(p.strip() for p in parts if p and p.strip())


def _decisions(submission_id: int, indicator_id: int) -> dict[int, str]:
    rows = db.session.execute(
        select(Suggestion.chunk_id, Suggestion.decision).where(
            Suggestion.submission_id == submission_id,
            Suggestion.indicator_id == indicator_id,
            Suggestion.decision.is_not(None),
        )
    )
    decisions: dict[int, str] = {cid: d for cid, d in rows}
    linked = db.session.scalars(
        select(EvidenceLink.chunk_id).where(
            EvidenceLink.submission_id == submission_id,
            EvidenceLink.indicator_id == indicator_id,
            EvidenceLink.chunk_id.is_not(None),
        )
    )
    for cid in linked:
        decisions.setdefault(cid, Decision.ACCEPTED.value)
    return decisions


# The self-evaluation is the applicant's claim, checked against the evidence, never evidence
# for itself; reference material (a statute, a national plan) says what is required, not
# what the city did. Search still finds both.
NOT_EVIDENCE = (DocumentType.SELF_EVALUATION.value, DocumentType.REFERENCE.value)


def _suggestable_documents(submission_id: int) -> list[int]:
    """The documents suggestions come from. Document ids, not a type filter, so that the
    vector stores filter natively."""
    return list(
        db.session.scalars(
            select(Document.id).where(
                Document.submission_id == submission_id,
                Document.doc_type.not_in(NOT_EVIDENCE),
            )
        )
    )


def rank(
    submission: Submission,
    indicator: Indicator,
    *,
    limit: int = 10,
    mode: str = "hybrid",
) -> IndicatorSuggestions:
    from .indexing import get_index

    index = get_index()
    decisions = _decisions(submission.id, indicator.id)
    accepted_ids = [c for c, d in decisions.items() if d == Decision.ACCEPTED.value]
    rejected_ids = [c for c, d in decisions.items() if d == Decision.REJECTED.value]
    # one call: the query grows with accepted passages' words, candidates move towards
    # accepted and away from rejected ones, rejected are hidden and accepted come first
    shown = index.search(
        keyword_query(indicator),
        vector_query=meaning_query(indicator),
        submission_ids=[submission.id],
        document_ids=_suggestable_documents(submission.id),
        limit=CANDIDATES + len(decisions),
        mode=mode,
        keyword_coverage=KEYWORD_COVERAGE,
        feedback=Feedback(accepted_ids, rejected_ids),
        highlight_top=limit,  # only the passages shown get highlights
    )[:limit]
    passages = [
        SuggestedPassage(
            chunk_id=h.chunk_id,
            document_id=h.document_id,
            document_name=h.document_name,
            page=h.page,
            score=round(h.score, 4),
            confidence=confidence_for(h),
            snippet=h.snippet,
            text=h.text,
            decision=decisions.get(h.chunk_id),
        )
        for h in shown
    ]
    return IndicatorSuggestions(
        indicator=indicator,
        passages=passages,
        accepted=len(accepted_ids),
        rejected=len(rejected_ids),
        mode=mode if index.vector_available or mode == "bm25" else "bm25",
    )


def for_indicator(
    user: User, submission_id: int, indicator_code: str, *, limit: int = 10
) -> IndicatorSuggestions:
    submission = submission_for(user, submission_id)
    indicator = _indicator(submission, indicator_code)
    return rank(submission, indicator, limit=limit)


def prepare_indicator_queries(submission: Submission, models: list[str] | None = None) -> int:
    """Encode every indicator's meaning query of the round once (batched, kept on disk)."""
    from .indexing import get_index

    indicators = submission.round.framework.indicators
    return get_index().prepare_queries([meaning_query(ind) for ind in indicators], models)


def coverage(user: User, submission_id: int, *, limit: int = 3) -> list[IndicatorSuggestions]:
    """Every indicator of the round with its best passages: the coverage matrix."""
    submission = submission_for(user, submission_id)
    prepare_indicator_queries(submission)
    return [rank(submission, ind, limit=limit) for ind in submission.round.framework.indicators]


def decide(
    user: User, submission_id: int, indicator_code: str, chunk_id: int, decision: str
) -> Suggestion:
    """Accept (becomes an EvidenceLink) or reject (hidden for this indicator and submission)."""
    if decision not in {d.value for d in Decision}:
        raise ServiceError(f"decision must be accepted or rejected, not {decision!r}")
    submission = submission_for(user, submission_id)
    indicator = _indicator(submission, indicator_code)
    chunk = passage_in(submission, chunk_id)
    row = db.session.scalar(
        select(Suggestion).where(
            Suggestion.submission_id == submission.id,
            Suggestion.indicator_id == indicator.id,
            Suggestion.chunk_id == chunk.id,
        )
    )
    if row is None:
        row = Suggestion(submission_id=submission.id, indicator_id=indicator.id, chunk_id=chunk.id)
        db.session.add(row)
    row.decision = decision
    row.decided_by_id = user.id
    row.decided_at = utcnow()
    db.session.flush()
    audit.record(
        user.id,
        f"suggestion.{decision}",
        "suggestion",
        row.id,
        submission=submission.id,
        indicator=indicator.code,
        chunk=chunk.id,
        page=chunk.page,
    )
    db.session.commit()
    if decision == Decision.ACCEPTED.value:
        link_evidence(user, submission.id, indicator.id, chunk.id)
    return row


def _indicator(submission: Submission, code: str) -> Indicator:
    indicator = db.session.scalar(
        select(Indicator).where(
            Indicator.framework_id == submission.round.framework_id, Indicator.code == code
        )
    )
    if indicator is None:
        raise NotFound(f"no indicator {code} in this round")
    return indicator
