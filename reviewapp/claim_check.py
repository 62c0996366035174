"""One claim of a self-evaluation checked against candidate evidence passages: pure.

Source: issue 14 (part 4, its pure core). A claim ("2025년 IoT 센서 139개소 설치") states
numbers and dates; the evidence (passages of the submitted documents) states them too, in
other words and other formats ("IoT 센서를 139개소에 설치", a spreadsheet row). This module
finds the claim's values, finds the same things in the passages and compares them. No
Flask, no database, no model: the numbers come from :mod:`reviewapp.korean_numbers`, the
words from a few lines of Korean suffix stripping (particles and verb endings), because a
morpheme analyser (kiwi, as the search index uses) takes seconds to load and about 10 ms per
passage here, too much for the budget of a submission (60 claims x ~1,000 passages in 5 s;
``bench/claim_check_speed.py``: about 3-4 s on two shared cores).

The rules, in order:

1. Values. The claim's quantities and dates (``korean_numbers.scan``). A date of the claim
   is not a value to find but a period when it is tied to a quantity of the claim
   (``2025년 설치 139개소``) or says "as of" (``2025년 12월 기준``, ``현재``, ``말``, or
   alone in brackets: ``25명 구성(2025년)``); that
   period, else ``claim_period``, is the period of the claim's quantities that name none.
2. Words. A word is a run of Hangul (stripped of particles and verb endings:
   ``센서를`` -> ``센서``, ``제정된`` -> ``제정``) or of Latin letters and digits (lower case),
   of two characters or more, not a stop word (``STOP_WORDS``). Words are matched as
   substrings of the other side's text with spaces removed, so compounds meet their parts
   (``가로등`` in ``스마트가로등``, ``사업비`` in ``총사업비``).
3. Context of a value: the words of its clause between the previous value and it (at most
   5; for a date, only those after the last comma) and after it up to the next value (at
   most 2, not past a comma, an opening bracket or ``중``; a bracket right after it is
   skipped: ``2회(5월, 11월) 취약점 점검``; a date takes 4 and stops at a comma or at a
   bracket closing one opened before it). With no word before it, it borrows those of the
   value before it in the clause when no comma is between (``3,010대(62.1%)``), else the
   clause's topic (a word with 은/는: ``센터는 365일 24시간, 4조 3교대``). Its heads: the
   two words nearest before it, else those after it, and the topics among its words (a
   date: the two after it, else the two before).
4. Spreadsheet rows (lines of cells joined by `` | ``, as the extractors write them): a cell's
   context is its row label (first cell) and its column header (the first row), its heads
   are theirs; a header's unit (``사업비(억원)``, ``비율(%)``) or the passage's
   ``(단위: 백만원)`` scales a cell written without a unit; a year as row label or column
   header (``2025``, ``2025년``) is the cell's period.
5. Same thing. A claim value and an evidence value are compared when they are of the same
   kind (dates with dates; quantities whose units convert, or either one plain, but a
   percent only with a percent) and their contexts meet: a head of either side is in the
   other's context. Left out: a bound in the evidence (``20명 이내``: a rule) for an exact
   claim, a denominator (``1만 명당``), a plain evidence number with a borrowed context (a
   table's row number).
6. Same period. When both sides name a period they must match (one inside the other, and
   neither a multi-period range unless both are the same range), else the pair is not
   compared: a 2025 claim is not contradicted by a 2021 row.
7. Agreement. ``values_agree`` / ``dates_agree`` (korean_numbers rule 8): the values each
   side allows meet, i.e. equal within the written precision of both (31.6 % is
   [31.55, 31.65)), 약 +-10 %, 여 up to the next place, 이상/미만 as bounds. In a passage,
   the agreeing values that share the most context with the claim value are findings
   (``IoT 센서 3,450개`` meets ``센서는 총 3,450개``; weights: the claim's first head in
   the evidence's context 3, the evidence's first head in the claim's 2, each shared word 1).
8. Contradiction. A disagreeing pair counts only when it is decisive: the passage is
   relevant (rule 9); both sides name the same period or neither names one (give
   ``claim_period`` to let dated evidence contradict a claim that names no year); neither
   context is borrowed; the evidence value is not a plain number (a bare number may be
   anything); the claim's first head is in the evidence's context and one of the evidence's
   two nearest words (any of a date's words) is in the claim's; one side's two heads are all
   in the other's context; most words of one side are in the other's context; a claim date
   has two words or more; and in its passage it matches the claim's context best, strictly
   better than any agreeing value there (``수위 센서 140개`` does not contradict ``IoT 센서
   3,450개`` beside ``센서는 총 3,450개``). Other disagreements are not reported.
7b. Agreement nearby (:func:`_find_near`), when rule 7 finds none: an agreeing value of
   the same kind, at least as precise (a date), in a passage holding a key word of the
   claim, with two key words or a head of the claim within 60 characters, or one key word
   when the value is specific (three significant digits, 10 million won, a day).
8b. Contradiction by label or nearness (:func:`_find_conflict`), when nothing agrees: a
   value of the same measure whose label (``사업금액 : 금``, a row label and header) names
   the claim value's head, or near which the claim's head and key words stand, in the same
   period (rule 6, and a yearly table never contradicts a claim naming no year; a plan or
   target never contradicts what was done). Words of one synonym group (``사업비``,
   ``사업금액``, ``소요예산`` ...) count as one.
9. Relevance. The claim's key words are its words outside its values; a passage is
   relevant when it holds at least half of them (at least one), one of them not a word
   every submission is full of (``GENERIC_WORDS``: 스마트, 시민, 운영 ...).
10. Status: ``contradicted`` when any value has a decisive disagreement (both values are in
    ``findings``); ``supported`` when every value has an agreeing finding; ``weak`` when
    some agree or a passage is relevant; ``no_evidence`` otherwise. A claim with no value
    is ``supported`` when one passage holds all its key words (two or more), ``weak`` when
    a passage is relevant, else ``no_evidence``.

Passages whose ``kind`` is in ``NOT_EVIDENCE`` (the self-evaluation itself, reference
material) are never evidence.
"""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from .korean_numbers import (
    DateMention,
    Quantity,
    convertible,
    dates_agree,
    find_unit_header,
    parse_period,
    parse_scale,
    period_contains,
    scan,
    values_agree,
)

__all__ = [
    "NOT_EVIDENCE",
    "STATUSES",
    "GENERIC_WORDS",
    "STOP_WORDS",
    "ClaimCheck",
    "Finding",
    "ParsedPassages",
    "Passage",
    "Value",
    "check_claim",
    "parse_passages",
    "words",
]

