"""Claims import (services/claims_import.py): the demo's self-evaluation tables, a table in
another layout with every kind of bad row, re-import keeping review marks, the column
mapping page (saved per round and reused), the automatic import when a self-evaluation
document becomes ready, and `reviewapp import-claims`.

Real files (the demo workbooks, workbooks and documents built with openpyxl/python-docx),
a real SQLite database; jobs run inline.
"""

from __future__ import annotations

import io
import json
from decimal import Decimal
from pathlib import Path

import docx
import openpyxl
import pytest
from flask import Flask
from flask.testing import FlaskClient
from hwpx.document import HwpxDocument
from sqlalchemy import select

from reviewapp.extensions import db
from reviewapp.models import AuditEvent, Claim, ClaimMapping, ClaimReview, Document
from reviewapp.services import claims_import, rechecks, uploads
from reviewapp.services.claims_import import parse_points
from tests.conftest import ROOT, World, csrf_token, login
from tests.reviewapp.helpers import upload, user

DEMO = ROOT / "demo" / "documents"


@pytest.fixture(autouse=True)
def _import_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests read what the import itself leaves (status pending, no evidence): the
    check that an import queues next (services/rechecks.py) is left out here and tested in
    test_claims.py (test_an_import_is_checked_next)."""
    monkeypatch.setattr(rechecks, "request", lambda submission_id: False)


def _add(submission_id: int, name: str, content: bytes, doc_type: str) -> Document:
    """Upload as the web form does: stored, processed, then the claims step (jobs inline)."""
    (outcome,) = uploads.add_upload(
        submission_id, name, io.BytesIO(content), doc_type=doc_type
    ).outcomes
    db.session.expire_all()
    document = db.session.get(Document, outcome.document_id)
    assert document is not None and document.status == "ready", document and document.error
    return document


def _claims(document_id: int) -> list[Claim]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(Claim).where(Claim.source_document_id == document_id).order_by(Claim.id)
        )
    )


def _xlsx(workbook: openpyxl.Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# ---------------------------------------------------------------- the demo tables


@pytest.mark.parametrize(("city", "submission"), [("hanbit", "large"), ("solnae", "small")])
def test_demo_self_evaluation_imports_every_row_matched(
    app: Flask, world: World, city: str, submission: str
) -> None:
    path = DEMO / city / f"{city}-self-evaluation-2026.xlsx"
    document = _add(getattr(world, submission), path.name, path.read_bytes(), "self_evaluation")
    sheet = openpyxl.load_workbook(path)["자체평가표"]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    claims = _claims(document.id)
    assert len(claims) == len(rows) == 23
    for number, (claim, row) in enumerate(zip(claims, rows, strict=True), 2):
        code, title, points, summary, cited, page = row
        assert claim.indicator is not None and claim.indicator.code == code
        assert claim.indicator.title_ko == title
        assert claim.indicator_ref == f"{code} {title}"
        assert claim.claimed_points == Decimal(points)
        assert claim.text == summary
        assert claim.claimed_value == ""  # the layout has no value column
        assert claim.cited_document == cited
        assert claim.cited_page == ("" if page is None else str(page))
        assert claim.source_reference == f"시트 '자체평가표' {number}행"
        assert (claim.kind, claim.status, claim.problems) == ("self_evaluation", "pending", [])
        assert claim.submission_id == document.submission_id
    assert document.doc_metadata["claims_import"] == "imported"
    assert document.doc_metadata["claims_count"] == "23"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "claims.import"))
    assert event is not None and event.round_id == world.round_id
    assert event.data["automatic"] is True and event.data["claims"] == 23


def test_demo_quantitative_tables_are_not_claims(app: Flask, world: World) -> None:
    path = DEMO / "hanbit" / "hanbit-quantitative-data-2026.xlsx"
    document = _add(world.large, path.name, path.read_bytes(), "quantitative")
    assert _claims(document.id) == []
    assert "claims_import" not in document.doc_metadata  # nothing to report: not a claims table


def test_quantitative_table_with_a_claims_header_is_imported(app: Flask, world: World) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "정량실적"
    ws.append(["지표", "2025년 실적", "증빙자료"])
    ws.append(["INN-05", "3,912명", "교육 실적.xlsx"])
    ws.append(["INN-06", "318건", "공공데이터.xlsx"])
    document = _add(world.large, "정량.xlsx", _xlsx(wb), "quantitative")
    claims = _claims(document.id)
    assert [(c.indicator.code, c.claimed_value, c.kind) for c in claims] == [  # type: ignore[union-attr]
        ("INN-05", "3,912명", "quantitative"),
        ("INN-06", "318건", "quantitative"),
    ]
    assert all(c.claimed_points is None and c.problems == [] for c in claims)


# ---------------------------------------------------------------- another layout


def _other_layout() -> bytes:
    """Title block, a two-row header with merged cells on rows 4-5, a section column merged
    down, a total row, blank rows, numbers as text, an unknown code, a misspelled title, a
    row without points, unreadable points and a note."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "실적표"
    ws["A1"] = "2026년 스마트도시 인증 자체평가 실적"
    ws.merge_cells("A1:H1")
    ws["A2"] = "작성기관: 가상시 스마트도시과"
    ws["A4"], ws["B4"], ws["D4"], ws["F4"], ws["H4"] = (
        "구분",
        "평가지표",
        "자체평가",
        "증빙자료",
        "비고",
    )
    ws.merge_cells("A4:A5")
    ws.merge_cells("B4:C4")
    ws.merge_cells("D4:E4")
    ws.merge_cells("F4:G4")
    ws.merge_cells("H4:H5")
    ws["B5"], ws["C5"], ws["D5"], ws["E5"], ws["F5"], ws["G5"] = (
        "번호",
        "지표명",
        "달성값",
        "점수",
        "파일명",
        "페이지",
    )
    rows = [
        (
            6,
            [
                "혁신",
                "INN-01",
                "시민참여 거버넌스 운영",
                "시민참여단 40명",
                35,
                "리빙랩.docx",
                3,
                "",
            ],
        ),
        (
            7,
            [
                None,
                "INN-02",
                "리빙랩 운영 실적",
                "과제 5건",
                "12.5점",
                "리빙랩.docx",
                "4~5",
                "추가 확인",
            ],
        ),
        (8, [None, "INN-99", "존재하지 않는 지표", "10건", "20", "", "", ""]),
        (
            10,
            [
                "혁신",
                None,
                "스마트도시 시민교육 및 홍부",
                "아카데미 4기",
                " 30 ",
                "교육.pdf",
                "",
                "",
            ],
        ),
        (11, ["거버넌스", "GOV-05", "스마트도시계획 수립", "승인 완료", None, "계획.pdf", 1, ""]),
        (12, ["거버넌스", "GOV-07", "스마트도시 예산 비중", "1.1%", "약 30", "계획.pdf", 2, ""]),
        (13, ["합계", None, None, None, 127.5, None, None, None]),
        (
            15,
            [
                "※ 점수는 자체평가 기준이며 확정 점수가 아닙니다.",
                None,
                None,
                None,
                None,
                None,
                None,
                None,
            ],
        ),
    ]
    for number, values in rows:
        for column, value in enumerate(values, 1):
            if value is not None:
                ws.cell(number, column, value)
    ws.merge_cells("A6:A8")
    ws.merge_cells("A13:D13")
    return _xlsx(wb)


