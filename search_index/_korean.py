"""Korean-aware whoosh analyzers: kiwi morphemes and Hangul character bigrams.

Both tokenizers report exact ``startchar``/``endchar`` offsets into the original
text, so highlights mark the surface form that produced a matching term, and
sequential positions, so phrase queries work.

The morpheme analyzer analyses one whitespace-delimited word (eojeol) at a time
and caches the result per word. Kiwi is the slow part of indexing (about 50k
characters/s per core on full paragraphs); Korean text repeats its words a lot,
so the cache removes most calls, and it also makes the analysis of a word the
same in a query and in a document, which is what matching needs.

The classes here are pickled into the whoosh index schema: they must hold no
Kiwi instance and keep their import path stable.
"""

from __future__ import annotations

import functools
import os
import re
import threading
from collections.abc import Iterable, Iterator
from typing import Any

from whoosh.analysis import Token, Tokenizer
from whoosh.lang.porter import stem as _porter_stem

__all__ = [
    "ANALYSIS_VERSION",
    "BigramTokenizer",
    "KiwiTokenizer",
    "bigram_analyzer",
    "fold_width",
    "kiwi_analyzer",
    "morphemes",
    "noun_runs",
    "prime_cache",
]

ANALYSIS_VERSION = 2
"""The terms this module makes of a text, versioned: bump it with any change that gives a
text other terms, so that an index made before is flagged for ``reviewapp reindex``
(``search_index/_whoosh.py``). 1: kiwi morphemes and bigrams; 2: full-width forms folded."""

# Content morphemes kept in the index; particles (J*), endings (E*), suffixes
# (XS*), punctuation (S[FPSEOW]) and the like are dropped.
_KEEP_TAGS = frozenset(
    {
        "NNG",
        "NNP",
        "NNB",
        "NR",
        "VV",
        "VA",
        "XR",
        "SL",
        "SN",
        "SH",
        "W_URL",
        "W_EMAIL",
        "W_HASHTAG",
        "W_SERIAL",
    }
)
_MAX_WORD = 120  # longer runs without spaces are cut so kiwi stays linear
_CACHE_LIMIT = 400_000

_WORD_RE = re.compile(r"\S+")
# Words with no Hangul/CJK need no morpheme analysis: split on \w runs.
_NEEDS_KIWI_RE = re.compile(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7a3\u3400-\u9fff\uf900-\ufaff]")
_PLAIN_TOKEN_RE = re.compile(r"\d+(?:[.,]\d+)*|[^\W\d_]+|\d+", re.UNICODE)
_SURROGATE_RE = re.compile(r"[\ud800-\udfff]")
# Full-width ASCII (U+FF01-FF5E: Latin letters, digits and punctuation as Korean input methods
# type them, "ＣＣＴＶ １，２５０대") and the ideographic space fold to their ASCII forms, one
# character for one, so that offsets into the original text stay valid. Not NFKC: it also
# turns Hangul compatibility letters (ㆍ U+318D, ㉠, half-width jamo) into other characters.
_WIDTH_FOLD = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_HANGUL_RUN_RE = re.compile(r"[\uac00-\ud7a3]+(?:\s+[\uac00-\ud7a3]+)*")
_HANGUL_CHAR_RE = re.compile(r"[\uac00-\ud7a3]")
_HANGUL_WORD_RE = re.compile(r"[\uac00-\ud7a3]+")
_NOUN_TAGS = frozenset({"NNG", "NNP"})  # common and proper nouns: what names are made of

_kiwi_lock = threading.Lock()
_kiwi: Any = None
_kiwi_pid: int | None = None
# word -> tuple of (term, start, end) relative to the word's first character
_word_cache: dict[str, tuple[tuple[str, int, int], ...]] = {}


def _get_kiwi() -> Any:
    """One Kiwi per process, built lazily (about 1 s) and rebuilt after fork."""
    global _kiwi, _kiwi_pid
    pid = os.getpid()
    if _kiwi is None or _kiwi_pid != pid:
        from kiwipiepy import Kiwi

        kiwi = Kiwi(num_workers=min(4, os.cpu_count() or 1))
        kiwi.tokenize("초기화")  # finish kiwi's lazy initialisation now
        _kiwi, _kiwi_pid = kiwi, pid
    return _kiwi