STATUSES = ("supported", "contradicted", "weak", "no_evidence")
NOT_EVIDENCE = frozenset({"self_evaluation", "reference"})

Value = Quantity | DateMention
"""A value of a text: a :class:`Quantity` or a :class:`DateMention` (``kind == "date"``)."""


@dataclass(frozen=True)
class Passage:
    """A passage that may hold evidence; ``id`` is the caller's (a chunk id)."""

    id: int
    text: str
    document: str = ""
    page: int = 0
    kind: str = "evidence"


@dataclass(frozen=True)
class Finding:
    """A value of the claim met in a passage. ``span``: the evidence value's (start, end)
    in the passage text, for highlighting; ``agrees``: the values agree (rule 7), else the
    finding is a decisive contradiction (rule 8)."""

    claim_value: Value
    evidence_value: Value
    passage_id: int
    span: tuple[int, int]
    agrees: bool
    document: str = ""
    page: int = 0


@dataclass(frozen=True)
class ClaimCheck:
    """The result of :func:`check_claim`.

    ``status``: one of ``STATUSES`` (rule 10); ``quantities``: the claim's values (rule 1),
    quantities and dates in text order; ``findings``: agreeing and contradicting findings,
    by claim value then passage order; ``missing``: the claim's values with no agreeing
    finding; ``relevant``: ids of the relevant passages, most key words first;
    ``key_terms``: the claim's key words (rule 9); ``period``: the claim's period, if any.
    """

    status: str
    quantities: list[Value]
    findings: list[Finding]
    missing: list[Value] = field(default_factory=list)
    relevant: list[int] = field(default_factory=list)
    key_terms: tuple[str, ...] = ()
    period: str | None = None


# --------------------------------------------------------------------------- words

_ENDINGS = tuple(
    sorted(
        {
            "에서는",
            "에서도",
            "에서의",
            "에서",
            "에게",
            "으로는",
            "으로서",
            "으로써",
            "으로의",
            "으로",
            "로서",
            "로써",
            "로는",
            "로의",
            "와의",
            "과의",
            "에는",
            "에도",
            "에의",
            "까지",
            "부터",
            "보다",
            "처럼",
            "만큼",
            "마다",
            "이며",
            "이고",
            "이다",
            "이나",
            "이라",
            "이란",
            "이었으며",
            "이었고",
            "이었다",
            "였으며",
            "였고",
            "였다",
            "입니다",
            "하였으며",
            "하였고",
            "하였다",
            "하였음",
            "하고",
            "하며",
            "하여",
            "하는",
            "하기",
            "했다",
            "했으며",
            "했고",
            "된다",
            "한다",
            "하다",
            "되었으며",
            "되었고",
            "되었다",
            "되었음",
            "되어",
            "되고",
            "되며",
            "되는",
            "됨",
            "된",
            "한",
            "함",
            "할",
            "은",
            "는",
            "이",
            "가",
            "을",
            "를",
            "의",
            "에",
            "와",
            "과",
            "도",
            "로",
            "만",
        },
        key=len,
        reverse=True,
    )
)
_ENDING_SET = frozenset(_ENDINGS)
_TOPIC_ENDINGS = ("은", "는")

STOP_WORDS = frozenset(
    {
        "및",
        "등",
        "총",
        "약",
        "연",
        "중",
        "현재",
        "기준",
        "대비",
        "관련",
        "대한",
        "위한",
        "통해",
        "통한",
        "따른",
        "따라",
        "있음",
        "있는",
        "있다",
        "없음",
        "이상",
        "이하",
        "미만",
        "초과",
        "내외",
        "이내",
        "가량",
        "정도",
        "결과",
        "현황",
        "실적",
        "구분",
        "전체",
        "최근",
        "매년",
        "연간",
        "년도",
        "연도",
        "단위",
        "해당",
        "각각",
        "모든",
        "주요",
        "기타",
        "이후",
        "이전",
        "위해",
        "함께",
        "이중",
        "대상",
        "포함",
        "기간",
        "누계",
        # nouns that only say "the number of": the thing counted is elsewhere
        "인원",
        "규모",
        "건수",
        "개수",
        "수량",
        "횟수",
        "총액",
        "금액",
        "만점",  # 100점 만점에 83.6점: the scale, not the thing scored
    }
)

# Words nearly every passage of a smart-city submission holds: a passage sharing only these
# with a claim is not about it (rule 9). Chosen by hand among the words that recur in the
# demo cities' documents and the corpus's plans and tenders.
GENERIC_WORDS = frozenset(
    {
        "스마트",
        "스마트도시",
        "도시",
        "시민",
        "주민",
        "서비스",
        "운영",
        "설치",
        "조성",
        "실시",
        "추진",
        "사업",
        "관리",
        "구축",
        "정보",
        "활용",
        "기반",
        "지원",
        "계획",
        "개최",
        "수행",
        "확보",
        "제공",
        "연계",
        "시스템",
    }
)

_WORD = re.compile(r"[가-힣]+|[A-Za-z][A-Za-z0-9]*")


_ENDINGS_BY_LENGTH = tuple(
    (n, frozenset(e for e in _ENDINGS if len(e) == n))
    for n in sorted({len(e) for e in _ENDINGS}, reverse=True)
)
_stems: dict[str, str] = {}


# words that name the same figure in Korean tenders and plans (the claim says 사업비, the
# tender 사업금액): each is read as the first of its group
_SYNONYMS = {
    word: group[0]
    for group in (
        ("사업비", "사업금액", "소요예산", "사업예산", "총사업비", "추정금액", "계약금액"),
        ("준공", "완공"),
    )
    for word in group
}
_SYNONYM_RE = re.compile("|".join(sorted(_SYNONYMS, key=len, reverse=True)))


def _stem(word: str) -> str:
    """The word less one particle or verb ending, leaving two syllables or more."""
    stem = _stems.get(word)
    if stem is not None:
        return stem
    stem = word
    if not ("가" <= word[0] <= "힣"):
        stem = word.lower()
    else:
        for n, endings in _ENDINGS_BY_LENGTH:
            if len(word) - n >= 2 and word[-n:] in endings:
                stem = word[:-n]
                break
    stem = _SYNONYMS.get(stem, stem)
    if len(_stems) > 200_000:
        _stems.clear()
    _stems[word] = stem
    return stem