def test_other_layout_imports_with_unmatched_listed(app: Flask, world: World) -> None:
    document = _add(world.large, "자체평가_실적.xlsx", _other_layout(), "self_evaluation")
    claims = {c.source_reference: c for c in _claims(document.id)}
    assert list(claims) == [f"시트 '실적표' {n}행" for n in (6, 7, 8, 10, 11, 12)]

    first = claims["시트 '실적표' 6행"]
    assert (first.indicator.code, first.claimed_value, first.claimed_points) == (  # type: ignore[union-attr]
        "INN-01",
        "시민참여단 40명",
        Decimal("35.00"),
    )
    assert (first.cited_document, first.cited_page, first.text, first.problems) == (
        "리빙랩.docx",
        "3",
        "",
        [],
    )
    second = claims["시트 '실적표' 7행"]
    assert second.claimed_points == Decimal("12.50")  # "12.5점", a number stored as text
    assert (second.cited_page, second.text) == ("4~5", "추가 확인")

    unknown = claims["시트 '실적표' 8행"]
    assert unknown.indicator_id is None and unknown.status == "unmatched"
    assert unknown.indicator_ref == "INN-99 존재하지 않는 지표"
    assert unknown.claimed_points == Decimal("20.00")
    assert unknown.problems == [
        "지표코드 'INN-99'는 이 라운드의 지표에 없습니다",
        "지표명 '존재하지 않는 지표'과(와) 맞는 지표가 없습니다",
    ]

    misspelled = claims["시트 '실적표' 10행"]
    assert misspelled.indicator.code == "INN-04"  # type: ignore[union-attr]
    assert misspelled.status == "pending" and misspelled.claimed_points == Decimal("30.00")
    assert misspelled.problems == [
        "지표명 '스마트도시 시민교육 및 홍부'을(를) 가장 비슷한 "
        "'스마트도시 시민 교육 및 홍보'(INN-04)에 연결했습니다"
    ]

    no_points = claims["시트 '실적표' 11행"]
    assert no_points.indicator.code == "GOV-05" and no_points.claimed_points is None  # type: ignore[union-attr]
    assert no_points.problems == ["자체평가 점수가 비어 있습니다"]
    unreadable = claims["시트 '실적표' 12행"]
    assert unreadable.claimed_points is None and unreadable.claimed_value == "1.1%"
    assert unreadable.problems == ["점수 '약 30'을(를) 숫자로 읽지 못했습니다"]

    report = claims_import.import_claims(document.id)
    assert report.claims == 6
    assert report.unmatched == (("시트 '실적표' 8행", "INN-99 존재하지 않는 지표"),)
    assert report.skipped == ("시트 '실적표' 13행: 합계 행", "시트 '실적표' 15행: 주석 행")
    assert report.tables == ("시트 '실적표'",)


