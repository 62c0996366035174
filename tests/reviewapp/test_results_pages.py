"""The committee's pages of a round (issue 12): results per track with what it would take,
every evaluator's progress, the disagreements with adjudication notes, one applicant's sheet
with the committee's opinions, and the export route.

Built on helpers.scored_round (its docstring lists every score): 한빛시 (large) has INN-01
flagged (40 and 8, mean 24) and INN-02 at 29; 솔내시 (small) has INN-01 at 24. The figures
on the pages are compared with `reviewapp grades --json` and with the read model.

The tests named test_export_* fetch the files of reviewapp/reports/ through the web (their
contents are tested in test_reports.py).
"""

from __future__ import annotations

import html as html_lib
import io
import json
import re
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from reviewapp.extensions import db
from reviewapp.models import Adjudication, AuditEvent, CommitteeOpinion, EvidenceLink, Indicator
from reviewapp.services import results as results_service
from reviewapp.services import rounds, scoring
from reviewapp.services.frameworks import import_framework
from tests.conftest import FRAMEWORK, World, csrf_token, login

from .helpers import ScoredRound, count, indicators_of, scored_round, second_browser, user

# ---------------------------------------------------------------- fixtures and helpers


@pytest.fixture()
def scored(world: World) -> ScoredRound:
    return scored_round(world)


@pytest.fixture()
def coord(client: FlaskClient, scored: ScoredRound) -> FlaskClient:
    login(client, "coord")
    return client


def _url(scored: ScoredRound, page: str) -> str:
    return f"/rounds/{scored.world.round_id}/{page}"


def _get(client: FlaskClient, path: str, **query: str) -> str:
    response = client.get(path, query_string=query)
    assert response.status_code == 200, (path, response.status_code)
    return response.get_data(as_text=True)


def _text(fragment: str) -> str:
    """The visible text of an HTML fragment, whitespace collapsed."""
    return re.sub(r"\s+", " ", html_lib.unescape(re.sub(r"<[^>]+>", " ", fragment))).strip()


def _element(html: str, tag: str, element_id: str) -> str:
    """The inside of the first ``<tag ... id="element_id" ...>...</tag>`` (no nesting of tag)."""
    match = re.search(
        rf'<{tag}\b[^>]*\bid="{re.escape(element_id)}"[^>]*>(.*?)</{tag}>', html, re.S
    )
    assert match, f"no <{tag} id={element_id}>"
    return match.group(1)


def _cell(row: str, css_class: str) -> str:
    match = re.search(
        rf'<(td|dd)\b[^>]*class="[^"]*\b{css_class}\b[^"]*"[^>]*>(.*?)</\1>', row, re.S
    )
    assert match, f"no cell .{css_class}"
    return _text(match.group(2))