def _words_in(text: str) -> list[tuple[str, int, bool]]:
    """(word, start, is_topic) for the words of ``text`` (rule 2)."""
    out = []
    for m in _WORD.finditer(text):
        raw = m.group()
        word = _stem(raw)
        if len(word) < 2 or word in STOP_WORDS or word in _ENDING_SET:
            continue  # 으로 after a bracket is a particle, not a word
        topic = "가" <= raw[0] <= "힣" and raw.endswith(_TOPIC_ENDINGS) and word != raw
        out.append((word, m.start(), topic))
    return out


def words(text: str) -> list[str]:
    """The words of ``text`` as matched here (rule 2), in order, repeats kept."""
    return [w for w, _, _ in _words_in(text)]


def _compact(text: str) -> str:
    """Lower case, no white space, followed by ``|`` and the first word of each synonym group
    it names (``사업금액`` -> ``|사업비``): what words are looked for in."""
    compact = re.sub(r"\s+", "", text).lower()
    canonical = {_SYNONYMS[m.group()] for m in _SYNONYM_RE.finditer(compact)}
    return compact + "".join(f"|{word}" for word in sorted(canonical) if word not in compact)


# --------------------------------------------------------------------------- located values


@dataclass
class _Located:
    value: Value
    context: str  # compact text of its context words
    words: tuple[str, ...]
    heads: tuple[str, ...]
    period: DateMention | None
    borrowed: bool = False  # its context is the value's before it (3,010대(62.1%))
    table: bool = False  # a cell of a table row
    subset: bool = False  # a claim value that is part of the one before it (420개 중 238개)
    near: str = ""  # a table cell's header row and row, compact: what stands near it
    planned: bool = False  # its clause speaks of a plan or target (추진할 계획, 목표)
    passage: int = -1  # index into ParsedPassages.passages


_CLAUSE = re.compile(
    r"(?<=[가-힣)\]」』])\.(?=\s|$)|[!?;](?=\s|$)|\n[ \t]*\n|\n(?=[ \t]*[-•○□▪■●◦*])"
)
_AS_OF = re.compile(r"[ \t]*(?:기준|현재|말[ \t]*기준|말[ \t]*현재|말일)")
_MAX_BEFORE = 5
_MAX_AFTER = 2
_MAX_AFTER_DATE = 4  # 2024년 6월 정보보호 관리체계(ISMS) 인증을 취득


def _blank(text: str, spans: Sequence[tuple[int, int]], lo: int, hi: int) -> str:
    """text[lo:hi] with the (sorted) spans inside replaced by spaces."""
    parts = []
    pos = lo
    for k in range(max(0, bisect.bisect_left(spans, (lo, lo)) - 1), len(spans)):
        a, b = spans[k]
        if a >= hi:
            break
        if b <= pos:
            continue
        a = max(a, pos)
        parts.append(text[pos:a])
        parts.append(" " * (min(b, hi) - a))
        pos = min(b, hi)
    parts.append(text[pos:hi])
    return "".join(parts)


def _period_mention(period: str | None) -> DateMention | None:
    if not period:
        return None
    try:
        return parse_period(period)
    except ValueError:
        return None


_PLANNED = re.compile(r"계획이다|계획임|예정이다|예정임|예정\)|목표로|목표치|목표는|추진할|검토 중")
_SUBSET = re.compile(r"(?:^|\s)(?:중|가운데)(?=\s|$)")


def _cut_after(text: str, is_date: bool) -> str:
    """The part of ``text`` (what follows a value) that still speaks of it: up to a comma,
    and for a quantity an opening bracket, for a date a bracket closing one opened before
    it (``[제정 2019. 7. 15. 조례 제1482호] [일부개정 ...``)."""
    if not is_date:  # CCTV 4,850대 중 선별관제 3,010대: what follows 중 is another value's
        text = _SUBSET.split(text, maxsplit=1)[0]
    depth = 0
    for i, ch in enumerate(text):
        if ch == "," or (not is_date and ch in "(["):
            return text[:i]
        if ch in "([「":
            depth += 1
        elif ch in ")]」":
            if depth == 0:
                return text[:i]
            depth -= 1
    return text


def _words_before(
    text: str, spans: Sequence[tuple[int, int]], k: int, clause_start: int
) -> list[tuple[str, int, bool]]:
    """The words between span ``k - 1`` (or the clause start) and span ``k``."""
    left = max(clause_start, spans[k - 1][1] if k > 0 else 0)
    return _words_in(_blank(text, spans, left, spans[k][0]))


def _locate(
    text: str,
    values: Sequence[Value],
    *,
    all_spans: Sequence[tuple[int, int]] | None = None,
    period_of: dict[int, DateMention | None] | None = None,
) -> list[_Located]:
    """Context, heads and period of each value of a free text (rule 3).

    ``values``: the values to locate, in text order; ``all_spans``: every value span of the
    text (the boundaries of windows and blanked in them), default the values' own.
    """
    spans = sorted(all_spans if all_spans is not None else [v.span for v in values])
    starts = [a for a, _ in spans]
    bounds = [m.start() for m in _CLAUSE.finditer(text)]
    out: list[_Located] = []
    previous_words: dict[int, list[tuple[str, int, bool]]] = {}
    for value in values:
        a, b = value.span
        is_date = isinstance(value, DateMention)
        k = bisect.bisect_left(starts, a)
        j = bisect.bisect_right(bounds, a - 1)
        clause_start = bounds[j - 1] + 1 if j else 0
        m = bisect.bisect_left(bounds, b)
        clause_end = bounds[m] if m < len(bounds) else len(text)
        prev_end = spans[k - 1][1] if k > 0 else 0
        left = max(clause_start, prev_end)
        before_text = _blank(text, spans, left, a)
        if is_date:  # 2019년 제정, 2024년 개정: 제정 is the first date's
            before_text = before_text[before_text.rfind(",") + 1 :]
        before = _words_in(before_text)
        # after it, past a bracket that follows it: 2회(5월, 11월) 취약점 점검
        after_start = b
        rest = text[b : min(clause_end, b + 60)]
        if rest.lstrip().startswith(("(", "[")):
            close = rest.find(")" if rest.lstrip()[0] == "(" else "]")
            if close >= 0:
                after_start = b + close + 1
        n = bisect.bisect_left(starts, after_start)
        next_start = spans[n][0] if n < len(spans) else len(text)
        right = min(clause_end, next_start)
        after_text = _blank(text, spans, after_start, right) if right > after_start else ""
        after_text = _cut_after(after_text, is_date)
        after = _words_in(after_text)[: _MAX_AFTER_DATE if is_date else _MAX_AFTER]
        borrowed = False
        if not before and k > 0 and prev_end >= clause_start and "," not in text[prev_end:a]:
            before = previous_words.get(k - 1) or _words_before(text, spans, k - 1, clause_start)
            borrowed = bool(before)
        if not before:  # 센터는 365일 24시간, 4조 3교대로: the clause's topic
            before = [w for w in _words_in(_blank(text, spans, clause_start, a)) if w[2]]
            borrowed = bool(before)
        before = before[-_MAX_BEFORE:]
        previous_words[k] = before
        nearest_before = [w for w, _, _ in reversed(before[-2:])]
        if is_date:
            heads = [w for w, _, _ in after[:2]] or nearest_before
        else:
            heads = nearest_before or [w for w, _, _ in after]
            heads += [w for w, _, topic in before[:-2] if topic]
        context_words = tuple(w for w, _, _ in before) + tuple(w for w, _, _ in after)
        period = None
        if isinstance(value, Quantity):
            period = (period_of or {}).get(id(value)) or _period_mention(value.period)
        out.append(
            _Located(
                value=value,
                context="".join(context_words),
                words=context_words,
                heads=tuple(dict.fromkeys(heads)),
                period=period,
                borrowed=borrowed,
                planned=bool(_PLANNED.search(text, clause_start, clause_end)),
            )
        )
    return out


