"""Excel 2003 XML (SpreadsheetML), the other "Excel download" of web systems, often named
``.xls``: one page per worksheet, as XLSX pages are.

Cells are placed by ``ss:Index`` (rows and cells may skip ahead), numbers and dates are
shown under their style's number format as XLSX cells are (``_cells.display_text``), rich
text (``<ss:Data>`` holding HTML) is read as its text. The XML is parsed without network
access or entity expansion.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from ._cells import CellRange, Sheet, cell_text, display_text, read_sheet, sheets_result
from .base import ExtractionError, ExtractionResult
from .html import decode_markup

__all__ = ["SpreadsheetMLExtractor"]

SS = "{urn:schemas-microsoft-com:office:spreadsheet}"

# Named formats of SpreadsheetML, as Korean Excel shows them; anything else is a code.
_NAMED_FORMATS = {
    "general": "General",
    "general number": "General",
    "general date": "yyyy-mm-dd h:mm",
    "long date": "[$-F800]dddd, mmmm dd, yyyy",
    "medium date": "dd-mmm-yy",
    "short date": "yyyy-mm-dd",
    "long time": "h:mm:ss",
    "medium time": "[$-412]AM/PM h:mm",
    "short time": "h:mm",
    "currency": '"₩"#,##0;"₩"\\-#,##0',
    "euro currency": '"€"#,##0.00',
    "fixed": "0.00",
    "standard": "#,##0.00",
    "percent": "0.00%",
    "scientific": "0.00E+00",
    "yes/no": '"Yes";"Yes";"No"',
    "true/false": '"True";"True";"False"',
    "on/off": '"On";"On";"Off"',
}
_MAX_INDEX = 1_000_000
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)


@dataclass(frozen=True)
class SpreadsheetMLExtractor:
    name: str = "spreadsheetml"
    types: frozenset[str] = frozenset({"spreadsheetml"})

    def extract(self, path: Path) -> ExtractionResult:
        from lxml import etree

        text, encoding = decode_markup(path.read_bytes())
        text = _XML_DECLARATION.sub("", text, count=1)  # its encoding is decoded already
        parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
        try:
            root = etree.fromstring(text.encode("utf-8"), parser)
        except etree.XMLSyntaxError as exc:
            raise ExtractionError("corrupt", detail=f"xml: {exc}") from exc
        formats = _style_formats(root)
        sheets: list[Sheet] = []
        for number, worksheet in enumerate(root.iter(f"{SS}Worksheet"), 1):
            name = worksheet.get(f"{SS}Name") or f"Sheet{number}"
            table = worksheet.find(f"{SS}Table")
            merged: list[CellRange] = []
            rows = _rows(table, formats, merged) if table is not None else []
            sheets.append(read_sheet(name, rows, merged))
        if not sheets:
            raise ExtractionError("no_text", detail="no Worksheet in the workbook")
        return sheets_result("spreadsheetml", sheets, encoding=encoding)


def _style_formats(root: object) -> dict[str, str]:
    """Style id -> number format code, following ``ss:Parent``."""
    styles = {
        style.get(f"{SS}ID"): style
        for style in root.iter(f"{SS}Style")  # type: ignore[attr-defined]
    }
    formats: dict[str, str] = {}
    for style_id in styles:
        seen: set[str] = set()
        current = styles.get(style_id)
        while current is not None and style_id not in formats:
            number_format = current.find(f"{SS}NumberFormat")
            if number_format is not None and number_format.get(f"{SS}Format"):
                code = number_format.get(f"{SS}Format")
                formats[style_id] = _NAMED_FORMATS.get(code.lower(), code)
            parent = current.get(f"{SS}Parent")
            if parent is None or parent in seen:
                break
            seen.add(parent)
            current = styles.get(parent)
    return formats


def _rows(table: object, formats: dict[str, str], merged: list[CellRange]) -> list[list[object]]:
    """The table's rows of values; ``ss:MergeAcross``/``ss:MergeDown`` areas go to ``merged``."""
    rows: list[list[object]] = []
    for row in table.iterfind(f"{SS}Row"):  # type: ignore[attr-defined]
        index = _index(row.get(f"{SS}Index"))
        while index is not None and len(rows) < index - 1:
            rows.append([])
        cells: list[object] = []
        for cell in row.iterfind(f"{SS}Cell"):
            column = _index(cell.get(f"{SS}Index"))
            while column is not None and len(cells) < column - 1:
                cells.append(None)
            cells.append(_value(cell, formats))
            span = min(_index(cell.get(f"{SS}MergeAcross")) or 0, 1000)
            down = min(_index(cell.get(f"{SS}MergeDown")) or 0, 1000)
            if span or down:
                top, left = len(rows) + 1, len(cells)
                merged.append((top, left, top + down, left + span))
            cells.extend([None] * span)
        rows.append(cells)
    return rows


def _index(text: str | None) -> int | None:
    if text is None or not text.strip().isdigit():
        return None
    return min(int(text), _MAX_INDEX)


def _value(cell: object, formats: dict[str, str]) -> str:
    data = cell.find(f"{SS}Data")  # type: ignore[attr-defined]
    if data is None:
        return ""
    text = "".join(data.itertext())
    kind = (data.get(f"{SS}Type") or "String").lower()
    code = formats.get(cell.get(f"{SS}StyleID"))  # type: ignore[attr-defined]
    value: object = text
    try:
        if kind == "number":
            value = float(text)
        elif kind == "datetime":
            value = dt.datetime.fromisoformat(text.strip()[:26])
        elif kind == "boolean":
            value = text.strip() in ("1", "true", "True")
    except ValueError:
        return cell_text(text)
    return display_text(value, code) if code else cell_text(value)
