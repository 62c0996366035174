"""End-to-end flows in a real Chromium (Playwright) against the real app on a real port.

The app runs in a background thread (werkzeug ``make_server``) on a temporary data directory,
with jobs inline and embeddings off, so search and suggestions rank with BM25. One real Korean
PDF of the demo applicant is stored (uploads) and processed inline (pipeline) before the
browser starts.

Flows: evaluator links a search hit as evidence; accepts and rejects suggestions; switches the
UI language; is refused another evaluator's submission; and searches with a particle-suffixed
word (``데이터를``) that must find the bare word (``데이터``).

Needs Debian's /usr/bin/chromium (no browser is downloaded); skipped when it is missing.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")  # the session's one Chromium: tests/reviewapp/conftest.py

if not CHROMIUM.is_file():
    pytest.skip(
        f"{CHROMIUM} is missing: browser tests need Debian's chromium", allow_module_level=True
    )

from flask import Flask  # noqa: E402
from playwright.sync_api import Browser, Page, expect  # noqa: E402
from sqlalchemy import select  # noqa: E402
from werkzeug.serving import BaseWSGIServer, make_server  # noqa: E402

from reviewapp.extensions import db  # noqa: E402
from reviewapp.models import (  # noqa: E402
    Chunk,
    Decision,
    Document,
    EvidenceLink,
    Indicator,
    SuggestionDecision,
)
from tests.conftest import FRAMEWORK, PASSWORD, ROOT, make_app  # noqa: E402

pytestmark = pytest.mark.browser

DEMO_PDF = ROOT / "demo" / "documents" / "hanbit" / "hanbit-smart-city-plan-summary-2026.pdf"
ROUND_NAME = "2026 인증"
LARGE_NAME = "한빛시"
SMALL_NAME = "솔내시"
LINK_INDICATOR = "SVC-07"  # 도시 데이터 허브 구축·운영: the PDF's page 5 is about the data hub
SUGGEST_INDICATOR = "SVC-09"  # 교통 분야 스마트 서비스: BIS, 스마트 교차로 on pages 2 and 5
PAGE_LABEL = re.compile(r"\d+쪽")  # "Page %(n)d" in Korean
HANGUL = re.compile(r"[가-힣]")
TIMEOUT_MS = 15_000


@dataclass
class Site:
    app: Flask
    base_url: str
    round_id: int
    large: int  # submission ids
    small: int
    document_id: int


# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The real app on 127.0.0.1:<free port>, with the world of tests/conftest.py and one PDF."""
    from reviewapp.services import accounts, pipeline, rounds, uploads
    from reviewapp.services.frameworks import import_framework

    tmp_path = tmp_path_factory.mktemp("browser")
    app = make_app(tmp_path, JOBS_IMMEDIATE=True, EMBEDDINGS_ENABLED=False)
    with app.app_context():
        accounts.create_user("admin", PASSWORD, "admin")
        accounts.create_user("coord", PASSWORD, "coordinator")
        accounts.create_user("eva", PASSWORD, "evaluator")
        accounts.create_user("evb", PASSWORD, "evaluator")
        fw = import_framework(FRAMEWORK)
        r = rounds.create_round(ROUND_NAME, fw.id)
        large = rounds.add_applicant(r.id, LARGE_NAME, 1_020_000).submission_id
        small = rounds.add_applicant(r.id, SMALL_NAME, 186_000).submission_id
        rounds.assign(large, "eva")
        rounds.assign(small, "evb")
        (row,) = uploads.ingest_paths([DEMO_PDF], large, enqueue_jobs=False)
        assert row.status == "queued" and row.document_id, row
        document: Document = pipeline.process_inline(row.document_id)
        assert document.status == "ready", document.error
        assert document.page_count == 6, document.page_count
        document_id = document.id
        round_id = r.id
        db.session.remove()

    server: BaseWSGIServer = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="reviewapp-e2e", daemon=True)
    thread.start()
    try:
        yield Site(
            app, f"http://127.0.0.1:{server.server_port}", round_id, large, small, document_id
        )
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.fixture()
def page(browser: Browser, site: Site) -> Iterator[Page]:
    """A fresh browser context (no cookies, Korean UI) per test."""
    expect.set_options(timeout=TIMEOUT_MS)
    context = browser.new_context(base_url=site.base_url, locale="ko-KR")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(f"JavaScript: {exc}"))
    page.on(
        "response",
        lambda r: (
            errors.append(f"HTTP {r.status}: {r.request.method} {r.url}")
            if r.status >= 500
            else None
        ),
    )
    try:
        yield page
    finally:
        context.close()
    assert not errors, f"errors while the test ran: {errors}"


