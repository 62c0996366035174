"""The committee's pages in a real Chromium (Playwright): a coordinator reads the grades and
what each applicant would need, opens the disagreement list, records an adjudication note and
sees it listed, at 1024 px without horizontal scrolling. Reuses the real app and browser
fixtures of test_browser.py (skipped with it when Debian's chromium is missing).
"""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect
from sqlalchemy import select

from reviewapp.extensions import db
from reviewapp.models import Chunk, Indicator, User
from reviewapp.services import evidence, rounds, scoring

from . import test_browser as _browser
from .test_browser import LARGE_NAME, ROUND_NAME, Site, log_in

# the fixtures of test_browser.py: the real app on a port, a fresh context per test (the
# session's one Chromium comes from tests/reviewapp/conftest.py)
site = _browser.site
page = _browser.page

CODE = "INN-01"  # qualitative, max 40: level 5 = 40 points, level 1 = 8 points
NOTE = "위원회 협의로 수준 3(24점) 적용"


def _disagree(site: Site) -> None:
    """eva and evb both score INN-01 of 한빛시, 40 and 8 points, each citing a passage: a
    spread of 80 % of the maximum, flagged."""
    with site.app.app_context():
        rounds.assign(site.large, "evb")
        indicator = db.session.scalar(select(Indicator).where(Indicator.code == CODE))
        chunks = db.session.scalars(
            select(Chunk).where(Chunk.document_id == site.document_id).order_by(Chunk.id)
        ).all()
        assert indicator is not None and len(chunks) >= 2
        for name, level, chunk in (("eva", 5, chunks[0]), ("evb", 1, chunks[1])):
            user = db.session.scalar(select(User).where(User.username == name))
            assert user is not None
            link = evidence.link_passage(user.id, site.large, indicator.id, chunk.id)
            scoring.save_score(
                user.id,
                site.large,
                indicator.id,
                "document",
                scoring.ScoreForm(level=level, comment=f"{name}의 의견", link_ids=[link.id]),
            )
        db.session.remove()


def _no_horizontal_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 1024, f"{page.url}: {width} px wide"


def test_coordinator_reads_results_and_adjudicates(page: Page, site: Site) -> None:
    _disagree(site)
    page.set_viewport_size({"width": 1024, "height": 800})
    log_in(page, "coord")
    page.get_by_role("link", name=ROUND_NAME).click()
    page.get_by_role("link", name="평가 결과", exact=True).click()
    page.wait_for_url(f"**/rounds/{site.round_id}/results")
    expect(page.get_by_role("heading", name="평가 결과", level=1)).to_be_visible()

    # 한빛시 has 24 of 2,000 points (the mean of INN-01, its only scores): grade 5, provisional
    row = page.locator(f"#sub-{site.large}")
    expect(row.get_by_role("rowheader")).to_have_text(LARGE_NAME)
    expect(row.locator(".grade-cell")).to_contain_text("5등급")
    expect(row.locator(".grade-cell .badge")).to_have_text("잠정")
    expect(page.get_by_role("columnheader", name="다음 등급·인증까지").first).to_be_visible()
    what_if = row.locator(".what-if-cell")
    expect(what_if).to_contain_text("4등급까지")
    expect(what_if).to_contain_text("인증까지")
    what_if.locator("summary").first.click()
    expect(what_if.get_by_role("link").first).to_have_attribute(
        "href", re.compile(rf"/submissions/{site.large}/indicators/[A-Z]+-\d+")
    )
    expect(page.locator('dd[data-stage="document"]')).to_contain_text("α =")
    _no_horizontal_scroll(page)

    # the disagreement list: INN-01 of 한빛시, both scores side by side
    page.get_by_role("navigation", name="위원회 화면").get_by_role(
        "link", name="이견", exact=True
    ).click()
    page.wait_for_url(f"**/rounds/{site.round_id}/disagreements")
    card = page.locator(f"#d-{site.large}-{CODE}")
    expect(card.get_by_role("heading", level=2)).to_contain_text(f"{LARGE_NAME} · {CODE}")
    expect(card.locator(".spread")).to_have_text("32점 (80.00%)")
    expect(card.locator("th.evaluator")).to_have_count(2)
    expect(card.locator("tr.comment")).to_contain_text("eva의 의견")
    expect(card.locator("tr.comment")).to_contain_text("evb의 의견")
    expect(card.locator("tr.citations a")).to_have_count(2)
    expect(card).to_contain_text("아직 조정 의견이 없습니다.")
    _no_horizontal_scroll(page)

    # record an adjudication note: back on the list, the note is there with its author
    card.get_by_label("새 조정 의견").fill(NOTE)
    card.get_by_role("button", name="조정 의견 기록").click()
    page.wait_for_url(re.compile(rf"/disagreements#d-{site.large}-{CODE}$"))
    expect(page.get_by_role("status").filter(has_text="조정 의견을 기록했습니다.")).to_be_visible()
    notes = page.locator(f"#d-{site.large}-{CODE} ol.notes li")
    expect(notes).to_have_count(1)
    expect(notes.first).to_contain_text(NOTE)
    expect(notes.first).to_contain_text(re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d KST"))


def test_long_unbroken_text_wraps_at_1024_px(page: Page, site: Site) -> None:
    """A 5,000-character note without a space (and a long opinion and comment) wraps in its
    box: the disagreement list and the applicant page stay 1024 px wide."""
    from reviewapp.services import committee

    _disagree(site)
    long_note = "가" * 2500 + "x" * 2500
    with site.app.app_context():
        coord = db.session.scalar(select(User).where(User.username == "coord"))
        indicator = db.session.scalar(select(Indicator).where(Indicator.code == CODE))
        assert coord is not None and indicator is not None
        coord_id, indicator_id = coord.id, indicator.id
        committee.record_adjudication(coord_id, site.large, indicator_id, long_note)
        committee.save_opinions(coord_id, site.large, overall="나" * 5000, areas={})
        db.session.remove()
    page.set_viewport_size({"width": 1024, "height": 800})
    log_in(page, "coord")
    page.goto(f"/rounds/{site.round_id}/disagreements")
    expect(page.locator(f"#d-{site.large}-{CODE} ol.notes")).to_contain_text("x" * 100)
    _no_horizontal_scroll(page)
    page.goto(f"/rounds/{site.round_id}/results/{site.large}")
    expect(page.locator("#adjudications ol.notes")).to_contain_text("x" * 100)
    _no_horizontal_scroll(page)
    # the finalized page shows the opinion as text, not in a form
    with site.app.app_context():
        rounds.finalize(site.round_id, actor_id=coord_id)
        db.session.remove()
    try:
        page.reload()
        expect(page.locator("p.text.overall")).to_be_visible()
        _no_horizontal_scroll(page)
    finally:
        with site.app.app_context():
            rounds.reopen(site.round_id, actor_id=coord_id, reason="test: open again")
            db.session.remove()
