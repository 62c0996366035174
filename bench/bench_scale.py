"""``make bench-scale``: a generated certification round at 1/10 and at full volume.

A full round is 30 applicants x 300 pages (9,000 pages); the 1/10 point is 3 applicants x
300 pages (a smaller round, each applicant as large). Each applicant's documents are Korean
text from a generator that varies its vocabulary (the framework's own terms, per-applicant
project and place names coined from Hangul syllables, figures and dates), paginated with form
feeds, plus a real file of ../shared/corpus (PDF, HWP, HWPX, DOCX, Markdown; no scans, so no
OCR pages) in rotation. Each point runs on a fresh data dir through the app's own services:

* ingestion (upload -> extracted, chunked, indexed; no OCR, no embeddings): pages/s, each
  applicant's files as one upload whose documents are processed in the queue's batches
  (their passages indexed in one commit per batch, as the worker does);
* vectors with the fast model (USE) only: it stands in for e5 at both points (e5 would take
  hours for 9,000 pages on 2 cores), chunks/s; hybrid ranking is then BM25 + USE;
* index and vector sizes on disk;
* search latency (hybrid, highlights on, within one applicant and across the round) and
  suggestion latency per indicator once vectors exist (queries prepared, as the worker does);
* peak memory (RSS of this process, sampled every 0.2 s).

Growth between the two points is the exponent k of value ~ volume^k: linear (k near 1),
sub-linear (k < 0.9), worse (k > 1.1); for latencies "flat" when k < 0.15.

``python -m bench.bench_scale [--fraction F] [--skip-vectors] [--out DIR]``: F scales the
pages per applicant (a quick check of the tool: --fraction 0.02).
"""

from __future__ import annotations

import argparse
import io
import json
import math
import os
import random
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench._shared import CORPUS, E5_MODEL_DIR, machine, write_results  # noqa: E402

APPLICANTS = 30
PAGES = 300
POINTS = (("1/10", 3), ("full", APPLICANTS))  # applicants at each point
REAL_SUFFIXES = (".pdf", ".hwp", ".hwpx", ".docx", ".md")
NOT_REAL = {"spri-ai-brief-scanned-p5-6.pdf", "password-protected-fixture.hwp"}
SEARCHES = 60
SUGGESTION_INDICATORS = 20
TARGETS = {"search_p95_ms": 300, "suggest_p95_ms": 100, "ingest_pages_per_s": 30}
QUERIES = (
    "시민참여 리빙랩 운영 실적",
    "스마트시티 통합운영센터 구축",
    "공공데이터 개방 건수",
    "스마트도시 조례 제정",
    "스마트도시 예산 확보",
    "CCTV 연계 영상 분석",
    "자율주행 셔틀 실증",
    "재난안전 통신망",
    "데이터 허브 플랫폼",
    "전담 조직 인력 배치",
    "공무원 역량 교육",
    "시민 만족도 조사 결과",
    "탄소중립 에너지 관리",
    "스마트 교통 신호 제어",
    "디지털 트윈 기반 도시 관리",
)

# --- the generator ----------------------------------------------------------------------

SUBJECTS = (
    "통합운영센터",
    "리빙랩",
    "공공데이터 포털",
    "스마트 가로등",
    "지능형 교통체계",
    "자율주행 셔틀",
    "디지털 트윈",
    "데이터 허브",
    "스마트 주차",
    "재난안전 통신망",
    "미세먼지 측정망",
    "스마트 버스정류장",
    "공공 와이파이",
    "드론 배송",
    "스마트 팜",
    "에너지 관리 시스템",
    "수요응답형 교통",
    "스마트 횡단보도",
    "전자 민원",
    "시민 참여 플랫폼",
    "도시 데이터 분석",
    "CCTV 관제",
    "상수도 원격 검침",
    "스마트 쓰레기통",
    "돌봄 로봇",
    "원격 건강관리",
    "전기차 충전소",
    "공유 자전거",
    "스마트 도서관",
    "홍수 예·경보",
)
ACTIONS = (
    "구축하였다",
    "운영하고 있다",
    "추진하였다",
    "확대하였다",
    "시범 도입하였다",
    "고도화하였다",
    "연계하였다",
    "개선하였다",
    "점검하였다",
    "평가하였다",
    "계획하고 있다",
    "완료하였다",
)
OBJECTS = (
    "시민 만족도",
    "이용 건수",
    "예산",
    "전담 인력",
    "협약",
    "조례",
    "시행계획",
    "성과지표",
    "교육 과정",
    "데이터셋",
    "서비스 수",
    "참여 기관",
    "설치 대수",
    "민원 처리 시간",
    "사고 건수",
    "탄소 배출량",
)
UNITS = ("건", "명", "개소", "대", "억 원", "%", "회", "종", "km", "시간")
CONNECT = ("또한", "아울러", "한편", "이에 따라", "그 결과", "특히", "이와 함께", "다만")