# ---------------------------------------------------------------- helpers


def log_in(page: Page, username: str) -> None:
    page.goto("/login")
    expect(page.get_by_role("heading", name="로그인")).to_be_visible()
    page.get_by_label("아이디").fill(username)
    page.get_by_label("비밀번호").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/rounds$"))
    expect(page.get_by_role("heading", name="평가 라운드", exact=True)).to_be_visible()


def chunk_id_of(element_id: str | None, prefix: str) -> int:
    assert element_id and element_id.startswith(prefix), element_id
    return int(element_id.removeprefix(prefix))


def indicator_url(site: Site, code: str) -> str:
    return f"/submissions/{site.large}/indicators/{code}"


def refreshes_suggestions(page: Page, code: str):  # type: ignore[no-untyped-def]
    """Wait for the decision's response: it carries the new list (and HX-Trigger:
    suggestion-decided, which refreshes the linked list and the search hits)."""
    return page.expect_response(
        lambda r: r.request.method == "POST" and r.url.endswith(f"/indicators/{code}/suggestions")
    )


def wait_for_suggestions(page: Page) -> None:
    """The placeholder is swapped (hx-trigger=load) for the #suggestions fragment."""
    expect(page.locator("#suggested #suggestions")).to_be_attached()
    expect(page.locator("#suggested > div:not(#suggestions)")).to_have_count(0)


# ---------------------------------------------------------------- flows


def test_link_search_hit_as_evidence(page: Page, site: Site) -> None:
    log_in(page, "eva")

    # rounds -> the round -> the applicant
    page.get_by_role("link", name=ROUND_NAME).click()
    expect(page.get_by_role("heading", name=ROUND_NAME)).to_be_visible()
    expect(page.get_by_role("heading", name="신청 지자체")).to_be_visible()
    page.get_by_role("link", name=LARGE_NAME, exact=True).click()
    page.wait_for_url(f"**/submissions/{site.large}")

    # the ingested PDF is listed as ready (완료) with its six pages
    row = page.locator(f"#doc-{site.document_id}")
    expect(row).to_contain_text(DEMO_PDF.name)
    expect(row.locator(".badge.ready")).to_have_text("완료")
    expect(row.locator("td.num")).to_have_text("6")
    expect(page.get_by_role("heading", name="분야별 지표")).to_be_visible()

    # open the data hub indicator from the indicator table
    page.get_by_role("link", name=LINK_INDICATOR, exact=True).click()
    page.wait_for_url(f"**{indicator_url(site, LINK_INDICATOR)}")
    expect(page.locator("h1")).to_contain_text(f"{LINK_INDICATOR} 도시 데이터 허브 구축·운영")

    # the indicator's own search (the workbench's search tab): hits with <mark> highlights
    # and a page number
    page.locator("#tab-search").click()
    hits = page.locator("#indicator-search #hits .hit")
    expect(hits.first).to_be_visible()
    expect(page.locator("#indicator-search #hits h3").first).to_contain_text(DEMO_PDF.name)
    hub_hit = hits.filter(has=page.locator("mark", has_text="허브")).first
    expect(hub_hit).to_be_visible()
    expect(hub_hit.locator(".snippet mark").first).to_be_visible()
    expect(hub_hit.locator(".meta a").first).to_have_text(PAGE_LABEL)
    page_label = hub_hit.locator(".meta a").first.inner_text()
    chunk_id = chunk_id_of(hub_hit.get_attribute("id"), "hit-")
    expect(page.locator("#evidence-links li")).to_have_count(0)

    # link it (htmx): the button becomes a badge, and the linked list refreshes itself
    slot = page.locator(f"#link-{chunk_id}")
    with page.expect_response(
        lambda r: r.request.method == "POST" and r.url.endswith(f"/{LINK_INDICATOR}/links")
    ) as posted:
        slot.locator("button.link-evidence").click()
    assert posted.value.status == 200
    expect(slot.locator(".badge.accepted")).to_be_visible()
    expect(slot.locator("button.link-evidence")).to_have_count(0)
    expect(page.locator("#evidence-links li")).to_have_count(1)

    # after a reload (the search tab stays open) the hit is marked linked and the linked list
    # holds it with its page
    page.reload()
    expect(page.locator("#tab-search")).to_have_attribute("aria-selected", "true")
    expect(page.locator(f"#hit-{chunk_id}")).to_have_class(re.compile(r"\blinked\b"))
    expect(page.locator(f"#link-{chunk_id} .badge.accepted")).to_be_visible()
    page.locator("#tab-linked").click()
    linked = page.locator("#linked #evidence-links li")
    expect(linked).to_have_count(1)
    expect(linked.first.get_by_role("link")).to_have_text(f"{DEMO_PDF.name}, {page_label}")
    expect(linked.first.locator("blockquote")).to_contain_text("허브")

    with site.app.app_context():
        links = list(
            db.session.scalars(select(EvidenceLink).where(EvidenceLink.submission_id == site.large))
        )
        assert [(link.chunk_id, link.indicator.code) for link in links] == [
            (chunk_id, LINK_INDICATOR)
        ]
        (link,) = links
        assert link.document_id == site.document_id
        assert page_label == f"{link.page}쪽"
        assert link.evaluator.username == "eva"
        assert "허브" in link.quote
        db.session.remove()


