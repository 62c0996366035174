"""Exact names first: a keyword bonus for passages that hold the query's compound names in
one piece.

BM25 scores words one by one: for ``재난 안전 통신 망`` (or ``재난안전통신망``) a passage on
``재난관리 통신`` or a table repeating ``통신망`` can outscore the one that names
``재난안전통신망``. The query's names are its runs of two or more adjacent nouns
(:func:`search_index._korean.noun_runs`: ``재난 안전 통신 망`` is 재난+안전+통신+망). A
passage holds a piece of a run when its Hangul, spaces removed, contains adjacent nouns of
the run written together (with or without spaces between them). Its contiguity is the share
of the runs' adjacent noun pairs inside the longest piece it holds of each run. Its BM25
score grows by contiguity times the best BM25 score among the candidates, times
``CONTIGUITY_WEIGHT * share ** NAME_SHARE_POWER``, ``share`` being how much of the query its
names make up: a query that is a name gets the whole bonus, and then a passage holding the
name whole comes before every passage holding no two of its nouns together; a question
that mentions a name on the way hardly any (its answer may word the name otherwise).

Measured with bench/bench_fusion.py (KorQuAD question -> paragraph, KLUE-STS paraphrase;
BM25 alone R@1 0.900 and 0.800 without a bonus), weaker designs lowered the figures: a
bonus for any run of three or more syllables shared with the query, endings and particles
included (``설명해줘``, ``사항은``): paraphrase 0.746 at weight 0.5; for runs of nouns at
weight 0.5 without the share: KorQuAD 0.880, paraphrase 0.782; with ``share ** 2``: 0.895 and
0.791; with ``share ** 6`` BM25 alone held but the 50/50 BM25+e5 fusion lost a KorQuAD
question. With ``share ** 10`` no method or chosen-weight row of bench/results/fusion.md
moves (a few grid points off the chosen weights move by one question, both ways).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from ._korean import morphemes, noun_runs
from ._whoosh import RawHit

__all__ = [
    "CONTIGUITY_POOL",
    "CONTIGUITY_WEIGHT",
    "MIN_WEIGHT",
    "NAME_SHARE_POWER",
    "QueryNames",
    "contiguity",
    "name_share",
    "query_names",
    "query_runs",
    "rerank",
]

# At 1 a name query's exact passages pass every passage without a piece of the name; the
# power keeps the bonus to queries made of names: share 1 -> 1, 0.9 -> 0.35, 0.75 -> 0.06,
# 0.5 -> 0.001 (bench/bench_fusion.py; see above).
CONTIGUITY_WEIGHT = 1.0
NAME_SHARE_POWER = 10.0
# Below this weight (a query whose names hold under 63 % of its words) the bonus could only
# break near-ties: BM25 answers alone, without reading a hundred candidates (reading and
# checking them took a 10-hit search of the 964 KorQuAD paragraphs from 4.8 to 9.2 ms, p50).
MIN_WEIGHT = 0.01
# BM25 candidates the bonus may reorder (index.HYBRID_CANDIDATES): a passage naming the
# query exactly but ranked below the page asked for still comes up.
CONTIGUITY_POOL = 100

_HANGUL_RUN_RE = re.compile(r"[\uac00-\ud7a3]+(?:\s+[\uac00-\ud7a3]+)*")
_SPACES_RE = re.compile(r"\s+")


def query_runs(query: str) -> list[tuple[str, ...]]:
    """The query's names: its runs of two or more adjacent nouns (``"재난 안전 통신 망의
    구축"`` -> ``[("재난", "안전", "통신", "망")]``); none, no bonus."""
    return [run for run in noun_runs(query) if len(run) >= 2]


def _hangul(text: str) -> str:
    """The passage's Hangul runs, spaces inside each removed, joined by NUL."""
    return "\0".join(_SPACES_RE.sub("", m.group()) for m in _HANGUL_RUN_RE.finditer(text))


def _longest_piece(run: Sequence[str], passage: str) -> int:
    """The most adjacent noun pairs of ``run`` that ``passage`` holds in one piece (nouns
    ``i`` to ``j`` written together: ``j - i`` pairs); 0 when it holds no two together."""
    best = 0
    for start in range(len(run) - 1):
        end = start + best + 1  # a piece must beat the best to count
        if end >= len(run) or "".join(run[start : end + 1]) not in passage:
            continue
        while end + 1 < len(run) and "".join(run[start : end + 2]) in passage:
            end += 1
        best = end - start
    return best


def contiguity(runs: Sequence[Sequence[str]], text: str) -> float:
    """The share, in [0, 1], of the adjacent noun pairs of ``runs`` (from
    :func:`query_runs`) inside the longest piece of each run that ``text`` holds; 0 without
    runs."""
    total = sum(len(run) - 1 for run in runs)
    if not total:
        return 0.0
    passage = _hangul(text)
    return sum(_longest_piece(run, passage) for run in runs) / total


def name_share(query: str, runs: Sequence[Sequence[str]]) -> float:
    """The share, in [0, 1], of the query's content words (:func:`morphemes`: nouns, verbs,
    Latin words, numbers) that its names (``runs``) hold."""
    words = len(morphemes(query))
    return min(1.0, sum(len(run) for run in runs) / words) if words else 0.0


@dataclass(frozen=True)
class QueryNames:
    """A query's names (:func:`query_runs`) and the weight of their bonus,
    ``CONTIGUITY_WEIGHT * name_share ** NAME_SHARE_POWER``."""

    runs: tuple[tuple[str, ...], ...]
    weight: float


def query_names(query: str) -> QueryNames | None:
    """The names of ``query`` and their bonus weight; None when the bonus would weigh under
    :data:`MIN_WEIGHT` (no names, or names a small part of the query)."""
    runs = query_runs(query)
    if not runs:
        return None
    weight = CONTIGUITY_WEIGHT * name_share(query, runs) ** NAME_SHARE_POWER
    return QueryNames(tuple(runs), weight) if weight >= MIN_WEIGHT else None


def rerank(names: QueryNames, hits: Sequence[RawHit]) -> list[RawHit]:
    """``hits`` (BM25 candidates) each with ``names.weight * contiguity * best score`` added
    to its score, then all scaled so that the best keeps BM25's best score (the query's
    keyword coverage, top score / ceiling, stays BM25's); best first, ties in BM25's order."""
    if not hits:
        return []
    top = max(h.score for h in hits)
    bonus = [names.weight * top * contiguity(names.runs, h.text) for h in hits]
    best = max(h.score + b for h, b in zip(hits, bonus, strict=True))
    scale = top / best if best > 0 else 1.0
    scored = [replace(h, score=(h.score + b) * scale) for h, b in zip(hits, bonus, strict=True)]
    return sorted(scored, key=lambda h: -h.score)
