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

from ._cells import cell_text, display_text
from ._text import frozen, make_pages
from .base import ExtractionError, ExtractionResult

__all__ = ["XlsxExtractor", "cell_text"]

MAX_ROWS_PER_SHEET = 1_000_000
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
                sheets = _read_calamine(path)
            except Exception as second:
                raise ExtractionError(
                    "corrupt",
                    detail=f"openpyxl: {type(first).__name__}: {first}; calamine: {second}",
                ) from second
        texts = [f"# 시트: {name}\n" + "\n".join(rows) for name, rows in sheets]
        meta = {
            "page_count": str(len(texts)),
            "sheet_count": str(len(texts)),
            "sheets": " | ".join(name for name, _ in sheets),
            "reader": reader,
        }
        return ExtractionResult(type="xlsx", pages=make_pages(texts), metadata=frozen(meta))


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


def _read_openpyxl(path: Path, has_formulas: bool) -> list[tuple[str, list[str]]]:
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
            sheets: list[tuple[str, list[str]]] = []
            for ws in values.worksheets:
                ws.reset_dimensions()  # read to the last row, not to the declared size
                rows: Iterable[tuple] = (
                    tuple(_shown(cell, date1904) for cell in row) for row in ws.iter_rows()
                )
                if formulas is not None:
                    formula_ws = formulas[ws.title]
                    formula_ws.reset_dimensions()
                    rows = _fill_formulas(rows, formula_ws.iter_rows(values_only=True))
                sheets.append((ws.title, _format_rows(rows)))
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


def _read_calamine(path: Path) -> list[tuple[str, list[str]]]:
    from python_calamine import CalamineWorkbook

    workbook = CalamineWorkbook.from_path(str(path))
    sheets = []
    for name in workbook.sheet_names:
        rows = workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
        sheets.append((name, _format_rows(rows)))
    return sheets


def _format_rows(rows: Iterable[Iterable[object]]) -> list[str]:
    table: list[list[str]] = []
    for count, row in enumerate(rows):
        if count >= MAX_ROWS_PER_SHEET:
            break
        cells = [cell_text(v) for v in row]
        while cells and not cells[-1]:
            cells.pop()
        if cells:
            table.append(cells)
    if not table:
        return []
    # Drop leading columns that are empty in every row (tables that start at B2).
    lead = min(next(i for i, c in enumerate(cells) if c) for cells in table)
    return [" | ".join(cells[lead:]) for cells in table]
