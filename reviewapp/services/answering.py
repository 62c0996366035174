"""Ask the evidence (issue 16): retrieval scoped to one submission, extractive answers,
saved conversations.

Access is resolved by the caller (views: ``access.submission_for``; the CLI the same);
:func:`ask` checks again that the asking user may see the submission and searches that
submission only, so no question of an evaluator reaches an unassigned submission's passages.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import numpy as np
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from search_index import QueryRejected, load_embedder

from ..answering import (
    LABEL_CLAIM,
    LABEL_EVIDENCE,
    LABEL_REFERENCE,
    Answer,
    Passage,
    extractive,
    generative,
    sentence_vectors_for,
)
from ..answering.sentences import SentenceVectors
from ..extensions import db
from ..models import Document, DocumentType, Indicator, Question, Role, User, utcnow
from . import access, audit, evidence, suggestions
from .errors import Invalid, NotFound
from .indexing import get_index

RETRIEVE = 8  # passages retrieved per question (the answer is picked in the top 6)
MAX_QUESTION_CHARS = 500
FOLLOW_UP_WINDOW = timedelta(hours=2)  # a later question starts a new subject
SCOPE_SUGGESTIONS = 10  # an indicator's top suggestions that join its linked evidence

_CLAIM_TYPES = {
    DocumentType.SELF_EVALUATION.value,
    DocumentType.APPLICATION.value,
    DocumentType.QUANTITATIVE.value,
}
# A question that leans on the previous one: "그중", "그 중", "이 중", "그것", "those" ...
_FOLLOW_UP = re.compile(
    r"^\s*(?:그\s*중|이\s*중|그\s*가운데|그것|그거|그곳|거기|그때|그\s+|이\s+|또|그리고|"
    r"and\b|of\s+(?:them|those)|those\b|them\b|it\b|they\b|which\s+of)",
    re.I,
)


def label_for(doc_type: str) -> str:
    """evidence (and other) -> evidence; self_evaluation/application/quantitative -> claim
    ("신청기관 주장"); reference -> reference ("참고자료")."""
    if doc_type in _CLAIM_TYPES:
        return LABEL_CLAIM
    if doc_type == DocumentType.REFERENCE.value:
        return LABEL_REFERENCE
    return LABEL_EVIDENCE


class _NoVectors:
    """Stands in for the embedder when embeddings are switched off
    (REVIEWAPP_EMBEDDINGS_ENABLED=false): every sentence gets the same zero vector, so
    answers rest on shared words and cues alone and summaries keep the first distinct
    sentences in document order."""

    def encode_documents(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        return np.zeros((len(texts), 1), dtype=np.float32)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return np.zeros((len(texts), 1), dtype=np.float32)


_NO_VECTORS = _NoVectors()


def sentence_vectors() -> SentenceVectors:
    """The process's sentence vectors: the index's stored e5 sentence vectors, the e5 model
    the index uses for passages without them (zero vectors when embeddings are switched
    off, see :class:`_NoVectors`)."""
    if not current_app.config["EMBEDDINGS_ENABLED"]:
        return sentence_vectors_for(_NO_VECTORS)
    model = Path(current_app.config["EMBEDDING_MODEL"])
    return sentence_vectors_for(load_embedder("e5", model_dir=model), get_index())


def is_follow_up(question: str) -> bool:
    """Whether ``question`` refers back ("그중 2024년에 설치된 것은?")."""
    return bool(_FOLLOW_UP.search(question))


def previous_question(
    user_id: int, submission_id: int, indicator_id: int | None
) -> Question | None:
    """The user's last question of this conversation, if asked within FOLLOW_UP_WINDOW."""
    last = db.session.scalar(
        select(Question)
        .where(
            Question.user_id == user_id,
            Question.submission_id == submission_id,
            Question.indicator_id.is_(None)
            if indicator_id is None
            else Question.indicator_id == indicator_id,
        )
        .order_by(Question.id.desc())
        .limit(1)
    )
    if last is None or utcnow() - last.asked_at > FOLLOW_UP_WINDOW:
        return None
    return last


def scope_documents(user: User, submission_id: int, indicator: Indicator) -> list[int]:
    """An indicator's evidence: documents of the links ``user`` may see and of the
    indicator's top suggestions (imported here to keep suggestions free of answering)."""

    docs = {link.document_id for link in evidence.links_for(user, submission_id, indicator.id)}
    submission = access.submission_for(user, submission_id)
    ranked = suggestions.rank(submission, indicator, limit=SCOPE_SUGGESTIONS)
    docs |= {p.document_id for p in ranked.passages}
    return sorted(docs)


