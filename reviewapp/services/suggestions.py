"""Evidence suggestions: passages ranked per indicator, learning from an evaluator's decisions.

Ranking: keywords (the indicator's title and search hints, Korean morphemes and bigrams) and
meaning (the indicator's description and rubric, embedded) fused per query; then the
evaluator's own decisions for this indicator and submission re-rank the rest: the query grows with
the key words of accepted passages (Rocchio on text) and candidates move towards accepted and
away from rejected passages (Rocchio on vectors). Rejected passages are hidden.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from search_index import Feedback, confidence_for

from ..extensions import db
from ..models import Decision, Document, DocumentType, Indicator, Role, Submission, User
from . import evidence
from .indexing import get_index
from .indicators import keyword_query, meaning_query

CANDIDATES = 40
# The keyword query is a list of alternatives (title, search hints), not a sentence: a
# passage holding a few of them is a good match, so BM25 keeps its full weight instead of
# being scaled by keyword coverage as search queries are (bench/results/suggest.md).
KEYWORD_COVERAGE = False
# Suggestions keep the min-max fusion (FUSION_WEIGHTS) that bench/results/suggest.md
# measured (hit@1 0.848, hit@3 0.978): the learned ranker of searches was fitted on
# questions whose keywords and meaning are one text, not on an indicator's hints + rubric.
FUSION = "minmax"


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

    linked: bool = False

    @property
    def strength(self) -> int:
        """0 none, 1 weak, 2 probable, 3 linked evidence exists."""
        if self.linked:
            return 3
        labels = {p.confidence for p in self.passages[:5]}
        if "high" in labels:
            return 2
        return 1 if "medium" in labels else 0


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
    decisions: dict[int, str] | None = None,
    *,
    limit: int = 10,
    mode: str = "hybrid",
    linked: bool = False,
) -> IndicatorSuggestions:
    """The indicator's best passages of the submission, re-ranked by ``decisions`` (chunk id ->
    accepted | rejected: one evaluator's own). ``linked``: evidence is linked already (the
    viewer's own links, or anyone's for a coordinator), which makes the strength 3."""
    index = get_index()
    decisions = decisions or {}
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
        fusion=FUSION,
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
        linked=linked,
    )


def for_indicator(
    viewer: User, submission: Submission, indicator: Indicator, *, limit: int = 10
) -> IndicatorSuggestions:
    """Suggestions as ``viewer`` sees them: an evaluator's ranking learns from their own
    decisions only; a coordinator sees the plain ranking (they decide nothing)."""
    decisions: dict[int, str] = {}
    linked = False
    if viewer.role == Role.EVALUATOR:
        decisions = evidence.decisions_of(viewer.id, submission.id, indicator.id)
        linked = bool(evidence.linked_chunk_ids(viewer.id, submission.id, indicator.id))
    else:
        linked = bool(evidence.links_for(viewer, submission.id, indicator.id))
    return rank(submission, indicator, decisions, limit=limit, linked=linked)


def prepare_indicator_queries(submission_id: int, models: list[str] | None = None) -> int:
    """Encode every indicator's meaning query of the round once (batched, kept on disk)."""
    submission = db.session.get(Submission, submission_id)
    if submission is None:
        return 0
    indicators = submission.round.framework.indicators
    return get_index().prepare_queries([meaning_query(ind) for ind in indicators], models)


def coverage(viewer: User, submission: Submission, *, limit: int = 3) -> list[IndicatorSuggestions]:
    """Every indicator of the round with its best passages: the coverage matrix."""
    prepare_indicator_queries(submission.id)
    return [
        for_indicator(viewer, submission, ind, limit=limit)
        for ind in submission.round.framework.indicators
    ]
