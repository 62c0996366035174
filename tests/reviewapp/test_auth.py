from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from reviewapp.extensions import db
from reviewapp.models import AuditEvent, LoginThrottle
from reviewapp.services import accounts, throttle

from ..conftest import PASSWORD, World, csrf_token, login, make_app


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


# -- sessions that really end (issue item 6) -------------------------------------------------


# The tests below run requests with no app context held open (the `app` fixture holds one,
# which makes `g`, and so Flask-Login's and Flask-WTF's per-request caches, shared by every
# request of a test): each request gets its own `g`, as in a server, so two clients are two
# browsers.

USERS = (("admin", "admin"), ("coord", "coordinator"), ("eva", "evaluator"), ("evb", "evaluator"))


@pytest.fixture()
def web(tmp_path: Path) -> Flask:
    app = make_app(tmp_path)
    with app.app_context():
        for name, role in USERS:
            accounts.create_user(name, PASSWORD, role)
    return app


def _session_cookie(client: FlaskClient) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def _with_cookie(app: Flask, value: str) -> FlaskClient:
    other = app.test_client()
    other.set_cookie("session", value)
    return other


def test_cookie_saved_before_logout_is_refused_after(web: Flask) -> None:
    app, client = web, web.test_client()
    login(client, "eva")
    saved = _session_cookie(client)
    assert _with_cookie(app, saved).get("/rounds").status_code == 200
    token = csrf_token(client, "/rounds")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    replay = _with_cookie(app, saved).get("/rounds")
    assert replay.status_code == 302
    assert replay.headers["Location"].startswith("/login")


def test_logout_ends_every_session_of_that_user(web: Flask) -> None:
    app = web
    laptop, phone, other_user = app.test_client(), app.test_client(), app.test_client()
    login(laptop, "eva")
    login(phone, "eva")
    login(other_user, "evb")
    laptop.post("/logout", data={"csrf_token": csrf_token(laptop, "/rounds")})
    assert phone.get("/rounds").status_code == 302
    assert other_user.get("/rounds").status_code == 200
    login(phone, "eva")  # a new login works
    assert phone.get("/rounds").status_code == 200


def test_revoked_session_says_so_on_the_login_page(web: Flask) -> None:
    app = web
    a, b = app.test_client(), app.test_client()
    login(a, "eva")
    login(b, "eva")
    a.post("/logout", data={"csrf_token": csrf_token(a, "/rounds")})
    response = b.get("/rounds", follow_redirects=True)
    assert "세션이 종료되었습니다" in response.get_data(as_text=True)


def test_idle_session_ends(web: Flask) -> None:
    client = web.test_client()
    login(client, "eva")
    idle = web.config["SESSION_IDLE_MINUTES"] * 60
    with client.session_transaction() as sess:
        sess["seen"] = int(time.time() - idle + 120)  # two minutes left
    assert client.get("/rounds").status_code == 200
    with client.session_transaction() as sess:
        assert sess["seen"] >= int(time.time()) - 5  # activity moves last-seen on
        sess["seen"] = int(time.time() - idle - 1)
    response = client.get("/rounds")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    with client.session_transaction() as sess:
        assert "_user_id" not in sess


def test_idle_timeout_is_configurable(tmp_path: Path) -> None:
    from reviewapp.config import DEFAULTS, from_env

    assert DEFAULTS["SESSION_IDLE_MINUTES"] == 480
    assert from_env({"REVIEWAPP_SESSION_IDLE_MINUTES": "15"}) == {"SESSION_IDLE_MINUTES": 15}
    app = make_app(tmp_path, SESSION_IDLE_MINUTES=15)
    with app.app_context():
        accounts.create_user("eva", PASSWORD, "evaluator")
    client = app.test_client()
    login(client, "eva")
    with client.session_transaction() as sess:
        sess["seen"] = int(time.time() - 16 * 60)
    assert client.get("/rounds").status_code == 302


def test_htmx_request_of_an_ended_session_gets_401_and_hx_redirect(web: Flask) -> None:
    client = web.test_client()
    login(client, "eva")
    with client.session_transaction() as sess:
        sess["sv"] = -1  # as if the user's version had moved on
    response = client.get("/rounds", headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"] == "/login"


# -- throttled logins (issue item 8) ---------------------------------------------------------


def _post_login(
    client: FlaskClient, username: str, password: str, address: str = "127.0.0.1"
) -> TestResponse:
    token = csrf_token(client)
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token},
        environ_base={"REMOTE_ADDR": address},
    )


