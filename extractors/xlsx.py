"""XLSX: one page per sheet, one line per row, cells joined by " | ".

Choices, so readers know what to expect:
- Merged cells: the value is written once, in the merge's top-left cell (this is how
  the file stores it, and repeating it would inflate term counts in search).
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

import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ._cells import Sheet, cell_text, display_text, read_calamine, rows_to_lines, sheets_result
from .base import ExtractionError, ExtractionResult

__all__ = ["XlsxExtractor", "cell_text"]

MAX_UNPACKED_BYTES = 512 * 1024 * 1024


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
                sheets.append((ws.title, rows_to_lines(rows)))
            return sheets
        finally:
            values.close()
            if formulas is not None:
                formulas.close()


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
