"""Search benchmark: index build rate, query latency with highlights, retrieval quality.

Usage: ``python -m bench.bench_search [OUT_DIR] [--quick]``; writes
``OUT_DIR/search.json`` and ``OUT_DIR/search.md`` (default ``bench/results``).
``python -m bench.bench_search --limits [INDEX_DIR] [--quick]`` times only the worst query
shapes the limits accept (on INDEX_DIR, else on 100k synthetic chunks) and prints them.

Data come from ``../shared/benchmarks`` (KorQuAD 1.0 dev, KLUE-STS dev, JHE) and
the statutes in ``../shared/corpus/law-*.md``, read at run time, never copied.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench._shared import BENCHMARKS as BENCH  # noqa: E402
from bench._shared import CORPUS, E5_MODEL_DIR  # noqa: E402
from search_index import ChunkRecord, QueryRejected, SearchIndex  # noqa: E402
from search_index import _korean as korean  # noqa: E402
from search_index import _query as query_parser  # noqa: E402
from search_index._query import (  # noqa: E402
    MAX_EXPANSIONS,
    MAX_PHRASES,
    MAX_QUERY_CHARS,
    MAX_TERM_LISTS,
)

SUBMISSIONS = 30
N_LATENCY_QUERIES = 100
N_LIMIT_QUERIES = 10  # per worst-case shape (some take seconds each at 100k)
LIMIT_BUDGET_S = 40  # per shape and filter: the rest of its queries are skipped (and counted)
K = 10

Search = Callable[[str, int], list[int]]


# --- data -------------------------------------------------------------------


def korquad() -> tuple[list[str], list[tuple[str, int]]]:
    """All 964 paragraphs; 200 (question, paragraph) pairs, one per paragraph, seed 0."""
    data = json.loads((BENCH / "korquad-v1.0-dev.json").read_text(encoding="utf-8"))
    paras, qs_by_para = [], []
    for art in data["data"]:
        for p in art["paragraphs"]:
            paras.append(p["context"])
            qs_by_para.append([qa["question"] for qa in p["qas"]])
    rng = random.Random(0)
    chosen = rng.sample([i for i, q in enumerate(qs_by_para) if q], 200)
    return paras, [(rng.choice(qs_by_para[i]), i) for i in chosen]


def klue_sts() -> tuple[list[str], list[tuple[str, int]]]:
    """All dev sentences; (sentence1, index of its sentence2) for pairs labelled >= 4."""
    data = json.loads((BENCH / "klue-sts-v1.1-dev.json").read_text(encoding="utf-8"))
    sents: dict[str, int] = {}
    for row in data:
        for key in ("sentence1", "sentence2"):
            sents.setdefault(row[key], len(sents))
    queries = [
        (row["sentence1"], sents[row["sentence2"]])
        for row in data
        if row["labels"]["label"] >= 4.0 and row["sentence1"] != row["sentence2"]
    ]
    return list(sents), queries


def jhe() -> tuple[list[str], list[str]]:
    ko = (BENCH / "jhe-koen-dev.ko").read_text(encoding="utf-8").splitlines()
    en = (BENCH / "jhe-koen-dev.en").read_text(encoding="utf-8").splitlines()
    n = min(len(ko), len(en))
    return ko[:n], en[:n]


def split_chunks(text: str, size: int = 500) -> list[str]:
    out, cur = [], ""
    for para in re.split(r"\n\s*\n", text):
        para = para.strip()
        if not para:
            continue
        while len(para) > size:
            cut = para.rfind(" ", 0, size)
            cut = cut if cut > size // 2 else size
            out.append((cur + " " + para[:cut]).strip())
            cur, para = "", para[cut:].strip()
        if len(cur) + len(para) > size:
            out.append(cur.strip())
            cur = ""
        cur += " " + para
    if cur.strip():
        out.append(cur.strip())
    return [c for c in out if len(c) > 30]


def base_texts() -> list[str]:
    paras, _ = korquad()
    texts = [c for p in paras for c in split_chunks(p)]
    for law in sorted(CORPUS.glob("law-*.md")):
        texts += split_chunks(law.read_text(encoding="utf-8"))
    return texts


def synth_chunks(texts: list[str], n: int, seed: int = 1) -> list[ChunkRecord]:
    rng = random.Random(seed)
    order: list[str] = []
    while len(order) < n:
        batch = texts[:]
        rng.shuffle(batch)
        order += batch
    out = []
    for i, text in enumerate(order[:n]):
        sub = i % SUBMISSIONS + 1
        out.append(
            ChunkRecord(
                chunk_id=i + 1,
                document_id=i // 20 + 1,
                submission_id=sub,
                applicant_id=sub,
                round_id=1,
                doc_type="evidence" if i % 4 else "self_evaluation",
                document_name=f"doc-{i // 20 + 1}.pdf",
                page=i % 20 + 1,
                text=text,
            )
        )
    return out


# --- metrics ------------------------------------------------------------------


def evaluate(
    search: Search, queries: Sequence[tuple[str, int]], exclude_self: dict[str, int] | None = None
) -> dict[str, float]:
    r1 = r5 = r10 = mrr = 0.0
    for q, gold in queries:
        got = search(q, K + 1)
        if exclude_self is not None and q in exclude_self:
            got = [d for d in got if d != exclude_self[q]]
        got = got[:K]
        if gold in got:
            rank = got.index(gold) + 1
            r1 += rank == 1
            r5 += rank <= 5
            r10 += rank <= 10
            mrr += 1.0 / rank
    n = max(1, len(queries))
    return {"R@1": r1 / n, "R@5": r5 / n, "R@10": r10 / n, "MRR": mrr / n, "n": len(queries)}


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


# --- methods --------------------------------------------------------------------


def whoosh_method(corpus: list[str], analyzer_kind: str) -> Search:
    """A plain whoosh index over one field with OR grouping (the comparison baselines)."""
    from whoosh.analysis import StandardAnalyzer
    from whoosh.fields import NUMERIC, TEXT, Schema
    from whoosh.filedb.filestore import RamStorage
    from whoosh.qparser import OrGroup, QueryParser

    analyzer = {
        "whitespace": StandardAnalyzer,
        "bigram": korean.BigramTokenizer,
        "kiwi": korean.KiwiTokenizer,
    }[analyzer_kind]()
    schema = Schema(idx=NUMERIC(stored=True), text=TEXT(analyzer=analyzer))
    ix = RamStorage().create_index(schema)
    korean.prime_cache(corpus)
    w = ix.writer()
    for i, t in enumerate(corpus):
        w.add_document(idx=i, text=t)
    w.commit()
    parser = QueryParser("text", schema, group=OrGroup.factory(0.9))
    searcher = ix.searcher()

    def search(q: str, k: int) -> list[int]:
        words = " ".join(re.sub(r"[\"'():*^~+\-\[\]{}]", " ", q).split())
        return [h["idx"] for h in searcher.search(parser.parse(words), limit=k)]

    return search


def product_method(
    corpus: list[str], tmp: Path, name: str, embedder: Any = None
) -> tuple[SearchIndex, Search]:
    directory = tmp / name
    idx = SearchIndex(directory, embedder_factory=(lambda: embedder) if embedder else _no_model)
    idx.rebuild(_records(corpus))
    return idx, _product_search(idx, "bm25")


def _product_search(idx: SearchIndex, mode: str) -> Search:
    def search(q: str, k: int) -> list[int]:
        return [h.chunk_id - 1 for h in idx.search(q, limit=k, mode=mode, highlight=False)]

    return search


def _records(corpus: list[str]) -> list[ChunkRecord]:
    return [ChunkRecord(i + 1, i + 1, 1, 1, 1, "evidence", "d", 1, t) for i, t in enumerate(corpus)]


def _no_model() -> Any:
    raise RuntimeError("no embedding model in this run")


def bm25s_method(corpus: list[str], tokenizer: str) -> Search | None:
    try:
        import bm25s
    except ImportError:
        return None

    def tok(text: str) -> list[str]:
        if tokenizer == "kiwi":
            return [t for t, _s, _e in korean.morphemes(text)]
        return text.lower().split()

    korean.prime_cache(corpus)
    retriever = bm25s.BM25()
    retriever.index([tok(t) for t in corpus], show_progress=False)

    def search(q: str, k: int) -> list[int]:
        toks = [t for t in tok(q) if t]
        if not toks:
            return []
        docs, _scores = retriever.retrieve([toks], k=min(k, len(corpus)), show_progress=False)
        return [int(d) for d in docs[0]]

    return search


def load_bench_embedder() -> tuple[Any, str]:
    try:
        from search_index.embeddings import load_embedder
    except Exception as exc:  # noqa: BLE001
        return None, f"skipped: search_index.embeddings not importable ({exc})"
    errors = []
    for kind in ("e5", "use"):
        try:
            # the e5 folder as every bench finds it, also outside `make bench`
            emb = load_embedder(kind, E5_MODEL_DIR if kind == "e5" else None)
            emb.encode_queries(["모델 확인"])
            return emb, kind
        except Exception as exc:  # noqa: BLE001
            errors.append(f"{kind}: {exc}")
    return None, "skipped: model missing (" + "; ".join(errors) + ")"


def quality(tmp: Path, log: Callable[[str], None]) -> dict[str, Any]:
    kq_corpus, kq_queries = korquad()
    sts_corpus, sts_queries = klue_sts()
    sts_self = {s: i for i, s in enumerate(sts_corpus)}
    tasks = {
        "korquad": (kq_corpus, kq_queries, None),
        "paraphrase": (sts_corpus, sts_queries, sts_self),
    }
    out: dict[str, Any] = {}
    embedder, emb_status = load_bench_embedder()
    out["embedder"] = emb_status if embedder is None else getattr(embedder, "name", emb_status)
    for task, (corpus, queries, self_ids) in tasks.items():
        res: dict[str, Any] = {}
        for kind, label in (
            ("whitespace", "whoosh whitespace (StandardAnalyzer)"),
            ("bigram", "whoosh bigram only"),
            ("kiwi", "whoosh kiwi only"),
        ):
            res[label] = evaluate(whoosh_method(corpus, kind), queries, self_ids)
            log(f"{task} {label}: {res[label]}")
        idx, search = product_method(corpus, tmp, f"q-{task}", embedder)
        label = "whoosh kiwi+bigram (product)"
        res[label] = evaluate(search, queries, self_ids)
        log(f"{task} {label}: {res[label]}")
        for tk in ("whitespace", "kiwi"):
            m = bm25s_method(corpus, tk)
            lab = f"bm25s {tk} tokens"
            res[lab] = evaluate(m, queries, self_ids) if m else "skipped: bm25s not installed"
            log(f"{task} {lab}: {res[lab]}")
        if embedder is not None:
            t0 = time.perf_counter()
            idx.embed_chunks(_records(corpus))
            log(f"{task}: embedded {len(corpus)} in {time.perf_counter() - t0:.1f}s")
            res["vector"] = evaluate(_product_search(idx, "vector"), queries, self_ids)
            for method in ("minmax", "rrf"):
                idx.fusion = method
                res[f"hybrid {method}"] = evaluate(
                    _product_search(idx, "hybrid"), queries, self_ids
                )
            idx.fusion = "minmax"
            log(f"{task} vector/hybrid: {res['vector']} {res['hybrid minmax']} {res['hybrid rrf']}")
        else:
            res["vector"] = res["hybrid minmax"] = res["hybrid rrf"] = emb_status
        out[task] = res
    # cross-lingual: vectors only (BM25 cannot match across scripts)
    if embedder is not None:
        import numpy as np

        ko, en = jhe()
        kv, ev = embedder.encode_documents(ko), embedder.encode_documents(en)
        kq, eq = embedder.encode_queries(ko), embedder.encode_queries(en)
        for name, qv, dv in (("ko->en", kq, ev), ("en->ko", eq, kv)):
            sims = qv @ dv.T
            top = np.argsort(-sims, axis=1)[:, :K]
            out[f"crosslingual {name}"] = {
                "vector": evaluate(
                    lambda q, k, top=top: [int(d) for d in top[int(q)]],
                    [(str(i), i) for i in range(len(ko))],
                )
            }
    else:
        out["crosslingual"] = emb_status
    return out


# --- speed ------------------------------------------------------------------------


def latency_queries() -> list[str]:
    """The 100 latency queries: 80 KorQuAD questions and 20 statute-style queries with
    operators (also timed on old and new commits by bench_commits)."""
    _, kq_queries = korquad()
    queries = [q for q, _ in kq_queries[:80]] + [
        "스마트시티 통합운영센터 구축",
        "개인정보 보호책임자 지정",
        "공공데이터 제공 및 이용 활성화",
        "전자정부 서비스 제공",
        "데이터기반행정 활성화",
        '"공공데이터"',
        "스마트도시 계획 수립",
        "정보주체의 동의",
        "공공기관의 장은",
        "국가 및 지방자치단체의 책무",
        "도시데이터 플랫폼 예산",
        "시민 참여 리빙랩",
        "스마트*",
        "교통 NOT 안전",
        "개인정보 AND 동의",
        "행정안전부장관",
        "제3자 제공",
        "민원 처리",
        "위원회의 구성",
        "벌칙",
    ]
    return queries[:N_LATENCY_QUERIES]


def speed(tmp: Path, sizes: Sequence[int], log: Callable[[str], None]) -> dict[str, Any]:
    texts = base_texts()
    queries = latency_queries()
    rng = random.Random(2)
    # cold analysis rate: distinct text, empty kiwi word cache
    korean._word_cache.clear()
    sample = texts[:1000]
    t0 = time.perf_counter()
    korean.prime_cache(sample)
    cold = time.perf_counter() - t0
    out: dict[str, Any] = {
        "base_texts": len(texts),
        "kiwi_cold_analysis": {
            "chunks": len(sample),
            "seconds": round(cold, 2),
            "chunks_per_s": round(len(sample) / cold, 1),
            "chars_per_s": round(sum(map(len, sample)) / cold),
        },
    }
    log(f"kiwi cold analysis: {out['kiwi_cold_analysis']}")
    for size in sizes:
        chunks = synth_chunks(texts, size)
        d = tmp / f"speed-{size}"
        idx = SearchIndex(d, embedder_factory=_no_model)
        t0 = time.perf_counter()
        batch = 5000
        for i in range(0, len(chunks), batch):
            idx.add_chunks(chunks[i : i + batch])
        build = time.perf_counter() - t0
        res: dict[str, Any] = {
            "chunks": size,
            "build_s": round(build, 1),
            "build_chunks_per_s": round(size / build, 1),
            "index_mb": round(sum(f.stat().st_size for f in d.rglob("*") if f.is_file()) / 1e6, 1),
        }
        log(f"{size}: built {res}")
        for label, filt in (("filtered_one_submission", True), ("unfiltered", False)):
            idx.search("워밍업 질의", submission_ids=[1])
            lat = []
            for q in queries:
                sub = [rng.randint(1, SUBMISSIONS)] if filt else None
                t1 = time.perf_counter()
                idx.search(q, submission_ids=sub, limit=20, highlight=True)
                lat.append((time.perf_counter() - t1) * 1000)
            res[label] = {
                "queries": len(lat),
                "p50_ms": round(statistics.median(lat), 1),
                "p95_ms": round(pct(lat, 95), 1),
                "max_ms": round(max(lat), 1),
            }
            log(f"{size} {label}: {res[label]}")
        out[str(size)] = res
        if size != max(sizes):  # the largest is kept for limits()
            shutil.rmtree(d, ignore_errors=True)
    return out


# --- query limits -----------------------------------------------------------------


def prefix_expansions(idx: SearchIndex) -> dict[str, int]:
    """Every one- and two-character prefix of the index's terms -> how many index terms the
    prefix word stands for, the larger of its two search fields (each is checked against
    ``MAX_EXPANSIONS``). Two-syllable Hangul prefixes become a bigram term in
    ``text_bigram`` (search_index._query), so only ``text`` counts for them."""
    reader = idx._searcher().reader()  # noqa: SLF001 - a bench may read the lexicon
    counts: dict[str, dict[str, int]] = {"text": {}, "text_bigram": {}}
    for field, per in counts.items():
        for term in reader.lexicon(field):
            word = term.decode("utf-8") if isinstance(term, bytes) else term
            for n in (1, 2):
                if len(word) >= n:
                    per[word[:n]] = per.get(word[:n], 0) + 1
    out = {}
    for prefix, n in counts["text"].items():
        hangul2 = len(prefix) == 2 and korean.hangul_bigrams(prefix) == [(prefix, 0, 2)]
        out[prefix] = n if hangul2 else max(n, counts["text_bigram"].get(prefix, 0))
    return out


def widest_prefixes(idx: SearchIndex, limit: int, n: int = 8) -> list[tuple[str, int]]:
    """The ``n`` prefixes (letters or Hangul, no digits) standing for the most index terms
    that the limits accept three at a time (MAX_EXPANSIONS terms each, and a third of
    MAX_TERM_LISTS posting lists over the index's segments): the worst wildcard words a
    query may hold."""
    searcher = idx._searcher()  # noqa: SLF001 - a bench may read the lexicon
    reader = searcher.reader()
    ok = [(p, c) for p, c in prefix_expansions(idx).items() if c <= limit and p.isalpha()]
    out: list[tuple[str, int]] = []
    for p, c in sorted(ok, key=lambda pc: (-pc[1], pc[0])):
        q = query_parser.parse_query(f"{p}*", searcher.schema)
        if sum(query_parser.term_lists(q, reader).values()) <= MAX_TERM_LISTS // 3:
            out.append((p, c))
            if len(out) == n:
                break
    return out


def limit_shapes(texts: list[str], rng: random.Random, prefixes: list[str]) -> dict[str, list[str]]:
    """The most expensive query shapes the limits of search_index._query accept;
    ``prefixes``: the widest accepted prefix words (:func:`widest_prefixes`)."""
    long_texts = [t.replace("*", "") for t in texts if len(t) >= 500]  # no markdown bold
    words = [w for t in texts[:2000] for w in t.split() if len(w) >= 2 and w.isalnum()]
    n = N_LIMIT_QUERIES
    triples = [" ".join(f"{p}*" for p in rng.sample(prefixes[:4], 3)) for _ in range(n)]

    def pairs(budget: int) -> str:
        """As many quoted word pairs as the limit accepts (MAX_PHRASES), within budget."""
        q = ""
        for _ in range(MAX_PHRASES):
            part = f'"{rng.choice(words)} {rng.choice(words)}" '
            if len(q) + len(part) > budget:
                break
            q += part
        return q.strip()

    mixed = []
    for i in range(n):
        head = " ".join(f"{p}*" for p in rng.sample(prefixes[:4], 3))
        quoted = pairs(200)
        tail = rng.choice(long_texts).replace('"', " ")  # its own quotes: over the limit
        if i % 2:  # and an exclusion: the OR group becomes AndNot over every candidate
            tail = f"NOT {rng.choice(words)} {tail}"
        mixed.append(f"{head} {quoted} {tail}"[:MAX_QUERY_CHARS].strip())
    return {
        "3 widest accepted prefixes": triples,
        "500 characters of text": [
            rng.choice(long_texts).replace('"', " ")[:500] for _ in range(n)
        ],
        "quoted word pairs (the most accepted) + text, 500 characters": [
            f"{pairs(200)} {rng.choice(long_texts).replace(chr(34), ' ')}"[:MAX_QUERY_CHARS].strip()
            for _ in range(n)
        ],
        "mixed: 3 prefixes + quoted pairs + text (+ NOT), 500 characters": mixed,
        "every passage (*)": ["*"] * 5,
    }


CACHE_DIR = ROOT / "bench" / "cache"


def _index_key(size: int) -> str:
    """Size and a hash of the code that decides what is stored (the analyzer and the schema):
    a cached index is reused by any query-time code, and rebuilt when what it holds would
    differ."""
    import hashlib

    h = hashlib.sha256(str(size).encode())
    for f in sorted((ROOT / "search_index").glob("*.py")):
        if f.name not in {"_korean.py", "_whoosh.py"}:
            continue
        h.update(f.name.encode() + f.read_bytes())
    return f"search-{size}-{h.hexdigest()[:12]}"


def build_index(directory: Path, size: int, log: Callable[[str], None]) -> float:
    """``size`` synthetic chunks indexed into ``directory`` in batches of 5,000; seconds."""
    chunks = synth_chunks(base_texts(), size)
    idx = SearchIndex(directory, embedder_factory=_no_model)
    t0 = time.perf_counter()
    for i in range(0, len(chunks), 5000):
        idx.add_chunks(chunks[i : i + 5000])
        log(f"indexed {i + 5000 if i + 5000 < size else size}/{size}")
    return time.perf_counter() - t0


def cached_index(size: int, log: Callable[[str], None]) -> Path:
    """The ``size``-chunk index under ``bench/cache`` (gitignored), built on first use and
    kept (100k takes ~15 minutes on 2 cores); a build that did not finish is redone."""
    directory = CACHE_DIR / _index_key(size)
    done = directory / "bench-complete.json"
    if done.is_file():
        log(f"reusing cached index {directory}")
        return directory
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    seconds = build_index(directory, size, log)
    done.write_text(json.dumps({"chunks": size, "build_s": round(seconds, 1)}))
    return directory


def limits(
    tmp: Path, size: int, log: Callable[[str], None], directory: Path | None = None
) -> dict[str, Any]:
    """p50/p95/max latency of the worst accepted query shapes at ``size`` passages
    (``directory``: an index built before, e.g. by :func:`speed`, reused as it is; else
    the cached one, see :func:`cached_index`)."""
    texts = base_texts()
    rng = random.Random(3)
    if directory is None:
        directory = cached_index(size, log)
    idx = SearchIndex(directory, embedder_factory=_no_model)
    out: dict[str, Any] = {"chunks": idx.count()}
    widest = widest_prefixes(idx, MAX_EXPANSIONS)
    out["widest_prefixes"] = {f"{p}*": n for p, n in widest}
    log(f"limits {size}: widest accepted prefixes {out['widest_prefixes']}")
    idx.search("워밍업 질의", submission_ids=[1])
    for shape, queries in limit_shapes(texts, rng, [p for p, _ in widest]).items():
        for label, filt in (("filtered_one_submission", True), ("unfiltered", False)):
            lat, refused, skipped = [], 0, 0
            for q in queries:
                sub = [rng.randint(1, SUBMISSIONS)] if filt else None
                if sum(lat) > LIMIT_BUDGET_S * 1000:  # far over the promise already
                    skipped += 1
                    continue
                t1 = time.perf_counter()
                try:
                    idx.search(q, submission_ids=sub, limit=20, highlight=True)
                except QueryRejected:
                    refused += 1
                    continue
                lat.append((time.perf_counter() - t1) * 1000)
            res = {"queries": len(lat), "refused": refused, "not_run_over_budget": skipped}
            if lat:
                res |= {
                    "p50_ms": round(statistics.median(lat), 1),
                    "p95_ms": round(pct(lat, 95), 1),
                    "max_ms": round(max(lat), 1),
                }
            out[f"{shape} / {label}"] = res
            log(f"limits {size} {shape} {label}: {res}")
    return out


# --- report -------------------------------------------------------------------------


def _fmt(m: Any) -> str:
    if isinstance(m, dict):
        return f"{m['R@1']:.3f} | {m['R@5']:.3f} | {m['R@10']:.3f} | {m['MRR']:.3f}"
    return f"{m} | | |"


def write_markdown(result: dict[str, Any], path: Path) -> None:
    lines = ["# Search benchmark", "", f"Run: {result['started']} · {result['machine']}", ""]
    sp = result["speed"]
    lines += [
        "## Speed (whoosh, kiwi+bigram analyzer, highlights on, limit 20)",
        "",
        f"Kiwi analysis of distinct text with an empty word cache: "
        f"{sp['kiwi_cold_analysis']['chunks_per_s']} chunks/s "
        f"({sp['kiwi_cold_analysis']['chars_per_s']} chars/s). The synthetic corpora repeat "
        f"{sp['base_texts']} real chunks, so their build rate is the warm-cache rate.",
        "",
        "| chunks | build chunks/s | index MB | filtered p50 / p95 ms | unfiltered p50 / p95 ms |",
        "|---|---|---|---|---|",
    ]
    for key, r in sp.items():
        if not key.isdigit():
            continue
        f, u = r["filtered_one_submission"], r["unfiltered"]
        lines.append(
            f"| {key} | {r['build_chunks_per_s']} | {r['index_mb']} | "
            f"{f['p50_ms']} / {f['p95_ms']} | {u['p50_ms']} / {u['p95_ms']} |"
        )
    lim = result.get("limits")
    if lim:
        lines += [
            "",
            f"## Worst accepted query shapes ({lim['chunks']} chunks, limit 20, highlights on)",
            "",
            "Limits: 500 characters, 3 wildcard/prefix words of at most 1,000 index terms, "
            "no leading wildcard, 3 quoted phrases, 2,000 term posting lists over the "
            "index's segments; pasted text scored by its 48 rarest terms "
            "(search_index/_query.py).",
            "",
            "Prefix words: the widest the limit accepts on this index (index terms each): "
            + ", ".join(f"{p} {n}" for p, n in lim.get("widest_prefixes", {}).items())
            + ". Promise: any accepted query answers within 1 s at 100k passages.",
            "",
            f"A shape's queries stop once they took {LIMIT_BUDGET_S} s together "
            "(not run: counted).",
            "",
            "| shape / filter | queries | refused | not run | p50 ms | p95 ms | max ms |",
            "|---|---|---|---|---|---|---|",
        ]
        for key, r in lim.items():
            if isinstance(r, dict) and "queries" in r:
                lines.append(
                    f"| {key} | {r['queries']} | {r['refused']} | "
                    f"{r.get('not_run_over_budget', 0)} | {r.get('p50_ms', '-')} | "
                    f"{r.get('p95_ms', '-')} | {r.get('max_ms', '-')} |"
                )
        if lim.get("note"):
            lines += ["", lim["note"]]
    q = result["quality"]
    lines += ["", "## Retrieval quality", "", f"Embedder: {q.get('embedder')}", ""]
    for task in ("korquad", "paraphrase"):
        if task not in q:
            continue
        lines += [f"### {task}", "", "| method | R@1 | R@5 | R@10 | MRR |", "|---|---|---|---|---|"]
        for method, m in q[task].items():
            lines.append(f"| {method} | {_fmt(m)} |")
        lines.append("")
    for key, v in q.items():
        if key.startswith("crosslingual"):
            lines.append(f"- {key}: {_fmt(v['vector']) if isinstance(v, dict) else v}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(
    out_dir: Path, *, sizes: Sequence[int] = (10_000, 100_000), with_quality: bool = True
) -> dict[str, Any]:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    started = time.strftime("%Y-%m-%d %H:%M:%S")

    def log(msg: str) -> None:
        print(f"[bench_search {time.strftime('%H:%M:%S')}] {msg}", flush=True)

    result: dict[str, Any] = {
        "started": started,
        "machine": f"{os.cpu_count()} cores, Python {sys.version.split()[0]}",
    }
    tmp = Path(tempfile.mkdtemp(prefix="bench-search-"))
    try:
        result["quality"] = quality(tmp, log) if with_quality else {}
        result["speed"] = speed(tmp, sizes, log)
        result["limits"] = limits(tmp, max(sizes), log, tmp / f"speed-{max(sizes)}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    result["finished"] = time.strftime("%Y-%m-%d %H:%M:%S")
    (out_dir / "search.json").write_text(
        json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    write_markdown(result, out_dir / "search.md")
    return result


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    quick = "--quick" in sys.argv
    if "--limits" in sys.argv:  # only the query limits: --limits [INDEX_DIR] (else 100k built)
        with tempfile.TemporaryDirectory(prefix="bench-limits-") as tmp_dir:
            found = limits(
                Path(tmp_dir),
                2_000 if quick else 100_000,
                lambda m: print(m, flush=True),
                Path(args[0]) if args else None,
            )
        print(json.dumps(found, ensure_ascii=False, indent=2))
        results = ROOT / "bench" / "results" / "search.json"
        if not quick and results.is_file():  # the figures join the last full run's
            earlier = json.loads(results.read_text(encoding="utf-8"))
            earlier["limits"] = found | {"measured": time.strftime("%Y-%m-%d %H:%M:%S")}
            results.write_text(json.dumps(earlier, ensure_ascii=False, indent=2), "utf-8")
            write_markdown(earlier, results.with_suffix(".md"))
        sys.exit(0)
    main(
        Path(args[0]) if args else ROOT / "bench" / "results",
        sizes=(2_000,) if quick else (10_000, 100_000),
    )