def _normalize_number(text: str) -> str:
    return text.replace(",", "")


def _plain_terms(word: str) -> tuple[tuple[str, int, int], ...]:
    out = []
    for m in _PLAIN_TOKEN_RE.finditer(word):
        t = m.group()
        if t[0].isdigit():
            out.append((_normalize_number(t), m.start(), m.end()))
        else:
            out.append((_porter_stem(t.lower()), m.start(), m.end()))
    return tuple(out)


def _terms_from_kiwi(tokens: Iterable[Any]) -> tuple[tuple[str, int, int], ...]:
    out = []
    for tok in tokens:
        tag = tok.tag
        if tag not in _KEEP_TAGS:
            base = tag.split("-", 1)[0]  # irregular verbs: VV-I, VA-R, ...
            if base not in ("VV", "VA"):
                continue
        form = tok.form
        if tag == "SL":
            form = _porter_stem(form.lower())
        elif tag == "SN":
            form = _normalize_number(form)
        elif tag.startswith("W_"):
            form = form.lower()
        if form:
            out.append((form, tok.start, tok.start + tok.len))
    return tuple(out)


def _analyze_words(words: list[str]) -> None:
    """Fill the cache for ``words`` with one batched (multithreaded) kiwi call."""
    todo = [w for w in dict.fromkeys(words) if w not in _word_cache]
    if not todo:
        return
    kiwi_words = []
    for w in todo:
        if _NEEDS_KIWI_RE.search(w):
            kiwi_words.append(w)
        else:
            _word_cache[w] = _plain_terms(w)
    if kiwi_words:
        with _kiwi_lock:
            kiwi = _get_kiwi()
            if len(kiwi_words) == 1:
                results: Iterable[Any] = [kiwi.tokenize(kiwi_words[0])]
            else:
                results = kiwi.tokenize(kiwi_words)
            analysed = [
                (w, _terms_from_kiwi(toks)) for w, toks in zip(kiwi_words, results, strict=False)
            ]
    else:
        analysed = []
    if len(_word_cache) > _CACHE_LIMIT:
        _word_cache.clear()
    for w, terms in analysed:
        _word_cache[w] = terms


def fold_width(text: str) -> str:
    """``text`` with full-width ASCII forms (U+FF01-FF5E) and the ideographic space (U+3000)
    as ASCII, character for character (the same length and offsets); everything else, Hangul
    compatibility letters such as ``ㆍ`` included, unchanged."""
    return text.translate(_WIDTH_FOLD)


def _clean(text: str) -> str:
    # Lone surrogates cannot be encoded for kiwi; replace them one for one so
    # character offsets stay valid.
    if _SURROGATE_RE.search(text):
        text = _SURROGATE_RE.sub(" ", text)
    return fold_width(text)


def _split_words(text: str) -> Iterator[tuple[str, int]]:
    for m in _WORD_RE.finditer(text):
        word, start = m.group(), m.start()
        if len(word) <= _MAX_WORD:
            yield word, start
        else:
            for i in range(0, len(word), _MAX_WORD):
                yield word[i : i + _MAX_WORD], start + i


def prime_cache(texts: Iterable[str]) -> None:
    """Analyse the words of many texts in one batched kiwi call (indexing speed-up)."""
    words = [w for text in texts for w, _ in _split_words(_clean(text or ""))]
    _analyze_words(words)


def morphemes(text: str) -> list[tuple[str, int, int]]:
    """(term, startchar, endchar) for the content morphemes of ``text``."""
    text = _clean(text or "")
    pieces = list(_split_words(text))
    missing = [w for w, _ in pieces if w not in _word_cache]
    if missing:
        _analyze_words(missing)
    out: list[tuple[str, int, int]] = []
    for word, start in pieces:
        terms = _word_cache.get(word)
        if terms is None:  # the cache was cleared meanwhile
            _analyze_words([word])
            terms = _word_cache.get(word, ())
        for term, s, e in terms:
            out.append((term, start + s, start + e))
    return out