def coined(rng: random.Random, syllables: int) -> str:
    """A word of random Hangul syllables: names and projects each applicant has of its own."""
    return "".join(chr(0xAC00 + rng.randrange(11172)) for _ in range(syllables))


def generated_page(rng: random.Random, city: str, names: list[str], year: int) -> str:
    sentences = []
    for _ in range(rng.randint(9, 14)):
        subject = rng.choice(SUBJECTS)
        name = rng.choice(names)
        figure = f"{rng.randint(1, 9999):,}{rng.choice(UNITS)}"
        kind = rng.random()
        if kind < 0.35:
            text = (
                f"{city}는 {year - rng.randint(0, 4)}년 {rng.randint(1, 12)}월 '{name} {subject}' "
                f"사업을 {rng.choice(ACTIONS)}."
            )
        elif kind < 0.7:
            text = (
                f"{rng.choice(CONNECT)} {subject}의 {rng.choice(OBJECTS)}은(는) {figure}로 "
                f"전년 대비 {rng.randint(1, 80)}% 변화하였다."
            )
        else:
            text = (
                f"{name} 지구에서는 {rng.choice(SUBJECTS)}와 {subject}를 연계하여 "
                f"{rng.choice(OBJECTS)} {figure}을(를) {rng.choice(ACTIONS)}."
            )
        sentences.append(text)
    heading = f"{rng.randint(1, 9)}.{rng.randint(1, 9)} {rng.choice(names)} {rng.choice(SUBJECTS)}"
    return heading + "\n" + " ".join(sentences)


def real_files() -> list[tuple[Path, int]]:
    """Real corpus files with their page counts (extracted once, not timed), fewest first."""
    from extractors import extract

    found = []
    for path in sorted(CORPUS.iterdir()):
        if path.suffix not in REAL_SUFFIXES or path.name in NOT_REAL:
            continue
        try:
            pages = len(extract(path, ocr=False).pages)
        except Exception:  # a file the extractors refuse is not mixed in
            continue
        if pages:
            found.append((path, pages))
    return sorted(found, key=lambda item: item[1])


def make_round(folder: Path, applicants: int, pages: int, real: list[tuple[Path, int]]) -> dict:
    """Per applicant a folder of documents: one real file that fits in half its pages (in
    rotation), the rest generated text of 25-40 pages per document."""
    plan: dict[int, list[Path]] = {}
    real_pages = generated = 0
    for a in range(applicants):
        rng = random.Random(1000 + a)
        city = coined(rng, 2) + "시"
        names = [coined(rng, rng.randint(2, 3)) for _ in range(25)]
        target = f"applicant-{a:02d}"
        (folder / target).mkdir(parents=True)
        files: list[Path] = []
        budget = pages
        fitting = [item for item in real if item[1] <= pages // 2]
        if fitting:
            path, n = fitting[a % len(fitting)]
            copy = folder / target / path.name
            shutil.copyfile(path, copy)
            files.append(copy)
            budget -= n
            real_pages += n
        d = 0
        while budget > 0:
            n = min(budget, rng.randint(25, 40))
            text = "\f".join(generated_page(rng, city, names, 2025) for _ in range(n))
            path = folder / target / f"{city}-증빙-{d:02d}.txt"
            path.write_text(text, encoding="utf-8")
            files.append(path)
            budget -= n
            generated += n
            d += 1
        plan[a] = files
    return {"files": plan, "real_pages": real_pages, "generated_pages": generated}


# --- measuring ----------------------------------------------------------------------------


class PeakMemory:
    """The highest RSS of this process, sampled in a thread."""

    def __init__(self) -> None:
        import psutil

        self._process = psutil.Process()
        self.peak = self._process.memory_info().rss
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.2):
            self.peak = max(self.peak, self._process.memory_info().rss)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._process.memory_info().rss)