def test_reimport_keeps_review_marks_of_rows_found_again(app: Flask, world: World) -> None:
    document = _add(world.large, "자체평가_실적.xlsx", _other_layout(), "self_evaluation")
    before = {c.source_reference: c for c in _claims(document.id)}
    eva = user("eva")
    kept = before["시트 '실적표' 6행"]
    unmatched = before["시트 '실적표' 8행"]
    gone = Claim(
        submission_id=document.submission_id,
        source_document_id=document.id,
        indicator_ref="옛 지표",
        source_reference="시트 '실적표' 40행",  # a row an earlier layout read, not there now
    )
    kept.status, kept.evidence = "supported", [{"chunk": 1}]
    db.session.add(gone)
    db.session.flush()
    for claim in (kept, unmatched, gone):
        db.session.add(ClaimReview(claim_id=claim.id, evaluator_id=eva.id, note=f"확인 {claim.id}"))
    db.session.commit()
    ids = {ref: c.id for ref, c in before.items()}

    report = claims_import.import_claims(document.id, actor_id=user("coord").id)
    assert report.reviews_dropped == 1
    after = {c.source_reference: c for c in _claims(document.id)}
    assert {ref: c.id for ref, c in after.items()} == ids  # same rows, same claims
    assert [r.note for r in after["시트 '실적표' 6행"].reviews] == [f"확인 {kept.id}"]
    assert [r.note for r in after["시트 '실적표' 8행"].reviews] == [f"확인 {unmatched.id}"]
    assert after["시트 '실적표' 6행"].status == "pending"  # the check runs again
    assert after["시트 '실적표' 6행"].evidence == []
    assert db.session.get(Claim, gone.id) is None
    remaining = db.session.scalars(select(ClaimReview.note)).all()
    assert sorted(remaining) == sorted([f"확인 {kept.id}", f"확인 {unmatched.id}"])
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "claims.import").order_by(AuditEvent.id)
    ).all()[-1]
    (dropped,) = event.data["reviews_dropped"]
    assert dropped["note"] == f"확인 {gone.id}" and dropped["row"] == "시트 '실적표' 40행"
    assert event.actor_id == user("coord").id and event.data["automatic"] is False


