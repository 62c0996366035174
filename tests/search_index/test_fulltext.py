"""The search index through its public API, on real Korean text in a real index."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import threading
import time
import zlib
from pathlib import Path

import numpy as np
import pytest

from search_index import ChunkRecord, Hit, SearchIndex

ROOT = Path(__file__).resolve().parents[2]
KORQUAD = ROOT.parent / "shared" / "benchmarks" / "korquad-v1.0-dev.json"
if not KORQUAD.exists():
    KORQUAD = Path("/work/shared/benchmarks/korquad-v1.0-dev.json")

SMART = [
    "스마트시티 통합운영센터를 구축하여 교통, 방범, 재난 정보를 연계하고 24시간 운영한다.",
    "시민이 참여하는 리빙랩을 통해 스마트 시티 서비스를 발굴하였다.",
    "The city publishes open data for smart cities and citizen services.",
    "도시데이터 플랫폼 예산은 2023년 본예산에 1,400백만원이 편성되었다.",
    "조례 제정: 스마트도시 조성 및 운영에 관한 조례를 2021년에 제정하였다.",
    "악성 문서 <script>alert('x')</script> 스마트시티 홍보 자료",
]


def korquad_paragraphs(n: int) -> list[str]:
    data = json.loads(KORQUAD.read_text(encoding="utf-8"))
    return [p["context"] for a in data["data"] for p in a["paragraphs"]][:n]


def record(
    chunk_id: int,
    text: str,
    *,
    document_id: int = 1,
    submission_id: int = 1,
    page: int = 1,
    doc_type: str = "evidence",
) -> ChunkRecord:
    return ChunkRecord(
        chunk_id=chunk_id,
        document_id=document_id,
        submission_id=submission_id,
        applicant_id=submission_id,
        round_id=1,
        doc_type=doc_type,
        document_name=f"문서{document_id}.pdf",
        page=page,
        text=text,
    )


def no_model() -> None:
    raise RuntimeError("no model in this test")


@pytest.fixture(scope="module")
def corpus() -> list[ChunkRecord]:
    chunks = [record(i + 1, t, document_id=1 + i // 2, page=1 + i) for i, t in enumerate(SMART)]
    # KorQuAD paragraphs: documents 100.., submissions 2 and 3, pages 1..5
    for j, text in enumerate(korquad_paragraphs(60)):
        chunks.append(
            record(
                1000 + j,
                text,
                document_id=100 + j // 5,
                submission_id=2 + j % 2,
                page=1 + j % 5,
                doc_type="application" if j % 3 == 0 else "evidence",
            )
        )
    return chunks


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory, corpus: list[ChunkRecord]) -> SearchIndex:
    idx = SearchIndex(tmp_path_factory.mktemp("ix"), embedder_factory=no_model)
    idx.add_chunks(corpus)
    return idx


def ids(hits: list[Hit]) -> list[int]:
    return [h.chunk_id for h in hits]


def test_all_chunks_are_indexed(index: SearchIndex, corpus: list[ChunkRecord]) -> None:
    assert index.count() == len(corpus)


@pytest.mark.parametrize("query", ["스마트시티를", "스마트시티", "스마트 시티", "스마트시티가"])
def test_particle_and_spacing_variants_match(index: SearchIndex, query: str) -> None:
    got = ids(index.search(query, submission_ids=[1]))
    assert {1, 2, 6} <= set(got)


def test_particle_in_the_document(index: SearchIndex) -> None:
    # "통합운영센터를" in the chunk, bare word in the query, and back
    assert ids(index.search("통합운영센터"))[0] == 1
    assert ids(index.search("통합운영센터를"))[0] == 1


def test_english_stemming(index: SearchIndex) -> None:
    assert 3 in ids(index.search("city"))
    assert 3 in ids(index.search("Cities"))


def test_phrase_query(index: SearchIndex) -> None:
    assert ids(index.search('"조성 및 운영"')) == [5]
    assert ids(index.search('"운영 및 조성"')) == []


def test_not_and_and(index: SearchIndex) -> None:
    with_not = ids(index.search("스마트시티 NOT 통합운영센터", submission_ids=[1]))
    assert 1 not in with_not and 6 in with_not
    assert ids(index.search("리빙랩 AND 서비스")) == [2]


def test_prefix(index: SearchIndex) -> None:
    got = index.search("통합운영*", submission_ids=[1])
    assert ids(got) == [1]
    assert "<mark>통합운영" in got[0].snippet


def test_field_filters_in_the_query(index: SearchIndex) -> None:
    assert ids(index.search("page:5 조례")) == [5]
    hits = index.search("doc_type:application 대한민국", limit=50)
    assert hits and all(h.document_id >= 100 for h in hits)
    app_ids = {c for c in ids(hits)}
    assert all((c - 1000) % 3 == 0 for c in app_ids)


def test_page_range_and_document_filters(index: SearchIndex, corpus: list[ChunkRecord]) -> None:
    hits = index.search("스마트시티", page_min=2, page_max=6, submission_ids=[1])
    assert hits and all(2 <= h.page <= 6 for h in hits)
    in_doc = index.search("스마트시티", document_ids=[3])
    assert ids(in_doc)[0] == 6 and {h.document_id for h in in_doc} == {3}
    assert index.search("스마트시티", doc_types=["application"], submission_ids=[1]) == []


def test_submission_filter_never_leaks(index: SearchIndex, corpus: list[ChunkRecord]) -> None:
    allowed = {c.chunk_id for c in corpus if c.submission_id == 2}
    for q in ["대한민국", "역사 전쟁", "submission_id:3", "NOT 스마트시티", "*"]:
        got = set(ids(index.search(q, submission_ids=[2], limit=100)))
        assert got <= allowed, q
    assert index.search("스마트시티", submission_ids=[]) == []
    assert index.search("스마트시티", submission_ids=None)


def test_snippet_escapes_html_and_marks_matches(index: SearchIndex) -> None:
    hits = index.search("홍보 자료 script")
    assert hits[0].chunk_id == 6
    snippet = hits[0].snippet
    assert "<script>" not in snippet
    assert "&lt;" in snippet and "alert" in snippet
    assert "<mark>홍보</mark>" in snippet
    assert hits[0].text.startswith("악성 문서 <script>")
    plain = index.search("홍보 자료", highlight=False)[0].snippet
    assert "<mark>" not in plain and "<script>" not in plain


def test_highlight_marks_the_surface_form(index: SearchIndex) -> None:
    snippet = index.search("스마트 시티 서비스", submission_ids=[1])[0].snippet
    assert "<mark>" in snippet
    snippet = index.search("조례를")[0].snippet
    assert snippet.startswith("<mark>조례</mark> 제정") and "<mark>조례를</mark>" in snippet


def test_natural_language_question_finds_its_paragraph(index: SearchIndex) -> None:
    data = json.loads(KORQUAD.read_text(encoding="utf-8"))
    paragraphs = [p for a in data["data"] for p in a["paragraphs"]][:60]
    found = 0
    for j, para in enumerate(paragraphs[:20]):
        question = para["qas"][0]["question"]
        got = ids(index.search(question, limit=5))
        found += (1000 + j) in got
    assert found >= 16  # OR grouping: an AND of all words would find nearly none


def test_bad_queries_do_not_crash(index: SearchIndex) -> None:
    for q in ['"unclosed', "((", "page:abc", "AND OR NOT", "foo:bar", "\ue000", "", "   ", "*"]:
        index.search(q)


def test_delete_document(tmp_path: Path) -> None:
    idx = SearchIndex(tmp_path, embedder_factory=no_model)
    idx.add_chunks([record(1, SMART[0], document_id=7), record(2, SMART[1], document_id=8)])
    idx.delete_document(7)
    assert idx.count() == 1
    assert ids(idx.search("스마트시티")) == [2]


def test_adding_a_chunk_again_replaces_it(tmp_path: Path) -> None:
    idx = SearchIndex(tmp_path, embedder_factory=no_model)
    idx.add_chunks([record(1, SMART[0])])
    idx.add_chunks([record(1, SMART[4])])
    assert idx.count() == 1
    assert ids(idx.search("조례")) == [1]


def test_replace_documents_swaps_each_documents_chunks_in_one_commit(tmp_path: Path) -> None:
    idx = SearchIndex(tmp_path, embedder_factory=no_model)
    idx.add_chunks([record(1, SMART[0], document_id=7), record(2, SMART[1], document_id=7)])
    idx.add_chunks([record(3, SMART[3], document_id=8), record(4, SMART[4], document_id=9)])
    segments = len(idx._ix.refresh().reader().leaf_readers())  # noqa: SLF001 - one commit each
    # document 7 re-extracted (new chunk ids, one passage fewer), 8 emptied, 10 new; 9 untouched
    idx.replace_documents(
        {7: [record(5, SMART[4], document_id=7)], 8: [], 10: [record(6, SMART[1], document_id=10)]}
    )
    assert idx.count() == 3
    assert sorted(ids(idx.search("조례"))) == [4, 5]
    assert ids(idx.search("리빙랩")) == [6]
    assert idx.search("예산") == []
    assert len(idx._ix.refresh().reader().leaf_readers()) <= segments + 1  # noqa: SLF001


def test_one_commit_for_many_documents_searches_as_a_commit_each(
    tmp_path: Path, corpus: list[ChunkRecord]
) -> None:
    """Batched indexing (one commit for a job's documents) finds the same passages with the
    same snippets and scores.

    Scores agree to 1 %, not to the last digit: whoosh keeps each passage's length as one
    byte, and a merge sums those rounded lengths into its segment's total, so the average
    length BM25 uses depends on how the segments were written and merged (it did already with
    a commit and a merge per document, from one upload order to another), and passages of
    nearly equal scores may swap places."""
    by_document: dict[int, list[ChunkRecord]] = {}
    for c in corpus:
        by_document.setdefault(c.document_id, []).append(c)
    each = SearchIndex(tmp_path / "each", embedder_factory=no_model)
    for document_id, chunks in by_document.items():
        each.replace_document(document_id, chunks)
    batched = SearchIndex(tmp_path / "batched", embedder_factory=no_model)
    batched.replace_documents(by_document)
    assert each.count() == batched.count() == len(corpus)
    for query in ("스마트시티", "조례 제정", "대한민국 역사", '"통합운영센터"', "open data"):
        a, b = each.search(query, limit=30), batched.search(query, limit=30)
        assert {h.chunk_id: h.snippet for h in a} == {h.chunk_id: h.snippet for h in b}, query
        scores = {h.chunk_id: h.score for h in b}
        assert {h.chunk_id: h.score for h in a} == pytest.approx(scores, rel=1e-2), query


def test_rebuild_and_clear(tmp_path: Path) -> None:
    idx = SearchIndex(tmp_path, embedder_factory=no_model)
    idx.add_chunks([record(99, "지워질 문서 내용")])
    n = idx.rebuild(record(i + 1, t) for i, t in enumerate(SMART))
    assert n == len(SMART) == idx.count()
    assert idx.search("지워질") == []
    # a fresh instance on the same directory sees the rebuilt index
    assert SearchIndex(tmp_path, embedder_factory=no_model).count() == len(SMART)
    idx.clear()
    assert idx.count() == 0


class HashingEmbedderDouble:
    """Test double for the real embedding model (tested in test_embeddings): hashed
    character bigrams, L2-normalized, deterministic."""

    dim = 64

    def _encode(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, t in enumerate(texts):
            t = t.replace(" ", "")
            for a, b in zip(t, t[1:], strict=False):
                out[i, zlib.crc32((a + b).encode()) % self.dim] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-9)

    def encode_documents(self, texts: list[str]) -> np.ndarray:
        return self._encode(list(texts))

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode(list(texts))


def _vectors_ready() -> bool:
    try:
        from search_index.vectors import VectorStore  # noqa: F401
    except Exception:  # noqa: BLE001
        return False
    return True


def test_vector_modes_fall_back_to_bm25_without_a_model(index: SearchIndex) -> None:
    assert index.vector_available is False
    assert "no model" in (index.vector_error or "")
    assert ids(index.search("리빙랩", mode="hybrid")) == ids(index.search("리빙랩"))
    assert ids(index.search("리빙랩", mode="vector")) == ids(index.search("리빙랩"))
    with pytest.raises(ValueError):
        index.search("리빙랩", mode="magic")


@pytest.mark.skipif(not _vectors_ready(), reason="search_index.vectors not available yet")
def test_hybrid_search_with_an_embedder_double(tmp_path: Path, corpus: list[ChunkRecord]) -> None:
    idx = SearchIndex(tmp_path, embedder_factory=HashingEmbedderDouble)
    idx.add_chunks(corpus)
    assert idx.embed_chunks(corpus) == len(corpus)
    assert idx.vector_available
    vec = idx.search("스마트시티 통합운영센터", mode="vector", submission_ids=[1])
    assert vec and vec[0].chunk_id == 1 and vec[0].vector is not None
    assert all(h.chunk_id < 1000 for h in vec)
    hyb = idx.search("스마트시티 통합운영센터", mode="hybrid", submission_ids=[1])
    assert hyb[0].chunk_id == 1 and hyb[0].bm25 is not None and hyb[0].vector is not None
    assert "<mark>" in hyb[0].snippet
    assert idx.search("스마트시티", mode="hybrid", submission_ids=[]) == []
    only = idx.search("스마트시티", mode="vector", doc_types=["application"], page_max=1)
    assert all(h.page <= 1 for h in only)
    idx.delete_document(1)
    assert 1 not in ids(idx.search("통합운영센터", mode="vector"))


WRITER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from search_index import ChunkRecord, SearchIndex
    directory, start, texts_file = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    texts = Path(texts_file).read_text(encoding="utf-8").split("\\n\\x1e\\n")
    idx = SearchIndex(directory)
    for batch in range(5):
        chunks = [
            ChunkRecord(start + batch * 100 + i, start + batch, 1, 1, 1, "evidence", "d", 1, t)
            for i, t in enumerate(texts[batch * 8:(batch + 1) * 8])
        ]
        idx.add_chunks(chunks)
    """
)


