"""Does the evidence bear out the points a claim asks for? The rubric level behind the points,
and a sentence of the evidence that says the opposite of that level's requirement.

Pure functions, no Flask, no database (issue 14). ``reviewapp.claim_check`` compares the
figures of a claim with the evidence; an applicant over-claims in another way too, by
asking for the points of a rubric level whose requirement the evidence denies in words:
40 of 50 points for "스마트도시계획 수립" is level 4, "승인된 법정계획이 있고 사업계획이
구체적임", while the applicant's own plan says "현재 국토교통부 승인을 받은 스마트도시계획은
없다". ``level_doubt`` finds such a sentence. The rules:

1. The claimed level: the rubric level with the highest ``points_pct`` at or below the
   claimed points as a percentage of the indicator's maximum (qualitative indicators; a
   quantitative indicator's bands are prose and are not read here).
2. Levels that concede absence: a level whose description says the thing is missing or only
   planned ("없음", "확인되지 않음", "계획 단계", "계획만 있음", "수립 중", "추진 중") or
   deficient ("미비", "미흡", "그침", "제한적", ...). A denial is consistent with such a level,
   so a claim at one is never doubted on its own level's words.
3. A denial is one clause of a passage (lines, sentences and clauses after "~며,", "~고,"
   are cut apart; a table row is one clause; a sentence wrapped over two lines is two, so a
   denial split by a line break is missed rather than made up) holding a predicate that negates ("없다", "않았다", "아니다", "미수립",
   "미구축", "미정", "검토 예정", ...), read within its brackets when it stands in brackets
   ("(시행규칙 미제정)") and else outside them, and either
   a. two or more content words (kiwi morphemes; numbers, common verbs and fillers dropped)
      of the claimed level's description (its only one, when it has one), when that level
      concedes nothing (rule 2); or
   b. the indicator's subject, the title without its trailing "구축·운영"-like words (spaces
      ignored: "도시 데이터 허브" in "도시 데이터 허브는 구축되어 있지 않으며"), when the
      claimed level is above every level that concedes absence.
4. The first denial in passage order is returned, with its clause's span in the passage; none
   when the rubric, the points or the passages give nothing to go on.

A denial makes a claim doubtful, never contradicted by itself: the words are matched, not
understood, and a person reads the clause (reviewapp/services/claims.py shows it).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from search_index._korean import morphemes

__all__ = ["LevelDoubt", "claimed_level", "clauses", "level_doubt", "subject_of"]

# Rule 2: a level description that concedes absence ...
_ABSENT = re.compile(
    r"없음|없다|않음|확인되지\s*않|계획\s*단계|계획만|수립\s*중|추진\s*중|검토\s*중|미수립|미구축|미설치"
)
# ... or a deficiency.
_DEFICIENT = re.compile(r"미비|미흡|미미|그침|머무름|제한적|불명확|불규칙|일부|비정기|간헐|단순")
# Rule 3: a negating predicate (not "없는"/"않는" before a noun: "센터가 없는 지역").
_NEGATION = re.compile(
    r"없(?:다|으며|고|음|어|었|습니다)|않(?:는다|았|으며|고|음|아|다|습니다)|아니(?:다|며|고)|아닌|"
    r"미(?:수립|구축|설치|실시|도입|운영|마련|승인|제정|개최|정(?![가-힣]))|"
    r"검토\s*(?:중|예정)|계획\s*단계"
)
# Clause boundaries: line breaks (a table row stays whole), sentence ends, "~며," / "~고,".
_CLAUSE_END = re.compile(r"\n|(?<=[다음함됨])\.(?=\s|$)|(?<=[며고나만서]),\s")
# Words of the rubric that say nothing about what is required.
_STOP_WORDS = (
    "있 없 하 되 받 갖추 이루 수준 구체 시간 등 위주 완비 정례 이상 미만 일부 여러 전 중 "
    "및 또는 경우 단계 확인 대상 모두 주요 다수 복수 단일 기본 일반 정기 상시 운영 구축 "
    "수립 추진 실시 실적 관련 활동 사업 계획 도시 스마트"
)
_STOP = frozenset(_STOP_WORDS.split())
# Rule 3b: words that end a title without naming its subject.
_TITLE_TAIL_WORDS = "구축 운영 수립 조성 도입 추진 관리 제정 육성 강화 확보 촉진"
_TITLE_TAIL = frozenset(_TITLE_TAIL_WORDS.split())


@dataclass(frozen=True)
class LevelDoubt:
    """A clause of passage ``passage_id`` that denies what claimed level ``level`` needs."""

    level: int
    label: str  # the level's Korean label (우수)
    requirement: str  # the level's description
    points_pct: Decimal
    passage_id: int
    span: tuple[int, int]  # the clause, in the passage's text
    clause: str
    words: tuple[str, ...]  # what matched: the requirement's words, or the subject


def _pct(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def claimed_level(
    rubric: Sequence[Mapping[str, Any]], max_points: Decimal | int | str, claimed: Any
) -> Mapping[str, Any] | None:
    """Rule 1: the rubric row the claimed points reach, or None (no rubric, no points)."""
    points, top = _pct(claimed), _pct(max_points)
    if points is None or not top or not rubric:
        return None
    pct = points * 100 / top
    rows = [r for r in rubric if _pct(r.get("points_pct")) is not None]
    if not rows:
        return None
    reached = [r for r in rows if _pct(r["points_pct"]) <= pct + Decimal("0.001")]  # type: ignore[operator]
    if not reached:
        return min(rows, key=lambda r: _pct(r["points_pct"]))  # type: ignore[arg-type, return-value]
    return max(reached, key=lambda r: _pct(r["points_pct"]))  # type: ignore[arg-type, return-value]


def concedes_absence(description: str) -> bool:
    return bool(_ABSENT.search(description or ""))


def concedes(description: str) -> bool:
    """Rule 2: the level admits absence or deficiency."""
    return concedes_absence(description) or bool(_DEFICIENT.search(description or ""))


def subject_of(title: str) -> str:
    """Rule 3b: the title without its trailing generic words, spaces removed ("" when nothing
    specific is left): "도시 데이터 허브 구축·운영" -> "도시데이터허브"."""
    words = re.split(r"[\s·,/]+", (title or "").strip())
    while words and (not words[-1] or words[-1] in _TITLE_TAIL):
        words.pop()
    subject = "".join(words)
    return subject if len(subject) >= 3 else ""


def _words(text: str) -> set[str]:
    return {
        t for t, _, _ in morphemes(text) if len(t) >= 2 and t not in _STOP and not t[0].isdigit()
    }


def clauses(text: str) -> list[tuple[int, int]]:
    """Spans of ``text``'s clauses (rule 3), stripped, empty ones dropped."""
    spans, start = [], 0
    for m in _CLAUSE_END.finditer(text):
        spans.append((start, m.end()))
        start = m.end()
    spans.append((start, len(text)))
    out = []
    for a, b in spans:
        piece = text[a:b]
        lead = len(piece) - len(piece.lstrip())
        trail = len(piece.rstrip(" \n|,"))
        if trail > lead:
            out.append((a + lead, a + trail))
    return out


