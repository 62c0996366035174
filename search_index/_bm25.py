"""BM25F scoring: the probabilistic idf and a numpy scorer over whoosh's posting blocks.

The only module that reads whoosh's private attributes (posting blocks, field-length
columns, weighting internals); ``tests/search_index`` checks its scores against whoosh's.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from typing import Any

import numpy as np
from whoosh import query as wq
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, _lenfield
from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import TermNotFound
from whoosh.scoring import BM25F
from whoosh.searching import Searcher
from whoosh.util.numeric import byte_to_length

from ._whoosh import SEARCH_FIELDS, RawHit, raw_hit

# BM25 parameters, tuned on KorQuAD/KLUE-STS in bench/bench_search.py.
BM25_K1 = 0.6
BM25_B = 0.75


class KoreanBM25F(BM25F):
    """BM25F with the probabilistic idf, ``log(1 + (N - n + 0.5) / (n + 0.5))``.

    whoosh's default idf, ``log(N / (n + 1)) + 1``, keeps a word found in half the
    chunks at a quarter of a rare word's weight; this idf takes it to a tenth, so a
    question's generic words stop outvoting its names and numbers.
    """

    def idf(self, searcher: Any, fieldname: str, text: bytes) -> float:
        parent = searcher.get_parent()
        n = parent.doc_frequency(fieldname, text)
        total = parent.doc_count_all()
        return math.log(1 + (total - n + 0.5) / (n + 0.5))


def weighting() -> KoreanBM25F:
    return KoreanBM25F(B=BM25_B, K1=BM25_K1)


# --- fast scoring ------------------------------------------------------------
#
# whoosh scores an OR of terms one document at a time through a tree of Python
# matchers, and applies a filter only after scoring each matching document. For
# the usual query -- an OR group over the text/text_bigram fields -- the same
# BM25F scores are computed here a posting block at a time with numpy, and the
# posting blocks holding no document of the filter are never decompressed.
# Anything else (AND, NOT, required clauses, a non-BM25F weighting) goes
# through whoosh's own collector.

# whoosh's Or preloads many clauses unscored in a segment of at most this many documents
PRELOAD_MAX_DOCS = 5000

_BYTE_TO_LENGTH = np.array([byte_to_length(i) for i in range(256)], dtype=np.float64)


def _or_subqueries(q: wq.Query) -> tuple[list[wq.Query], float | None, float] | None:
    """(subqueries, coordination scale, boost) of a plain OR group, or None."""
    if isinstance(q, wq.Term):
        return ([q], None, 1.0) if q.fieldname in SEARCH_FIELDS else None
    if type(q) is not wq.Or or q.minmatch or not q.subqueries:
        return None
    subs = list(q.subqueries)
    for sub in subs:
        fields = {getattr(leaf, "fieldname", None) for leaf in sub.leaves()}
        if isinstance(sub, wq.Not) or not fields <= set(SEARCH_FIELDS):
            return None
    if len(subs) == 1:  # whoosh scores a one-clause OR as that clause
        return subs, None, 1.0
    return subs, q.scale, q.boost


def _field_lengths(reader: Any, fieldname: str) -> np.ndarray:
    """Per-document field lengths of one segment, as whoosh's scorer sees them."""
    cache = reader.__dict__.setdefault("_rs_field_lengths", {})
    lengths = cache.get(fieldname)
    if lengths is None:
        n = reader.doc_count_all()
        try:
            col = reader._perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
            raw = col._dbfile.get(col._basepos, col._count) if col is not None else b""
            codes = np.zeros(n, dtype=np.uint8)
            codes[: len(raw)] = np.frombuffer(raw, dtype=np.uint8)[:n]
            lengths = _BYTE_TO_LENGTH[codes]
        except Exception:  # noqa: BLE001 - another codec: ask one document at a time
            lengths = np.array(
                [reader.doc_field_length(d, fieldname, 1) or 1 for d in range(n)],
                dtype=np.float64,
            )
        cache[fieldname] = lengths
    return lengths