def test_concurrent_writers_and_a_reader(tmp_path: Path) -> None:
    texts = korquad_paragraphs(80)
    texts_file = tmp_path / "texts.txt"
    texts_file.write_text("\n\x1e\n".join(texts[:40]), encoding="utf-8")
    ixdir = tmp_path / "ix"
    idx = SearchIndex(ixdir, embedder_factory=no_model)
    idx.add_chunks([record(1, SMART[0])])
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(ixdir), str(start), str(texts_file)],
            cwd=ROOT,
            stderr=subprocess.PIPE,
        )
        for start in (10_000, 20_000)
    ]
    errors: list[BaseException] = []
    searches = 0

    def read() -> None:
        nonlocal searches
        try:
            while any(p.poll() is None for p in procs):
                assert 1 in ids(idx.search("통합운영센터"))
                idx.search("대한민국 역사")
                searches += 1
                time.sleep(0.01)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    reader = threading.Thread(target=read)
    reader.start()
    for p in procs:
        _out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err.decode()
    reader.join()
    assert not errors, errors
    assert searches > 0
    assert idx.count() == 1 + 2 * 40
    fresh = SearchIndex(ixdir, embedder_factory=no_model)
    assert fresh.count() == 81
    assert len(fresh.search("*", limit=1000)) <= 81


