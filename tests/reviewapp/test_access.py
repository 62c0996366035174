"""An evaluator sees only assigned submissions, on every route that takes a submission id."""

from __future__ import annotations

import io
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from reviewapp.services import access, accounts, uploads
from tests.conftest import World, csrf_token, login


def test_evaluator_query_is_filtered(app: Flask, world: World) -> None:
    eva = accounts.user_by_name("eva")
    assert access.visible_submission_ids(eva) == [world.large]
    coord = accounts.user_by_name("coord")
    assert sorted(access.visible_submission_ids(coord)) == sorted([world.large, world.small])


def test_round_page_lists_only_assigned_applicants(client: FlaskClient, world: World) -> None:
    login(client, "eva")
    html = client.get(f"/rounds/{world.round_id}").get_data(as_text=True)
    assert "한빛시" in html and "솔내시" not in html


def test_unassigned_evaluator_sees_no_round(client: FlaskClient, world: World) -> None:
    accounts.create_user("nobody", "test-pass-1234", "evaluator")
    login(client, "nobody")
    assert client.get(f"/rounds/{world.round_id}").status_code == 404
    assert "2026 인증" not in client.get("/rounds").get_data(as_text=True)


GUARDED = {"submission_id", "document_id"}


def guarded_routes(app: Flask, method: str) -> list[str]:
    """Every route that names a submission or one of its documents."""
    return sorted(
        r.rule
        for r in app.url_map.iter_rules()
        if GUARDED & set(r.arguments) and method in r.methods
    )


def _fill(rule: str, submission_id: int, document_id: int) -> str:
    url = re.sub(r"<(?:int:)?submission_id>", str(submission_id), rule)
    url = re.sub(r"<(?:int:)?document_id>", str(document_id), url)
    url = re.sub(r"<(?:int:)?chunk_id>", "1", url)
    return url.replace("<code>", "INN-01").replace("<batch>", "x")


def _document_of(submission_id: int) -> int:
    report = uploads.add_upload(
        submission_id,
        "근거.txt",
        io.BytesIO("스마트도시 통합운영센터 운영 현황".encode()),
        enqueue_jobs=False,
    )
    return report.outcomes[0].document_id


def test_every_submission_route_hides_unassigned(
    app: Flask, client: FlaskClient, world: World
) -> None:
    other_doc = _document_of(world.small)
    own_doc = _document_of(world.large)
    login(client, "eva")
    routes = guarded_routes(app, "GET")
    assert len(routes) >= 4, routes
    for rule in routes:
        url = _fill(rule, world.small, other_doc)
        assert client.get(url).status_code in (403, 404), url
    assert client.get(f"/submissions/{world.large}").status_code == 200
    assert client.get(f"/documents/{own_doc}").status_code == 200


def test_evaluator_cannot_post_submission_routes(
    app: Flask, client: FlaskClient, world: World
) -> None:
    login(client, "eva")
    token = csrf_token(client, "/rounds")
    other_doc = _document_of(world.small)
    posts = guarded_routes(app, "POST")
    assert posts
    for rule in posts:
        url = _fill(rule, world.small, other_doc)
        assert client.post(url, data={"csrf_token": token}).status_code in (403, 404), url


@pytest.mark.parametrize("path", ["/rounds/{round}/applicants", "/rounds/{round}/assignments"])
def test_evaluator_cannot_manage(client: FlaskClient, world: World, path: str) -> None:
    login(client, "eva")
    token = csrf_token(client, "/rounds")
    url = path.format(round=world.round_id)
    assert (
        client.post(url, data={"csrf_token": token, "name": "x", "population": 1}).status_code
        == 403
    )


def test_coordinator_registers_and_assigns(client: FlaskClient, world: World) -> None:
    login(client, "coord")
    token = csrf_token(client, "/rounds")
    client.post(
        f"/rounds/{world.round_id}/applicants",
        data={"csrf_token": token, "name": "가온시", "population": "700000"},
    )
    html = client.get(f"/rounds/{world.round_id}").get_data(as_text=True)
    assert "가온시" in html and "700,000" in html
