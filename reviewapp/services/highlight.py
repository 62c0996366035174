"""Where a cited passage lies in a PDF page's text layer, for drawing its highlight.

The preview pane (static/viewer.js) renders a PDF page with PDF.js and must highlight the
passage the citation names. The passage's text comes from our extractor (pdfium), the page's
text layer from PDF.js: the two differ in whitespace, line breaks, the spaces inside Korean
words, and compatibility forms (NFKC). Both are compared with all of that removed. A passage
is located when it is found whole, or, failing that, piecewise (its lines, halved where a
line is not found) inside the window its longest uniquely found line fixes, covering most of
it; otherwise nothing is highlighted and the pane shows the passage beside the page. Never a wrong highlight.

static/viewer.js implements the same rules (``normalize``, ``locate``); bench/bench_highlight.py
measures them over every passage of the corpus PDFs against PDF.js's own text layer.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

__all__ = ["Located", "locate", "normalize"]

MIN_PIECE = 6  # shorter pieces of a passage are never searched on their own
MIN_COVER = 0.75  # a passage found piecewise must be this much covered to be highlighted


@dataclass(frozen=True)
class Located:
    """Where a passage lies: ranges [start, end) over the layer's normalized text (one when
    found whole), and the share of the passage's characters they cover."""

    ranges: tuple[tuple[int, int], ...]
    cover: float

    @property
    def exact(self) -> bool:
        return len(self.ranges) == 1 and self.cover == 1.0


def _keep(ch: str) -> bool:
    return not (ch.isspace() or ch in "\u200b\u200c\u200d\ufeff\u00ad")


def normalize(text: str) -> tuple[str, list[int]]:
    """``text`` without whitespace (NFKC per character), and each kept character's index in
    ``text`` (what lets the viewer map a match back onto the text layer's spans)."""
    out: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text):
        for c in unicodedata.normalize("NFKC", ch):
            if _keep(c):
                out.append(c)
                where.append(i)
    return "".join(out), where


def locate(passage: str, layer: str, hint: float = 0.0) -> Located | None:
    """The place of ``passage`` in the text ``layer`` (both raw); None when not found safely.

    Found whole: that place (of several identical ones, the nearest to ``hint``, where on the
    page (0..1) the passage starts in the extracted text). Else piecewise: the passage's lines
    (long ones halved until found or too short) inside the window that its longest uniquely
    found line fixes; highlighted only when the pieces cover MIN_COVER of it."""
    needle, _ = normalize(passage)
    hay, _ = normalize(layer)
    if not needle or not hay:
        return None
    hits = _all(hay, needle)
    if hits:
        best = min(hits, key=lambda i: abs(i / len(hay) - hint))
        return Located(((best, best + len(needle)),), 1.0)
    pieces: list[tuple[int, str]] = []  # (offset in needle, text)
    offset = 0
    for line in passage.split("\n"):
        text, _ = normalize(line)
        if text:
            pieces.append((offset, text))
            offset += len(text)
    anchor = None
    for off, text in sorted(pieces, key=lambda p: -len(p[1])):
        if len(text) < 2 * MIN_PIECE:
            break
        found = _all(hay, text)
        if len(found) == 1:
            anchor = found[0] - off
            break
    if anchor is None:
        return None
    lo, hi = anchor - len(needle) // 4, anchor + len(needle) + len(needle) // 4
    ranges: list[tuple[int, int]] = []
    todo = list(pieces)
    while todo:
        off, text = todo.pop(0)
        if len(text) < MIN_PIECE:
            continue
        found = [i for i in _all(hay, text) if lo <= i and i + len(text) <= hi]
        if found:
            at = min(found, key=lambda i: abs(i - (anchor + off)))
            ranges.append((at, at + len(text)))
        elif len(text) >= 2 * MIN_PIECE:
            half = len(text) // 2
            todo[:0] = [(off, text[:half]), (off + half, text[half:])]
    covered = sum(end - start for start, end in ranges) / len(needle)
    if covered < MIN_COVER:
        return None
    return Located(tuple(sorted(ranges)), round(covered, 3))


def _all(hay: str, needle: str) -> list[int]:
    found, i = [], hay.find(needle)
    while i >= 0:
        found.append(i)
        i = hay.find(needle, i + 1)
    return found