def _grades_json(app: Flask, round_id: int) -> dict[str, Any]:
    result = app.test_cli_runner().invoke(args=["grades", "--round", str(round_id), "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout.strip().splitlines()[-1])


def _number(text: str) -> Decimal:
    return Decimal(text.replace(",", ""))


def _post(client: FlaskClient, path: str, page: str, **form: str):  # type: ignore[no-untyped-def]
    return client.post(path, data={"csrf_token": csrf_token(client, page), **form})


def _adjudicate_url(scored: ScoredRound, submission_id: int, indicator_id: int) -> str:
    return _url(scored, f"disagreements/{submission_id}/{indicator_id}")


def _finalize(scored: ScoredRound) -> None:
    rounds.finalize(scored.world.round_id, actor_id=user("coord").id)


def _other_round(world: World) -> int:
    """A second round of the same framework with one applicant; its submission id."""
    other = rounds.create_round("2027 인증", world.framework_id)
    return rounds.add_applicant(other.id, "다른시", 300_000).submission_id


def _foreign_indicator(tmp_path: Path) -> int:
    """An indicator of another framework (the sample under another version)."""
    text = FRAMEWORK.read_text(encoding="utf-8").replace('version: "2026.1"', 'version: "2099.1"')
    path = tmp_path / "other-framework.yaml"
    path.write_text(text, encoding="utf-8")
    framework = import_framework(path)
    found = db.session.scalar(
        select(Indicator.id).where(
            Indicator.framework_id == framework.id, Indicator.code == "INN-01"
        )
    )
    assert found is not None
    return found


GET_PAGES = ("results", "progress", "disagreements")


# ---------------------------------------------------------------- results page


def test_results_page_shows_what_grades_json_says(
    app: Flask, coord: FlaskClient, scored: ScoredRound
) -> None:
    world = scored.world
    payload = _grades_json(app, world.round_id)
    html = _get(coord, _url(scored, "results"))
    assert "<caption" in html and 'scope="col"' in html and 'scope="row"' in html
    # one table per track, the round's track names in Korean
    assert re.search(r"<h2>\s*대도시\s*</h2>", html) and re.search(r"<h2>\s*중소도시\s*</h2>", html)
    assert html.index("한빛시") < html.index("솔내시")
    for expected in payload["submissions"]:
        sid = expected["submission_id"]
        row = _element(html, "tr", f"sub-{sid}")
        assert expected["applicant"] in row
        assert f'href="/rounds/{world.round_id}/results/{sid}"' in row
        assert int(_cell(row, "rank")) == expected["rank"]
        total, max_total = (_number(t) for t in _cell(row, "total").split("/"))
        assert total == Decimal(str(expected["total"]))
        assert max_total == Decimal(str(expected["max_total"]))
        assert _number(_cell(row, "percent")) == Decimal(str(expected["percent"]))
        # the round is open and indicators are unscored: the grade is provisional
        assert _cell(row, "grade-cell") == f"{expected['grade']}등급 잠정"
        assert _cell(row, "certified-cell") == ("인증" if expected["certified"] else "미인증")
        unscored = _cell(row, "completeness")
        assert unscored.startswith(f"{len(expected['missing'])}개 미평가")
        for code in expected["missing"]:
            assert f'href="/submissions/{sid}/indicators/{code}"' in row
        for area in expected["areas"]:
            subtotal = f"{Decimal(str(area['subtotal'])).normalize():f} / {Decimal(str(area['max'])).normalize():f}"
            assert subtotal in _text(row)
        assert f"/rounds/{world.round_id}/export/docx?submission={sid}" in row
    # 한빛시: 24 + 29 = 53 of 2,000 = 2.65 %, grade 5
    large = next(s for s in payload["submissions"] if s["submission_id"] == world.large)
    assert (large["total"], large["percent"], large["grade"]) == (53, 2.65, 5)
    assert f"/rounds/{world.round_id}/export/xlsx" in html
    assert f"/rounds/{world.round_id}/export/csv" in html


def test_what_if_column_matches_the_read_model(coord: FlaskClient, scored: ScoredRound) -> None:
    world = scored.world
    html = _get(coord, _url(scored, "results"))
    sheets = {s.submission.id: s for s in results_service.round_results(world.round_id).sheets}
    for sid, sheet in sheets.items():
        row = _element(html, "tr", f"sub-{sid}")
        what_if = re.search(r'<td class="what-if-cell">(.*?)</td>\s*<td>', row, re.S)
        assert what_if, row
        cell = what_if.group(1)
        grade, certification = sheet.what_if.next_grade, sheet.what_if.certification
        assert grade is not None and certification is not None
        assert f"{grade.grade}등급까지 {grade.points_needed.normalize():f}점 더" in _text(cell)
        assert f"인증까지 {certification.points_needed.normalize():f}점 더" in _text(cell)
        for headroom in grade.indicators:
            assert f'href="/submissions/{sid}/indicators/{headroom.code}"' in cell
    # 한빛시 at 53 points: grade 4 needs 60.00 %, which 1,199.90 points already give (59.995 %
    # rounds half up): 1,146.9 more; certification (70 %) 1,399.90 points: 1,346.9 more
    large = _text(
        re.search(
            r'<td class="what-if-cell">(.*?)</td>', _element(html, "tr", f"sub-{world.large}"), re.S
        ).group(1)  # type: ignore[union-attr]
    )
    assert "4등급까지 1146.9점 더" in large and "인증까지 1346.9점 더" in large


def test_alpha_per_stage_with_its_units(coord: FlaskClient, scored: ScoredRound) -> None:
    grades = results_service.round_results(scored.world.round_id).grades
    alpha, units = grades.alpha["document"]
    assert alpha is not None and units == 2  # 한빛시 INN-01 and INN-02, scored by both
    assert grades.alpha["onsite"] == (None, 0)
    for page in ("results", "disagreements"):
        html = _get(coord, _url(scored, page))
        document = _text(re.search(r'<dd data-stage="document">(.*?)</dd>', html, re.S).group(1))  # type: ignore[union-attr]
        onsite = _text(re.search(r'<dd data-stage="onsite">(.*?)</dd>', html, re.S).group(1))  # type: ignore[union-attr]
        assert document == f"α = {alpha:.2f} (2개 단위)"
        assert onsite.startswith("α = —") and "데이터가 부족" in onsite
        assert "서면평가" in html and "현장실사" in html


def test_filters_by_track_and_status(coord: FlaskClient, scored: ScoredRound) -> None:
    world = scored.world
    path = _url(scored, "results")

    def shown(**query: str) -> set[int]:
        html = _get(coord, path, **query)
        return {int(i) for i in re.findall(r'<tr class="result" id="sub-(\d+)">', html)}

    assert shown() == {world.large, world.small}
    assert shown(track="small") == {world.small}
    assert shown(track="large") == {world.large}
    assert shown(status="incomplete") == {world.large, world.small}
    assert shown(status="not_certified") == {world.large, world.small}
    assert shown(status="certified") == set()
    assert "이 유형에는 필터에 맞는 신청 지자체가 없습니다." in _get(
        coord, path, status="certified"
    )
    # a filter the page does not know is ignored, never an error
    for query in (
        {"track": "nowhere"},
        {"status": "maybe"},
        {"track": "<script>", "status": "' OR 1=1"},
        {"track": "x" * 5000},
        {"status": "certified\x00"},
    ):
        assert shown(**query) == {world.large, world.small}, query
    html = _get(coord, path, track="small", status="bogus")
    assert '<option value="small" selected>' in html
    assert '<option value="" selected>' in html  # the status filter fell back to all


# ---------------------------------------------------------------- access


def test_evaluators_get_403_and_anonymous_users_the_login(
    app: Flask, client: FlaskClient, scored: ScoredRound
) -> None:
    world = scored.world
    paths = [_url(scored, page) for page in GET_PAGES]
    paths += [
        _url(scored, f"results/{world.large}"),
        _url(scored, "export/csv"),
        _url(scored, f"export/docx?submission={world.large}"),
    ]
    for path in paths:
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"], path
    login(client, "eva")  # assigned in this round, still refused
    for path in paths:
        assert client.get(path).status_code == 403, path
    before = count(Adjudication), count(CommitteeOpinion), count(AuditEvent)
    token = csrf_token(client, f"/rounds/{world.round_id}")
    for path, form in (
        (_adjudicate_url(scored, world.large, scored.inn01), {"note": "평가위원이 쓴 조정"}),
        (_url(scored, f"results/{world.large}"), {"overall": "평가위원이 쓴 의견"}),
    ):
        response = client.post(path, data={"csrf_token": token, **form})
        assert response.status_code == 403, path
    assert (count(Adjudication), count(CommitteeOpinion), count(AuditEvent)) == before
    # nor does the round page link them for an evaluator
    page = _get(client, f"/rounds/{world.round_id}")
    for name in GET_PAGES:
        assert f'href="{_url(scored, name)}"' not in page


def test_the_round_page_links_the_committee_pages(coord: FlaskClient, scored: ScoredRound) -> None:
    html = _get(coord, f"/rounds/{scored.world.round_id}")
    for page in GET_PAGES:
        assert f'href="{_url(scored, page)}"' in html
    assert "평가 결과" in html and "평가 진행 현황" in html and ">이견</a>" in html


def test_unknown_rounds_and_malformed_ids_are_404(
    world: World, coord: FlaskClient, scored: ScoredRound
) -> None:
    other = _other_round(world)
    missing = [f"/rounds/999/{page}" for page in GET_PAGES]
    missing += [
        "/rounds/999/results/1",
        f"/rounds/{world.round_id}/results/99999",
        f"/rounds/{world.round_id}/results/{other}",  # a submission of another round
        "/rounds/abc/results",
        "/rounds/0/results",
        "/rounds/-1/results",
        "/rounds/١/results",  # an Arabic-Indic digit
        "/rounds/99999999999/results",
        f"/rounds/{world.round_id}/results/abc",
        f"/rounds/{world.round_id}/results/1.5",
        f"/rounds/{world.round_id}/disagreements/x",
    ]
    for path in missing:
        assert coord.get(path).status_code == 404, path
    token = csrf_token(coord, _url(scored, "disagreements"))
    for path in (
        f"/rounds/{world.round_id}/disagreements/abc/{scored.inn01}",
        f"/rounds/{world.round_id}/disagreements/{world.large}/0",
        f"/rounds/999/disagreements/{world.large}/{scored.inn01}",
        f"/rounds/999/results/{world.large}",
    ):
        assert coord.post(path, data={"csrf_token": token, "note": "x"}).status_code == 404, path


# ---------------------------------------------------------------- progress


def test_progress_shows_every_assignment(coord: FlaskClient, scored: ScoredRound) -> None:
    world = scored.world
    eva, evb = user("eva"), user("evb")
    total = len(results_service.round_results(world.round_id).sheets[0].rows)
    expected = {
        (world.large, eva.id): (2, ["INN-02"], ["INN-01"]),
        (world.large, evb.id): (2, ["INN-02"], ["INN-01"]),
        (world.small, evb.id): (1, ["INN-01"], []),
    }
    model = results_service.progress(results_service.round_results(world.round_id))
    assert {(r.submission.id, r.evaluator_id) for r in model} == set(expected)
    html = _get(coord, _url(scored, "progress"))
    assert "<caption" in html and "<progress" in html
    for (sid, evaluator_id), (scored_n, no_evidence, flagged) in expected.items():
        row = _element(html, "tr", f"a-{sid}-{evaluator_id}")
        document = re.search(r'data-stage="document">(.*?)</td>', row, re.S).group(1)  # type: ignore[union-attr]
        onsite = re.search(r'data-stage="onsite">(.*?)</td>', row, re.S).group(1)  # type: ignore[union-attr]
        assert f'<progress max="{total}" value="{scored_n}"' in document
        assert f"{scored_n} / {total}" in _text(document)
        assert f"0 / {total}" in _text(onsite)
        assert f"{total - scored_n}개 미평가" in _text(document)
        # the first unscored indicator is one click away, the others in the list
        first = next(c for c in ["INN-01", "INN-02", "INN-03"] if c not in (no_evidence + flagged))
        assert (
            f'<a class="next" href="/submissions/{sid}/indicators/{first}">다음 미평가 지표: {first}</a>'
            in document
        )
        assert _cell(row, "no-evidence") == ", ".join(no_evidence)
        for code in no_evidence:
            assert f'href="/submissions/{sid}/indicators/{code}"' in row
        assert [c for c in flagged if c in _cell(row, "flagged")] == flagged
        if not flagged:
            assert _cell(row, "flagged") == "—"
        assert "이해충돌 신고" not in row


def test_progress_marks_a_declared_conflict(coord: FlaskClient, scored: ScoredRound) -> None:
    world = scored.world
    rounds.declare_conflict(world.small, user("evb").id, conflict=True, note="친족이 담당")
    html = _get(coord, _url(scored, "progress"))
    row = _element(html, "tr", f"a-{world.small}-{user('evb').id}")
    assert "이해충돌 신고" in row and "점수 미반영" in row
    # and the score no longer counts on the results page
    result = _element(_get(coord, _url(scored, "results")), "tr", f"sub-{world.small}")
    assert _cell(result, "total").startswith("0 /")


# ---------------------------------------------------------------- disagreements


def test_disagreements_list_the_flagged_indicator_side_by_side(
    coord: FlaskClient, scored: ScoredRound
) -> None:
    world = scored.world
    html = _get(coord, _url(scored, "disagreements"))
    cards = re.findall(r'<article class="card disagreement" id="(d-\d+-[\w-]+)"', html)
    assert cards == [f"d-{world.large}-INN-01"]  # INN-02 (30 and 28) is not flagged
    card = _element(html, "article", f"d-{world.large}-INN-01")
    assert "한빛시" in card
    assert f'href="/submissions/{world.large}/indicators/INN-01"' in card
    assert _cell(card, "max") == "40점"
    assert _cell(card, "aggregate") == "24점 (서면평가)"
    assert _cell(card, "spread") == "32점 (80.00%)"
    header = re.findall(r'<th scope="col" class="evaluator">(.*?)</th>', card)
    assert header == sorted([user("eva").display_name, user("evb").display_name])
    points = _text(re.search(r'<tr class="points">(.*?)</tr>', card, re.S).group(1))  # type: ignore[union-attr]
    assert "40점" in points and "8점" in points
    comments = _text(re.search(r'<tr class="comment">(.*?)</tr>', card, re.S).group(1))  # type: ignore[union-attr]
    assert "시민참여 운영이 우수함" in comments and "실적 근거 부족" in comments
    # each evaluator's cited passage: document, page, excerpt, a link to that passage
    cited = re.search(r'<tr class="citations">(.*?)</tr>', card, re.S).group(1)  # type: ignore[union-attr]
    links = db.session.scalars(
        select(EvidenceLink).where(EvidenceLink.id.in_([scored.eva_link, scored.evb_link]))
    ).all()
    for link in links:
        assert f'href="/documents/{scored.doc_id}?chunk={link.chunk_id}"' in cited
        assert f"{link.document.filename}, {link.page}쪽" in _text(cited)
    assert _text(scored.eva_quote)[:40] in _text(cited)
    assert "아직 조정 의견이 없습니다." in card
    assert f'action="{_adjudicate_url(scored, world.large, scored.inn01)}"' in card
    assert f'<label for="note-{world.large}-{scored.inn01}">' in card


def test_an_adjudication_note_is_recorded_and_listed(
    coord: FlaskClient, scored: ScoredRound
) -> None:
    world = scored.world
    page = _url(scored, "disagreements")
    response = _post(
        coord,
        _adjudicate_url(scored, world.large, scored.inn01),
        page,
        note="위원회 협의 결과 수준 3(24점)으로 조정",
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"{page}#d-{world.large}-INN-01")
    html = _get(coord, page)
    assert "조정 의견을 기록했습니다." in html
    card = _element(html, "article", f"d-{world.large}-INN-01")
    notes = re.search(r'<ol class="notes">(.*?)</ol>', card, re.S).group(1)  # type: ignore[union-attr]
    assert "위원회 협의 결과 수준 3(24점)으로 조정" in notes
    assert user("coord").display_name in notes
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d KST", notes)
    (event,) = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "adjudication.add")
    ).all()
    assert event.actor_id == user("coord").id
    # the applicant's page marks the indicator adjudicated
    detail = _get(coord, _url(scored, f"results/{world.large}"))
    assert "조정 완료" in _element(detail, "tr", "row-INN-01")