class ShiftedEmbedderDouble(HashingEmbedderDouble):
    """A second, different model double (another hashing space and size)."""

    dim = 48


def test_several_models_are_stored_fused_and_deleted_together(
    tmp_path: Path, corpus: list[ChunkRecord]
) -> None:
    idx = SearchIndex(
        tmp_path,
        embedders={"fast": HashingEmbedderDouble, "slow": ShiftedEmbedderDouble},
        weights={"bm25": 0.5, "fast": 0.25, "slow": 0.25},
    )
    idx.add_chunks(corpus)
    ids_all = [c.chunk_id for c in corpus]
    # the fast model first (right after indexing), the slow one later
    assert idx.embed_chunks(corpus, ["fast"]) == len(corpus)
    assert idx.has_vectors(ids_all, "fast") and not idx.has_vectors(ids_all, "slow")
    first = idx.search("스마트시티 통합운영센터", mode="hybrid", submission_ids=[1])
    assert first[0].chunk_id == 1 and set(first[0].vectors) == {"fast"}
    idx.embed_chunks(corpus, ["slow"])
    both = idx.search("스마트시티 통합운영센터", mode="hybrid", submission_ids=[1])
    assert set(both[0].vectors) == {"fast", "slow"}
    # vector_query feeds the models only; the BM25 side and highlights follow `query`
    split = idx.search("리빙랩", vector_query="통합운영센터", mode="hybrid", submission_ids=[1])
    assert all(h.bm25 is None or "리빙랩" in h.text for h in split)
    with pytest.raises(ValueError):
        idx.embed_chunks(corpus, ["nope"])
    # similarity from stored vectors: a chunk is closest to itself
    sims = idx.similarity([1], ids_all)
    assert max(sims, key=sims.get) == 1
    idx.delete_document(1)
    assert not idx.has_vectors([1], "fast") and not idx.has_vectors([1], "slow")
    assert 1 not in ids(idx.search("통합운영센터", mode="vector"))