def _actions(app: Flask) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_account_is_locked_after_five_failures_even_for_the_right_password(web: Flask) -> None:
    app, client = web, web.test_client()
    for _ in range(4):
        assert _post_login(client, "eva", "wrong-password").status_code == 400
    fifth = _post_login(client, "eva", "wrong-password")
    assert fifth.status_code == 429
    html = fifth.get_data(as_text=True)
    assert "로그인 시도가 너무 많습니다. 15분 후에 다시 시도해 주세요." in html
    assert 0 < int(fifth.headers["Retry-After"]) <= 15 * 60
    # the right password is refused the same way while locked, and nothing logs in
    right = _post_login(client, "eva", PASSWORD)
    assert right.status_code == 429
    assert "로그인 시도가 너무 많습니다" in right.get_data(as_text=True)
    assert client.get("/rounds").status_code == 302
    # the username as typed is normalized: case and spaces do not escape the lock
    assert _post_login(client, " EVA ", PASSWORD).status_code == 429
    # another account from the same address is not locked
    login(client, "evb")
    actions = _actions(app)
    assert actions.count("auth.login_failed") == 7  # 5 wrong + 2 refused while locked
    assert actions.count("auth.locked") == 1
    assert actions.count("auth.login") == 1


def test_lock_message_in_english(web: Flask) -> None:
    client = web.test_client()
    client.post("/lang/en", data={"csrf_token": csrf_token(client)})
    for _ in range(5):
        response = _post_login(client, "eva", "wrong-password")
    assert response.status_code == 429
    assert "Too many login attempts. Try again in 15 minutes." in response.get_data(as_text=True)


def test_lock_holds_for_a_new_app_on_the_same_data(web: Flask, tmp_path: Path) -> None:
    app, client = web, web.test_client()
    for _ in range(5):
        _post_login(client, "eva", "wrong-password")
    restarted = make_app(tmp_path)  # same DATA_DIR: another process, or after a restart
    assert _post_login(restarted.test_client(), "eva", PASSWORD).status_code == 429
    with app.app_context():
        row = db.session.get(LoginThrottle, ("account", throttle.account_key("eva")))
        assert row is not None and row.failures == 5 and row.locked_until is not None


def test_lock_ends_after_the_lock_time(web: Flask) -> None:
    app, client = web, web.test_client()
    for _ in range(5):
        _post_login(client, "eva", "wrong-password")
    with app.app_context():
        row = db.session.get(LoginThrottle, ("account", throttle.account_key(" Eva")))
        assert row is not None
        row.locked_until = datetime.now(UTC).replace(tzinfo=None) - timedelta(seconds=1)
        db.session.commit()
    assert _post_login(client, "eva", PASSWORD).status_code == 302


def test_success_resets_the_account_count(web: Flask) -> None:
    client = web.test_client()
    for _ in range(4):
        assert _post_login(client, "eva", "wrong-password").status_code == 400
    assert _post_login(client, "eva", PASSWORD).status_code == 302
    client.post("/logout", data={"csrf_token": csrf_token(client, "/rounds")})
    for _ in range(4):
        assert _post_login(client, "eva", "wrong-password").status_code == 400
    assert _post_login(client, "eva", PASSWORD).status_code == 302


def test_address_is_locked_after_twenty_failures(web: Flask) -> None:
    client = web.test_client()
    # a sweep over many usernames, 4 tries each (under the account limit)
    names = ["admin", "coord", "evb", "ghost", "nobody"]
    codes = [_post_login(client, n, "wrong-password").status_code for n in names for _ in range(4)]
    assert codes[:19] == [400] * 19 and codes[19] == 429
    assert _post_login(client, "eva", PASSWORD).status_code == 429  # that address only
    assert _post_login(client, "eva", PASSWORD, address="10.0.0.2").status_code == 302


def test_unknown_username_locks_like_a_real_one(web: Flask) -> None:
    client = web.test_client()
    codes = [_post_login(client, "ghost", "wrong-password").status_code for _ in range(6)]
    assert codes == [400, 400, 400, 400, 429, 429]


