"""The score card on the indicator page (issue 11): forms per stage, field errors, stale forms,
who may score, blind first, and the conflict-of-interest answer.

Through the real app (Flask test client, real SQLite, a real Korean document processed inline,
real evidence links); the UI language is the default, Korean.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from flask import Flask, g
from flask.testing import FlaskClient
from sqlalchemy import select

from reviewapp.extensions import db
from reviewapp.models import Assignment, AuditEvent, Indicator, Score
from reviewapp.services import evidence, rounds

from ..conftest import World, csrf_token, login
from .helpers import count, indicators_of, ready_doc, user

QUAL = "INN-01"  # qualitative, 40 points, levels 5..1 at 100/80/60/40/20 %
QUANT = "INN-02"  # quantitative, 40 points


@pytest.fixture()
def scene(world: World) -> dict[str, int]:
    """eva and evb both assigned to the large city; each has own links on both indicators."""
    rounds.assign(world.large, "evb")
    doc = ready_doc(world)
    chunks = doc.chunks
    ind = _indicators(world)
    eva, evb = user("eva").id, user("evb").id
    return {
        "eva_quant": evidence.link_passage(eva, world.large, ind[QUANT].id, chunks[0].id).id,
        "eva_qual": evidence.link_passage(eva, world.large, ind[QUAL].id, chunks[1].id).id,
        "evb_quant": evidence.link_passage(evb, world.large, ind[QUANT].id, chunks[2].id).id,
        "evb_qual": evidence.link_passage(evb, world.large, ind[QUAL].id, chunks[3].id).id,
    }


def _indicators(world: World) -> dict[str, Indicator]:
    return {i.code: i for i in indicators_of(world)}


def _page(world: World, code: str) -> str:
    return f"/submissions/{world.large}/indicators/{code}"


def _client(app: Flask, username: str) -> FlaskClient:
    """A browser of its own: Flask-Login caches the user in ``g`` of the test's app context."""
    g.pop("_login_user", None)
    g.pop("csrf_token", None)
    client = app.test_client()
    login(client, username)
    return client


def _score(client: FlaskClient, world: World, code: str, htmx: bool = True, **data: object):  # type: ignore[no-untyped-def]
    fields: dict[str, object] = {"stage": "document", "version": "0", **data}
    fields["csrf_token"] = csrf_token(client, _page(world, code))
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(_page(world, code) + "/score", data=fields, headers=headers)


def _scores() -> list[Score]:
    db.session.expire_all()
    return list(db.session.scalars(select(Score).order_by(Score.id)))


def _text(response) -> str:  # type: ignore[no-untyped-def]
    return response.get_data(as_text=True)


# ------------------------------------------------------------------------------- saving


