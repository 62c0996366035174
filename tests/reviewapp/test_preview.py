"""The preview pane (issue 17): the passage locator the PDF viewer follows (services/highlight,
mirrored in static/viewer.js), the preview fragment for a citation, the workbench's
neighbours, and who may see a preview. A real Markdown document of the test world."""

from __future__ import annotations

import re
from html import unescape as html_unescape

from flask import Flask
from flask.testing import FlaskClient

from reviewapp.services import indicators
from reviewapp.services.highlight import locate, normalize
from tests.conftest import World, login
from tests.reviewapp.helpers import indicators_of, ready_doc, user

PAGE = (
    "한빛시 스마트도시계획 요약\n"
    "한빛시는 2023년 9월 도시 데이터 허브를 구축하였으며, 교통·안전·환경·복지 등 8개 분야\n"
    "184종의 데이터를 연계하고 이 중 42종은 실시간 데이터로 수집한다.\n"
    "데이터 허브는 서비스 운영, 빅데이터 분석, 공공데이터 개방에 함께 활용된다.\n"
)


def marked(passage: str, layer: str, hint: float = 0.0) -> str | None:
    found = locate(passage, layer, hint)
    if found is None:
        return None
    hay = normalize(layer)[0]
    return "".join(hay[a:b] for a, b in found.ranges)


def test_whitespace_line_breaks_and_korean_spacing_do_not_matter() -> None:
    passage = "도시 데이터 허브를 구축하였으며, 교통·안전·환경·복지 등 8개 분야 184종의 데이터를"
    # the text layer breaks the line elsewhere, splits and joins words differently
    layer = PAGE.replace("8개 분야\n184종", "8개\n분야184 종").replace(
        "데이터 허브를", "데이터허브를"
    )
    found = locate(passage, layer)
    assert found is not None and found.exact
    assert marked(passage, layer) == normalize(passage)[0]
    assert normalize("ｆｕｌｌ\u3000width　２０２３")[0] == "fullwidth2023"  # NFKC


def test_absent_passage_is_never_highlighted() -> None:
    assert locate("통합운영센터는 24시간 365일 운영된다.", PAGE) is None
    assert locate("", PAGE) is None and locate("허브", "") is None
    # a few shared words are not the passage
    assert locate("도시 데이터 허브의 예산은 120억원이며 2027년에 확장할 계획이다.", PAGE) is None


def test_a_passage_with_a_garbled_line_is_found_piecewise() -> None:
    passage = PAGE.splitlines()
    layer = "\n".join(["41\x0f 스마트 ݾ\u0a78", *passage[1:]])  # the layer garbles the heading
    found = locate("\n".join(passage), layer)
    assert found is not None and not found.exact and found.cover >= 0.75
    text = marked("\n".join(passage), layer)
    assert text and all(piece in normalize(PAGE)[0] for piece in [text[:20], text[-20:]])


def test_of_identical_occurrences_the_nearest_to_the_hint_is_taken() -> None:
    layer = "요약 데이터 허브 운영 " + "가" * 200 + " 데이터 허브 운영"
    first = locate("데이터 허브 운영", layer, hint=0.0)
    last = locate("데이터 허브 운영", layer, hint=0.95)
    assert first is not None and last is not None
    assert first.ranges[0][0] < last.ranges[0][0]


