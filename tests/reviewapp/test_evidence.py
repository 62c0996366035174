"""Evidence links and decisions: owned by their evaluator, one state per passage, undo,
blind until one's own score, idempotent under concurrent clicks.

Through the real app (Flask test client, real SQLite with foreign keys, real whoosh index) and
through the service the CLI shares; embeddings off (the default fixture).
"""

from __future__ import annotations

import io
import threading
from decimal import Decimal
from pathlib import Path

import pytest
from flask import Flask, g
from flask.testing import FlaskClient
from sqlalchemy import func, select

from reviewapp.extensions import db
from reviewapp.models import (
    AuditEvent,
    Chunk,
    Document,
    EvidenceLink,
    Indicator,
    Score,
    SuggestionDecision,
    User,
)
from reviewapp.services import accounts, evidence, rounds, uploads
from reviewapp.services.errors import Forbidden
from reviewapp.services.frameworks import import_framework

from ..conftest import CORPUS, FRAMEWORK, PASSWORD, World, csrf_token, login, make_app

MD = CORPUS / "law-data-based-administration-act.md"


def _user(name: str) -> User:
    user = db.session.scalar(select(User).where(User.username == name))
    assert user is not None
    return user


def _indicator(world: World, position: int = 0) -> Indicator:
    return list(
        db.session.scalars(
            select(Indicator)
            .where(Indicator.framework_id == world.framework_id)
            .order_by(Indicator.position)
        )
    )[position]


def _chunks(world: World) -> list[Chunk]:
    (outcome,) = uploads.add_upload(
        world.large, "데이터기반행정법.md", io.BytesIO(MD.read_bytes())
    ).outcomes
    doc = db.session.get(Document, outcome.document_id)
    assert doc is not None and doc.status == "ready" and len(doc.chunks) >= 4, doc.error
    return list(doc.chunks)


def _count(model: type, *where: object) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def _post(client: FlaskClient, path: str, page: str, data: dict[str, object], htmx: bool = True):  # type: ignore[no-untyped-def]
    token = csrf_token(client, page)
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(path, data={**data, "csrf_token": token}, headers=headers)


def _other_client(app: Flask, username: str) -> FlaskClient:
    """A second browser. The tests hold one app context, and Flask-Login caches the current
    user in its ``g``: forget it so the next request loads its own session's user."""
    g.pop("_login_user", None)
    g.pop("csrf_token", None)
    other = app.test_client()
    login(other, username)
    return other


@pytest.fixture()
def two_evaluators(world: World) -> World:
    """eva and evb both assigned to the large city."""
    rounds.assign(world.large, "evb")
    return world


# ---------------------------------------------------------------- one state per passage


def test_accept_reject_unlink_undo_keep_decision_and_link_together(two_evaluators: World) -> None:
    world = two_evaluators
    eva = _user("eva").id
    ind = _indicator(world)
    chunk = _chunks(world)[0]

    def state() -> tuple[str | None, int]:
        decision = evidence.decisions_of(eva, world.large, ind.id).get(chunk.id)
        links = _count(
            EvidenceLink, EvidenceLink.evaluator_id == eva, EvidenceLink.chunk_id == chunk.id
        )
        return decision, links

    evidence.decide(eva, world.large, ind.id, chunk.id, "accepted")
    assert state() == ("accepted", 1)
    evidence.decide(eva, world.large, ind.id, chunk.id, "rejected")
    assert state() == ("rejected", 0)  # rejecting takes the link away
    evidence.decide(eva, world.large, ind.id, chunk.id, "undo")
    assert state() == (None, 0)
    link = evidence.link_passage(eva, world.large, ind.id, chunk.id)
    assert state() == ("accepted", 1)  # linking from search is accepting
    evidence.unlink(eva, link.id)
    assert state() == (None, 0)  # removing the link leaves nothing "accepted"
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert {
        "suggestion.accepted",
        "suggestion.rejected",
        "suggestion.undo",
        "evidence.unlink",
    } <= set(actions)