@pytest.mark.parametrize(
    ("note", "message"),
    [
        ("", "조정 의견을 입력하십시오."),
        ("   \n ", "조정 의견을 입력하십시오."),
        ("가" * 5001, "5,000자 이하의 일반 텍스트로 입력하십시오."),
        ("널\x00문자", "5,000자 이하의 일반 텍스트로 입력하십시오."),
    ],
)
def test_a_wrong_note_is_refused_next_to_its_field(
    coord: FlaskClient, scored: ScoredRound, note: str, message: str
) -> None:
    world = scored.world
    response = _post(
        coord,
        _adjudicate_url(scored, world.large, scored.inn01),
        _url(scored, "disagreements"),
        note=note,
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    field = f"note-{world.large}-{scored.inn01}"
    assert (
        f'id="{field}" name="note" rows="3" aria-invalid="true" aria-describedby="{field}-err"'
        in html
    )
    assert f'<p class="error-text" id="{field}-err">{message}</p>' in html
    if note.strip() and "\x00" not in note:
        assert note in html  # what was typed stays
    assert count(Adjudication) == 0


def test_adjudication_refusals(
    tmp_path: Path, world: World, coord: FlaskClient, scored: ScoredRound
) -> None:
    page = _url(scored, "disagreements")
    # an indicator of another framework, a submission of another round: 404
    foreign = _foreign_indicator(tmp_path)
    assert (
        _post(coord, _adjudicate_url(scored, world.large, foreign), page, note="x").status_code
        == 404
    )
    other = _other_round(world)
    assert (
        _post(coord, _adjudicate_url(scored, other, scored.inn01), page, note="x").status_code
        == 404
    )
    assert (
        _post(coord, _adjudicate_url(scored, world.large, 99999), page, note="x").status_code == 404
    )
    # a note on an indicator the list does not show: refused with its message above the list
    response = _post(coord, _adjudicate_url(scored, world.large, scored.inn02), page, note="")
    assert response.status_code == 400
    assert '<p class="flash error" role="alert">조정 의견을 입력하십시오.</p>' in response.get_data(
        as_text=True
    )
    assert count(Adjudication) == 0
    # a finalized round: the form is gone and a POST is refused with 409
    _finalize(scored)
    html = _get(coord, page)
    assert 'name="note"' not in html
    assert "라운드가 확정되어 조정 의견을 추가할 수 없습니다." in html
    response = _post(
        coord, _adjudicate_url(scored, world.large, scored.inn01), page, note="늦은 조정"
    )
    assert response.status_code == 409
    assert "확정" in response.get_data(as_text=True)
    assert count(Adjudication) == 0


# ---------------------------------------------------------------- one applicant


def test_the_applicant_page(app: Flask, coord: FlaskClient, scored: ScoredRound) -> None:
    world = scored.world
    payload = _grades_json(app, world.round_id)
    expected = next(s for s in payload["submissions"] if s["submission_id"] == world.large)
    html = _get(coord, _url(scored, f"results/{world.large}"))
    summary = _element(html, "section", "summary")
    assert int(_cell(summary, "rank")) == expected["rank"]
    assert _cell(summary, "total") == "53 / 2000"
    assert _cell(summary, "percent") == "2.65%"
    assert _cell(summary, "grade-cell") == "5등급 잠정"
    assert _cell(summary, "certified-cell") == "미인증"
    assert f"/rounds/{world.round_id}/export/docx?submission={world.large}" in summary
    areas = _element(html, "section", "areas")
    assert "<caption>영역별 소계</caption>" in areas
    for area in expected["areas"]:
        assert f"{Decimal(str(area['subtotal'])).normalize():f}</td>" in areas
    what_if = _text(_element(html, "section", "what-if"))
    assert "4등급까지 1146.9점 더" in what_if and "인증까지 1346.9점 더" in what_if
    rows = re.findall(r'<tr id="row-([\w-]+)"', html)
    assert rows == [i["code"] for i in expected["indicators"]]
    inn01 = _element(html, "tr", "row-INN-01")
    assert "24" in inn01 and "이견 80.00%" in _text(inn01) and 'href="/submissions/' in inn01
    assert "미평가" in _element(html, "tr", "row-INN-03")
    # the opinion form: 종합의견 and one field per area, each with its label
    assert '<label for="op-overall">종합의견</label>' in html
    for area in expected["areas"]:
        assert f'<label for="op-area-{area["code"]}">' in html
        assert f'name="area-{area["code"]}"' in html


def _area_codes(scored: ScoredRound) -> list[str]:
    sheet = results_service.round_results(scored.world.round_id).sheets[0]
    return [area.code for area in sheet.result.areas]


def test_opinions_are_saved_resaved_and_audited(coord: FlaskClient, scored: ScoredRound) -> None:
    world = scored.world
    path = _url(scored, f"results/{world.large}")
    first, second = _area_codes(scored)[:2]
    response = _post(
        coord,
        path,
        path,
        overall="시민참여 기반이 탄탄함",
        **{f"area-{first}": "혁신 분야 우수", f"area-{second}": ""},
    )
    assert response.status_code == 303 and response.headers["Location"].endswith(f"{path}#opinions")
    html = _get(coord, path)
    assert "위원회 의견을 저장했습니다." in html
    assert ">시민참여 기반이 탄탄함</textarea>" in html
    assert ">혁신 분야 우수</textarea>" in html
    # saved again with a change: only what changed is written, each change audited
    response = _post(
        coord,
        path,
        path,
        overall="시민참여 기반이 매우 탄탄함",
        **{f"area-{first}": "혁신 분야 우수"},
    )
    assert response.status_code == 303
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "opinion.save").order_by(AuditEvent.id)
    ).all()
    assert [(e.data["area"], e.data["before"], e.data["after"]) for e in events] == [
        ("overall", "", "시민참여 기반이 탄탄함"),
        (first, "", "혁신 분야 우수"),
        ("overall", "시민참여 기반이 탄탄함", "시민참여 기반이 매우 탄탄함"),
    ]
    assert ">시민참여 기반이 매우 탄탄함</textarea>" in _get(coord, path)