class CountingEmbedderDouble(HashingEmbedderDouble):
    calls = 0

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        CountingEmbedderDouble.calls += len(texts)
        return super().encode_queries(texts)


def test_prepared_queries_survive_a_restart_and_skip_the_model(
    tmp_path: Path, corpus: list[ChunkRecord]
) -> None:
    idx = SearchIndex(tmp_path, embedders={"m": CountingEmbedderDouble})
    idx.add_chunks(corpus)
    idx.embed_chunks(corpus)
    queries = ["스마트시티 통합운영센터", "리빙랩 시민 참여"]
    assert idx.prepare_queries(queries) == 2
    assert idx.prepare_queries(queries) == 0
    calls = CountingEmbedderDouble.calls
    fresh = SearchIndex(tmp_path, embedders={"m": CountingEmbedderDouble})
    hits = fresh.search(queries[0], mode="vector")
    assert hits and hits[0].chunk_id == 1
    assert CountingEmbedderDouble.calls == calls  # from disk, no model call
    fresh.search("처음 보는 질의", mode="vector")
    assert CountingEmbedderDouble.calls == calls + 1


def test_fast_scoring_matches_whoosh(tmp_path: Path, corpus: list[ChunkRecord]) -> None:
    """The numpy scorer ranks as whoosh does (segments, deletions, filters, phrases)."""
    from whoosh import query as wq

    from search_index import _bm25, _query

    idx = SearchIndex(tmp_path, embedder_factory=no_model)
    for i in range(0, len(corpus), 25):  # several segments
        idx.add_chunks(corpus[i : i + 25])
    idx.delete_document(101)
    searcher = idx._searcher()

    def unscaled(q: wq.Query) -> wq.Query:  # whoosh's coordination drifts; see fast_top_docs
        if isinstance(q, wq.Or):
            return wq.Or([unscaled(s) for s in q.subqueries], boost=q.boost)
        return q

    queries = [
        "대한민국 역사",
        "스마트시티 통합운영센터",
        '"조성 및 운영"',
        "스마트*",
        "19*",  # a prefix of several terms: one list of documents in whoosh
        "전쟁은 언제?",
    ]
    for text in queries:
        q = unscaled(_query.parse_query(text, searcher.schema))
        for flt in (None, _query.filter_query(submission_ids=[2]), _query.filter_query(page_max=3)):
            fast = _bm25.fast_top_docs(searcher, q, flt, 10)
            assert fast is not None, text
            slow = [(h.docnum, h.score) for h in searcher.search(q, limit=10, filter=flt)]
            assert [round(s, 9) for _d, s in fast] == [round(s, 9) for _d, s in slow], text
            assert {d for d, _s in fast} == {d for d, _s in slow} or len(
                {s for _d, s in fast}
            ) < len(fast)
    assert (
        _bm25.fast_top_docs(
            searcher, _query.parse_query("스마트 NOT 조례", searcher.schema), None, 5
        )
        is None
    )
    # "A NOT B": A on the fast path without B's documents ranks as whoosh's AndNot does
    for text in ("스마트시티 도시 NOT 통합운영센터", "역사 전쟁 NOT 대한민국", "19* NOT 전쟁"):
        q = _query.parse_query(text, searcher.schema)
        assert isinstance(q, wq.AndNot), text
        positive = unscaled(q.a)
        excluded = np.unique(np.fromiter(q.b.docs(searcher), dtype=np.int64))
        assert excluded.size, text
        for flt in (None, _query.filter_query(submission_ids=[2])):
            fast = _bm25.fast_top_docs(searcher, positive, flt, 10, exclude=excluded)
            slow = searcher.search(wq.AndNot(positive, q.b), limit=10, filter=flt)
            assert fast is not None and not set(excluded) & {d for d, _s in fast}, text
            assert [round(s, 9) for _d, s in fast] == [round(h.score, 9) for h in slow], text


