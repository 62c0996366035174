"""Fidelity on the shared fidelity cases: how much of each file's known text comes out.

Every file in ``../shared/fidelity-cases/`` (issue 13) goes through the real extraction
path, ``extractors.extract`` with OCR on (what ``reviewapp extract --json`` runs). The ZIP,
whose expectation is about ``reviewapp ingest``, and the files whose expectation is about
search also go through ``reviewapp ingest`` on a fresh app (store, unpack, extract, chunk,
index; no worker, no vectors), and the real index is searched within their documents.

The known text is written down below from the cases' README (for the scans, the five
lines the page shows). Per file:

* recall: the share of the known text's characters recovered. Whitespace is removed on
  both sides; each expected string is aligned with the stretch of the output that matches
  it best, its recall is ``1 - edits / length`` (one minus the character error rate), and
  the file's recall weighs the strings by length;
* found: each expected string is in the output, whitespace aside;
* leaked: strings that must not be in the output and are;
* flags: what the extractor reported about pages and decoding (metadata ``*_pages``, errors
  counted, parts it could not read...); OCR pages; the extraction error, if any;
* ok: the README's expectation met. Text files: every string found, nothing leaked; scans:
  recall >= 90 % with every line >= 75 %; some cases also accept a clear refusal or a
  flagged page, or need names and searches to work (see ``Case``).

Run: ``python -m bench.bench_fidelity [OUT_DIR]``; writes fidelity.json and fidelity.md.
"""

from __future__ import annotations

import json
import re
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench._shared import SHARED, machine, write_results  # noqa: E402
from extractors import ExtractionError, extract  # noqa: E402

CASES_DIR = SHARED / "fidelity-cases"
SCAN_LINES = (
    "스마트도시 통합운영센터 운영 실적 보고",
    "1. 교통정보 연계: 버스정보시스템과 주차정보를 통합하였다.",
    "2. 방범 CCTV 1,250대를 통합운영센터에 연계하였다.",
    "3. 시민참여 리빙랩을 연 4회 운영하였다.",
    "4. 공공와이파이 접속 건수는 월 평균 32만 건이다.",
)
OCR_FILE_RECALL = 0.90
OCR_LINE_RECALL = 0.75
# Metadata that reports trouble: pages flagged or skipped, errors counted, parts not read.
_FLAG_KEY = re.compile(
    r"_pages$|error|flag|unusable|unreadable|skipped|replaced|repaired|mislabeled"
)
_NOT_FLAGS = frozenset({"declared_pages", "ocr_pages"})  # facts, shown elsewhere


@dataclass(frozen=True)
class Case:
    """One fidelity file and what a reviewer must get from it (the README's row)."""

    file: str
    kind: str
    expected: tuple[str, ...]
    absent: tuple[str, ...] = ()
    alone: tuple[str, ...] = ()  # exactly once, and as a line of its own
    scan: bool = False  # OCR'd text: judged by recall, not exact strings
    refusals: tuple[str, ...] = ()  # error codes that also meet the expectation
    flag_is_enough: bool = False  # a flagged page with nothing leaked also meets it
    queries: tuple[str, ...] = ()  # each must find the file through the index
    names: tuple[str, ...] = ()  # stored names (folder/file) an archive must give
    via_ingest: bool = False  # the text is what ingest stores (archives)


def _rows(*rows: tuple[object, ...]) -> tuple[str, ...]:
    return tuple(" | ".join(str(cell) for cell in row) for row in rows)