def test_wrong_opinions_are_refused_per_field(coord: FlaskClient, scored: ScoredRound) -> None:
    world = scored.world
    path = _url(scored, f"results/{world.large}")
    first = _area_codes(scored)[0]
    long_text = "가" * 1001
    response = _post(coord, path, path, overall="남길 종합의견", **{f"area-{first}": long_text})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    field = f"op-area-{first}"
    assert f'aria-invalid="true" aria-describedby="{field}-err"' in html
    assert (
        f'<p class="error-text" id="{field}-err">1,000자 이하의 일반 텍스트로 입력하십시오.</p>'
        in html
    )
    assert f">{long_text}</textarea>" in html and ">남길 종합의견</textarea>" in html
    response = _post(coord, path, path, overall="가" * 5001)
    assert response.status_code == 400
    assert 'id="op-overall-err">5,000자 이하' in response.get_data(as_text=True)
    # an area the framework does not have: refused, said above the form
    response = _post(coord, path, path, overall="의견", **{"area-NOPE": "없는 영역"})
    assert response.status_code == 400
    assert "이 라운드의 지표 체계에 없는 영역입니다." in response.get_data(as_text=True)
    assert count(CommitteeOpinion) == 0
    # an opinion for a submission of another round: 404
    other = _other_round(world)
    assert _post(coord, _url(scored, f"results/{other}"), path, overall="x").status_code == 404


