"""DOCX: every story's text in reading order, including text under the wrappers Word writes.

One walker reads the body, table cells, text boxes, headers, footers, footnotes, endnotes
and comments. It reads the text inside tracked insertions and moves (``w:ins``,
``w:moveTo``), content controls (``w:sdt`` around blocks, rows, cells or runs), smart
tags, custom XML, hyperlinks and simple fields (``w:fldSimple``). It skips deleted and
moved-away text (``w:del``, ``w:moveFrom``), deleted table rows, ruby guide text and the
cached numbers of PAGE/NUMPAGES/SECTIONPAGES fields (the layout's numbers, stale in the
file, never the author's words). Of ``mc:AlternateContent`` it reads exactly one branch:
the first ``mc:Choice`` that holds text, else the ``mc:Fallback`` (Word writes each text
box twice, as a modern shape and as a legacy VML fallback).

Where text goes: a text box's paragraphs on lines of their own right after the paragraph
that anchors it, the paragraph's words before and after the box kept apart by a space; a section's headers at its start; its footnotes, footers and comments at
its end; endnotes at the end of the document. Header and footer lines with no letter or
digit (``- -`` once the page number is gone) are dropped. Table rows are one line each,
cells joined by `` | ``: a horizontally merged cell is written once, a vertically merged
one in every row it spans (so each row reads on its own), text inside a cell is joined
by spaces. Each table of the body (nested ones included; not those in text boxes, notes,
headers or footers) is also a ``Table`` "표 N" on the page where it starts, its cells on
Word's grid columns with a merged cell repeated over its area (see ``base.Table``).

An ``w:altChunk`` (HTML, MHT, plain text or a whole DOCX the author's tool embedded) is read
by the extractor of its format where it sits; an RTF chunk, which no extractor reads, is
named in ``unreadable_parts``. Office Math (``m:oMath``) is written as linear text (``(a)/(b)``,
``x^(2)``). Content controls still showing their placeholder (``w:showingPlcHdr``: "Click or
tap here to enter text.") give no text.

A pasted picture big enough to hold text (_pictures.may_hold_text; not in headers or
footers) is not read: its page is marked ``suspect`` "images" and counted in
``unread_images``.

Headings become Markdown-style ``#`` lines so that chunking can keep sections together.
Pages follow Word's own page marks where the file has them (explicit ``w:br
w:type="page"`` and ``w:lastRenderedPageBreak``, which Word writes when it saves a laid
out document); otherwise we cut at ~1,800 characters. ``page_estimate`` is "true".
"""

from __future__ import annotations

import email
import re
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import policy
from pathlib import Path

from ._pictures import EMU_PER_INCH, PICTURE_MARK, flag_pages, may_hold_text, strip_marks
from ._text import frozen, make_pages, paginate, table_pages
from ._zipread import read_member
from .base import MAX_TABLE_CELLS, ExtractionError, ExtractionResult, Table
from .html import HtmlExtractor
from .text import decode_text

__all__ = ["DocxExtractor", "math_text"]

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
_R_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_HEADING = re.compile(r"^(?:heading|제목)\s*(\d)", re.IGNORECASE)
_PAGE_MARK = "\f"
_PAGE_FIELDS = frozenset({"PAGE", "NUMPAGES", "SECTIONPAGES"})