_BRACKETS = re.compile(r"\([^()]*\)|\[[^\[\]]*\]|（[^（）]*）")


def _negated(clause: str) -> str | None:
    """The part of ``clause`` a negation speaks of, or None: the bracketed group that holds
    it ("(시행규칙 미제정)" is about 시행규칙 only), else the clause without its bracketed
    groups (which the negation outside them does not speak of)."""
    for m in _BRACKETS.finditer(clause):
        if _NEGATION.search(m.group()):
            return m.group()[1:-1]
    outside = _BRACKETS.sub(" ", clause)
    return outside if _NEGATION.search(outside) else None


def level_doubt(
    rubric: Sequence[Mapping[str, Any]],
    max_points: Decimal | int | str,
    claimed_points: Any,
    title: str,
    passages: Iterable[tuple[int, str]],
) -> LevelDoubt | None:
    """The first clause of ``passages`` ((id, text) pairs) that denies the claimed level."""
    row = claimed_level(rubric, max_points, claimed_points)
    if row is None:
        return None
    description = str(row.get("description") or "")
    level = int(row.get("level") or 0)
    required = set() if concedes(description) else _words(description)
    absent_levels = [
        int(r.get("level") or 0)
        for r in rubric
        if concedes_absence(str(r.get("description") or ""))
    ]
    subject = subject_of(title) if absent_levels and level > max(absent_levels) else ""
    if not required and not subject:
        return None
    for passage_id, text in passages:
        for a, b in clauses(text or ""):
            clause = text[a:b]
            scope = _negated(clause)
            if scope is None:
                continue
            if subject and subject in re.sub(r"\s+", "", scope):
                words: tuple[str, ...] = (subject,)
            else:
                # the negating word's own stem does not count ("미제정" is not "제정")
                found = required & _words(_NEGATION.sub(" ", scope)) if required else set()
                if not found or len(found) < min(2, len(required)):
                    continue
                words = tuple(sorted(found))
            return LevelDoubt(
                level=level,
                label=str(row.get("label_ko") or row.get("label_en") or ""),
                requirement=description,
                points_pct=_pct(row.get("points_pct")) or Decimal(0),
                passage_id=passage_id,
                span=(a, b),
                clause=clause,
                words=words,
            )
    return None