def test_accept_and_reject_suggestions(page: Page, site: Site) -> None:
    log_in(page, "eva")
    page.goto(indicator_url(site, SUGGEST_INDICATOR))
    expect(page.locator("h1")).to_contain_text(f"{SUGGEST_INDICATOR} 교통 분야 스마트 서비스")

    # the suggestions tab loads by itself (htmx, hx-trigger=load)
    page.locator("#tab-suggested").click()
    wait_for_suggestions(page)
    passages = page.locator("#suggestions .hit")
    expect(passages.nth(1)).to_be_visible()  # at least two to decide on
    expect(passages.first.locator(".meta a")).to_have_text(PAGE_LABEL)
    expect(passages.first.locator(".snippet mark").first).to_be_visible()
    accepted_id = chunk_id_of(passages.nth(0).get_attribute("id"), "sugg-")
    rejected_id = chunk_id_of(passages.nth(1).get_attribute("id"), "sugg-")
    expect(page.locator("#evidence-links li")).to_have_count(0)

    # accept the first: it is shown as linked evidence, and the linked list refreshes
    with refreshes_suggestions(page, SUGGEST_INDICATOR):
        page.locator(f"#sugg-{accepted_id} button.accept").click()
    expect(page.locator(f"#sugg-{accepted_id} .badge.accepted")).to_be_visible()
    expect(page.locator(f"#sugg-{accepted_id} button.accept")).to_have_count(0)
    expect(page.locator("#evidence-links li")).to_have_count(1)
    # the indicator's search hits follow without a reload
    expect(page.locator(f"#hit-{accepted_id}")).to_have_class(re.compile(r"\blinked\b"))

    # reject the second: it disappears from the list
    with refreshes_suggestions(page, SUGGEST_INDICATOR):
        page.locator(f"#sugg-{rejected_id} button.reject").click()
    expect(page.locator(f"#sugg-{rejected_id}")).to_have_count(0)
    expect(page.locator(f"#sugg-{accepted_id} .badge.accepted")).to_be_visible()

    # after a reload (the suggestions tab stays open): accepted one linked, rejected one gone
    page.reload()
    wait_for_suggestions(page)
    expect(page.locator(f"#sugg-{accepted_id}")).to_have_class(re.compile(r"\blinked\b"))
    expect(page.locator(f"#sugg-{accepted_id} .badge.accepted")).to_be_visible()
    expect(page.locator(f"#sugg-{rejected_id}")).to_have_count(0)
    expect(page.locator("#suggestions .hit").first).to_be_visible()
    page.locator("#tab-linked").click()
    linked = page.locator("#linked #evidence-links li")
    expect(linked).to_have_count(1)
    expect(linked.first.get_by_role("link")).to_contain_text(DEMO_PDF.name)
    expect(linked.first.get_by_role("link")).to_contain_text(PAGE_LABEL)
    expect(page.locator(f"#hit-{accepted_id}")).to_have_class(re.compile(r"\blinked\b"))

    with site.app.app_context():
        indicator_id = db.session.scalar(
            select(Indicator.id).where(Indicator.code == SUGGEST_INDICATOR)
        )
        decisions = dict(
            db.session.execute(
                select(SuggestionDecision.chunk_id, SuggestionDecision.decision).where(
                    SuggestionDecision.submission_id == site.large,
                    SuggestionDecision.indicator_id == indicator_id,
                )
            ).all()
        )
        assert decisions == {
            accepted_id: Decision.ACCEPTED.value,
            rejected_id: Decision.REJECTED.value,
        }
        linked_chunks = list(
            db.session.scalars(
                select(EvidenceLink.chunk_id).where(
                    EvidenceLink.submission_id == site.large,
                    EvidenceLink.indicator_id == indicator_id,
                )
            )
        )
        assert linked_chunks == [accepted_id]
        db.session.remove()


