"""A passage on a scanned page (issue 17): located among tesseract's word boxes
(services/ocr_marks.py) and drawn over the page in the preview, or shown beside it when it
cannot be located safely. The real scanned SPRi pages (shared corpus), OCR'd as uploaded."""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from extractors.ocr import OcrWords, tesseract_available
from reviewapp.extensions import db
from reviewapp.models import Chunk, Document, Page
from reviewapp.services import ocr_marks
from reviewapp.services.highlight import normalize
from tests.conftest import CORPUS, FRAMEWORK, PASSWORD, SHARED, login, make_app

SCAN = CORPUS / "spri-ai-brief-scanned-p5-6.pdf"
IMAGE = SHARED / "fidelity-cases" / "ocr_clean_page.png"  # a one-page scan as a PNG

pytestmark = pytest.mark.skipif(
    not tesseract_available() or not SCAN.exists() or not IMAGE.exists(),
    reason=f"tesseract is not installed or {SCAN.name} or {IMAGE.name} is not in shared/",
)


@dataclass
class Scan:
    app: Flask
    document_id: int
    chunks: dict[int, list[int]]  # page -> chunk ids
    image_id: int
    image_chunks: list[int]


@pytest.fixture(scope="module")
def scan(tmp_path_factory: pytest.TempPathFactory) -> Scan:
    from reviewapp.services import accounts, pipeline, rounds, uploads
    from reviewapp.services.frameworks import import_framework

    app = make_app(tmp_path_factory.mktemp("scan"), JOBS_IMMEDIATE=True, EMBEDDINGS_ENABLED=False)
    with app.app_context():
        accounts.create_user("eva", PASSWORD, "evaluator")
        r = rounds.create_round("2026 인증", import_framework(FRAMEWORK).id)
        submission = rounds.add_applicant(r.id, "한빛시", 1_020_000).submission_id
        rounds.assign(submission, "eva")
        ready = []
        for path in (SCAN, IMAGE):
            (row,) = uploads.ingest_paths([path], submission, enqueue_jobs=False)
            document = pipeline.process_inline(row.document_id)
            assert document.status == "ready", document.error
            pages = db.session.scalars(select(Page).where(Page.document_id == document.id))
            assert all(p.ocr for p in pages)
            ready.append(document)
        chunks: dict[int, list[int]] = {}
        for chunk in sorted(ready[0].chunks, key=lambda c: c.id):
            chunks.setdefault(chunk.page, []).append(chunk.id)
        image_chunks = sorted(c.id for c in ready[1].chunks)
        made = Scan(app, ready[0].id, chunks, ready[1].id, image_chunks)
        db.session.remove()
    return made


def _passage(chunk: Chunk) -> str:
    text = db.session.scalar(
        select(Page.text).where(Page.document_id == chunk.document_id, Page.number == chunk.page)
    )
    assert text
    return text[chunk.start_char : chunk.end_char]


def test_every_passage_of_a_scanned_page_is_boxed_where_it_is(scan: Scan) -> None:
    """Each passage of page 1 is located, and the boxed words are the passage (give or take
    the words a passage starts or ends inside): never another place on the page."""
    with scan.app.app_context():
        document = db.session.get(Document, scan.document_id)
        assert document is not None
        located = 0
        for chunk_id in scan.chunks[1]:
            chunk = db.session.get(Chunk, chunk_id)
            assert chunk is not None
            found = ocr_marks.marks_for(document, chunk)
            if not found.marks:
                continue
            located += 1
            boxed = normalize("".join(m.text for m in found.marks))[0]
            needle = normalize(_passage(chunk))[0]
            if found.cover == 1.0:
                assert needle in boxed and len(boxed) - len(needle) <= 20, (needle, boxed)
            for m in found.marks:
                assert m.left >= 0 and m.left + m.width <= 1.0001
                assert m.top >= 0 and m.top + m.height <= 1.0001
                assert m.width > 0 and m.height > 0
        assert located == len(scan.chunks[1]), f"{located} of {len(scan.chunks[1])} boxed"


