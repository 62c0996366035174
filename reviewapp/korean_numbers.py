"""Numbers, amounts, counts and dates in Korean text: found with their spans, normalized.

Pure functions, no Flask, no database. Source: issue 14 (part 3): a claim of the
self-evaluation table ("IoT 센서 139개소", "예산 12억 3천만 원", "이수율 31.6%") is checked
against the evidence (``reviewapp/claim_check.py``), which needs both sides' values in one
form. No well-kept library does this: the PyPI Korean number packages (korean-number,
kr-number, korcount, kornum, hangeul) convert one whole string, are single-author and
unmaintained or new, and none finds numbers in running text, keeps precision or knows
counters, table units or dates; so the Korean-specific logic lives here.

The rules, in order:

1. Reading. The text is read through a length-preserving normalisation (full-width digits
   and signs, the tildes, dashes and apostrophes Korean documents use), so every span is an
   offset into the text exactly as given and ``text[start:end]`` is what was written.
2. Not quantities. Found first and never read as numbers: dates (rule 6), phone numbers
   (``02-123-4567``, ``1588-1234``), ordinals and ids (``제2024-15호``, ``제3조``, ``3조 2항``,
   ``No. 12``, ``2024-15호``, ``1-2-3``), section numbers (``1.2.3``), clock times (``14:30``),
   URLs and e-mail addresses, list markers (``1.`` or ``(1)``), numbers glued to Latin
   letters (``5G``, ``v2.0``, ``COVID-19``), numbers glued to a Hangul word that is neither a
   counter nor a particle (``2단계``, ``1호선``, ``9시``), and ``N-M`` with no unit (``표 3-2``).
3. Numbers. Arabic digits with thousands commas (``1,200``: a comma followed by exactly three
   digits; ``1, 200`` is two numbers) and decimals (``3.15``); Korean place words 십 백 천
   (small) and 만 억 조 (big) after digits or Sino-Korean digit words (``12억 3천만``,
   ``2천5백만``, ``1억2,000만``, ``3만 5천``, ``1.2조``, ``십이만``, ``1,230,000천``). A group
   joins the one before it, across one space at most, when that one ends in a big unit
   larger than the new group; a group of digits alone joins after a space only after 만
   or before 원 (``1억 2,345만 6,789``, ``10억 1원``; ``4조 3교대`` is two). A Hangul
   digit after a big unit or after digits is a particle (``12억이``, ``3천이 넘는``). A
   number written in Hangul alone (``천``, ``십이만``) or in native numerals (``두 곳``) counts
   only before a counter or unit, at the start of a word (``수천 명`` is not one), and a
   place word alone only with a space before its counter (``천 명``, not ``만점``).
   ``N조`` with a whole N and nothing after it is a counter (``4조 3교대``: teams), not 10^12.
   A number alone before ``/`` and a count takes its counter (``13/20명``).
4. Units. A counter or unit follows the number, with or without one space, and gives the
   kind: ``amount`` (원, 달러, ``₩``/``$`` before), ``percent`` (%, 퍼센트, 프로), ``percent_point``
   (%p, %포인트, 퍼센트포인트, 포인트), ``count`` (개, 개소, 건, 명, 대, 회, 곳, 종, 식, 가구 ...,
   see ``COUNTERS``), ``measure`` (km, m², GB, 시간, 개월 ..., see ``MEASURES``) or ``plain`` (no
   unit). The unit is canonical (``㎞`` -> ``km``, ``㎡``/``m2`` -> ``m²``, ``퍼센트`` -> ``%``,
   ``%포인트`` -> ``%p``); a counter is kept as written. A table's unit header (``단위: 백만원``)
   is the caller's ``scale``: it applies to numbers written with no unit (``1,230`` ->
   1,230,000,000 원).
5. Precision: half a unit of the last written digit, in the quantity's unit, with Korean
   place words counted as digits: ``31.6%`` -> 0.05 %, ``1,200명`` -> 0.5 명, ``12억`` ->
   50,000,000 원 (0.5억), ``12억 3천만`` -> 5,000,000, ``천 명`` -> 500 명, ``1.2조`` -> 0.05조,
   ``1,230,000천원`` -> 500 원, ``1,230`` under ``백만원`` -> 500,000 원. A range keeps the
   coarser of its two ends' precisions.
6. Dates, with a granularity: day (``2024. 3. 15.``, ``2024년 3월 15일``, ``2024-03-15``),
   month (``2024.3.``, ``2024-03``, ``'24.3월``, ``24년 3월``), quarter (``2024년 1분기``),
   half (``2024년 상반기``), year (``2025년``, ``2025년도``, ``2025회계연도``, ``FY2025``, ``'25``; a
   two-digit ``24년`` only before a month or, for 15-39, when not a duration like ``20년간``).
   A year without a month is never a count. Year-less ``3월 15일``, ``3.15.`` and ``3월`` keep
   month/day with no year (``3.15`` with no final dot is a number). Ranges join two dates
   with ``~`` or ``-`` (``2024.3.~2024.12.``, ``2024년 3월~12월``, ``2021~2025년``). A Korean
   fiscal year is the calendar year.
7. Period: a quantity names the period of a date written in a parenthesis right after it
   (``1,020,000명(2025년 12월 기준)``), else of the nearest date with a year ending at most
   40 characters before it on the same line and in the same clause (``2025년 설치 139개소``
   -> ``2025``), unless that date is a start (``2020년부터``) or closed in brackets, else of
   a date opening a bracket at most 20 characters after it with no number between
   (``120명이 참여한 시민 설문(2023년 5월)``). Periods are strings: ``2025``, ``2025-03``, ``2025-03-15``,
   ``2025-Q1``, ``2025-H1``, a range ``2024-03/2024-12``.
8. Qualifiers, and the values a quantity allows (:meth:`Quantity.bounds`): plain -> value
   +- precision; ``approx`` (약, 대략, 가량, 내외, 정도, 쯤, 안팎) -> +- the larger of the
   precision and ``APPROX_TOLERANCE`` (10 %) of the value; 여/남짓 (``30여 건``: 30 and some)
   -> from the value up to, not including, the value plus the place of its last non-zero
   digit (30 -> [30, 40), 1,500 -> [1500, 1600)), also ``approx``; ``at_least`` (이상, 최소),
   ``more_than`` (초과, 넘게), ``at_most`` (이하, 이내, 최대), ``less_than`` (미만) -> one side,
   exact. 당 after a unit (``1만 명당``) marks a denominator: ``markers`` holds it, the
   value is unchanged. Two quantities agree (:func:`values_agree`) when the values they allow meet; a
   bound is tested against the other side's written value(s), not its precision, so
   ``30명`` is not ``30명 초과``.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal, localcontext

__all__ = [
    "APPROX_TOLERANCE",
    "COUNTERS",
    "KINDS",
    "MEASURES",
    "QUALIFIERS",
    "DateMention",
    "Quantity",
    "Scan",
    "convert",
    "convertible",
    "dates_agree",
    "find_dates",
    "find_quantities",
    "find_unit_header",
    "parse_number",
    "parse_period",
    "parse_scale",
    "period_contains",
    "scan",
    "values_agree",
]

KINDS = ("amount", "count", "percent", "percent_point", "measure", "plain")
QUALIFIERS = ("approx", "at_least", "more_than", "at_most", "less_than")
APPROX_TOLERANCE = Decimal("0.10")
"""약 30명 allows 27..33: 10 % of the value either way (or the precision, when larger)."""

# --------------------------------------------------------------------------- reading

_FULLWIDTH = {chr(0xFF10 + i): str(i) for i in range(10)}
_FULLWIDTH.update(
    {
        "，": ",",
        "．": ".",
        "％": "%",
        "～": "~",
        "〜": "~",
        "∼": "~",
        "－": "-",
        "–": "-",
        "—": "-",
        "−": "-",
        "‐": "-",
        "‑": "-",
        "＋": "+",
        "’": "'",
        "‘": "'",
        "`": "'",
        "＇": "'",
        "：": ":",
        "（": "(",
        "）": ")",
        "／": "/",
        "\u00a0": " ",
        "\u3000": " ",
        "\u2009": " ",
        "\u202f": " ",
    }
)
_FULLWIDTH.update({chr(0xFF21 + i): chr(0x41 + i) for i in range(26)})
_FULLWIDTH.update({chr(0xFF41 + i): chr(0x61 + i) for i in range(26)})
_TRANSLATE = str.maketrans(_FULLWIDTH)


def _normalize(text: str) -> str:
    """The text with one-for-one replacements only, so offsets stay valid."""
    return text.translate(_TRANSLATE)


def _is_hangul(ch: str) -> bool:
    return "가" <= ch <= "힣"


def _is_latin(ch: str) -> bool:
    return ("a" <= ch <= "z") or ("A" <= ch <= "Z")


# --------------------------------------------------------------------------- dates


@dataclass(frozen=True)
class DateMention:
    """A date, month, quarter, half or year written in the text, or a range of them.

    ``granularity``: day | month | quarter | half | year (a range: its first end's).
    ``start``/``end``: the first and last day it names, inclusive (None when no year is
    written, as in ``3월 15일``; then ``month``/``day`` say what was written). ``year``,
    ``month``, ``day``: the (first) date's written fields; ``quarter`` 1-4, ``half`` 1-2.
    ``span``: (start, end) offsets into the text; ``text``: what is written there.
    """

    text: str
    span: tuple[int, int]
    granularity: str
    start: dt.date | None
    end: dt.date | None
    year: int | None = None
    month: int | None = None
    day: int | None = None
    quarter: int | None = None
    half: int | None = None
    fiscal: bool = False
    is_range: bool = False
    kind: str = field(default="date", init=False)

    @property
    def period(self) -> str:
        """ISO-like period: ``2025``, ``2025-03``, ``2025-03-15``, ``2025-Q1``, ``2025-H2``,
        ``--03-15`` (no year), a range ``2024-03/2024-12``."""
        first = _period_of(self.granularity, self.year, self.month, self.day, self)
        if not self.is_range or self.end is None:
            return first
        end = self.end
        last = _period_of(
            self.granularity,
            end.year,
            end.month,
            end.day,
            None,
            quarter=(end.month - 1) // 3 + 1,
            half=1 if end.month <= 6 else 2,
        )
        return f"{first}/{last}"


def _period_of(
    granularity: str,
    year: int | None,
    month: int | None,
    day: int | None,
    mention: DateMention | None,
    *,
    quarter: int | None = None,
    half: int | None = None,
) -> str:
    if mention is not None:
        quarter, half = mention.quarter, mention.half
    y = f"{year:04d}" if year is not None else "-"
    if granularity == "year":
        return y
    if granularity == "quarter":
        return f"{y}-Q{quarter}"
    if granularity == "half":
        return f"{y}-H{half}"
    if granularity == "month":
        return f"{y}-{month:02d}"
    return f"{y}-{month:02d}-{day:02d}"


def _date_mention(
    s: str,
    original: str,
    a: int,
    b: int,
    granularity: str,
    *,
    year: int | None,
    month: int | None = None,
    day: int | None = None,
    quarter: int | None = None,
    half: int | None = None,
    fiscal: bool = False,
) -> DateMention | None:
    """A validated mention, or None when the fields are not a real date."""
    if month is not None and not 1 <= month <= 12:
        return None
    if year is not None and not 1900 <= year <= 2099:
        return None
    if day is not None:
        limit = calendar.monthrange(year or 2000, month or 1)[1]  # 2000: 29 Feb allowed
        if not 1 <= day <= limit:
            return None
    start = end = None
    if year is not None:
        if granularity == "day":
            start = end = dt.date(year, month, day)  # type: ignore[arg-type]
        elif granularity == "month":
            start = dt.date(year, month, 1)  # type: ignore[arg-type]
            end = dt.date(year, month, calendar.monthrange(year, month)[1])  # type: ignore[arg-type]
        elif granularity == "quarter":
            first = 3 * (quarter - 1) + 1  # type: ignore[operator]
            start = dt.date(year, first, 1)
            end = dt.date(year, first + 2, calendar.monthrange(year, first + 2)[1])
        elif granularity == "half":
            start = dt.date(year, 1 if half == 1 else 7, 1)
            end = dt.date(year, 6, 30) if half == 1 else dt.date(year, 12, 31)
        else:
            start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    return DateMention(
        text=original[a:b],
        span=(a, b),
        granularity=granularity,
        start=start,
        end=end,
        year=year,
        month=month,
        day=day,
        quarter=quarter,
        half=half,
        fiscal=fiscal,
    )


def _year2(text: str) -> int:
    n = int(text)
    return 2000 + n if n < 70 else 1900 + n


_SP = r"[ \t]*"
_Y4 = r"(?P<y>(?:19|20)\d{2})"
_YQ = rf"(?:'(?P<ya>\d{{2}})|{_Y4})"  # a year that may be '24
_M = r"(?P<m>\d{1,2})"
_D = r"(?P<d>\d{1,2})"
_NOT_NUM_AFTER = r"(?![\d,]|\.\d)"

# (pattern, granularity); every pattern is tried at every possible start and the longest
# valid match wins, so their order does not matter.
_DATE_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(rf"{_YQ}{_SP}년{_SP}{_M}{_SP}월{_SP}{_D}{_SP}일"), "day"),
    (re.compile(rf"{_YQ}{_SP}\.{_SP}{_M}{_SP}\.{_SP}{_D}(?:{_SP}\.)?(?![\d.])"), "day"),
    (re.compile(rf"{_Y4}(?P<sep>[-/]){_M}(?P=sep){_D}(?![\d\-/])"), "day"),
    (re.compile(rf"{_YQ}{_SP}년{_SP}{_M}{_SP}월"), "month"),
    (re.compile(rf"{_YQ}{_SP}\.{_SP}{_M}{_SP}(?:월|\.)(?!\d)"), "month"),
    (re.compile(rf"{_Y4}{_SP}\.{_SP}{_M}(?![\d%.]|{_SP}[~\-]?{_SP}\d)"), "month"),
    (re.compile(rf"{_Y4}{_SP}\.{_SP}{_M}(?={_SP}[~\-]{_SP}(?:19|20)\d\d)"), "month"),
    (re.compile(rf"(?P<ys>\d{{2}}){_SP}\.{_SP}{_M}{_SP}월"), "month"),
    (re.compile(rf"(?P<ys>\d{{2}}){_SP}년{_SP}{_M}{_SP}월"), "month"),
    (re.compile(rf"(?P<ys>\d{{2}}){_SP}년{_SP}{_M}{_SP}월{_SP}{_D}{_SP}일"), "day"),
    (re.compile(rf"{_Y4}[-/](?P<m>0[1-9]|1[0-2]|[1-9])(?![\d\-/.])"), "month"),
    (
        re.compile(
            rf"(?:{_YQ}|(?P<ys>\d{{2}}){_SP}년){_SP}(?:년도?{_SP})?제?{_SP}(?P<q>[1-4]){_SP}(?:/{_SP}4{_SP})?분기"
        ),
        "quarter",
    ),
    (re.compile(rf"{_Y4}{_SP}-?{_SP}Q(?P<q>[1-4])(?![\w])"), "quarter"),
    (
        re.compile(
            rf"(?:{_YQ}|(?P<ys>\d{{2}}){_SP}년){_SP}(?:년도?{_SP})?(?P<h>상반기|하반기|전반기|후반기)"
        ),
        "half",
    ),
    (re.compile(rf"{_Y4}-H(?P<h>[12])(?![\w])"), "half"),
    (re.compile(rf"{_YQ}{_SP}(?P<fy>회계{_SP}연도|회계{_SP}년도)"), "year"),
    (re.compile(rf"(?P<fy>FY|fy|Fy){_SP}'?(?:{_Y4}|(?P<ys>\d{{2}}))(?!\d)"), "year"),
    (re.compile(rf"{_YQ}{_SP}년도?"), "year"),
    (re.compile(r"(?P<ys>\d{2})년도"), "year"),
    (
        re.compile(
            r"(?P<ys>(?:1[5-9]|2\d|3\d))년(?![간동째차여이후전만내생]|\s*(?:간|동안|이상|이내|이하|미만|여|후|전|만에))"
        ),
        "year",
    ),
    (re.compile(r"'(?P<ya>\d{2})(?![\d.])"), "year"),
    # year-less: 3월 15일, 3.15., 3월
    (re.compile(rf"{_M}{_SP}월{_SP}{_D}{_SP}일"), "day"),
    (re.compile(rf"{_M}\.{_SP}?{_D}\.(?![\d])"), "day"),
    (re.compile(rf"{_M}{_SP}월(?![\d])"), "month"),
]
_DATE_START = re.compile(r"(?<![\d.,/:\-A-Za-z])(?:\d|'|FY|fy|Fy)")
_RANGE_SEP = re.compile(rf"{_SP}[~\-]{_SP}")
_YEAR_RANGE = re.compile(
    rf"(?P<y1>(?:19|20)\d{{2}}){_SP}(?:년{_SP})?[~\-]{_SP}(?P<y2>(?:19|20)\d{{2}})(?:{_SP}년(?:{_SP}도)?)?(?![\d.])"
)
_YEAR_RANGE_SHORT = re.compile(rf"'(?P<y1>\d{{2}}){_SP}~{_SP}'(?P<y2>\d{{2}})(?![\d.])")
_PARTIAL_MONTH = re.compile(rf"{_M}{_SP}(?:월|\.)(?!\d)")
_PARTIAL_DAYS = (
    re.compile(rf"{_M}{_SP}월{_SP}{_D}{_SP}일"),
    re.compile(rf"{_M}{_SP}\.{_SP}{_D}(?:{_SP}\.)?(?![\d.])"),
    re.compile(rf"{_D}{_SP}일"),
)


def _date_from_match(
    m: re.Match[str], granularity: str, s: str, original: str
) -> DateMention | None:
    g = m.groupdict()
    year: int | None = None
    if g.get("y"):
        year = int(g["y"])
    elif g.get("ya"):
        year = _year2(g["ya"])
    elif g.get("ys"):
        year = _year2(g["ys"])
    month = int(g["m"]) if g.get("m") else None
    day = int(g["d"]) if g.get("d") else None
    quarter = int(g["q"]) if g.get("q") else None
    half = None
    if g.get("h"):
        half = 1 if g["h"] in ("1", "상반기", "전반기") else 2
    fiscal = bool(g.get("fy"))
    return _date_mention(
        s,
        original,
        m.start(),
        m.end(),
        granularity,
        year=year,
        month=month,
        day=day,
        quarter=quarter,
        half=half,
        fiscal=fiscal,
    )


def _longest_date_at(s: str, original: str, i: int) -> DateMention | None:
    """The longest date written at ``i``; None also when the longest match is not a real
    date (``2023. 2. 30.`` is no date, not February; :func:`_invalid_date_end` blocks it)."""
    best, _ = _longest_date_and_invalid(s, original, i)
    return best


def _longest_date_and_invalid(s: str, original: str, i: int) -> tuple[DateMention | None, int]:
    best: DateMention | None = None
    longest_invalid = -1
    for pattern, granularity in _DATE_PATTERNS:
        m = pattern.match(s, i)
        if m is None:
            continue
        mention = _date_from_match(m, granularity, s, original)
        if mention is None:
            longest_invalid = max(longest_invalid, m.end())
        elif best is None or m.end() > best.span[1]:
            best = mention
    if best is not None and longest_invalid > best.span[1]:
        return None, longest_invalid
    return best, longest_invalid if best is None else -1


def _as_range(first: DateMention, last: DateMention, original: str) -> DateMention | None:
    if first.start is None or last.end is None or last.end < first.start:
        return None
    return replace(
        first,
        text=original[first.span[0] : last.span[1]],
        span=(first.span[0], last.span[1]),
        end=last.end,
        is_range=True,
    )


def _range_after(s: str, original: str, first: DateMention) -> DateMention | None:
    """``first`` extended by ``~ second`` when a second date (or a partial one) follows."""
    sep = _RANGE_SEP.match(s, first.span[1])
    if sep is None or first.start is None:
        return None
    j = sep.end()
    second = _longest_date_at(s, original, j)
    if second is not None and second.start is not None:
        return _as_range(first, second, original)
    year = first.year
    if first.granularity == "month":
        m = _PARTIAL_MONTH.match(s, j)
        if m:
            last = _date_mention(s, original, j, m.end(), "month", year=year, month=int(m["m"]))
            if last is not None:
                return _as_range(first, last, original)
    if first.granularity == "day":
        m = next((m for p in _PARTIAL_DAYS if (m := p.match(s, j))), None)
        if m:
            month = int(m["m"]) if "m" in m.groupdict() else first.month
            last = _date_mention(
                s, original, j, m.end(), "day", year=year, month=month, day=int(m["d"])
            )
            if last is not None:
                return _as_range(first, last, original)
    return None


def _year_range_at(s: str, original: str, i: int) -> DateMention | None:
    for pattern in (_YEAR_RANGE, _YEAR_RANGE_SHORT):
        m = pattern.match(s, i)
        if m is None:
            continue
        y1, y2 = m["y1"], m["y2"]
        first = _year2(y1) if len(y1) == 2 else int(y1)
        last = _year2(y2) if len(y2) == 2 else int(y2)
        if not first < last <= first + 50:
            continue
        return DateMention(
            text=original[m.start() : m.end()],
            span=(m.start(), m.end()),
            granularity="year",
            start=dt.date(first, 1, 1),
            end=dt.date(last, 12, 31),
            year=first,
            is_range=True,
        )
    return None


def _find_dates(s: str, original: str, mask: bytearray) -> list[DateMention]:
    found: list[DateMention] = []
    pos = 0
    for m in _DATE_START.finditer(s):
        i = m.start()
        if i < pos or mask[i]:
            continue
        mention = _year_range_at(s, original, i)
        single, invalid_end = _longest_date_and_invalid(s, original, i)
        if single is None and mention is None and invalid_end > i:
            _mark(mask, i, invalid_end)  # 2023. 2. 30.: neither a date nor numbers
            pos = invalid_end
            continue
        if single is not None:
            ranged = _range_after(s, original, single)
            if ranged is not None:
                single = ranged
        if single is not None and (mention is None or single.span[1] > mention.span[1]):
            mention = single
        if mention is None or any(mask[mention.span[0] : mention.span[1]]):
            continue
        found.append(mention)
        pos = mention.span[1]
    return found


# --------------------------------------------------------------------------- not numbers

_BLOCKS_FIRST = [
    re.compile(r"https?://\S+|www\.\S+|[\w.+-]+@[\w-]+\.[\w.]+"),
    re.compile(r"(?<![\d\-.])(?:0\d{1,2}|1[5-9]\d{2})-\d{3,4}(?:-\d{4})?(?![\d\-])"),
    re.compile(r"\(0\d{1,2}\)[ \t]*\d{3,4}-\d{4}(?!\d)"),
    re.compile(r"(?<![\d.])0\d{1,2}\.\d{3,4}\.\d{4}(?!\d)"),
    re.compile(r"(?<![\d,.])\d+[ \t]*조(?:의[ \t]*\d+)?[ \t]*제?[ \t]*\d+[ \t]*[항호]"),
    re.compile(
        r"(?<![가-힣])제[ \t]*\d[\d\-.,]*(?:[ \t]*(?:호|조|항|차|회|기|장|절|관|편|권|과|부|단계|년차|차년도|회차|위))?(?![ \t]*(?:/[ \t]*4[ \t]*)?분기)"
    ),
]
_BLOCKS_AFTER_DATES = [
    re.compile(r"(?<![\w\-])\d+(?:-\d+){2,}(?![\w\-])"),
    re.compile(r"(?<![\w\-])\d+-\d+[ \t]*호"),
    re.compile(r"(?<![\d.])\d+(?:\.\d+){2,}(?![\d])"),
    re.compile(r"(?<!\d)\d{1,2}:\d{2}(?::\d{2})?(?!\d)"),
    re.compile(r"(?:\b[Nn]o\.?|#)[ \t]*\d+"),
    re.compile(r"(?m)^[ \t]*\(?\d{1,2}[.)](?=[ \t])"),
    re.compile(r"\(\d{1,2}\)"),
    re.compile(r"(?<![\d.,])[A-Za-z]+[\-_]?\d+(?:[.,\-]\d+)*(?:[A-Za-z]\w*)?"),
]


def _mark(mask: bytearray, a: int, b: int) -> None:
    mask[a:b] = b"\x01" * (b - a)


def _block(s: str, mask: bytearray, patterns: Iterable[re.Pattern[str]]) -> None:
    for pattern in patterns:
        for m in pattern.finditer(s):
            if not any(mask[m.start() : m.end()]):
                _mark(mask, m.start(), m.end())


# --------------------------------------------------------------------------- numerals

_ARABIC = re.compile(r"\d{1,3}(?:,\d{3})+(?![\d])(?:\.\d+)?|\d+(?:\.\d+)?")
_SMALL = {"십": 1, "백": 2, "천": 3}
_BIG = {"만": 4, "억": 8, "조": 12}
_DIGIT_WORD = {"일": 1, "이": 2, "삼": 3, "사": 4, "오": 5, "육": 6, "칠": 7, "팔": 8, "구": 9}
_PLACE_WORDS = set(_SMALL) | set(_BIG)


@dataclass
class _Group:
    value: Decimal  # after its big unit
    last_exp: int  # power of ten of its last written digit, after the big unit
    end: int
    big: int | None  # exponent of its big unit
    korean: bool  # has a place word
    hangul_digits: bool  # has a Hangul digit word
    arabic: bool  # has arabic digits
    commas: bool


def _arabic(text: str) -> tuple[Decimal, int]:
    """(value, exponent of the last digit) of ``1,230.5``."""
    plain = text.replace(",", "")
    if "." in plain:
        return Decimal(plain), -len(plain.split(".", 1)[1])
    return Decimal(plain), 0


def _group(s: str, i: int, mask: bytearray) -> _Group | None:
    """One group: place-word terms (``2천5백``, ``1,230,000천``, ``십이``) then a big unit."""
    n = len(s)
    pos = i
    value = Decimal(0)
    last_exp = 0
    prev_small = 99
    terms = 0
    korean = hangul_digits = arabic = commas = False
    while pos < n and not mask[pos]:
        coef: Decimal | None = None
        coef_exp = 0
        nxt = pos
        is_arabic = False
        ch = s[pos]
        if ch.isdigit():
            m = _ARABIC.match(s, pos)
            assert m is not None
            coef, coef_exp = _arabic(m.group())
            nxt = m.end()
            is_arabic = True
        elif ch in _DIGIT_WORD and pos + 1 < n and s[pos + 1] in _PLACE_WORDS and not terms:
            coef = Decimal(_DIGIT_WORD[ch])  # 이천, 삼만
            nxt = pos + 1
        elif ch in _DIGIT_WORD and pos + 1 < n and s[pos + 1] in _SMALL:
            coef = Decimal(_DIGIT_WORD[ch])  # 이천오백: 오 before 백
            nxt = pos + 1
        unit = s[nxt] if nxt < n and not mask[nxt] else ""
        if unit in _SMALL:
            exp = _SMALL[unit]
            if exp >= prev_small:
                break
            if terms and coef is not None and (coef >= 10 or coef != coef.to_integral_value()):
                break
            value += (coef if coef is not None else Decimal(1)).scaleb(exp)
            last_exp = coef_exp + exp
            prev_small = exp
            korean = True
            if is_arabic:
                arabic = True
                commas = commas or "," in s[pos:nxt]
            elif coef is not None:
                hangul_digits = True
            pos = nxt + 1
            terms += 1
            continue
        if coef is not None and not is_arabic and terms == 0:
            value, last_exp, terms, hangul_digits = coef, 0, 1, True  # 삼만: 만 follows
            pos = nxt
        elif coef is not None and is_arabic:
            if terms == 0:
                value, last_exp, terms, arabic = coef, coef_exp, 1, True
                commas = "," in s[pos:nxt]
                pos = nxt
            elif coef < Decimal(10) ** prev_small and coef == coef.to_integral_value():
                value += coef
                last_exp = coef_exp
                arabic = True
                pos = nxt
                terms += 1
        elif terms and ch in _DIGIT_WORD and (prev_small == 1 or not arabic):
            # 십이, 이백일; never after digits (3천이 넘는: 이 is a particle)
            value += _DIGIT_WORD[ch]
            last_exp = 0
            hangul_digits = True
            pos += 1
        break
    big: int | None = None
    if pos < n and not mask[pos] and s[pos] in _BIG:
        if terms == 0:
            value, last_exp, terms = Decimal(1), 0, 1
        big = _BIG[s[pos]]
        value = value.scaleb(big)
        last_exp += big
        korean = True
        pos += 1
    if terms == 0:
        return None
    return _Group(value, last_exp, pos, big, korean, hangul_digits, arabic, commas)


@dataclass
class _Numeral:
    start: int
    end: int
    value: Decimal
    last_exp: int
    top_big: int | None
    groups: int
    korean: bool
    hangul_only: bool
    plain_integer_team: bool  # "4조" alone: a team count, unless 원 follows


_WON_AT = re.compile(r" ?원")


def _numeral(s: str, i: int, mask: bytearray, *, whole: bool = False) -> _Numeral | None:
    """The number written at ``i`` (rule 3). ``whole``: the text is one number, so a plain
    group after a space always joins (``9,246조 7,159억 6,940``)."""
    first = _group(s, i, mask)
    if first is None:
        return None
    total, last_exp, end = first.value, first.last_exp, first.end
    top_big = first.big
    prev_big = first.big
    korean = first.korean
    hangul_only = not first.arabic
    groups = 1
    while prev_big is not None:
        j = end
        spaced = j < len(s) and s[j] == " "
        if spaced:
            j += 1
        if j >= len(s) or mask[j] or not (s[j].isdigit() or s[j] in _DIGIT_WORD or s[j] in _SMALL):
            break
        nxt = _group(s, j, mask)
        if nxt is None:
            break
        if nxt.big is not None and nxt.big >= prev_big:
            break
        if nxt.value >= Decimal(10) ** prev_big:
            break
        if (
            not nxt.korean
            and prev_big != 4
            and spaced
            and not whole
            and not _WON_AT.match(s, nxt.end)
        ):
            break  # 4조 3교대 is two counts; 10억 1원 is one amount  # a plain group joins only after 만 (2,345만 6,789); 4조 3교대 stays two
        if not nxt.arabic and not nxt.korean:
            break
        total += nxt.value
        last_exp = nxt.last_exp
        end = nxt.end
        prev_big = nxt.big
        korean = True
        hangul_only = hangul_only and not nxt.arabic
        groups += 1
    team = (
        groups == 1
        and first.big == 12
        and first.arabic
        and first.value.scaleb(-12) == first.value.scaleb(-12).to_integral_value()
        and not first.commas
    )
    return _Numeral(i, end, total, last_exp, top_big, groups, korean, hangul_only, team)


# --------------------------------------------------------------------------- units

# surface -> (canonical unit, kind); Korean counters that begin other words are refused
# when followed by one of the syllables in _NOT_AFTER (3원칙, 2대학, 5회의).
_UNIT_TABLE: dict[str, tuple[str, str]] = {
    "원": ("원", "amount"),
    "달러": ("달러", "amount"),
    "%p": ("%p", "percent_point"),
    "%P": ("%p", "percent_point"),
    "%pt": ("%p", "percent_point"),
    "%포인트": ("%p", "percent_point"),
    "% 포인트": ("%p", "percent_point"),
    "퍼센트포인트": ("%p", "percent_point"),
    "퍼센트 포인트": ("%p", "percent_point"),
    "포인트": ("%p", "percent_point"),
    "%": ("%", "percent"),
    "퍼센트": ("%", "percent"),
    "프로": ("%", "percent"),
}
COUNTERS: tuple[str, ...] = (
    "개소",
    "개사",
    "개교",
    "개국",
    "개 기관",
    "개",
    "곳",
    "건",
    "명",
    "인",
    "대",
    "회",
    "번",
    "차례",
    "종류",
    "종",
    "식",
    "가구",
    "세대",
    "가지",
    "팀",
    "점",
    "권",
    "편",
    "기관",
    "단체",
    "업체",
    "그루",
    "마리",
    "척",
    "노선",
    "마을",
    "과제",
    "교대",
    "개 분야",
    "분야",
)
"""Counters taken as ``count`` units, as written (``개 기관`` and ``개 분야`` read as one)."""

MEASURES: dict[str, str] = {
    "km²": "km²",
    "km2": "km²",
    "㎢": "km²",
    "제곱킬로미터": "km²",
    "m²": "m²",
    "m2": "m²",
    "㎡": "m²",
    "제곱미터": "m²",
    "km": "km",
    "㎞": "km",
    "킬로미터": "km",
    "cm": "cm",
    "㎝": "cm",
    "mm": "mm",
    "㎜": "mm",
    "m": "m",
    "미터": "m",
    "ha": "ha",
    "헥타르": "ha",
    "평": "평",
    "kg": "kg",
    "㎏": "kg",
    "킬로그램": "kg",
    "톤": "t",
    "GB": "GB",
    "TB": "TB",
    "MB": "MB",
    "PB": "PB",
    "Gbps": "Gbps",
    "Mbps": "Mbps",
    "kW": "kW",
    "kWh": "kWh",
    "MW": "MW",
    "MWh": "MWh",
    "GW": "GW",
    "GWh": "GWh",
    "℃": "℃",
    "L": "L",
    "ℓ": "L",
    "리터": "L",
    "시간": "시간",
    "분": "분",
    "초": "초",
    "일간": "일",
    "일": "일",
    "주간": "주",
    "개월": "개월",
    "년간": "년",
    "년": "년",
}
"""Measure units: written form -> canonical unit."""

for _counter in COUNTERS:
    _UNIT_TABLE[_counter] = (_counter.replace(" ", ""), "count")
for _surface, _canonical in MEASURES.items():
    _UNIT_TABLE[_surface] = (_canonical, "measure")
_UNIT_TABLE["개 기관"] = ("기관", "count")
_UNIT_TABLE["개 분야"] = ("분야", "count")
_UNIT_TABLE["곳"] = ("곳", "count")
_UNITS_LONGEST = sorted(_UNIT_TABLE, key=len, reverse=True)

_NOT_AFTER: dict[str, str] = {
    "원": "칙인장형리천본래활료자소",
    "명": "칭단시확품소예령문절함목성언",
    "건": "물축강설전립립의국",
    "개": "발선최정편방념혁설시통척관막별입성량장요",
    "인": "증력정프식지상근터가권구재",
    "대": "상학책비응표형회한구기화전출통규량체안중",
    "회": "의사계원장복관견차담원",
    "번": "째호지길",
    "종": "합료사목별교",
    "식": "별품당사물재",
    "점": "검수포유진자선심",
    "권": "역한고리장익",
    "편": "성의리집",
    "분": "야석기류의배리담",
    "초": "과등기반점청안",
    "일": "반부상자정종",
    "년": "간",
    "평": "가균택생화",
    "프로": "그젝세필모토듀",
    "포인트": "",
    "팀": "장원",
    "가지": "",
    "마을": "",
    "교대": "",
    "분야": "별",
    "과제": "",
    "차례": "",
}
_NOT_AFTER_ALL = "째"  # 2번째, 3개째: ordinals

# Particles and the like that may follow a bare number (else a Hangul word glued to it
# makes it part of a name: 2단계, 1호선).
_PARTICLES = (
    "으로",
    "에서",
    "부터",
    "까지",
    "보다",
    "이며",
    "이고",
    "이다",
    "이나",
    "대비",
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
    "씩",
    "였",
    "및",
    "중",
)

_PREFIX_MARKERS = {
    "약": "approx",
    "대략": "approx",
    "대략적으로": "approx",
    "최소": "at_least",
    "최대": "at_most",
}
_PREFIX_RE = re.compile(r"(?:(약|대략|최소|최대)[ \t]*)$")
_SUFFIX_MARKERS: list[tuple[str, str]] = [
    ("이상", "at_least"),
    ("초과", "more_than"),
    ("넘게", "more_than"),
    ("넘는", "more_than"),
    ("이하", "at_most"),
    ("이내", "at_most"),
    ("미만", "less_than"),
    ("내외", "approx"),
    ("가량", "approx"),
    ("정도", "approx"),
    ("안팎", "approx"),
    ("남짓", "approx"),
    ("쯤", "approx"),
    ("여", "approx"),
]
_BOUNDS = ("at_least", "more_than", "at_most", "less_than")


def parse_scale(scale: str) -> tuple[Decimal, str, str]:
    """A table's unit header as (multiplier, canonical unit, kind).

    ``백만원`` -> (1000000, "원", "amount"); ``천원`` -> (1000, "원", "amount"); ``%`` ->
    (1, "%", "percent"); ``개소`` -> (1, "개소", "count"); ``억원`` -> (100000000, "원",
    "amount"). Raises ValueError for text that is not a unit.
    """
    s = _normalize(scale).strip().strip("()[]").strip()
    s = re.sub(r"^단위[ \t]*[:：]?[ \t]*", "", s)
    mult = Decimal(1)
    i = 0
    if s and (s[0] in _PLACE_WORDS or s[0] in _DIGIT_WORD or s[0].isdigit()):
        numeral = _numeral(s, 0, bytearray(len(s)))
        if numeral is not None:
            mult, i = numeral.value, numeral.end
    rest = s[i:].strip()
    if rest in _UNIT_TABLE:
        unit, kind = _UNIT_TABLE[rest]
        return mult, unit, kind
    raise ValueError(f"not a unit: {scale!r}")


_UNIT_HEADER = re.compile(
    r"[(\[<]?[ \t]*단위[ \t]*[:：][ \t]*(?P<u>[^)\]>,\n/]+?)[ \t]*(?:[)\]>,\n/]|$)"
)


def find_unit_header(text: str) -> str | None:
    """The unit of a table's ``(단위: 백만원)`` header in ``text``, e.g. ``백만원``; None if none
    (or when it names no unit :func:`parse_scale` knows)."""
    for m in _UNIT_HEADER.finditer(_normalize(text)):
        unit = m["u"].strip()
        try:
            parse_scale(unit)
        except ValueError:
            continue
        return unit
    return None


# --------------------------------------------------------------------------- quantities


@dataclass(frozen=True)
class Quantity:
    """A number with its unit as written in the text, normalized.

    ``value``: the number in ``unit`` (a range's low end), ``high``: a range's high end
    (None for one value). ``unit``: canonical unit, "" for a plain number; ``kind``: one of
    ``KINDS``. ``precision``: half a unit of the last written digit, in ``unit`` (rule 5).
    ``qualifier``: one of ``QUALIFIERS`` or None; ``markers``: the words that gave it, as
    written (약, 여, 이상 ...). ``period``: the period string of the date it is tied to
    (rule 7) or None. ``span``/``text``: where it is written, markers and unit included.
    """

    value: Decimal
    unit: str
    kind: str
    precision: Decimal
    span: tuple[int, int]
    text: str
    high: Decimal | None = None
    qualifier: str | None = None
    markers: tuple[str, ...] = ()
    period: str | None = None

    @property
    def is_range(self) -> bool:
        return self.high is not None

    @property
    def low(self) -> Decimal:
        return self.value

    def bounds(self) -> tuple[Decimal | None, Decimal | None, bool, bool]:
        """The values this quantity allows: (low, high, low_open, high_open), rule 8.

        None is unbounded; an open end excludes its value. Raises nothing.
        """
        low = self.value
        high = self.high if self.high is not None else self.value
        q = self.qualifier
        if q == "at_least":
            return low, None, False, False
        if q == "more_than":
            return low, None, True, False
        if q == "at_most":
            return None, high, False, False
        if q == "less_than":
            return None, high, False, True
        lo, hi = low - self.precision, high + self.precision
        hi_open = q is None  # 31.6 stands for [31.55, 31.65): rounding half up
        if q == "approx":
            if any(m in ("여", "남짓") for m in self.markers):
                hi, hi_open = high + _last_place(high), True
                lo = low
                if any(m in ("약", "대략") for m in self.markers):
                    lo = low - max(self.precision, abs(low) * APPROX_TOLERANCE)
            else:
                lo = low - max(self.precision, abs(low) * APPROX_TOLERANCE)
                hi = high + max(self.precision, abs(high) * APPROX_TOLERANCE)
        return lo, hi, False, hi_open


def _last_place(value: Decimal) -> Decimal:
    """The place of the last non-zero digit: 30 -> 10, 1500 -> 100, 1.5 -> 0.1, 0 -> 1."""
    if value == 0:
        return Decimal(1)
    sign, digits, exponent = abs(value).normalize().as_tuple()
    return Decimal(1).scaleb(int(exponent))


def _tidy(value: Decimal) -> Decimal:
    """1.2E+12 -> 1200000000000, 31.60 -> 31.6 (same number, plain digits)."""
    with localcontext() as ctx:
        ctx.prec = 50
        if value == value.to_integral_value():
            return value.quantize(Decimal(1))
        return value.normalize()


def _precision(last_exp: int, multiplier: Decimal = Decimal(1)) -> Decimal:
    return _tidy(Decimal(5).scaleb(last_exp - 1) * multiplier)


@dataclass
class _Unit:
    unit: str
    kind: str
    start: int
    end: int


_UNITS_BY_FIRST: dict[str, list[str]] = {}
for _surface in _UNITS_LONGEST:
    _UNITS_BY_FIRST.setdefault(_surface[0], []).append(_surface)


def _unit_accepted(s: str, k: int, surface: str) -> bool:
    end = k + len(surface)
    after = s[end] if end < len(s) else ""
    last = surface[-1]
    if _is_latin(last) or last in "²2":
        return not (_is_latin(after) or after.isdigit())
    if _is_hangul(last):
        return after == "" or after not in _NOT_AFTER.get(surface, "") + _NOT_AFTER_ALL
    return True


def _unit_at(s: str, j: int, mask: bytearray) -> _Unit | None:
    """The unit written at ``j`` (one space before it allowed), longest first."""
    k = j
    if k < len(s) and s[k] == " ":
        k += 1
    if k >= len(s) or mask[k]:
        return None
    for surface in _UNITS_BY_FIRST.get(s[k], ()):
        if not s.startswith(surface, k) or any(mask[k : k + len(surface)]):
            continue
        if _unit_accepted(s, k, surface):
            unit, kind = _UNIT_TABLE[surface]
            return _Unit(unit, kind, k, k + len(surface))
    return None


def _prefix_marker(s: str, start: int, mask: bytearray) -> tuple[int, str | None, str | None]:
    """(new start, marker, qualifier) for 약/대략/최소/최대 written just before ``start``."""
    lo = max(0, start - 8)
    m = _PREFIX_RE.search(s[lo:start])
    if m is None:
        return start, None, None
    a = lo + m.start()
    if a > 0 and _is_hangul(s[a - 1]):
        return start, None, None
    if any(mask[a:start]):
        return start, None, None
    word = m.group(1)
    return a, word, _PREFIX_MARKERS[word]


def _suffix_marker(s: str, j: int, mask: bytearray) -> tuple[int, str | None, str | None]:
    k = j
    if k < len(s) and s[k] == " ":
        k += 1
    for word, qualifier in _SUFFIX_MARKERS:
        if s.startswith(word, k) and not any(mask[k : k + len(word)]):
            if word == "여":
                after = s[k + 1 : k + 2]
                if k != j or (after and _is_hangul(after) and after not in "명건개곳회년"):
                    continue
            if word == "정도" and s[k + 2 : k + 3] not in (
                "",
                " ",
                ",",
                ".",
                ")",
                "의",
                "로",
                "이",
                "를",
                "는",
            ):
                continue
            return k + len(word), word, qualifier
    return j, None, None


@dataclass
class _Read:
    """One number read with what follows it (before range and period handling)."""

    start: int
    end: int
    numeral: _Numeral
    unit: _Unit | None
    markers: list[str]
    qualifier: str | None
    sign: int


def _read_one(s: str, i: int, mask: bytearray) -> _Read | None:
    numeral = _numeral(s, i, mask)
    if numeral is None:
        return None
    j = numeral.end
    markers: list[str] = []
    qualifier: str | None = None
    # 30여 건: 여 between the number and its counter
    if j < len(s) and s[j] == "여" and not mask[j]:
        unit_after = _unit_at(s, j + 1, mask)
        if unit_after is not None and unit_after.kind == "count":
            markers.append("여")
            qualifier = "approx"
            j += 1
    unit = _unit_at(s, j, mask)
    if unit is not None:
        j = unit.end
    return _Read(i, j, numeral, unit, markers, qualifier, 1)


def _sign_before(s: str, i: int) -> tuple[int, int]:
    if i > 0 and s[i - 1] in "-△▽+▲":
        before = s[i - 2] if i >= 2 else ""
        if before == "" or before in " \t\n(:[" or before == "=":
            return i - 1, (-1 if s[i - 1] in "-△▽" else 1)
    return i, 1


_NUMBER_START = re.compile(r"\d|[일이삼사오육칠팔구십백천만억]")
_NATIVE = re.compile(
    r"(?<![가-힣])(?P<n>열[한두세네]|열다섯|열여섯|열일곱|열여덟|열아홉|스무|한|두|세|네|다섯|여섯|일곱|여덟|아홉|열)"
    r"[ \t]+(?P<c>명|곳|개소|개|건|대|번|차례|가지|회|팀|권|가구|기관|마을|노선)(?![가-힣])"
)
_NATIVE_VALUES = {
    "한": 1,
    "두": 2,
    "세": 3,
    "네": 4,
    "다섯": 5,
    "여섯": 6,
    "일곱": 7,
    "여덟": 8,
    "아홉": 9,
    "열": 10,
    "열한": 11,
    "열두": 12,
    "열세": 13,
    "열네": 14,
    "열다섯": 15,
    "열여섯": 16,
    "열일곱": 17,
    "열여덟": 18,
    "열아홉": 19,
    "스무": 20,
}


def _skip_number(s: str, i: int) -> int:
    m = _ARABIC.match(s, i)
    return m.end() if m else i + 1


def _find_quantities(
    s: str,
    original: str,
    mask: bytearray,
    scale: tuple[Decimal, str, str] | None,
) -> list[Quantity]:
    out: list[Quantity] = []
    pos = 0
    for m in _NUMBER_START.finditer(s):
        i = m.start()
        if i < pos or mask[i]:
            continue
        ch = s[i]
        prev = s[i - 1] if i else ""
        if ch.isdigit():
            if prev and (prev.isdigit() or prev == "."):
                continue
            if prev and _is_latin(prev):
                pos = _skip_number(s, i)
                continue
            if prev == "-" and i >= 2 and (_is_latin(s[i - 2]) or s[i - 2].isdigit()):
                pos = _skip_number(s, i)
                continue
        elif prev and (_is_hangul(prev) or prev.isdigit() or _is_latin(prev)):
            continue
        first = _read_one(s, i, mask)
        if first is None:
            continue
        quantity = _finish(s, original, mask, first, scale)
        if quantity is None:
            pos = max(pos, first.numeral.end)
            continue
        if isinstance(quantity, int):
            pos = quantity
            continue
        out.append(quantity)
        _mark(mask, quantity.span[0], quantity.span[1])
        pos = quantity.span[1]
    for m in _NATIVE.finditer(s):
        if any(mask[m.start() : m.end()]):
            continue
        counter = m["c"]
        value = Decimal(_NATIVE_VALUES[m["n"]])
        a, marker, qualifier = _prefix_marker(s, m.start(), mask)
        end, smarker, squal = _suffix_marker(s, m.end(), mask)
        markers = tuple(x for x in (marker, smarker) if x)
        out.append(
            Quantity(
                value=value,
                unit=counter,
                kind="count",
                precision=Decimal("0.5"),
                span=(a, end),
                text=original[a:end],
                qualifier=squal if squal in _BOUNDS else (qualifier or squal),
                markers=markers,
            )
        )
        _mark(mask, a, end)
    out.sort(key=lambda q: q.span)
    return out


def _finish(
    s: str,
    original: str,
    mask: bytearray,
    first: _Read,
    scale: tuple[Decimal, str, str] | None,
) -> Quantity | int | None:
    """The quantity starting with ``first``: sign, markers, a range, unit rules.

    Returns an int (a position to skip to) when the text there is not a quantity.
    """
    n = len(s)
    num = first.numeral
    unit = first.unit
    end = first.end
    high_read: _Read | None = None
    # range: 7~9건, 7건~9건, 7-9건, 5~10만 원
    sep = _RANGE_SEP.match(s, end)
    if sep is not None and sep.end() < n and not mask[sep.end()] and s[sep.end()].isdigit():
        second = _read_one(s, sep.end(), mask)
        hyphen = "-" in s[end : sep.end()]
        if second is not None:
            unit2 = second.unit or unit
            compatible = unit is None or second.unit is None or unit.unit == second.unit.unit
            if hyphen and unit2 is None:
                return second.end  # 3-2: a number of a table or a section, not a range
            if compatible and not (hyphen and unit is not None and second.unit is None):
                high_read = second
                unit = unit2
                end = second.end
        elif hyphen:
            return _skip_number(s, sep.end())
    # 13/20명: a part of a whole counts in the whole's counter
    if (
        unit is None
        and high_read is None
        and end + 1 < n
        and s[end] == "/"
        and s[end + 1].isdigit()
    ):
        whole = _read_one(s, end + 1, mask)
        if whole is not None and whole.unit is not None and whole.unit.kind == "count":
            unit = whole.unit
    # the number must end where a word may end: 5G, 2단계 and 1호선 are names
    after = s[end] if end < n else ""
    if unit is None and after:
        if _is_latin(after):
            return end + 1
        if (
            _is_hangul(after)
            and not any(s.startswith(p, end) for p in _PARTICLES)
            and not any(s.startswith(w, end) for w, _ in _SUFFIX_MARKERS)
        ):
            return end
    if num.hangul_only and unit is None and not (high_read and high_read.unit):
        return None
    if num.hangul_only and num.end - num.start == 1 and (unit is None or unit.start == num.end):
        return None  # 만점, 천명: a place word alone needs a space before its counter (천 명)
    if num.hangul_only and not num.korean:
        return None
    value = num.value
    last_exp = num.last_exp
    kind = "plain"
    unit_name = ""
    multiplier = Decimal(1)
    if unit is not None:
        unit_name, kind = unit.unit, unit.kind
    # 4조 3교대: teams; 2조 원, 1.2조 and 2조 8,460억 are 10^12
    if num.plain_integer_team and unit is None and high_read is None:
        value, last_exp = num.value.scaleb(-12), 0
        unit_name, kind = "조", "count"
    if unit is None and scale is not None and kind == "plain":
        multiplier, unit_name, kind = scale
    high: Decimal | None = None
    high_exp = last_exp
    if high_read is not None:
        hnum = high_read.numeral
        high, high_exp = hnum.value, hnum.last_exp
        if (
            num.top_big is None
            and not num.korean
            and hnum.top_big is not None
            and value < Decimal(10) ** 4
        ):
            # 5~10만 원: the first end takes the second's big unit
            value = value.scaleb(hnum.top_big)
            last_exp += hnum.top_big
    start, sign = _sign_before(s, first.start)
    if sign < 0 and high_read is not None:
        sign = 1  # -3~5 is not read as a signed range
        start = first.start
    value = value * sign * multiplier
    if high is not None:
        high = high * multiplier
        if high < value:
            return high_read.end if high_read else None
    markers = list(first.markers)
    qualifier = first.qualifier
    if high_read is not None and high_read.markers:
        markers += high_read.markers
        qualifier = high_read.qualifier
    # 1만 명당: a denominator (kept in markers)
    if end < n and s[end] == "당" and unit is not None and not mask[end]:
        markers.append("당")
        end += 1
    # 1년여: 여 after the unit
    if end < n and s[end] == "여" and unit is not None and not mask[end]:
        after2 = s[end + 1] if end + 1 < n else ""
        if not _is_hangul(after2):
            markers.append("여")
            qualifier = qualifier or "approx"
            end += 1
    pre_start, pre_word, pre_qual = _prefix_marker(s, start, mask)
    if pre_word:
        start = pre_start
        markers.insert(0, pre_word)
        if pre_qual in _BOUNDS or qualifier is None:
            qualifier = pre_qual
    new_end, suf_word, suf_qual = _suffix_marker(s, end, mask)
    if suf_word and suf_word != "여":
        end = new_end
        markers.append(suf_word)
        if suf_qual in _BOUNDS or qualifier is None:
            qualifier = suf_qual
    precision = _precision(last_exp if high is None else max(last_exp, high_exp), multiplier)
    currency = start > 0 and s[start - 1] in "₩$" and kind == "plain"
    if currency:
        start -= 1
        unit_name, kind = ("원" if s[start] == "₩" else "달러"), "amount"
    return Quantity(
        value=_tidy(value),
        unit=unit_name,
        kind=kind,
        precision=precision,
        span=(start, end),
        text=original[start:end],
        high=_tidy(high) if high is not None else None,
        qualifier=qualifier,
        markers=tuple(markers),
    )


# --------------------------------------------------------------------------- periods

_PERIOD_BEFORE = 40
_PARENTHESIS_DATE = re.compile(r"[ \t]*[(\[][ \t]*")
_STARTS = ("부터", "이후", "이래", "以來")
# a sentence end, or a clause that ends with a connective (하였으며, 있고, 되어): the date
# before it belongs to that clause
_CLAUSE_END = re.compile(
    r"[다음함됨]\.\s|[.!?]\s+[가-힣A-Z]"
    r"|(?:으며|이며|하며|되며|었으며|였으며|하고|되고|있고|였고|었고|했고|하여|되어|해서|으나|지만|는데),?\s"
)


_PERIOD_AFTER = 20
_FOLLOWING = re.compile(rf"[^\n().!?\d]{{0,{_PERIOD_AFTER}}}?\([ \t]*")


def _following_parenthesis(
    s: str, q: Quantity, dated: list[DateMention], starts: list[int]
) -> str | None:
    """``시민단 120명이 참여한 시민 설문(2023년 5월)``: a date in brackets a few words on."""
    m = _FOLLOWING.match(s, q.span[1])
    if m is None:
        return None
    k = bisect_left(starts, m.end())
    if k < len(dated) and starts[k] == m.end():
        return dated[k].period
    return None


def _attach_periods(s: str, quantities: list[Quantity], dates: list[DateMention]) -> list[Quantity]:
    dated = [d for d in dates if d.start is not None]
    if not dated:
        return quantities
    starts = [d.span[0] for d in dated]
    ends = [d.span[1] for d in dated]
    out = []
    for q in quantities:
        period: str | None = None
        m = _PARENTHESIS_DATE.match(s, q.span[1])
        if m is not None:
            k = bisect_left(starts, m.end())
            if k < len(dated) and starts[k] == m.end():
                period = dated[k].period
        if period is None:
            k = bisect_left(ends, q.span[0] + 1) - 1
            if k >= 0:
                d = dated[k]
                gap = s[d.span[1] : q.span[0]]
                if (
                    len(gap) <= _PERIOD_BEFORE
                    and "\n" not in gap
                    and not gap.lstrip().startswith(_STARTS)
                    and gap.count(")") <= gap.count("(")
                    and not _CLAUSE_END.search(gap)
                ):
                    period = d.period
        if period is None:
            period = _following_parenthesis(s, q, dated, starts)
        out.append(replace(q, period=period) if period else q)
    return out


# --------------------------------------------------------------------------- public API


# digits alone, not a year with a month (2024.3)
_PLAIN_NUMBER = re.compile(r"[ \t]*(?!(?:19|20)\d\d\.)(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?[ \t]*")


@dataclass(frozen=True)
class Scan:
    """Everything :func:`scan` found in one text: quantities and dates, each by position."""

    quantities: list[Quantity]
    dates: list[DateMention]


def scan(text: str, *, scale: str | None = None) -> Scan:
    """The quantities and dates of ``text`` (rules 1-7), each sorted by position.

    ``scale``: the unit header of the table the text comes from (``"백만원"``, ``"천원"``,
    ``"%"``, ``"개소"``; see :func:`parse_scale`), applied to numbers written with no unit.
    Raises ValueError for a ``scale`` that is not a unit.
    """
    parsed_scale = parse_scale(scale) if scale else None
    s = _normalize(text)
    mask = bytearray(len(s))
    dates: list[DateMention] = []
    if not _PLAIN_NUMBER.fullmatch(s):  # a spreadsheet cell: no date, id or code to find
        _block(s, mask, _BLOCKS_FIRST)
        dates = _find_dates(s, text, mask)
        for d in dates:
            _mark(mask, d.span[0], d.span[1])
        _block(s, mask, _BLOCKS_AFTER_DATES)
    quantities = _find_quantities(s, text, mask, parsed_scale)
    quantities = _attach_periods(s, quantities, dates)
    return Scan(quantities=quantities, dates=dates)


def find_quantities(text: str, *, scale: str | None = None) -> list[Quantity]:
    """The quantities of ``text`` (not its dates), sorted by position. See :func:`scan`."""
    return scan(text, scale=scale).quantities


def find_dates(text: str) -> list[DateMention]:
    """The dates, months, quarters, halves, years and their ranges in ``text`` (rule 6)."""
    return scan(text).dates


def parse_number(text: str) -> Decimal:
    """The number that is the whole of ``text``: ``"12억 3천만"`` -> 1230000000.

    Digits, commas, decimals and Korean place words as in rule 3; an optional sign.
    Surrounding spaces are ignored; a unit is not allowed (use :func:`find_quantities`).
    Raises ValueError when ``text`` is not exactly one number.
    """
    s = _normalize(text).strip()
    sign = 1
    if s[:1] in ("-", "+"):
        sign = -1 if s[0] == "-" else 1
        s = s[1:]
    if not s:
        raise ValueError(f"not a number: {text!r}")
    numeral = _numeral(s, 0, bytearray(len(s)), whole=True)
    if numeral is None or numeral.end != len(s):
        raise ValueError(f"not a number: {text!r}")
    if numeral.hangul_only and not numeral.korean:
        raise ValueError(f"not a number: {text!r}")
    return _tidy(numeral.value * sign)


def parse_period(text: str) -> DateMention:
    """A period given by a caller: ``2025``, ``2025년``, ``FY2025``, ``2025-Q1``, ``2025-H1``,
    ``2025-03``, ``2024.3.~2024.12.``, ``2024-03/2024-12`` (the :attr:`DateMention.period`
    strings parse back). Raises ValueError when ``text`` is not one period with a year."""
    s = _normalize(text).strip()
    if re.fullmatch(r"(?:19|20)\d{2}", s):
        year = int(s)
        return DateMention(s, (0, len(s)), "year", dt.date(year, 1, 1), dt.date(year, 12, 31), year)
    if "/" in s and s.count("/") == 1 and re.fullmatch(r"[\dQH\-]+/[\dQH\-]+", s):
        first, last = (parse_period(part) for part in s.split("/"))
        if first.start and last.end and first.start <= last.end:
            return replace(first, text=s, span=(0, len(s)), end=last.end, is_range=True)
        raise ValueError(f"not a period: {text!r}")
    dates = find_dates(s)
    if len(dates) != 1 or dates[0].span != (0, len(s)) or dates[0].start is None:
        raise ValueError(f"not a period: {text!r}")
    return dates[0]


def period_contains(outer: DateMention, inner: DateMention) -> bool:
    """Whether every day of ``inner`` is a day of ``outer`` (both need a year)."""
    if outer.start is None or outer.end is None or inner.start is None or inner.end is None:
        return False
    return outer.start <= inner.start and inner.end <= outer.end


_FAMILIES: dict[str, tuple[str, Decimal]] = {
    "km": ("length", Decimal(1000)),
    "m": ("length", Decimal(1)),
    "cm": ("length", Decimal("0.01")),
    "mm": ("length", Decimal("0.001")),
    "km²": ("area", Decimal(1000000)),
    "m²": ("area", Decimal(1)),
    "ha": ("area", Decimal(10000)),
    "kg": ("mass", Decimal(1)),
    "t": ("mass", Decimal(1000)),
    "시간": ("time", Decimal(3600)),
    "분": ("time", Decimal(60)),
    "초": ("time", Decimal(1)),
    "일": ("time", Decimal(86400)),
    "주": ("time", Decimal(604800)),
    "개월": ("months", Decimal(1)),
    "년": ("months", Decimal(12)),
    "곳": ("places", Decimal(1)),
    "개소": ("places", Decimal(1)),
    "명": ("persons", Decimal(1)),
    "인": ("persons", Decimal(1)),
    "회": ("times", Decimal(1)),
    "번": ("times", Decimal(1)),
    "차례": ("times", Decimal(1)),
    "가구": ("households", Decimal(1)),
    "세대": ("households", Decimal(1)),
    "종": ("kinds", Decimal(1)),
    "종류": ("kinds", Decimal(1)),
    "가지": ("kinds", Decimal(1)),
}


def convertible(unit: str, other: str) -> bool:
    """Whether :func:`convert` turns a quantity in ``unit`` into ``other``."""
    if unit == other:
        return True
    a, b = _FAMILIES.get(unit), _FAMILIES.get(other)
    return a is not None and b is not None and a[0] == b[0]


def convert(quantity: Quantity, unit: str) -> Quantity | None:
    """``quantity`` in ``unit`` when the two units measure the same thing (km and m, 곳 and
    개소, 명 and 인, 시간 and 분), itself when the unit is already ``unit``, else None."""
    if quantity.unit == unit:
        return quantity
    a, b = _FAMILIES.get(quantity.unit), _FAMILIES.get(unit)
    if a is None or b is None or a[0] != b[0]:
        return None
    factor = a[1] / b[1]
    return replace(
        quantity,
        value=_tidy(quantity.value * factor),
        high=_tidy(quantity.high * factor) if quantity.high is not None else None,
        precision=_tidy(quantity.precision * factor),
        unit=unit,
    )


def _points(q: Quantity) -> tuple[Decimal, Decimal]:
    return q.value, q.high if q.high is not None else q.value


def _meet(
    a: tuple[Decimal | None, Decimal | None, bool, bool],
    b: tuple[Decimal | None, Decimal | None, bool, bool],
) -> bool:
    a_lo, a_hi, a_lo_open, a_hi_open = a
    b_lo, b_hi, b_lo_open, b_hi_open = b
    # the larger of the two lows must not pass the smaller of the two highs
    if a_lo is None:
        lo, lo_open = b_lo, b_lo_open
    elif b_lo is None or a_lo > b_lo:
        lo, lo_open = a_lo, a_lo_open
    elif b_lo > a_lo:
        lo, lo_open = b_lo, b_lo_open
    else:
        lo, lo_open = a_lo, a_lo_open or b_lo_open
    if a_hi is None:
        hi, hi_open = b_hi, b_hi_open
    elif b_hi is None or a_hi < b_hi:
        hi, hi_open = a_hi, a_hi_open
    elif b_hi < a_hi:
        hi, hi_open = b_hi, b_hi_open
    else:
        hi, hi_open = a_hi, a_hi_open or b_hi_open
    if lo is None or hi is None:
        return True
    if lo < hi:
        return True
    return lo == hi and not lo_open and not hi_open


def values_agree(claim: Quantity, evidence: Quantity) -> bool:
    """Whether two quantities can be the same value (rule 8), after unit conversion.

    Each side allows the values of :meth:`Quantity.bounds`; they agree when these meet. A
    side with a bound qualifier (이상, 미만 ...) is tested against the other side's written
    value(s) alone. Quantities whose units cannot be converted (:func:`convert`) never
    agree; a plain number is compared as if it had the other side's unit.
    """
    if claim.unit and evidence.unit:
        converted = convert(evidence, claim.unit)
        if converted is None:
            return False
        evidence = converted
    if (claim.qualifier is None) != (evidence.qualifier is None):
        qualified, other = (claim, evidence) if claim.qualifier else (evidence, claim)
        lo, hi = _points(other)
        return _meet(qualified.bounds(), (lo, hi, False, False))
    return _meet(claim.bounds(), evidence.bounds())


def dates_agree(claim: DateMention, evidence: DateMention) -> bool:
    """Whether two dates can name the same day(s): their day ranges meet (a coarser date
    agrees with a finer one inside it). Without a year on either side, the written month
    and day are compared where both have them."""
    if claim.start and claim.end and evidence.start and evidence.end:
        return claim.start <= evidence.end and evidence.start <= claim.end
    if claim.month is None or evidence.month is None:
        return False
    if claim.month != evidence.month:
        return False
    return claim.day is None or evidence.day is None or claim.day == evidence.day