_NUMBER_CELL = re.compile(r"[-+]?\d{1,3}(?:,\d{3})+(?:\.\d+)?|[-+]?\d+(?:\.\d+)?")
_YEAR_CELL = re.compile(r"(?:19|20)\d{2}(?:[ \t]*년(?:도)?)?")
_UNIT_IN_LABEL = re.compile(r"[(\[]([^()\[\]]{1,12})[)\]][ \t]*$")


def _cells(line: str, offset: int) -> list[tuple[str, int]]:
    """(stripped cell text, its start in the passage) for a `` | `` row."""
    out = []
    pos = 0
    for part in line.split("|"):
        lead = len(part) - len(part.lstrip())
        out.append((part.strip(), offset + pos + lead))
        pos += len(part) + 1
    return out


def _label_scale(label: str) -> str | None:
    m = _UNIT_IN_LABEL.search(label)
    if m is None or any(ch.isdigit() for ch in m.group(1)):
        return None  # 만족도(5점) names the full marks, not a unit
    try:
        parse_scale(m.group(1))
    except ValueError:
        return None
    return m.group(1)


def _year_of(cell: str) -> DateMention | None:
    if _YEAR_CELL.fullmatch(cell):
        return parse_period(cell[:4])
    return None


def _cell_values(cell: str, start: int, scale: str | None) -> list[Quantity]:
    """The quantities of one cell, shifted to passage offsets."""
    if _NUMBER_CELL.fullmatch(cell) and scale is None:
        found = scan(cell).quantities
    else:
        try:
            found = scan(cell, scale=scale).quantities
        except ValueError:
            found = scan(cell).quantities
    return [replace(q, span=(q.span[0] + start, q.span[1] + start)) for q in found]


_SPACE_YEARS = re.compile(
    r"^(?P<label>.*?\S)?(?P<years>(?:[ \t]+(?:19|20)\d{2}(?:[ \t]*년)?){2,})[ \t]*$"
)
_SPACE_NUMBER = r"[-+]?\d[\d,]*(?:\.\d+)?%?"
_TOKEN = re.compile(r"\S+")


def _space_row(line: str, offset: int, columns: int) -> list[tuple[str, int]] | None:
    """Cells of a row of a table laid out with spaces (a PDF's text layer): a label, then
    exactly ``columns`` numbers; None when the line is not such a row."""
    tokens = [(m.group(), m.start()) for m in _TOKEN.finditer(line)]
    if len(tokens) <= columns:
        return None
    numbers = tokens[-columns:]
    if not all(re.fullmatch(_SPACE_NUMBER, t) for t, _ in numbers):
        return None
    label = line[: numbers[0][1]].strip()
    if not label or re.fullmatch(_SPACE_NUMBER, tokens[-columns - 1][0]):
        return None
    start = len(line) - len(line.lstrip())
    return [(label, offset + start)] + [(t, offset + a) for t, a in numbers]


def _rows(text: str) -> list[tuple[int, int, list[tuple[str, int]] | None]]:
    """(start, end, cells) per line of ``text``; ``cells`` is None for a line that is not a
    table row. Rows are `` | `` lines (as the extractors write tables) or, under a header
    line ending in two years or more (``구분 2021 2022 2023``), lines of a label and as many
    numbers (as PDF text layers lay tables out)."""
    out: list[tuple[int, int, list[tuple[str, int]] | None]] = []
    offset = 0
    columns = 0
    for line in text.split("\n"):
        start = offset
        offset += len(line) + 1
        cells: list[tuple[str, int]] | None = None
        if " | " in line:
            cells = _cells(line, start)
            columns = 0
        else:
            m = _SPACE_YEARS.match(line)
            if m is not None:
                years = [
                    (t.group(), start + m.start("years") + t.start())
                    for t in re.finditer(r"(?:19|20)\d{2}(?:[ \t]*년)?", m.group("years"))
                ]
                cells = [((m.group("label") or "").strip(), start)] + years
                columns = len(years)
            elif columns:
                cells = _space_row(line, start, columns)
                if cells is None:
                    columns = 0
        out.append((start, start + len(line), cells))
    return out


