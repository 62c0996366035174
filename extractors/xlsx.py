"""XLSX: one page per sheet, one line per row, cells joined by " | ".

Choices, so readers know what to expect:
- Merged cells: the value is written once, in the merge's top-left cell (this is how
  the file stores it, and repeating it would inflate term counts in search). In the
  sheet's ``Table`` (rows of cells) it is repeated over the merged area, which is listed.
- Formulas: the cached value (``data_only=True``); a formula cell without a cached
  value (a file written by a library, never opened in Excel) falls back to its formula.
- Numbers and dates: as Excel shows them under their number format (``85.3%``,
  ``120,000,000,000원``, ``2024년 3월 15일``), with the stored number in brackets where
  the shown digits differ (``4.26 [4.256]``); see ``_cells``. General numbers are written
  without ".0" or exponent, so administrative codes such as 1111051500 stay whole.
- Every row is read, whatever the sheet's declared ``<dimension>`` says (writers that
  never update it leave ``A1`` on a full sheet).
- openpyxl fails on some real files (e.g. a named style without a name): python-calamine
  reads those, without number formats (stored values, dates in ISO form).
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ._cells import (
    CellRange,
    Sheet,
    cell_text,
    display_text,
    read_calamine,
    read_sheet,
    sheets_result,
)
from .base import ExtractionError, ExtractionResult

__all__ = ["XlsxExtractor", "cell_text"]

MAX_UNPACKED_BYTES = 512 * 1024 * 1024
_MERGE_CELL = re.compile(
    rb'<(?:\w+:)?mergeCell\b[^>]*?\bref="\$?([A-Z]{1,3})\$?(\d+)(?::\$?([A-Z]{1,3})\$?(\d+))?"'
)


@dataclass(frozen=True)
class XlsxExtractor:
    name: str = "xlsx"
    types: frozenset[str] = frozenset({"xlsx"})

    def extract(self, path: Path) -> ExtractionResult:
        has_formulas = _check_package(path)
        reader = "openpyxl"
        try:
            sheets = _read_openpyxl(path, has_formulas)
        except ExtractionError:
            raise
        except Exception as first:
            reader = "calamine"
            try:
                sheets = read_calamine(path)
            except Exception as second:
                raise ExtractionError(
                    "corrupt",
                    detail=f"openpyxl: {type(first).__name__}: {first}; calamine: {second}",
                ) from second
        return sheets_result("xlsx", sheets, reader=reader)


def _check_package(path: Path) -> bool:
    """Refuse encrypted or bomb-like packages; report whether any sheet has formulas."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            if sum(i.file_size for i in infos) > MAX_UNPACKED_BYTES:
                raise ExtractionError("too_large", detail="workbook unpacks to more than 512 MiB")
            if any(i.flag_bits & 0x1 for i in infos):
                raise ExtractionError("encrypted")
            has_formulas = False
            for info in infos:
                if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
                    with zf.open(info) as fh:
                        while block := fh.read(1024 * 1024):
                            if b"<f>" in block or b"<f " in block or b"<x:f" in block:
                                has_formulas = True
                                break
                if has_formulas:
                    break
            return has_formulas
    except ExtractionError:
        raise
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, ValueError) as exc:
        raise ExtractionError("corrupt", detail=f"zip: {exc}") from exc


def _read_openpyxl(path: Path, has_formulas: bool) -> list[Sheet]:
    import warnings

    import openpyxl
    from openpyxl.utils.datetime import CALENDAR_MAC_1904

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl warns about unsupported extensions
        values = openpyxl.load_workbook(str(path), read_only=True, data_only=True)
        formulas = (
            openpyxl.load_workbook(str(path), read_only=True, data_only=False)
            if has_formulas
            else None
        )
        try:
            date1904 = values.epoch == CALENDAR_MAC_1904
            sheets: list[Sheet] = []
            for ws in values.worksheets:
                ws.reset_dimensions()  # read to the last row, not to the declared size
                rows: Iterable[tuple] = (
                    tuple(_shown(cell, date1904) for cell in row) for row in ws.iter_rows()
                )
                if formulas is not None:
                    formula_ws = formulas[ws.title]
                    formula_ws.reset_dimensions()
                    rows = _fill_formulas(rows, formula_ws.iter_rows(values_only=True))
                merged = _merged_areas(path, getattr(ws, "_worksheet_path", ""))
                sheets.append(read_sheet(ws.title, rows, merged))
            return sheets
        finally:
            values.close()
            if formulas is not None:
                formulas.close()


def _merged_areas(path: Path, part: str) -> list[CellRange]:
    """The merged areas a worksheet part lists (``<mergeCell ref="A4:D4"/>``, after its
    cells); read-only openpyxl does not read them. The part is scanned in blocks."""
    if not part:
        return []
    areas: list[CellRange] = []
    try:
        with zipfile.ZipFile(path) as zf, zf.open(part.lstrip("/")) as fh:
            tail = b""
            while block := fh.read(1024 * 1024):
                data = tail + block
                end = 0
                for match in _MERGE_CELL.finditer(data):
                    first_col, first_row, last_col, last_row = match.groups()
                    top, left = int(first_row), _column_number(first_col)
                    bottom = int(last_row) if last_row else top
                    right = _column_number(last_col) if last_col else left
                    areas.append(
                        (min(top, bottom), min(left, right), max(top, bottom), max(left, right))
                    )
                    end = match.end()
                tail = data[max(end, len(data) - 512) :]
    except (KeyError, OSError, zipfile.BadZipFile, ValueError):
        return []
    return areas


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def _shown(cell: Any, date1904: bool) -> object:
    """A read-only cell's value as Excel shows it (text and empty cells as they are)."""
    value = cell.value
    if value is None or isinstance(value, str):
        return value
    try:
        format_id = cell.style_array.numFmtId
        code = cell.number_format
    except (AttributeError, IndexError, KeyError):  # a style the file does not define
        format_id, code = None, None
    return display_text(value, code, format_id=format_id, date1904=date1904)


def _fill_formulas(values: Iterable[tuple], formulas: Iterable[tuple]) -> Iterator[tuple]:
    for value_row, formula_row in zip(values, formulas, strict=False):
        yield tuple(
            f if v in (None, "") and isinstance(f, str) and f.startswith("=") else v
            for v, f in zip(value_row, formula_row, strict=False)
        )