_PROJECTS = ("지능형CCTV", "스마트가로등", "주차공유", "리빙랩", "스마트버스정류장")
CASES: tuple[Case, ...] = (
    Case(
        "docx_tracked_insert_in_cell.docx",
        "docx",
        ("v1.2 | 2024년 기준 리빙랩 운영 실적 반영",),
        absent=("초안 문구",),
    ),
    Case(
        "docx_content_controls.docx",
        "docx",
        (
            "스마트도시 통합플랫폼 구축 결과보고서",
            "제출기관: 가온시 스마트도시과",
            "구축 시스템 | 도시데이터허브",
        ),
    ),
    Case(
        "docx_textbox_alternate_content.docx",
        "docx",
        ("공공와이파이 구축 현황",),
        alone=("공공와이파이 구축 현황",),
    ),
    Case(
        "xlsx_wrong_dimension.xlsx",
        "xlsx",
        # the sheet as written: 24 projects cycling through five names, 100 each, 2018-2023
        _rows(
            ("연번", "사업명", "사업비(백만원)", "완료연도"),
            *(
                (i, f"{_PROJECTS[(i - 1) % 5]} {i}단계", 100 * i, 2018 + i % 6)
                for i in range(1, 25)
            ),
        ),
    ),
    Case(
        "xlsx_number_formats.xlsx",
        "xlsx",
        _rows(
            ("지표", "값"),
            ("스마트서비스 이용률", "85.3%"),
            ("총사업비", "120,000,000,000원"),
            ("준공일", "2024년 3월 15일"),
            ("만족도(5점)", "4.26"),
        ),
        queries=("85.3%",),
    ),
    Case(
        "html_as_xls.xls",
        "html-as-xls",
        _rows(
            ("사업명", "담당부서", "사업비(원)"),
            ("스마트 버스정류장", "교통정책과", "350,000,000"),
            ("지능형 CCTV 통합", "안전총괄과", "1,200,000,000"),
        ),
        absent=("<td", "<tr", "&nbsp;", "&#", "mso-number-format", "font-family"),
        refusals=("unsupported", "mislabeled"),
    ),
    Case(
        "pdf_scan_with_stamp.pdf",
        "pdf",
        (*SCAN_LINES, "문서확인번호 2024-0012345 발급일 2024.05.01 발급처 가온시청"),
        scan=True,
    ),
    Case(
        "pdf_no_tounicode.pdf",
        "pdf",
        SCAN_LINES,
        absent=("ÅÇÉ", "ÑÖÜá", "ââäãåã", "èêë"),  # the text layer decoded without its map
        scan=True,
        flag_is_enough=True,
    ),
    Case("ocr_clean_page.png", "ocr", SCAN_LINES, scan=True),
    Case("pdf_scan_plain.pdf", "ocr", SCAN_LINES, scan=True),
    Case(
        "csv_utf8_one_bad_byte.csv",
        "csv",
        # cells, not rows: how a CSV row is laid out is the extractor's choice
        (
            "지표코드",
            "지표명",
            "실적",
            "비고",
            "SVC-01",
            "스마트 교통 서비스 이용률",
            "85.3%",
            "버스정보시스템 포함",
            "SVC-02",
            "공공와이파이 설치 개소",
            "412",
            "공원 및 버스정류장",
            "SVC-03",
            "시민참여 리빙랩 운영 횟수",
            "연간",
            "SVC-04",
            "통합운영센터 면적",
            "250㎡",
            "2층",
        ),
    ),
    Case(
        "search_fullwidth.txt",
        "search",
        (
            "가온시 방범 ＣＣＴＶ １，２５０대를 ２０２３년에 통합관제센터와 연계하였다．",
            "스마트ＬＥＤ 가로등과 ＩｏＴ 센서를 설치하였다．",
        ),
        queries=("CCTV", "LED", "IoT"),
    ),
    Case(
        "zip_cp949_nested.zip",
        "zip",
        (
            "가온시 스마트도시 추진 실적",
            "도로ㆍ교통ㆍ환경 데이터를 통합플랫폼에서 연계하였다.",
            "총사업비 1,200억원 중 국비는 480억원이다.",
            "IoT기반 스마트가로등 350개를 설치하였다.",
            "CCTV를 통합관제센터와 연계하였다.",
            "5G 공공와이파이를 버스정류장에 설치하였다.",
            "시민ㆍ기업ㆍ대학이 참여하는 리빙랩을 운영하였다.",
            "내부 압축 파일의 본문: 자율주행 셔틀 실증 결과",
        ),
        names=("증빙자료/1.계획/추진실적.txt", "증빙자료/2.첨부", "readme.txt"),
        queries=("통합플랫폼", "자율주행 셔틀"),
        via_ingest=True,
    ),
)


def _squash(text: str) -> str:
    return "".join(text.split())


def string_recall(expected: str, output: str) -> float:
    """``1 - edits / len(expected)`` against the best-matching stretch of ``output``.

    Whitespace is removed from both first. Edits are Levenshtein edits (insertions,
    deletions, substitutions); the stretch may start and end anywhere in ``output``.
    Returns a share in [0, 1]; 1.0 for an empty ``expected``.
    """
    a, b = _squash(expected), _squash(output)
    if not a:
        return 1.0
    column = list(range(len(a) + 1))  # edits for a[:i] against a stretch ending here
    best = column[-1]
    for char in b:
        previous_diagonal, column[0] = column[0], 0
        for i in range(1, len(a) + 1):
            above = column[i]
            column[i] = min(previous_diagonal + (a[i - 1] != char), above + 1, column[i - 1] + 1)
            previous_diagonal = above
        best = min(best, column[-1])
    return max(0.0, 1.0 - best / len(a))


def _extract(path: Path) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        result = extract(path, ocr=True)
    except ExtractionError as exc:
        return {
            "text": "",
            "error": exc.code,
            "error_message": exc.message,
            "seconds": round(time.perf_counter() - started, 2),
        }
    return {
        "text": result.text,
        "type": result.type,
        "pages": len(result.pages),
        "ocr_pages": [p.number for p in result.pages if p.ocr],
        "flags": {
            k: v for k, v in result.metadata.items() if _FLAG_KEY.search(k) and k not in _NOT_FLAGS
        },
        "metadata": dict(result.metadata),
        "seconds": round(time.perf_counter() - started, 2),
    }


