"""HTML, mostly the "Excel download" of Korean web systems: an HTML table saved as ``.xls``.

The text is what a browser shows: entities decoded, ``<style>``, ``<script>`` and comments
dropped. A data table becomes rows of cell text joined by " | " (the XLSX layout), its
``rowspan``/``colspan`` cells placed on the table's grid as a browser places them; a
table that holds other tables is page layout, and its cells are read as blocks. An "Excel
download" becomes one sheet, cited by sheet and row like a workbook. The
charset is the one declared (BOM, ``<meta charset>``, the XML declaration), with EUC-KR
read as CP949 (its superset, which Korean systems actually write); undeclared text is
decoded as plain text files are. HTML has no pages: pages are estimated, as for text.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from pathlib import Path

from ._cells import read_sheet, sheets_result
from ._text import frozen, make_pages, paginate
from .base import ExtractionError, ExtractionResult
from .text import decode_text

__all__ = ["EXCEL_SUFFIXES", "HtmlExtractor", "decode_markup"]

# Declared names that mean CP949 in practice (EUC-KR lacks 8,822 syllables such as 똠).
_CP949_ALIASES = frozenset(
    {
        "euc-kr",
        "euckr",
        "ks_c_5601-1987",
        "ks_c_5601",
        "ksc5601",
        "x-windows-949",
        "windows-949",
        "cp949",
        "uhc",
    }
)
_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)|<\?xml[^>]*encoding\s*=\s*["']([\w.:-]+)""",
    re.IGNORECASE,
)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)

_DROP = ("script", "style", "noscript", "template", "iframe", "object", "svg", "head")
_BLOCKS = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "body",
        "caption",
        "center",
        "dd",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "html",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "ul",
        "table",
        "tbody",
        "thead",
        "tfoot",
        "tr",
    ]
)
_CELLS = ("td", "th")


def decode_markup(data: bytes) -> tuple[str, str]:
    """Markup as text and the encoding used: a BOM, then the declared charset (EUC-KR read
    as CP949), then what plain text decoding finds."""
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", "replace"), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", "replace"), "utf-16"
    match = _CHARSET.search(data[:4096])
    if match:
        declared = (match.group(1) or match.group(2)).decode("ascii", "replace").lower()
        name = "cp949" if declared in _CP949_ALIASES else declared
        try:
            codecs.lookup(name)
            return data.decode(name), name
        except (LookupError, UnicodeDecodeError):
            pass  # a wrong or unknown declaration: look at the bytes instead
    decoded = decode_text(data)
    return decoded.text, decoded.encoding


EXCEL_SUFFIXES = frozenset({".xls", ".xlsx", ".xlsm"})
_EXCEL_NAMESPACE = "urn:schemas-microsoft-com:office:excel"


@dataclass(frozen=True)
class _Row:
    """A table row on the table's grid: ``cells`` with a rowspan's value repeated in every row
    it covers and a colspan's extra columns empty; ``spans`` the (column, rows, columns) of
    the cells of this row that span more than one."""

    cells: list[str]
    spans: list[tuple[int, int, int]]


@dataclass(frozen=True)
class HtmlExtractor:
    """HTML as a browser shows it. An "Excel download" (an HTML file named ``.xls``/``.xlsx``,
    or one that declares Excel's namespace) holding a data table is read as Excel opens it:
    one sheet named after the file, one row per table row or block of text, so that it is
    cited by sheet and row like a workbook (``sheets_result``). Raises ExtractionError
    ``no_text`` for an empty file, ``corrupt`` for markup lxml cannot parse."""

    name: str = "html"
    types: frozenset[str] = frozenset({"html"})

    def extract(self, path: Path) -> ExtractionResult:
        import lxml.html
        from lxml import etree

        markup, encoding = decode_markup(path.read_bytes())
        markup = _XML_DECLARATION.sub("", markup, count=1)  # lxml refuses it in a str
        if not markup.strip():
            raise ExtractionError("no_text")
        excel = path.suffix.lower() in EXCEL_SUFFIXES or _EXCEL_NAMESPACE in markup[:4096]
        try:
            root = lxml.html.document_fromstring(markup)
        except (etree.ParserError, ValueError) as exc:
            raise ExtractionError("corrupt", detail=f"html: {exc}") from exc
        title = " ".join(root.findtext(".//title", default="").split())
        for node in list(root.iter(etree.Comment, etree.ProcessingInstruction, *_DROP)):
            node.drop_tree()  # keeps the text that follows the node
        rows = _lines(root)
        meta = {
            "encoding": encoding,
            "title": title,
            "tables": str(sum(1 for _ in root.iter("table"))),
        }
        if excel and any(isinstance(row, _Row) for row in rows):
            return _as_sheet(path.stem, rows, meta)
        text = "\n".join(_row_text(row) for row in rows)
        pages = paginate(text)
        meta.update(page_count=str(len(pages)), page_estimate="true")
        return ExtractionResult(type="html", pages=make_pages(pages), metadata=frozen(meta))