def _mb(path: Path, pattern: str = "**/*", exclude: str | None = None) -> float:
    total = 0
    for item in path.glob(pattern):
        if item.is_file() and (exclude is None or exclude not in item.parts):
            total += item.stat().st_size
    return round(total / 2**20, 2)


def _pct(values: list[float], q: float) -> float:
    import numpy as np

    return round(float(np.percentile(np.array(values), q)), 1) if values else 0.0


def run_point(label: str, applicants: int, pages: int, real: list, vectors: bool) -> dict:
    from flask_migrate import upgrade

    from reviewapp import create_app

    with tempfile.TemporaryDirectory(prefix=f"bench-scale-{applicants}-") as tmp:
        tmp_path = Path(tmp)
        made = make_round(tmp_path / "files", applicants, pages, real)
        app = create_app(
            {
                "DATA_DIR": str(tmp_path / "data"),
                "SECRET_KEY": "bench",
                "JOBS_IMMEDIATE": True,
                "EMBEDDINGS_ENABLED": vectors,
                "EMBEDDERS": ["use"],
                "EMBEDDING_MODEL": str(E5_MODEL_DIR),
                "OCR_ENABLED": False,
            }
        )
        with app.app_context():
            upgrade()
            with PeakMemory() as memory:
                result = _measure(app, label, applicants, pages, made, vectors)
            result["peak_rss_mb"] = round(memory.peak / 2**20, 1)
        print(f"[scale] {label}: {json.dumps(result, ensure_ascii=False)}", flush=True)
        return result


def _measure(app: Any, label: str, applicants: int, pages: int, made: dict, vectors: bool) -> dict:
    from reviewapp import queue
    from reviewapp.extensions import db
    from reviewapp.models import Document, Framework, Submission
    from reviewapp.services import pipeline, rounds, uploads
    from reviewapp.services import search as evidence_search
    from reviewapp.services.frameworks import import_framework
    from reviewapp.services.indexing import get_index
    from reviewapp.services.suggestions import prepare_indicator_queries, rank

    framework = import_framework(ROOT / "frameworks" / "smart-city-sample.yaml")
    rnd = rounds.create_round(f"scale {label}", framework.id)
    submissions = [
        rounds.add_applicant(rnd.id, f"지자체{a:02d}", 200_000 + a * 30_000).submission_id
        for a in range(applicants)
    ]
    # one page first, untimed, in an applicant of its own (never searched): the analyzer and
    # the index are loaded once per process, a cost a running server has paid already
    warm_sid = rounds.add_applicant(rnd.id, "예열시", 100_000).submission_id
    warm = uploads.add_upload(
        warm_sid, "예열.txt", io.BytesIO("스마트도시 예열 문서입니다.".encode()), enqueue_jobs=False
    )
    for outcome in warm.outcomes:
        if outcome.document_id:
            pipeline.process_document(outcome.document_id)
    # ingestion: store, extract, chunk, index; no OCR pages, no embeddings. Each applicant's
    # files are one upload, processed in the batches its queued jobs would take (one index
    # commit per batch: queue.batches, pipeline.process_documents), one after another as
    # one worker does
    started = time.perf_counter()
    ids = []
    for a, files in made["files"].items():
        queued = []
        for path in files:
            with path.open("rb") as fh:
                report = uploads.add_upload(submissions[a], path.name, fh, enqueue_jobs=False)
            ids += [o.document_id for o in report.outcomes if o.document_id]
            queued += report.queued_ids
        for batch in queue.batches(queued):
            pipeline.process_documents(batch)
    ingest_s = time.perf_counter() - started
    docs = db.session.query(Document).filter(Document.id.in_(ids)).all()
    ready = [d for d in docs if d.status == "ready"]
    pages_in = sum(d.page_count for d in ready)
    chunks = sum(len(d.chunks) for d in ready)
    data_dir = Path(app.config["DATA_DIR"])
    index_dir = Path(app.config["INDEX_DIR"])
    result: dict[str, Any] = {
        "label": label,
        "applicants": applicants,
        "pages": pages_in,
        "pages_planned": applicants * pages,
        "real_pages": made["real_pages"],
        "generated_pages": made["generated_pages"],
        "documents": len(docs),
        "failed": {d.filename: d.error_code for d in docs if d.status != "ready"},
        "chunks": chunks,
        "ingest_s": round(ingest_s, 1),
        "ingest_pages_per_s": round(pages_in / ingest_s, 1),
        "index_mb": _mb(index_dir / "fulltext"),
        "database_mb": _mb(data_dir, "reviewapp.sqlite3*"),
        "originals_mb": _mb(data_dir / "uploads"),
    }
    if vectors:
        index = get_index()
        assert "use" in index.vector_models, index.vector_error
        t0 = time.perf_counter()
        embedded = sum(pipeline.embed_document(d.id, ["use"]) for d in ready)
        embed_s = time.perf_counter() - t0
        result.update(
            {
                "vectors_model": "use (stands in for e5)",
                "vectors_chunks": embedded,
                "vectors_s": round(embed_s, 1),
                "vectors_chunks_per_s": round(embedded / embed_s, 1) if embed_s else None,
                "vectors_mb": _mb(index_dir / "vectors") if (index_dir / "vectors").exists() else 0,
            }
        )
        for sid in submissions:
            prepare_indicator_queries(sid)
    result.update(_latencies(submissions, vectors, db, Submission, Framework, framework.id, rank))
    del evidence_search
    return result


