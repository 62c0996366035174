"""Text normalization shared by every format: NFC, whitespace, PUA, pagination."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from types import MappingProxyType

from .base import Page

CHARS_PER_PAGE = 1800
"""Rough characters on a printed Korean A4 page; used where a format has no pages."""

_HANGUL = re.compile("[\uac00-\ud7a3]")

# Private-use characters. Hangul word processors and symbol fonts put glyphs there.
# We map the few whose meaning is known (Hancom's title brackets, symbol-font bullets
# and arrows) to ordinary characters and drop the rest: a PUA code point has no
# meaning outside the font it was drawn with, so keeping it only pollutes search.
_PUA_MAP: dict[int, str] = {
    0xF0854: "「",  # Hancom title bracket (HNC PUA plane 15)
    0xF0855: "」",
    0xF0E0: "→",
    0xF0E8: "→",
    0xF0F0: "⇨",
    0xF0FC: "✓",
}


def _pua_replacement(cp: int) -> str:
    if cp in _PUA_MAP:
        return _PUA_MAP[cp]
    if 0xF020 <= cp <= 0xF0FF:  # Symbol/Wingdings fonts mapped to U+F0xx: bullets mostly
        return "•"
    return ""


_PUA_RE = re.compile("[\ue000-\uf8ff\U000f0000-\U000ffffd\U00100000-\U0010fffd]")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_ZERO_WIDTH = re.compile("[\u200b-\u200d\u2060\ufeff\u00ad]")
# C0/C1 controls except tab, newline and form feed (form feed is a page mark upstream).
_CONTROLS = re.compile("[\x00-\x08\x0b\x0d-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_BLANK_LINES = re.compile(r"\n{3,}")


def map_pua(text: str) -> str:
    """Replace known private-use glyphs, drop unknown ones."""
    return _PUA_RE.sub(lambda m: _pua_replacement(ord(m.group())), text)


def normalize(text: str) -> str:
    """NFC, one space between words, no trailing spaces, at most one blank line."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = unicodedata.normalize("NFC", text)
    text = map_pua(text)
    text = _ZERO_WIDTH.sub("", text)
    text = _CONTROLS.sub("", text.replace("\f", "\n"))
    text = _SPACES.sub(" ", text)
    text = "\n".join(line.strip() for line in text.split("\n"))
    text = _BLANK_LINES.sub("\n\n", text)
    return text.strip()


# Syllables that usually end a Korean word (particles, verb endings, nominal endings).
# A line ending in one of these was most likely wrapped between words, not inside one.
_WORD_FINAL = frozenset(
    "은는이가을를의에로와과도며고서한할된될인던면나게지다요까만써여터께임함음됨등및"
)


def rejoin_broken_words(text: str) -> str:
    """Rejoin Korean words split by a line wrap, e.g. ``스마트시\\n티`` -> ``스마트시티``.

    A wrap inside a word leaves no space before the line break; a wrap between words
    usually keeps one (Hancom PDF, Word). So we join two lines without a space only when
    the first line has no trailing space, is near the page's full line width, ends in a
    Hangul syllable that is not a typical word ending, and the next line starts with Hangul.
    Everything else keeps its line break. Call this on raw text, before ``normalize``.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if len(lines) < 2:
        return text
    widths = sorted(len(line.strip()) for line in lines if len(line.strip()) >= 10)
    if not widths:
        return text
    full = widths[int(len(widths) * 0.9)] if len(widths) > 1 else widths[0]
    threshold = max(12, 0.8 * full)
    out: list[str] = [lines[0]]
    for line in lines[1:]:
        prev = out[-1]
        if (
            prev
            and line
            and not prev[-1].isspace()
            and _HANGUL.match(prev[-1])
            and _HANGUL.match(line[0])
            and prev[-1] not in _WORD_FINAL
            and len(prev.strip()) >= threshold
        ):
            out[-1] = prev + line
        else:
            out.append(line)
    return "\n".join(out)


def paginate(text: str, size: int = CHARS_PER_PAGE) -> list[str]:
    """Split text into chunks of about ``size`` characters on line boundaries.

    Form feeds are hard page breaks. A single line longer than ``size`` is cut.
    """
    pages: list[str] = []
    for block in text.split("\f"):
        current: list[str] = []
        length = 0
        for line in block.split("\n"):
            while len(line) > size * 2:  # a huge line (minified text, CSV blob): cut it
                if current:
                    pages.append("\n".join(current))
                    current, length = [], 0
                pages.append(line[:size])
                line = line[size:]
            if length and length + len(line) > size:
                pages.append("\n".join(current))
                current, length = [], 0
            current.append(line)
            length += len(line) + 1
        pages.append("\n".join(current))
    return pages


def make_pages(
    texts: Iterable[str],
    *,
    ocr_flags: Iterable[bool] | None = None,
    suspects: Iterable[str] | None = None,
) -> tuple[Page, ...]:
    """Normalize page texts and number them from 1 (empty pages are kept: numbers matter).

    ``ocr_flags`` and ``suspects`` (Page.suspect codes) run parallel to ``texts``.
    """
    texts = list(texts)
    flags = list(ocr_flags) if ocr_flags is not None else [False] * len(texts)
    reasons = list(suspects) if suspects is not None else [""] * len(texts)
    return tuple(
        Page(number=i, text=normalize(t), ocr=flag, suspect=reason)
        for i, (t, flag, reason) in enumerate(zip(texts, flags, reasons, strict=False), 1)
    )


def frozen(metadata: Mapping[str, object]) -> Mapping[str, str]:
    """Read-only str->str metadata, dropping empty values."""
    clean = {str(k): normalize(str(v)) for k, v in metadata.items() if v not in (None, "")}
    return MappingProxyType({k: v for k, v in clean.items() if v})


def table_pages(pages: list[str], first_lines: Iterable[str]) -> list[int]:
    """The 1-based page on which each table starts, tables in reading order, each given by
    the text line of its first non-empty row as the page text writes it (before
    ``normalize``). Each is searched from where the previous one was found: as a whole line,
    else as text inside a line (a table nested in a cell is written inside its cell's
    text); a line found nowhere gets the previous table's page."""
    result: list[int] = []
    page, pos = 0, 0
    for line in first_lines:
        hit = _find_line(pages, line, page, pos, whole=True) or _find_line(
            pages, line, page, pos, whole=False
        )
        if hit is not None:
            page, pos = hit
        result.append(page + 1)
    return result


def _find_line(
    pages: list[str], line: str, page: int, pos: int, *, whole: bool
) -> tuple[int, int] | None:
    if not line:
        return None
    for number in range(page, len(pages)):
        text = pages[number]
        start = pos if number == page else 0
        while (index := text.find(line, start)) >= 0:
            end = index + len(line)
            if not whole or (
                (index == 0 or text[index - 1] in "\n\f")
                and (end == len(text) or text[end] in "\n\f")
            ):
                return number, index
            start = index + 1
    return None
