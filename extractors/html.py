"""HTML, mostly the "Excel download" of Korean web systems: an HTML table saved as ``.xls``.

The text is what a browser shows: entities decoded, ``<style>``, ``<script>`` and comments
dropped. A data table becomes rows of cell text joined by " | " (the XLSX layout); a
table that holds other tables is page layout, and its cells are read as blocks. The
charset is the one declared (BOM, ``<meta charset>``, the XML declaration), with EUC-KR
read as CP949 (its superset, which Korean systems actually write); undeclared text is
decoded as plain text files are. HTML has no pages: pages are estimated, as for text.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from pathlib import Path

from ._text import frozen, make_pages, paginate
from .base import ExtractionError, ExtractionResult
from .text import decode_text

__all__ = ["HtmlExtractor", "decode_markup"]

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


@dataclass(frozen=True)
class HtmlExtractor:
    name: str = "html"
    types: frozenset[str] = frozenset({"html"})

    def extract(self, path: Path) -> ExtractionResult:
        import lxml.html
        from lxml import etree

        markup, encoding = decode_markup(path.read_bytes())
        markup = _XML_DECLARATION.sub("", markup, count=1)  # lxml refuses it in a str
        if not markup.strip():
            raise ExtractionError("no_text")
        try:
            root = lxml.html.document_fromstring(markup)
        except (etree.ParserError, ValueError) as exc:
            raise ExtractionError("corrupt", detail=f"html: {exc}") from exc
        title = " ".join(root.findtext(".//title", default="").split())
        for node in list(root.iter(etree.Comment, etree.ProcessingInstruction, *_DROP)):
            node.drop_tree()  # keeps the text that follows the node
        text = "\n".join(_lines(root))
        pages = paginate(text)
        meta = {
            "encoding": encoding,
            "title": title,
            "page_count": str(len(pages)),
            "page_estimate": "true",
            "tables": str(sum(1 for _ in root.iter("table"))),
        }
        return ExtractionResult(type="html", pages=make_pages(pages), metadata=frozen(meta))


def _lines(root: object) -> list[str]:
    """The visible text as lines: a data table's rows, each block's text."""
    pieces: list[str | None] = []  # text, or None for a line break
    _walk(root, pieces)
    lines: list[str] = []
    current: list[str] = []
    for piece in [*pieces, None]:
        if piece is None:
            text = " ".join("".join(current).split())
            if text:
                lines.append(text)
            current.clear()
        else:
            current.append(piece)
    return lines


def _walk(element: object, pieces: list[str | None]) -> None:
    for child in element:  # type: ignore[attr-defined]
        tag = child.tag
        if tag == "table" and not child.xpath(".//table"):
            pieces.append(None)
            for row in _table_rows(child):
                pieces.extend((row, None))
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


def _table_rows(table: object) -> list[str]:
    """A table without nested tables as "cell | cell" lines; a colspan keeps its columns."""
    rows: list[str] = []
    caption = table.find("caption")  # type: ignore[attr-defined]
    if caption is not None:
        rows.append(_cell_text(caption))
    for tr in table.iter("tr"):  # type: ignore[attr-defined]
        cells: list[str] = []
        for cell in tr:
            if cell.tag not in _CELLS:
                continue
            cells.append(_cell_text(cell))
            span = cell.get("colspan", "1").strip()
            extra = min(int(span), 100) - 1 if span.isdigit() and int(span) > 1 else 0
            cells.extend([""] * extra)
        while cells and not cells[-1]:
            cells.pop()
        if cells:
            rows.append(" | ".join(cells))
    return [row for row in rows if row]


def _cell_text(cell: object) -> str:
    """A cell's text on one line: line breaks and paragraphs inside it become spaces."""
    parts: list[str] = [cell.text or ""]  # type: ignore[attr-defined]
    for child in cell:  # type: ignore[attr-defined]
        gap = " " if child.tag in _BLOCKS or child.tag == "br" else ""
        parts.extend((gap, _cell_text(child), gap, child.tail or ""))
    return " ".join("".join(parts).split())