def test_preview_fragment_marks_the_cited_passage(
    app: Flask, client: FlaskClient, world: World
) -> None:
    doc = ready_doc(world)
    chunk = doc.chunks[2]
    page_text = next(p.text for p in doc.pages if p.number == chunk.page)
    login(client, "eva")
    html = client.get(f"/documents/{doc.id}/preview?chunk={chunk.id}").get_data(as_text=True)
    assert 'id="preview-body"' in html and f'data-chunk="{chunk.id}"' in html
    mark = re.search(r'<mark class="passage" id="preview-mark"[^>]*>(.*?)</mark>', html, re.S)
    assert mark is not None
    shown = html_unescape(mark.group(1))
    assert normalize(shown)[0] == normalize(page_text[chunk.start_char : chunk.end_char])[0]
    assert f'href="/documents/{doc.id}/original"' in html  # the download link
    assert "pdf-view" not in html  # Markdown: the page text, not PDF.js
    # a page without a citation: its text, nothing marked; out of range: page 1
    html = client.get(f"/documents/{doc.id}/preview?page=1").get_data(as_text=True)
    assert "<mark" not in html and 'data-page="1"' in html
    assert 'data-page="1"' in client.get(f"/documents/{doc.id}/preview?page=999").get_data(
        as_text=True
    )
    # a chunk of another document is ignored, never shown
    html = client.get(f"/documents/{doc.id}/preview?chunk=999999").get_data(as_text=True)
    assert "<mark" not in html


def test_preview_is_refused_outside_ones_assignment(
    app: Flask, client: FlaskClient, world: World
) -> None:
    doc = ready_doc(world)
    login(client, "evb")  # assigned to the other applicant
    response = client.get(f"/documents/{doc.id}/preview?chunk={doc.chunks[0].id}")
    assert response.status_code in (403, 404)
    assert doc.chunks[0].text[:20] not in response.get_data(as_text=True)


def test_citations_open_the_preview_in_place(app: Flask, client: FlaskClient, world: World) -> None:
    doc = ready_doc(world)
    code = indicators_of(world)[0].code
    login(client, "eva")
    html = client.get(f"/submissions/{world.large}/indicators/{code}/hits?q=데이터").get_data(
        as_text=True
    )
    cites = re.findall(r'hx-get="(/documents/\d+/preview\?chunk=\d+)" hx-target="#preview"', html)
    assert cites and all(c.startswith(f"/documents/{doc.id}/preview") for c in cites)
    page = client.get(f"/submissions/{world.large}/indicators/{code}").get_data(as_text=True)
    assert 'id="preview"' in page and 'role="tablist"' in page
    assert 'id="tab-questions"' in page  # the questions panel (ask the evidence)


def test_neighbours_and_the_next_unscored_indicator(app: Flask, world: World) -> None:
    from reviewapp.extensions import db
    from reviewapp.models import Submission

    submission = db.session.get(Submission, world.large)
    codes = [i.code for i in indicators_of(world)]
    first, second = indicators_of(world)[:2]
    around = indicators.neighbours(submission, first, user("eva").id)
    assert (around.previous, around.next, around.position) == (None, codes[1], 1)
    assert around.next_unscored == codes[1] and around.total == len(codes)
    last = indicators_of(world)[-1]
    around = indicators.neighbours(submission, last, user("eva").id)
    assert around.next is None and around.next_unscored == codes[0]  # wraps round


def test_document_page_lists_the_indicators_citing_it_as_far_as_one_may_see(
    app: Flask, client: FlaskClient, world: World
) -> None:
    from reviewapp.services import evidence, rounds

    doc = ready_doc(world)
    first = indicators_of(world)[0]
    rounds.assign(world.large, "evb")  # a second evaluator of the same applicant
    evidence.link_passage(user("eva").id, world.large, first.id, doc.chunks[0].id, note="")
    assert [(i.code, n) for i, n in evidence.indicators_citing(user("eva"), doc.id)] == [
        (first.code, 1)
    ]
    assert evidence.indicators_citing(user("coord"), doc.id) == [(first, 1)]
    assert evidence.indicators_citing(user("evb"), doc.id) == []  # blind until evb scores
    login(client, "evb")
    html = client.get(f"/documents/{doc.id}").get_data(as_text=True)
    assert 'id="doc-viewer"' in html and 'id="citing"' not in html
    login(client, "eva")
    html = client.get(f"/documents/{doc.id}").get_data(as_text=True)
    assert 'id="citing"' in html and f"/indicators/{first.code}" in html
