"""Citations into spreadsheets name the sheet and rows, not "page N": search hits, evidence
links, the document view and the CLI, through the real app, index and extractors."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
from flask import Flask
from flask.testing import FlaskClient

from reviewapp.extensions import db
from reviewapp.models import Chunk, Document
from reviewapp.services import evidence
from reviewapp.services.places import Place, hit_place, place_at, place_of
from reviewapp.services.results import sheet_name
from tests.conftest import CORPUS, SHARED, World, login

from .helpers import bm25, indicators_of, ingest, user

NUMBER_FORMATS = SHARED / "fidelity-cases" / "xlsx_number_formats.xlsx"


@pytest.fixture()
def sheets(app: Flask, world: World, tmp_path: Path) -> dict[str, Document]:
    """The fidelity workbook (number formats) and a long two-sheet register with gaps."""
    if not NUMBER_FORMATS.exists():
        pytest.skip("fidelity case xlsx_number_formats.xlsx is not available")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "개요"
    ws["A1"] = "스마트도시 사업 대장"
    register = wb.create_sheet("사업대장")
    register.append(["번호", "사업명", "내용"])
    for row in range(2, 121):
        if row % 10 == 0:
            continue  # empty rows: the numbering of the sheet must survive them
        values = [
            f"R{row}",
            f"지능형 교통체계 {row}단계",
            "버스정보시스템과 주차정보를 통합하였다 " * 2,
        ]
        for column, value in enumerate(values, start=1):
            register.cell(row, column, value)
    path = tmp_path / "사업대장.xlsx"
    wb.save(path)
    docs = ingest([NUMBER_FORMATS, path], world.large)
    assert all(doc.status == "ready" for doc in docs), [doc.error for doc in docs]
    return {doc.filename: doc for doc in docs}


def test_search_finds_what_the_sheet_shows(sheets: dict[str, Document]) -> None:
    doc = sheets["xlsx_number_formats.xlsx"]
    for query in ("85.3%", "120,000,000,000원", "4.256"):
        hits = bm25(query, doc.submission_id)
        assert hits and hits[0].document_id == doc.id, query
    assert "85.3%" in doc.pages[0].text


def test_place_names_sheet_and_rows(sheets: dict[str, Document]) -> None:
    small = sheets["xlsx_number_formats.xlsx"]
    (chunk,) = small.chunks
    assert place_of(small, 1, chunk.id) == Place(1, "성과지표", (1, 5))
    assert place_of(small, 1) == Place(1, "성과지표")
    assert sheet_name(small, 1) == "성과지표"  # results.sheet_name still answers the exports
    assert place_of(small, 1, chunk.id).label == "시트 '성과지표' 1-5행"

    register = sheets["사업대장.xlsx"]
    assert register.doc_metadata["sheets"] == "개요 | 사업대장"
    chunks = [c for c in register.chunks if c.page == 2]
    assert len(chunks) > 3
    for chunk in chunks:
        place = place_at(register.id, 2, chunk.id)
        assert place.sheet == "사업대장" and place.rows is not None
        first, last = place.rows
        lines = [line for line in chunk.text.splitlines() if not line.startswith("# 시트")]
        assert lines[0].startswith("번호 |" if first == 1 else f"R{first} |"), (place, lines[0])
        assert lines[-1].startswith(f"R{last} |"), (place, lines[-1])
    assert place_at(register.id, 2, chunks[-1].id).rows[1] == 119  # type: ignore[index]


def test_other_documents_keep_their_page(app: Flask, world: World) -> None:
    (doc,) = ingest([CORPUS / "law-smart-city-act.md"], world.large)
    assert place_of(doc, 2, doc.chunks[-1].id) == Place(2)
    assert place_of(doc, 2).label == "2쪽"


def test_search_page_and_evidence_links_name_the_sheet(
    sheets: dict[str, Document], world: World, client: FlaskClient
) -> None:
    doc = sheets["xlsx_number_formats.xlsx"]
    login(client, "eva")
    html = client.get("/search", query_string={"q": "85.3%", "mode": "bm25"}).get_data(as_text=True)
    assert "시트 &#39;성과지표&#39; 2행" in html  # the row that matched, of the passage's 1-5

    (chunk,) = doc.chunks
    indicator = indicators_of(world)[0]
    evidence.link_passage(user("eva").id, world.large, indicator.id, chunk.id)
    page = f"/submissions/{world.large}/indicators/{indicator.code}"
    links = client.get(page + "/links").get_data(as_text=True)
    assert "xlsx_number_formats.xlsx, 시트 &#39;성과지표&#39; 1-5행" in links
    view = client.get(f"/documents/{doc.id}").get_data(as_text=True)
    assert "시트 &#39;성과지표&#39;</h2>" in view


def test_cli_search_names_the_sheet(sheets: dict[str, Document], world: World, runner) -> None:  # type: ignore[no-untyped-def]
    args = ["search", "85.3%", "--submission", str(world.large), "--mode", "bm25"]
    text = runner.invoke(args=args)
    assert text.exit_code == 0, text.output
    assert "xlsx_number_formats.xlsx, 시트 '성과지표' 2행" in text.output
    data = json.loads(runner.invoke(args=[*args, "--json"]).output.strip().splitlines()[-1])
    top = data["hits"][0]
    assert top["document"] == "xlsx_number_formats.xlsx"
    assert top["page"] == 1 and top["place"] == "시트 '성과지표' 2행"
    assert top["snippet"] == "스마트서비스 이용률 | 85.3%"


def test_rows_are_left_out_when_the_record_does_not_match(sheets: dict[str, Document]) -> None:
    """A sheet indexed before rows were recorded, or whose text was changed: sheet only."""
    doc = sheets["xlsx_number_formats.xlsx"]
    (chunk,) = doc.chunks
    doc.doc_metadata = {**doc.doc_metadata, "sheet_rows": "1-9"}
    db.session.commit()
    assert place_of(doc, 1, chunk.id) == Place(1, "성과지표")
    doc.doc_metadata = {k: v for k, v in doc.doc_metadata.items() if k != "sheet_rows"}
    db.session.commit()
    assert place_of(doc, 1, chunk.id) == Place(1, "성과지표")
    assert db.session.get(Chunk, chunk.id) is not None


def test_a_sheet_hit_cites_and_shows_the_row_that_matched(
    sheets: dict[str, Document], world: World, client: FlaskClient
) -> None:
    """A passage of the register spans many rows; a hit on one of them names that row and
    shows it alone, not the passage's range: "주차정보" is in every row, "R57" in one."""
    register = sheets["사업대장.xlsx"]
    (hit,) = [h for h in bm25("R57 주차정보", world.large) if h.document_id == register.id][:1]
    whole = place_at(register.id, hit.page, hit.chunk_id)
    assert whole.rows is not None and whole.rows[0] <= 57 <= whole.rows[1]
    assert whole.rows[1] - whole.rows[0] >= 5  # the passage spans many rows
    found = hit_place(hit)
    assert found.place == Place(2, "사업대장", (57, 57))
    assert found.snippet.startswith("<mark>R57</mark> | 지능형 교통체계 <mark>57</mark>단계")
    assert "R56" not in found.snippet and "R58" not in found.snippet
    login(client, "eva")
    html = client.get("/search", query_string={"q": "R57 주차정보", "mode": "bm25"}).get_data(
        as_text=True
    )
    assert "시트 &#39;사업대장&#39; 57행" in html
    other = sheets["xlsx_number_formats.xlsx"]
    (chunk,) = other.chunks
    assert place_of(other, 1, chunk.id).label == "시트 '성과지표' 1-5행"  # links keep the range


def test_an_excel_download_in_html_is_cited_by_sheet_and_a_web_page_by_page(
    app: Flask, world: World, tmp_path: Path
) -> None:
    """The "Excel download" (an HTML table named .xls) is a sheet named after the file, as
    Excel opens it (the file also declares Excel's namespace); a web page with a table,
    saved as .html, stays a web page cited by page."""
    source = SHARED / "fidelity-cases" / "html_as_xls.xls"
    if not source.exists():
        pytest.skip("fidelity case html_as_xls.xls is not available")
    page = tmp_path / "사업목록.html"
    page.write_text(
        "<html><body><h1>사업 목록</h1><table><tr><td>스마트 가로등</td><td>100,000</td></tr>"
        "</table></body></html>",
        encoding="utf-8",
    )
    download, web = ingest([source, page], world.large)
    (chunk,) = download.chunks
    assert download.detected_type == "html"
    assert place_of(download, 1, chunk.id) == Place(1, "html_as_xls", (1, 3))
    (hit,) = [h for h in bm25("지능형 CCTV", world.large) if h.document_id == download.id]
    assert hit_place(hit).place.label == "시트 'html_as_xls' 3행"
    (web_chunk,) = web.chunks
    assert place_of(web, 1, web_chunk.id) == Place(1)
