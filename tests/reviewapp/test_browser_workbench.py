"""The evaluator's workbench in a real Chromium (Playwright, /usr/bin/chromium): the preview
pane shows a cited PDF passage highlighted on its page (PDF.js, vendored), a DOCX passage
marked in its page text; single-key shortcuts act in the passage list and never while typing;
no horizontal scroll at 1280 and 1024 px, and the score card in view at 1280 x 800.

Real documents of the demo applicant (a Korean PDF and a DOCX) are ingested inline. With
REVIEWAPP_SCREENSHOTS=DIR the tests also save the workbench's screenshots there (the README
links the ones in bench/results/).
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")

if not CHROMIUM.is_file():
    pytest.skip(
        f"{CHROMIUM} is missing: browser tests need Debian's chromium", allow_module_level=True
    )

from flask import Flask  # noqa: E402
from playwright.sync_api import Browser, Page, expect  # noqa: E402
from sqlalchemy import select  # noqa: E402
from werkzeug.serving import BaseWSGIServer, make_server  # noqa: E402

from reviewapp.extensions import db  # noqa: E402
from reviewapp.models import Chunk, EvidenceLink, Indicator, SuggestionDecision, User  # noqa: E402
from reviewapp.services import evidence  # noqa: E402
from reviewapp.services.highlight import normalize  # noqa: E402
from tests.conftest import FRAMEWORK, PASSWORD, ROOT, make_app  # noqa: E402

pytestmark = pytest.mark.browser

DEMO = ROOT / "demo" / "documents" / "hanbit"
PDF = DEMO / "hanbit-smart-city-plan-summary-2026.pdf"
DOCX = DEMO / "hanbit-living-lab-report-2025.docx"
HUB = "SVC-07"  # 도시 데이터 허브: the PDF's page 5
TRAFFIC = "SVC-09"  # 교통 분야 스마트 서비스: suggestions on the PDF's pages 2 and 5
TIMEOUT_MS = 20_000
SHOTS = os.environ.get("REVIEWAPP_SCREENSHOTS")


@dataclass
class Site:
    app: Flask
    base_url: str
    large: int
    pdf_id: int
    docx_id: int


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    from reviewapp.services import accounts, pipeline, rounds, uploads
    from reviewapp.services.frameworks import import_framework

    app = make_app(tmp_path_factory.mktemp("wb"), JOBS_IMMEDIATE=True, EMBEDDINGS_ENABLED=False)
    with app.app_context():
        accounts.create_user("eva", PASSWORD, "evaluator")
        r = rounds.create_round("2026 인증", import_framework(FRAMEWORK).id)
        large = rounds.add_applicant(r.id, "한빛시", 1_020_000).submission_id
        rounds.assign(large, "eva")
        ids = []
        for path in (PDF, DOCX):
            (row,) = uploads.ingest_paths([path], large, enqueue_jobs=False)
            document = pipeline.process_inline(row.document_id)
            assert document.status == "ready", document.error
            ids.append(document.id)
        db.session.remove()
    server: BaseWSGIServer = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Site(app, f"http://127.0.0.1:{server.server_port}", large, ids[0], ids[1])
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


def open_page(
    browser: Browser, site: Site, width: int = 1280, height: int = 800, username: str = "eva"
) -> Page:
    expect.set_options(timeout=TIMEOUT_MS)
    context = browser.new_context(
        base_url=site.base_url, locale="ko-KR", viewport={"width": width, "height": height}
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(f"JavaScript: {exc}"))
    page.on("console", lambda m: errors.append(m.text) if "Content Security" in m.text else None)
    page.errors = errors  # type: ignore[attr-defined]
    page.goto("/login")
    page.get_by_label("아이디").fill(username)
    page.get_by_label("비밀번호").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/rounds$"))
    return page


@pytest.fixture()
def page(browser: Browser, site: Site) -> Iterator[Page]:
    page = open_page(browser, site)
    try:
        yield page
    finally:
        page.context.close()
    assert not page.errors, page.errors  # type: ignore[attr-defined]


def indicator_url(site: Site, code: str, tab: str = "") -> str:
    return f"/submissions/{site.large}/indicators/{code}" + (f"?tab={tab}" if tab else "")


def chunk_of(site: Site, chunk_id: int) -> Chunk:
    with site.app.app_context():
        chunk = db.session.get(Chunk, chunk_id)
        assert chunk is not None
        db.session.expunge(chunk)
        db.session.remove()
        return chunk


def squeeze(text: str) -> str:
    return normalize(text)[0]


def shoot(page: Page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / name))


def test_pdf_citation_opens_the_page_with_the_passage_highlighted(page: Page, site: Site) -> None:
    page.goto(indicator_url(site, HUB, "search"))
    hits = page.locator("#indicator-search #hits .hit")
    expect(hits.first).to_be_visible()
    hub = hits.filter(has=page.locator(".snippet mark", has_text="허브")).first
    chunk_id = int((hub.get_attribute("id") or "").removeprefix("hit-"))
    chunk = chunk_of(site, chunk_id)
    assert chunk.document_id == site.pdf_id
    url = page.url

    hub.locator("[data-cite]").click()
    view = page.locator("#preview .pdf-view")
    expect(view).to_have_attribute("data-state", "highlighted")
    assert page.url == url  # in place: the page did not change
    expect(page.locator("#preview .preview-label")).to_have_text(f"{chunk.page}쪽")
    expect(view).to_have_attribute("data-page", str(chunk.page))
    expect(page.locator("#preview .pdf-page canvas")).to_be_visible()
    # the highlighted text is the cited passage, on the drawn page
    marked = "".join(page.locator("#preview mark.hl").all_text_contents())
    passage = page_text_of(site, chunk)
    assert squeeze(marked) == squeeze(passage)
    expect(page.locator("#preview .passage-beside")).to_be_hidden()
    expect(page.locator("#preview mark.hl").first).to_be_in_viewport()
    expect(page.locator("#preview").get_by_role("link", name="원본 내려받기")).to_have_attribute(
        "href", f"/documents/{site.pdf_id}/original"
    )
    expect(page.locator("#wb-announce")).to_contain_text("미리보기")
    shoot(page, "workbench-1280-pdf.png")

    # zoom: + draws the page wider (scrolled inside its own box, not the window), the passage
    # highlighted again and in view; fit width draws it back at the column's width
    canvas = page.locator("#preview .pdf-page canvas")
    fit = (canvas.bounding_box() or {})["width"]
    page.get_by_role("button", name="확대", exact=True).click()
    page.get_by_role("button", name="확대", exact=True).click()
    expect(page.locator("#preview .zoom-level")).to_have_text("150%")
    expect(view).to_have_attribute("data-state", "highlighted")
    wide = (canvas.bounding_box() or {})["width"]
    assert wide > fit * 1.4, (fit, wide)
    marked = "".join(page.locator("#preview mark.hl").all_text_contents())
    assert squeeze(marked) == squeeze(passage)
    expect(page.locator("#preview mark.hl").first).to_be_in_viewport()
    shoot(page, "workbench-1280-pdf-zoom.png")
    # the highlight lies over the passage's text: its box inside the drawn page
    hl = page.locator("#preview mark.hl").first.bounding_box()
    holder = page.locator("#preview .pdf-page").bounding_box()
    assert hl and holder and holder["x"] <= hl["x"] <= holder["x"] + holder["width"]
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    page.get_by_role("button", name="축소", exact=True).click()
    expect(page.locator("#preview .zoom-level")).to_have_text("125%")
    page.get_by_role("button", name="폭 맞춤").click()
    expect(page.locator("#preview .zoom-level")).to_have_text("100%")
    expect(view).to_have_attribute("data-state", "highlighted")
    assert abs((canvas.bounding_box() or {})["width"] - fit) < 3

    # the next page of the same PDF, without a passage: drawn, nothing highlighted
    if chunk.page < 6:
        page.locator("#preview").get_by_role("link", name=re.compile("다음 쪽")).click()
        expect(page.locator("#preview .pdf-view")).to_have_attribute("data-state", "shown")
        expect(page.locator("#preview mark.hl")).to_have_count(0)


def page_text_of(site: Site, chunk: Chunk) -> str:
    from reviewapp.models import Page as PageRow

    with site.app.app_context():
        text = db.session.scalar(
            select(PageRow.text).where(
                PageRow.document_id == chunk.document_id, PageRow.number == chunk.page
            )
        )
        db.session.remove()
    assert text
    return text[chunk.start_char : chunk.end_char]


def test_docx_citation_marks_the_passage_in_its_page_text(page: Page, site: Site) -> None:
    page.goto(indicator_url(site, HUB, "search"))
    page.locator("#ind-q").fill("리빙랩 시민단")
    # the form's search (tab=search), not the list's first load, which may answer later
    with page.expect_response(lambda r: "/hits" in r.url and "tab=search" in r.url):
        page.locator("#ind-q").press("Enter")
    group = page.locator("#hits .doc-hits", has_text=DOCX.name)
    hit = group.locator(".hit").first
    expect(hit).to_be_attached()
    for _ in range(5):  # ten hits at a time: "more" until the DOCX's first one shows
        if hit.is_visible():
            break
        page.locator("#indicator-search button.more").click()
    expect(hit).to_be_visible()
    chunk = chunk_of(site, int((hit.get_attribute("id") or "").removeprefix("hit-")))
    assert chunk.document_id == site.docx_id

    hit.locator("[data-cite]").click()
    mark = page.locator("#preview mark.passage")
    expect(mark).to_be_visible()
    assert squeeze(mark.inner_text()) == squeeze(page_text_of(site, chunk))
    expect(mark).to_be_in_viewport()
    label = page.locator("#preview .preview-label")
    expect(label).to_have_text(f"{chunk.page}쪽")
    expect(page.locator("#preview .preview-place")).to_contain_text("추정")  # estimated pages
    expect(page.locator("#preview .pdf-view")).to_have_count(0)


def test_keyboard_accepts_and_links_only_from_the_list(page: Page, site: Site) -> None:
    page.goto(indicator_url(site, TRAFFIC, "suggested"))
    first = page.locator("#suggestions .hit").first
    expect(first).to_be_visible()
    first_id = int((first.get_attribute("id") or "").removeprefix("sugg-"))

    # typing "a" in the search box decides nothing
    page.locator("#tab-search").click()
    page.locator("#ind-q").fill("")
    page.locator("#ind-q").press("a")
    page.locator("#ind-q").press("j")
    expect(page.locator("#ind-q")).to_have_value("aj")
    assert decisions(site) == []

    # in the suggestion list: j selects the first passage, a accepts it (announced)
    page.locator("#tab-suggested").click()
    page.locator("#suggested").focus()
    page.keyboard.press("j")
    expect(page.locator(f"#sugg-{first_id}")).to_be_focused()
    expect(page.locator("#wb-announce")).to_contain_text("1/")
    with page.expect_response(lambda r: r.request.method == "POST" and "/suggestions" in r.url):
        page.keyboard.press("a")
    expect(page.locator(f"#sugg-{first_id} .badge.accepted")).to_be_visible()
    assert decisions(site) == [(first_id, "accepted")]

    # after the list is redrawn the focus stays on the same passage, and no column scrolls:
    # the next keys act at once (j moves on, r rejects the next passage)
    expect(page.locator(f"#sugg-{first_id}")).to_be_focused()
    assert page.evaluate("document.getElementById('wb-left').scrollTop") == 0
    page.keyboard.press("j")
    second = page.locator("#suggestions .hit.passage-current")
    expect(second).to_be_focused()
    second_id = int((second.get_attribute("id") or "").removeprefix("sugg-"))
    assert second_id != first_id
    with page.expect_response(lambda r: r.request.method == "POST" and "/suggestions" in r.url):
        page.keyboard.press("r")
    expect(page.locator("#suggested .passage-current")).to_be_focused()
    assert (second_id, "rejected") in decisions(site)
    assert page.evaluate("document.getElementById('wb-left').scrollTop") == 0
    with page.expect_response(lambda r: r.request.method == "POST" and "/suggestions" in r.url):
        page.locator("details.rejected summary").click()
        page.locator(f"#rejected-{second_id} button.undo").click()
    assert (second_id, "rejected") not in decisions(site)

    # o opens the focused passage in the preview
    page.locator("#suggested").focus()
    page.keyboard.press("j")
    page.keyboard.press("o")
    expect(page.locator("#preview #preview-body")).to_be_visible()

    # in the search list: l links the focused hit
    page.locator("#tab-search").click()
    page.locator("#ind-q").fill("교통")
    with page.expect_response(lambda r: "/hits" in r.url):
        page.locator("#ind-q").press("Enter")
    hit = page.locator("#hits .hit:not(.linked)").first
    expect(hit).to_be_visible()
    hit_id = int((hit.get_attribute("id") or "").removeprefix("hit-"))
    hit.locator(".snippet").click()
    with page.expect_response(lambda r: r.request.method == "POST" and "/links" in r.url):
        page.keyboard.press("l")
    expect(page.locator(f"#link-{hit_id} .badge.accepted")).to_be_visible()
    assert hit_id in linked_chunks(site)

    # switched off (WCAG 2.1.4; saved with the account), the keys do nothing
    with page.expect_response(lambda r: "/account/settings" in r.url and r.status == 204):
        page.locator("#keys-enabled").uncheck()
    page.reload()
    expect(page.locator("#keys-enabled")).not_to_be_checked()
    page.locator("#tab-suggested").click()
    expect(page.locator("#suggestions .hit").first).to_be_visible()
    page.locator("#suggested").focus()
    before = decisions(site)
    page.keyboard.press("j")
    page.keyboard.press("r")
    page.wait_for_timeout(300)
    assert decisions(site) == before
    with page.expect_response(lambda r: "/account/settings" in r.url and r.status == 204):
        page.locator("#keys-enabled").check()

    # the next indicator opens on the same tab
    page.locator("a[rel=next]").click()
    expect(page).to_have_url(re.compile(r"/indicators/(?!SVC-09)[^?]+\?tab=suggested"))
    expect(page.locator("#tab-suggested")).to_have_attribute("aria-selected", "true")
    expect(page.locator("#suggested")).to_be_visible()


def test_shortcuts_follow_the_account_setting(page: Page, site: Site) -> None:
    """Off in the user's settings, `a` in the passage list decides nothing; turned on again
    from the workbench's switch (saved with the account), `a` accepts."""
    page.goto("/account/settings")
    page.get_by_label("끄기").check()
    page.get_by_role("button", name="저장", exact=True).click()
    expect(page.locator(".flash.info")).to_contain_text("설정을 저장했습니다")
    try:
        assert shortcuts_of(site, "eva") is False
        page.goto(indicator_url(site, HUB, "suggested"))
        expect(page.locator("body")).to_have_attribute("data-keyboard-shortcuts", "off")
        expect(page.locator("#keys-enabled")).not_to_be_checked()
        first = page.locator("#suggestions .hit").first
        expect(first).to_be_visible()
        first_id = int((first.get_attribute("id") or "").removeprefix("sugg-"))
        before = decisions(site)
        assert first_id not in [chunk for chunk, _ in before]
        page.locator("#suggested").focus()
        page.keyboard.press("j")
        page.keyboard.press("a")
        page.wait_for_timeout(300)
        assert decisions(site) == before
        expect(page.locator(f"#sugg-{first_id} .badge.accepted")).to_have_count(0)

        # on again from the workbench: saved with the account, so it holds after a reload
        with page.expect_response(lambda r: "/account/settings" in r.url and r.status == 204):
            page.locator("#keys-enabled").check()
        assert shortcuts_of(site, "eva") is True
        page.reload()
        expect(page.locator("#keys-enabled")).to_be_checked()
        expect(page.locator(f"#sugg-{first_id}")).to_be_visible()
        page.locator("#suggested").focus()
        page.keyboard.press("j")
        expect(page.locator(f"#sugg-{first_id}")).to_be_focused()
        with page.expect_response(lambda r: r.request.method == "POST" and "/suggestions" in r.url):
            page.keyboard.press("a")
        expect(page.locator(f"#sugg-{first_id} .badge.accepted")).to_be_visible()
        assert (first_id, "accepted") in decisions(site)
    finally:
        set_shortcuts(site, "eva", True)