def test_fast_prefix_scoring_matches_whoosh_in_large_segments(
    tmp_path: Path, corpus: list[ChunkRecord], monkeypatch: pytest.MonkeyPatch
) -> None:
    """In a segment of over 5,000 passages whoosh scores a prefix's terms (BM25F summed);
    the numpy path must too. Both are switched to that regime on the small test index."""
    from whoosh import query as wq

    from search_index import _bm25, _query

    monkeypatch.setattr(wq.Or, "matcher_type", wq.Or.DEFAULT_MATCHER)
    monkeypatch.setattr(_bm25, "PRELOAD_MAX_DOCS", -1)
    idx = SearchIndex(tmp_path, embedder_factory=no_model)
    idx.add_chunks(corpus)
    searcher = idx._searcher()
    for text in ("19*", "스마트*", "대*"):
        q = _query.parse_query(text, searcher.schema)
        prefix = next(leaf for leaf in q.leaves() if isinstance(leaf, wq.Prefix))
        assert len(list(prefix._btexts(searcher.reader()))) >= 2, text
        prefix = wq.Or([prefix])  # the shape fast_top_docs takes
        for flt in (None, _query.filter_query(submission_ids=[2])):
            fast = _bm25.fast_top_docs(searcher, prefix, flt, 10)
            slow = [(h.docnum, h.score) for h in searcher.search(prefix, limit=10, filter=flt)]
            assert fast is not None and (fast or flt is not None), text
            assert [round(s, 9) for _d, s in fast] == [round(s, 9) for _d, s in slow], text


