"""Pages whose text may not be what they print are marked where evaluators read them: the
document view (a badge and the reason, in Korean) and search hits (a small marker).

A real upload through the pipeline with OCR off: page 1 a corpus text page, page 2 the shared
scan under a digital stamp (its scanned lines are not in the text layer); real whoosh index.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import docx
import pypdfium2 as pdfium
import pytest
from docx.shared import Inches
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image

from extractors.ocr import tesseract_available
from reviewapp.extensions import db
from reviewapp.models import Document
from reviewapp.services import uploads
from tests.conftest import SHARED, World, login
from tests.reviewapp.helpers import SPRI, ingest

STAMP_SCAN = SHARED / "fidelity-cases" / "pdf_scan_with_stamp.pdf"
BADGE = "텍스트 확인 필요"
REASON = "이미지(스캔)로 된 쪽인데 OCR로 읽지 않아"


def _text_page_and_scan(tmp_path: Path) -> bytes:
    doc = pdfium.PdfDocument.new()
    doc.import_pages(pdfium.PdfDocument(str(SPRI)), [4])
    doc.import_pages(pdfium.PdfDocument(str(STAMP_SCAN)), [0])
    path = tmp_path / "mixed.pdf"
    doc.save(str(path))
    return path.read_bytes()


def _upload_without_ocr(app: Flask, world: World, tmp_path: Path) -> Document:
    app.config["OCR_ENABLED"] = False
    (outcome,) = uploads.add_upload(
        world.large, "실적보고_스캔.pdf", io.BytesIO(_text_page_and_scan(tmp_path))
    ).outcomes
    document = db.session.get(Document, outcome.document_id)
    assert document is not None and document.status == "ready", document and document.error
    return document


def test_document_view_marks_the_scanned_page_with_its_reason(
    app: Flask, world: World, client: FlaskClient, tmp_path: Path
) -> None:
    document = _upload_without_ocr(app, world, tmp_path)
    assert [p.suspect_reason for p in document.pages] == ["", "scan"]
    login(client, "admin")
    html = client.get(f"/documents/{document.id}").get_data(as_text=True)
    page1 = html[html.index('id="page-1"') : html.index('id="page-2"')]
    page2 = html[html.index('id="page-2"') :]
    assert BADGE not in page1 and REASON not in page1
    assert BADGE in page2 and REASON in page2
    assert f"/documents/{document.id}/original#page=2" in page2


def test_search_hit_on_a_suspect_page_carries_the_marker(
    app: Flask, world: World, client: FlaskClient, tmp_path: Path
) -> None:
    _upload_without_ocr(app, world, tmp_path)
    login(client, "admin")
    stamp = client.get("/search", query_string={"q": "문서확인번호", "mode": "bm25"})
    html = stamp.get_data(as_text=True)
    assert "문서확인번호" in html and BADGE in html and REASON in html  # reason as the title
    text = client.get("/search", query_string={"q": "히로시마", "mode": "bm25"})
    html = text.get_data(as_text=True)
    assert "히로시마" in html and BADGE not in html


def test_cli_extract_says_which_pages_to_check(app: Flask, tmp_path: Path) -> None:
    path = tmp_path / "mixed.pdf"
    path.write_bytes(_text_page_and_scan(tmp_path))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["extract", str(path), "--json", "--no-ocr"])
    assert result.exit_code == 0, result.output
    pages = json.loads(result.stdout)["pages"]
    assert "suspect" not in pages[0] and pages[1]["suspect"] == "scan"
    plain = runner.invoke(args=["extract", str(path), "--no-ocr"])
    assert "--- page 1 ---" in plain.stdout
    assert "--- page 2 (check the text: the printed content is an image" in plain.stdout


def test_cli_extract_json_says_which_pages_are_ocr_and_counts_decode_errors(
    app: Flask, tmp_path: Path
) -> None:
    """``--json`` carries each page's ``ocr`` flag and the file's ``decode_errors``: a UTF-8
    CSV with two pasted CP949 sequences counts 2, a clean file 0; a scan PDF with OCR off
    has no OCR page."""
    runner = app.test_cli_runner()
    bad = tmp_path / "실적.csv"
    bad.write_bytes(
        "항목,값\n방범 CCTV,1250\n".encode()
        + "비고,".encode()
        + "※".encode("cp949")
        + ",끝\n".encode()
        + "단위,".encode()
        + "㎡".encode("cp949")
        + b"\n"
    )
    payload = json.loads(runner.invoke(args=["extract", str(bad), "--json"]).stdout)
    assert payload["decode_errors"] == 2 and payload["pages"][0]["ocr"] is False
    good = tmp_path / "ok.txt"
    good.write_text("스마트도시 통합운영센터", encoding="utf-8")
    assert (
        json.loads(runner.invoke(args=["extract", str(good), "--json"]).stdout)["decode_errors"]
        == 0
    )
    path = tmp_path / "mixed.pdf"
    path.write_bytes(_text_page_and_scan(tmp_path))
    pages = json.loads(runner.invoke(args=["extract", str(path), "--json", "--no-ocr"]).stdout)[
        "pages"
    ]
    assert [p["ocr"] for p in pages] == [False, False]


def test_cli_extract_json_marks_ocr_pages(app: Flask) -> None:
    """The shared clean scan, OCR'd: its page says ``"ocr": true``."""
    if not tesseract_available():
        pytest.skip("tesseract is not installed")
    scan = SHARED / "fidelity-cases" / "ocr_clean_page.png"
    result = app.test_cli_runner().invoke(args=["extract", str(scan), "--json"])
    assert [p["ocr"] for p in json.loads(result.stdout)["pages"]] == [True]


def test_document_view_says_pasted_pictures_were_not_read(
    world: World, client: FlaskClient, tmp_path: Path
) -> None:
    """A DOCX whose second page is a pasted screenshot: the view says how many pictures were
    not read and on which pages, and marks that page; a search hit there carries the marker."""
    picture = io.BytesIO()
    Image.new("RGB", (600, 300), "white").save(picture, format="PNG")
    picture.seek(0)
    document = docx.Document()
    document.add_paragraph("가온시 통합운영센터 운영 현황")
    document.add_page_break()
    document.add_paragraph("캡처한 관제 실적표")
    document.add_picture(picture, width=Inches(5))
    path = tmp_path / "캡처.docx"
    document.save(str(path))
    (doc,) = ingest([path], world.large)
    assert [p.suspect_reason for p in doc.pages] == ["", "images"]
    login(client, "admin")
    html = client.get(f"/documents/{doc.id}").get_data(as_text=True)
    assert "이 문서에 붙여 넣은 이미지 1개의 글자는 읽지 않았습니다" in html and "(2쪽)" in html
    page2 = html[html.index('id="page-2"') :]
    assert BADGE in page2 and "그림 속 글자는 읽지 않았습니다" in page2
    hits = client.get("/search", query_string={"q": "관제 실적표", "mode": "bm25"})
    assert BADGE in hits.get_data(as_text=True)