def _table_values(
    text: str, passage_scale: str | None
) -> tuple[list[_Located], list[tuple[int, int]]]:
    """Located values of the table rows of ``text`` (rule 4, rows as :func:`_rows` finds
    them), and the rows' spans."""
    located: list[_Located] = []
    row_spans: list[tuple[int, int]] = []
    header: list[tuple[str, int]] | None = None
    for start, end, cells in _rows(text):
        if cells is None:
            header = None
            continue
        row_spans.append((start, end))
        numeric = [c for c, _ in cells[1:] if _NUMBER_CELL.fullmatch(c.replace(" ", ""))]
        years = [c for c, _ in cells[1:] if _YEAR_CELL.fullmatch(c)]
        if header is None and (not numeric or len(years) == len(cells) - 1):
            header = cells  # labels, or years: the first row of the table
            continue
        # the row's label: its first cell, with the text cells after it up to the first
        # number (| 봉화군 | 총인구수 (명) | 33,539)
        label = cells[0][0]
        for cell, _ in cells[1:]:
            if not cell or scan(cell).quantities or scan(cell).dates:
                break
            label = f"{label} {cell}".strip()
        row_period = _year_of(label)
        row_scale = _label_scale(label)
        texts = [c for c, _ in cells[1:] if c and not scan(c).quantities and not scan(c).dates]
        near = _compact(" ".join(c for c, _ in (header or []) + cells))
        for index, (cell, cell_start) in enumerate(cells):
            if index == 0 and not _NUMBER_CELL.fullmatch(cell):
                continue
            if index == 0 and row_period is not None:
                continue
            col = header[index][0] if header is not None and index < len(header) else ""
            col_period = _year_of(col) if col else None
            if _YEAR_CELL.fullmatch(cell) and (col_period is None and row_period is None):
                continue  # a year in a 연도 column is the row's period, not a count
            scale = _label_scale(col) or row_scale or passage_scale
            label_words = words(_UNIT_IN_LABEL.sub("", label)) if row_period is None else []
            col_words = words(_UNIT_IN_LABEL.sub("", col)) if col and col_period is None else []
            context_words = tuple(col_words + label_words)
            # the row label's last word first (the thing counted), then the column's
            heads = tuple(dict.fromkeys(label_words[::-1][:2] + col_words[::-1][:2]))
            for q in _cell_values(cell, cell_start, scale):
                period = row_period or col_period or _period_mention(q.period)
                located.append(
                    _Located(
                        value=q,
                        context="".join(context_words),
                        words=context_words,
                        heads=heads,
                        period=period,
                        table=True,
                        near=near,
                    )
                )
            if index == 0 or _YEAR_CELL.fullmatch(cell):
                continue
            # a date cell (제정 | 2020년 3월 15일): the row's words say what it dates
            row_words = tuple(label_words + [w for t in texts for w in words(t)])
            for d in scan(cell).dates:
                located.append(
                    _Located(
                        value=replace(d, span=(d.span[0] + cell_start, d.span[1] + cell_start)),
                        context="".join(row_words),
                        words=row_words,
                        heads=tuple(dict.fromkeys(row_words[::-1][:2])),
                        period=None,
                        table=True,
                    )
                )
    return located, row_spans


@dataclass(frozen=True)
class ParsedPassages:
    """Passages read once (values, contexts, compact text) for many :func:`check_claim`
    calls; made by :func:`parse_passages`."""

    passages: tuple[Passage, ...]
    compact: tuple[str, ...]
    values: tuple[_Located, ...]
    by_passage: tuple[tuple[int, ...], ...]  # value indices per passage
    by_head: dict[str, tuple[int, ...]]


_FULL_MARKS = re.compile(r"[ \t]*만점")


def _values_of(text: str) -> tuple[list[Quantity], list[DateMention]]:
    """The quantities and dates of ``text`` (``korean_numbers.scan``), less a score's scale
    (``100점 만점에 83.6점``: 100점 is not a figure of anything), less a denominator
    (``1만 명당``)."""
    result = scan(text)
    quantities = [
        q
        for q in result.quantities
        if not _FULL_MARKS.match(text, q.span[1]) and "당" not in q.markers
    ]
    return quantities, list(result.dates)


def _parse_one(passage: Passage) -> list[_Located]:
    text = passage.text
    passage_scale = find_unit_header(text)
    located, row_spans = _table_values(text, passage_scale)
    free = text
    if row_spans:
        chars = list(text)
        for a, b in row_spans:
            chars[a:b] = " " * (b - a)
        free = "".join(chars)
    quantities, dates = _values_of(free)
    values: list[Value] = sorted([*quantities, *dates], key=lambda v: v.span)
    located += _locate(free, values)
    located.sort(key=lambda loc: loc.value.span)
    return located


def parse_passages(passages: Sequence[Passage]) -> ParsedPassages:
    """Read ``passages`` once for :func:`check_claim` (``parsed=``): their values (rules
    3-4), contexts and compact text. Passages of a kind in ``NOT_EVIDENCE`` are kept (ids
    stay valid) but hold no values."""
    all_values: list[_Located] = []
    by_passage: list[tuple[int, ...]] = []
    compact: list[str] = []
    for index, passage in enumerate(passages):
        if passage.kind in NOT_EVIDENCE:
            compact.append("")
            by_passage.append(())
            continue
        compact.append(_compact(passage.text))
        first = len(all_values)
        for loc in _parse_one(passage):
            loc.passage = index
            all_values.append(loc)
        by_passage.append(tuple(range(first, len(all_values))))
    by_head: dict[str, list[int]] = {}
    for i, loc in enumerate(all_values):
        for head in loc.heads:
            by_head.setdefault(head, []).append(i)
    return ParsedPassages(
        passages=tuple(passages),
        compact=tuple(compact),
        values=tuple(all_values),
        by_passage=tuple(by_passage),
        by_head={h: tuple(ix) for h, ix in by_head.items()},
    )


# --------------------------------------------------------------------------- comparing


def _kinds_meet(claim: Value, evidence: Value) -> bool:
    if isinstance(claim, DateMention) or isinstance(evidence, DateMention):
        return isinstance(claim, DateMention) and isinstance(evidence, DateMention)
    if not claim.unit or not evidence.unit:
        return claim.kind not in ("percent", "percent_point") or evidence.kind in (
            claim.kind,
            "plain",
        )
    return convertible(evidence.unit, claim.unit)


_BOUNDS = ("at_least", "more_than", "at_most", "less_than")


def _comparable(claim: _Located, evidence: _Located) -> bool:
    """Pairs that say nothing either way: a rule (20명 이내) about an exact figure, a rate's
    denominator (1만 명당), a bare number with a borrowed context (a table's row number)."""
    c, e = claim.value, evidence.value
    if isinstance(c, Quantity) and isinstance(e, Quantity):
        if e.qualifier in _BOUNDS and c.qualifier not in _BOUNDS:
            return False
        if "당" in e.markers:
            return False
        if e.kind == "plain" and evidence.borrowed:
            return False
    return True


def _periods_match(a: DateMention, b: DateMention) -> bool:
    if a.is_range or b.is_range:
        return a.start == b.start and a.end == b.end
    return period_contains(a, b) or period_contains(b, a)


def _agree(claim: Value, evidence: Value) -> bool:
    if isinstance(claim, DateMention):
        return isinstance(evidence, DateMention) and dates_agree(claim, evidence)
    return isinstance(evidence, Quantity) and values_agree(claim, evidence)


