"""Extractive summaries: at most five diverse sentences of an indicator's evidence (MMR).

Maximal marginal relevance (Carbonell & Goldstein, 1998) over sentence vectors: each step
picks the sentence maximising ``LAMBDA * relevance - (1 - LAMBDA) * max cosine to the
sentences already picked``; relevance is the cosine with the indicator's meaning query
(or, without one, with the centroid of all the sentences). Sentences shorter than
MIN_CHARS or without a letter are skipped (table rows of bare figures say nothing alone).
The picked sentences come back grouped by source document (first document first) and in
document order inside each.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .contract import Passage
from .sentences import SentenceVectors

MAX_SENTENCES = 5
LAMBDA = 0.7
MIN_CHARS = 20
_LETTER = re.compile(r"[가-힣A-Za-z]{2}")


@dataclass(frozen=True)
class SummarySentence:
    """A picked sentence with its citation; ``order``: (passage index, start) in input."""

    text: str
    document_id: int
    document: str
    page: int
    chunk_id: int
    label: str

    def as_dict(self) -> dict[str, object]:
        return {
            "text": self.text,
            "document": self.document,
            "document_id": self.document_id,
            "page": self.page,
            "chunk_id": self.chunk_id,
            "label": self.label,
        }


def summarize(
    passages: Sequence[Passage],
    sv: SentenceVectors,
    *,
    query: str = "",
    k: int = MAX_SENTENCES,
    lam: float = LAMBDA,
) -> list[SummarySentence]:
    """At most ``k`` cited sentences of ``passages`` (given in document order: document,
    then position), chosen by MMR; [] when no passage has a usable sentence."""
    passages = list(passages)
    sents = sv.get([(p.chunk_id, p.text) for p in passages])
    cands: list[tuple[int, int, int, int]] = []  # passage, start, end, row
    rows = []
    for i, (p, s) in enumerate(zip(passages, sents, strict=True)):
        for j, (a, b) in enumerate(s.spans):
            text = p.text[a:b].strip()
            if len(text) < MIN_CHARS or not _LETTER.search(text):
                continue
            cands.append((i, a, b, len(rows)))
            rows.append(s.vectors[j])
    if not cands:
        return []
    vecs = np.asarray(rows, dtype=np.float32)
    target = sv.query(query) if query else vecs.mean(axis=0)
    target = target / max(float(np.linalg.norm(target)), 1e-12)
    relevance = vecs @ target
    picked: list[int] = []
    seen_text: set[str] = set()
    while len(picked) < min(k, len(cands)):
        redundancy = (vecs @ vecs[picked].T).max(axis=1) if picked else np.zeros(len(cands))
        mmr = lam * relevance - (1 - lam) * redundancy
        mmr[picked] = -np.inf
        for c, (i, a, b, _r) in enumerate(cands):  # the same sentence twice (repeated pages)
            if " ".join(passages[i].text[a:b].split()) in seen_text:
                mmr[c] = -np.inf
        best = int(np.argmax(mmr))
        if not np.isfinite(mmr[best]):
            break
        picked.append(best)
        i, a, b, _r = cands[best]
        seen_text.add(" ".join(passages[i].text[a:b].split()))
    doc_order: dict[int, int] = {}
    for p in passages:
        doc_order.setdefault(p.document_id, len(doc_order))
    picked.sort(
        key=lambda c: (doc_order[passages[cands[c][0]].document_id], cands[c][0], cands[c][1])
    )
    out = []
    for c in picked:
        i, a, b, _r = cands[c]
        p = passages[i]
        out.append(
            SummarySentence(
                p.text[a:b].strip(), p.document_id, p.document, p.page, p.chunk_id, p.label
            )
        )
    return out