def retrieve(
    query: str, submission_id: int, document_ids: list[int] | None, limit: int = RETRIEVE
) -> list[Passage]:
    """The hybrid retrieval's best passages of one submission (of ``document_ids`` when
    given), labelled by document type; the retrieval score becomes 1 - rank/limit."""
    hits = get_index().search(
        query,
        submission_ids=[submission_id],
        document_ids=document_ids,
        limit=limit,
        mode="hybrid",
        highlight=False,
    )
    types = dict(
        db.session.execute(
            select(Document.id, Document.doc_type).where(
                Document.id.in_({h.document_id for h in hits})
            )
        ).all()
    )
    return [
        Passage(
            chunk_id=h.chunk_id,
            document_id=h.document_id,
            document=h.document_name,
            page=h.page,
            text=h.text,
            score=1.0 - i / max(limit, 1),
            rank=i,
            label=label_for(types.get(h.document_id, "")),
        )
        for i, h in enumerate(hits)
        if h.document_id in types  # a document deleted after indexing
    ]


def answer_question(
    question: str,
    submission_id: int,
    *,
    document_ids: list[int] | None = None,
    previous: str = "",
) -> Answer:
    """The extractive answer (no saving, no access check: callers resolve access first).
    ``previous``: the earlier question whose subject a follow-up keeps."""
    query = f"{previous} {question}".strip() if previous else question
    passages = retrieve(query, submission_id, document_ids)
    return extractive.answer(question, passages, sentence_vectors(), query=query)


def with_generation(result: Answer) -> Answer:
    """``result`` rewritten by the configured LLM (LLM_URL and LLM_MODEL) from its cited
    passages, or ``result`` itself, with the reason in ``notice`` when the model's answer
    was refused or failed. Without LLM_URL: ``result`` unchanged."""
    cfg = current_app.config
    if not cfg.get("LLM_URL") or not cfg.get("LLM_MODEL") or not result.citations:
        return result
    sources = list({c.chunk_id: c for c in result.citations}.values())
    try:
        written = generative.generate(
            result.question,
            sources,
            url=str(cfg["LLM_URL"]),
            model=str(cfg["LLM_MODEL"]),
            timeout=float(cfg.get("LLM_TIMEOUT_SECONDS") or 30),
            allow_remote=bool(cfg.get("LLM_ALLOW_REMOTE")),
        )
    except generative.GenerationRefused as exc:
        result.notice = str(exc)
        return result
    return replace(written, query=result.query, confidence=result.confidence)


def ask(
    user_id: int, submission_id: int, question: str, *, indicator_code: str | None = None
) -> tuple[Answer, Question]:
    """Answer ``question`` for ``user_id`` from submission ``submission_id`` (scoped to the
    indicator's evidence when ``indicator_code`` is given), save it in the user's
    conversation and the audit log. Raises NotFound when the user may not see the
    submission (or indicator), Invalid for an empty or over-long question."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(f"no user {user_id}")
    question = " ".join(question.split())
    if not question:
        raise Invalid({"question": _("Ask a question.")})
    if len(question) > MAX_QUESTION_CHARS:
        raise Invalid({"question": _("A question has at most %(n)d characters.", n=MAX_QUESTION_CHARS)})
    indicator = None
    if indicator_code:
        submission, indicator = access.indicator_for(user, submission_id, indicator_code)
    else:
        submission = access.submission_for(user, submission_id)
    if submission.id not in access.visible_submission_ids(user):  # defence in depth
        raise NotFound(f"no submission {submission_id}")
    indicator_id = indicator.id if indicator else None
    prev = previous_question(user.id, submission.id, indicator_id)
    previous = prev.query if prev is not None and is_follow_up(question) else ""
    docs = scope_documents(user, submission.id, indicator) if indicator else None
    try:
        result = answer_question(question, submission.id, document_ids=docs, previous=previous)
    except QueryRejected as exc:
        raise Invalid({"question": exc.message}) from exc
    result = with_generation(result)
    record = Question(
        user_id=user.id,
        submission_id=submission.id,
        indicator_id=indicator_id,
        question=question,
        query=result.query,
        answer=result.text,
        found=result.found,
        mode=result.mode,
        notice=result.notice,
        confidence=result.confidence,
        citations=[c.as_dict() for c in result.citations],
    )
    db.session.add(record)
    db.session.flush()
    audit.record(
        user.id,
        "question.asked",
        "question",
        record.id,
        submission=submission.id,
        indicator=indicator.code if indicator else None,
        mode=result.mode,
        found=result.found,
        notice=result.notice,
    )
    db.session.commit()
    return result, record


def conversation(
    viewer: User, submission_id: int, *, indicator_id: int | None = None, user_id: int | None = None
) -> list[Question]:
    """Saved questions of a submission, oldest first: an evaluator's own only; coordinators
    and admins everyone's (or ``user_id``'s). ``indicator_id`` None: the submission panel."""
    query = select(Question).where(Question.submission_id == submission_id)
    query = query.where(
        Question.indicator_id.is_(None)
        if indicator_id is None
        else Question.indicator_id == indicator_id
    )
    if viewer.role == Role.EVALUATOR:
        query = query.where(Question.user_id == viewer.id)
    elif user_id is not None:
        query = query.where(Question.user_id == user_id)
    return list(db.session.scalars(query.order_by(Question.id)))
