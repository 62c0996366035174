"""Where a cited passage is: "Page 3", or in a spreadsheet its sheet and rows.

A spreadsheet's pages are its sheets (extractors write one page per sheet and name them in
``doc_metadata["sheets"]``), so "page 2" means nothing to someone holding the workbook:
every citation (search hits, evidence links, suggestions, the CLI) says which sheet, and
which rows when extraction recorded them (``doc_metadata["sheet_rows"]``, each sheet's row
numbers as ranges, one text line per row after the ``# 시트:`` line).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext
from sqlalchemy import ColumnElement, func, select

from ..extensions import db
from ..models import Chunk, Document, Page

__all__ = ["SHEET_TYPES", "Place", "place_at", "place_of", "sheet_name"]

SHEET_TYPES = frozenset({"xlsx", "xls", "spreadsheetml"})


@dataclass(frozen=True)
class Place:
    """A page, or a sheet (``sheet``: its name) with the passage's first and last rows."""

    page: int
    sheet: str | None = None
    rows: tuple[int, int] | None = None

    @property
    def label(self) -> str:
        """ "Page 3", "Sheet '예산'", "Sheet '예산', row 4", "Sheet '예산', rows 4-9"."""
        if self.sheet is None:
            return gettext("Page %(n)d", n=self.page)
        if self.rows is None:
            return gettext("Sheet '%(name)s'", name=self.sheet)
        first, last = self.rows
        if first == last:
            return gettext("Sheet '%(name)s', row %(row)d", name=self.sheet, row=first)
        return gettext(
            "Sheet '%(name)s', rows %(first)d-%(last)d", name=self.sheet, first=first, last=last
        )


def sheet_name(document: Document, page: int) -> str | None:
    """The sheet's name when ``document`` is a spreadsheet whose sheet ``page`` (1-based) is
    known from extraction (``doc_metadata["sheets"]``, names joined by " | "); else None."""
    names = str((document.doc_metadata or {}).get("sheets") or "")
    if document.detected_type not in SHEET_TYPES or not names:
        return None
    parts = names.split(" | ")
    return parts[page - 1] if 0 < page <= len(parts) else None


def place_of(document: Document, page: int, chunk_id: int | None = None) -> Place:
    """Where passage ``chunk_id`` (or page ``page``, without one) of ``document`` is."""
    sheet = sheet_name(document, page)
    if sheet is None:
        return Place(page)
    return Place(page, sheet, _rows(document, page, chunk_id) if chunk_id else None)


def place_at(document_id: int, page: int, chunk_id: int | None = None) -> Place:
    """``place_of`` for callers holding ids (search hits, suggestions)."""
    document = db.session.get(Document, document_id)
    return Place(page) if document is None else place_of(document, page, chunk_id)


def _rows(document: Document, page: int, chunk_id: int) -> tuple[int, int] | None:
    """The sheet rows a passage spans, from its offsets and the sheet's row ranges.

    Counts line breaks in the database, so a sheet's text is never loaded for a label.
    None when the rows were not recorded or the text and the record disagree."""
    ranges = str((document.doc_metadata or {}).get("sheet_rows") or "").split(" | ")
    if not 0 < page <= len(ranges):
        return None
    spans = _spans(ranges[page - 1])
    chunk = db.session.get(Chunk, chunk_id)
    if not spans or chunk is None or chunk.document_id != document.id or chunk.page != page:
        return None

    def breaks(text: Any) -> ColumnElement[int]:
        return func.length(text) - func.length(func.replace(text, "\n", ""))

    counts = db.session.execute(
        select(
            breaks(func.substr(Page.text, 1, chunk.start_char)),
            breaks(func.substr(Page.text, 1, max(chunk.start_char, chunk.end_char - 1))),
            breaks(Page.text),
        ).where(Page.document_id == document.id, Page.number == page)
    ).first()
    if counts is None or counts[2] != sum(last - first + 1 for first, last in spans):
        return None  # line 0 is "# 시트: name"; then one line per recorded row
    first_line, last_line = max(int(counts[0]), 1), max(int(counts[1]), 1)
    return _row(spans, first_line), _row(spans, last_line)


def _spans(text: str) -> list[tuple[int, int]]:
    """ "1-3,5" -> [(1, 3), (5, 5)]; [] for "-" (an empty sheet) or anything unreadable."""
    spans: list[tuple[int, int]] = []
    for part in text.split(","):
        first, _, last = part.strip().partition("-")
        if not first.isdigit() or (last and not last.isdigit()):
            return []
        spans.append((int(first), int(last or first)))
    return spans


def _row(spans: list[tuple[int, int]], line: int) -> int:
    """The row number of the sheet's ``line``-th text line (1-based)."""
    for first, last in spans:
        if line <= last - first + 1:
            return first + line - 1
        line -= last - first + 1
    return spans[-1][1]
