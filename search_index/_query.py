"""Query text to whoosh queries: parsing, Korean-aware rewriting, filters, and limits.

Limits keep one query from taking the index down: a query is at most
:data:`MAX_QUERY_CHARS` characters, holds at most :data:`MAX_EXPANDING_TERMS`
wildcard/prefix terms, none starting with a wildcard, each matching at most
:data:`MAX_EXPANSIONS` index terms; anything else raises :class:`QueryRejected`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from typing import Any

from whoosh import query as wq
from whoosh.fields import Schema
from whoosh.qparser import FieldsPlugin, MultifieldParser, OrGroup
from whoosh.searching import Searcher

from ._korean import hangul_bigrams, morphemes, prime_cache
from ._whoosh import SEARCH_FIELDS, searcher_cache

log = logging.getLogger(__name__)

# Field weights and the OR coordination factor, tuned on KorQuAD/KLUE-STS in
# bench/bench_search.py: morphemes carry most of the signal, bigrams add
# recall for compounds, spacing variants and words kiwi splits differently.
TEXT_BOOST = 1.0
BIGRAM_BOOST = 0.15
OR_FACTOR = 0.9
# Free-text terms in more than this share of chunks are dropped from OR groups
# on large indexes: they barely move BM25 but dominate query time.
COMMON_TERM_RATIO = 0.1
COMMON_TERM_MIN_DOCS = 2000


def make_parser(schema: Schema) -> MultifieldParser:
    parser = MultifieldParser(
        list(SEARCH_FIELDS),
        schema,
        fieldboosts={"text": TEXT_BOOST, "text_bigram": BIGRAM_BOOST},
        group=OrGroup.factory(OR_FACTOR),
    )
    parser.replace_plugin(FieldsPlugin(remove_unknown=True))
    return parser


_parser_cache: dict[int, MultifieldParser] = {}
# Question marks ending a word are punctuation ("무엇인가?"), not whoosh's one-character
# wildcard; inside a word ("te?t") it stays a wildcard.
_TRAILING_QUESTION_RE = re.compile(r"\?+(?=\s|$)")


_parsed: dict[tuple[int, str], wq.Query] = {}
_PARSED_CACHE = 1024  # queries: suggestions parse every indicator's query on every visit


def parse_query(text: str, schema: Schema) -> wq.Query:
    """Free text is OR-grouped (more matching words score higher); operators work.

    Parsed queries are cached (whoosh queries are never changed in place here)."""
    key = (id(schema), text)
    q = _parsed.get(key)
    if q is None:
        if len(_parsed) >= _PARSED_CACHE:
            _parsed.clear()
        q = _parsed[key] = _parse(text, schema)
    return q


def _parse(text: str, schema: Schema) -> wq.Query:
    parser = _parser_cache.get(id(schema))
    if parser is None:
        parser = _parser_cache[id(schema)] = make_parser(schema)
    try:
        text = _TRAILING_QUESTION_RE.sub("", text)
        prime_cache([text])  # one batched kiwi call for the query's new words
        return _restructure(parser.parse(_drop_function_words(text)))
    except Exception:  # noqa: BLE001 - a query must never crash the search
        log.warning("unparseable query %r; searching its words", text, exc_info=True)
        words = [w for w in text.replace('"', " ").split() if w]
        return parser.parse(" ".join(f"'{w}'" for w in words)) if words else wq.NullQuery


_HANGUL_WORD_RE = re.compile(r"[\uac00-\ud7a3]+")
_OPERATORS = frozenset({"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE"})


def _drop_function_words(text: str) -> str:
    """Drop Hangul words without a content morpheme ("무엇인가", "어디에서", "그리고") from
    free text: their bigrams only match other questions' wording. Quoted phrases, operators
    and a query of nothing else are left as they are."""
    words = text.split()
    if '"' in text or any(w in _OPERATORS or ":" in w or "(" in w for w in words):
        return text
    kept = [w for w in words if not (_HANGUL_WORD_RE.fullmatch(w) and not morphemes(w))]
    return " ".join(kept) if kept and len(kept) < len(words) else text


def _is_filter(node: wq.Query) -> bool:
    fields = {getattr(leaf, "fieldname", None) for leaf in node.leaves()}
    return bool(fields) and None not in fields and not fields & set(SEARCH_FIELDS)


def _restructure(node: wq.Query) -> wq.Query:
    """Make NOT and field filters restrict OR-grouped free text instead of joining it.

    With OR grouping, ``a NOT b`` would parse as "a or anything without b", and
    ``doc_type:evidence 조례`` as "evidence or 조례"; users mean "a without b" and
    "조례 within evidence".
    """
    if isinstance(node, wq.Or):
        kids = [_restructure(k) for k in node.subqueries]
        negs = [k.query for k in kids if isinstance(k, wq.Not)]
        flts = [k for k in kids if not isinstance(k, wq.Not) and _is_filter(k)]
        pos = [k for k in kids if not isinstance(k, wq.Not) and not _is_filter(k)]
        if not negs and not flts:
            return node.__class__(kids, boost=node.boost, minmatch=node.minmatch, scale=node.scale)
        base: wq.Query | None = None
        if pos:
            base = (
                pos[0]
                if len(pos) == 1
                else node.__class__(pos, boost=node.boost, minmatch=node.minmatch, scale=node.scale)
            )
        if flts:
            flt = flts[0] if len(flts) == 1 else wq.And(flts)
            base = flt if base is None else wq.Require(base, flt)
        if negs:
            neg = negs[0] if len(negs) == 1 else wq.Or(negs)
            base = wq.AndNot(base if base is not None else wq.Every(), neg)
        return base if base is not None else node
    if isinstance(node, wq.Prefix) and node.fieldname == "text_bigram":
        # "통합운영*" must match inside "통합운영센터": the prefix's own bigrams in a row
        grams = [g for g, _s, _e in hangul_bigrams(node.text)]
        if len(grams) > 1:
            return wq.Phrase("text_bigram", grams, boost=node.boost)
        if len(grams) == 1 and len(node.text) == 2:
            return wq.Term("text_bigram", grams[0], boost=node.boost)
        return node
    if isinstance(node, wq.Every) and node.fieldname in SEARCH_FIELDS:
        # "*" is every passage; whoosh's Every(field) would read every term's postings
        return wq.Every(boost=node.boost)
    if isinstance(node, (wq.Phrase, wq.Not)) or node.is_leaf():
        return node
    return node.apply(_restructure)


def prune_common_terms(q: wq.Query, searcher: Searcher) -> wq.Query:
    """Lighten OR groups before scoring (each group keeps at least one clause):

    - terms in over :data:`COMMON_TERM_RATIO` of the passages are dropped (from
      :data:`COMMON_TERM_MIN_DOCS` passages on);
    - an OR group of over :data:`LONG_QUERY_CLAUSES` clauses is pasted text, not a question
      (KorQuAD dev questions: p99 49 clauses, max 66): it keeps its
      :data:`LONG_QUERY_KEEP` rarest terms and every other clause, as "more like this"
      searches do; at 100k passages its ~190 terms took 3-13 s to score.
    """
    n = searcher.doc_count()
    limit = n * COMMON_TERM_RATIO if n >= COMMON_TERM_MIN_DOCS else None
    reader = searcher.reader()
    # document frequencies, kept with the searcher (a snapshot: they cannot change)
    cache = searcher_cache(searcher, "doc_frequency", 100_000)

    def df(sub: wq.Query) -> int | None:
        if not (isinstance(sub, wq.Term) and sub.fieldname in SEARCH_FIELDS):
            return None
        key = (sub.fieldname, sub.text)
        found = cache.get(key)
        if found is None:
            try:
                found = cache[key] = reader.doc_frequency(sub.fieldname, sub.text)
            except Exception:  # noqa: BLE001
                return None
        return found

    def lighter(kids: list[wq.Query]) -> list[wq.Query]:
        freq = {id(k): df(k) for k in kids}
        kept = [
            k
            for k in kids
            if k is not wq.NullQuery and not (limit is not None and (freq[id(k)] or 0) > limit)
        ]
        if len(kept) > LONG_QUERY_CLAUSES:
            terms = sorted((k for k in kept if freq[id(k)] is not None), key=lambda k: freq[id(k)])
            rare = {id(k) for k in terms[:LONG_QUERY_KEEP]}
            kept = [k for k in kept if freq[id(k)] is None or id(k) in rare]
        return kept

    def walk(node: wq.Query) -> wq.Query:
        if isinstance(node, wq.Or):
            kept = lighter([walk(s) for s in node.subqueries])
            if not kept:
                return node
            return node.__class__(kept, boost=node.boost, minmatch=node.minmatch, scale=node.scale)
        if isinstance(node, (wq.Phrase, wq.Not)) or node.is_leaf():
            return node
        if isinstance(node, (wq.AndNot, wq.Require)):
            # only the scoring side; the excluded/required side keeps every term
            return node.__class__(walk(node.a), node.b)
        return node.apply(walk)

    return walk(q)


def filter_query(
    *,
    submission_ids: Sequence[int] | None = None,
    document_ids: Sequence[int] | None = None,
    doc_types: Sequence[str] | None = None,
    page_min: int | None = None,
    page_max: int | None = None,
    chunk_ids: Iterable[int] | None = None,
) -> wq.Query | None:
    parts: list[wq.Query] = []

    def any_of(field: str, values: Iterable[Any]) -> wq.Query:
        terms = [wq.Term(field, str(v)) for v in dict.fromkeys(values)]
        return terms[0] if len(terms) == 1 else wq.Or(terms)

    if submission_ids is not None:
        parts.append(any_of("submission_id", submission_ids))
    if document_ids is not None:
        parts.append(any_of("document_id", document_ids))
    if doc_types is not None:
        parts.append(any_of("doc_type", doc_types))
    if chunk_ids is not None:
        parts.append(any_of("chunk_id", chunk_ids))
    if page_min is not None or page_max is not None:
        parts.append(wq.NumericRange("page", page_min, page_max))
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else wq.And(parts)


def empty_filter(**filters: Any) -> bool:
    """True when a filter list is given but empty: nothing can match."""
    return any(
        v is not None and len(v) == 0
        for k, v in filters.items()
        if k.endswith("ids") or k == "doc_types"
    )


# --- limits --------------------------------------------------------------------

# Probes at 100k passages: "?*" took 6-9 s, a 6,000-character query 3.5 s. Within these
# limits the worst shapes answer in under a second (bench/bench_search.py, "limits").
MAX_QUERY_CHARS = 500
MAX_EXPANDING_TERMS = 3  # wildcard, prefix and range words in one query
MAX_EXPANSIONS = 1000  # index terms one such word may stand for
MAX_PHRASES = 3  # quoted phrases in one query: each is checked word position by position
# term posting lists the wildcard words of one query may open, over the index's segments:
# one-syllable particles (이*, 의*) stand for ~550 terms in each of 20 segments at 100k
# passages, 2.4 s to score; within this, ~0.25 s (bench/results/search.md)
MAX_TERM_LISTS = 2000
# An OR group longer than any question (KorQuAD dev: p99 49 clauses, max 66) is pasted
# text: it is scored by its rarest terms (see prune_common_terms)
LONG_QUERY_CLAUSES = 80
LONG_QUERY_KEEP = 48


class QueryRejected(ValueError):
    """A query over the limits; ``message`` (English) and ``message_ko`` (Korean) say
    which limit and what to do, for a person to read."""

    def __init__(self, message: str, message_ko: str) -> None:
        super().__init__(message)
        self.message = message
        self.message_ko = message_ko


def check_length(text: str) -> None:
    """Raise :class:`QueryRejected` for a query over :data:`MAX_QUERY_CHARS` characters."""
    n = len(text.strip())
    if n > MAX_QUERY_CHARS:
        raise QueryRejected(
            f"Queries can be at most {MAX_QUERY_CHARS:,} characters long (this one has {n:,}).",
            f"검색어는 {MAX_QUERY_CHARS:,}자까지 입력할 수 있습니다.",
        )


def _expanding(q: wq.Query) -> Iterator[wq.MultiTerm]:
    """The words of ``q`` that stand for many index terms (wildcards, prefixes, ranges)."""
    if isinstance(q, wq.MultiTerm):
        yield q
    for child in q.children():
        yield from _expanding(child)


def _label(q: wq.MultiTerm) -> str:
    """The word as the user typed it."""
    if isinstance(q, wq.Prefix):
        return f"{q.text}*"
    if isinstance(q, wq.TermRange):
        return f"[{q.start or ''} TO {q.end or ''}]"
    return str(getattr(q, "text", q))


def check_phrases(q: wq.Query) -> None:
    """Raise :class:`QueryRejected` for more than :data:`MAX_PHRASES` quoted phrases (each
    is matched position by position: at 100k passages 40 of them took 6-9 s)."""
    phrases = {
        tuple(node.words)
        for node in _walk(q)
        if isinstance(node, wq.Phrase) and node.fieldname == "text"
    }
    if len(phrases) > MAX_PHRASES:
        raise QueryRejected(
            f"A query can hold at most {MAX_PHRASES} quoted phrases (this one has {len(phrases)}).",
            f"따옴표로 묶은 구절은 {MAX_PHRASES}개까지 쓸 수 있습니다(현재 {len(phrases)}개).",
        )


def _walk(q: wq.Query) -> Iterator[wq.Query]:
    yield q
    for child in q.children():
        yield from _walk(child)


def check_expansions(q: wq.Query, reader: Any) -> None:
    """Raise :class:`QueryRejected` for a leading wildcard, more than
    :data:`MAX_EXPANDING_TERMS` wildcard/prefix words, or one matching more than
    :data:`MAX_EXPANSIONS` terms of the index (counted up to one past the limit)."""
    words: dict[str, list[wq.MultiTerm]] = {}
    for node in _expanding(q):
        text = getattr(node, "text", None)
        if isinstance(node, (wq.Prefix, wq.Wildcard)) and (not text or text[0] in "*?"):
            raise QueryRejected(
                f"A wildcard (*, ?) cannot start a word: {_label(node)!r}.",
                "와일드카드(*, ?)는 검색어 앞에 올 수 없습니다.",
            )
        words.setdefault(_label(node), []).append(node)  # one word, searched in each field
    if len(words) > MAX_EXPANDING_TERMS:
        raise QueryRejected(
            f"A query can hold at most {MAX_EXPANDING_TERMS} wildcard or prefix words "
            f"(this one has {len(words)}).",
            f"와일드카드 검색어는 {MAX_EXPANDING_TERMS}개까지 쓸 수 있습니다.",
        )
    for label, nodes in words.items():
        for node in nodes:
            found = sum(1 for _ in islice(node.expanded_terms(reader), MAX_EXPANSIONS + 1))
            if found > MAX_EXPANSIONS:
                raise QueryRejected(
                    f"{label!r} matches too many words (over {MAX_EXPANSIONS:,}); type more of it.",
                    f"'{label}'에 해당하는 단어가 너무 많습니다({MAX_EXPANSIONS:,}개 초과). "
                    "더 길게 입력해 주세요.",
                )
    lists = term_lists(q, reader)
    if sum(lists.values()) > MAX_TERM_LISTS:
        widest = max(lists, key=lambda label: lists[label])
        raise QueryRejected(
            f"{widest!r} matches words in too many places of the index to answer quickly; "
            "type more of it.",
            f"'{widest}'에 해당하는 단어가 색인 곳곳에 너무 많아 빨리 찾을 수 없습니다. "
            "더 길게 입력해 주세요.",
        )


def term_lists(q: wq.Query, reader: Any) -> dict[str, int]:
    """Wildcard/prefix word -> how many term posting lists scoring it opens: its expanded
    terms in each field, counted in each index segment (each open costs ~75 us; measured at
    100k passages in 20 segments, bench/results/search.md)."""
    segments = getattr(reader, "readers", None) or [reader]
    out: dict[str, int] = {}
    for node in _expanding(q):
        label = _label(node)
        cap = MAX_TERM_LISTS + 1
        n = sum(sum(1 for _ in islice(node._btexts(seg), cap)) for seg in segments)
        out[label] = out.get(label, 0) + n
    return out