def test_save_quantitative_then_update_with_version(
    app: Flask, world: World, scene: dict[str, int]
) -> None:
    eva = _client(app, "eva")
    page = _text(eva.get(_page(world, QUANT)))
    assert 'id="score"' in page and "서면평가" in page and "현장실사" in page
    assert 'step="0.01"' in page and 'max="40"' in page
    assert "10건 이상 100%" in page  # the achievement bands beside the points input
    response = _score(
        eva, world, QUANT, points="32.5", link_ids=[scene["eva_quant"]], comment="양호"
    )
    assert response.status_code == 200, _text(response)[:500]
    assert response.headers["HX-Trigger"] == "score-saved"
    (score,) = _scores()
    assert score.points == Decimal("32.50") and isinstance(score.points, Decimal)
    assert score.level is None and score.version == 1 and score.stage == "document"
    assert [link.id for link in score.links] == [scene["eva_quant"]]
    html = _text(response)
    assert "점수가 저장되었습니다." in html and "32.5점" in html and "버전 1" in html
    assert "KST" in html and "수정</button>" in html
    assert 'name="version" value="1"' in html
    assert re.search(rf'value="{scene["eva_quant"]}" checked', html)

    # without JavaScript: a plain POST answers with a redirect back to the page
    response = _score(
        eva, world, QUANT, htmx=False, version="1", points="12.25", no_evidence_reason="미제출"
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/indicators/{QUANT}#score-document")
    (score,) = _scores()
    assert score.points == Decimal("12.25") and score.version == 2 and not score.links
    assert score.no_evidence_reason == "미제출"
    assert count(AuditEvent, AuditEvent.action.in_(["score.create", "score.update"])) == 2


def test_save_qualitative_level(app: Flask, world: World, scene: dict[str, int]) -> None:
    eva = _client(app, "eva")
    page = _text(eva.get(_page(world, QUAL)))
    assert 'type="radio" name="level" value="4"' in page and "32점" in page  # 40 x 80 %
    response = _score(eva, world, QUAL, level="4", link_ids=[scene["eva_qual"]], stage="onsite")
    assert response.status_code == 200, _text(response)[:500]
    (score,) = _scores()
    assert (score.level, score.points, score.stage) == (4, Decimal("32.00"), "onsite")
    assert 'name="level" value="4" checked' in _text(response)


# ------------------------------------------------------------------------------- refusals

BAD = [
    (QUANT, {"points": "12.345"}, "소수점 둘째 자리까지만"),
    (QUANT, {"points": "40.01"}, "0에서 40 사이"),
    (QUANT, {"points": "-1"}, "0에서 40 사이"),
    (QUANT, {"points": "열두"}, "숫자여야 합니다"),
    (QUANT, {"points": ""}, "점수를 입력하십시오"),
    (QUAL, {"level": "9"}, "수준 9은(는) 이 지표의 평가 기준"),
    (QUAL, {"level": "4", "points": "32"}, "정성 지표입니다"),
    (QUANT, {"points": "10", "link_ids": []}, "증빙 링크를 하나 이상 선택하거나"),
    (QUANT, {"points": "10", "stage": "final"}, "final은(는) 이 라운드의 평가 단계"),
]


@pytest.mark.parametrize("htmx", [True, False])
def test_bad_input_answers_400_with_the_korean_message_and_saves_nothing(
    app: Flask, world: World, scene: dict[str, int], htmx: bool
) -> None:
    eva = _client(app, "eva")
    for code, fields, message in BAD:
        link = scene["eva_quant"] if code == QUANT else scene["eva_qual"]
        data: dict[str, object] = {"link_ids": [link], "comment": "남겨둘 의견", **fields}
        response = _score(eva, world, code, htmx=htmx, **data)
        assert response.status_code == 400, (code, fields)
        html = _text(response)
        assert message in html, (code, fields)
        assert 'role="alert"' in html
        if "stage" not in fields:  # the form of that stage, with what was typed
            assert "남겨둘 의견" in html, (code, fields)
        if not htmx:
            assert "<html" in html  # the whole page, with the card in its error state
        assert _scores() == []
    assert count(AuditEvent, AuditEvent.action.like("score.%")) == 0


def test_error_is_described_by_its_field(app: Flask, world: World, scene: dict[str, int]) -> None:
    eva = _client(app, "eva")
    response = _score(eva, world, QUANT, points="1.234", link_ids=[scene["eva_quant"]])
    html = _text(response)
    assert re.search(
        r'id="score-document-points"[^>]*aria-describedby="[^"]*'
        r'score-document-points-error"',
        html,
    )
    assert 'id="score-document-points-error" class="error-text" role="alert"' in html
    assert 'value="1.234"' in html


def test_other_evaluators_link_and_links_with_reason_are_refused(
    app: Flask, world: World, scene: dict[str, int]
) -> None:
    eva = _client(app, "eva")
    response = _score(eva, world, QUANT, points="10", link_ids=[scene["evb_quant"]])
    assert response.status_code == 400
    assert f"링크 {scene['evb_quant']}은(는) 이 지표에 대한 본인의 증빙 링크가 아닙니다" in _text(
        response
    )
    response = _score(eva, world, QUANT, points="10", link_ids=["abc"])
    assert response.status_code == 400
    response = _score(
        eva, world, QUANT, points="10", link_ids=[scene["eva_quant"]], no_evidence_reason="없음"
    )
    assert response.status_code == 400
    assert "하나만 입력하십시오" in _text(response)
    assert _scores() == []


def test_stale_version_answers_409_and_changes_nothing(
    app: Flask, world: World, scene: dict[str, int]
) -> None:
    eva = _client(app, "eva")
    assert _score(eva, world, QUANT, points="30", link_ids=[scene["eva_quant"]]).status_code == 200
    # a second tab still holds the empty form (version 0)
    for htmx in (True, False):
        response = _score(
            eva,
            world,
            QUANT,
            htmx=htmx,
            points="5",
            comment="두 번째 탭에서 쓴 긴 의견",
            link_ids=[scene["eva_quant"]],
            version="0",
        )
        assert response.status_code == 409
        html = _text(response)
        assert "양식을 연 뒤에 이 점수가 변경되었습니다" in html
        # what was typed stays in the form, now carrying the current version (1): saving it
        # again is a deliberate overwrite, not a silent one
        assert 'name="version" value="1"' in html
        assert "두 번째 탭에서 쓴 긴 의견" in html and 'value="5"' in html
        assert "data-swap-errors" in html
    (score,) = _scores()
    assert score.points == Decimal("30.00") and score.version == 1


def test_finalized_round_shows_read_only_and_refuses_with_409(
    app: Flask, world: World, scene: dict[str, int]
) -> None:
    eva = _client(app, "eva")
    assert _score(eva, world, QUANT, points="30", link_ids=[scene["eva_quant"]]).status_code == 200
    rounds.finalize(world.round_id, actor_id=user("coord").id)
    html = _text(eva.get(_page(world, QUANT) + "/score", headers={"HX-Request": "true"}))
    assert "이 라운드는 확정되었습니다" in html and "<fieldset disabled>" in html
    assert "수정</button>" not in html and "이해충돌 없음" not in html
    response = _score(eva, world, QUANT, points="31", link_ids=[scene["eva_quant"]], version="1")
    assert response.status_code == 409 and "확정되어" in _text(response)
    (score,) = _scores()
    assert score.points == Decimal("30.00") and score.version == 1


# ------------------------------------------------------------------------------- who scores


def test_unassigned_evaluator_and_coordinator_cannot_score(
    app: Flask, world: World, scene: dict[str, int]
) -> None:
    from reviewapp.services import accounts

    from ..conftest import PASSWORD

    accounts.create_user("evc", PASSWORD, "evaluator")
    evc = _client(app, "evc")
    assert evc.get(_page(world, QUANT) + "/score").status_code == 404
    token = csrf_token(evc, "/rounds")
    response = evc.post(
        _page(world, QUANT) + "/score",
        data={"csrf_token": token, "stage": "document", "points": "1", "version": "0"},
    )
    assert response.status_code in (403, 404)

    coord = _client(app, "coord")
    html = _text(coord.get(_page(world, QUANT)))
    assert 'name="points"' not in html and "아직 점수가 없습니다." in html
    response = _score(coord, world, QUANT, points="10", no_evidence_reason="없음")
    assert response.status_code == 403
    assert _scores() == []


def test_coordinator_reads_every_score(app: Flask, world: World, scene: dict[str, int]) -> None:
    eva = _client(app, "eva")
    _score(eva, world, QUANT, points="30", link_ids=[scene["eva_quant"]], comment="근거 충분")
    coord = _client(app, "coord")
    html = _text(coord.get(_page(world, QUANT) + "/score", headers={"HX-Request": "true"}))
    assert "근거 충분" in html and ">30<" in html and "데이터기반행정법.md" in html
    assert 'name="points"' not in html


# ------------------------------------------------------------------------------- blind first


def test_blind_until_ones_own_score_at_that_stage(
    app: Flask, world: World, scene: dict[str, int]
) -> None:
    eva = _client(app, "eva")
    response = _score(
        eva, world, QUANT, points="30", link_ids=[scene["eva_quant"]], comment="A의비밀의견"
    )
    assert response.status_code == 200
    evb = _client(app, "evb")
    hidden = [
        evb.get(_page(world, QUANT)),
        evb.get(_page(world, QUANT) + "/score", headers={"HX-Request": "true"}),
        evb.get(_page(world, QUANT) + "/score/links?stage=document"),
        evb.get(_page(world, QUANT) + "/links"),
    ]
    for seen in hidden:
        assert seen.status_code == 200
        assert "A의비밀의견" not in _text(seen)
        assert "다른 평가위원이 아직 없습니다" not in _text(seen)
    # evb's own score at the other stage does not open this one
    _score(evb, world, QUANT, points="20", stage="onsite", link_ids=[scene["evb_quant"]])
    response = _score(
        evb,
        world,
        QUANT,
        htmx=False,
        points="12.5",
        stage="onsite",
        version="1",
        link_ids=[scene["evb_quant"]],
    )
    assert response.status_code == 303
    assert "A의비밀의견" not in _text(evb.get(_page(world, QUANT)))
    # a refused save does not open it either
    response = _score(evb, world, QUANT, points="99", link_ids=[scene["evb_quant"]])
    assert response.status_code == 400 and "A의비밀의견" not in _text(response)

    response = _score(evb, world, QUANT, points="25", link_ids=[scene["evb_quant"]])
    assert response.status_code == 200 and "A의비밀의견" in _text(response)
    assert "A의비밀의견" in _text(evb.get(_page(world, QUANT)))


# ------------------------------------------------------------------------------- conflicts


def _conflict(client: FlaskClient, world: World, **data: str):  # type: ignore[no-untyped-def]
    token = csrf_token(client, _page(world, QUANT))
    return client.post(
        f"/submissions/{world.large}/conflict",
        data={"csrf_token": token, "indicator": QUANT, **data},
    )


def _assignment(world: World, username: str) -> Assignment:
    db.session.expire_all()
    found = db.session.scalar(
        select(Assignment).where(
            Assignment.submission_id == world.large, Assignment.evaluator_id == user(username).id
        )
    )
    assert found is not None
    return found


def test_conflict_question_answers_and_a_declared_conflict_blocks_scoring(
    app: Flask, world: World, scene: dict[str, int]
) -> None:
    eva = _client(app, "eva")
    page = _text(eva.get(_page(world, QUANT)))
    assert "이해충돌 없음" in page and 'name="points"' in page  # not required before scoring

    response = _conflict(eva, world, conflict="no")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/indicators/{QUANT}#score")
    row = _assignment(world, "eva")
    assert row.conflict_declared is False and row.conflict_declared_at is not None
    assert "이해충돌 없음" not in _text(eva.get(_page(world, QUANT)))

    # a conflict needs a reason: refused, nothing changes
    evb = _client(app, "evb")
    response = _conflict(evb, world, conflict="yes", conflict_note=" ")
    assert response.status_code == 303
    assert "이해충돌 사유를 간단히 적어 주십시오." in _text(evb.get(_page(world, QUANT)))
    assert _assignment(world, "evb").conflict_declared_at is None
    assert _conflict(evb, world, conflict="maybe").status_code == 400

    response = _conflict(evb, world, conflict="yes", conflict_note="신청 지자체 자문위원")
    assert response.status_code == 303
    row = _assignment(world, "evb")
    assert row.conflict_declared is True and row.conflict_note == "신청 지자체 자문위원"
    html = _text(evb.get(_page(world, QUANT)))
    assert "이해충돌을 신고하셨으므로 평가하지 않습니다" in html and 'name="points"' not in html
    response = _score(evb, world, QUANT, points="10", link_ids=[scene["evb_quant"]])
    assert response.status_code == 403
    assert _scores() == []

    coord = _client(app, "coord")
    assert _conflict(coord, world, conflict="no").status_code == 403


def test_links_redraw_keeps_the_ticks_of_the_open_form(
    app: Flask, world: World, scene: dict[str, int]
) -> None:
    eva = _client(app, "eva")
    base = _page(world, QUANT) + "/score/links?stage=document"
    ticked = re.compile(rf'value="{scene["eva_quant"]}" checked')
    html = _text(eva.get(base + "&draft=1"))
    assert "데이터기반행정법.md" in html and not ticked.search(html)
    assert f'value="{scene["evb_quant"]}"' not in html  # only one's own links are offered
    assert ticked.search(_text(eva.get(base + f"&draft=1&link_ids={scene['eva_quant']}")))
    assert eva.get(_page(world, QUANT) + "/score/links?stage=final").status_code == 404


def test_card_in_english_without_inline_script(
    app: Flask, world: World, scene: dict[str, int]
) -> None:
    eva = _client(app, "eva")
    token = csrf_token(eva, "/rounds")
    assert eva.post("/lang/en", data={"csrf_token": token, "next": "/rounds"}).status_code == 302
    html = _text(eva.get(_page(world, QUAL)))
    assert "Document review" in html and "On-site inspection" in html
    assert "Save score" in html and "Rubric level" in html
    assert "<script>" not in html and not re.search(r"\son[a-z]+=", html)


def test_a_cited_link_says_so_instead_of_offering_removal(
    app: Flask, world: World, scene: dict[str, int]
) -> None:
    eva = _client(app, "eva")
    links = _page(world, QUANT) + "/links"
    remove = f"/links/{scene['eva_quant']}/delete"
    assert remove in _text(eva.get(links))
    assert _score(eva, world, QUANT, points="30", link_ids=[scene["eva_quant"]]).status_code == 200
    html = _text(eva.get(links))
    assert remove not in html and "내 점수에 인용된 링크입니다" in html
