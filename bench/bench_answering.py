"""Ask the evidence on KorQuAD 1.0 dev (issue 16), through the real services.

The paragraphs of a fixed set of articles (the dev file's first articles, in file order,
until >= INDEXED_PASSAGES passages) become one submission: one document per article, one
page per paragraph, passages cut by the app's chunker, indexed and embedded by the app's
index (BM25 with kiwi, e5 + USE, sentence vectors). Then:

- answer@1: the answering sentence contains the gold answer; answer@3: one of the first
  three cited sentences does (a "not found" answer counts as a miss), over
  ANSWERED_QUESTIONS questions of the indexed articles (first questions per paragraph,
  round-robin, seed-free);
- not-found share over UNINDEXED_QUESTIONS questions of the other articles;
- p50/p95 latency of ``services.answering.answer_question`` (retrieval + selection), warm:
  models loaded and every passage's sentences read once (their vectors are those the
  index stored at ingestion; their words are then cached); before that, "cold" p50/p95 of
  the first COLD_QUESTIONS questions, whose passages are read for the first time;
- how many passages were embedded at question time (none when ingestion stored them all).

A threshold sweep over the recorded confidences shows the trade-off the shipped
``answering.extractive.THRESHOLD`` makes.

Run: ``python -m bench.bench_answering [OUT_DIR] [--quick]`` (``--quick``: QUICK sizes); writes answering.json and answering.md.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
import unicodedata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench._shared import BENCHMARKS, bench_app, machine, write_results  # noqa: E402

KORQUAD = BENCHMARKS / "korquad-v1.0-dev.json"
INDEXED_PASSAGES = 1000
ANSWERED_QUESTIONS = 1000
UNINDEXED_QUESTIONS = 250
COLD_QUESTIONS = 30
# A reduced run for a loaded machine: the same measures on fewer passages and questions.
QUICK = {"passages": 120, "questions": 300, "unindexed": 100}
TARGETS = {"answer_at_3": 0.90, "answer_at_1": 0.75, "not_found": 0.80, "p95_seconds": 1.5}


def _norm(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


def contains(sentence: str, gold: str) -> bool:
    """Whether ``sentence`` holds ``gold`` (whitespace and compatibility forms ignored)."""
    return bool(gold.strip()) and _norm(gold) in _norm(sentence)


def _round_robin(articles: list[dict[str, Any]], n: int) -> list[tuple[str, str]]:
    """(question, gold answer): first question of every paragraph, then the second ..."""
    queues = [list(p["qas"]) for a in articles for p in a["paragraphs"]]
    out: list[tuple[str, str]] = []
    depth = 0
    while len(out) < n and any(len(q) > depth for q in queues):
        for q in queues:
            if len(q) > depth and len(out) < n:
                out.append((q[depth]["question"], q[depth]["answers"][0]["text"]))
        depth += 1
    return out


def _setup_submission(articles: list[dict[str, Any]]) -> int:
    from reviewapp.extensions import db
    from reviewapp.models import (
        Applicant,
        Area,
        Chunk,
        Document,
        Framework,
        Page,
        Round,
        Submission,
    )
    from reviewapp.services.chunking import chunk_page
    from reviewapp.services.indexing import get_index, records_for

    fw = Framework(code="bench", version="1", name_ko="bench", total_points=100)
    db.session.add(fw)
    db.session.flush()
    db.session.add(Area(framework_id=fw.id, code="A", title_ko="A"))
    round_ = Round(name="KorQuAD", framework_id=fw.id)
    applicant = Applicant(name="KorQuAD", population=1)
    db.session.add_all([round_, applicant])
    db.session.flush()
    sub = Submission(round_id=round_.id, applicant_id=applicant.id, track="small")
    db.session.add(sub)
    db.session.flush()
    docs = []
    for a in articles:
        doc = Document(
            submission_id=sub.id,
            filename=f"{a['title']}.txt",
            sha256="0" * 64,
            detected_type="txt",
            doc_type="evidence",
            status="ready",
            page_count=len(a["paragraphs"]),
        )
        db.session.add(doc)
        db.session.flush()
        pos = 0
        for n, para in enumerate(a["paragraphs"], start=1):
            db.session.add(Page(document_id=doc.id, number=n, text=para["context"]))
            for p in chunk_page(n, para["context"]):
                db.session.add(
                    Chunk(
                        document_id=doc.id,
                        position=pos,
                        page=n,
                        start_char=p.start,
                        end_char=p.end,
                        text=p.text,
                    )
                )
                pos += 1
        docs.append(doc)
    db.session.commit()
    index = get_index()
    for doc in docs:
        records = records_for(doc)
        index.add_chunks(records)
        index.embed_chunks(records)
    return sub.id


def _sweep(rows: list[dict[str, Any]], unrows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for t in [round(0.30 + 0.025 * i, 3) for i in range(15)]:
        a1 = sum(1 for r in rows if r["confidence"] >= t and r["at1"]) / len(rows)
        a3 = sum(1 for r in rows if r["confidence"] >= t and r["at3"]) / len(rows)
        nf = sum(1 for r in unrows if r["confidence"] < t) / len(unrows)
        out.append(
            {
                "threshold": t,
                "answer_at_1": round(a1, 4),
                "answer_at_3": round(a3, 4),
                "not_found": round(nf, 4),
            }
        )
    return out


def main(
    out_dir: Path = ROOT / "bench" / "results",
    *,
    passages: int = INDEXED_PASSAGES,
    questions: int = ANSWERED_QUESTIONS,
    unindexed: int = UNINDEXED_QUESTIONS,
) -> dict[str, Any]:
    """Run the benchmark (sizes: the issue's unless given smaller, e.g. ``--quick``)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    data = json.loads(KORQUAD.read_text(encoding="utf-8"))["data"]
    from reviewapp.services.chunking import chunk_page

    indexed: list[dict[str, Any]] = []
    n_passages = 0
    for a in data:
        if n_passages >= passages:
            break
        indexed.append(a)
        n_passages += sum(len(chunk_page(1, p["context"])) for p in a["paragraphs"])
    others = data[len(indexed) :]
    asked = _round_robin(indexed, questions)
    unasked = _round_robin(others, unindexed)
    with tempfile.TemporaryDirectory(prefix="bench-answering-") as tmp:
        app = bench_app(Path(tmp) / "data")
        with app.app_context():
            from sqlalchemy import func, select

            from reviewapp.answering import extractive
            from reviewapp.extensions import db
            from reviewapp.models import Chunk
            from reviewapp.services import answering

            t_index = time.perf_counter()
            sub_id = _setup_submission(indexed)
            index_s = time.perf_counter() - t_index
            chunks = list(db.session.execute(select(Chunk.id, Chunk.text)).all())
            print(f"[answering] {len(chunks)} passages indexed in {index_s:.0f} s", flush=True)
            sv = answering.sentence_vectors()
            answering.answer_question("워밍업 질문입니다", sub_id)
            cold = []
            for q, _gold in asked[-COLD_QUESTIONS:]:  # the warm pass asks them again
                t = time.perf_counter()
                answering.answer_question(q, sub_id)
                cold.append(time.perf_counter() - t)
            t_sent = time.perf_counter()
            for i in range(0, len(chunks), 64):  # every passage's stored sentences, read once
                sv.get([(c.id, c.text) for c in chunks[i : i + 64]])
            sent_s = time.perf_counter() - t_sent
            rows, unrows, times = [], [], []
            for q, gold in asked:
                t = time.perf_counter()
                ans = answering.answer_question(q, sub_id)
                times.append(time.perf_counter() - t)
                sents = [c.sentence for c in ans.citations[:3]]
                rows.append(
                    {
                        "confidence": ans.confidence,
                        "at1": bool(sents) and contains(sents[0], gold),
                        "at3": any(contains(s, gold) for s in sents),
                    }
                )
            for q, _gold in unasked:
                ans = answering.answer_question(q, sub_id)
                unrows.append({"confidence": ans.confidence})
            n_chunks = db.session.scalar(select(func.count(Chunk.id)))
    th = extractive.THRESHOLD
    sweep = _sweep(rows, unrows)
    shipped = next((s for s in sweep if abs(s["threshold"] - th) < 1e-9), None) or _sweep_at(
        rows, unrows, th
    )
    times.sort()
    result = {
        "machine": machine(),
        "articles_indexed": len(indexed),
        "passages": n_chunks,
        "questions": len(rows),
        "unindexed_questions": len(unrows),
        "threshold": th,
        "answer_at_1": shipped["answer_at_1"],
        "answer_at_3": shipped["answer_at_3"],
        "not_found": shipped["not_found"],
        "answer_at_3_without_threshold": round(sum(r["at3"] for r in rows) / len(rows), 4),
        "answer_at_1_without_threshold": round(sum(r["at1"] for r in rows) / len(rows), 4),
        "p50_seconds": round(statistics.median(times), 4),
        "p95_seconds": round(times[int(0.95 * (len(times) - 1))], 4),
        "cold_questions": len(cold),
        "cold_p50_seconds": round(statistics.median(cold), 4),
        "cold_p95_seconds": round(sorted(cold)[int(0.95 * (len(cold) - 1))], 4),
        "passages_embedded_at_question_time": sv.embedded,
        "index_seconds": round(index_s, 1),
        "sentence_vectors_seconds": round(sent_s, 1),
        "targets": TARGETS,
        "sweep": sweep,
        "seconds": round(time.perf_counter() - t0, 1),
    }
    write_results(out_dir, "answering", result, _md(result))
    print(f"[answering] {json.dumps({k: v for k, v in result.items() if k != 'sweep'})}")
    return result


def _sweep_at(rows: list[dict[str, Any]], unrows: list[dict[str, Any]], t: float) -> dict[str, Any]:
    return {
        "answer_at_1": round(
            sum(1 for r in rows if r["confidence"] >= t and r["at1"]) / len(rows), 4
        ),
        "answer_at_3": round(
            sum(1 for r in rows if r["confidence"] >= t and r["at3"]) / len(rows), 4
        ),
        "not_found": round(sum(1 for r in unrows if r["confidence"] < t) / len(unrows), 4),
    }


def _md(r: dict[str, Any]) -> str:
    t = r["targets"]
    lines = [
        "# Ask the evidence: KorQuAD 1.0 dev",
        "",
        f"{r['machine']}; {r['articles_indexed']} articles, {r['passages']} passages in one "
        f"submission; {r['questions']} questions of them, {r['unindexed_questions']} of other "
        f"articles; not-found threshold {r['threshold']}.",
        "",
        "| figure | value | target |",
        "|---|---|---|",
        f"| answer@1 | {r['answer_at_1']} | >= {t['answer_at_1']} |",
        f"| answer@3 | {r['answer_at_3']} | >= {t['answer_at_3']} |",
        f"| not found (unindexed articles) | {r['not_found']} | >= {t['not_found']} |",
        f"| p50 latency, s | {r['p50_seconds']} | |",
        f"| p95 latency, s | {r['p95_seconds']} | <= {t['p95_seconds']} |",
        f"| answer@1 / @3 with no threshold | {r['answer_at_1_without_threshold']} / "
        f"{r['answer_at_3_without_threshold']} | |",
        "",
        f"First asks ({r['cold_questions']} questions, their passages read for the first "
        f"time): p50 {r['cold_p50_seconds']} s, p95 {r['cold_p95_seconds']} s. "
        f"Passages embedded at question time: {r['passages_embedded_at_question_time']} "
        "(the others' sentence vectors were read from the index).",
        "",
        f"Indexing and embedding: {r['index_seconds']} s; reading every passage's stored "
        f"sentences once: {r['sentence_vectors_seconds']} s.",
        "",
        "## Threshold sweep",
        "",
        "| threshold | answer@1 | answer@3 | not found |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| {s['threshold']} | {s['answer_at_1']} | {s['answer_at_3']} | {s['not_found']} |"
        for s in r["sweep"]
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    sizes = QUICK if "--quick" in sys.argv else {}
    main(Path(args[0]) if args else ROOT / "bench" / "results", **sizes)