def _latencies(submissions, vectors, db, Submission, Framework, framework_id, rank) -> dict:  # type: ignore[no-untyped-def]
    from reviewapp.services import search as evidence_search

    rng = random.Random(7)
    mode = "hybrid" if vectors else "bm25"
    within, across = [], []
    for i in range(SEARCHES):
        query = QUERIES[i % len(QUERIES)]
        sid = rng.choice(submissions)
        filters = evidence_search.SearchFilters(submission_id=sid, mode=mode, limit=30)
        t = time.perf_counter()
        results = evidence_search.search(query, filters, submissions)
        within.append((time.perf_counter() - t) * 1000)
        assert results.error is None or results.error == "", results.error
        if i % 3 == 0:
            filters = evidence_search.SearchFilters(mode=mode, limit=30)
            t = time.perf_counter()
            evidence_search.search(query, filters, submissions)
            across.append((time.perf_counter() - t) * 1000)
    out: dict[str, Any] = {
        "search_mode": mode,
        "search_p50_ms": _pct(within, 50),
        "search_p95_ms": _pct(within, 95),
        "search_round_p95_ms": _pct(across, 95),
        "searches": len(within) + len(across),
    }
    if vectors:
        indicators = list(db.session.get(Framework, framework_id).indicators)
        picked = rng.sample(indicators, k=min(SUGGESTION_INDICATORS, len(indicators)))
        times = []
        for sid in rng.sample(submissions, k=min(3, len(submissions))):
            submission = db.session.get(Submission, sid)
            for indicator in picked:
                t = time.perf_counter()
                rank(submission, indicator, limit=10)
                times.append((time.perf_counter() - t) * 1000)
        out.update(
            {
                "suggest_p50_ms": _pct(times, 50),
                "suggest_p95_ms": _pct(times, 95),
                "suggestions": len(times),
            }
        )
    return out


GROWTH = (
    ("ingest_s", "ingestion time", False),
    ("ingest_pages_per_s", "ingestion pages/s", True),
    ("index_mb", "index on disk", False),
    ("vectors_mb", "vectors on disk", False),
    ("vectors_s", "vector time", False),
    ("search_p95_ms", "search p95 (one applicant)", True),
    ("search_round_p95_ms", "search p95 (whole round)", True),
    ("suggest_p95_ms", "suggestions p95", True),
    ("peak_rss_mb", "peak memory", False),
)


def growth(small: dict, large: dict) -> dict[str, Any]:
    ratio = large["pages"] / small["pages"] if small["pages"] else float("nan")
    out = {}
    for key, _label, is_latency in GROWTH:
        a, b = small.get(key), large.get(key)
        if not a or not b or not ratio or ratio <= 1:
            continue
        k = math.log(b / a) / math.log(ratio)
        if is_latency and key != "ingest_pages_per_s":
            verdict = (
                "flat"
                if k < 0.15
                else "sub-linear"
                if k < 0.9
                else "linear"
                if k <= 1.1
                else "worse"
            )
        elif key == "ingest_pages_per_s":
            verdict = "steady" if abs(k) < 0.15 else "slowing" if k < 0 else "rising"
        else:
            verdict = "sub-linear" if k < 0.9 else "linear" if k <= 1.1 else "worse than linear"
        out[key] = {
            "small": a,
            "large": b,
            "ratio": round(b / a, 2),
            "exponent": round(k, 2),
            "verdict": verdict,
        }
    return {"volume_ratio": round(ratio, 2), "metrics": out}