def _row_text(row: str | _Row) -> str:
    if isinstance(row, str):
        return row
    cells = list(row.cells)
    while cells and not cells[-1]:
        cells.pop()
    return " | ".join(cells)


def _as_sheet(name: str, rows: list[str | _Row], meta: dict[str, str]) -> ExtractionResult:
    """The page as Excel opens an HTML download: one sheet, one row per line or table row,
    rowspans and colspans as merged cells."""
    grid: list[list[str]] = []
    merged: list[tuple[int, int, int, int]] = []
    for row in rows:
        if isinstance(row, str):
            grid.append([row])
            continue
        number = len(grid) + 1
        grid.append(row.cells)
        merged.extend(
            (number, column + 1, number + down - 1, column + across)
            for column, down, across in row.spans
        )
    sheet = read_sheet(name or "Sheet1", grid, merged)
    return sheets_result("html", [sheet], **meta)


def _lines(root: object) -> list[str | _Row]:
    """The visible text as lines: each block's text, a data table's rows on its grid."""
    pieces: list[str | _Row | None] = []  # text, a table row, or None for a line break
    _walk(root, pieces)
    lines: list[str | _Row] = []
    current: list[str] = []
    for piece in [*pieces, None]:
        if piece is None or isinstance(piece, _Row):
            text = " ".join("".join(current).split())
            if text:
                lines.append(text)
            current.clear()
            if isinstance(piece, _Row) and any(piece.cells):
                lines.append(piece)
        else:
            current.append(piece)
    return lines


def _walk(element: object, pieces: list[str | _Row | None]) -> None:
    for child in element:  # type: ignore[attr-defined]
        tag = child.tag
        if tag == "table" and not child.xpath(".//table"):
            pieces.append(None)
            caption = child.find("caption")
            if caption is not None and _cell_text(caption):
                pieces.extend((_cell_text(caption), None))
            pieces.extend(_table_grid(child))
        elif tag in _BLOCKS or tag in _CELLS:
            pieces.extend((None, child.text or ""))
            _walk(child, pieces)
            pieces.append(None)
        elif tag == "br":
            pieces.append(None)
        else:
            pieces.append(child.text or "")
            _walk(child, pieces)
        pieces.append(child.tail or "")


MAX_SPAN = 100
"""A colspan or rowspan larger than this is read as this (a broken or hostile page)."""


def _span(cell: object, name: str) -> int:
    raw = (cell.get(name) or "1").strip()  # type: ignore[attr-defined]
    return max(1, min(int(raw), MAX_SPAN)) if raw.isdigit() else 1


def _fill_covered(cells: list[str], below: dict[int, tuple[int, str]]) -> None:
    """Append the values of the rowspans from rows above that cover the next columns."""
    while len(cells) in below:
        left, text = below.pop(len(cells))
        if left > 1:
            below[len(cells)] = (left - 1, text)
        cells.append(text)


def _table_grid(table: object) -> list[_Row]:
    """A table without nested tables as rows on its grid (HTML's table model): a cell with
    ``rowspan`` also fills its columns in the rows below, so the cells after it move right
    as a browser shows them; ``colspan`` columns after the first stay empty."""
    rows: list[_Row] = []
    below: dict[int, tuple[int, str]] = {}  # column -> (rows still covered, text)

    for tr in table.iter("tr"):  # type: ignore[attr-defined]
        cells: list[str] = []
        spans: list[tuple[int, int, int]] = []

        for cell in tr:
            if cell.tag not in _CELLS:
                continue
            _fill_covered(cells, below)
            text = _cell_text(cell)
            down, across = _span(cell, "rowspan"), _span(cell, "colspan")
            if down > 1 or across > 1:
                spans.append((len(cells), down, across))
            for offset in range(across):
                if down > 1:
                    below[len(cells)] = (down - 1, text if offset == 0 else "")
                cells.append(text if offset == 0 else "")
        while below and max(below) >= len(cells):  # spans reaching past this row's cells
            if len(cells) in below:
                _fill_covered(cells, below)
            else:
                cells.append("")
        rows.append(_Row(cells, spans))
    return rows


def _cell_text(cell: object) -> str:
    """A cell's text on one line: line breaks and paragraphs inside it become spaces."""
    parts: list[str] = [cell.text or ""]  # type: ignore[attr-defined]
    for child in cell:  # type: ignore[attr-defined]
        gap = " " if child.tag in _BLOCKS or child.tag == "br" else ""
        parts.extend((gap, _cell_text(child), gap, child.tail or ""))
    return " ".join("".join(parts).split())