_P, _TBL, _TR, _TC, _T = (_W + n for n in ("p", "tbl", "tr", "tc", "t"))
_BR, _CR, _TAB, _PTAB = (_W + n for n in ("br", "cr", "tab", "ptab"))
_RENDERED_BREAK = _W + "lastRenderedPageBreak"
_NO_BREAK_HYPHEN, _SYM = _W + "noBreakHyphen", _W + "sym"
_FLD_CHAR, _INSTR_TEXT, _FLD_SIMPLE = _W + "fldChar", _W + "instrText", _W + "fldSimple"
_TXBX_CONTENT = _W + "txbxContent"
_BOX_GAP = "\x00"  # a text box's place in its paragraph's parts (XML text has no NUL)
_ALTERNATE, _CHOICE, _FALLBACK = _MC + "AlternateContent", _MC + "Choice", _MC + "Fallback"
_SECT_PR = _W + "sectPr"
_ALT_CHUNK = _W + "altChunk"
_SDT, _SDT_PR, _SDT_CONTENT = _W + "sdt", _W + "sdtPr", _W + "sdtContent"
_M = "{http://schemas.openxmlformats.org/officeDocument/2006/math}"
_M_MATH, _M_T = _M + "oMath", _M + "t"
_WP = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}"
_DRAWN = frozenset({_WP + "inline", _WP + "anchor"})
_BLIP = "{http://schemas.openxmlformats.org/drawingml/2006/main}blip"
_PICT = _W + "pict"
_V_IMAGE = "{urn:schemas-microsoft-com:vml}imagedata"
_CSS_SIZE = re.compile(r"(width|height)\s*:\s*([\d.]+)\s*(pt|in|cm|mm|px)?", re.I)
_PER_INCH = {"pt": 72.0, "in": 1.0, "cm": 2.54, "mm": 25.4, "px": 96.0, "": 96.0}
MAX_CHUNK_DEPTH = 3
"""altChunk parts that are DOCX files holding altChunks of their own are read this deep."""
# Reference element -> the part that holds the referenced story (its relationship type
# ends with that name).
_REFERENCES = {
    _W + "footnoteReference": "footnotes",
    _W + "endnoteReference": "endnotes",
    _W + "commentReference": "comments",
}
# Wrappers whose content reads as if the wrapper were not there, at block, row, cell or
# run level: tracked insertions and moves-to, content controls, custom XML, smart tags.
_WRAPPERS = frozenset(_W + n for n in ("ins", "moveTo", "sdt", "sdtContent", "customXml"))
# Never text: deletions, moved-away text, properties, field instructions, ruby guides.
_SKIPPED = frozenset(
    _W + n
    for n in (
        "del",
        "moveFrom",
        "delText",
        "delInstrText",
        "rt",
        "pPr",
        "rPr",
        "sdtPr",
        "sdtEndPr",
        "tblPr",
        "tblPrEx",
        "tblGrid",
        "trPr",
        "tcPr",
        "sectPr",
        "rubyPr",
        "customXmlPr",
        "smartTagPr",
    )
)


@dataclass(frozen=True)
class DocxExtractor:
    name: str = "docx"
    types: frozenset[str] = frozenset({"docx"})

    def extract(self, path: Path) -> ExtractionResult:
        """Pages of text from the DOCX at ``path`` (estimated pages, see the module notes).

        Raises ExtractionError "encrypted" for an encrypted package and "corrupt" when the
        package or its main document cannot be read. A notes or comments part that is not
        well-formed XML is skipped and named in ``metadata["unreadable_parts"]``.
        """
        import docx

        _check_package(path)
        _keep_chunks_raw()
        try:
            document = docx.Document(str(path))
        except Exception as exc:
            raise ExtractionError(
                "corrupt", detail=f"python-docx: {type(exc).__name__}: {exc}"
            ) from exc
        walker = _Walker(document)
        text = walker.document_text()
        marks = text.count(_PAGE_MARK)
        pages = text.split(_PAGE_MARK) if marks else paginate(text)
        if marks and pages and not pages[0].strip() and len(pages) > 1:
            pages = pages[1:]  # a break before any content is not a page of its own
        meta: dict[str, str] = {"page_count": str(len(pages)), "page_estimate": "true"}
        meta["page_source"] = "page_breaks" if marks else "chars"
        if walker.unreadable:
            meta["unreadable_parts"] = ", ".join(walker.unreadable)
        core = document.core_properties
        for key in ("title", "author", "subject", "keywords", "last_modified_by"):
            value = getattr(core, key, None)
            if value:
                meta[key] = str(value)
        if core.created:
            meta["created"] = core.created.isoformat()
        if core.modified:
            meta["modified"] = core.modified.isoformat()
        declared = _declared_pages(path)
        if declared:
            meta["declared_pages"] = declared
        found = sorted(walker.tables, key=lambda t: t.number)
        starts = table_pages(pages, [t.first_line for t in found])
        kept = (t.table(page) for t, page in zip(found, starts, strict=True))
        tables = tuple(t for t in kept if t is not None)
        pages, suspects, pictures = flag_pages(pages)
        meta.update(pictures)
        return ExtractionResult(
            type="docx",
            pages=make_pages(pages, suspects=suspects),
            metadata=frozen(meta),
            tables=tables,
        )