def _ingest(cases: list[Case]) -> dict[str, dict[str, Any]]:
    """``reviewapp ingest FILE`` per case on one fresh app; stored text, names, searches."""
    from reviewapp import create_app
    from reviewapp.services.schema import ensure_schema

    out: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-fidelity-") as tmp:
        app = create_app(
            {
                "DATA_DIR": str(Path(tmp) / "data"),
                "SECRET_KEY": "bench",
                "EMBEDDINGS_ENABLED": False,
                "OCR_ENABLED": True,
            }
        )
        with app.app_context():
            ensure_schema()  # what `reviewapp ingest` does first, quietly
            submission_id = _submission()
            runner = app.test_cli_runner()
            known: set[int] = set()
            for case in cases:
                started = time.perf_counter()
                result = runner.invoke(
                    args=["ingest", str(CASES_DIR / case.file), "--submission", str(submission_id)]
                )
                documents = [d for d in _documents(submission_id) if d.id not in known]
                known.update(d.id for d in documents)
                out[case.file] = _stored(case, documents, result.exit_code, result.output)
                out[case.file]["seconds"] = round(time.perf_counter() - started, 2)
    return out


def _submission() -> int:
    from reviewapp.services import rounds
    from reviewapp.services.frameworks import import_framework

    framework = import_framework(ROOT / "frameworks" / "smart-city-sample.yaml")
    round_ = rounds.create_round("fidelity", framework.id)
    return rounds.add_applicant(round_.id, "가온시", 100_000).submission_id


def _documents(submission_id: int) -> list[Any]:
    from sqlalchemy import select

    from reviewapp.extensions import db
    from reviewapp.models import Document

    query = select(Document).where(Document.submission_id == submission_id).order_by(Document.id)
    return list(db.session.scalars(query))


def _stored(case: Case, documents: list[Any], exit_code: int, output: str) -> dict[str, Any]:
    """What one ingest stored: documents (archive members included), their text, searches."""
    from reviewapp.services.indexing import get_index

    ids = [d.id for d in documents]
    searches = {
        q: bool(get_index().search(q, document_ids=ids, limit=1, highlight=False)) if ids else False
        for q in case.queries
    }
    return {
        "exit_code": exit_code,
        "cli_output": output.strip().splitlines()[-20:],
        "documents": [
            {
                "name": f"{d.folder}/{d.filename}".lstrip("/"),
                "status": d.status,
                "error_code": d.error_code,
                "pages": d.page_count,
            }
            for d in documents
        ],
        "text": "\n\n".join(
            p.text for d in documents for p in sorted(d.pages, key=lambda p: p.number)
        ),
        "searches": searches,
    }


def _judge(
    case: Case, extracted: dict[str, Any], ingested: dict[str, Any] | None
) -> dict[str, Any]:
    source = ingested if case.via_ingest and ingested is not None else extracted
    text = source["text"]
    squashed = _squash(text)
    recalls = {s: round(string_recall(s, text), 3) for s in case.expected}
    total = sum(len(_squash(s)) for s in case.expected)
    recall = sum(recalls[s] * len(_squash(s)) for s in case.expected) / total
    found = {s: _squash(s) in squashed for s in case.expected}
    leaked = [s for s in case.absent if _squash(s) in squashed]
    lines = [line.strip() for line in text.splitlines()]
    alone = {s: text.count(s) == 1 and s in lines for s in case.alone}
    names = [d["name"] for d in (ingested or {}).get("documents", [])]
    named = {n: any(n in name for name in names) for n in case.names}
    searches = (ingested or {}).get("searches", {})
    error = extracted.get("error") if not case.via_ingest else None
    refused = error is not None and error in case.refusals
    if case.scan:
        text_ok = recall >= OCR_FILE_RECALL and min(recalls.values()) >= OCR_LINE_RECALL
    else:
        text_ok = all(found.values())
    if case.flag_is_enough and extracted.get("flags"):
        text_ok = True
    ok = refused or (
        text_ok
        and not leaked
        and all(alone.values())
        and all(named.values())
        and all(searches.values())
    )
    return {
        "file": case.file,
        "kind": case.kind,
        "path": "ingest" if case.via_ingest else "extract",
        "known_chars": total,
        "recall": None if refused else round(recall, 3),
        "recalls": recalls,
        "found": found,
        "leaked": leaked,
        "alone": alone,
        "names": named,
        "searches": searches,
        "refused": refused,
        "error": error,
        "ok": ok,
        "extract": {k: v for k, v in extracted.items() if k != "text"},
        "ingest": {k: v for k, v in ingested.items() if k != "text"} if ingested else None,
        "output": text[:4000],
    }


