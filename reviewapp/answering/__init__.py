"""Question answering and evidence summaries behind one contract (like extractors/).

:func:`extractive.answer` turns retrieved :class:`Passage` objects into an :class:`Answer`
(the answering sentence and its citations, or "not found" with the closest passages);
:func:`summary.summarize` picks at most five diverse, cited sentences. Both take their
sentence vectors from :mod:`.sentences` only. This package does no database or access
work: ``reviewapp/services/answering.py`` scopes retrieval to what the user may see.
"""

from __future__ import annotations

from .contract import (
    LABEL_CLAIM,
    LABEL_EVIDENCE,
    LABEL_REFERENCE,
    MAX_SUPPORT,
    Answer,
    Citation,
    Passage,
)
from .sentences import SentenceVectors, sentence_vectors_for

__all__ = [
    "LABEL_CLAIM",
    "LABEL_EVIDENCE",
    "LABEL_REFERENCE",
    "MAX_SUPPORT",
    "Answer",
    "Citation",
    "Passage",
    "SentenceVectors",
    "sentence_vectors_for",
]
