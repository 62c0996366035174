"""The committee's exports, opened as the ministry would open them: the XLSX with openpyxl,
the DOCX with python-docx, the CSV decoded as Excel reads it. Every figure is compared with
what `reviewapp grades --round N --json` prints for the same round, never with numbers
written here; `reviewapp export` is driven end to end, error paths included."""

from __future__ import annotations

import csv
import io
import json
import os
import stat
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote

import docx
import openpyxl
import pytest
from docx.enum.section import WD_ORIENT
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from flask_babel import force_locale
from sqlalchemy import select

from reviewapp import reports
from reviewapp.cli.reports import not_replaceable
from reviewapp.config import from_env
from reviewapp.extensions import db
from reviewapp.models import Adjudication, Claim, EvidenceLink, Score
from reviewapp.reports._common import place
from reviewapp.reports.xlsx import sheet_titles
from reviewapp.services import committee, rounds, scoring
from reviewapp.services.errors import Invalid, NotFound
from reviewapp.services.results import Citation
from tests.conftest import World, login
from tests.reviewapp.helpers import ScoredRound, indicators_of, scored_round, user

XLSX_HEAD = ["영역", "지표코드", "지표명", "배점"]
XLSX_TAIL = [
    "집계 점수",
    "집계 단계",
    "이견",
    "평가 의견",
    "증빙 없음 사유",
    "인용 증빙",
    "연결 증빙 수",
]
EVA, EVB = "평가위원 eva · 서면평가", "평가위원 evb · 서면평가"


def kst(utc: datetime) -> str:
    """A stored UTC time as the exports write it in Korean time."""
    return (utc + timedelta(hours=9)).strftime("%Y-%m-%d %H:%M KST")