def _score(claim: _Located, evidence: _Located) -> int:
    """How well two contexts meet: the claim's first head in the evidence's context weighs
    most, then the evidence's first head in the claim's, then each shared word."""
    score = sum(1 for w in claim.words if w in evidence.context)
    if claim.heads and claim.heads[0] in evidence.context:
        score += 3
    if evidence.heads and evidence.heads[0] in claim.context:
        score += 2
    return score


_RECENT = re.compile(r"(?:최근|지난)[ \t]*")
_AS_OF_WORDS = re.compile(
    r"[^)\]]{0,12}?(?:기준|현재|말|주민등록|통계|조사|집계|추계|실적|결산|예산)?[ \t]*[)\]]"
)
_EVENT_WORDS = re.compile(
    r"출범|개소|설치|준공|완료|구축|수립|제정|개정|선정|착수|시작|개최|체결|도입|승인|인증|신설"
)


def _untie(text: str, q: Quantity, dates: Sequence[DateMention]) -> Quantity:
    """``q`` without the period ``korean_numbers`` tied it to when, in a claim, the date
    belongs to another statement: a comma between them (``2016년 3월 개소, 365일``) or a
    bracket that says more than the date (``150명 상설 운영(2020년 출범)``)."""
    if not q.period:
        return q
    for d in dates:
        if d.period != q.period:
            continue
        if d.span[1] <= q.span[0] and "," not in text[d.span[1] : q.span[0]]:
            return q
        if d.span[0] >= q.span[1]:
            m = _AS_OF_WORDS.match(text, d.span[1])
            if m and not _EVENT_WORDS.search(m.group()):
                return q
    return replace(q, period=None)


def _claim_values(
    text: str, claim_period: DateMention | None
) -> tuple[list[_Located], list[Value], DateMention | None, list[tuple[int, int]]]:
    """The claim's located values (rule 1), the values, its period and every value span."""
    quantities, dates = _values_of(text)
    quantities = [_untie(text, q, dates) for q in quantities]
    # 최근 3년(2023~2025): the span of the period, not a figure
    quantities = [
        q
        for q in quantities
        if not _RECENT.search(text, 0, q.span[0] + 1)
        or q.span[0] != _RECENT.search(text, 0, q.span[0] + 1).end()
    ]
    if any(q.unit for q in quantities):  # 112 영상 지원 3,105건: 112 names the service
        quantities = [q for q in quantities if q.unit or q.kind != "plain"]
    tied = {q.period for q in quantities if q.period}
    period = claim_period
    values: list[Value] = list(quantities)
    for d in dates:
        as_of = bool(_AS_OF.match(text, d.span[1])) or (
            text[d.span[0] - 1 : d.span[0]] == "(" and text[d.span[1] : d.span[1] + 1] == ")"
        )
        if quantities and (d.period in tied or as_of) and d.start is not None:
            if as_of and period is None:
                period = d
            continue
        values.append(d)
    values.sort(key=lambda v: v.span)
    spans = sorted([q.span for q in quantities] + [d.span for d in dates])
    period_of: dict[int, DateMention | None] = {}
    for q in quantities:
        period_of[id(q)] = _period_mention(q.period) or period
    located = _locate(text, values, all_spans=spans, period_of=period_of)
    for k, loc in enumerate(located):
        if k and not loc.heads:  # 관제요원 16명, 4조 3교대: the figures before it speak
            loc.heads, loc.words, loc.context = (
                located[k - 1].heads,
                located[k - 1].words,
                located[k - 1].context,
            )
            loc.borrowed = True
        if k and _SUBSET.search(text, located[k - 1].value.span[1], loc.value.span[0]):
            loc.subset = True
    return located, values, period, spans


def _key_terms(text: str, spans: Sequence[tuple[int, int]]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(words(_blank(text, spans, 0, len(text)))))


def check_claim(
    claim_text: str,
    passages: Sequence[Passage] = (),
    *,
    claim_period: str | None = None,
    parsed: ParsedPassages | None = None,
) -> ClaimCheck:
    """Check ``claim_text`` against ``passages`` (or the already ``parsed`` ones, which
    win when both are given), by the rules of this module.

    ``claim_period``: the period the claim is about when it does not say (``"2025"``,
    ``"2025년"``, ``"FY2025"``, ``"2025-Q1"``; see ``korean_numbers.parse_period``).
    Raises ValueError for a ``claim_period`` that is not a period.
    """
    if parsed is None:
        parsed = parse_passages(passages)
    period = parse_period(claim_period) if claim_period else None
    claim_located, values, period, spans = _claim_values(claim_text, period)
    key_terms = _key_terms(claim_text, spans)
    relevant = _relevant(parsed, key_terms)

    findings: list[Finding] = []
    missing: list[Value] = []
    contradicted = False
    relevant_set = frozenset(relevant)
    candidates = _candidates(parsed, key_terms)
    for claim in claim_located:
        found, contradiction = _find(parsed, claim, relevant_set)
        if not any(f.agrees for f in found):
            near = _find_near(parsed, claim, candidates, key_terms)
            if near is not None:
                found.append(near)
            elif not contradiction:
                conflict = _find_conflict(parsed, claim, candidates, key_terms)
                if conflict is not None:
                    found.append(conflict)
                    contradiction = True
        findings += found
        contradicted = contradicted or contradiction
        if not any(f.agrees for f in found):
            missing.append(claim.value)

    if not values:
        all_terms = len(key_terms) >= 2 and any(
            all(t in parsed.compact[i] for t in key_terms) for i in range(len(parsed.passages))
        )
        status = "supported" if all_terms else ("weak" if relevant else "no_evidence")
    elif contradicted:
        status = "contradicted"
    elif not missing:
        status = "supported"
    elif relevant or any(f.agrees for f in findings):
        status = "weak"
    else:
        status = "no_evidence"
    return ClaimCheck(
        status=status,
        quantities=values,
        findings=findings,
        missing=missing,
        relevant=[parsed.passages[i].id for i in relevant],
        key_terms=key_terms,
        period=period.period if period else None,
    )


def _relevant(parsed: ParsedPassages, key_terms: tuple[str, ...]) -> list[int]:
    """Indices of the relevant passages (rule 9), most key words first."""
    if not key_terms:
        return []
    need = max(1, math.ceil(len(key_terms) / 2))
    specific = [t for t in key_terms if t not in GENERIC_WORDS]
    scored = []
    for i, text in enumerate(parsed.compact):
        if not text:
            continue
        hits = sum(1 for t in key_terms if t in text)
        if hits >= need and any(t in text for t in specific):
            scored.append((-hits, i))
    return [i for _, i in sorted(scored)]