def test_docx_and_csv_self_evaluations(app: Flask, world: World) -> None:
    document = docx.Document()
    document.add_paragraph("자체평가서")
    table = document.add_table(rows=3, cols=4)
    for column, text in enumerate(["지표명", "자체평가 점수", "근거", "쪽"]):
        table.cell(0, column).text = text
    for column, text in enumerate(["리빙랩 운영 실적", "16", "과제 3건", "2"]):
        table.cell(1, column).text = text
    for column, text in enumerate(["디지털 포용", "24점", "AI 돌봄", "5"]):
        table.cell(2, column).text = text
    buffer = io.BytesIO()
    document.save(buffer)
    from_docx = _add(world.small, "자체평가서.docx", buffer.getvalue(), "self_evaluation")
    claims = _claims(from_docx.id)
    assert [(c.source_reference, c.indicator.code, c.claimed_points) for c in claims] == [  # type: ignore[union-attr]
        ("표 1 (1쪽) 2행", "INN-02", Decimal("16.00")),
        ("표 1 (1쪽) 3행", "INN-17", Decimal("24.00")),
    ]
    csv = "지표코드,실적,자체평가\r\nGOV-04,정원 5명,18\r\nSVC-99,없는 지표,10\r\n".encode("cp949")
    from_csv = _add(world.small, "자체평가.csv", csv, "self_evaluation")
    claims = _claims(from_csv.id)
    assert [(c.source_reference, c.indicator_ref, c.status) for c in claims] == [
        ("시트 '자체평가' 2행", "GOV-04", "pending"),
        ("시트 '자체평가' 3행", "SVC-99", "unmatched"),
    ]


def test_hwpx_self_evaluation_with_a_merged_two_row_header(app: Flask, world: World) -> None:
    document = HwpxDocument.new()
    document.add_paragraph("2026년 자체평가서")
    table = document.add_table(4, 4)
    for row, column, text in [
        (0, 0, "지표"),
        (0, 1, "자체평가"),
        (0, 3, "증빙자료"),
        (1, 1, "점수"),
        (1, 2, "근거"),
        (2, 0, "INN-01"),
        (2, 1, "40"),
        (2, 2, "시민단 150명"),
        (2, 3, "리빙랩 보고서.docx"),
        (3, 0, "GOV-03"),
        (3, 1, "30점"),
        (3, 2, "전담조직 운영"),
        (3, 3, "조례.hwpx"),
    ]:
        table.set_cell_text(row, column, text)
    table.merge_cells(0, 0, 1, 0)
    table.merge_cells(0, 1, 0, 2)
    table.merge_cells(0, 3, 1, 3)
    buffer = io.BytesIO()
    document.save_to_stream(buffer)
    stored = _add(world.large, "자체평가서.hwpx", buffer.getvalue(), "self_evaluation")
    claims = _claims(stored.id)
    assert [
        (c.source_reference, c.indicator.code, c.claimed_points, c.text, c.cited_document)  # type: ignore[union-attr]
        for c in claims
    ] == [
        ("표 1 (1쪽) 3행", "INN-01", Decimal("40.00"), "시민단 150명", "리빙랩 보고서.docx"),
        ("표 1 (1쪽) 4행", "GOV-03", Decimal("30.00"), "전담조직 운영", "조례.hwpx"),
    ]


def test_tables_that_are_not_claims_tables(app: Flask, world: World) -> None:
    """The demo application's tables ("항목 | 내용", "구분 | 서류명 | 파일") hold no claims."""
    path = DEMO / "hanbit" / "hanbit-application-2026.docx"
    document = _add(world.large, path.name, path.read_bytes(), "self_evaluation")
    assert _claims(document.id) == []
    assert document.doc_metadata["claims_import"] == "no_header"