def markdown(result: dict[str, Any]) -> str:
    points = result["points"]
    lines = [
        "# Scale benchmark: a generated round at 1/10 and full volume",
        "",
        f"{result['date']}, commit {result['commit']}, {result['machine']}; {result['seconds']} s "
        f"in all; fraction {result['fraction']} of {APPLICANTS} x {PAGES} pages.",
        f"Vectors: {result['vectors']}. Load average (1, 5, 15 min) before "
        f"{result.get('load_average_before')}, after {result.get('load_average_after')}: "
        "figures from a busy machine are not the app's own.",
        "",
        "| figure | "
        + " | ".join(f"{p['label']} ({p['applicants']} x)" for p in points)
        + " | target |",
        "|---|" + "---:|" * len(points) + "---|",
    ]
    rows = (
        (
            "pages (real / generated)",
            lambda p: f"{p['pages']:,} ({p['real_pages']} / {p['generated_pages']})",
            "",
        ),
        ("documents / chunks", lambda p: f"{p['documents']} / {p['chunks']:,}", ""),
        ("ingestion pages/s (no OCR, no vectors)", lambda p: p["ingest_pages_per_s"], ">= 30"),
        ("ingestion s", lambda p: p["ingest_s"], ""),
        ("index MB", lambda p: p["index_mb"], ""),
        ("database MB", lambda p: p["database_mb"], ""),
        ("vectors MB (USE)", lambda p: p.get("vectors_mb", "-"), ""),
        ("vectors chunks/s (USE)", lambda p: p.get("vectors_chunks_per_s", "-"), ""),
        (
            "search p50 / p95 ms, one applicant, highlights",
            lambda p: f"{p['search_p50_ms']} / {p['search_p95_ms']}",
            "p95 <= 300",
        ),
        ("search p95 ms, whole round", lambda p: p["search_round_p95_ms"], ""),
        (
            "suggestions p50 / p95 ms per indicator",
            lambda p: f"{p.get('suggest_p50_ms', '-')} / {p.get('suggest_p95_ms', '-')}",
            "p95 <= 100",
        ),
        ("peak memory MB (RSS)", lambda p: p["peak_rss_mb"], ""),
    )
    for name, get, target in rows:
        lines.append(f"| {name} | " + " | ".join(str(get(p)) for p in points) + f" | {target} |")
    g = result.get("growth")
    if g:
        lines += [
            "",
            f"Growth from {points[0]['pages']:,} to {points[-1]['pages']:,} pages "
            f"(x{g['volume_ratio']}); exponent k of value ~ volume^k:",
            "",
            "| figure | ratio | k | growth |",
            "|---|---:|---:|---|",
        ]
        for key, label, _lat in GROWTH:
            if key in g["metrics"]:
                m = g["metrics"][key]
                lines.append(f"| {label} | {m['ratio']} | {m['exponent']} | {m['verdict']} |")
    return "\n".join(lines) + "\n"


def _commit() -> str:
    import subprocess

    done = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    )
    return done.stdout.strip()


def main(argv: list[str] | None = None) -> int:
    from datetime import UTC, datetime

    parser = argparse.ArgumentParser(prog="python -m bench.bench_scale", description=__doc__)
    parser.add_argument("--fraction", type=float, default=1.0, help="of the pages per applicant")
    parser.add_argument("--skip-vectors", action="store_true")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    pages = max(2, round(PAGES * args.fraction))
    started = time.perf_counter()
    load_before = [round(x, 2) for x in os.getloadavg()]
    real = real_files()
    points = [run_point(label, n, pages, real, not args.skip_vectors) for label, n in POINTS]
    result = {
        "machine": machine(),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": _commit(),
        "fraction": args.fraction,
        "load_average_before": load_before,
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "pages_per_applicant": pages,
        "vectors": "skipped (--skip-vectors)"
        if args.skip_vectors
        else "USE only, the fast model standing in for e5 at both points; ingestion is timed "
        "without vectors",
        "targets": TARGETS,
        "points": points,
        "growth": growth(points[0], points[-1]),
        "seconds": round(time.perf_counter() - started, 1),
    }
    write_results(args.out, "scale", result, markdown(result))
    print(markdown(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