def _find(
    parsed: ParsedPassages, claim: _Located, relevant: frozenset[int]
) -> tuple[list[Finding], bool]:
    """Findings for one claim value (rules 5-8) and whether one is a contradiction."""
    candidates: set[int] = set()
    for head in claim.heads:
        for p, text in enumerate(parsed.compact):
            if head in text:
                candidates.update(parsed.by_passage[p])
    for head, indices in parsed.by_head.items():
        if head in claim.context:
            candidates.update(indices)
    by_passage: dict[int, list[tuple[int, _Located, bool]]] = {}
    for i in sorted(candidates):
        evidence = parsed.values[i]
        forward = any(h in evidence.context for h in claim.heads)
        backward = any(h in claim.context for h in evidence.heads)
        if not (forward or backward):
            continue
        if not _kinds_meet(claim.value, evidence.value) or not _comparable(claim, evidence):
            continue
        if claim.period and evidence.period and not _periods_match(claim.period, evidence.period):
            continue
        if _coarser(evidence.value, claim.value):
            continue  # 2023년 neither confirms nor denies 2023. 12. 20.
        score = _score(claim, evidence)
        by_passage.setdefault(evidence.passage, []).append((score, evidence, forward and backward))
    findings: list[Finding] = []
    contradiction = False
    for p in sorted(by_passage):
        pairs = [
            (score, evidence, _agree(claim.value, evidence.value))
            for score, evidence, _ in by_passage[p]
        ]
        best = max(score for score, _, _ in pairs)
        best_agreeing = max((score for score, _, agrees in pairs if agrees), default=None)
        passage = parsed.passages[p]
        for score, evidence, agrees in pairs:
            if agrees and score < best_agreeing:  # type: ignore[operator]
                continue
            if not agrees and (
                p not in relevant
                or score < best
                or (best_agreeing is not None and score <= best_agreeing)
                or not _decisive(claim, evidence)
            ):
                continue
            contradiction = contradiction or not agrees
            findings.append(_finding(claim, evidence, passage, agrees))
    return findings, contradiction


_NEAR = 60  # characters either side of an evidence value that count as near it (rule 7b)


def _candidates(parsed: ParsedPassages, key_terms: tuple[str, ...]) -> list[int]:
    """Indices of the passages holding at least one of the claim's key words."""
    return [
        i for i, text in enumerate(parsed.compact) if text and any(t in text for t in key_terms)
    ]


def _specific(value: Value) -> bool:
    """A value unlikely to recur by chance: three significant digits or more (4,690; 236억),
    an amount of 10 million won or more, or a date to the day."""
    if isinstance(value, DateMention):
        return value.granularity == "day" and value.year is not None
    digits = str(value.value.normalize()).replace("-", "").replace(".", "").lstrip("0")
    digits = digits.split("E")[0].rstrip("0")
    return len(digits) >= 3 or (value.unit == "원" and value.value >= 10_000_000)


_GRANULARITY = {"day": 0, "month": 1, "quarter": 2, "half": 3, "year": 4}


def _coarser(evidence: Value, claim: Value) -> bool:
    """An evidence date less precise than the claim's (``2023년`` for ``2023. 12. 20.``):
    it holds the claim's date without confirming it."""
    if not (isinstance(evidence, DateMention) and isinstance(claim, DateMention)):
        return False
    return _GRANULARITY.get(evidence.granularity, 4) > _GRANULARITY.get(claim.granularity, 4)


def _find_near(
    parsed: ParsedPassages,
    claim: _Located,
    candidates: Sequence[int],
    key_terms: tuple[str, ...],
) -> Finding | None:
    """Rule 7b: an agreeing value near the claim's words when rule 7 found none.

    In a passage holding a key word of the claim, an evidence value of the same kind that
    agrees (and names no other period; a date at least as precise as the claim's) is a finding when the claim's words are near it
    (within ``_NEAR`` characters; for a table's cell, in its header row or its row): two of
    the claim's key
    words, or one of its heads, or one key word when the value is specific (``_specific``).
    The best such value (most key words near it) is returned."""
    best: tuple[int, Finding] | None = None
    for p in candidates:
        passage = parsed.passages[p]
        for i in parsed.by_passage[p]:
            evidence = parsed.values[i]
            if not _kinds_meet(claim.value, evidence.value) or not _comparable(claim, evidence):
                continue
            if (
                claim.period
                and evidence.period
                and not _periods_match(claim.period, evidence.period)
            ):
                continue
            if not _agree(claim.value, evidence.value) or _coarser(evidence.value, claim.value):
                continue
            a, b = evidence.value.span
            if evidence.table:  # a cell: its header row and its row stand near it
                window = evidence.near + evidence.context
            else:
                window = _compact(passage.text[max(0, a - _NEAR) : b + _NEAR]) + evidence.context
            near = sum(1 for t in key_terms if t in window)
            head = any(h in window for h in claim.heads)
            if not (near >= 2 or head or (near and _specific(claim.value))):
                continue
            if best is None or near > best[0]:
                finding = _finding(claim, evidence, passage, True)
                best = (near, finding)
    return best[1] if best else None


def _same_measure(claim_loc: _Located, evidence_loc: _Located) -> bool:
    """Both dates with a year, or both quantities of one kind with convertible units (a
    table's cell may be a plain number: its header or label gives the unit)."""
    claim, evidence = claim_loc.value, evidence_loc.value
    if isinstance(claim, DateMention) or isinstance(evidence, DateMention):
        return (
            isinstance(claim, DateMention)
            and isinstance(evidence, DateMention)
            and claim.year is not None
            and evidence.year is not None
        )
    if evidence_loc.table and evidence.kind == "plain" and claim.kind != "percent":
        return bool(claim.unit)
    return (
        bool(claim.unit and evidence.unit)
        and claim.kind == evidence.kind
        and convertible(evidence.unit, claim.unit)
    )


def _around(text: str, span: tuple[int, int], before: int, after: int) -> str:
    """The text around ``span`` on its own line: ``before`` characters before it and
    ``after`` after it."""
    a, b = span
    lo = max(0, a - before, text.rfind("\n", 0, a) + 1)
    hi = text.find("\n", b)
    hi = min(b + after, len(text) if hi < 0 else hi)
    return text[lo:hi]