def test_links_and_decisions_belong_to_their_evaluator(two_evaluators: World) -> None:
    world = two_evaluators
    eva, evb = _user("eva"), _user("evb")
    ind = _indicator(world)
    chunk = _chunks(world)[0]
    link_a = evidence.link_passage(eva.id, world.large, ind.id, chunk.id)
    link_b = evidence.link_passage(evb.id, world.large, ind.id, chunk.id)
    assert link_a.id != link_b.id  # one link per evaluator and passage
    evidence.decide(evb.id, world.large, ind.id, chunk.id, "rejected")
    assert evidence.decisions_of(eva.id, world.large, ind.id) == {chunk.id: "accepted"}
    with pytest.raises(Forbidden):
        evidence.unlink(evb.id, link_a.id)
    with pytest.raises(Forbidden):  # coordinators see all and change none
        evidence.link_passage(_user("coord").id, world.large, ind.id, chunk.id)
    with pytest.raises(Forbidden):  # eva is not assigned to the small city
        evidence.decide(eva.id, world.small, ind.id, chunk.id, "accepted")


def test_blind_until_own_score(two_evaluators: World, client: FlaskClient) -> None:
    world = two_evaluators
    eva, evb = _user("eva"), _user("evb")
    ind = _indicator(world)
    chunk = _chunks(world)[1]
    evidence.link_passage(eva.id, world.large, ind.id, chunk.id, note="A의 근거")
    login(client, "evb")
    page = f"/submissions/{world.large}/indicators/{ind.code}"
    assert "A의 근거" not in client.get(page).get_data(as_text=True)
    links = client.get(page + "/links").get_data(as_text=True)
    assert "No evidence linked yet" in links or "연결된 증빙이 없습니다" in links
    # the submission page counts only evb's own links
    link_id = db.session.scalar(select(EvidenceLink.id).where(EvidenceLink.evaluator_id == eva.id))
    assert _post(client, f"/links/{link_id}/delete", page, {}).status_code == 404
    db.session.add(
        Score(
            submission_id=world.large,
            indicator_id=ind.id,
            evaluator_id=evb.id,
            stage="document",
            points=Decimal("1.00"),
        )
    )
    db.session.commit()
    assert eva.display_name in client.get(page + "/links").get_data(as_text=True)
    # visible now, still not evb's to remove
    assert _post(client, f"/links/{link_id}/delete", page, {}).status_code == 403
    coord = _other_client(client.application, "coord")
    assert eva.display_name in coord.get(page + "/links").get_data(as_text=True)


# ---------------------------------------------------------------- routes


@pytest.mark.parametrize("htmx", [True, False])
def test_remove_link_route(world: World, client: FlaskClient, htmx: bool) -> None:
    """Removing a link answered 500 for every role: the view read the deleted row."""
    eva = _user("eva").id
    ind = _indicator(world)
    chunk = _chunks(world)[0]
    link = evidence.link_passage(eva, world.large, ind.id, chunk.id)
    login(client, "eva")
    page = f"/submissions/{world.large}/indicators/{ind.code}"
    response = _post(client, f"/links/{link.id}/delete", page, {}, htmx=htmx)
    assert response.status_code == (200 if htmx else 302)
    assert _count(EvidenceLink) == 0
    assert _count(SuggestionDecision) == 0
    again = _post(client, f"/links/{link.id}/delete", page, {}, htmx=htmx)
    assert again.status_code == 404


