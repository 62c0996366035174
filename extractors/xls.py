"""Legacy Excel 97-2003 workbooks (BIFF8 in an OLE2 container): one page per sheet.

xlrd reads the cells with their number formats, so they are shown as Excel shows them,
as XLSX cells are (``_cells.display_text``: ``85.3%``, ``350,000,000원``, ``2024-03-15``).
python-calamine reads what xlrd refuses (stored values, dates in ISO form). Merged cells
are written once, in their top-left cell (repeated over their area in the sheet's Table).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ._cells import Sheet, display_text, read_calamine, read_sheet, sheets_result
from .base import ExtractionError, ExtractionResult

__all__ = ["XlsExtractor"]


@dataclass(frozen=True)
class XlsExtractor:
    name: str = "xls"
    types: frozenset[str] = frozenset({"xls"})

    def extract(self, path: Path) -> ExtractionResult:
        try:
            return sheets_result("xls", _read_xlrd(path), reader="xlrd")
        except ExtractionError:
            raise
        except Exception as first:
            if "encrypt" in str(first).lower() or "password" in str(first).lower():
                raise ExtractionError("encrypted", detail=f"xlrd: {first}") from first
            try:
                sheets = read_calamine(path)
            except Exception as second:
                raise ExtractionError(
                    "corrupt",
                    detail=f"xlrd: {type(first).__name__}: {first}; calamine: {second}"[:1000],
                ) from second
            return sheets_result("xls", sheets, reader="calamine")


def _read_xlrd(path: Path) -> list[Sheet]:
    import xlrd

    book = xlrd.open_workbook(
        file_contents=path.read_bytes(), formatting_info=True, on_demand=True, logfile=_Quiet()
    )
    try:
        date1904 = book.datemode == 1
        sheets: list[Sheet] = []
        for index in range(book.nsheets):
            sheet = book.sheet_by_index(index)
            rows = (
                [_value(book, sheet.cell(r, c), date1904) for c in range(sheet.row_len(r))]
                for r in range(sheet.nrows)
            )
            merged = [  # xlrd: (first row, row after, first column, column after), 0-based
                (top + 1, left + 1, bottom, right)
                for top, bottom, left, right in getattr(sheet, "merged_cells", ())
            ]
            sheets.append(read_sheet(sheet.name, rows, merged))
            book.unload_sheet(index)
        return sheets
    finally:
        book.release_resources()


def _value(book: object, cell: object, date1904: bool) -> object:
    """A cell's value as Excel shows it (text as is, numbers and dates under their format)."""
    import xlrd

    kind, value = cell.ctype, cell.value  # type: ignore[attr-defined]
    if kind in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
        return None
    if kind == xlrd.XL_CELL_TEXT:
        return value
    if kind == xlrd.XL_CELL_BOOLEAN:
        return bool(value)
    if kind == xlrd.XL_CELL_ERROR:
        return xlrd.error_text_from_code.get(value, "#ERROR")
    key = book.xf_list[cell.xf_index].format_key  # type: ignore[attr-defined]
    number_format = book.format_map.get(key)  # type: ignore[attr-defined]
    code = number_format.format_str if number_format is not None else None
    return display_text(value, code, format_id=key, date1904=date1904)


class _Quiet:
    """xlrd's log sink: its warnings about odd records are not the user's concern."""

    def write(self, text: str) -> int:
        return len(text)