def shortcuts_of(site: Site, username: str) -> bool:
    with site.app.app_context():
        on = db.session.scalar(select(User.keyboard_shortcuts).where(User.username == username))
        db.session.remove()
    return bool(on)


def set_shortcuts(site: Site, username: str, on: bool) -> None:
    from reviewapp.services import accounts

    with site.app.app_context():
        accounts.set_keyboard_shortcuts(accounts.user_by_name(username).id, on)
        db.session.remove()


def decisions(site: Site) -> list[tuple[int, str]]:
    with site.app.app_context():
        rows = db.session.execute(
            select(SuggestionDecision.chunk_id, SuggestionDecision.decision).where(
                SuggestionDecision.submission_id == site.large
            )
        ).all()
        db.session.remove()
    return [(int(c), str(d)) for c, d in rows]


def linked_chunks(site: Site) -> list[int]:
    with site.app.app_context():
        ids = list(
            db.session.scalars(
                select(EvidenceLink.chunk_id).where(EvidenceLink.submission_id == site.large)
            )
        )
        db.session.remove()
    return [int(i) for i in ids if i is not None]


@pytest.mark.parametrize(("width", "height"), [(1280, 800), (1024, 768)])
def test_no_horizontal_scroll_and_score_in_view(
    browser: Browser, site: Site, width: int, height: int
) -> None:
    page = open_page(browser, site, width, height)
    try:
        page.goto(indicator_url(site, TRAFFIC, "suggested"))
        expect(page.locator("#suggestions .hit").first).to_be_visible()
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{overflow}px of horizontal scroll at {width}px"
        expect(page.locator("#score h2")).to_be_in_viewport()
        expect(page.locator("#suggestions .hit").first).to_be_in_viewport()
        preview = page.locator("#preview-pane")
        page.locator("#suggestions .hit").first.locator("[data-cite]").click()
        expect(page.locator("#preview .pdf-view")).to_have_attribute(
            "data-state", re.compile("highlighted|beside")
        )
        position = preview.evaluate("el => getComputedStyle(el).position")
        assert position == ("fixed" if width < 1280 else "static")  # a drawer at 1024 px
        expect(page.locator("#preview .pdf-page canvas")).to_be_in_viewport()
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0
        shoot(page, f"workbench-{width}.png")
        if width < 1280:
            page.get_by_role("button", name="미리보기 닫기").click()
            expect(preview).not_to_be_in_viewport()
        assert not page.errors  # type: ignore[attr-defined]
    finally:
        page.context.close()