def test_decision_routes_accept_reject_undo(world: World, client: FlaskClient) -> None:
    ind = _indicator(world)
    chunk = _chunks(world)[2]
    login(client, "eva")
    page = f"/submissions/{world.large}/indicators/{ind.code}"
    url = page + "/suggestions"
    for decision, expected in (("accepted", 1), ("rejected", 0), ("undo", 0)):
        response = _post(client, url, page, {"chunk_id": chunk.id, "decision": decision})
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
        assert _count(EvidenceLink) == expected
    assert _count(SuggestionDecision) == 0
    bad = _post(client, url, page, {"chunk_id": chunk.id, "decision": "maybe"})
    assert bad.status_code == 400
    coord = _other_client(client.application, "coord")
    refused = _post(coord, url, page, {"chunk_id": chunk.id, "decision": "accepted"})
    assert refused.status_code == 403
    refused = _post(coord, page + "/links", page, {"chunk_id": chunk.id})
    assert refused.status_code == 403
    assert _count(EvidenceLink) == 0


def test_link_route_is_idempotent(world: World, client: FlaskClient) -> None:
    ind = _indicator(world)
    chunk = _chunks(world)[0]
    login(client, "eva")
    page = f"/submissions/{world.large}/indicators/{ind.code}"
    for _ in range(3):
        assert _post(client, page + "/links", page, {"chunk_id": chunk.id}).status_code == 200
    assert _count(EvidenceLink) == 1


# ---------------------------------------------------------------- races


def _race(app: Flask, path: str, page: str, payloads: list[dict[str, object]]) -> list[int]:
    clients = []
    for _ in payloads:
        c = app.test_client()
        login(c, "eva")
        clients.append((c, csrf_token(c, page)))
    barrier = threading.Barrier(len(payloads))
    statuses: list[int] = []

    def click(c: FlaskClient, token: str, payload: dict[str, object]) -> None:
        barrier.wait()
        r = c.post(path, data={**payload, "csrf_token": token}, headers={"HX-Request": "true"})
        statuses.append(r.status_code)

    threads = [
        threading.Thread(target=click, args=(c, t, p))
        for (c, t), p in zip(clients, payloads, strict=True)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return statuses


@pytest.fixture()
def race_app(tmp_path: Path):  # type: ignore[no-untyped-def]
    """An app whose requests each get their own app context (no context held by the test:
    Flask-Login and Flask-WTF cache the user and the CSRF token in ``g``)."""
    app = make_app(tmp_path)
    with app.app_context():
        accounts.create_user("eva", PASSWORD, "evaluator")
        fw = import_framework(FRAMEWORK)
        r = rounds.create_round("경쟁", fw.id)
        sub = rounds.add_applicant(r.id, "한빛시", 1_020_000).submission_id
        rounds.assign(sub, "eva")
        world = World(r.id, fw.id, sub, sub)
        chunk_id = _chunks(world)[0].id
        code = _indicator(world).code
        db.session.remove()
    return app, sub, code, chunk_id


def test_ten_simultaneous_link_clicks_make_one_link(race_app) -> None:  # type: ignore[no-untyped-def]
    app, sub, code, chunk_id = race_app
    page = f"/submissions/{sub}/indicators/{code}"
    statuses = _race(app, page + "/links", page, [{"chunk_id": chunk_id}] * 10)
    assert statuses == [200] * 10
    with app.app_context():
        assert _count(EvidenceLink) == 1
        assert _count(SuggestionDecision) == 1


def test_simultaneous_decisions_and_undo_end_consistent(race_app) -> None:  # type: ignore[no-untyped-def]
    app, sub, code, chunk_id = race_app
    page = f"/submissions/{sub}/indicators/{code}"
    decisions = ["accepted", "rejected", "undo", "accepted", "rejected", "accepted"] * 2
    statuses = _race(
        app, page + "/suggestions", page, [{"chunk_id": chunk_id, "decision": d} for d in decisions]
    )
    assert set(statuses) <= {200, 409}, statuses
    with app.app_context():
        links = _count(EvidenceLink)
        rows = db.session.scalars(select(SuggestionDecision.decision)).all()
        assert len(rows) <= 1 and links <= 1
        # one state: accepted <=> linked
        assert (rows == ["accepted"]) == (links == 1)