def test_language_switch_and_foreign_submission(page: Page, site: Site) -> None:
    log_in(page, "eva")
    nav = page.get_by_role("navigation", name="Main")
    expect(page.locator("html")).to_have_attribute("lang", "ko")
    expect(page.locator("header nav a").first).to_have_text("평가 라운드")

    # switch to English: labels change, and the choice sticks across pages
    page.locator("header").get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Certification rounds")).to_be_visible()
    expect(nav.get_by_role("link", name="Rounds")).to_be_visible()
    expect(nav.get_by_role("link", name="Search")).to_be_visible()
    expect(page.locator("header").get_by_role("button", name="한국어")).to_be_visible()
    page.goto(f"/submissions/{site.large}")
    expect(page.get_by_role("heading", name="Indicators by area")).to_be_visible()
    expect(page.locator(f"#doc-{site.document_id} .badge.ready")).to_have_text("ready")
    page.goto(indicator_url(site, LINK_INDICATOR))
    expect(page.locator("h1")).to_have_text(f"{LINK_INDICATOR} City data hub")
    expect(page.get_by_role("heading", name="Linked evidence")).to_be_visible()

    # evb's submission is refused, in English ...
    response = page.goto(f"/submissions/{site.small}")
    assert response is not None and response.status in (403, 404)
    expect(page.locator("h1")).to_have_text(str(response.status))
    expect(page.get_by_text(SMALL_NAME)).to_have_count(0)
    if response.status == 404:
        expect(page.get_by_text("Not found, or not assigned to you.")).to_be_visible()

    # ... and back in Korean
    page.locator("header").get_by_role("button", name="한국어").click()
    expect(page.locator("html")).to_have_attribute("lang", "ko")
    response = page.goto(f"/submissions/{site.small}/indicators/{LINK_INDICATOR}")
    assert response is not None and response.status in (403, 404)
    if response.status == 404:
        expect(page.get_by_text("찾을 수 없거나 배정되지 않은 항목입니다.")).to_be_visible()
    expect(page.get_by_text(SMALL_NAME)).to_have_count(0)
    expect(page.get_by_role("link", name="평가 라운드로 돌아가기")).to_be_visible()


@pytest.mark.parametrize(
    ("query", "bare"), [("데이터를", "데이터"), ("스마트시티를", "스마트시티")]
)
def test_search_particle_suffix_finds_bare_word(
    page: Page, site: Site, query: str, bare: str
) -> None:
    log_in(page, "eva")
    page.locator("header nav a[href='/search']").click()
    page.wait_for_url("**/search")
    expect(page.locator("#results #hits .hit")).to_have_count(0)

    page.locator("#q").fill(query)
    page.locator("#q").press("Enter")
    page.wait_for_url(re.compile(r"/search\?.*q="))  # hx-push-url
    hits = page.locator("#results #hits .hit")
    expect(hits.first).to_be_visible()
    expect(page.locator("#results #hits")).to_contain_text(query)  # "N passages for “query”"
    expect(page.locator("#results #hits h3").first).to_contain_text(DEMO_PDF.name)

    # the highlighted words are the bare word, which the passages contain without the particle
    marks = page.locator("#results #hits .snippet mark")
    expect(marks.first).to_be_visible()
    assert bare in marks.all_inner_texts()
    snippets = hits.locator(".snippet").all_inner_texts()
    assert any(bare in snippet for snippet in snippets)
    # some passage found has only the bare word: the particle was stripped from the query
    chunk_ids = [chunk_id_of(h.get_attribute("id"), "hit-") for h in hits.all()]
    with site.app.app_context():
        texts = list(db.session.scalars(select(Chunk.text).where(Chunk.id.in_(chunk_ids))))
        db.session.remove()
    assert len(texts) == len(chunk_ids)
    assert any(bare in text and query not in text for text in texts), texts
    expect(hits.first.locator(".meta a").first).to_have_text(PAGE_LABEL)

    # the same query as a plain page load (the pushed URL) gives the same hits
    count = hits.count()
    page.reload()
    expect(page.locator("#results #hits .hit")).to_have_count(count)


