"""PPTX: one page per slide (python-pptx), so that a citation's page is the slide number.

A slide's text is its shapes' text in the deck's order: text boxes and placeholders
paragraph by paragraph, tables as "cell | cell" rows (the XLSX layout), grouped shapes
recursively, a chart's title. Speaker notes follow under a ``# 발표자 노트`` line: they
often hold the figures the slide only shows as a picture. A picture big enough to hold
text is not read: its slide is marked ``suspect`` "images" (see _pictures).
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

from ._pictures import EMU_PER_INCH, PICTURE_MARK, flag_pages, may_hold_text
from ._text import frozen, make_pages
from ._zipread import MAX_MEMBER_BYTES
from .base import ExtractionError, ExtractionResult

__all__ = ["PptxExtractor"]

NOTES_HEADING = "# 발표자 노트"
MAX_UNPACKED_BYTES = 1024 * 1024 * 1024


@dataclass(frozen=True)
class PptxExtractor:
    name: str = "pptx"
    types: frozenset[str] = frozenset({"pptx"})

    def extract(self, path: Path) -> ExtractionResult:
        import pptx

        _check_package(path)
        try:
            deck = pptx.Presentation(str(path))
            slides = list(deck.slides)
            texts = [_slide_text(slide) for slide in slides]
        except ExtractionError:
            raise
        except Exception as exc:
            raise ExtractionError(
                "corrupt", detail=f"python-pptx: {type(exc).__name__}: {exc}"
            ) from exc
        props = deck.core_properties
        meta = {
            "page_count": str(len(texts)),
            "slide_count": str(len(texts)),
            "title": props.title or "",
            "author": props.author or "",
        }
        texts, suspects, pictures = flag_pages(texts)
        meta.update(pictures)
        return ExtractionResult(
            type="pptx", pages=make_pages(texts, suspects=suspects), metadata=frozen(meta)
        )


def _check_package(path: Path) -> None:
    """Refuse encrypted or bomb-like packages before python-pptx inflates them."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            if any(info.flag_bits & 0x1 for info in infos):
                raise ExtractionError("encrypted")
            if any(info.file_size > MAX_MEMBER_BYTES for info in infos) or (
                sum(info.file_size for info in infos) > MAX_UNPACKED_BYTES
            ):
                raise ExtractionError("too_large", detail="deck unpacks to more than allowed")
            zf.getinfo("ppt/presentation.xml")
    except KeyError as exc:
        raise ExtractionError("corrupt", detail="ppt/presentation.xml is missing") from exc
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as exc:
        raise ExtractionError("corrupt", detail=f"zip: {exc}") from exc


def _slide_text(slide: object) -> str:
    lines: list[str] = []
    for shape in slide.shapes:  # type: ignore[attr-defined]
        lines.extend(_shape_lines(shape))
    if slide.has_notes_slide:  # type: ignore[attr-defined]
        frame = slide.notes_slide.notes_text_frame  # type: ignore[attr-defined]
        notes = frame.text.strip() if frame is not None else ""
        if notes:
            lines.extend(["", NOTES_HEADING, notes])
    return "\n".join(lines)


def _shape_lines(shape: object) -> list[str]:
    from pptx.enum.shapes import MSO_SHAPE_TYPE
    from pptx.shapes.picture import Picture

    if shape.shape_type == MSO_SHAPE_TYPE.GROUP:  # type: ignore[attr-defined]
        return [line for child in shape.shapes for line in _shape_lines(child)]  # type: ignore[attr-defined]
    if getattr(shape, "has_table", False):
        return _table_lines(shape.table)  # type: ignore[attr-defined]
    if getattr(shape, "has_chart", False):
        chart = shape.chart  # type: ignore[attr-defined]
        if chart.has_title and chart.chart_title.has_text_frame:
            return [chart.chart_title.text_frame.text]
        return []
    if getattr(shape, "has_text_frame", False):
        return [p.text for p in shape.text_frame.paragraphs]  # type: ignore[attr-defined]
    if isinstance(shape, Picture):  # its text, if any, is not read: the slide is flagged
        width, height = shape.width or 0, shape.height or 0
        if may_hold_text(width / EMU_PER_INCH, height / EMU_PER_INCH):
            return [PICTURE_MARK]
    return []


def _table_lines(table: object) -> list[str]:
    """Rows as "cell | cell"; a merged cell's text once, in its first cell."""
    lines: list[str] = []
    for row in table.rows:  # type: ignore[attr-defined]
        cells = ["" if cell.is_spanned else " ".join(cell.text.split()) for cell in row.cells]
        while cells and not cells[-1]:
            cells.pop()
        if cells:
            lines.append(" | ".join(cells))
    return lines