def _kinds(files: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per kind: files, files ok, characters known and recovered (accepted refusals aside)."""
    kinds: dict[str, dict[str, Any]] = {}
    for f in files:
        k = kinds.setdefault(
            f["kind"], {"files": 0, "ok": 0, "refused": 0, "known_chars": 0, "recovered": 0.0}
        )
        k["files"] += 1
        k["ok"] += f["ok"]
        if f["refused"]:
            k["refused"] += 1
            continue
        k["known_chars"] += f["known_chars"]
        k["recovered"] += f["recall"] * f["known_chars"]
    for k in kinds.values():
        k["recovered"] = round(k["recovered"])
        k["recall"] = round(k["recovered"] / k["known_chars"], 3) if k["known_chars"] else None
    return kinds


def main(out_dir: Path = ROOT / "bench" / "results") -> dict[str, Any]:
    """Run every case, write fidelity.json and fidelity.md into ``out_dir``, return the figures."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    if not CASES_DIR.is_dir():
        raise SystemExit(f"fidelity cases not found (expected {CASES_DIR})")
    started = time.perf_counter()
    present = [c for c in CASES if (CASES_DIR / c.file).is_file()]
    missing = [c.file for c in CASES if c not in present]
    unlisted = sorted(
        p.name
        for p in CASES_DIR.iterdir()
        if p.name != "README.md" and p.name not in {c.file for c in CASES}
    )
    extracted = {c.file: _extract(CASES_DIR / c.file) for c in present}
    ingested = _ingest([c for c in present if c.via_ingest or c.queries])
    files = [_judge(c, extracted[c.file], ingested.get(c.file)) for c in present]
    result = {
        "machine": machine(),
        "seconds": round(time.perf_counter() - started, 1),
        "kinds": _kinds(files),
        "files": files,
        "missing": missing,
        "not_in_bench": unlisted,
    }
    write_results(out_dir, "fidelity", result, _markdown(result))
    return result


def _mark(checks: dict[str, bool]) -> str:
    return f"{sum(checks.values())}/{len(checks)}" if checks else "-"


def _markdown(r: dict[str, Any]) -> str:
    lines = [
        "# Fidelity: the known text of the fidelity cases, recovered",
        "",
        f"{r['machine']}. {len(r['files'])} files in {r['seconds']} s "
        "(extraction with OCR; the ZIP and the search checks through `reviewapp ingest`).",
        "Recall: share of the known text's characters recovered (1 - character error rate "
        "against the best-matching stretch, whitespace ignored). Scans pass at "
        f">= {OCR_FILE_RECALL:.0%} with every line >= {OCR_LINE_RECALL:.0%}; other files "
        "need every expected string.",
        "",
        "| kind | files | ok | refused (accepted) | known chars | recovered | recall |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, k in r["kinds"].items():
        recall = f"{k['recall']:.1%}" if k["recall"] is not None else "-"
        lines.append(
            f"| {name} | {k['files']} | {k['ok']} | {k['refused']} | {k['known_chars']} | "
            f"{k['recovered']} | {recall} |"
        )
    lines += [
        "",
        "| file | kind | recall | found | leaked | alone | names | searches | flags / OCR pages | error | ok |",
        "|---|---|---:|---:|---|---:|---:|---:|---|---|---|",
    ]
    for f in r["files"]:
        recall = f"{f['recall']:.1%}" if f["recall"] is not None else "refused"
        extracted = f["extract"]
        flags = [f"{k}={v}" for k, v in (extracted.get("flags") or {}).items()]
        if extracted.get("ocr_pages"):
            flags.append(f"OCR pages {','.join(map(str, extracted['ocr_pages']))}")
        error = f["error"] or ""
        if f["ingest"]:
            failed = [d for d in f["ingest"]["documents"] if d["status"] != "ready"]
            error += " ".join(f"{d['name']}: {d['error_code']}" for d in failed)
        missed = [q for q, hit in f["searches"].items() if not hit]
        searches = _mark(f["searches"]) + (f" (missed {', '.join(missed)})" if missed else "")
        lines.append(
            f"| {f['file']} | {f['kind']} | {recall} | {_mark(f['found'])} | "
            f"{', '.join(f['leaked']) or '-'} | {_mark(f['alone'])} | {_mark(f['names'])} | "
            f"{searches} | {'; '.join(flags) or '-'} | {error or '-'} | "
            f"{'yes' if f['ok'] else 'no'} |"
        )
    if r["missing"] or r["not_in_bench"]:
        lines += [
            "",
            f"Missing files: {r['missing'] or '-'}; files without known text: {r['not_in_bench'] or '-'}.",
        ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "bench" / "results"
    print(json.dumps(main(target)["kinds"], ensure_ascii=False, indent=2))