def test_self_evaluation_that_is_not_a_table(app: Flask, world: World) -> None:
    document = _add(
        world.large, "자체평가.md", "# 자체평가\n\n지표 INN-01: 40점\n".encode(), "self_evaluation"
    )
    assert _claims(document.id) == []
    assert document.doc_metadata["claims_import"] == "no_tables"
    with pytest.raises(claims_import.NotATableDocument):
        claims_import.import_claims(document.id)


@pytest.mark.parametrize(
    ("text", "points", "problem"),
    [
        ("40", Decimal("40.00"), None),
        ("12.5점", Decimal("12.50"), None),
        ("１２．５", Decimal("12.50"), None),
        ("1,200", Decimal("1200.00"), None),
        ("4.26 [4.256]", Decimal("4.26"), None),
        ("", None, None),
        ("약 30", None, "점수 '약 30'을(를) 숫자로 읽지 못했습니다"),
        ("30/40", None, "점수 '30/40'을(를) 숫자로 읽지 못했습니다"),
    ],
)
def test_parse_points(text: str, points: Decimal | None, problem: str | None) -> None:
    assert parse_points(text) == (points, problem)


# ---------------------------------------------------------------- mapping an unknown layout


def _unknown_layout() -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "평가"
    ws.append(["가상시 제출 자료"])
    ws.append(["분야", "평가 대상", "배점", "자체 산정", "제출 서류", "위치"])
    ws.append(["혁신", "시민참여 거버넌스 운영", 40, 24, "리빙랩.docx", "3"])
    ws.append(["혁신", "리빙랩 운영 실적", 40, 16, "리빙랩.docx", "4"])
    ws.append(["거버넌스", "스마트도시 전담조직", 40, 24, "조례.hwpx", ""])
    return _xlsx(wb)


def test_unknown_layout_is_reported_with_a_link_to_the_mapping(
    app: Flask, world: World, client: FlaskClient
) -> None:
    document = _add(world.large, "평가표.xlsx", _unknown_layout(), "self_evaluation")
    assert _claims(document.id) == []
    assert document.doc_metadata["claims_import"] == "no_header"
    login(client, "coord")
    html = client.get(f"/documents/{document.id}").get_data(as_text=True)
    assert "헤더 행을 찾지 못했습니다: 열을 지정해 주십시오" in html
    assert f'href="/documents/{document.id}/claims/columns"' in html
    row = client.get(f"/documents/{document.id}/row").get_data(as_text=True)
    assert "헤더 행을 찾지 못했습니다: 열을 지정해 주십시오" in row


def _save_columns(client: FlaskClient, document_id: int, **form: str):  # type: ignore[no-untyped-def]
    token = csrf_token(client, f"/documents/{document_id}/claims/columns")
    return client.post(
        f"/documents/{document_id}/claims/columns", data={"csrf_token": token, **form}
    )


def test_mapping_page_saves_and_reuses_the_mapping(
    app: Flask, world: World, client: FlaskClient
) -> None:
    document = _add(world.large, "평가표.xlsx", _unknown_layout(), "self_evaluation")
    login(client, "coord")
    page = client.get(f"/documents/{document.id}/claims/columns")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "시트 &#39;평가&#39; 2행" in html and "자체 산정" in html
    response = _save_columns(
        client, document.id, table="0", row="1", indicator="1", points="3", document="4", page="5"
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/documents/{document.id}#claims")
    mapping = db.session.scalar(select(ClaimMapping))
    assert mapping is not None and mapping.round_id == world.round_id
    assert mapping.header == ["분야", "평가 대상", "배점", "자체 산정", "제출 서류", "위치"]
    assert mapping.columns == {"indicator": 1, "points": 3, "document": 4, "page": 5}
    claims = _claims(document.id)
    assert [(c.indicator.code, c.claimed_points, c.cited_page) for c in claims] == [  # type: ignore[union-attr]
        ("INN-01", Decimal("24.00"), "3"),
        ("INN-02", Decimal("16.00"), "4"),
        ("GOV-03", Decimal("24.00"), ""),
    ]
    view = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "자체평가·실적 항목 3건을 가져왔습니다. 지표와 연결되지 않은 행: 0건" in view
    # another applicant's table with the same header in the round: imported on upload
    other = _add(world.small, "솔내_평가표.xlsx", _unknown_layout(), "self_evaluation")
    assert [c.indicator.code for c in _claims(other.id)] == ["INN-01", "INN-02", "GOV-03"]  # type: ignore[union-attr]
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "claims.mapping"))