def _window(text: str, span: tuple[int, int], before: int, after: int) -> str:
    """:func:`_around`, compact."""
    return _compact(_around(text, span, before, after))


_PER_PERIOD = re.compile(r"(?:^|[\s(])(?:연|연간|매년|매월|월|주|일|하루)[ \t]*$")


def _find_conflict(
    parsed: ParsedPassages,
    claim: _Located,
    candidates: Sequence[int],
    key_terms: tuple[str, ...],
) -> Finding | None:
    """Rule 8b: a disagreeing value that says what the claim says, when no value agrees.

    Looked for in the passages holding a key word of the claim, among the evidence values of
    the same measure (``_same_measure``; no bound against an exact claim, no rate such as
    ``연 40명``). Periods: when both name one they match; when only the claim does, the
    evidence's line names it within 80 characters (else it is another period's value); when
    only the evidence does, it is not a yearly table's cell (a claim naming no year may mean
    another year). Words, either of:

    - labelled: the text before the value on its line (``사업금액 : 금``, its row label and
      header in a table) holds the claim value's first head;
    - near: within 40 characters before it on its line (or in its row label and header)
      stand the claim value's first head, or both of the evidence value's heads are words
      of the claim; one of the evidence value's own heads (a date: its words) is a word of
      the claim (스마트 가로등 1,000대 is not about CCTV; a date's words hold one of the
      claim's key words); and at least two of the claim's
      key words (all when it has fewer) are there, or both first heads are one word of
      three syllables or more.

    Of those, the value with the most key words near it decides: a disagreeing one is
    returned, an agreeing one (or none) gives None. A claim value that is a part of the
    value before it (``420개 중 238개``) is not looked for."""
    if not claim.heads or claim.subset:
        return None
    need = min(2, len(key_terms))
    claim_text = "".join(key_terms)
    head = claim.heads[0]
    best: tuple[int, bool, Finding] | None = None
    for p in candidates:
        passage = parsed.passages[p]
        text = passage.text
        for i in parsed.by_passage[p]:
            evidence = parsed.values[i]
            if not _same_measure(claim, evidence) or not _comparable(claim, evidence):
                continue
            a, b = evidence.value.span
            if evidence.planned and not claim.planned:
                continue  # a plan or target says nothing of what was done
            if _PER_PERIOD.search(text, max(0, a - 4), a):
                continue  # 연 40명 is a rate, not a total
            if claim.period and evidence.period:
                if not _periods_match(claim.period, evidence.period):
                    continue
            elif claim.period:
                line = _around(text, (a, b), 80, 80)
                if not any(_periods_match(claim.period, d) for d in scan(line).dates if d.year):
                    continue  # the claim's period is not the evidence's: not comparable
            elif evidence.period and evidence.table:
                continue  # a yearly table: a claim naming no year may mean another year
            date = isinstance(claim.value, DateMention)
            window = _window(text, (a, b), 40, 40 if date else 8) + evidence.context
            near = sum(1 for t in key_terms if t in window)
            if not (evidence.context if evidence.table else _label(text, a)).count(head):
                if head not in window and not (
                    len(evidence.heads) >= 2 and all(h in claim_text for h in evidence.heads[:2])
                ):
                    continue
                if date:  # a date's words follow it: 2021년 1월 직제 개편으로 스마트도시국
                    if not any(t in evidence.context for t in key_terms):
                        continue
                elif evidence.heads and not any(h in claim_text for h in evidence.heads[:2]):
                    continue
                mutual = bool(evidence.heads) and evidence.heads[0] == head and len(head) >= 3
                if near < need and not mutual:
                    continue
            agrees = _agree(claim.value, evidence.value)
            if best is None or near > best[0] or (near == best[0] and agrees and not best[1]):
                finding = _finding(claim, evidence, passage, agrees)
                best = (near, agrees, finding)
    if best is None or best[1]:
        return None
    return best[2]


_LABEL_END = re.compile(r"[\d)\]]")


def _label(text: str, a: int) -> str:
    """The compact words before position ``a`` on its line, back to the line's start or the
    previous number or closing bracket, when they end with a colon (``사업금액 : 금``): a
    label naming the value."""
    line_start = text.rfind("\n", 0, a) + 1
    before = text[line_start:a]
    cut = max((m.end() for m in _LABEL_END.finditer(before)), default=0)
    label = before[cut:]
    if ":" not in label and "：" not in label:
        return ""
    return _compact(label.split(":")[0].split("：")[0])


def _finding(claim: _Located, evidence: _Located, passage: Passage, agrees: bool) -> Finding:
    """The finding of ``claim`` met by ``evidence`` in ``passage``."""
    return Finding(
        claim_value=claim.value,
        evidence_value=evidence.value,
        passage_id=passage.id,
        span=evidence.value.span,
        agrees=agrees,
        document=passage.document,
        page=passage.page,
    )


def _decisive(claim: _Located, evidence: _Located) -> bool:
    """Rule 8: a disagreement that counts as a contradiction (never a plan or target,
    ``2026년에는 과제 2건을 추진할 계획``, against a claim of what was done)."""
    if evidence.planned and not claim.planned:
        return False
    if isinstance(evidence.value, Quantity) and evidence.value.kind == "plain":
        return False
    if claim.borrowed or evidence.borrowed:
        return False
    if (claim.period is None) != (evidence.period is None):
        return False
    if not claim.heads or not evidence.heads or claim.heads[0] not in evidence.context:
        return False
    # the evidence's nearest words are the claim's too: not 스마트 가로등 1,000대 for CCTV
    # (a date's words follow it and are looked for among all of them)
    near = evidence.words if isinstance(evidence.value, DateMention) else evidence.heads[:2]
    if not any(h in claim.context for h in near):
        return False
    # one side's heads all in the other's context: 이수율 31.6% and 교육 이수율은 29.8%, but
    # not IoT 센서 3,450개 and 수위 센서 140개 (수위 and iot are each missing on the other side)
    if not (
        all(h in evidence.context for h in claim.heads[:2])
        or all(h in claim.context for h in evidence.heads[:2])
    ):
        return False
    if isinstance(claim.value, DateMention) and len(claim.words) < 2:
        return False  # 2024년 개정 alone: which rule was amended?
    # most words of one side in the other: 시민 1,200명 만족도 조사 is not 공개 모집한 시민 150명
    return _mostly_in(claim.words, evidence.context) or _mostly_in(evidence.words, claim.context)


def _mostly_in(words: Sequence[str], context: str) -> bool:
    return 2 * sum(1 for w in words if w in context) > len(words)
