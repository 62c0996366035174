"""The score card in a real Chromium (Playwright): htmx swaps the card for a saved score and,
through static/app.js, for a refused one (400 field errors, 409 stale form), which htmx would
otherwise drop. Reuses the real app and browser fixtures of test_browser.py (skipped with it
when Debian's chromium is missing).
"""

from __future__ import annotations

from decimal import Decimal

from playwright.sync_api import Page, expect
from sqlalchemy import select

from reviewapp.extensions import db
from reviewapp.models import Chunk, Indicator, Score, User
from reviewapp.services import evidence, scoring

from . import test_browser as _browser
from .test_browser import Site, indicator_url, log_in

# the fixtures of test_browser.py: the real app on a port, a fresh context per test (the
# session's one Chromium comes from tests/reviewapp/conftest.py)
site = _browser.site
page = _browser.page

CODE = "SVC-02"  # a quantitative indicator: points typed in


def test_score_card_saves_and_shows_refusals_in_place(page: Page, site: Site) -> None:
    with site.app.app_context():
        eva = db.session.scalar(select(User).where(User.username == "eva"))
        indicator = db.session.scalar(select(Indicator).where(Indicator.code == CODE))
        chunk = db.session.scalars(
            select(Chunk).where(Chunk.document_id == site.document_id).order_by(Chunk.id)
        ).first()
        assert eva is not None and indicator is not None and chunk is not None
        link_id = evidence.link_passage(eva.id, site.large, indicator.id, chunk.id).id
        eva_id, indicator_id = eva.id, indicator.id
        db.session.remove()

    log_in(page, "eva")
    page.goto(indicator_url(site, CODE))
    card = page.locator("#score")
    form = card.locator("#score-document")
    expect(form.locator("legend").first).to_have_text("서면평가")

    # no link ticked, no reason: 400, and the card shows why next to the field
    form.locator("input[name=points]").fill("12.5")
    with page.expect_response(lambda r: r.url.endswith("/score")) as answer:
        form.get_by_role("button", name="저장").click()
    assert answer.value.status == 400
    expect(page.locator("#score-document-links-error")).to_contain_text("증빙 링크를 하나 이상")
    expect(page.locator("#score-document input[name=points]")).to_have_value("12.5")

    # tick one's own link: saved, the card shows the saved score and keeps the form
    form = page.locator("#score-document")
    form.locator(f"input[name=link_ids][value='{link_id}']").check()
    with page.expect_response(lambda r: r.url.endswith("/score")) as answer:
        form.get_by_role("button", name="저장").click()
    assert answer.value.status == 200
    expect(page.locator("#score-document .saved")).to_contain_text("12.5점")
    expect(page.locator("#score-document").get_by_role("button", name="수정")).to_be_visible()

    # the score changes behind this form (another tab): saving it now is refused with 409
    with site.app.app_context():
        scoring.save_score(
            eva_id,
            site.large,
            indicator_id,
            "document",
            scoring.ScoreForm(points="13", link_ids=[link_id], version=1),
        )
        db.session.remove()
    page.locator("#score-document input[name=points]").fill("14")
    with page.expect_response(lambda r: r.url.endswith("/score")) as answer:
        page.locator("#score-document").get_by_role("button", name="수정").click()
    assert answer.value.status == 409
    expect(page.locator("#score-document [role=alert]")).to_contain_text("변경되었습니다")
    # what was typed stays, now carrying the current version: saving again is deliberate
    expect(page.locator("#score-document input[name=points]")).to_have_value("14")
    expect(page.locator("#score-document input[name=version]")).to_have_value("2")
    with site.app.app_context():
        (score,) = db.session.scalars(select(Score))
        assert score.points == Decimal("13.00") and score.version == 2
        db.session.remove()
