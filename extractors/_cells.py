"""Spreadsheet cells as text: the value as Korean Excel shows it, raw digits kept.

Number format codes are rendered by ``xlfmt`` (the ECMA-376 rules: sections, conditions,
thousands scaling, fractions, elapsed time, Excel's 1900 leap year). This module adds what
a Korean workbook needs on top of it:

- built-in format ids whose code depends on the locale (5-8, 14, 18, 19, 22, 27-36,
  50-58) get the codes Korean Excel uses (``₩1,000``, ``2024-03-15``, ``오후 2:30``);
- ``aaa``/``aaaa`` (금/금요일), and ``ddd``/``dddd`` and AM/PM under a Korean locale tag
  (``[$-412]``, ``[$-ko-KR]``), are written in Korean; ``[$-F800]``/``[$-F400]`` (the
  Windows long date and time) become the Korean long date and time;
- an unquoted ``.`` in a date (``yyyy.mm.dd``) is the literal dot Excel shows.

A reviewer searches what the cell shows (``85.3%``, ``120,000,000,000원``), so that is the
text. Where the shown digits differ from the stored number (rounding, ``#,##0,``
thousands, fractions, hidden values), the stored number follows in brackets as Excel's
formula bar shows it: ``4.26 [4.256]``, ``12,346천원 [12345678]``, ``85% [85.34%]``. Dates
never carry their serial number. A code the renderer cannot handle gives the raw value.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from openpyxl.styles.numbers import is_date_format
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel
from xlfmt import format_value

from ._text import frozen, make_pages
from .base import MAX_TABLE_CELLS, ExtractionResult, Table

__all__ = [
    "KOREAN_BUILTIN_FORMATS",
    "Sheet",
    "cell_text",
    "display_text",
    "read_calamine",
    "read_sheet",
    "rows_to_lines",
    "sheets_result",
]

MAX_ROWS_PER_SHEET = 1_000_000

CellRange = tuple[int, int, int, int]
"""A merged area: (first row, first column, last row, last column), 1-based, inclusive."""


@dataclass(frozen=True)
class Sheet:
    """A sheet read once: its name, its text lines (each with its 1-based row number in the
    sheet) and the same cells as a grid (see ``base.Table``)."""

    name: str
    lines: list[tuple[int, str]]
    rows: tuple[tuple[str, ...], ...] = ()
    first_row: int = 1
    first_column: int = 1
    merged: tuple[tuple[int, int, int, int], ...] = ()


# Built-in ids whose code depends on the locale, as Korean Excel shows them (ECMA-376
# Part 1, 18.8.30, ko-KR; 5-8 and 14-22 as Korean Windows' regional settings give them).
KOREAN_BUILTIN_FORMATS: dict[int, str] = {
    5: '"₩"#,##0;"₩"\\-#,##0',
    6: '"₩"#,##0;[Red]"₩"\\-#,##0',
    7: '"₩"#,##0.00;"₩"\\-#,##0.00',
    8: '"₩"#,##0.00;[Red]"₩"\\-#,##0.00',
    14: "yyyy-mm-dd",
    18: "[$-412]AM/PM h:mm",
    19: "[$-412]AM/PM h:mm:ss",
    22: "yyyy-mm-dd h:mm",
    27: 'yyyy"年" mm"月" dd"日"',
    28: "mm-dd",
    29: "mm-dd",
    30: "mm-dd-yy",
    31: 'yyyy"년" mm"월" dd"일"',
    32: 'h"시" mm"분"',
    33: 'h"시" mm"분" ss"초"',
    34: "yyyy-mm-dd",
    35: "yyyy-mm-dd",
    36: 'yyyy"年" mm"月" dd"日"',
    50: 'yyyy"年" mm"月" dd"日"',
    51: "mm-dd",
    52: "yyyy-mm-dd",
    53: "yyyy-mm-dd",
    54: "mm-dd",
    55: "yyyy-mm-dd",
    56: "yyyy-mm-dd",
    57: 'yyyy"年" mm"月" dd"日"',
    58: "mm-dd",
}

_KOREAN_LOCALES = frozenset({"412", "0412", "ko", "ko-kr"})
_SYSTEM_FORMATS = {
    "f800": 'yyyy"년" m"월" d"일" aaaa',  # Windows' long date, in Korean
    "f400": "AM/PM h:mm:ss",  # Windows' time, in Korean
}
_WEEKDAYS = ("월", "화", "수", "목", "금", "토", "일")  # date.weekday() order
_LOCALE_BLOCK = re.compile(r"\[\$([^\]-]*)(?:-([^\]]*))?\]")
_DAY_RUN = re.compile(r"[aA]+|[dD]+")
_DAY_LETTERS = re.compile(r"[aAdD]{3}|\[\$-F800\]", re.IGNORECASE)
_MERIDIEM = {"AM": "오전", "PM": "오후"}


def cell_text(value: object) -> str:
    """A cell's stored value as text: whole numbers without exponent, dates in ISO form."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    return " ".join(str(value).split())