def test_mapping_page_is_for_coordinators(app: Flask, world: World, client: FlaskClient) -> None:
    document = _add(world.large, "평가표.xlsx", _unknown_layout(), "self_evaluation")
    login(client, "eva")  # assigned to this submission, but not a coordinator
    assert client.get(f"/documents/{document.id}/claims/columns").status_code == 403
    token = csrf_token(client, f"/documents/{document.id}")
    response = client.post(
        f"/documents/{document.id}/claims/columns",
        data={"csrf_token": token, "table": "0", "row": "1", "indicator": "1", "points": "3"},
    )
    assert response.status_code == 403
    response = client.post(f"/documents/{document.id}/claims/import", data={"csrf_token": token})
    assert response.status_code == 403
    assert db.session.scalar(select(ClaimMapping)) is None and _claims(document.id) == []


@pytest.mark.parametrize(
    "form",
    [
        {"row": "1", "indicator": "1"},  # no table
        {"table": "0", "indicator": "1", "points": "3"},  # no row
        {"table": "x", "row": "1", "indicator": "1", "points": "3"},
        {"table": "0", "row": "1", "indicator": "-1", "points": "3"},
        {"table": "0", "row": "1", "indicator": "one", "points": "3"},
        {"table": "0", "row": "1", "indicator": "9", "points": "3"},  # no such column
        {"table": "3", "row": "1", "indicator": "1", "points": "3"},  # no such table
        {"table": "0", "row": "99", "indicator": "1", "points": "3"},  # no such row
        {"table": "0", "row": "0", "indicator": "0", "points": "1"},  # a one-cell title row
        {"table": "0", "row": "1", "points": "3"},  # no indicator column
        {"table": "0", "row": "1", "indicator": "1", "document": "4"},  # nothing claimed
    ],
)
def test_malformed_mapping_form_is_400(
    app: Flask, world: World, client: FlaskClient, form: dict[str, str]
) -> None:
    document = _add(world.large, "평가표.xlsx", _unknown_layout(), "self_evaluation")
    login(client, "coord")
    assert _save_columns(client, document.id, **form).status_code == 400
    assert db.session.scalar(select(ClaimMapping)) is None


def test_import_again_on_request(app: Flask, world: World, client: FlaskClient) -> None:
    path = DEMO / "solnae" / "solnae-self-evaluation-2026.xlsx"
    document = _add(world.small, path.name, path.read_bytes(), "self_evaluation")
    ids = [c.id for c in _claims(document.id)]
    login(client, "coord")
    html = client.get(f"/documents/{document.id}").get_data(as_text=True)
    assert "자체평가·실적 항목 23건을 가져왔습니다" in html
    token = csrf_token(client, f"/documents/{document.id}")
    response = client.post(f"/documents/{document.id}/claims/import", data={"csrf_token": token})
    assert response.status_code == 302
    assert [c.id for c in _claims(document.id)] == ids


def test_upload_through_the_web_form_imports_claims(
    app: Flask, world: World, client: FlaskClient
) -> None:
    path = DEMO / "hanbit" / "hanbit-self-evaluation-2026.xlsx"
    login(client, "coord")
    response = upload(
        client, world.large, [(path.name, path.read_bytes())], doc_type="self_evaluation"
    )
    assert response.status_code == 302
    (document,) = db.session.scalars(select(Document).where(Document.submission_id == world.large))
    assert document.status == "ready" and len(_claims(document.id)) == 23


# ---------------------------------------------------------------- the command line


