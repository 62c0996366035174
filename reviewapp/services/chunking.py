"""Passages of ~300-800 characters on sentence boundaries, never crossing a page."""

from __future__ import annotations

import re
from dataclasses import dataclass

MIN_CHARS = 300
TARGET_CHARS = 600
MAX_CHARS = 800

# Sentence ends: Korean/Latin terminal punctuation (with the quotes or brackets that close
# it, which belong to the sentence) followed by space, or a line break. Group "gap" is the
# separator between sentences.
_SENTENCE_END = re.compile(r"(?<=[.!?。．？！])[\"'”’)\]」』]*(?P<gap>\s+)|(?P<nl>\n+)")


@dataclass(frozen=True)
class Passage:
    page: int
    start: int  # character offsets into the page text
    end: int
    text: str


def sentence_spans(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    pos = 0
    for match in _SENTENCE_END.finditer(text):
        end = match.start("gap") if match.group("gap") is not None else match.start()
        if end > pos:
            spans.append((pos, end))
        pos = match.end()
    if pos < len(text):
        spans.append((pos, len(text)))
    return [(s, e) for s, e in spans if text[s:e].strip()]


def chunk_page(page: int, text: str) -> list[Passage]:
    spans: list[tuple[int, int]] = []
    for s, e in sentence_spans(text):
        if e - s > MAX_CHARS:
            spans.extend(_cut_at_spaces(text, s, e))
        else:
            spans.append((s, e))
    passages: list[Passage] = []
    cur_start: int | None = None
    cur_end = 0
    for s, e in spans:
        if cur_start is None:
            cur_start, cur_end = s, e
            continue
        if e - cur_start > MAX_CHARS or (cur_end - cur_start >= TARGET_CHARS):
            passages.append(_passage(page, text, cur_start, cur_end))
            cur_start, cur_end = s, e
        else:
            cur_end = e
    if cur_start is not None:
        tail = _passage(page, text, cur_start, cur_end)
        if (
            passages
            and len(tail.text) < MIN_CHARS // 2
            and tail.end - passages[-1].start <= MAX_CHARS
        ):
            last = passages.pop()
            tail = _passage(page, text, last.start, tail.end)
        passages.append(tail)
    return [p for p in passages if p.text]


def _passage(page: int, text: str, start: int, end: int) -> Passage:
    """Offsets point at the stripped passage, so text[start:end] == passage.text."""
    raw = text[start:end]
    lead = len(raw) - len(raw.lstrip())
    trail = len(raw) - len(raw.rstrip())
    return Passage(page, start + lead, end - trail, raw.strip())


def _cut_at_spaces(text: str, start: int, end: int) -> list[tuple[int, int]]:
    out = []
    while end - start > MAX_CHARS:
        window = text[start : start + MAX_CHARS]
        cut = max(window.rfind(" ", TARGET_CHARS // 2), window.rfind("|", TARGET_CHARS // 2))
        cut = start + (cut if cut > 0 else TARGET_CHARS)
        out.append((start, cut))
        start = cut
    out.append((start, end))
    return out


def chunk_pages(pages: list[tuple[int, str]]) -> list[Passage]:
    out: list[Passage] = []
    for number, text in pages:
        out.extend(chunk_page(number, text))
    return out