def test_an_empty_index_finds_nothing(tmp_path: Path) -> None:
    idx = SearchIndex(tmp_path, embedder_factory=no_model)
    for query in ("입법예고", "스마트시티 OR 리빙랩", '"데이터 허브"', "스마트*"):
        assert idx.search(query, submission_ids=[1]) == []
        assert idx.search(query) == []


def test_question_marks_ending_words_are_punctuation(index: SearchIndex) -> None:
    from whoosh import query as wq

    from search_index import _query
    from search_index._whoosh import make_schema

    schema = make_schema()
    asked = _query.parse_query("통합운영센터는 무엇인가? 누구 ?", schema)
    assert not [q for q in asked.leaves() if isinstance(q, wq.Wildcard)]
    assert ids(index.search("통합운영센터는 무엇인가?"))[:1] == [1]
    # inside a word it is still whoosh's one-character wildcard
    assert any(isinstance(q, wq.Wildcard) for q in _query.parse_query("te?t", schema).leaves())
    # words without a content morpheme add no bigrams, unless they are all there is
    terms = {q.text for q in asked.leaves() if isinstance(q, wq.Term)}
    assert "통합" in terms and not {"무엇", "엇인", "인가", "누구"} & terms
    alone = {q.text for q in _query.parse_query("무엇인가", schema).leaves()}
    assert "무엇" in alone
    quoted = _query.parse_query('"무엇인가 통합"', schema)
    assert "무엇" in {t for q in quoted.leaves() for t in getattr(q, "words", [])}