def display_text(
    value: object,
    number_format: str | None,
    *,
    format_id: int | None = None,
    date1904: bool = False,
) -> str:
    """The cell as Korean Excel shows it under ``number_format`` (or built-in ``format_id``),
    with the stored number in brackets when the shown digits differ; ``cell_text`` for
    text, General and any code that cannot be rendered."""
    code = KOREAN_BUILTIN_FORMATS.get(format_id or 0) or number_format or "General"
    if value is None or isinstance(value, (str, bool)) or code.strip().lower() == "general":
        return cell_text(value)
    if isinstance(value, float) and not math.isfinite(value):
        return cell_text(value)
    try:
        weekday = _weekday(value, date1904) if _DAY_LETTERS.search(code) else None
        korean_code, korean = _korean(code, weekday)
        # xlfmt takes durations ([h]:mm) as the fraction of days Excel stores
        stored = value.total_seconds() / 86400 if isinstance(value, dt.timedelta) else value
        shown = " ".join(str(format_value(stored, korean_code, date1904=date1904)).split())
    except Exception:  # a code or value xlfmt rejects (dates out of range, odd codes)
        return cell_text(value)
    if korean:
        shown = re.sub(r"\b(AM|PM)\b", lambda m: _MERIDIEM[m.group()], shown)
    if shown and shown == "#" * len(shown):  # a negative date: Excel fills the cell with #
        return cell_text(value)
    if not isinstance(value, (int, float)) or _is_date(code):
        return shown or f"[{cell_text(value)}]"  # hidden (;;;) or unrenderable: still there
    formula_bar = _stored(float(value), code)
    if _digits(shown) == _digits(formula_bar):
        return shown
    return f"{shown} [{formula_bar}]" if shown else f"[{formula_bar}]"


def _stored(number: float, code: str) -> str:
    """The number as Excel's formula bar shows it: 15 significant digits, percent kept."""
    percent = "%" in re.sub(r'"[^"]*"|\\.|_.|\*.', "", code)
    if percent:
        number *= 100
    if number.is_integer() and abs(number) < 1e15:
        text = str(int(number))
    else:
        text = f"{number:.15g}"
    return text + "%" if percent else text


def _digits(text: str) -> str:
    """The significant digits of a number as written (grouping, sign and units aside)."""
    return re.sub(r"\D", "", text).strip("0")


@lru_cache(maxsize=4096)
def _is_date(code: str) -> bool:
    return is_date_format(code)