def _keep_chunks_raw() -> None:
    """Make python-docx load every altChunk part as raw bytes. A DOCX chunk carries the
    main document's content type, so python-docx would parse it as XML and refuse the
    whole file; its own selector still decides every other part. Installed once."""
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.opc.part import Part, PartFactory

    current = PartFactory.part_class_selector
    if getattr(current, "keeps_chunks_raw", False):
        return

    def selector(content_type: str, reltype: str):
        if reltype == RT.A_F_CHUNK:
            return Part
        return current(content_type, reltype) if current is not None else None

    selector.keeps_chunks_raw = True  # type: ignore[attr-defined]
    PartFactory.part_class_selector = selector


def _check_package(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as zf:
            info = zf.getinfo("word/document.xml")
            if info.flag_bits & 0x1:
                raise ExtractionError("encrypted")
            read_member(zf, info)  # bounded: refuses a bomb before python-docx inflates it
    except KeyError as exc:
        raise ExtractionError("corrupt", detail="word/document.xml is missing") from exc
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as exc:
        raise ExtractionError("corrupt", detail=f"zip: {exc}") from exc


@dataclass
class _Field:
    """A complex field (``w:fldChar`` begin ... separate ... end) open in a story."""

    instruction: str = ""
    showing_result: bool = False
    page_number: bool = False


@dataclass
class _Story:
    """The lines of one story as the walk builds them.

    ``kind`` is "body" (page marks, heading prefixes, section ends), "cell" (a table cell
    in the body: page marks are counted for the table) or "other" (text boxes, notes,
    headers, footers, comments: none of these).
    """

    kind: str
    lines: list[str] = field(default_factory=list)
    fields: list[_Field] = field(default_factory=list)

    def showing_page_number(self) -> bool:
        return any(f.showing_result and f.page_number for f in self.fields)


@dataclass
class _FoundTable:
    """A body table as the walk read it: its number in reading order, the text line of its
    first non-empty row (to find its page), its rows by grid column, its merged areas."""

    number: int
    first_line: str
    grid: list[dict[int, str]]
    extents: dict[tuple[int, int], list[int]]

    def table(self, page: int) -> Table | None:
        width = max((max(row) + 1 for row in self.grid if row), default=0)
        if width * len(self.grid) > MAX_TABLE_CELLS:
            return None  # text only (odd grid spans)
        rows = tuple(tuple(strip_marks(row.get(c, "")) for c in range(width)) for row in self.grid)
        merged = tuple(
            sorted(
                (top, left, bottom, right)
                for top, left, bottom, right in self.extents.values()
                if bottom > top or right > left
            )
        )
        return Table(page=page, name=f"표 {self.number}", rows=rows, merged=merged, kind="table")


class _Walker:
    """Walks one opened python-docx ``Document`` into the text of all its stories."""

    def __init__(self, document, depth: int = 0) -> None:
        self.document = document
        self.depth = depth
        self.unreadable: list[str] = []
        self.tables: list[_FoundTable] = []  # body tables, in the order their walk ended
        self._table_count = 0
        body = document.element.body
        # Word writes lastRenderedPageBreak for every page it laid out, explicit breaks
        # included; counting both would double those. Use explicit breaks only without it.
        self.rendered = any(True for _ in body.iter(_RENDERED_BREAK))
        self._references: list[tuple[str, str]] = []  # (part kind, id) in reading order
        self._written: set[tuple[str, str]] = set()
        self._stories: dict[str, dict[str, object]] = {}
        self._furniture_written: set[str] = set()
        self._in_furniture = 0  # > 0 while a header or footer is read: its logos don't count
        self._section_start = 0

    def document_text(self) -> str:
        """The body with its sections' headers, notes, footers and comments; ``\\f`` = page."""
        body = self.document.element.body
        _blank_placeholders(body)
        story = _Story("body")
        self._blocks(body, story)
        self._end_section(body.find(_SECT_PR), story, last=True)
        return "\n".join(story.lines)

    # ------------------------------------------------------------------ blocks

    def _blocks(self, container, story: _Story) -> None:
        for child in container:
            tag = child.tag
            if tag == _P:
                self._paragraph(child, story)
            elif tag == _TBL:
                self._table(child, story)
            elif tag in _SKIPPED:
                continue
            elif tag in _WRAPPERS:
                self._blocks(child, story)
            elif tag == _ALTERNATE:
                branch = _branch(child)
                if branch is not None:
                    self._blocks(branch, story)
            elif tag == _ALT_CHUNK:
                story.lines.extend(self._alt_chunk(child))
            else:  # run-level content among blocks: bookmarks mostly, text only in odd files
                parts: list[str] = []
                boxes: list[str] = []
                self._inline(child, story, parts, boxes)
                text = _joined(parts)
                if text.strip():
                    story.lines.append(text)
                story.lines.extend(boxes)

    def _paragraph(self, p, story: _Story) -> None:
        parts: list[str] = []
        boxes: list[str] = []
        self._inline(p, story, parts, boxes)
        for open_field in story.fields:
            open_field.page_number = False  # a page number ends with its paragraph
        text = _joined(parts)
        if story.kind == "body":
            text = self._with_heading(p, text)
        story.lines.append(text)
        story.lines.extend(boxes)
        if story.kind == "body":
            properties = p.find(_W + "pPr")
            sect_pr = properties.find(_SECT_PR) if properties is not None else None
            if sect_pr is not None:
                self._end_section(sect_pr, story, last=False)

    def _with_heading(self, p, text: str) -> str:
        from docx.text.paragraph import Paragraph

        style = Paragraph(p, self.document).style
        name = style.name if style is not None else ""
        match = _HEADING.match(name or "")
        prefix = ""
        if match:
            prefix = "#" * min(6, int(match.group(1))) + " "
        elif name and name.lower() == "title":
            prefix = "# "
        if prefix and text.strip(_PAGE_MARK + " "):
            lead = len(text) - len(text.lstrip(_PAGE_MARK))
            text = text[:lead] + prefix + text[lead:]
        return text

    def _table(self, tbl, story: _Story) -> None:
        """One line per row, cells joined by `` | ``, after the table's page marks; a body
        table is also kept as rows of cells (``self.tables``)."""
        cell_kind = "other" if story.kind == "other" else "cell"
        number = 0
        if story.kind != "other":
            self._table_count += 1
            number = self._table_count
        lines: list[str] = []
        marks = 0
        above: dict[int, str] = {}  # grid column -> text of the cell covering it, row above
        origins_above: dict[int, tuple[int, int]] = {}  # grid column -> its merge's top-left
        grid: list[dict[int, str]] = []
        extents: dict[tuple[int, int], list[int]] = {}  # top-left -> [top, left, bottom, right]
        for tr in _children(tbl, _TR):
            if _row_deleted(tr):
                continue
            row_index = len(grid)
            column = _int_property(tr, "trPr", "gridBefore", 0)
            covered: dict[int, str] = {}
            origins: dict[int, tuple[int, int]] = {}
            cells: list[str] = []
            for tc in _children(tr, _TC):
                span = max(1, _int_property(tc, "tcPr", "gridSpan", 1))
                if _continues_vertical_merge(tc):
                    text = above.get(column, "")
                    origin = origins_above.get(column, (row_index, column))
                else:
                    cell = _Story(cell_kind)
                    self._blocks(tc, cell)
                    joined = "\n".join(cell.lines)
                    marks += joined.count(_PAGE_MARK)
                    text = " ".join(joined.split())
                    origin = (row_index, column)
                extent = extents.setdefault(origin, [*origin, row_index, column])
                extent[2] = max(extent[2], row_index)
                extent[3] = max(extent[3], column + span - 1)
                for offset in range(span):
                    covered[column + offset] = text
                    origins[column + offset] = origin
                cells.append(text)
                column += span
            above, origins_above = covered, origins
            grid.append(covered)
            while cells and not cells[-1]:
                cells.pop()
            if any(cells):
                lines.append(" | ".join(cells))
        story.lines.append(_PAGE_MARK * marks + "\n".join(lines))
        if number and lines:
            self.tables.append(_FoundTable(number, lines[0], grid, extents))

    # ------------------------------------------------------------------ runs

    def _inline(self, element, story: _Story, parts: list[str], boxes: list[str]) -> None:
        """Append the text under ``element`` to ``parts``; text-box lines go to ``boxes``."""
        for child in element:
            tag = child.tag
            if tag == _T:
                if not story.showing_page_number():
                    parts.append(child.text or "")
            elif tag in _SKIPPED:
                continue
            elif tag in (_TAB, _PTAB):
                parts.append("\t")
            elif tag in (_BR, _CR):
                if child.get(_W + "type") != "page":
                    parts.append("\n")
                elif story.kind != "other" and not self.rendered:
                    parts.append(_PAGE_MARK)
            elif tag == _RENDERED_BREAK:
                if story.kind != "other" and self.rendered:
                    parts.append(_PAGE_MARK)
            elif tag == _NO_BREAK_HYPHEN:
                parts.append("-")
            elif tag == _SYM:
                parts.append(_symbol(child))
            elif tag == _FLD_CHAR:
                _field_char(child, story)
            elif tag == _INSTR_TEXT:
                if story.fields and not story.fields[-1].showing_result:
                    story.fields[-1].instruction += child.text or ""
            elif tag == _FLD_SIMPLE:
                if not _is_page_field(child.get(_W + "instr", "")):
                    self._inline(child, story, parts, boxes)
            elif tag in _REFERENCES:
                self._references.append((_REFERENCES[tag], child.get(_W + "id", "")))
            elif tag == _ALTERNATE:
                branch = _branch(child)
                if branch is not None:
                    self._inline(branch, story, parts, boxes)
            elif tag == _M_MATH:
                parts.append(math_text(child))
            elif tag in _DRAWN or tag == _PICT:
                held = _picture_holds_text(child) if tag != _PICT else _vml_holds_text(child)
                if held and not self._in_furniture:
                    parts.append(PICTURE_MARK)
                self._inline(child, story, parts, boxes)
            elif tag == _TXBX_CONTENT:
                box = _Story("other")
                self._blocks(child, box)
                if any(line.strip() for line in box.lines):
                    parts.append(_BOX_GAP)  # where the box sits, the text around it parts
                boxes.extend(box.lines)
            else:  # runs, hyperlinks, smart tags, wrappers, drawings on the way to a text box
                self._inline(child, story, parts, boxes)

    # ------------------------------------------------------------------ other stories

    def _end_section(self, sect_pr, story: _Story, *, last: bool) -> None:
        """Headers at the section's start; footnotes, (endnotes), footers, comments at its end."""
        headers = self._furniture(sect_pr, "headerReference")
        if headers:
            start = self._section_start
            if start < len(story.lines):
                first = story.lines[start]
                lead = first[: len(first) - len(first.lstrip(_PAGE_MARK))]
                headers[0] = lead + headers[0]  # after the page mark that opens the section
                story.lines[start : start + 1] = [*headers, first[len(lead) :]]
            else:
                story.lines.extend(headers)
        kinds = ("footnotes", "endnotes") if last else ("footnotes",)
        for kind in kinds:
            story.lines.extend(self._referenced(kind))
        story.lines.extend(self._furniture(sect_pr, "footerReference"))
        story.lines.extend(self._referenced("comments"))
        self._section_start = len(story.lines)

    def _furniture(self, sect_pr, reference: str) -> list[str]:
        """Lines of the headers or footers a section names, each part once per document."""
        lines: list[str] = []
        if sect_pr is None:
            return lines
        for ref in sect_pr.iterchildren(_W + reference):
            part = self.document.part.related_parts.get(ref.get(_R_ID, ""))
            if part is None or str(part.partname) in self._furniture_written:
                continue
            self._furniture_written.add(str(part.partname))
            story = _Story("other")
            _blank_placeholders(part.element)
            self._in_furniture += 1
            try:
                self._blocks(part.element, story)
            finally:
                self._in_furniture -= 1
            lines.extend(line for line in story.lines if any(c.isalnum() for c in line))
        return lines

    def _referenced(self, kind: str) -> list[str]:
        """Lines of the notes or comments of ``kind`` referenced so far, each written once."""
        lines: list[str] = []
        for ref in self._references:
            if ref[0] != kind or ref in self._written:
                continue
            self._written.add(ref)
            element = self._story_elements(kind).get(ref[1])
            if element is not None:
                story = _Story("other")
                self._blocks(element, story)
                lines.extend(story.lines)
        return lines

    def _story_elements(self, kind: str) -> dict[str, object]:
        """``w:id`` -> note or comment element of the document's ``kind`` part (read once)."""
        if kind not in self._stories:
            from docx.opc.part import XmlPart
            from docx.oxml.parser import parse_xml
            from lxml.etree import XMLSyntaxError

            elements: dict[str, object] = {}
            for rel in self.document.part.rels.values():
                if rel.is_external or not rel.reltype.endswith("/" + kind):
                    continue
                part = rel.target_part
                try:
                    root = part.element if isinstance(part, XmlPart) else parse_xml(part.blob)
                except XMLSyntaxError:
                    self.unreadable.append(str(part.partname).lstrip("/"))
                    continue
                _blank_placeholders(root)
                for child in root:
                    elements.setdefault(child.get(_W + "id", ""), child)
            self._stories[kind] = elements
        return self._stories[kind]

    def _alt_chunk(self, element) -> list[str]:
        """Lines of an ``w:altChunk``'s part: HTML/XHTML, MHT (its HTML), plain text or a
        DOCX, read by the extractors of those formats. A part of any other kind (RTF) or
        one that cannot be read is named in ``unreadable`` (metadata "unreadable_parts")."""
        part = self.document.part.related_parts.get(element.get(_R_ID, ""))
        if part is None:
            return []
        name = str(part.partname).lstrip("/")
        try:
            text = _chunk_text(part.blob, self.depth)
        except ExtractionError:
            text = None
        if text is None:
            self.unreadable.append(name)
            return []
        return text.split("\n")


def _chunk_text(blob: bytes, depth: int) -> str | None:
    """The text of an altChunk part's bytes, by content; None for a kind we do not read."""
    head = blob[:2048].lstrip().lower()
    if blob.startswith(b"PK"):
        if depth >= MAX_CHUNK_DEPTH:
            return None
        with tempfile.TemporaryDirectory(prefix="reviewapp-chunk-") as tmp:
            path = Path(tmp) / "chunk.docx"
            path.write_bytes(blob)
            import docx

            _check_package(path)
            try:
                nested = docx.Document(str(path))
            except Exception as exc:
                raise ExtractionError("corrupt", detail=f"altChunk: {exc}") from exc
            return _Walker(nested, depth + 1).document_text().replace(_PAGE_MARK, "\n")
    if head.startswith(b"{\\rtf"):
        return None
    if head.startswith(b"mime-version") or b"multipart/related" in head:
        page = _mht_html(blob)
        if page is None:
            return None
        blob, head = page, b"<html"
    if b"<html" in head or b"<!doctype html" in head or b"<body" in head or b"<?xml" in head:
        with tempfile.TemporaryDirectory(prefix="reviewapp-chunk-") as tmp:
            path = Path(tmp) / "chunk.html"
            path.write_bytes(blob)
            return HtmlExtractor().extract(path).text
    return decode_text(blob).text


def _mht_html(blob: bytes) -> bytes | None:
    """The first text/html part of an MHT (MIME) chunk, as bytes in its declared charset."""
    message = email.message_from_bytes(blob, policy=policy.default)
    for part in message.walk():
        if part.get_content_type() == "text/html":
            payload = part.get_payload(decode=True)
            charset = part.get_content_charset()
            if not isinstance(payload, bytes):
                return None
            if charset:  # the HTML extractor reads a declared charset from a meta tag
                meta = f'<meta charset="{charset}">'.encode("ascii", "replace")
                return meta + payload
            return payload
    return None


def _joined(parts: list[str]) -> str:
    """A paragraph's text from its parts: a space where a text box sat between two words
    (its lines go after the paragraph), so that the words around it are not glued."""
    text = "".join(parts)
    if _BOX_GAP not in text:
        return text
    pieces = text.split(_BOX_GAP)
    out = pieces[0]
    for piece in pieces[1:]:
        if out and piece and not out[-1].isspace() and not piece[0].isspace():
            out += " "
        out += piece
    return out


def _picture_holds_text(drawn) -> bool:
    """Whether a ``wp:inline``/``wp:anchor`` drawing is a picture (an ``a:blip``) shown big
    enough to hold text (``wp:extent`` in EMU; see _pictures.may_hold_text)."""
    extent = drawn.find(_WP + "extent")
    if extent is None or next(drawn.iter(_BLIP), None) is None:
        return False
    try:
        width, height = int(extent.get("cx", "0")), int(extent.get("cy", "0"))
    except ValueError:
        return False
    return may_hold_text(width / EMU_PER_INCH, height / EMU_PER_INCH)


def _vml_holds_text(pict) -> bool:
    """Whether a legacy ``w:pict`` holds a VML picture (``v:imagedata``) whose shape's
    style (``width:300pt;height:2in``) is big enough to hold text."""
    for image in pict.iter(_V_IMAGE):
        shape = image.getparent()
        sizes = {
            name.lower(): float(value) / _PER_INCH[(unit or "").lower()]
            for name, value, unit in _CSS_SIZE.findall(shape.get("style", "") or "")
            if value.replace(".", "", 1).isdigit()
        }
        if may_hold_text(sizes.get("width", 0.0), sizes.get("height", 0.0)):
            return True
    return False


def _blank_placeholders(root) -> None:
    """Blank the text of content controls showing their placeholder (``w:showingPlcHdr``,
    "Click here to enter text." and the like): prompt text, not the author's words. The
    control's paragraphs, rows and cells stay, so tables keep their shape."""
    for sdt in root.iter(_SDT):
        properties = sdt.find(_SDT_PR)
        flag = properties.find(_W + "showingPlcHdr") if properties is not None else None
        if flag is None or flag.get(_W + "val", "true") in ("0", "false", "off"):
            continue
        content = sdt.find(_SDT_CONTENT)
        if content is not None:
            for t in content.iter(_T):
                t.text = ""


# Office Math structures and the linear form they are written in (UnicodeMath-like).
_MATH_FORMS = {
    "f": ("({num})/({den})", ("num", "den")),
    "sSup": ("{e}^({sup})", ("e", "sup")),
    "sSub": ("{e}_({sub})", ("e", "sub")),
    "sSubSup": ("{e}_({sub})^({sup})", ("e", "sub", "sup")),
    "rad": ("√({e})", ("deg", "e")),
    "d": ("({e})", ("e",)),
}


def math_text(element) -> str:
    """An Office Math element (``m:oMath``) as linear text: its ``m:t`` runs in order, with
    fractions as ``(a)/(b)``, powers ``x^(2)``, indexes ``x_(i)``, roots ``√(x)`` and
    delimited groups in brackets."""
    local = element.tag.rsplit("}", 1)[-1] if isinstance(element.tag, str) else ""
    if element.tag == _M_T:
        return element.text or ""
    if local.endswith("Pr"):
        return ""
    form = _MATH_FORMS.get(local)
    if form is not None:
        template, names = form
        found = {n: "" for n in names}
        for child in element:
            name = child.tag.rsplit("}", 1)[-1]
            if name in found:
                found[name] += math_text(child)
        if local == "d":  # several arguments: (a, b)
            found["e"] = ", ".join(math_text(c) for c in element if c.tag == _M + "e")
        if local == "rad" and found.get("deg"):
            return f"√[{found['deg']}]({found['e']})"
        return template.format(**found)
    return "".join(math_text(child) for child in element)


def _branch(alternate):
    """The one ``mc:AlternateContent`` branch to read: the first Choice with text, else the
    Fallback if it has text, else the first Choice (or Fallback) for whatever else it holds."""
    choices = [c for c in alternate if c.tag == _CHOICE]
    fallback = next((c for c in alternate if c.tag == _FALLBACK), None)
    for candidate in [*choices, fallback]:
        if candidate is not None and any((t.text or "").strip() for t in candidate.iter(_T)):
            return candidate
    return choices[0] if choices else fallback


def _children(element, tag: str) -> Iterator:
    """``tag`` children of ``element``, looking through content controls and custom XML."""
    for child in element:
        if child.tag == tag:
            yield child
        elif child.tag in _WRAPPERS:
            yield from _children(child, tag)


def _row_deleted(tr) -> bool:
    properties = tr.find(_W + "trPr")
    return properties is not None and properties.find(_W + "del") is not None


def _continues_vertical_merge(tc) -> bool:
    properties = tc.find(_W + "tcPr")
    merge = properties.find(_W + "vMerge") if properties is not None else None
    return merge is not None and merge.get(_W + "val", "continue") == "continue"


def _int_property(element, properties: str, name: str, default: int) -> int:
    props = element.find(_W + properties)
    value = props.find(_W + name) if props is not None else None
    raw = value.get(_W + "val", "") if value is not None else ""
    return int(raw) if raw.isdigit() else default


def _symbol(sym) -> str:
    """A ``w:sym`` character (symbol-font code points are private-use; normalize maps them)."""
    code = sym.get(_W + "char", "")
    try:
        return chr(int(code, 16))
    except (ValueError, OverflowError):
        return ""


def _is_page_field(instruction: str) -> bool:
    words = instruction.split()
    return bool(words) and words[0].upper() in _PAGE_FIELDS


def _field_char(element, story: _Story) -> None:
    kind = element.get(_W + "fldCharType")
    if kind == "begin":
        story.fields.append(_Field())
    elif kind == "separate" and story.fields:
        current = story.fields[-1]
        current.showing_result = True
        current.page_number = _is_page_field(current.instruction)
    elif kind == "end" and story.fields:
        story.fields.pop()


def _declared_pages(path: Path) -> str | None:
    try:
        with zipfile.ZipFile(path) as zf:
            xml = read_member(zf, "docProps/app.xml", limit=1024 * 1024).decode("utf-8", "replace")
    except Exception:
        return None
    match = re.search(r"<(?:\w+:)?Pages>(\d+)</", xml)
    return match.group(1) if match else None
