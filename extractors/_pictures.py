"""Pictures pasted into DOCX, PPTX and HWPX: counted, not read.

Text inside a pasted picture (a screenshot of a table, a scanned certificate pasted into
a report) is not in the document's text. OCR'ing every embedded picture would hold text
documents back in the queue (a scan page takes ~3 s of CPU, bench/results/ocr.md) and
read logos and photos as noise, so the extractors mark the pages that hold pictures big
enough to carry text: ``Page.suspect`` "images", with the count in the metadata
(``unread_images``, ``unread_image_pages``), so that a reviewer knows to open the original.

A format's walker puts PICTURE_MARK in the text where such a picture sits; ``flag_pages``
counts and removes the marks once the pages are cut.
"""

from __future__ import annotations

__all__ = [
    "EMU_PER_INCH",
    "HWPUNIT_PER_INCH",
    "MIN_PICTURE_AREA_IN2",
    "MIN_PICTURE_SIDE_IN",
    "PICTURE_MARK",
    "flag_pages",
    "may_hold_text",
    "strip_marks",
]

PICTURE_MARK = "\x1a"
"""Stands for one picture in a page's text until flag_pages removes it (a control
character: no document text holds it, and normalize() would drop it anyway)."""

EMU_PER_INCH = 914_400
"""DrawingML's English Metric Units (DOCX ``wp:extent``, PPTX shape sizes)."""

HWPUNIT_PER_INCH = 7_200
"""Hangul's unit (HWPX ``hp:sz``): 1/7200 inch."""

MIN_PICTURE_SIDE_IN = 0.25
"""A picture narrower or lower than this (6 mm) is a bullet, an icon or a rule."""

MIN_PICTURE_AREA_IN2 = 1.0
"""A picture smaller than this (e.g. 1 x 1 inch) is a logo or an icon: the banner logo of
the corpus press release (mcst-press-release-2024.hwpx, 1.5 x 0.38 in = 0.58 in2) is left
out; a pasted one-line caption 4 x 0.3 in (1.2 in2) or a screenshot counts."""


def may_hold_text(width_in: float, height_in: float) -> bool:
    """Whether a picture shown ``width_in`` x ``height_in`` inches can hold readable text."""
    return (
        min(width_in, height_in) >= MIN_PICTURE_SIDE_IN
        and width_in * height_in >= MIN_PICTURE_AREA_IN2
    )


def strip_marks(text: str) -> str:
    """``text`` without picture marks."""
    return text.replace(PICTURE_MARK, "")


def flag_pages(texts: list[str]) -> tuple[list[str], list[str], dict[str, str]]:
    """Page texts without marks, a Page.suspect code per page ("images" where a picture
    sits, else ""), and metadata: ``unread_images`` (pictures in all) and
    ``unread_image_pages`` (1-based page numbers, comma-separated); {} without pictures."""
    counts = [text.count(PICTURE_MARK) for text in texts]
    if not any(counts):
        return texts, [""] * len(texts), {}
    meta = {
        "unread_images": str(sum(counts)),
        "unread_image_pages": ",".join(str(i) for i, n in enumerate(counts, 1) if n),
    }
    return [strip_marks(t) for t in texts], ["images" if n else "" for n in counts], meta
