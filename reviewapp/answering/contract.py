"""The answering contract: what every answerer (extractive, generative) returns.

An :class:`Answer` is the answering sentence (``text``, empty when nothing answers), whether
it was found, which mode wrote it, and its :class:`Citation` list: the answering sentence's
passage first, then up to :data:`MAX_SUPPORT` supporting passages; when nothing answers,
``citations`` holds the closest passages instead (``found`` is False).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

MAX_SUPPORT = 3  # supporting passages shown beside the answering one (issue 16)

# How a cited document's type is labelled: evidence answers; the applicant's own statements
# and reference documents are cited only when nothing else answers (issue 16).
LABEL_EVIDENCE = "evidence"
LABEL_CLAIM = "claim"  # self_evaluation / quantitative / application: "신청기관 주장"
LABEL_REFERENCE = "reference"  # "참고자료"


@dataclass(frozen=True)
class Passage:
    """A retrieved passage: ``score`` is the retrieval's fused score (0-1, higher better),
    ``rank`` its 0-based place, ``label`` one of the LABEL_* names."""

    chunk_id: int
    document_id: int
    document: str
    page: int
    text: str
    score: float
    rank: int
    label: str = LABEL_EVIDENCE


@dataclass(frozen=True)
class Citation:
    """One cited passage; ``sentence``/``span`` the sentence inside ``passage`` that answers
    (span: character offsets into ``passage``; (0, 0) for a closest passage shown alone)."""

    chunk_id: int
    document_id: int
    document: str
    page: int
    passage: str
    sentence: str
    span: tuple[int, int]
    label: str
    score: float

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["span"] = list(self.span)
        return out


@dataclass
class Answer:
    """``text``: the answering sentence ("" when not found); ``query``: what was searched
    (a follow-up carries its previous question's subject); ``mode``: extractive|generative;
    ``confidence``: 0-1, the calibrated score compared with the not-found threshold;
    ``notice``: why the generative mode fell back, or empty."""

    question: str
    query: str
    text: str
    found: bool
    mode: str = "extractive"
    confidence: float = 0.0
    citations: list[Citation] = field(default_factory=list)
    notice: str = ""

    def as_cli_dict(self) -> dict[str, Any]:
        """The shape of ``reviewapp ask --json`` (issue 16)."""
        return {
            "answer": self.text if self.found else "",
            "found": self.found,
            "mode": self.mode,
            "citations": [
                {
                    "document": c.document,
                    "document_id": c.document_id,
                    "page": c.page,
                    "sentence": c.sentence,
                    "passage": c.passage,
                }
                for c in self.citations
            ],
        }
