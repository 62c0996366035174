"""Highlights: which query terms a passage holds, where, and the snippet around them."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

from whoosh import query as wq
from whoosh.searching import Searcher

from ._korean import _HANGUL_RUN_RE
from ._whoosh import SEARCH_FIELDS

SNIPPET_CHARS = 240


def highlight_terms(q: wq.Query, searcher: Searcher) -> list[tuple[str, bytes]]:
    """The (field, term) pairs of ``q`` present in the index, prefixes expanded.

    (whoosh's ``Query.existing_terms`` skips every field after the first one.)
    """
    reader = searcher.reader()
    schema = searcher.schema
    found: set[tuple[str, bytes]] = set()
    for leaf in q.leaves():
        if isinstance(leaf, wq.Not):
            continue
        try:
            terms = list(leaf.expanded_terms(reader, phrases=True))
        except Exception:  # noqa: BLE001
            continue
        for fieldname, text in terms:
            if fieldname not in SEARCH_FIELDS:
                continue
            btext = schema[fieldname].to_bytes(text) if isinstance(text, str) else text
            if (fieldname, btext) in reader:
                found.add((fieldname, btext))
    return sorted(found)


_bigram_patterns: dict[frozenset[str], re.Pattern[str] | None] = {}


def bigram_spans(text: str, grams: set[str] | frozenset[str]) -> list[tuple[int, int]]:
    """Spans in ``text`` of the Hangul bigrams (and lone syllables) in ``grams``.

    The same spans as filtering :func:`hangul_bigrams`, found with one regex
    instead of building every bigram of the text.
    """
    key = frozenset(grams)
    pattern = _bigram_patterns.get(key, False)
    if pattern is False:
        pairs = sorted(g for g in key if len(g) == 2)
        pattern = (
            re.compile(
                "(?=(" + "|".join(re.escape(g[0]) + r"\s*" + re.escape(g[1]) for g in pairs) + "))"
            )
            if pairs
            else None
        )
        if len(_bigram_patterns) > 1000:
            _bigram_patterns.clear()
        _bigram_patterns[key] = pattern
    out = [(m.start(), m.end(1)) for m in pattern.finditer(text)] if pattern else []
    singles = {g for g in key if len(g) == 1}
    if singles:  # a one-syllable Hangul run is indexed as a unigram
        out.extend(
            (m.start(), m.end())
            for m in _HANGUL_RUN_RE.finditer(text)
            if m.end() - m.start() == 1 and m.group() in singles
        )
    return out


def match_spans(
    searcher: Searcher, terms: Sequence[tuple[str, bytes]], docs: Sequence[tuple[int, str]]
) -> dict[int, list[tuple[int, int]]]:
    """Character spans of the matching terms in each (docnum, text).

    Morpheme offsets come from the postings (stored at indexing time, so kiwi
    does not run again); bigram offsets are recomputed from the text.
    """
    wanted = sorted({d for d, _t in docs})
    spans: dict[int, list[tuple[int, int]]] = {d: [] for d in wanted}
    if not wanted:
        return spans
    grams = {t.decode("utf-8") for f, t in terms if f == "text_bigram"}
    if grams:
        for d, text in docs:
            spans[d].extend(bigram_spans(text, grams))
    # per segment, and only the segments holding a wanted document
    by_segment = []
    for sub, offset in searcher.subsearchers or [(searcher, 0)]:
        reader = sub.reader()
        end = offset + reader.doc_count_all()
        local = [d - offset for d in wanted if offset <= d < end]
        if local:
            by_segment.append((reader, offset, local))
    for field, term in terms:
        if field != "text":
            continue
        for reader, offset, local in by_segment:
            try:
                m = reader.postings(field, term)
            except Exception:  # noqa: BLE001 - not in this segment, or deleted meanwhile
                continue
            for d in local:
                if not m.is_active():
                    break
                if m.id() < d:
                    m.skip_to(d)
                    if not m.is_active():
                        break
                if m.id() == d:
                    spans[d + offset].extend((s, e) for _pos, s, e in m.value_as("characters"))
    return spans


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[list[int]] = []
    for s, e in sorted(spans):
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    return [(s, e) for s, e in merged]


def make_snippet(
    text: str,
    spans: list[tuple[int, int]],
    width: int = SNIPPET_CHARS,
    focus: tuple[int, int] | None = None,
) -> str:
    """HTML: the escaped passage around the densest cluster of matches, in <mark>; with
    ``focus`` (a sentence's offsets, e.g. :attr:`search_index.Hit.best_sentence`) the
    window opens at that sentence, which is wrapped in ``<span class="best-sentence">``."""
    text = text or ""
    spans = [(s, e) for s, e in _merge(spans) if 0 <= s < e <= len(text)]
    if focus is not None and not (0 <= focus[0] < focus[1] <= len(text)):
        focus = None
    if focus is not None:  # marks never cross the sentence's edges: the tags nest
        cut: list[tuple[int, int]] = []
        for s, e in spans:
            for a, b in (
                (s, min(e, focus[0])),
                (max(s, focus[0]), min(e, focus[1])),
                (max(s, focus[1]), e),
            ):
                if a < b:
                    cut.append((a, b))
        spans = cut
    if not spans and focus is None:
        cut_text = text[:width]
        return html.escape(cut_text) + ("…" if len(text) > width else "")
    if focus is not None:
        first = focus[0]
    else:
        best_start, best_count = 0, -1
        j = 0
        for i, (s, _e) in enumerate(spans):
            j = max(j, i)
            while j + 1 < len(spans) and spans[j + 1][1] <= s + width:
                j += 1
            count = sum(e - st for st, e in spans[i : j + 1])
            if count > best_count:
                best_start, best_count = i, count
        first = spans[best_start][0]
    start = max(0, first - width // 5) if focus is None else first
    if start > 0 and focus is None:  # begin at a word boundary
        sp = text.rfind(" ", max(0, start - 20), first)
        start = sp + 1 if sp >= 0 else start
    end = min(len(text), start + width)
    if end < len(text):
        sp = text.find(" ", end, end + 20)
        end = sp if sp >= 0 else end
    events: list[tuple[int, int, str]] = []  # (position, order, markup)
    for s, e in spans:
        if e <= start or s >= end:
            continue
        s, e = max(s, start), min(e, end)
        events += [(s, 3, "<mark>"), (e, 0, "</mark>")]
    if focus is not None:
        fs, fe = max(focus[0], start), min(focus[1], end)
        if fs < fe:
            events += [(fs, 2, '<span class="best-sentence">'), (fe, 1, "</span>")]
    events.sort()
    parts = ["…"] if start > 0 else []
    pos = start
    for at, _order, markup in events:
        parts.append(html.escape(text[pos:at]))
        parts.append(markup)
        pos = at
    parts.append(html.escape(text[pos:end]))
    if end < len(text):
        parts.append("…")
    return "".join(parts)