def test_empty_or_malformed_opinion_forms_are_not_500(
    coord: FlaskClient, scored: ScoredRound
) -> None:
    world = scored.world
    path = _url(scored, f"results/{world.large}")
    first = _area_codes(scored)[0]
    # every field and every version empty: nothing to save, nothing saved, no error
    fields = {
        "overall": "",
        f"area-{first}": "",
        "version-overall": "",
        f"version-area-{first}": "",
    }
    response = _post(coord, path, path, **fields)
    assert response.status_code in (200, 302, 303)
    assert count(CommitteeOpinion) == 0
    # a text with an empty or malformed version: refused on its field, the text kept
    for version in ("", "abc", "-3", "1" * 20):
        response = _post(coord, path, path, overall="새 의견", **{"version-overall": version})
        assert response.status_code == 400, version
        html = response.get_data(as_text=True)
        assert 'id="op-overall-err">' in html and ">새 의견</textarea>" in html
    assert count(CommitteeOpinion) == 0


def test_opinions_are_read_only_once_finalized(coord: FlaskClient, scored: ScoredRound) -> None:
    world = scored.world
    path = _url(scored, f"results/{world.large}")
    assert _post(coord, path, path, overall="확정 전 의견").status_code == 303
    _finalize(scored)
    html = _get(coord, path)
    assert 'name="overall"' not in html
    assert '<p class="text overall">확정 전 의견</p>' in html
    assert _cell(_element(html, "section", "summary"), "grade-cell") == "5등급 잠정"  # incomplete
    response = _post(coord, path, f"/rounds/{world.round_id}", overall="확정 후 의견")
    assert response.status_code == 409
    assert "확정" in response.get_data(as_text=True)
    (row,) = db.session.scalars(select(CommitteeOpinion)).all()
    assert row.text == "확정 전 의견"