def test_cli_import_claims(app: Flask, world: World, runner) -> None:  # type: ignore[no-untyped-def]
    path = DEMO / "hanbit" / "hanbit-self-evaluation-2026.xlsx"
    document = _add(world.large, path.name, path.read_bytes(), "self_evaluation")
    result = runner.invoke(args=["import-claims", str(document.id), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"document_id": document.id, "claims": 23, "unmatched": 0}

    table = _add(world.small, "평가표.xlsx", _unknown_layout(), "self_evaluation")
    result = runner.invoke(args=["import-claims", str(table.id), "--json"])
    assert result.exit_code == 1 and "no claims header row" in result.output
    mapping = '{"indicator": 1, "points": 3, "document": 4, "page": 5}'
    result = runner.invoke(args=["import-claims", str(table.id), "--map", mapping, "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"document_id": table.id, "claims": 3, "unmatched": 0}
    saved = db.session.scalar(select(ClaimMapping))
    assert saved is not None and saved.header[1] == "평가 대상"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["999"], "no document 999"),
        (["{md}"], "not a table document"),
        (["{xlsx}", "--map", "{indicator: 1}"], "--map is not valid JSON"),
        (["{xlsx}", "--map", "[1, 2]"], "--map must be a JSON object"),
        (["{xlsx}", "--map", '{"indicator": 9, "points": 3}'], "column index 9 is out of range"),
        (["{xlsx}", "--map", '{"indicator": 1, "colour": 3}'], "unknown field"),
        (["{xlsx}", "--map", '{"indicator": "B", "points": 3}'], "a column index"),
    ],
)
def test_cli_import_claims_errors(  # type: ignore[no-untyped-def]
    app: Flask, world: World, runner, args: list[str], message: str
) -> None:
    md = _add(world.large, "자체평가.md", "# 자체평가\n\n본문\n".encode(), "self_evaluation")
    xlsx = _add(world.large, "평가표.xlsx", _unknown_layout(), "self_evaluation")
    args = [a.replace("{md}", str(md.id)).replace("{xlsx}", str(xlsx.id)) for a in args]
    result = runner.invoke(args=["import-claims", *args, "--json"])
    assert result.exit_code == 1, result.output
    assert message in result.output
    assert db.session.scalar(select(ClaimMapping)) is None


def test_cli_says_what_the_import_could_not_read(
    app: Flask, world: World, runner, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """The text reports name every row that is not a claim or not fully read, and ingest
    says what became of a self-evaluation's claims (or that no header row was found)."""
    document = _add(world.large, "자체평가_실적.xlsx", _other_layout(), "self_evaluation")
    result = runner.invoke(args=["import-claims", str(document.id)])
    assert result.exit_code == 0, result.output
    assert "unmatched: 시트 '실적표' 8행: INN-99 존재하지 않는 지표" in result.output
    assert "not a claim: 시트 '실적표' 13행: 합계 행" in result.output
    assert (
        "not read: 시트 '실적표' 12행: 점수 '약 30'을(를) 숫자로 읽지 못했습니다" in result.output
    )

    layout = tmp_path / "실적.xlsx"
    layout.write_bytes(_other_layout())
    unknown = tmp_path / "평가표.xlsx"
    unknown.write_bytes(_unknown_layout())
    result = runner.invoke(
        args=[
            "ingest",
            str(layout),
            str(unknown),
            "--submission",
            str(world.small),
            "--type",
            "self_evaluation",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "claims: 6 imported, 1 unmatched, 4 rows not fully read" in result.output
    assert "claims: none: no claims header row was found" in result.output
    # (a file the submission does not hold yet: the same bytes again would be a duplicate)
    demo_table = DEMO / "hanbit" / "hanbit-self-evaluation-2026.xlsx"
    result = runner.invoke(
        args=[
            "ingest",
            str(demo_table),
            "--submission",
            str(world.large),
            "--type",
            "self_evaluation",
            "--json",
        ]
    )
    row = json.loads(result.output.splitlines()[0])
    assert row["status"] == "ready", row
    assert row["claims"]["claims"] == 23 and row["claims"]["unmatched"] == 0
