"""Accessibility and layout of every main page in a real Chromium (issue 18).

axe-core (vendored from the npm registry under reviewapp/static/vendor/, loaded from the app's
own origin so the page's Content Security Policy admits it) runs on each main page as a
coordinator, an evaluator and an admin; a serious or critical violation fails the test, with
every finding listed. Each page is also measured at 1280 and 1024 px: none may scroll
sideways. Reuses the real app of test_browser.py (one PDF of 한빛시) with the applicant's
self-evaluation table added (claims) and a flagged disagreement on INN-01.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from reviewapp.extensions import db
from reviewapp.models import Document
from reviewapp.services import pipeline, uploads
from tests.conftest import ROOT

from . import test_browser as _browser
from . import test_browser_results as _results
from .test_browser import TIMEOUT_MS, Site, log_in

pytestmark = pytest.mark.browser

AXE = "/static/vendor/axe-core-4.14.1/axe.min.js"
SELF_EVALUATION = ROOT / "demo" / "documents" / "hanbit" / "hanbit-self-evaluation-2026.xlsx"
WIDTHS = (1280, 1024)
BLOCKING = {"serious", "critical"}

site = _browser.site  # the real app on a port, module-scoped


@pytest.fixture(scope="module")
def a11y_site(site: Site) -> Site:
    """test_browser.py's site plus the self-evaluation table (claims) and a disagreement."""
    _site = site
    with _site.app.app_context():
        (row,) = uploads.ingest_paths(
            [SELF_EVALUATION], _site.large, doc_type="self_evaluation", enqueue_jobs=False
        )
        assert row.document_id, row
        document: Document = pipeline.process_inline(row.document_id)
        assert document.status == "ready", document.error
        db.session.remove()
    _results._disagree(_site)
    return _site


@pytest.fixture()
def page(browser: Browser, a11y_site: Site) -> Iterator[Page]:
    context = browser.new_context(base_url=a11y_site.base_url, locale="ko-KR")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


def _pages(site: Site, role: str) -> list[str]:
    with site.app.app_context():
        document_id = db.session.scalar(
            select(Document.id).where(Document.submission_id == site.large).order_by(Document.id)
        )
        db.session.remove()
    submission = f"/submissions/{site.large}"
    common = [
        "/rounds",
        f"/rounds/{site.round_id}",
        submission,
        f"{submission}/indicators/INN-01",
        f"{submission}/indicators/SVC-07",
        f"{submission}/claims",
        f"{submission}/coverage",
        "/search?q=데이터",
        f"/documents/{document_id}",
        "/account/password",
        "/account/settings",
    ]
    committee = [
        f"/rounds/{site.round_id}/results",
        f"/rounds/{site.round_id}/results/{site.large}",
        f"/rounds/{site.round_id}/progress",
        f"/rounds/{site.round_id}/disagreements",
        f"/rounds/{site.round_id}/audit",
        "/frameworks",
    ]
    return {
        "coord": common + committee,
        "eva": common,
        "admin": ["/admin/users", "/frameworks", "/rounds"],
    }[role]


def _axe(page: Page) -> list[str]:
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(url=AXE)
    violations = page.evaluate(
        """async () => {
            const r = await axe.run(document, {resultTypes: ['violations']});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 4).map(n => n.target.join(' '))}));
        }"""
    )
    return [
        f"{v['impact']} {v['id']} ({v['help']}): {', '.join(v['nodes'])}"
        for v in violations
        if v["impact"] in BLOCKING
    ]


def _overflow(page: Page, width: int) -> str | None:
    page.set_viewport_size({"width": width, "height": 900})
    scroll = page.evaluate("document.documentElement.scrollWidth")
    client = page.evaluate("document.documentElement.clientWidth")
    return None if scroll <= client else f"{scroll} px wide in a {client} px window"


def _check(page: Page, path: str, findings: list[str]) -> None:
    response = page.goto(path)
    assert response is not None and response.status == 200, (path, response and response.status)
    page.wait_for_load_state("networkidle")  # htmx fragments (suggestions) are in
    findings.extend(f"{path}: {v}" for v in _axe(page))
    for width in WIDTHS:
        if problem := _overflow(page, width):
            findings.append(f"{path} at {width} px: {problem}")
    page.set_viewport_size({"width": 1280, "height": 900})


def test_login_page_is_accessible(page: Page) -> None:
    findings: list[str] = []
    _check(page, "/login", findings)
    assert findings == []


@pytest.mark.parametrize("role", ["coord", "eva", "admin"])
def test_main_pages_are_accessible_and_fit(page: Page, a11y_site: Site, role: str) -> None:
    log_in(page, role)
    findings: list[str] = []
    for path in _pages(a11y_site, role):
        _check(page, path, findings)
    assert findings == [], "\n".join(findings)


def test_axe_finds_a_violation(page: Page) -> None:
    """The check can fail: an unlabelled field and a nameless button are critical for axe."""
    page.goto("/login")
    page.evaluate(
        "document.querySelector('main').insertAdjacentHTML('beforeend',"
        " '<input type=text><button type=button></button>')"
    )
    found = _axe(page)
    assert any("button-name" in f for f in found), found
    assert any("label" in f for f in found), found


def test_claims_table_is_readable_and_its_drawer_closable(page: Page, a11y_site: Site) -> None:
    """At 1280 x 800 the claim and evidence columns are wide enough to read (the review form
    does not take the width), and a citation opened in the drawer keeps its close button in
    view however far the drawer scrolled to the passage."""
    page.set_viewport_size({"width": 1280, "height": 800})
    log_in(page, "eva")
    page.goto(f"/submissions/{a11y_site.large}/claims")
    row = page.locator("table.claims tbody tr").first
    expect(row).to_be_visible()
    widths = row.locator("td").evaluate_all(
        "tds => tds.map(td => td.getBoundingClientRect().width)"
    )
    assert widths[1] >= 200, widths  # the claim
    assert widths[4] >= 200, widths  # its evidence
    assert widths[5] <= 320, widths  # the review form
    cite = page.locator("table.claims [data-cite]").first
    cite.click()
    close = page.get_by_role("button", name="미리보기 닫기")
    expect(page.locator("#preview #preview-body")).to_be_visible()
    page.wait_for_timeout(500)  # the passage scrolled into view
    expect(close).to_be_in_viewport()
    box = close.bounding_box()
    assert box is not None and box["y"] >= 0, box
    close.click()
    expect(page.locator("#preview-pane")).to_be_hidden()