def test_grades_are_final_once_complete_and_finalized(
    coord: FlaskClient, scored: ScoredRound
) -> None:
    """솔내시 scored on every indicator by evb; after finalization its grade is no longer
    provisional, while 한빛시 (incomplete) stays provisional."""
    world = scored.world
    evb = user("evb")
    for indicator in indicators_of(world)[1:]:  # INN-01 is scored already
        form = (
            scoring.ScoreForm(level=5, no_evidence_reason="현장 확인")
            if indicator.kind == "qualitative"
            else scoring.ScoreForm(points=indicator.max_points, no_evidence_reason="현장 확인")
        )
        scoring.save_score(evb.id, world.small, indicator.id, "document", form)
    html = _get(coord, _url(scored, "results"))
    assert "잠정" in _cell(_element(html, "tr", f"sub-{world.small}"), "grade-cell")  # open
    assert "최고 등급, 인증" in _cell(_element(html, "tr", f"sub-{world.small}"), "what-if-cell")
    _finalize(scored)
    html = _get(coord, _url(scored, "results"))
    assert "이 라운드는 확정되었습니다" in html
    small = _element(html, "tr", f"sub-{world.small}")
    assert _cell(small, "grade-cell") == "1등급"  # 1,984 of 2,000 points: 99.2 %
    assert _cell(small, "certified-cell") == "인증"
    assert _cell(small, "completeness") == "평가 완료"
    # a finalized round's results no longer say what it would take
    assert "what-if-cell" not in html and "다음 등급·인증까지" not in html
    assert "잠정" in _cell(_element(html, "tr", f"sub-{world.large}"), "grade-cell")
    assert [int(i) for i in re.findall(r'<tr class="result" id="sub-(\d+)">', html)] == [
        world.large,
        world.small,
    ]
    certified = _get(coord, _url(scored, "results"), status="certified")
    assert re.findall(r'<tr class="result" id="sub-(\d+)">', certified) == [str(world.small)]


def test_the_pages_speak_english_too(coord: FlaskClient, scored: ScoredRound) -> None:
    token = csrf_token(coord, _url(scored, "results"))
    coord.post("/lang/en", data={"csrf_token": token, "next": "/rounds"})
    html = _get(coord, _url(scored, "results"))
    assert '<html lang="en">' in html
    assert "What it would take" in html and "Grade 5" in html and "provisional" in html
    assert "Large city" in html and "Document review" in html
    assert "Spread" in _get(coord, _url(scored, "disagreements"))
    assert "Next unscored indicator" in _get(coord, _url(scored, "progress"))
    assert "Overall opinion" in _get(coord, _url(scored, f"results/{scored.world.large}"))


# ---------------------------------------------------------------- notes, opinions, refusals


def _agree_on_inn01(scored: ScoredRound) -> None:
    """evb revises INN-01 of 한빛시 to level 5 like eva (40 and 40): no longer flagged."""
    scoring.save_score(
        user("evb").id, scored.world.large, scored.inn01, "document",
        scoring.ScoreForm(level=5, comment="재검토 후 상향", link_ids=[scored.evb_link]),
    )  # fmt: skip


def _readonly(html: str, element_id: str) -> str:
    """The text of the read-only textarea ``element_id`` (typed text the server kept)."""
    match = re.search(
        rf'<textarea id="{element_id}" rows="\d+" readonly>(.*?)</textarea>', html, re.S
    )
    assert match, f"no read-only textarea {element_id}"
    return html_lib.unescape(match.group(1))


def test_notes_stay_once_the_indicator_is_no_longer_flagged(
    coord: FlaskClient, scored: ScoredRound
) -> None:
    world = scored.world
    page = _url(scored, "disagreements")
    note = "위원회 논의 후 평가위원 재검토 요청"
    response = _post(coord, _adjudicate_url(scored, world.large, scored.inn01), page, note=note)
    assert response.status_code == 303
    _agree_on_inn01(scored)
    html = _get(coord, page)
    card = _element(html, "article", f"d-{world.large}-INN-01")
    assert "이견 해소됨" in card and note in card
    assert 'data-flagged="no"' in html
    assert "이견이 표시된 지표가 없습니다." not in html
    # a further note on it is still taken, and shown
    response = _post(
        coord, _adjudicate_url(scored, world.large, scored.inn01), page, note="재검토 결과 확인"
    )
    assert response.status_code == 303
    # the applicant page shows the notes of the settled indicator
    detail = _get(coord, _url(scored, f"results/{world.large}"))
    notes = _element(detail, "section", "adjudications")
    assert note in notes and "재검토 결과 확인" in notes and "이견 해소됨" in notes
    assert 'href="#adj-INN-01"' in _element(detail, "tr", "row-INN-01")


def test_a_note_on_an_indicator_without_disagreement_is_409_keeping_the_text(
    coord: FlaskClient, scored: ScoredRound
) -> None:
    world = scored.world
    typed = "이견 없는 지표에 남기려던 메모"
    response = _post(
        coord,
        _adjudicate_url(scored, world.large, scored.inn02),
        _url(scored, "disagreements"),
        note=typed,
    )
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    alert = re.search(r'<p class="flash error" role="alert">(.*?)</p>', html, re.S)
    assert alert and "INN-02" in alert.group(1) and "이견" in alert.group(1)
    assert _readonly(html, "refused-note-text") == typed
    assert "복사" in html
    assert count(Adjudication) == 0


def test_the_same_note_posted_twice_is_stored_once(coord: FlaskClient, scored: ScoredRound) -> None:
    world = scored.world
    page = _url(scored, "disagreements")
    path = _adjudicate_url(scored, world.large, scored.inn01)
    for _ in range(2):
        assert _post(coord, path, page, note="24점으로 조정").status_code == 303
    assert count(Adjudication) == 1
    card = _element(_get(coord, page), "article", f"d-{world.large}-INN-01")
    assert card.count("24점으로 조정") == 1