def test_words_are_read_once_then_from_the_cache(
    scan: Scan, monkeypatch: pytest.MonkeyPatch
) -> None:
    with scan.app.app_context():
        document = db.session.get(Document, scan.document_id)
        assert document is not None
        first = ocr_marks.page_words(document, 1)
        cached = ocr_marks._cache_path(document, 1)
        assert first.words and cached.is_file()
        assert cached.is_relative_to(Path(scan.app.config["DATA_DIR"]) / "ocr-words")

        def no_tesseract(image: object) -> OcrWords:
            raise AssertionError("read again: the cache was not used")

        monkeypatch.setattr(ocr_marks, "read_words", no_tesseract)
        assert ocr_marks.page_words(document, 1) == first


def test_a_passage_the_words_do_not_hold_gets_no_box(scan: Scan) -> None:
    with scan.app.app_context():
        document = db.session.get(Document, scan.document_id)
        assert document is not None
        words = ocr_marks.page_words(document, 1)
        other = db.session.get(Chunk, scan.chunks[2][0])
        assert other is not None
        # page 2's passage against page 1's words; a few common words are not the passage
        assert ocr_marks.locate_words(_passage(other), words).marks == ()
        assert (
            ocr_marks.locate_words("인공지능 위험 관리를 위한 국가 예산 120억원", words).marks == ()
        )
        assert ocr_marks.locate_words("", words).marks == ()


def test_the_marks_endpoint_answers_boxes_and_refuses_foreign_passages(scan: Scan) -> None:
    client = scan.app.test_client()
    login(client, "eva")
    chunk_id = scan.chunks[1][0]
    response = client.get(f"/documents/{scan.document_id}/ocr-marks?chunk={chunk_id}")
    assert response.status_code == 200 and response.is_json
    body = response.get_json()
    assert body["marks"] and body["cover"] >= 0.75 and body["reason"] == ""
    assert set(body["marks"][0]) == {"left", "top", "width", "height", "text"}
    assert client.get(f"/documents/{scan.document_id}/ocr-marks").status_code == 404
    assert client.get(f"/documents/{scan.document_id}/ocr-marks?chunk=999999").status_code == 404
    anonymous = scan.app.test_client().get(
        f"/documents/{scan.document_id}/ocr-marks?chunk={chunk_id}"
    )
    assert anonymous.status_code == 302


# -- in a real Chromium ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server(scan: Scan) -> Iterator[str]:
    from werkzeug.serving import make_server

    httpd = make_server("127.0.0.1", 0, scan.app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}"
    finally:
        httpd.shutdown()
        thread.join(timeout=10)
        httpd.server_close()


