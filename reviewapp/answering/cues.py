"""Question types and the cues a sentence gives for them (pure functions).

A question asking "how many / how much" (몇, 얼마, how many, how much) wants a number,
best with the counter or unit it names (몇 대 -> 대); "when" (언제, 몇 년, 며칠, when,
what year) wants a date; "where" (어디, where) a place. Numbers and dates are read with
:mod:`reviewapp.korean_numbers` (the claim checker's normalization), places by the
Korean administrative and facility suffixes below.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..korean_numbers import find_dates, find_quantities

QUANTITY = "quantity"
DATE = "date"
PLACE = "place"
OTHER = "other"

_DATE_Q = re.compile(
    r"언제|며칠|몇\s*(?:년|월|일|시)|어느\s*(?:해|때|시기)|연도|날짜|시기|"
    r"\bwhen\b|\bwhat\s+(?:year|date|month|day)\b|\bwhich\s+(?:year|date)\b",
    re.I,
)
_QTY_Q = re.compile(
    r"몇|얼마|\bhow\s+(?:many|much|long|large|big)\b|\bwhat\s+(?:number|amount)\b", re.I
)
_PLACE_Q = re.compile(
    r"어디|어느\s*(?:곳|지역|장소)|위치|\bwhere\b|\bwhich\s+(?:city|place)\b", re.I
)
_COUNTER = re.compile(r"몇\s*(개소|가구|세대|차례|[가-힣])")
# Counters that a "몇 X" question may name and the units the number is written with.
_PLACE_WORD = re.compile(
    r"[가-힣]{1,12}(?:특별시|광역시|시|군|구|도|동|읍|면|리|센터|청|역|공원|학교|대학교|병원|"
    r"관|항|섬|산|강|로|길|국|나라|지역|지구|단지)(?![가-힣])"
    r"|[가-힣]{2,}(?:에서|에)(?![가-힣])"
)


@dataclass(frozen=True)
class QuestionType:
    """``kind``: quantity|date|place|other; ``counter``: the counter a "몇 X" question
    names (대, 명, 개, 곳 ...), "" when none."""

    kind: str
    counter: str = ""


def question_type(question: str) -> QuestionType:
    """The answer type ``question`` asks for (date before quantity: 몇 년 is a date)."""
    if _DATE_Q.search(question):
        return QuestionType(DATE)
    if _QTY_Q.search(question):
        m = _COUNTER.search(question)
        return QuestionType(QUANTITY, m.group(1) if m else "")
    if _PLACE_Q.search(question):
        return QuestionType(PLACE)
    return QuestionType(OTHER)


def cue_score(qtype: QuestionType, sentence: str) -> float:
    """How well ``sentence`` holds what ``qtype`` asks for: 1.0 a fitting value (a number
    with the named counter, a date, a place), 0.5 a weaker fit (a number with another
    unit), 0.0 nothing of the kind; OTHER questions give 0.0 (no cue)."""
    if qtype.kind == OTHER:
        return 0.0
    try:
        if qtype.kind == DATE:
            return 1.0 if find_dates(sentence) else 0.0
        if qtype.kind == QUANTITY:
            quantities = find_quantities(sentence)
            if not quantities:
                return 1.0 if re.search(r"\d", sentence) and not qtype.counter else 0.0
            if qtype.counter and any(qtype.counter in q.text for q in quantities):
                return 1.0
            return 0.5 if qtype.counter else 1.0
    except Exception:  # noqa: BLE001 - normalization never breaks an answer
        return 0.0
    return 1.0 if _PLACE_WORD.search(sentence) else 0.0
