from __future__ import annotations

from flask.testing import FlaskClient

from tests.conftest import World, csrf_token, login


def test_login_page_is_korean_by_default(client: FlaskClient) -> None:
    html = client.get("/login").get_data(as_text=True)
    assert "로그인" in html
    assert '<label for="username">' in html


def test_login_logout(client: FlaskClient, world: World) -> None:
    assert client.get("/rounds").status_code == 302  # anonymous -> login
    login(client, "eva")
    assert client.get("/rounds").status_code == 200
    token = csrf_token(client, "/rounds")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/rounds").status_code == 302


def test_wrong_password_is_refused(client: FlaskClient, world: World) -> None:
    token = csrf_token(client)
    response = client.post(
        "/login", data={"username": "eva", "password": "nope-nope", "csrf_token": token}
    )
    assert response.status_code == 400
    assert "아이디 또는 비밀번호" in response.get_data(as_text=True)
    assert client.get("/rounds").status_code == 302


def test_login_without_csrf_token_is_rejected(client: FlaskClient, world: World) -> None:
    response = client.post("/login", data={"username": "eva", "password": "test-pass-1234"})
    assert response.status_code == 400
    assert client.get("/rounds").status_code == 302


def test_form_post_without_csrf_is_rejected(client: FlaskClient, world: World) -> None:
    login(client, "coord")
    response = client.post(
        f"/rounds/{world.round_id}/applicants", data={"name": "X시", "population": "1"}
    )
    assert response.status_code == 400


def test_htmx_request_needs_the_csrf_header(client: FlaskClient, world: World) -> None:
    login(client, "coord")
    token = csrf_token(client, "/rounds")
    url = f"/rounds/{world.round_id}/applicants"
    data = {"name": "가온시", "population": "600000"}
    bad = client.post(url, data=data, headers={"HX-Request": "true"})
    assert bad.status_code == 400
    good = client.post(url, data=data, headers={"HX-Request": "true", "X-CSRFToken": token})
    assert good.status_code == 302


def test_language_switch(client: FlaskClient, world: World) -> None:
    login(client, "eva")
    assert "평가 라운드" in client.get("/rounds").get_data(as_text=True)
    token = csrf_token(client, "/rounds")
    client.post("/lang/en", data={"csrf_token": token, "next": "/rounds"})
    html = client.get("/rounds").get_data(as_text=True)
    assert "Certification rounds" in html and "평가 라운드" not in html
    token = csrf_token(client, "/rounds")
    client.post("/lang/ko", data={"csrf_token": token, "next": "/rounds"})
    assert "평가 라운드" in client.get("/rounds").get_data(as_text=True)


def test_open_redirect_is_refused(client: FlaskClient, world: World) -> None:
    token = csrf_token(client)
    response = client.post(
        "/login?next=https://evil.example/",
        data={"username": "eva", "password": "test-pass-1234", "csrf_token": token},
    )
    assert response.headers["Location"] == "/rounds"