def _term_postings(
    reader: Any, fieldname: str, btext: bytes, allowed: list[int] | None
) -> tuple[np.ndarray, np.ndarray] | None:
    """Document numbers and weights of a term in one segment; None if it has no such term.

    Deleted documents are included (the caller masks them). With ``allowed``
    (sorted local docnums), posting blocks without any of them are not read.
    """
    try:
        m = reader.postings(fieldname, btext)
    except TermNotFound:
        return None
    if isinstance(m, FilterMatcher):
        m = m.child
    if not isinstance(m, W3LeafMatcher) or m._byteids:
        ids, weights = [], []
        while m.is_active():
            ids.append(m.id())
            weights.append(m.weight())
            m.next()
        return np.array(ids, dtype=np.int64), np.array(weights, dtype=np.float64)
    deltas: list[int] = []
    weights = []
    starts: list[int] = []
    prev_max = -1
    n_allowed = len(allowed) if allowed is not None else 0
    while m.is_active():
        max_id = m._maxid
        if allowed is not None:
            j = bisect_right(allowed, prev_max)
            if j == n_allowed:
                break
            if allowed[j] > max_id:
                prev_max = max_id
                m._next_block()
                continue
        if m._data is None:
            m._read_data()
        data = m._data
        n = m._blocklength
        starts.append(len(deltas))
        deltas.extend(data[0])  # delta-coded, each block from 0
        w = data[1]
        if w is None:
            weights.extend([1.0] * n)
        elif isinstance(w, float):
            weights.extend([w] * n)
        else:
            weights.extend(w)
        prev_max = max_id
        m._next_block()
    if not deltas:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
    ids = np.cumsum(np.array(deltas, dtype=np.int64))
    if len(starts) > 1:
        bounds = np.array(starts[1:], dtype=np.int64)
        base = np.zeros(len(deltas), dtype=np.int64)
        base[bounds] = np.diff(np.concatenate(([0], ids[bounds - 1])))
        ids -= np.cumsum(base)
    return ids, np.array(weights, dtype=np.float64)


def _multiterm_scores(
    searcher: Searcher, sub: wq.MultiTerm, reader: Any, allowed: list[int] | None
) -> tuple[int, np.ndarray, np.ndarray, np.ndarray] | None:
    """A prefix or wildcard of several terms, scored a posting block at a time.

    whoosh ORs the expanded terms' matchers: a document scores the sum of the BM25F scores
    of the expanded terms it holds, and each counts as one matched term (or, for many terms
    in a small segment, 1 and once: see ``scored``). Walking that OR
    one document at a time (and asking every one of up to 1,000 term matchers which of them
    match) took seconds to minutes at 100k passages (bench/results/search.md, "worst
    accepted queries"); the same numbers come from the terms' postings with numpy.
    None for a clause that expands to fewer than two terms (whoosh's matcher then).
    """
    fieldname = sub.field()
    words = [word for word in sub._btexts(reader) if word]
    if len(words) < 2 or not getattr(sub, "constantscore", False):
        return None
    # whoosh's Or (query/compound.py, AUTO_MATCHER) scores the terms when there are two, or
    # fewer than 1,024 in a segment of over 5,000 documents; otherwise it preloads them
    # unscored: every matching document scores 1 and counts once
    scored = len(words) < wq.Or.TOO_MANY_CLAUSES and (
        len(words) == 2 or reader.doc_count_all() > PRELOAD_MAX_DOCS
    )
    weighting = searcher.weighting
    avgfl = searcher.avg_field_length(fieldname) or 1
    b = weighting._field_B.get(fieldname, weighting.B)
    k1 = weighting.K1
    lengths = _field_lengths(reader, fieldname)
    id_parts, score_parts = [], []
    for word in words:
        got = _term_postings(reader, fieldname, word, allowed)
        if got is None or not got[0].size:
            continue
        ids, w = got
        id_parts.append(ids)
        if not scored:
            continue
        idf = searcher.idf(fieldname, word)
        score_parts.append(idf * ((w * (k1 + 1)) / (w + k1 * ((1 - b) + b * lengths[ids] / avgfl))))
    if not id_parts:
        empty = np.zeros(0, dtype=np.int64)
        return len(words), empty, np.zeros(0, dtype=np.float64), empty
    all_ids = np.concatenate(id_parts)
    docs, counts = np.unique(all_ids, return_counts=True)
    if scored:
        scores = np.bincount(all_ids, weights=np.concatenate(score_parts))[docs] * sub.boost
    else:
        scores = np.ones(docs.size, dtype=np.float64)
        counts = np.ones(docs.size, dtype=np.int64)
    keep = np.ones(docs.size, dtype=bool)
    if allowed is not None:
        keep &= np.isin(docs, np.asarray(allowed, dtype=np.int64))
    deleted = getattr(reader, "deleted_docs_set", None)
    if deleted:
        keep &= ~np.isin(docs, np.fromiter(deleted, dtype=np.int64))
    return len(words), docs[keep], scores[keep], counts[keep]


