"""Where a cited passage lies on a scanned (OCR'd) page: boxes from tesseract's words.

A scanned PDF page has no text layer for PDF.js to match, and an image has none at all, so
the preview pane asks here. The page is rendered (or the frame read) as the extractor OCR'd
it and read again with tesseract's word boxes (extractors.ocr.read_words, the same reading
settings, so the words are the ones the page's text came from); the boxes are cached under
``DATA_DIR/ocr-words/`` by the file's sha256, since a reading costs ~3 CPU seconds. The
passage is located among the words by services/highlight.py's rules (whitespace and line
breaks ignored; whole, or most of it piecewise; else nothing): no highlight rather than a
wrong one, and the pane then shows the passage beside the page.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import select

from extractors import ExtractionError
from extractors.image import frame_image
from extractors.ocr import OcrWord, OcrWords, read_words
from extractors.pdf import render_page

from ..extensions import db
from ..models import Chunk, Document, Page
from .documents import document_path
from .highlight import locate, normalize

__all__ = ["OcrMark", "OcrMarks", "marks_for", "page_words"]

log = logging.getLogger(__name__)

CACHE_VERSION = 2  # bump when read_words reads differently: older caches are ignored


@dataclass(frozen=True)
class OcrMark:
    """One highlight box, in fractions (0..1) of the page's width and height, and the words
    it covers (what a screen reader and a test read)."""

    left: float
    top: float
    width: float
    height: float
    text: str


@dataclass(frozen=True)
class OcrMarks:
    """The passage's boxes on its page (empty: not located, show it beside the page), the
    share of the passage they cover, and why there are none."""

    marks: tuple[OcrMark, ...]
    cover: float = 0.0
    reason: str = ""


def marks_for(document: Document, chunk: Chunk) -> OcrMarks:
    """The boxes of passage ``chunk`` on its OCR'd page of ``document`` (a PDF or an image).

    Nothing for a page that was not OCR'd, one whose reading was noise (suspect "ocr_low"),
    a passage the words do not hold safely, or OCR that is not available now."""
    row = db.session.scalar(
        select(Page).where(Page.document_id == document.id, Page.number == chunk.page)
    )
    if row is None or not row.ocr:
        return OcrMarks((), reason="not_ocr")
    if row.suspect_reason == "ocr_low":
        return OcrMarks((), reason="ocr_low")
    try:
        words = page_words(document, chunk.page)
    except ExtractionError as exc:
        log.warning("no OCR words for document %s page %s: %s", document.id, chunk.page, exc)
        return OcrMarks((), reason="ocr_failed")
    text = row.text or ""
    passage = text[chunk.start_char : chunk.end_char]
    hint = chunk.start_char / len(text) if text else 0.0
    return locate_words(passage, words, hint)


def locate_words(passage: str, words: OcrWords, hint: float = 0.0) -> OcrMarks:
    """``passage`` located among ``words`` (services/highlight.locate), as one box per run of
    located words on a line; empty when it is not found safely."""
    layer, owner = _layer(words.words)
    located = locate(passage, layer, hint)
    if located is None or not words.width or not words.height:
        return OcrMarks((), reason="not_found")
    _, where = normalize(layer)
    chosen = sorted({owner[where[k]] for start, end in located.ranges for k in range(start, end)})
    runs: list[list[OcrWord]] = []
    previous = -2
    for index in chosen:
        word = words.words[index]
        if runs and index == previous + 1 and runs[-1][-1].line == word.line:
            runs[-1].append(word)
        else:
            runs.append([word])
        previous = index
    marks = tuple(_box(run, words.width, words.height) for run in runs)
    return OcrMarks(marks, located.cover)


def _layer(words: tuple[OcrWord, ...]) -> tuple[str, list[int]]:
    """The words as text (a space between words, a line break between lines), and for each
    character the index of its word (-1 for the separators)."""
    parts: list[str] = []
    owner: list[int] = []
    for i, word in enumerate(words):
        if i:
            sep = "\n" if word.line != words[i - 1].line else " "
            parts.append(sep)
            owner.append(-1)
        parts.append(word.text)
        owner.extend([i] * len(word.text))
    return "".join(parts), owner


def _box(run: list[OcrWord], width: int, height: int) -> OcrMark:
    left = min(w.left for w in run)
    top = min(w.top for w in run)
    right = max(w.left + w.width for w in run)
    bottom = max(w.top + w.height for w in run)
    return OcrMark(
        round(left / width, 5),
        round(top / height, 5),
        round((right - left) / width, 5),
        round((bottom - top) / height, 5),
        _joined(run),
    )


def _joined(run: list[OcrWord]) -> str:
    """The words' text, a space only where the gap between two boxes looks like one (tesseract
    splits a Korean word into syllables, each its own "word" with its own box)."""
    out = run[0].text
    for before, word in zip(run, run[1:], strict=False):
        gap = word.left - (before.left + before.width)
        out += (" " if gap > 0.25 * max(before.height, word.height, 1) else "") + word.text
    return out


def page_words(document: Document, number: int) -> OcrWords:
    """The OCR words of page ``number`` of ``document``, read once and then from the cache.
    ExtractionError when the page cannot be rendered or tesseract is missing or fails."""
    cache = _cache_path(document, number)
    try:
        return _from_json(json.loads(cache.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError):
        pass
    path = document_path(document)
    if document.detected_type == "pdf":
        image = render_page(path, number)
    elif document.detected_type == "image":
        image = frame_image(path, number)
    else:
        raise ExtractionError("unsupported", detail=f"no page images for {document.detected_type}")
    words = read_words(image)
    _write(cache, json.dumps(asdict(words), ensure_ascii=False))
    return words


def _cache_path(document: Document, number: int) -> Path:
    folder = Path(current_app.config["DATA_DIR"]) / "ocr-words" / document.sha256
    return folder / f"{number}.v{CACHE_VERSION}.json"


def _write(path: Path, text: str) -> None:
    """Atomically (two readers of the same page at once each write a whole file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # .tmp: a backup taken meanwhile skips the half-written file (services/backup.py)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".ocr-words-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except OSError:
        Path(tmp).unlink(missing_ok=True)
        raise


def _from_json(data: dict[str, Any]) -> OcrWords:
    return OcrWords(
        int(data["width"]),
        int(data["height"]),
        tuple(OcrWord(**w) for w in data["words"]),
        int(data.get("rotation", 0)),
    )