@lru_cache(maxsize=4096)
def _korean(code: str, weekday: int | None) -> tuple[str, bool]:
    """``code`` rewritten so that xlfmt renders what Korean Excel shows (``weekday``: the
    value's, Monday 0, for aaa/dddd), and whether its AM/PM are to be shown as 오전/오후."""
    locales = {m.group(2).lower() for m in _LOCALE_BLOCK.finditer(code) if m.group(2)}
    system = next((_SYSTEM_FORMATS[tag] for tag in sorted(locales) if tag in _SYSTEM_FORMATS), None)
    if system is not None:
        code, locales = system, {"412"}
    korean = bool(locales & _KOREAN_LOCALES)
    dated = _is_date(code)
    out: list[str] = []
    i, n = 0, len(code)
    while i < n:
        ch = code[i]
        if ch == '"':  # a quoted literal, kept whole
            end = code.find('"', i + 1)
            end = n - 1 if end < 0 else end
            out.append(code[i : end + 1])
            i = end + 1
        elif ch in "\\_*":  # an escaped character, a space the width of one, a fill
            out.append(code[i : i + 2])
            i += 2
        elif ch == "[":
            end = code.find("]", i + 1)
            end = n - 1 if end < 0 else end
            block = code[i : end + 1]
            locale = _LOCALE_BLOCK.fullmatch(block)
            if locale is None:
                out.append(block)  # colours, conditions, [h], [DBNum1]
            elif locale.group(1):
                out.append('"' + locale.group(1).replace('"', "") + '"')  # [$₩-412]: the symbol
            i = end + 1
        elif ch in "aAdD" and weekday is not None:
            run = _DAY_RUN.match(code, i).group()  # type: ignore[union-attr]
            if len(run) >= 3 and (ch in "aA" or korean):
                name = _WEEKDAYS[weekday]
                out.append(f'"{name}요일"' if len(run) >= 4 else f'"{name}"')
            else:
                out.append(run)
            i += len(run)
        elif ch == "." and dated and not code.startswith("0", i + 1):
            out.append("\\.")  # yyyy.mm.dd: a literal dot (a dot before 0 is sub-seconds)
            i += 1
        else:
            out.append(ch)
            i += 1
    return "".join(out), korean


def _weekday(value: object, date1904: bool) -> int | None:
    if isinstance(value, dt.datetime | dt.date):
        return value.weekday()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            day = from_excel(value, epoch=CALENDAR_MAC_1904 if date1904 else CALENDAR_WINDOWS_1900)
        except (ValueError, OverflowError, TypeError):
            return None
        return day.weekday() if isinstance(day, dt.datetime | dt.date) else None
    return None


def rows_to_lines(rows: Iterable[Iterable[object]]) -> list[tuple[int, str]]:
    """Rows from the sheet's first row on, as ``(row number, "cell | cell")``; empty rows are
    left out, and so are leading columns empty in every row (tables that start at B2)."""
    return read_sheet("", rows).lines


def read_sheet(
    name: str, rows: Iterable[Iterable[object]], merged: Iterable[CellRange] = ()
) -> Sheet:
    """One sheet from its rows (from the sheet's first row on) and merged areas: the text
    lines of ``rows_to_lines`` and the grid of ``base.Table`` from the same cell texts. A
    merged area's value (its top-left cell's) is repeated over the area in the grid only."""
    table: list[tuple[int, list[str]]] = []
    for index, row in enumerate(rows):
        if index >= MAX_ROWS_PER_SHEET:
            break
        cells = [cell_text(v) for v in row]
        while cells and not cells[-1]:
            cells.pop()
        if cells:
            table.append((index + 1, cells))
    if not table:
        return Sheet(name, [])
    lead = min(next(i for i, c in enumerate(cells) if c) for _, cells in table)
    lines = [(number, " | ".join(cells[lead:])) for number, cells in table]
    first_row, last_row = table[0][0], table[-1][0]
    width = max(len(cells) for _, cells in table) - lead
    if width * (last_row - first_row + 1) > MAX_TABLE_CELLS:
        return Sheet(name, lines)  # text only (base.MAX_TABLE_CELLS)
    grid = [[""] * width for _ in range(last_row - first_row + 1)]
    for number, cells in table:
        grid[number - first_row][: len(cells) - lead] = cells[lead:]
    areas: list[tuple[int, int, int, int]] = []
    for top, left, bottom, right in merged:
        clipped = top < first_row or left - 1 < lead  # its top-left lies in empty rows/columns
        top, bottom = max(top, first_row) - first_row, min(bottom, last_row) - first_row
        left, right = max(left - 1, lead) - lead, min(right - 1 - lead, width - 1)
        if top > bottom or left > right or (top == bottom and left == right):
            continue
        value = "" if clipped else grid[top][left]
        for r in range(top, bottom + 1):
            for c in range(left, right + 1):
                grid[r][c] = value
        areas.append((top, left, bottom, right))
    return Sheet(
        name,
        lines,
        tuple(tuple(row) for row in grid),
        first_row=first_row,
        first_column=lead + 1,
        merged=tuple(sorted(areas)),
    )