def _generic_scores(
    sub: wq.Query, subsearcher: Searcher, context: Any, allowed: list[int] | None
) -> tuple[int, np.ndarray, np.ndarray, np.ndarray]:
    """(term matcher count, docnums, scores, matched term counts) via whoosh's matcher.

    With ``allowed`` (sorted local docnums) the matcher skips to those documents.
    """
    m = sub.matcher(subsearcher, context)
    nterms = len(list(m.term_matchers()))
    ids, scores, counts = [], [], []
    n_allowed = len(allowed) if allowed is not None else 0
    while m.is_active():
        d = m.id()
        if allowed is not None:
            j = bisect_left(allowed, d)
            if j == n_allowed:
                break
            if allowed[j] != d:
                m.skip_to(allowed[j])
                continue
        ids.append(d)
        scores.append(m.score())
        # a clause whose matcher names no terms (a prefix or wildcard of several terms is
        # one list of documents in whoosh) still matched: it counts once
        counts.append(max(1, sum(1 for _ in m.matching_terms(d))))
        m.next()
    return (
        nterms,
        np.array(ids, dtype=np.int64),
        np.array(scores, dtype=np.float64),
        np.array(counts, dtype=np.int64),
    )


def fast_top_docs(
    searcher: Searcher,
    q: wq.Query,
    flt: wq.Query | None,
    limit: int,
    exclude: np.ndarray | None = None,
) -> list[tuple[int, float]] | None:
    """(docnum, score) of the top ``limit`` documents by whoosh's BM25F and coordination.

    None when the query is not a plain OR group (the caller asks whoosh then).
    ``exclude``: sorted global docnums never returned (the negative side of an AndNot).

    Coordination (whoosh's CoordMatcher) counts the query's terms present in
    the whole index. whoosh counts those present in the document's segment,
    and recounts when a term's postings run out while it iterates, so its
    scores for the same text drift with the segment and the position in it.
    """
    shape = _or_subqueries(q)
    if shape is None or not isinstance(searcher.weighting, BM25F) or limit <= 0:
        return None
    subs, scale, boost = shape
    weighting = searcher.weighting
    context = searcher.context()  # what whoosh's collector gives the matchers
    schema = searcher.schema
    segments = searcher.subsearchers or [(searcher, 0)]
    # BM25F's global statistics, as whoosh's BM25FScorer takes them
    terms: list[tuple[str, bytes, float, float, float, float] | None] = []
    for sub in subs:
        if not isinstance(sub, wq.Term):
            terms.append(None)
            continue
        btext = schema[sub.fieldname].to_bytes(sub.text)
        terms.append(
            (
                sub.fieldname,
                btext,
                searcher.idf(sub.fieldname, btext),
                searcher.avg_field_length(sub.fieldname) or 1,
                weighting._field_B.get(sub.fieldname, weighting.B),
                weighting.K1,
            )
        )
    present = [False] * len(subs)  # Term clauses: found in some segment
    generic_terms = [0] * len(subs)  # other clauses: most term matchers in a segment
    matched: list[tuple[int, np.ndarray, np.ndarray, np.ndarray]] = []
    for sub_searcher, offset in segments:
        reader = sub_searcher.reader()
        n = reader.doc_count_all()
        if n == 0:
            continue
        allowed: np.ndarray | None = None
        if flt is not None:
            allowed = _filter_docs(searcher, sub_searcher, offset, flt)
            if allowed.size == 0:
                continue
        allowed_list = allowed.tolist() if allowed is not None else None
        id_parts: list[np.ndarray] = []
        score_parts: list[np.ndarray] = []
        count_parts: list[np.ndarray] = []
        for i, (sub, term) in enumerate(zip(subs, terms, strict=True)):
            if term is None:
                fast = (
                    _multiterm_scores(searcher, sub, reader, allowed_list)
                    if isinstance(sub, wq.MultiTerm)
                    else None
                )
                k, ids, sc, c = fast or _generic_scores(sub, sub_searcher, context, allowed_list)
                generic_terms[i] = max(generic_terms[i], k)
                id_parts.append(ids)
                score_parts.append(sc)
                count_parts.append(c)
                continue
            fieldname, btext, idf, avgfl, b, k1 = term
            got = _term_postings(reader, fieldname, btext, allowed_list)
            if got is None:
                continue
            present[i] = True
            ids, w = got
            if not ids.size:
                continue
            fl = _field_lengths(reader, fieldname)[ids]
            sc = idf * ((w * (k1 + 1)) / (w + k1 * ((1 - b) + b * fl / avgfl)))
            if sub.boost != 1.0:
                sc = sc * sub.boost
            id_parts.append(ids)
            score_parts.append(sc)
            count_parts.append(np.ones(ids.size, dtype=np.int64))
        all_ids = np.concatenate(id_parts) if id_parts else np.zeros(0, dtype=np.int64)
        if not all_ids.size:
            continue
        score = np.bincount(all_ids, weights=np.concatenate(score_parts), minlength=n)
        count = np.bincount(all_ids, weights=np.concatenate(count_parts), minlength=n)
        hit = count > 0
        if allowed is not None:
            mask = np.zeros(n, dtype=bool)
            mask[allowed] = True
            hit &= mask
        deleted = getattr(reader, "deleted_docs_set", None)
        if deleted:
            hit[np.fromiter(deleted, dtype=np.int64)] = False
        if exclude is not None and exclude.size:
            local = exclude[(exclude >= offset) & (exclude < offset + n)] - offset
            hit[local] = False
        docs = np.flatnonzero(hit)
        if docs.size:
            matched.append((offset, docs, score[docs], count[docs]))
    if not matched:
        return []
    nterms = sum(present) + sum(generic_terms)
    found_docs, found_scores = [], []
    for offset, docs, sc, count in matched:
        if boost != 1.0:
            sc = sc * boost
        if scale and nterms:  # whoosh's CoordMatcher ("SQR" of V-Twin)
            if nterms == scale:
                sc = np.zeros_like(sc)
            else:
                sc = (sc + (count - 1) / (nterms - scale) ** 2) * ((nterms - 1) / nterms)
        if docs.size > limit:
            kth = np.partition(sc, docs.size - limit)[docs.size - limit]
            keep = sc >= kth
            docs, sc = docs[keep], sc[keep]
        found_docs.append(docs + offset)
        found_scores.append(sc)
    docs = np.concatenate(found_docs)
    sc = np.concatenate(found_scores)
    order = np.lexsort((docs, -sc))[:limit]
    return [(int(docs[i]), float(sc[i])) for i in order]


