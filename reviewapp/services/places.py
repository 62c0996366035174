"""Where a cited passage is: "Page 3", or in a spreadsheet its sheet and rows.

A spreadsheet's pages are its sheets (extractors write one page per sheet and name them in
``doc_metadata["sheets"]``), so "page 2" means nothing to someone holding the workbook:
every citation (search hits, evidence links, suggestions, the CLI) says which sheet, and
which rows when extraction recorded them (``doc_metadata["sheet_rows"]``, each sheet's row
numbers as ranges, one text line per row after the ``# 시트:`` line).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from flask_babel import gettext
from sqlalchemy import ColumnElement, func, select

from ..extensions import db
from ..models import Chunk, Document, Page

if TYPE_CHECKING:
    from search_index import Hit

__all__ = [
    "SHEET_TYPES",
    "HitPlace",
    "Place",
    "hit_place",
    "place_at",
    "place_of",
    "sheet_name",
]

SHEET_TYPES = frozenset({"xlsx", "xls", "spreadsheetml", "html"})
"""Types whose pages can be sheets; a document of these is cited by sheet only when its
extraction named sheets ("html": an "Excel download" does, a plain web page does not)."""


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
    None when the rows were not recorded or the text and the record disagree."""
    found = _chunk_lines(document, page, chunk_id)
    if found is None:
        return None
    spans, first_line, last_line = found
    return _row(spans, max(first_line, 1)), _row(spans, max(last_line, 1))


def _chunk_lines(
    document: Document, page: int, chunk_id: int
) -> tuple[list[tuple[int, int]], int, int] | None:
    """(the sheet's row spans, the page line the passage starts on, the page line it ends
    on); line 0 is "# 시트: name", then one line per recorded row. Counts line breaks in
    the database, so a sheet's text is never loaded for a label. None when the rows were
    not recorded or the text and the record disagree."""
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
        return None
    return spans, int(counts[0]), int(counts[1])


@dataclass(frozen=True)
class HitPlace:
    """Where a search hit is and the snippet to show: for a spreadsheet hit whose words
    were marked, the rows holding them (whole rows, words in ``<mark>``), else the hit's own
    snippet and its passage's place."""

    place: Place
    snippet: str


MAX_SNIPPET_ROWS = 3
"""A spreadsheet hit shows at most this many of the rows holding its marked words."""

_MARK = re.compile(r"<mark[^>]*>(.*?)</mark>", re.DOTALL)


def hit_place(hit: Hit) -> HitPlace:
    """The place and snippet of search ``hit`` (``search_index.Hit``). A hit in a sheet
    cites the rows that hold the most of the distinct words its snippet marks (a passage
    spans many rows, so its whole range says little), and shows those rows (at most
    MAX_SNIPPET_ROWS); other hits, and hits without marks, are left as they are."""
    document = db.session.get(Document, hit.document_id)
    if document is None:
        return HitPlace(Place(hit.page), hit.snippet)
    place = place_of(document, hit.page, hit.chunk_id)
    words = {html.unescape(m).strip().lower() for m in _MARK.findall(hit.snippet)} - {""}
    if place.sheet is None or not words:
        return HitPlace(place, hit.snippet)
    found = _chunk_lines(document, hit.page, hit.chunk_id)
    if found is None:
        return HitPlace(place, hit.snippet)
    spans, first_line, _ = found
    scored: list[tuple[int, int, str]] = []  # distinct marked words held, row, line
    for offset, line in enumerate(hit.text.split("\n")):
        number = first_line + offset
        held = sum(word in line.lower() for word in words)
        if number >= 1 and held:
            scored.append((held, _row(spans, number), line))
    if not scored:
        return HitPlace(place, hit.snippet)
    best = max(held for held, _, _ in scored)  # a word every row repeats cites no row
    matched = [(row, line) for held, row, line in scored if held == best]
    rows = (matched[0][0], matched[-1][0]) if len(matched) > 1 else (matched[0][0],) * 2
    shown = [_marked(line, words) for _, line in matched[:MAX_SNIPPET_ROWS]]
    if len(matched) > MAX_SNIPPET_ROWS:
        shown.append("…")
    return HitPlace(Place(place.page, place.sheet, rows), "<br>".join(shown))


def _marked(line: str, words: set[str]) -> str:
    """``line`` escaped, each occurrence of ``words`` (lower-cased) in ``<mark>``."""
    pattern = re.compile("|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)), re.I)
    out: list[str] = []
    pos = 0
    for match in pattern.finditer(line):
        out.append(html.escape(line[pos : match.start()]))
        out.append("<mark>" + html.escape(match.group()) + "</mark>")
        pos = match.end()
    out.append(html.escape(line[pos:]))
    return "".join(out)


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