def test_indicator_page_labels_are_korean(page: Page, site: Site) -> None:
    """Default-locale (ko) labels of the indicator page, search and suggestions are translated."""
    log_in(page, "eva")
    page.goto(indicator_url(site, "INN-08"))  # 데이터 기반 행정: untouched by the other tests
    wait_for_suggestions(page)
    page.locator("#tab-search").click()
    expect(page.locator("#indicator-search #hits .hit").first).to_be_visible()
    page.locator("#tab-suggested").click()
    expect(page.locator("#suggestions .hit").first).to_be_visible()
    labels = {
        "workbench tabs": page.locator("[role=tablist]"),
        "shortcut help": page.locator("#keys-help"),
        "preview placeholder": page.locator("#preview"),
        "linked evidence heading": page.locator("#linked h2"),
        "suggested evidence heading": page.locator("#suggested h2"),
        "indicator search heading": page.locator("#indicator-search h2"),
        "search button": page.locator("#indicator-search form button[type=submit]"),
        "link-as-evidence button": page.locator("#hits button.link-evidence").first,
        "accept button": page.locator("#suggestions button.accept").first,
        "reject button": page.locator("#suggestions button.reject").first,
        "no-links note": page.locator("#evidence-links p.muted"),
    }
    english = {
        name: text
        for name, locator in labels.items()
        if not HANGUL.search(text := locator.inner_text())
    }
    assert not english, f"untranslated labels on the Korean indicator page: {english}"


def test_pages_pass_the_content_security_policy(page: Page, site: Site) -> None:
    """The main pages, their htmx fragments and the document view (with its delete confirm and
    scroll-to-passage script) run under the app's CSP without a single violation."""
    violations: list[str] = []
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => "
        "console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI));"
    )
    page.on(
        "console",
        lambda m: (
            violations.append(m.text)
            if "Content Security Policy" in m.text or "CSP violation" in m.text
            else None
        ),
    )
    with site.app.app_context():
        last_chunk = db.session.scalars(
            select(Chunk)
            .where(Chunk.document_id == site.document_id)
            .order_by(Chunk.page.desc(), Chunk.start_char.desc())
        ).first()
        assert last_chunk is not None and last_chunk.page == 6
        chunk_id = last_chunk.id
        db.session.remove()

    response = page.goto("/login")
    assert response is not None
    assert "script-src 'self'" in response.headers["content-security-policy"]
    log_in(page, "admin")
    for path in (
        "/rounds",
        f"/rounds/{site.round_id}",
        f"/submissions/{site.large}",
        f"/submissions/{site.large}/coverage",
        "/search?q=데이터",
        f"/documents/{site.document_id}",
    ):
        response = page.goto(path)
        assert response is not None and response.status == 200, path
        page.wait_for_load_state("networkidle")

    # htmx loads the suggestions fragment; its indicator style comes from app.css, not inline
    page.goto(indicator_url(site, SUGGEST_INDICATOR))
    wait_for_suggestions(page)
    page.wait_for_load_state("networkidle")
    assert page.locator("head style").count() == 0

    # the passage a link points to is scrolled into view by app.js
    page.goto(f"/documents/{site.document_id}?chunk={chunk_id}")
    expect(page.locator(f"mark#chunk-{chunk_id}")).to_be_in_viewport()

    # deleting asks first (app.js, data-confirm); dismissing keeps the document
    dialogs: list[str] = []

    def dismiss(dialog) -> None:  # type: ignore[no-untyped-def]
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", dismiss)
    page.locator("form[data-confirm]").evaluate("form => form.requestSubmit()")
    assert dialogs and "삭제" in dialogs[0], dialogs
    expect(page).to_have_url(re.compile(rf"/documents/{site.document_id}\?chunk="))
    assert not violations, violations