def grades_json(runner: FlaskCliRunner, round_id: int) -> dict[str, Any]:
    result = runner.invoke(args=["grades", "--round", str(round_id), "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout.strip().splitlines()[-1])


def by_applicant(payload: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {row["applicant"]: row for row in payload["submissions"]}


def workbook(round_id: int, **kwargs: Any) -> openpyxl.Workbook:
    made = reports.export(round_id, "xlsx", **kwargs)
    assert made.mimetype == reports.MIMETYPES["xlsx"]
    return openpyxl.load_workbook(io.BytesIO(made.data))


def table(ws: Any) -> list[dict[str, Any]]:
    """A sheet's rows under its header row as {header: value}."""
    rows = list(ws.iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def report_text(submission_id: int, round_id: int) -> tuple[str, Any]:
    made = reports.export(round_id, "docx", submission_id=submission_id)
    assert made.mimetype == reports.MIMETYPES["docx"]
    document = docx.Document(io.BytesIO(made.data))
    lines = [p.text for p in document.paragraphs]
    for t in document.tables:
        lines += [" | ".join(cell.text for cell in row.cells) for row in t.rows]
    return "\n".join(lines), document


def csv_rows(round_id: int, **kwargs: Any) -> tuple[bytes, list[list[str]]]:
    made = reports.export(round_id, "csv", **kwargs)
    assert made.mimetype.startswith("text/csv")
    return made.data, list(csv.reader(io.StringIO(made.data.decode("utf-8-sig"), newline="")))


@pytest.fixture()
def scored(world: World) -> ScoredRound:
    return scored_round(world)


# ---------------------------------------------------------------- XLSX


def test_workbook_summary_matches_grades_json(
    scored: ScoredRound, runner: FlaskCliRunner, world: World
) -> None:
    payload = grades_json(runner, world.round_id)
    book = workbook(world.round_id)
    assert book.sheetnames == ["정보", "요약", "한빛시", "솔내시", "감사 기록"]
    ws = book["요약"]
    header = [cell.value for cell in ws[1]]
    assert header[:9] == ["유형", "순위", "신청 지자체", "총점", "만점", "득점률", "등급"] + [
        "인증 여부",
        "완료 여부",
    ]
    assert header[9:] == ["INN 혁신", "GOV 거버넌스 및 제도", "SVC 서비스·기술·인프라"]
    assert all(cell.font.bold for cell in ws[1])
    assert ws.freeze_panes == "A2"
    assert ws.column_dimensions["C"].width >= 10
    expected = by_applicant(payload)
    assert ws.max_row == 1 + len(expected)
    for number, row in enumerate(table(ws), start=2):
        want = expected[row["신청 지자체"]]
        assert row["유형"] == {"large": "대도시", "small": "중소도시"}[want["track"]]
        assert row["순위"] == want["rank"]
        assert row["총점"] == pytest.approx(want["total"])
        assert row["만점"] == pytest.approx(want["max_total"])
        # a number the spreadsheet shows as the CLI's percent
        assert isinstance(row["득점률"], float)
        assert round(row["득점률"] * 100, 2) == want["percent"]
        assert ws.cell(number, 6).number_format == "0.00%"
        assert ws.cell(number, 4).number_format == "0.00"
        assert row["등급"] == want["grade"]
        assert row["인증 여부"] == ("인증" if want["certified"] else "미인증")
        assert row["완료 여부"] == f"미완료 (미평가 {len(want['missing'])})"
        for area in want["areas"]:
            column = next(h for h in header if h.startswith(area["code"] + " "))
            assert row[column] == pytest.approx(area["subtotal"])


def test_applicant_sheet_holds_every_indicator_with_scores_comments_and_flags(
    scored: ScoredRound, runner: FlaskCliRunner, world: World
) -> None:
    coord = user("coord")
    note = committee.record_adjudication(
        coord.id, world.large, scored.inn01, "위원회 논의 결과 평균 점수를 유지함"
    )
    payload = by_applicant(grades_json(runner, world.round_id))
    book = workbook(world.round_id)
    ws = book["한빛시"]
    header = [cell.value for cell in ws[1]]
    assert header == XLSX_HEAD + [EVA, EVB] + XLSX_TAIL + ["조정 의견"]  # no claim: no 자체평가
    assert ws.freeze_panes == "D2" and all(cell.font.bold for cell in ws[1])
    rows = table(ws)
    large = payload["한빛시"]
    assert [r["지표코드"] for r in rows[:-1]] == [i["code"] for i in large["indicators"]]
    for row, want in zip(rows, large["indicators"], strict=False):
        assert row["배점"] == pytest.approx(want["max"])
        if want["stage_used"]:
            assert row["집계 점수"] == pytest.approx(want["score"])
            assert row["집계 단계"] == "서면평가"
        else:
            assert row["집계 점수"] is None and row["집계 단계"] == "미평가"
        assert row["이견"] == ("Y" if want["flagged"] else None)
    inn01, inn02 = rows[0], rows[1]
    assert (inn01[EVA], inn01[EVB]) == (40, 8)
    assert ws.cell(2, header.index(EVA) + 1).number_format == "0.00"
    assert (
        inn01["평가 의견"] == "eva(서면평가): 시민참여 운영이 우수함\nevb(서면평가): 실적 근거 부족"
    )
    assert inn01["연결 증빙 수"] == 2
    # the cited passages themselves, one line per citation: checkable without the app
    assert inn01["인용 증빙"] == (
        "eva(서면평가): 데이터기반행정법.md, 1쪽\nevb(서면평가): 데이터기반행정법.md, 1쪽"
    )
    assert ws.cell(2, header.index("인용 증빙") + 1).alignment.wrap_text
    assert inn02["인용 증빙"] is None and inn02["연결 증빙 수"] == 0
    assert inn01["조정 의견"] == (
        f"coord ({kst(note.created_at)}): 위원회 논의 결과 평균 점수를 유지함"
    )
    assert inn02["증빙 없음 사유"] == "eva(서면평가): 제출 자료 없음\nevb(서면평가): 제출 자료 없음"
    assert (inn02[EVA], inn02[EVB]) == (30, 28)
    total = rows[-1]
    assert total["영역"] == "합계"
    assert total["집계 점수"] == pytest.approx(large["total"])
    assert total["배점"] == pytest.approx(large["max_total"])
    assert ws.cell(ws.max_row, 1).font.bold
    # only the applicant's own evaluators get columns
    small_header = [cell.value for cell in book["솔내시"][1]]
    assert EVB in small_header and EVA not in small_header


def test_self_evaluation_column_appears_once_a_claim_gives_points(
    scored: ScoredRound, world: World
) -> None:
    db.session.add(
        Claim(submission_id=world.small, indicator_id=scored.inn02, claimed_points=Decimal("35"))
    )
    db.session.commit()
    # a claim of another applicant still gives every sheet the column (one shape per round)
    book = workbook(world.round_id, submission_id=world.large)
    assert "자체평가 점수" in [cell.value for cell in book["한빛시"][1]]
    small = table(workbook(world.round_id)["솔내시"])
    assert small[1]["지표코드"] == "INN-02" and small[1]["자체평가 점수"] == 35
    data, rows = csv_rows(world.round_id)
    assert "자체평가 점수" in rows[0]


def test_audit_and_info_sheets(scored: ScoredRound, runner: FlaskCliRunner, world: World) -> None:
    payload = grades_json(runner, world.round_id)
    book = workbook(world.round_id)
    events = table(book["감사 기록"])
    assert [cell.value for cell in book["감사 기록"][1]] == [
        "시각(KST)",
        "작업자",
        "작업",
        "대상",
        "세부 내용",
        "작업 코드",
    ]
    scores = [e for e in events if e["작업"] == "점수 입력"]
    assert len(scores) == 5 and {e["작업 코드"] for e in scores} == {"score.create"}
    assert {e["작업자"] for e in scores} == {"eva", "evb"}
    assert {e["대상"] for e in scores} == {"한빛시 · INN-01", "한빛시 · INN-02", "솔내시 · INN-01"}
    times = [e["시각(KST)"] for e in events]
    assert times == sorted(times)  # oldest first
    info = {row[0]: row[1] for row in book["정보"].iter_rows(values_only=True) if row[0]}
    assert info["라운드"] == "2026 인증"
    assert info["상태"] == "확정 전 결과(잠정)"
    assert info["생성 시각"].endswith(" KST")
    alpha = {row[0]: row[1:] for row in book["정보"].iter_rows(values_only=True) if row[0]}
    assert "크리펜도르프 알파" in alpha["평가 단계"]
    document_alpha, units = alpha["서면평가"]
    if payload["alpha"]["document"] is None:
        assert document_alpha == "산출 불가"
    else:
        assert document_alpha == pytest.approx(payload["alpha"]["document"])
    assert units == 2  # 한빛시's INN-01 and INN-02 have two raters each
    assert alpha["현장실사"] == ("산출 불가", 0)

    rounds.finalize(world.round_id, actor_id=user("coord").id)
    book = workbook(world.round_id)
    info = {row[0]: row[1] for row in book["정보"].iter_rows(values_only=True) if row[0]}
    assert info["상태"].startswith("확정 (") and info["상태"].endswith(" KST)")
    finalized = table(book["감사 기록"])[-1]
    assert (finalized["작업"], finalized["작업 코드"]) == ("라운드 확정", "round.finalize")
    assert finalized["작업자"] == "coord" and finalized["대상"] == "라운드: 2026 인증"
    assert finalized["세부 내용"] == "상태: 진행 중 → 확정"


def test_workbook_of_one_applicant_keeps_the_whole_summary(
    scored: ScoredRound, world: World
) -> None:
    book = workbook(world.round_id, submission_id=world.small)
    assert book.sheetnames == ["정보", "요약", "솔내시", "감사 기록"]
    assert [row["신청 지자체"] for row in table(book["요약"])] == ["한빛시", "솔내시"]


def test_workbook_and_csv_list_every_adjudication_note(scored: ScoredRound, world: World) -> None:
    coord = user("coord")
    coord.display_name = "김조정"
    first = committee.record_adjudication(coord.id, world.large, scored.inn01, "첫 메모")
    latest = committee.record_adjudication(
        user("admin").id, world.large, scored.inn01, "평균 24점으로 확정"
    )
    first.created_at, latest.created_at = datetime(2026, 3, 2, 5, 5), datetime(2026, 3, 3, 1, 30)
    db.session.commit()
    # evb revises INN-01 to eva's level: no longer flagged, and its notes are still reported
    scoring.save_score(
        user("evb").id, world.large, scored.inn01, "document",
        scoring.ScoreForm(level=5, comment="재검토 후 상향", link_ids=[scored.evb_link], version=None),
    )  # fmt: skip
    assert db.session.query(Adjudication).count() == 2
    both = (
        "admin (2026-03-03 10:30 KST): 평균 24점으로 확정\n김조정 (2026-03-02 14:05 KST): 첫 메모"
    )
    rows = table(workbook(world.round_id)["한빛시"])
    assert rows[0]["지표코드"] == "INN-01" and not rows[0]["이견"]
    assert rows[0]["조정 의견"] == both
    _data, csv_table = csv_rows(world.round_id)
    records = [dict(zip(csv_table[0], row, strict=True)) for row in csv_table[1:]]
    assert records[0]["지표코드"] == "INN-01" and records[0]["조정 의견"] == both
    text, _document = report_text(world.large, world.round_id)
    assert "조정 의견 — 김조정" in text and "평균 24점으로 확정" in text


def test_text_that_looks_like_a_formula_stays_text(scored: ScoredRound, world: World) -> None:
    coord = user("coord")
    coord.display_name = "=1+1"  # the note's line starts with its author
    db.session.commit()
    note = committee.record_adjudication(coord.id, world.large, scored.inn01, "유지")
    ws = workbook(world.round_id)["한빛시"]
    header = [cell.value for cell in ws[1]]
    cell = ws.cell(2, header.index("조정 의견") + 1)
    written = f"=1+1 ({kst(note.created_at)}): 유지"
    assert cell.value == written and cell.data_type == "s"
    _data, rows = csv_rows(world.round_id)
    assert rows[1][rows[0].index("조정 의견")] == "'" + written


def test_evaluator_columns_tell_evaluators_apart(scored: ScoredRound, world: World) -> None:
    eva, evb = user("eva"), user("evb")
    eva.display_name = evb.display_name = "김평가"  # two people, one display name
    db.session.commit()
    header = [cell.value for cell in workbook(world.round_id)["한빛시"][1]]
    assert f"평가위원 김평가 #{eva.id} · 서면평가" in header
    assert f"평가위원 김평가 #{evb.id} · 서면평가" in header
    evb.display_name = "평가위원 2"  # a name that says it already is not said twice
    db.session.commit()
    header = [cell.value for cell in workbook(world.round_id)["한빛시"][1]]
    assert "평가위원 김평가 · 서면평가" in header and "평가위원 2 · 서면평가" in header


def every_text(round_id: int, submission_id: int) -> str:
    """Every text the three exports hold: each workbook cell, the CSV, the report."""
    book = workbook(round_id)
    cells = [
        str(value)
        for ws in book.worksheets
        for row in ws.iter_rows(values_only=True)
        for value in row
        if isinstance(value, str)
    ]
    _data, rows = csv_rows(round_id)
    text, _document = report_text(submission_id, round_id)
    return "\n".join([*book.sheetnames, *cells, *(",".join(row) for row in rows), text])


def test_exports_use_the_terms_of_the_web_pages(scored: ScoredRound, world: World) -> None:
    """신청 지자체 (not 신청기관), 라운드 (not 평가 차수), 이견 (not 평가 편차)."""
    committee.record_adjudication(user("coord").id, world.large, scored.inn01, "평균 유지")
    text = every_text(world.round_id, world.large)
    for old in ("신청기관", "평가 차수", "차수", "평가 편차"):
        assert old not in text, old
    for term in ("신청 지자체", "라운드", "이견"):
        assert term in text, term
    info = {row[0]: row[1] for row in workbook(world.round_id)["정보"].iter_rows(values_only=True)}
    assert info["라운드"] == "2026 인증"


def test_a_citation_names_its_page_or_its_sheet() -> None:
    def cited(page: int, sheet: str | None) -> Citation:
        return Citation(1, 1, "자료.xlsx", page, sheet, "", None)

    assert place(cited(12, None)) == "12쪽"
    assert place(cited(2, "실적\x01")) == "시트 2 '실적'"


def test_audit_sheet_reads_like_the_web_audit_page(scored: ScoredRound, world: World) -> None:
    """Korean actions and labels as the audit page shows them, the applicant's name for
    "submission 1", "field: before → after" lines, and the command line as the actor of
    what was done without a signed-in user."""
    coord = user("coord")
    coord.display_name = "김조정"
    committee.record_adjudication(coord.id, world.large, scored.inn01, "평균 유지")
    committee.save_opinions(coord.id, world.large, overall="우수", areas={"INN": "혁신 우수"})
    with force_locale("en"):  # a browser in English still gets the Korean workbook
        events = table(workbook(world.round_id)["감사 기록"])
    text = "\n".join(str(value) for e in events for value in e.values())
    for raw in ("score.create", "submission 1", "{", '"', "None", "document ", "score "):
        assert raw not in "\n".join(
            str(v) for e in events for k, v in e.items() if k != "작업 코드"
        ), raw
    by_action: dict[str, list[dict[str, Any]]] = {}
    for event in events:
        by_action.setdefault(event["작업 코드"], []).append(event)
    created = by_action["round.create"][0]
    assert created["작업"] == "라운드 생성" and created["작업자"] == "명령줄(CLI)"
    assert created["대상"] == "라운드: 2026 인증"
    applicants = by_action["submission.create"]
    assert [e["대상"] for e in applicants] == ["한빛시", "솔내시"]
    assert applicants[0]["세부 내용"] == "신청 지자체: 한빛시\n유형: 대도시"
    assigned = by_action["assignment.create"]
    assert assigned[0]["작업"] == "평가위원 배정" and assigned[0]["대상"] == "한빛시"
    assert assigned[0]["세부 내용"] == "평가위원: eva"
    eva_score = next(
        e
        for e in by_action["score.create"]
        if e["작업자"] == "eva" and e["대상"].endswith("INN-01")
    )
    lines = eva_score["세부 내용"].splitlines()
    assert "평가 단계: — → 서면평가" in lines
    assert "점수: — → 40.00" in lines and "수준: — → 5" in lines
    assert "의견: — → 시민참여 운영이 우수함" in lines
    assert "인용 링크: — → 데이터기반행정법.md 1쪽" in lines
    linked = by_action["evidence.link"][0]
    assert linked["작업"] == "증빙 연결" and linked["대상"] == "한빛시 · INN-01"
    assert "문서: 데이터기반행정법.md" in linked["세부 내용"].splitlines()
    assert "쪽: 1" in linked["세부 내용"].splitlines()
    note = by_action["adjudication.add"][0]
    assert (note["작업"], note["작업자"], note["대상"]) == (
        "조정 의견 기록",
        "김조정",
        "한빛시 · INN-01",
    )
    assert note["세부 내용"] == "메모: 평균 유지"
    opinions = {e["세부 내용"] for e in by_action["opinion.save"]}
    assert opinions == {
        "영역: 종합의견\n변경 전: —\n변경 후: 우수",
        "영역: INN 혁신\n변경 전: —\n변경 후: 혁신 우수",
    }
    assert "한빛시" in text


# ---------------------------------------------------------------- sheet titles


def test_sheet_titles_are_valid_and_unique() -> None:
    long = "가" * 40
    titles = sheet_titles(["한빛/시:[A]*?\\", long, long + "나", "요약", "SUMMARY", "'인용'", ""])
    assert titles[0] == "한빛_시__A____"
    assert titles[1] == "가" * 31
    assert titles[2] == "가" * 27 + " (2)"
    assert titles[3] == "요약 (2)"  # the summary sheet's own name is taken
    assert titles[5] == "인용"
    assert titles[6] == "신청 지자체"
    assert all(len(t) <= 31 for t in titles)
    assert len({t.casefold() for t in titles}) == len(titles)
    assert sheet_titles(["Seoul", "SEOUL"], ()) == ["Seoul", "SEOUL (2)"]


def test_workbook_with_awkward_applicant_names(world: World) -> None:
    long = "스마트도시특별자치시" * 4  # 40 characters: the first 31 collide
    names = ["세종/특별:자치[시]*?", long + "가", long + "나"]
    for name in names:
        rounds.add_applicant(world.round_id, name, 700_000)
    book = workbook(world.round_id)
    applicant_sheets = book.sheetnames[2:-1]
    assert "세종_특별_자치_시___" in applicant_sheets
    assert long[:31] in applicant_sheets and long[:27] + " (2)" in applicant_sheets
    assert len(applicant_sheets) == 5
    # the sheet's own header row is followed by every indicator
    assert book[long[:27] + " (2)"].max_row == 1 + len(indicators_of(world)) + 1


# ---------------------------------------------------------------- CSV


def test_csv_rows_are_excel_ready(
    scored: ScoredRound, runner: FlaskCliRunner, world: World
) -> None:
    payload = by_applicant(grades_json(runner, world.round_id))
    data, rows = csv_rows(world.round_id)
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.count(b"\r\n") >= len(rows) and b"\n\n" not in data
    assert rows[0][:6] == ["신청 지자체", "유형", *XLSX_HEAD]
    assert rows[0][6:8] == [EVA, EVB]
    n_indicators = len(indicators_of(world))
    assert len(rows) - 1 == len(payload) * n_indicators
    records = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    for record in records:
        want = next(
            i
            for i in payload[record["신청 지자체"]]["indicators"]
            if i["code"] == record["지표코드"]
        )
        assert record["배점"] == f"{want['max']:.2f}"
        assert record["집계 점수"] == (f"{want['score']:.2f}" if want["stage_used"] else "")
        assert record["이견"] == ("Y" if want["flagged"] else "")
    inn01 = records[0]
    assert (inn01["신청 지자체"], inn01["유형"], inn01["지표코드"]) == (
        "한빛시",
        "대도시",
        "INN-01",
    )
    assert (inn01[EVA], inn01[EVB], inn01["집계 점수"]) == ("40.00", "8.00", "24.00")
    assert "시민참여 운영이 우수함" in inn01["평가 의견"]
    small = next(r for r in records if r["신청 지자체"] == "솔내시")
    assert small["유형"] == "중소도시" and small[EVA] == "" and small[EVB] == "24.00"


def test_csv_of_one_applicant_has_the_workbook_sheets_columns(
    scored: ScoredRound, world: World
) -> None:
    _data, rows = csv_rows(world.round_id, submission_id=world.large)
    assert len(rows) - 1 == len(indicators_of(world))
    assert {row[0] for row in rows[1:]} == {"한빛시"}
    sheet = workbook(world.round_id, submission_id=world.large)["한빛시"]
    assert rows[0][2:] == [cell.value for cell in sheet[1]]


# ---------------------------------------------------------------- DOCX


def test_report_states_the_result_and_cites_the_evidence(
    scored: ScoredRound, runner: FlaskCliRunner, world: World
) -> None:
    large = by_applicant(grades_json(runner, world.round_id))["한빛시"]
    text, document = report_text(world.large, world.round_id)
    assert document.paragraphs[0].text == "스마트도시 인증 평가 보고서"
    assert "라운드 | 2026 인증" in text
    assert "신청 지자체 | 한빛시" in text and "유형 | 대도시" in text
    assert f"총점 | {large['total']:,.2f} / {large['max_total']:,.2f}점" in text
    assert f"득점률 | {large['percent']:.2f}%" in text
    assert f"등급 | {large['grade']}등급" in text
    assert f"인증 여부 | {'인증' if large['certified'] else '미인증'}" in text
    assert f"유형 내 순위 | {large['rank']}위 (대도시 1곳 중)" in text
    assert "확정 전 결과(잠정)" in text
    assert f"평가가 끝나지 않은 지표 {len(large['missing'])}개" in text
    # the area table
    assert "영역 | 득점 | 배점 | 득점률" in text
    for area in large["areas"]:
        assert any(
            line.startswith(f"{area['code']} ") and f"| {area['subtotal']:,.2f} |" in line
            for line in text.splitlines()
        )
    # every indicator, the unscored ones marked
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 3"]
    assert len(headings) == len(indicators_of(world))
    assert headings[0] == "INN-01 시민참여 거버넌스 운영"
    assert "집계 점수: 24.00 / 40.00점 (서면평가)" in text
    assert "집계 점수: 29.00 / 40.00점 (서면평가)" in text
    assert text.count("집계 점수: 미평가") == len(large["missing"])
    # the disagreement, the evaluators, their comments and the cited passages
    assert "이견: 한 단계 안의 점수 차 32.00점(배점의 80.00%)이 기준(배점의 20%)을 넘었습니다." in [
        p.text for p in document.paragraphs
    ]
    assert "검토" not in text and "조정 의견" not in text  # no note: none is claimed
    assert "평가위원 eva · 서면평가: 40.00점 (수준 5) — 시민참여 운영이 우수함" in text
    assert "평가위원 evb · 서면평가: 8.00점 (수준 1) — 실적 근거 부족" in text
    assert "증빙 없음: 제출 자료 없음" in text
    assert text.count("근거: 데이터기반행정법.md, 1쪽") == 2
    quotes = [p.text for p in document.paragraphs if p.style.name == "Quote"]
    assert quotes == [f"“{scored.eva_quote.strip()}”", f"“{scored.evb_quote.strip()}”"]
    # without BASE_URL, no links
    assert not any(p.hyperlinks for p in document.paragraphs)


def test_report_carries_opinions_and_adjudication(scored: ScoredRound, world: World) -> None:
    text, _document = report_text(world.large, world.round_id)
    assert "종합의견" in text and text.count("(작성되지 않음)") >= 4
    coord = user("coord")
    committee.save_opinions(
        coord.id,
        world.large,
        overall="시민참여 기반이 탄탄하나 데이터 분야 보완이 필요함",
        areas={"INN": "혁신 영역은 우수함"},
    )
    first = committee.record_adjudication(coord.id, world.large, scored.inn01, "첫 메모")
    latest = committee.record_adjudication(
        user("admin").id, world.large, scored.inn01, "평균 24점으로 확정\n(위원 전원 동의)"
    )
    first.created_at, latest.created_at = datetime(2026, 3, 2, 5, 5), datetime(2026, 3, 3, 1, 30)
    db.session.commit()
    text, document = report_text(world.large, world.round_id)
    paragraphs = [p.text for p in document.paragraphs]
    overall = paragraphs.index("종합의견")
    assert paragraphs[overall + 1] == "시민참여 기반이 탄탄하나 데이터 분야 보완이 필요함"
    assert "INN 혁신: 혁신 영역은 우수함" in paragraphs
    assert "GOV 거버넌스 및 제도: (작성되지 않음)" in paragraphs
    # every note, newest first, each with its author and Korean time
    notes = [p for p in paragraphs if p.startswith("조정 의견")]
    assert notes == [
        "조정 의견 — admin (2026-03-03 10:30 KST): 평균 24점으로 확정\n(위원 전원 동의)",
        "조정 의견 — coord (2026-03-02 14:05 KST): 첫 메모",
    ]
    assert paragraphs.index(notes[0]) > paragraphs.index(
        "이견: 한 단계 안의 점수 차 32.00점(배점의 80.00%)이 기준(배점의 20%)을 넘었습니다."
    )


def test_report_links_each_passage_when_base_url_is_set(
    app: Flask, scored: ScoredRound, world: World
) -> None:
    app.config["BASE_URL"] = "https://review.example.go.kr/"
    _text, document = report_text(world.large, world.round_id)
    links = [(h.text, h.url) for p in document.paragraphs for h in p.hyperlinks]
    chunks = {
        link.id: link.chunk_id
        for link in db.session.scalars(
            select(EvidenceLink).where(EvidenceLink.id.in_([scored.eva_link, scored.evb_link]))
        )
    }
    assert links == [
        (
            "데이터기반행정법.md",
            f"https://review.example.go.kr/documents/{scored.doc_id}"
            f"?chunk={chunks[link_id]}#chunk-{chunks[link_id]}",
        )
        for link_id in (scored.eva_link, scored.evb_link)
    ]
    # the same address the app answers with the passage marked
    assert from_env({"REVIEWAPP_BASE_URL": "https://x.kr"}) == {"BASE_URL": "https://x.kr"}


def test_report_and_workbook_drop_characters_xml_cannot_hold(
    scored: ScoredRound, world: World
) -> None:
    link = db.session.get(EvidenceLink, scored.eva_link)
    assert link is not None
    link.quote = "제1조\x0c(목적)\x01 이 법은"
    score = db.session.scalar(
        select(Score).where(
            Score.evaluator_id == user("eva").id, Score.indicator_id == scored.inn01
        )
    )
    assert score is not None
    score.comment = "우수\x0b함\x1f"
    db.session.commit()
    text, _document = report_text(world.large, world.round_id)
    assert "“제1조(목적) 이 법은”" in text and "— 우수함" in text
    rows = table(workbook(world.round_id)["한빛시"])
    assert rows[0]["평가 의견"].startswith("eva(서면평가): 우수함\n")


# ---------------------------------------------------------------- a round without scores


def test_a_round_without_scores_exports_every_format(world: World) -> None:
    book = workbook(world.round_id)
    summary = table(book["요약"])
    assert [row["득점률"] for row in summary] == [0, 0]
    assert all(row["완료 여부"].startswith("미완료") for row in summary)
    sheet = book["한빛시"]
    assert [cell.value for cell in sheet[1]] == XLSX_HEAD + XLSX_TAIL + ["조정 의견"]
    assert len(table(book["감사 기록"])) >= 3
    _data, rows = csv_rows(world.round_id)
    assert len(rows) - 1 == 2 * len(indicators_of(world))
    text, _document = report_text(world.small, world.round_id)
    assert text.count("집계 점수: 미평가") == len(indicators_of(world))
    assert "인증 여부 | 미인증" in text


# ---------------------------------------------------------------- the API's refusals and names


def test_export_refuses_what_it_cannot_make(world: World) -> None:
    with pytest.raises(Invalid) as bad_format:
        reports.export(world.round_id, "pdf")
    assert set(bad_format.value.fields) == {"format"}
    with pytest.raises(Invalid) as no_submission:
        reports.export(world.round_id, "docx")
    assert set(no_submission.value.fields) == {"submission"}
    with pytest.raises(NotFound):
        reports.export(999, "xlsx")
    other = rounds.create_round("2027 인증", world.framework_id)
    stranger = rounds.add_applicant(other.id, "다른시", 200_000).submission_id
    for fmt in reports.FORMATS:
        with pytest.raises(NotFound):
            reports.export(world.round_id, fmt, submission_id=stranger)


def test_file_names_hold_no_path_separators(world: World) -> None:
    assert reports.export(world.round_id, "xlsx").filename == "2026 인증-평가결과.xlsx"
    assert reports.export(world.round_id, "csv").filename == "2026 인증-지표별점수.csv"
    made = reports.export(world.round_id, "docx", submission_id=world.large)
    assert made.filename == "2026 인증-한빛시-평가보고서.docx"
    odd = rounds.create_round('2026/1차: "인증" <본>', world.framework_id)
    sub = rounds.add_applicant(odd.id, "a\\b|c?", 200_000).submission_id
    name = reports.export(odd.id, "xlsx", submission_id=sub).filename
    assert name == "2026_1차_ _인증_ _본_-a_b_c_-평가결과.xlsx"
    assert "/" not in name and "\\" not in name


def test_downloads_name_their_type_once_and_offer_an_ascii_name(
    client: FlaskClient, scored: ScoredRound, world: World
) -> None:
    login(client, "coord")
    base = f"/rounds/{world.round_id}/export"
    expected = {
        "xlsx": (f"round-{world.round_id}-results.xlsx", "2026 인증-평가결과.xlsx"),
        "csv": (f"round-{world.round_id}-indicator-scores.csv", "2026 인증-지표별점수.csv"),
    }
    for fmt, (ascii_name, korean) in expected.items():
        response = client.get(f"{base}/{fmt}")
        assert response.status_code == 200
        assert response.headers["Content-Disposition"] == (
            f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(korean)}"
        )
    csv_type = client.get(f"{base}/csv").headers["Content-Type"]
    assert csv_type == "text/csv; charset=utf-8"
    response = client.get(f"{base}/docx", query_string={"submission": world.large})
    disposition = response.headers["Content-Disposition"]
    assert f'filename="round-{world.round_id}-submission-{world.large}-report.docx"' in disposition
    assert disposition.endswith("filename*=UTF-8''" + quote("2026 인증-한빛시-평가보고서.docx"))
    one = client.get(f"{base}/xlsx", query_string={"submission": world.small})
    assert (
        f'filename="round-{world.round_id}-submission-{world.small}-results.xlsx"'
        in (one.headers["Content-Disposition"])
    )


def test_report_page_is_a4(scored: ScoredRound, world: World) -> None:
    _text, document = report_text(world.large, world.round_id)
    for section in document.sections:
        assert section.orientation == WD_ORIENT.PORTRAIT
        assert round(section.page_width.cm, 1) == 21.0
        assert round(section.page_height.cm, 1) == 29.7
        margins = [section.top_margin, section.bottom_margin]
        margins += [section.left_margin, section.right_margin]
        assert all(1.5 <= round(margin.cm, 2) <= 3.0 for margin in margins)


# ---------------------------------------------------------------- reviewapp export


def test_cli_export_writes_each_format(
    scored: ScoredRound, runner: FlaskCliRunner, world: World, tmp_path: Path
) -> None:
    payload = by_applicant(grades_json(runner, world.round_id))
    for fmt, extra in (("xlsx", []), ("csv", []), ("docx", ["--submission", str(world.large)])):
        out = tmp_path / f"result.{fmt}"
        result = runner.invoke(
            args=["export", str(world.round_id), "--format", fmt, "--out", str(out), *extra]
        )
        assert result.exit_code == 0, result.output
        assert result.stderr == ""
        assert json.loads(result.stdout) == {"path": str(out), "format": fmt}
        assert out.stat().st_size > 0
    book = openpyxl.load_workbook(tmp_path / "result.xlsx")
    assert table(book["요약"])[0]["등급"] == payload["한빛시"]["grade"]
    assert (tmp_path / "result.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    text = "\n".join(p.text for p in docx.Document(str(tmp_path / "result.docx")).paragraphs)
    assert "시민참여 운영이 우수함" in text
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "data",
        "result.csv",
        "result.docx",
        "result.xlsx",
    ]  # no temporary file left behind


def test_cli_export_replaces_a_file_and_fills_a_directory(
    world: World, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    out = tmp_path / "old.csv"
    out.write_bytes(b"old")
    result = runner.invoke(
        args=["export", str(world.round_id), "--format", "csv", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    assert out.stat().st_mode & 0o777 != 0o600  # not the temporary file's private mode
    folder = tmp_path / "exports"
    folder.mkdir()
    result = runner.invoke(
        args=["export", str(world.round_id), "--format", "xlsx", "--out", str(folder)]
    )
    assert result.exit_code == 0, result.output
    written = folder / "2026 인증-평가결과.xlsx"
    assert json.loads(result.stdout) == {"path": str(written), "format": "xlsx"}
    assert openpyxl.load_workbook(written).sheetnames[:2] == ["정보", "요약"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "pdf"], "format: "),
        (["--format", "docx"], "submission: "),
        (["--format", "xlsx", "--submission", "999"], "no submission with id 999"),
    ],
)
def test_cli_export_refusals(
    world: World, runner: FlaskCliRunner, tmp_path: Path, args: list[str], message: str
) -> None:
    out = tmp_path / "x.out"
    result = runner.invoke(args=["export", str(world.round_id), "--out", str(out), *args])
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith("error: ") and message in result.stderr
    assert "Traceback" not in result.output and not out.exists()


def test_cli_export_refuses_a_link_a_pipe_or_a_device_as_target(
    world: World, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    """A target that is not a regular file is never replaced by one (nothing written)."""
    real = tmp_path / "real.csv"
    real.write_bytes(b"keep")
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    dangling = tmp_path / "dangling.csv"
    dangling.symlink_to(tmp_path / "nowhere.csv")
    pipe = tmp_path / "pipe.csv"
    os.mkfifo(pipe)
    for target, kind in ((link, "symbolic link"), (dangling, "symbolic link"), (pipe, "pipe")):
        result = runner.invoke(
            args=["export", str(world.round_id), "--format", "csv", "--out", str(target)]
        )
        assert result.exit_code == 1, result.output
        assert result.stderr.startswith(f"error: {target} is a {kind}") and result.stdout == ""
    assert link.is_symlink() and real.read_bytes() == b"keep"
    assert dangling.is_symlink() and stat.S_ISFIFO(pipe.lstat().st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "dangling.csv",
        "data",
        "link.csv",
        "pipe.csv",
        "real.csv",
    ]
    # a device or /dev/stdout (a link) is refused the same way; checked without writing
    assert not_replaceable(Path("/dev/null")) == "a device"
    assert not_replaceable(Path("/dev/stdout")) == "a symbolic link"
    assert not_replaceable(real) is None and not_replaceable(tmp_path / "new.csv") is None
    # a link to a directory is a directory: the export goes inside, the link stays
    folder = tmp_path / "exports"
    folder.mkdir()
    (tmp_path / "to-exports").symlink_to(folder)
    result = runner.invoke(
        args=[
            "export",
            str(world.round_id),
            "--format",
            "csv",
            "--out",
            str(tmp_path / "to-exports"),
        ]
    )
    assert result.exit_code == 0, result.output
    assert [p.name for p in folder.iterdir()] == ["2026 인증-지표별점수.csv"]


def test_cli_export_out_paths_say_what_they_mean(
    world: World, runner: FlaskCliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)

    def refused(fmt: str, out: str) -> str:
        result = runner.invoke(args=["export", str(world.round_id), "--format", fmt, "--out", out])
        assert result.exit_code == 1, result.output
        assert result.stderr.startswith("error: ") and "Traceback" not in result.output
        assert result.stdout == ""
        return result.stderr

    # a trailing "/" says "a directory": a missing one is an error, not a file "nodir"
    missing = tmp_path / "nodir"
    assert "not an existing directory" in refused("xlsx", f"{missing}/")
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    assert "not an existing directory" in refused("xlsx", f"{a_file}/")
    # no standard output, no empty path
    assert "standard output" in refused("csv", "-")
    assert "empty" in refused("csv", "")
    # a name whose extension says another format
    assert "a .docx name for an xlsx export" in refused("xlsx", str(tmp_path / "x.docx"))
    assert "a .csv name for a docx export" in refused("docx", str(tmp_path / "x.csv"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "file.txt"]
    # the right extension in any case, or one that names no other format, is fine
    for name in ("결과.XLSX", "results.out"):
        result = runner.invoke(
            args=["export", str(world.round_id), "--format", "xlsx", "--out", name]
        )
        assert result.exit_code == 0, result.output
        assert (tmp_path / name).read_bytes().startswith(b"PK")
    result = runner.invoke(
        args=["export", str(world.round_id), "--format", "csv", "--out", f"{tmp_path}/"]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "2026 인증-지표별점수.csv").exists()


def test_cli_export_unknown_round_and_unwritable_paths(
    world: World, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    def fails(*args: str) -> str:
        result = runner.invoke(args=["export", *args])
        assert result.exit_code == 1, result.output
        assert result.stderr.startswith("error: ") and "Traceback" not in result.output
        return result.stderr

    assert "no round with id 999" in fails("999", "--format", "xlsx", "--out", str(tmp_path))
    missing = tmp_path / "no-such-dir" / "x.xlsx"
    assert f"cannot write {missing}" in fails(
        str(world.round_id), "--format", "xlsx", "--out", str(missing)
    )
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    under_file = a_file / "x.csv"
    assert f"cannot write {under_file}" in fails(
        str(world.round_id), "--format", "csv", "--out", str(under_file)
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "file.txt"]
    result = runner.invoke(args=["export", str(world.round_id), "--out", str(tmp_path)])
    assert result.exit_code == 2 and "--format" in result.output  # a missing option: usage