@functools.lru_cache(maxsize=4096)
def noun_runs(text: str) -> tuple[tuple[str, ...], ...]:
    """The runs of adjacent Hangul nouns in ``text`` (common and proper, nothing but spaces
    between them), each as its nouns: the compound names a query spells with or without
    spaces. ``"재난 안전 통신 망의 구축"`` -> ``(("재난", "안전", "통신", "망"), ("구축",))``;
    a particle, ending, number or Latin word ends a run, and a noun that a predicate suffix
    makes a verb or adjective (``구축했다``, ``가능한``) is left out. Each word is analysed on
    its own, as :func:`morphemes` does; results are cached per text (queries repeat)."""
    text = _clean(text or "")
    pieces = [(w, start) for w, start in _split_words(text) if _NEEDS_KIWI_RE.search(w)]
    if not pieces:
        return ()
    with _kiwi_lock:
        kiwi = _get_kiwi()
        analysed = [kiwi.tokenize(w) for w, _ in pieces]
    runs: list[tuple[str, ...]] = []
    current: list[str] = []
    last_end = -1
    for (_word, start), tokens in zip(pieces, analysed, strict=True):
        for tok in tokens:
            begin = start + tok.start
            surface = text[begin : begin + tok.len]
            noun = tok.tag in _NOUN_TAGS and _HANGUL_WORD_RE.fullmatch(surface) is not None
            if tok.tag.startswith(("XSV", "XSA")) and current and last_end == begin:
                current.pop()  # 구축(하다), 가능(했다): a noun made a predicate names nothing
            if not (noun and current and not text[last_end:begin].strip()):
                if current:
                    runs.append(tuple(current))
                current = []
            if noun:
                current.append(surface)
            last_end = begin + tok.len
    if current:
        runs.append(tuple(current))
    return tuple(runs)


def hangul_bigrams(text: str) -> list[tuple[str, int, int]]:
    """Character bigrams over Hangul runs, ignoring spaces between Hangul words.

    "스마트 시티" and "스마트시티" give the same bigrams; a lone syllable gives a
    unigram so that one-syllable words stay searchable.
    """
    out: list[tuple[str, int, int]] = []
    for m in _HANGUL_RUN_RE.finditer(text or ""):
        base = m.start()
        chars = [(c.group(), base + c.start()) for c in _HANGUL_CHAR_RE.finditer(m.group())]
        if len(chars) == 1:
            c, s = chars[0]
            out.append((c, s, s + 1))
            continue
        for (c1, s1), (c2, s2) in zip(chars, chars[1:], strict=False):
            out.append((c1 + c2, s1, s2 + 1))
    return out


class _SpanTokenizer(Tokenizer):
    """Turns a (term, startchar, endchar) list into whoosh tokens."""

    def _spans(self, text: str) -> list[tuple[str, int, int]]:  # pragma: no cover
        raise NotImplementedError

    def __eq__(self, other: object) -> bool:
        return other.__class__ is self.__class__

    def __hash__(self) -> int:
        return hash(self.__class__.__name__)

    def __call__(  # type: ignore[override]
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: Any,
    ) -> Iterator[Token]:
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            t.original = t.text = value
            t.boost = 1.0
            if positions:
                t.pos = start_pos
            if chars:
                t.startchar = start_char
                t.endchar = start_char + len(value)
            yield t
            return
        for i, (term, s, e) in enumerate(self._spans(value)):
            t.text = term
            t.boost = 1.0
            t.stopped = False
            if keeporiginal:
                t.original = value[s:e]
            if positions:
                t.pos = start_pos + i
            if chars:
                t.startchar = start_char + s
                t.endchar = start_char + e
            yield t


class KiwiTokenizer(_SpanTokenizer):
    """Content morphemes (kiwi); English lowercased and Porter-stemmed."""

    def _spans(self, text: str) -> list[tuple[str, int, int]]:
        return morphemes(text)


class BigramTokenizer(_SpanTokenizer):
    """Hangul character bigrams across spaces (see :func:`hangul_bigrams`)."""

    def _spans(self, text: str) -> list[tuple[str, int, int]]:
        return hangul_bigrams(text)


def kiwi_analyzer() -> KiwiTokenizer:
    return KiwiTokenizer()


def bigram_analyzer() -> BigramTokenizer:
    return BigramTokenizer()