def _versions(html: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="(version-[\w-]+)" value="(\d+)">', html))


def test_a_stale_opinion_form_is_409_with_both_texts(
    coord: FlaskClient, scored: ScoredRound
) -> None:
    world = scored.world
    path = _url(scored, f"results/{world.large}")
    first = _area_codes(scored)[0]
    loaded = _get(coord, path)
    versions = _versions(loaded)
    assert versions["version-overall"] == "0" and versions[f"version-area-{first}"] == "0"
    # another coordinator saves while this form is open
    from reviewapp.services import committee

    committee.save_opinions(
        user("admin").id,
        world.large,
        overall="다른 위원의 종합의견",
        areas={first: "다른 위원의 의견"},
    )
    typed = {"overall": "내가 쓴 종합의견", f"area-{first}": "내가 쓴 영역 의견"}
    response = _post(coord, path, path, **versions, **typed)
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    message = _text(_element(html, "p", "opinion-message"))
    assert "종합의견" in message and "아무것도 저장하지 않았습니다" in message
    # the saved text beside the typed one, for each stale field
    assert "다른 위원의 종합의견" in _element(html, "div", "op-overall-saved")
    assert "다른 위원의 의견" in _element(html, "div", f"op-area-{first}-saved")
    assert ">내가 쓴 종합의견</textarea>" in html and ">내가 쓴 영역 의견</textarea>" in html
    assert committee.opinions_of(world.large).overall == "다른 위원의 종합의견"
    # the form now carries the current versions: saving it again is a deliberate overwrite
    again = _versions(html)
    assert again["version-overall"] == "1" and again[f"version-area-{first}"] == "1"
    assert _post(coord, path, path, **again, **typed).status_code == 303
    assert committee.opinions_of(world.large).overall == "내가 쓴 종합의견"


def test_an_opinion_post_without_overall_keeps_it(coord: FlaskClient, scored: ScoredRound) -> None:
    world = scored.world
    path = _url(scored, f"results/{world.large}")
    first = _area_codes(scored)[0]
    assert _post(coord, path, path, overall="지켜야 할 종합의견").status_code == 303
    assert _post(coord, path, path, **{f"area-{first}": "영역 의견만"}).status_code == 303
    html = _get(coord, path)
    assert ">지켜야 할 종합의견</textarea>" in html and ">영역 의견만</textarea>" in html


def test_typed_text_survives_a_round_finalized_meanwhile(
    coord: FlaskClient, scored: ScoredRound
) -> None:
    world = scored.world
    path = _url(scored, f"results/{world.large}")
    first = _area_codes(scored)[0]
    token = csrf_token(coord, path)  # the page was open before the round was finalized
    _finalize(scored)
    response = coord.post(
        path,
        data={
            "csrf_token": token,
            "overall": "확정 직전에 쓴 종합의견",
            f"area-{first}": "영역 의견",
        },
    )
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "확정" in _text(_element(html, "p", "opinion-message"))
    assert _readonly(html, "unsaved-overall") == "확정 직전에 쓴 종합의견"
    assert _readonly(html, f"unsaved-area-{first}") == "영역 의견"
    assert "복사" in html and 'name="overall"' not in html
    # a note likewise
    response = coord.post(
        _adjudicate_url(scored, world.large, scored.inn01),
        data={"csrf_token": token, "note": "확정 직전에 쓴 조정 의견"},
    )
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "확정" in html and 'name="note"' not in html
    assert _readonly(html, "refused-note-text") == "확정 직전에 쓴 조정 의견"
    assert count(Adjudication) == 0 and count(CommitteeOpinion) == 0


def test_finalize_card_counts_the_unscored_indicators(
    coord: FlaskClient, scored: ScoredRound
) -> None:
    world = scored.world
    sheets = results_service.round_results(world.round_id).sheets
    html = _get(coord, f"/rounds/{world.round_id}")
    card = _element(html, "section", "finalize")
    warning = _text(_element(card, "div", "unscored-before-finalize"))  # type: ignore[arg-type]
    for sheet in sheets:
        name = sheet.submission.applicant.name
        assert f"{name}: {len(sheet.result.missing)}개 미평가" in warning
    assert "0점" in warning
    assert 'name="confirm"' in card  # finalizing stays allowed
    _finalize(scored)
    assert "unscored-before-finalize" not in _get(coord, f"/rounds/{world.round_id}")


def test_a_finalized_round_page_offers_no_registration_or_assignment(
    coord: FlaskClient, scored: ScoredRound
) -> None:
    world = scored.world
    html = _get(coord, f"/rounds/{world.round_id}")
    assert f'action="/rounds/{world.round_id}/applicants"' in html
    assert f'action="/rounds/{world.round_id}/assignments"' in html
    _finalize(scored)
    html = _get(coord, f"/rounds/{world.round_id}")
    assert f'action="/rounds/{world.round_id}/applicants"' not in html
    assert f'action="/rounds/{world.round_id}/assignments"' not in html
    assert f'action="/rounds/{world.round_id}/reopen"' in html


# ---------------------------------------------------------------- figures and wording


def test_percentages_have_two_decimals(coord: FlaskClient, scored: ScoredRound) -> None:
    world = scored.world
    html = _get(coord, _url(scored, "results"))
    # 솔내시: 24 of 2,000 points = 1.2 %
    assert _cell(_element(html, "tr", f"sub-{world.small}"), "percent") == "1.20"
    detail = _get(coord, _url(scored, f"results/{world.small}"))
    assert _cell(_element(detail, "section", "summary"), "percent") == "1.20%"
    assert "(≥ 70.00%)" not in _text(html)  # rounding shown instead, see below
    round_page = _get(coord, f"/rounds/{world.round_id}")
    assert "70.00% 이상 인증" in round_page
    assert "배점의 20.00퍼센트" in _get(coord, _url(scored, "disagreements"))


def test_what_if_says_when_rounding_half_up_helps(coord: FlaskClient, scored: ScoredRound) -> None:
    world = scored.world
    row = _element(_get(coord, _url(scored, "results")), "tr", f"sub-{world.large}")
    cell = _cell(row, "what-if-cell")
    # 53 points: 60.00 % of 2,000 is 1,200, but 1,199.90 (59.995 %) rounds half up to 60.00 %
    assert "4등급까지 1146.9점 더 (59.995% 이상이면 반올림해 60.00%)" in cell
    assert "인증까지 1346.9점 더 (69.995% 이상이면 반올림해 70.00%)" in cell
    assert "최대 +40점" in cell and "+40점" not in cell.replace("최대 +40점", "")


def test_ties_share_a_rank(coord: FlaskClient, world: World, scored: ScoredRound) -> None:
    other = rounds.create_round("2027 인증", world.framework_id)
    first = rounds.add_applicant(other.id, "가람시", 300_000).submission_id
    second = rounds.add_applicant(other.id, "나래시", 300_000).submission_id
    html = _get(coord, f"/rounds/{other.id}/results")
    for sid in (first, second):  # both at 0.00 %
        assert _cell(_element(html, "tr", f"sub-{sid}"), "rank") == "공동 1위"
    assert (
        _cell(
            _element(_get(coord, f"/rounds/{other.id}/results/{first}"), "section", "summary"),
            "rank",
        )
        == "공동 1위"
    )
    # no tie in the scored round: the plain rank
    assert (
        _cell(_element(_get(coord, _url(scored, "results")), "tr", f"sub-{world.large}"), "rank")
        == "1"
    )


def test_an_empty_round_says_it_has_no_applicants(coord: FlaskClient, world: World) -> None:
    other = rounds.create_round("2027 인증", world.framework_id)
    html = _get(coord, f"/rounds/{other.id}/results")
    assert "이 라운드에는 아직 신청 지자체가 없습니다." in html
    assert "필터에 맞는" not in html


def test_long_code_lists_fold_in_the_progress(coord: FlaskClient, scored: ScoredRound) -> None:
    world = scored.world
    evb = user("evb")
    for indicator in indicators_of(world)[1:7]:  # 6 more, each "no evidence submitted"
        form = (
            scoring.ScoreForm(level=3, no_evidence_reason="제출 자료 없음")
            if indicator.kind == "qualitative"
            else scoring.ScoreForm(points="1", no_evidence_reason="제출 자료 없음")
        )
        scoring.save_score(evb.id, world.small, indicator.id, "document", form)
    html = _get(coord, _url(scored, "progress"))
    row = _element(html, "tr", f"a-{world.small}-{evb.id}")
    cell = re.search(r'<td class="no-evidence">(.*?)</td>', row, re.S).group(1)  # type: ignore[union-attr]
    assert "<details" in cell and "<summary>지표 7개</summary>" in cell
    assert cell.count('href="/submissions/') == 7
    # a short list stays inline
    short = _element(html, "tr", f"a-{world.large}-{user('eva').id}")
    assert "<details" not in re.search(r'<td class="no-evidence">(.*?)</td>', short, re.S).group(1)  # type: ignore[union-attr]


def test_the_pages_say_igyeon_for_disagreements(coord: FlaskClient, scored: ScoredRound) -> None:
    pages = [_get(coord, _url(scored, name)) for name in GET_PAGES]
    pages.append(_get(coord, _url(scored, f"results/{scored.world.large}")))
    pages.append(_get(coord, f"/rounds/{scored.world.round_id}"))
    for html in pages:
        assert "편차" not in html and "차수" not in html
    assert "이견" in pages[2] and "이견 표시 기준" in pages[-1]


# ---------------------------------------------------------------- exports (reviewapp/reports/)


def _download_name(response: Any) -> str:
    """The file name offered: RFC 5987 ``filename*`` (UTF-8) for a Korean name."""
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and disposition.isascii(), disposition
    encoded = re.search(r"filename\*=UTF-8''([^;]+)", disposition)
    assert encoded, disposition
    return unquote(encoded.group(1))


def test_export_round_as_xlsx_and_csv(coord: FlaskClient, scored: ScoredRound) -> None:
    for fmt, magic in (("xlsx", b"PK"), ("csv", None)):
        response = coord.get(_url(scored, f"export/{fmt}"))
        assert response.status_code == 200, (fmt, response.get_data(as_text=True)[:300])
        name = _download_name(response)
        assert "2026 인증" in name and name.endswith(f".{fmt}"), name
        data = response.get_data()
        if magic:
            assert data.startswith(magic)
            assert "spreadsheetml" in response.mimetype
        else:
            assert response.mimetype == "text/csv"
            assert "한빛시" in data.decode("utf-8-sig")


def test_export_docx_of_one_applicant(coord: FlaskClient, scored: ScoredRound) -> None:
    world = scored.world
    response = coord.get(_url(scored, "export/docx"), query_string={"submission": world.large})
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype.endswith("wordprocessingml.document")
    name = _download_name(response)
    assert "한빛시" in name and name.endswith(".docx"), name

    with zipfile.ZipFile(io.BytesIO(response.get_data())) as docx:
        assert "word/document.xml" in docx.namelist()


def test_export_refusals(world: World, coord: FlaskClient, scored: ScoredRound) -> None:
    other = _other_round(world)
    assert coord.get(_url(scored, "export/pdf")).status_code == 400
    assert coord.get(_url(scored, "export/docx")).status_code == 400  # which applicant?
    assert coord.get(_url(scored, f"export/docx?submission={other}")).status_code == 404
    assert coord.get(_url(scored, "export/docx?submission=abc")).status_code == 404
    assert coord.get("/rounds/999/export/csv").status_code == 404
    eva = second_browser(coord.application, "eva")
    assert eva.get(_url(scored, "export/csv")).status_code == 403
