"""DOCX: paragraphs and tables in document order (python-docx ``iter_inner_content``).

Headings become Markdown-style ``#`` lines so that chunking can keep sections together.
Pages follow Word's own page marks where the file has them (explicit ``w:br
w:type="page"`` and ``w:lastRenderedPageBreak``, which Word writes when it saves a laid
out document); otherwise we cut at ~1,800 characters. ``page_estimate`` is "true".
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from ._text import frozen, make_pages, paginate
from ._zipread import read_member
from .base import ExtractionError, ExtractionResult

__all__ = ["DocxExtractor"]

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_HEADING = re.compile(r"^(?:heading|제목)\s*(\d)", re.IGNORECASE)
_PAGE_MARK = "\f"


@dataclass(frozen=True)
class DocxExtractor:
    name: str = "docx"
    types: frozenset[str] = frozenset({"docx"})

    def extract(self, path: Path) -> ExtractionResult:
        import docx
        from docx.table import Table
        from docx.text.paragraph import Paragraph

        _check_package(path)
        try:
            document = docx.Document(str(path))
        except Exception as exc:
            raise ExtractionError(
                "corrupt", detail=f"python-docx: {type(exc).__name__}: {exc}"
            ) from exc
        blocks: list[str] = []
        marks = 0
        # Word writes lastRenderedPageBreak for every page it laid out, explicit breaks
        # included; counting both would double those. Use explicit breaks only without it.
        rendered = any(True for _ in document.element.body.iter(f"{_W}lastRenderedPageBreak"))
        for block in document.iter_inner_content():
            if isinstance(block, Paragraph):
                text = _paragraph(block, rendered)
                marks += text.count(_PAGE_MARK)
                blocks.append(text)
            elif isinstance(block, Table):
                breaks = _count_breaks(block._tbl, rendered)
                marks += breaks
                blocks.append(_PAGE_MARK * breaks + "\n".join(_table_lines(block)))
        text = "\n".join(blocks)
        pages = text.split(_PAGE_MARK) if marks else paginate(text)
        if marks and pages and not pages[0].strip() and len(pages) > 1:
            pages = pages[1:]  # a break before any content is not a page of its own
        meta: dict[str, str] = {"page_count": str(len(pages)), "page_estimate": "true"}
        meta["page_source"] = "page_breaks" if marks else "chars"
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
        return ExtractionResult(type="docx", pages=make_pages(pages), metadata=frozen(meta))


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


def _count_breaks(element, rendered: bool) -> int:
    if rendered:
        return sum(1 for _ in element.iter(f"{_W}lastRenderedPageBreak"))
    return sum(1 for el in element.iter(f"{_W}br") if el.get(f"{_W}type") == "page")


def _paragraph(paragraph, rendered: bool) -> str:
    """The paragraph's text with a page mark where a page starts inside it."""
    parts: list[str] = []
    for el in paragraph._p.iter(
        f"{_W}t", f"{_W}tab", f"{_W}br", f"{_W}cr", f"{_W}lastRenderedPageBreak"
    ):
        tag = el.tag
        if tag == f"{_W}t":
            parts.append(el.text or "")
        elif tag == f"{_W}tab":
            parts.append("\t")
        elif tag == f"{_W}lastRenderedPageBreak":
            if rendered:
                parts.append(_PAGE_MARK)
        elif tag == f"{_W}br" and el.get(f"{_W}type") == "page":
            if not rendered:
                parts.append(_PAGE_MARK)
        else:
            parts.append("\n")
    text = "".join(parts)
    style = paragraph.style.name if paragraph.style is not None else ""
    match = _HEADING.match(style or "")
    prefix = ""
    if match:
        prefix = "#" * min(6, int(match.group(1))) + " "
    elif style and style.lower() == "title":
        prefix = "# "
    if prefix and text.strip(_PAGE_MARK + " "):
        lead = len(text) - len(text.lstrip(_PAGE_MARK))
        text = text[:lead] + prefix + text[lead:]
    return text


def _table_lines(table) -> list[str]:
    """Rows as ``a | b | c``; a merged cell is written once (python-docx repeats it)."""
    lines: list[str] = []
    for row in table.rows:
        cells: list[str] = []
        seen: set[int] = set()
        for cell in row.cells:
            if id(cell._tc) in seen:
                continue
            seen.add(id(cell._tc))
            inner = [" ".join(p.text.split()) for p in cell.paragraphs]
            for nested in cell.tables:
                inner.extend(_table_lines(nested))
            cells.append(" ".join(t for t in inner if t))
        while cells and not cells[-1]:
            cells.pop()
        if any(cells):
            lines.append(" | ".join(cells))
    return lines


def _declared_pages(path: Path) -> str | None:
    try:
        with zipfile.ZipFile(path) as zf:
            xml = read_member(zf, "docProps/app.xml", limit=1024 * 1024).decode("utf-8", "replace")
    except Exception:
        return None
    match = re.search(r"<(?:\w+:)?Pages>(\d+)</", xml)
    return match.group(1) if match else None
