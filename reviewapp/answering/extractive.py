"""Extractive answering: the sentence inside the top passages that answers the question.

Each sentence of the retrieved passages is scored (all terms 0-1)::

    score = W_COS * meaning + W_LEX * words + W_PASSAGE * passage + W_CUE * cue

``meaning``: the sentence vector's cosine with the question's, rescaled from
[COS_FLOOR, 1] to [0, 1] (e5 puts unrelated Korean sentences near 0.75);
``words``: the share of the question's content words (kiwi morphemes, search_index's
:func:`~search_index.content_terms`) in the sentence and its neighbours;
``passage``: the passage's retrieval score; ``cue``: :func:`cues.cue_score` for the
question's type. The answer's confidence is the best sentence's score, unless the words of
the question are too few in the best passage (a question about something else shares the
topic's words, not the question's own). Weights and THRESHOLD were fitted on KorQuAD dev
questions by ``bench/bench_answering.py`` (bench/results/answering.md).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .contract import LABEL_EVIDENCE, MAX_SUPPORT, Answer, Citation, Passage
from .cues import OTHER, cue_score, question_type
from .sentences import SentenceVectors, terms_of

W_COS = 0.35
W_LEX = 0.40
W_PASSAGE = 0.10
W_CUE = 0.15
COS_FLOOR = 0.70
# A question without Hangul (English) shares few words with Korean evidence: meaning
# carries it (weights: meaning, words, passage, cue).
CROSS_LINGUAL = (0.60, 0.10, 0.10, 0.20)
THRESHOLD = 0.45  # confidence below this: "not found" (bench/bench_answering.py)
TOP_PASSAGES = 6
_HANGUL = re.compile(r"[가-힣]")


@dataclass(frozen=True)
class ScoredSentence:
    """A candidate: passage ``p`` (index into the passages), its sentence ``span``, its
    ``score`` and the parts of it."""

    p: int
    span: tuple[int, int]
    score: float
    meaning: float
    words: float
    cue: float


def score_sentences(
    question: str, passages: Sequence[Passage], sv: SentenceVectors, query_terms_from: str = ""
) -> list[ScoredSentence]:
    """Every sentence of ``passages`` scored for ``question`` (best first). The question's
    content words come from ``query_terms_from`` when given (a follow-up's full query)."""
    if not passages:
        return []
    qtype = question_type(question)
    w_cos, w_lex, w_passage, w_cue = W_COS, W_LEX, W_PASSAGE, W_CUE
    if not _HANGUL.search(question):
        w_cos, w_lex, w_passage, w_cue = CROSS_LINGUAL
    qterms = set(terms_of(query_terms_from or question))
    qvec = sv.query(query_terms_from or question)
    sents = sv.get([(p.chunk_id, p.text) for p in passages])
    out: list[ScoredSentence] = []
    for i, (p, s) in enumerate(zip(passages, sents, strict=True)):
        if not s.spans:
            continue
        cos = s.vectors @ qvec if len(s.vectors) else np.zeros(len(s.spans))
        terms = s.terms
        for j, (a, b) in enumerate(s.spans):
            near = terms[j] | (terms[j - 1] if j else set())
            own = len(qterms & terms[j]) / len(qterms) if qterms else 0.0
            ctx = len(qterms & near) / len(qterms) if qterms else 0.0
            words = 0.7 * own + 0.3 * ctx
            meaning = max(0.0, (float(cos[j]) - COS_FLOOR) / (1 - COS_FLOOR))
            if qtype.kind == OTHER:
                cue = 0.5
            else:
                key = (qtype, j)
                if key not in s.memo:  # numbers and dates are read once per sentence
                    s.memo[key] = cue_score(qtype, p.text[a:b])
                cue = s.memo[key]
            score = w_cos * meaning + w_lex * words + w_passage * p.score + w_cue * cue
            out.append(ScoredSentence(i, (a, b), score, meaning, words, cue))
    out.sort(key=lambda c: -c.score)
    return out


def _citation(p: Passage, span: tuple[int, int], score: float) -> Citation:
    return Citation(
        chunk_id=p.chunk_id,
        document_id=p.document_id,
        document=p.document,
        page=p.page,
        passage=p.text,
        sentence=p.text[span[0] : span[1]],
        span=span,
        label=p.label,
        score=round(score, 4),
    )


def answer(
    question: str,
    passages: Sequence[Passage],
    sv: SentenceVectors,
    *,
    query: str = "",
    threshold: float = THRESHOLD,
) -> Answer:
    """The extractive :class:`Answer` to ``question`` from ``passages`` (retrieval order).

    Evidence passages answer first; the applicant's own documents and references only when
    no evidence sentence reaches ``threshold``. Not found: ``found`` False, ``text`` "" and
    the closest passages (their best sentences) as citations."""
    query = query or question
    passages = list(passages)[:TOP_PASSAGES]
    scored = score_sentences(question, passages, sv, query_terms_from=query)
    if not scored:
        return Answer(question, query, "", False)
    evidence = [c for c in scored if passages[c.p].label == LABEL_EVIDENCE]
    others = [c for c in scored if passages[c.p].label != LABEL_EVIDENCE]
    best = None
    for pool in (evidence, others):
        if pool and pool[0].score >= threshold:
            best = pool[0]
            break
    # one sentence per passage, best first, evidence before the rest
    per_passage: dict[int, ScoredSentence] = {}
    for c in scored:
        per_passage.setdefault(c.p, c)
    ranked = sorted(
        per_passage.values(),
        key=lambda c: (passages[c.p].label != LABEL_EVIDENCE, -c.score),
    )
    if best is None:
        top = scored[0]
        return Answer(
            question,
            query,
            "",
            False,
            confidence=round(top.score, 4),
            citations=[_citation(passages[c.p], c.span, c.score) for c in ranked[:MAX_SUPPORT]],
        )
    # supporting citations: the next-best sentences, at most two of any passage (the
    # answering passage's second sentence may hold the answer when the best one only
    # restates the question), evidence before the applicant's own and references
    support: list[ScoredSentence] = []
    used = {best.p: 1}
    for c in sorted(scored, key=lambda c: (passages[c.p].label != LABEL_EVIDENCE, -c.score)):
        if c is best or used.get(c.p, 0) >= 2:
            continue
        support.append(c)
        used[c.p] = used.get(c.p, 0) + 1
        if len(support) == MAX_SUPPORT:
            break
    cites = [_citation(passages[best.p], best.span, best.score)]
    cites += [_citation(passages[c.p], c.span, c.score) for c in support]
    return Answer(
        question,
        query,
        passages[best.p].text[best.span[0] : best.span[1]],
        True,
        confidence=round(best.score, 4),
        citations=cites,
    )