def read_calamine(path: Path) -> list[Sheet]:
    """Every sheet through python-calamine (XLSX that openpyxl refuses, legacy XLS/BIFF):
    stored values, dates in ISO form; calamine reads no number formats.

    Raises ValueError for a file calamine cannot read, including one it panics on: a
    Rust panic arrives as pyo3's PanicException, a BaseException that ``except Exception``
    lets through (a damaged BIFF Workbook stream killed the worker; tests/data case).
    """
    try:
        return _read_calamine(path)
    except Exception:
        raise
    except BaseException as exc:
        if isinstance(exc, KeyboardInterrupt | SystemExit | GeneratorExit):
            raise
        raise ValueError(f"python-calamine failed: {type(exc).__name__}: {exc}") from None


def _read_calamine(path: Path) -> list[Sheet]:
    from python_calamine import CalamineWorkbook

    with open(path, "rb") as fh:  # by content: from_path would go by the file's extension
        workbook = CalamineWorkbook.from_filelike(fh)
    sheets: list[Sheet] = []
    for name in workbook.sheet_names:
        sheet = workbook.get_sheet_by_name(name)
        try:  # 0-based ((row, column), (row, column)), inclusive; absent from some formats
            merged = [
                (top + 1, left + 1, bottom + 1, right + 1)
                for (top, left), (bottom, right) in sheet.merged_cell_ranges or ()
            ]
        except Exception:
            merged = []
        sheets.append(read_sheet(name, sheet.to_python(skip_empty_area=False), merged))
    return sheets


def sheets_result(kind: str, sheets: list[Sheet], **metadata: str) -> ExtractionResult:
    """One page per sheet, headed ``# 시트: name``. Metadata ``sheets`` names them (" | ")
    and ``sheet_rows`` gives each one's row numbers as ranges ("1-25,27 | 2-9"), so that
    a passage can be cited by sheet and row. Each sheet with cells is also a ``Table``."""
    texts = [
        f"# 시트: {sheet.name}\n" + "\n".join(line for _, line in sheet.lines) for sheet in sheets
    ]
    meta = {
        "page_count": str(len(texts)),
        "sheet_count": str(len(texts)),
        "sheets": " | ".join(sheet.name for sheet in sheets),
        "sheet_rows": " | ".join(_ranges([n for n, _ in sheet.lines]) or "-" for sheet in sheets),
        **metadata,
    }
    tables = tuple(
        Table(
            page=number,
            name=sheet.name,
            rows=sheet.rows,
            first_row=sheet.first_row,
            first_column=sheet.first_column,
            merged=sheet.merged,
            kind="sheet",
        )
        for number, sheet in enumerate(sheets, 1)
        if sheet.rows
    )
    return ExtractionResult(
        type=kind, pages=make_pages(texts), metadata=frozen(meta), tables=tables
    )


def _ranges(numbers: list[int]) -> str:
    """[1, 2, 3, 5] -> "1-3,5"."""
    spans: list[list[int]] = []
    for n in numbers:
        if spans and n == spans[-1][1] + 1:
            spans[-1][1] = n
        else:
            spans.append([n, n])
    return ",".join(f"{a}-{b}" if a != b else str(a) for a, b in spans)