def test_idf_keeps_common_words_from_outvoting_rare_ones(index: SearchIndex) -> None:
    from whoosh.scoring import BM25F

    from search_index import _bm25

    searcher = index._searcher()
    total = searcher.doc_count_all()
    w = _bm25.weighting()
    common, rare = "스마".encode(), "빙랩".encode()  # bigrams of 스마트(시티), 리빙랩
    n = searcher.doc_frequency("text_bigram", common)
    assert n >= 3 and searcher.doc_frequency("text_bigram", rare) == 1
    # the probabilistic idf, log(1 + (N - n + 0.5) / (n + 0.5)), not whoosh's log(N / (n + 1)) + 1
    assert w.idf(searcher, "text_bigram", common) == pytest.approx(
        np.log(1 + (total - n + 0.5) / (n + 0.5))
    )
    ours = w.idf(searcher, "text_bigram", common) / w.idf(searcher, "text_bigram", rare)
    plain = BM25F()
    theirs = plain.idf(searcher, "text_bigram", common) / plain.idf(searcher, "text_bigram", rare)
    assert ours < theirs


def test_keyword_coverage_is_the_share_of_the_query_found(index: SearchIndex) -> None:
    def coverage(query: str) -> float:
        hits = index.search(query, limit=10, highlight=False)
        return index.keyword_coverage(query, {h.chunk_id: h.bm25 for h in hits})

    whole = coverage("통합운영센터 교통 방범 재난 정보")  # every word in chunk 1
    part = coverage("통합운영센터 드론 배송 자율주행 로봇 관제")  # one word of six
    assert 0.0 < part < whole <= 1.0
    assert whole > 0.5 and part < 0.5
    assert index.keyword_coverage("통합운영센터", {}) == 1.0  # nothing to judge by


def test_hybrid_weighs_keywords_by_how_much_of_the_query_they_hold(
    tmp_path: Path, corpus: list[ChunkRecord], monkeypatch: pytest.MonkeyPatch
) -> None:
    from search_index import index as search_index

    idx = SearchIndex(tmp_path, embedder_factory=HashingEmbedderDouble, weights={"bm25": 0.5})
    idx.add_chunks(corpus)
    idx.embed_chunks(corpus)

    def fused(query: str, power: float) -> dict[int, float]:
        monkeypatch.setattr(search_index, "KEYWORD_COVERAGE_POWER", power)
        hits = idx.search(query, mode="hybrid", submission_ids=[1], highlight=False)
        return {h.chunk_id: h.score for h in hits}

    # one word of six found: BM25's best passage gets far less than its full weight
    partial = "통합운영센터 드론 배송 자율주행 로봇 관제"
    plain, scaled = fused(partial, 0.0), fused(partial, 1.0)
    assert max(scaled.values()) < max(plain.values()) - 0.2
    # every word found: BM25 keeps nearly all of it
    whole = "통합운영센터 교통 방범 재난 정보"
    assert max(fused(whole, 1.0).values()) > max(fused(whole, 0.0).values()) - 0.2


def test_writes_paused_holds_full_text_and_vector_writers(tmp_path: Path) -> None:
    """While `writes_paused()` is held (a backup copying the folder), a writer of the full text
    and a writer of the vectors, in another thread, wait; readers do not."""
    idx = SearchIndex(
        tmp_path, embedders={"e5": HashingEmbedderDouble}, weights={"bm25": 0.5, "e5": 0.5}
    )
    first = [ChunkRecord(1, 1, 1, 1, 1, "evidence", "a.md", 1, "스마트도시 데이터 허브 구축")]
    idx.add_chunks(first)
    idx.embed_chunks(first)
    more = [ChunkRecord(2, 2, 1, 1, 1, "evidence", "b.md", 1, "시민참여 리빙랩 운영 실적")]
    done: list[str] = []

    def write_text() -> None:
        idx.add_chunks(more)
        done.append("text")

    def write_vectors() -> None:
        idx.embed_chunks(first + more)
        done.append("vectors")

    with idx.writes_paused():
        writers = [threading.Thread(target=write_text), threading.Thread(target=write_vectors)]
        for w in writers:
            w.start()
        time.sleep(1.0)
        assert done == []  # both wait for the copy
        assert [h.chunk_id for h in idx.search("스마트도시", limit=5, mode="bm25")] == [1]
    for w in writers:
        w.join(30)
    assert sorted(done) == ["text", "vectors"]
    assert idx.count() == 2