def in_view(page: Page, selector: str, *, above_bar: bool = True) -> None:
    """Every element ``selector`` matches lies wholly inside the window and (``above_bar``)
    above the save bar pinned to the bottom of the left column: nothing to scroll to reach it."""
    boxes = page.locator(selector).evaluate_all(
        "els => els.map(e => { const r = e.getBoundingClientRect();"
        " return [r.top, r.bottom, r.left, r.right]; })"
    )
    assert boxes, f"nothing matches {selector}"
    bars = page.locator("#score .score-actions")
    bar = bars.first.bounding_box() if bars.count() else None
    height = page.viewport_size["height"]  # type: ignore[index]
    floor = bar["y"] if bar and above_bar else height
    width = page.viewport_size["width"]  # type: ignore[index]
    for top, bottom, left, right in boxes:
        assert top >= 0 and left >= 0 and right <= width, (selector, top, left, right)
        assert bottom <= floor, f"{selector} ends at {bottom:.0f}px, under {floor:.0f}px"


@pytest.mark.parametrize("state", ["question", "declared"])
def test_score_inputs_in_view_at_1280_with_the_conflict_question_or_notice(
    browser: Browser, site: Site, state: str
) -> None:
    """At 1280 x 800 the score inputs (every rubric level of the first stage) and the save
    button are in view without scrolling, with the conflict-of-interest question still open
    (eva has not answered it) or with a declared conflict's notice (evc)."""
    username = "eva" if state == "question" else "evc"
    if state == "declared":
        from reviewapp.services import accounts, rounds

        with site.app.app_context():
            user = accounts.create_user("evc", PASSWORD, "evaluator")
            rounds.assign(site.large, "evc")
            rounds.declare_conflict(site.large, user.id, conflict=True, note="자문위원 " * 12)
            db.session.remove()
    page = open_page(browser, site, 1280, 800, username)
    try:
        page.goto(indicator_url(site, TRAFFIC, "suggested"))
        expect(page.locator("#suggestions .hit").first).to_be_visible()
        if state == "question":
            expect(page.locator("#score form.conflict")).to_be_visible()
            in_view(page, "#score form.conflict legend")
            save = "#score .score-form >> nth=0 >> .score-actions button[type=submit]"
            in_view(page, save, above_bar=False)
            expect(page.locator(save)).to_have_text("저장")
        else:
            # nothing to score: the notice (with the reason) is the whole score panel
            expect(page.locator("#score .conflict-notice")).to_contain_text("자문위원")
            in_view(page, "#score .conflict-notice")
            expect(page.locator("#score .score-form")).to_have_count(0)
        if state == "question":
            in_view(page, "#score .score-form >> nth=0 >> input[name=level]")
            in_view(page, "#score .score-form >> nth=0 >> legend >> nth=0")
        assert page.evaluate("document.documentElement.scrollHeight") <= 800  # the page: no
        assert page.evaluate("document.documentElement.scrollWidth") <= 1280  # scroll at all
        shoot(page, f"workbench-1280-conflict-{state}.png")
        assert not page.errors  # type: ignore[attr-defined]
    finally:
        page.context.close()