@contextmanager
def _eva_page(server: str, browser):  # type: ignore[no-untyped-def]
    """A 1280 x 800 page logged in as eva (60 s timeouts: the first reading of a page runs
    tesseract), with the list its page errors collect; the context closes after."""
    context = browser.new_context(
        base_url=server, locale="ko-KR", viewport={"width": 1280, "height": 800}
    )
    context.set_default_timeout(60_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto("/login")
        page.get_by_label("아이디").fill("eva")
        page.get_by_label("비밀번호").fill(PASSWORD)
        page.locator("main form button[type=submit]").click()
        page.wait_for_url(re.compile(r"/rounds$"))
        yield page, errors
    finally:
        context.close()


@pytest.mark.browser
def test_the_viewer_draws_the_passage_on_the_scanned_page_or_shows_it_beside(
    scan: Scan, server: str, browser
) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    expect.set_options(timeout=60_000)  # the first reading of a page runs tesseract
    with _eva_page(server, browser) as (page, errors):
        chunk_id = scan.chunks[1][-1]
        page.goto(f"/documents/{scan.document_id}?chunk={chunk_id}")
        view = page.locator("#doc-viewer .pdf-view")
        expect(view).to_have_attribute("data-state", "highlighted")
        expect(view).to_have_attribute("data-highlight", "ocr")
        marks = page.locator("#doc-viewer .ocr-layer mark.hl")
        expect(marks.first).to_be_visible()
        with scan.app.app_context():
            chunk = db.session.get(Chunk, chunk_id)
            assert chunk is not None
            needle = normalize(_passage(chunk))[0]
        boxed = normalize("".join(marks.all_text_contents()))[0]
        assert needle in boxed or boxed in needle, (needle, boxed)
        canvas = page.locator("#doc-viewer .pdf-page canvas").bounding_box()
        assert canvas is not None
        for i in range(marks.count()):
            box = marks.nth(i).bounding_box()
            assert box is not None
            assert (
                canvas["x"] - 1 <= box["x"]
                and box["x"] + box["width"] <= canvas["x"] + canvas["width"] + 1
            )
            assert (
                canvas["y"] - 1 <= box["y"]
                and box["y"] + box["height"] <= canvas["y"] + canvas["height"] + 1
            )
        expect(page.locator("#doc-viewer .passage-beside")).to_be_hidden()
        if os.environ.get("REVIEWAPP_SCREENSHOTS"):  # as tests/reviewapp/test_browser_workbench
            marks.first.scroll_into_view_if_needed()
            shots = Path(os.environ["REVIEWAPP_SCREENSHOTS"])
            shots.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(shots / "scanned-page-ocr-highlight.png"))

        # a page whose words do not hold the passage (its cached reading emptied here, as a
        # reading too poor to match would be): no box, the passage beside the page
        with scan.app.app_context():
            document = db.session.get(Document, scan.document_id)
            assert document is not None
            cache = ocr_marks._cache_path(document, 2)
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_text(json.dumps({"width": 2000, "height": 3000, "words": []}), "utf-8")
        page.goto(f"/documents/{scan.document_id}?chunk={scan.chunks[2][0]}")
        view = page.locator("#doc-viewer .pdf-view")
        expect(view).to_have_attribute("data-state", "beside")
        expect(page.locator("#doc-viewer .passage-beside")).to_be_visible()
        expect(page.locator("#doc-viewer .ocr-layer mark")).to_have_count(0)
        assert not errors, errors


@pytest.mark.browser
def test_a_scanned_image_is_shown_with_the_passage_boxed_or_its_text_beside(
    scan: Scan, server: str, browser
) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    expect.set_options(timeout=60_000)  # the first reading of a page runs tesseract
    with _eva_page(server, browser) as (page, errors):
        chunk_id = scan.image_chunks[0]
        page.goto(f"/documents/{scan.image_id}?chunk={chunk_id}")
        view = page.locator("#doc-viewer .scan-view")
        expect(view).to_have_attribute("data-state", "highlighted")
        expect(page.locator("#doc-viewer .scan-page img")).to_be_visible()
        marks = page.locator("#doc-viewer .ocr-layer mark.hl")
        expect(marks.first).to_be_visible()
        with scan.app.app_context():
            chunk = db.session.get(Chunk, chunk_id)
            assert chunk is not None
            needle = normalize(_passage(chunk))[0]
        boxed = normalize("".join(marks.all_text_contents()))[0]
        assert needle in boxed or boxed in needle, (needle, boxed)
        image = page.locator("#doc-viewer .scan-page img").bounding_box()
        first = marks.first.bounding_box()
        assert image is not None and first is not None
        assert (
            image["x"] <= first["x"]
            and first["x"] + first["width"] <= image["x"] + image["width"] + 1
        )
        assert (
            image["y"] <= first["y"]
            and first["y"] + first["height"] <= image["y"] + image["height"] + 1
        )
        expect(page.locator("#doc-viewer .scan-text")).to_be_hidden()

        # its words emptied (as a reading too poor to match): the OCR text beside, marked
        with scan.app.app_context():
            document = db.session.get(Document, scan.image_id)
            assert document is not None
            cache = ocr_marks._cache_path(document, 1)
        cache.write_text(json.dumps({"width": 1000, "height": 1000, "words": []}), "utf-8")
        page.reload()
        expect(view).to_have_attribute("data-state", "beside")
        expect(page.locator("#doc-viewer .passage-beside")).to_be_visible()
        text = page.locator("#doc-viewer .scan-text mark.passage")
        expect(text).to_be_visible()
        assert normalize(text.inner_text())[0] == needle
        expect(page.locator("#doc-viewer .ocr-layer mark")).to_have_count(0)
        assert not errors, errors
