"""What the preview pane shows for a citation: the cited page of a document with the passage.

A PDF page is drawn in the browser by PDF.js (static/viewer.js), which highlights the passage
on the page's text layer (services/highlight.py states the matching rules); every other format
shows the extracted page text with the passage marked. Estimated pages, sheets and suspect
pages are labelled as the rest of the app labels them (services/places.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from ..extensions import db
from ..models import Chunk, Document, Page
from .places import Place, place_of

__all__ = ["Preview", "preview_of"]


@dataclass(frozen=True)
class Preview:
    """One page of ``document``; ``passage`` is the cited text (empty without a citation),
    ``before``/``after`` the page text around it; ``hint`` where on the page it starts (0..1)."""

    document: Document
    number: int
    place: Place
    before: str
    passage: str
    after: str
    chunk_id: int | None
    hint: float
    is_pdf: bool
    estimated: bool
    ocr: bool
    suspect_reason: str

    @property
    def page_count(self) -> int:
        return self.document.page_count or 0

    @property
    def previous_page(self) -> int | None:
        return self.number - 1 if self.number > 1 else None

    @property
    def next_page(self) -> int | None:
        return self.number + 1 if self.number < self.page_count else None


def preview_of(document: Document, chunk_id: int | None = None, page: int | None = None) -> Preview:
    """The page of passage ``chunk_id`` (when it is ``document``'s), else page ``page`` (1 when
    out of range) of ``document``, which the caller's access check already allowed."""
    chunk = db.session.get(Chunk, chunk_id) if chunk_id else None
    if chunk is not None and chunk.document_id != document.id:
        chunk = None
    count = document.page_count or 0
    number = chunk.page if chunk is not None else (page if page and 0 < page <= count else 1)
    row = db.session.scalar(
        select(Page).where(Page.document_id == document.id, Page.number == number)
    )
    text = row.text if row is not None else ""
    if chunk is not None:
        start, end = chunk.start_char, chunk.end_char
        before, passage, after = text[:start], text[start:end], text[end:]
    else:
        before, passage, after = text, "", ""
    return Preview(
        document=document,
        number=number,
        place=place_of(document, number, chunk.id if chunk is not None else None),
        before=before,
        passage=passage,
        after=after,
        chunk_id=chunk.id if chunk is not None else None,
        hint=round(len(before) / len(text), 4) if text else 0.0,
        is_pdf=document.detected_type == "pdf",
        estimated=bool(document.pages_estimated),
        ocr=bool(row.ocr) if row is not None else False,
        suspect_reason=row.suspect_reason if row is not None else "",
    )