def test_document_page_viewer_search_and_citing_indicators(page: Page, site: Site) -> None:
    with site.app.app_context():
        chunk = db.session.scalars(
            select(Chunk).where(Chunk.document_id == site.pdf_id, Chunk.page == 5)
        ).first()
        assert chunk is not None
        chunk_id = chunk.id
        # eva links the passage, so the document page lists the indicator citing it
        eva = db.session.scalar(select(User).where(User.username == "eva"))
        hub = db.session.scalar(select(Indicator).where(Indicator.code == HUB))
        assert eva is not None and hub is not None
        if chunk_id not in linked_chunks(site):
            evidence.link_passage(eva.id, site.large, hub.id, chunk_id, note="")
        db.session.remove()

    page.goto(f"/documents/{site.pdf_id}?chunk={chunk_id}")
    viewer = page.locator("#doc-viewer .pdf-view")
    expect(viewer).to_have_attribute("data-state", "highlighted")
    expect(page.locator("#doc-viewer .preview-label")).to_have_text("5쪽")
    marked = "".join(page.locator("#doc-viewer mark.hl").all_text_contents())
    assert squeeze(marked) == squeeze(page_text_of(site, chunk_of(site, chunk_id)))
    expect(page.locator("#citing")).to_contain_text(HUB)
    page.locator("#doc-viewer").scroll_into_view_if_needed()
    shoot(page, "document-page.png")

    # page navigation in the viewer
    page.locator("#doc-viewer").get_by_role("link", name=re.compile("이전 쪽")).click()
    expect(page.locator("#doc-viewer .preview-label")).to_have_text("4쪽")
    expect(page.locator("#doc-viewer .pdf-view")).to_have_attribute("data-state", "shown")

    # search within the document: every match marked, the count said
    page.locator("#doc-find-q").fill("허브")
    page.locator("#doc-find-q").press("Enter")
    marks = page.locator("section.page mark.find")
    expect(marks.first).to_be_visible()
    n = marks.count()
    assert n >= 2 and all(t == "허브" for t in marks.all_inner_texts())
    expect(page.locator("#doc-find-count")).to_contain_text(f"{n}곳")


def test_english_workbench_tabs_fit_one_row(page: Page, site: Site) -> None:
    """The English tab labels are longer: the four tabs stay on one row at 1280 px, without
    scrolling the tab strip; every page names its icon (no /favicon.ico request)."""
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if "favicon" in r.url else None)
    page.locator("header").get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    try:
        page.goto(indicator_url(site, TRAFFIC))
        tabs = page.locator("[role=tab]")
        expect(tabs).to_have_count(4)
        tops = tabs.evaluate_all("els => els.map(e => Math.round(e.getBoundingClientRect().top))")
        assert len(set(tops)) == 1, tops
        strip = page.locator(".tablist").evaluate("el => el.scrollWidth - el.clientWidth")
        assert strip <= 0, strip
        shoot(page, "workbench-1280-en.png")
        assert asked and not any(url.endswith("/favicon.ico") for url in asked), asked
    finally:
        page.locator("header").get_by_role("button", name="한국어").click()
        expect(page.locator("html")).to_have_attribute("lang", "ko")
