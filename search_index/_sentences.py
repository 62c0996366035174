"""A passage's sentences, as character offsets, for sentence-level vectors.

Sentences come from kiwi's ``split_into_sents`` (the same Kiwi the analysis uses; it also
splits English). Fragments shorter than :data:`MIN_CHARS` join their neighbour (a list
number or a lone heading word says nothing alone), and a passage keeps at most
:data:`MAX_SENTENCES` spans (the rest joins the last one), so a long table costs a bounded
number of vectors.
"""

from __future__ import annotations

from ._korean import _get_kiwi, _kiwi_lock

MIN_CHARS = 12
MAX_SENTENCES = 48
MAX_CHARS = 600  # longer sentences are cut at this many characters (the models read ~512 tokens)

__all__ = ["MAX_SENTENCES", "MIN_CHARS", "sentence_spans", "sentence_texts"]


def _raw_spans(text: str) -> list[tuple[int, int]]:
    with _kiwi_lock:
        kiwi = _get_kiwi()
    try:
        sents = kiwi.split_into_sents(text, return_tokens=False)
    except Exception:  # noqa: BLE001 - an unsplittable text is one sentence
        return [(0, len(text))]
    return [(int(s.start), int(s.end)) for s in sents if s.end > s.start]


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """``[(start, end), ...]`` character offsets of ``text``'s sentences, in order; a text
    without words gives ``[]``, a short one a single span. ``text[start:end]`` is the
    sentence (whitespace around it excluded)."""
    if not text or not text.strip():
        return []
    merged: list[list[int]] = []
    for start, end in _raw_spans(text):
        if merged and (end - start < MIN_CHARS or merged[-1][1] - merged[-1][0] < MIN_CHARS):
            merged[-1][1] = end
        else:
            merged.append([start, end])
    if not merged:
        stripped = text.strip()
        start = text.index(stripped[0])
        return [(start, start + len(stripped))]
    if len(merged) > MAX_SENTENCES:
        merged[MAX_SENTENCES - 1][1] = merged[-1][1]
        merged = merged[:MAX_SENTENCES]
    out: list[tuple[int, int]] = []
    for start, end in merged:
        while end - start > MAX_CHARS:
            out.append((start, start + MAX_CHARS))
            start += MAX_CHARS
        out.append((start, end))
    return out


def sentence_texts(text: str) -> tuple[list[str], list[tuple[int, int]]]:
    """The sentences of ``text`` and their spans (:func:`sentence_spans`)."""
    spans = sentence_spans(text)
    return [text[a:b] for a, b in spans], spans