def test_login_audit_never_records_the_password(web: Flask) -> None:
    app, client = web, web.test_client()
    _post_login(client, "eva", "secret-wrong-1")
    _post_login(client, "ghost", "secret-wrong-2")
    _post_login(client, "secret-typed-as-name", "x")
    _post_login(client, "eva", PASSWORD)
    with app.app_context():
        events = list(db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)))
        eva = accounts.user_by_name("eva")
    failed = [e for e in events if e.action == "auth.login_failed"]
    reasons = [e.data["reason"] for e in failed]
    assert reasons == ["wrong_password", "unknown_user", "unknown_user"]
    assert failed[0].entity_id == eva.id and failed[1].entity_id is None
    assert failed[0].data["username"] == "eva"
    assert failed[1].data["username"].startswith("sha256:")
    assert failed[0].data["address"] == "127.0.0.1"
    ok = [e for e in events if e.action == "auth.login"]
    assert len(ok) == 1 and ok[0].actor_id == eva.id
    dumped = json.dumps([e.data for e in events])
    assert "secret-" not in dumped and PASSWORD not in dumped
    with app.app_context():
        keys = db.session.scalars(select(LoginThrottle.key)).all()
    assert keys and not any("secret" in k for k in keys)


def test_login_time_does_not_reveal_whether_a_user_exists(
    web: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    app, client = web, web.test_client()
    from reviewapp.services import accounts as accounts_module

    calls: list[str] = []
    real = accounts_module.check_password_hash

    def counting(pwhash: str, password: str) -> bool:
        calls.append(pwhash.split("$", 1)[0])
        return real(pwhash, password)

    monkeypatch.setattr(accounts_module, "check_password_hash", counting)
    with app.app_context():
        eva_method = accounts.user_by_name("eva").password_hash.split("$", 1)[0]
        accounts.deactivate_user(accounts.user_by_name("evb").id, actor_id=None)
    for name in ("eva", "ghost", "evb"):  # known, unknown, inactive
        calls.clear()
        assert _post_login(client, name, "wrong-password").status_code == 400
        assert calls == [eva_method], name  # one hash check of the same method each time

    def timed(name: str, address: str) -> float:
        start = time.perf_counter()
        _post_login(client, name, "wrong-password", address=address)
        return time.perf_counter() - start

    known = sorted(timed("eva" if i < 2 else "coord", f"10.1.0.{i}") for i in range(3))
    unknown = sorted(timed(f"ghost{i}", f"10.2.0.{i}") for i in range(3))
    assert unknown[1] / known[1] > 0.5, (known, unknown)


def test_redis_throttle_store() -> None:
    """The Redis backend against a real redis-server (skipped where none is installed)."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed: the Redis throttle backend is not tested")
    redis = pytest.importorskip("redis", reason="the redis package ([scale] extra) is missing")

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        [binary, "--port", str(port), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    try:
        client = redis.Redis(port=port)
        for _ in range(50):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.1)
        store = throttle.RedisStore(client, prefix="test")
        limits = throttle.Limits(3, 10, timedelta(minutes=15), timedelta(minutes=15))
        now = datetime.now(UTC).replace(tzinfo=None)
        assert store.locked_until("account", "eva", now) is None
        assert store.register_failure("account", "eva", limits, now).locked_until is None
        assert store.register_failure("account", "eva", limits, now).failures == 2
        third = store.register_failure("account", "eva", limits, now)
        assert third.locked_until is not None
        until = store.locked_until("account", "eva", now)
        assert until is not None and until > now + timedelta(minutes=14)
        assert 0 < client.ttl("test:account:eva:lock") <= 15 * 60
        store.reset("account", "eva")
        assert store.locked_until("account", "eva", now) is None
    finally:
        server.terminate()
        server.wait(10)


def test_migration_0003_downgrades_and_upgrades(app: Flask) -> None:
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import inspect

    downgrade(revision="0002_evidence_owner")
    inspector = inspect(db.engine)
    assert "login_throttle" not in inspector.get_table_names()
    assert "session_version" not in {c["name"] for c in inspector.get_columns("users")}
    upgrade()
    inspector = inspect(db.engine)
    assert "login_throttle" in inspector.get_table_names()
    assert "session_version" in {c["name"] for c in inspector.get_columns("users")}