def score_ceiling(searcher: Searcher, q: wq.Query) -> float | None:
    """The score of a chunk holding every term of a plain OR query as often as BM25F
    rewards (its ceiling), on the scale :func:`fast_top_docs` scores; None for other
    queries. A top score far below it means few of the query's words were found."""
    shape = _or_subqueries(q)
    weighting = searcher.weighting
    if shape is None or not isinstance(weighting, BM25F):
        return None
    subs, scale, boost = shape
    schema = searcher.schema
    total, nterms = 0.0, 0
    for sub in subs:
        if not isinstance(sub, wq.Term):
            continue
        # a word found nowhere counts too (at the highest idf): no passage holds it
        btext = schema[sub.fieldname].to_bytes(sub.text)
        total += searcher.idf(sub.fieldname, btext) * (weighting.K1 + 1) * sub.boost
        nterms += 1
    if not nterms:
        return None
    total *= boost
    if scale and nterms > 1:  # the coordination of a chunk matching all of them
        total = (total + (nterms - 1) / (nterms - scale) ** 2) * ((nterms - 1) / nterms)
    return total


_FILTER_CACHE = 64  # filters remembered per searcher (one committed snapshot)


def _filter_docs(searcher: Searcher, sub_searcher: Searcher, offset: int, flt: wq.Query) -> Any:
    """The segment's documents matching ``flt``, cached on the searcher: suggestions run the
    same filter for every indicator, and a searcher never sees later commits."""
    cache = searcher.__dict__.setdefault("_reviewapp_filters", {})
    key = (offset, flt)
    allowed = cache.get(key)
    if allowed is None:
        allowed = np.unique(np.fromiter(flt.docs(sub_searcher), dtype=np.int64))
        if len(cache) >= _FILTER_CACHE:
            cache.pop(next(iter(cache)))
        cache[key] = allowed
    return allowed


def run_query(searcher: Searcher, q: wq.Query, flt: wq.Query | None, limit: int) -> list[RawHit]:
    """Top ``limit`` chunks for ``q`` within ``flt`` (scored by ``q`` alone)."""
    if searcher.doc_count_all() == 0:  # BM25's idf is undefined on an empty index
        return []
    top = fast_top_docs(searcher, q, flt, limit)
    if top is None and isinstance(q, wq.AndNot):
        # "A NOT B" scores as A alone, without B's documents: A on the fast path, B's
        # documents (a set, unscored) left out, instead of whoosh's matcher tree over both
        excluded = np.unique(np.fromiter(q.b.docs(searcher), dtype=np.int64))
        top = fast_top_docs(searcher, q.a, flt, limit, exclude=excluded)
    if top is None:
        # whoosh's block-quality skipping trips an assertion inside intersections
        # with a coordination-scored OR (Require); such queries run unoptimized.
        optimize = not any(isinstance(n, wq.Require) for n in _walk(q))
        results = searcher.search(q, limit=limit, filter=flt, optimize=optimize)
        top = [(hit.docnum, hit.score) for hit in results]
    return [raw_hit(searcher, docnum, score) for docnum, score in top]


def _walk(q: wq.Query) -> Iterator[wq.Query]:
    yield q
    for child in q.children():
        yield from _walk(child)
