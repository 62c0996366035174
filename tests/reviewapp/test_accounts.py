"""Account administration, "change my password" and the account commands (issue item 7)."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from reviewapp.cli import accounts as cli_accounts
from reviewapp.extensions import db
from reviewapp.models import AuditEvent, User
from reviewapp.services import accounts

from ..conftest import PASSWORD, csrf_token, login
from .test_auth import _post_login, web  # noqa: F401  (the fixture: one `g` per request)


def _user(app: Flask, username: str) -> User:
    with app.app_context():
        user = accounts.user_by_name(username)
        db.session.expunge(user)
        return user


def _audit(app: Flask, action: str) -> list[AuditEvent]:
    with app.app_context():
        events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))
        for event in events:
            db.session.expunge(event)
        return events


def _admin(app: Flask) -> FlaskClient:
    client = app.test_client()
    login(client, "admin")
    return client


def _post(client: FlaskClient, path: str, **data: str):  # type: ignore[no-untyped-def]
    return client.post(path, data={**data, "csrf_token": csrf_token(client, "/rounds")})


# -- the admin page ----------------------------------------------------------------------


def test_only_admins_reach_user_administration(web: Flask) -> None:  # noqa: F811
    eva_id = _user(web, "eva").id
    for name in ("coord", "eva"):
        client = web.test_client()
        login(client, name)
        assert client.get("/admin/users").status_code == 403
        assert "/admin/users" not in client.get("/rounds").get_data(as_text=True)
        assert (
            _post(client, "/admin/users", username="x", role="admin", password="p" * 9).status_code
            == 403
        )
        assert _post(client, f"/admin/users/{eva_id}/deactivate").status_code == 403
        assert _post(client, f"/admin/users/{eva_id}/password", password="p" * 9).status_code == 403
        assert _post(client, f"/admin/users/{eva_id}/role", role="admin").status_code == 403
    assert _user(web, "eva").active and _user(web, "eva").role == "evaluator"
    anonymous = web.test_client().get("/admin/users")
    assert anonymous.status_code == 302 and anonymous.headers["Location"].startswith("/login")


def test_admin_lists_users_in_korean(web: Flask) -> None:  # noqa: F811
    admin = _admin(web)
    html = admin.get("/rounds").get_data(as_text=True)
    assert 'href="/admin/users"' in html and "사용자 관리" in html and "비밀번호 변경" in html
    page = admin.get("/admin/users")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for name in ("admin", "coord", "eva", "evb"):
        assert f"<td>{name}</td>" in html
    assert "새 사용자" in html and "비활성화" in html and "평가위원" in html


def test_admin_creates_a_user(web: Flask) -> None:  # noqa: F811
    admin = _admin(web)
    response = _post(
        admin, "/admin/users", username="kim", display_name="김평가", role="evaluator",
        password="kim-pass-123",
    )  # fmt: skip
    assert response.status_code == 302
    kim = _user(web, "kim")
    assert kim.role == "evaluator" and kim.display_name == "김평가" and kim.active
    login(web.test_client(), "kim", "kim-pass-123")
    [event] = _audit(web, "user.create")[-1:]
    assert event.actor_id == _user(web, "admin").id and event.entity_id == kim.id
    assert "kim-pass-123" not in str(event.data)
    # refused: a short password, a taken name
    short = _post(admin, "/admin/users", username="lee", role="evaluator", password="short")
    assert short.status_code == 400 and "8자 이상" in short.get_data(as_text=True)
    taken = _post(admin, "/admin/users", username="kim", role="evaluator", password="x" * 10)
    assert taken.status_code == 400 and "이미 사용 중인 아이디" in taken.get_data(as_text=True)
    with web.app_context():
        assert db.session.scalar(select(User).where(User.username == "lee")) is None


def test_deactivation_ends_sessions_and_logins_until_reactivated(web: Flask) -> None:  # noqa: F811
    eva = web.test_client()
    login(eva, "eva")
    admin = _admin(web)
    eva_id = _user(web, "eva").id
    assert _post(admin, f"/admin/users/{eva_id}/deactivate").status_code == 302
    assert not _user(web, "eva").active
    assert eva.get("/rounds").status_code == 302  # the open session ended
    assert _post_login(web.test_client(), "eva", PASSWORD).status_code == 400  # no login
    assert _post(admin, f"/admin/users/{eva_id}/deactivate").status_code == 400  # already
    assert _post(admin, f"/admin/users/{eva_id}/reactivate").status_code == 302
    assert _user(web, "eva").active
    login(web.test_client(), "eva")
    assert [e.actor_id for e in _audit(web, "user.deactivate")] == [_user(web, "admin").id]
    assert [e.entity_id for e in _audit(web, "user.reactivate")] == [eva_id]


def test_admin_resets_a_password_and_ends_the_users_sessions(web: Flask) -> None:  # noqa: F811
    eva = web.test_client()
    login(eva, "eva")
    admin = _admin(web)
    eva_id = _user(web, "eva").id
    short = _post(admin, f"/admin/users/{eva_id}/password", password="short")
    assert short.status_code == 400
    assert eva.get("/rounds").status_code == 200  # nothing changed
    done = _post(admin, f"/admin/users/{eva_id}/password", password="fresh-pass-99")
    assert done.status_code == 302
    assert eva.get("/rounds").status_code == 302
    assert _post_login(web.test_client(), "eva", PASSWORD).status_code == 400
    login(web.test_client(), "eva", "fresh-pass-99")
    [event] = _audit(web, "user.password_reset")
    assert event.entity_id == eva_id and "fresh-pass-99" not in str(event.data)


def test_admin_cannot_deactivate_self_or_demote_the_last_admin(web: Flask) -> None:  # noqa: F811
    admin = _admin(web)
    admin_id = _user(web, "admin").id
    own = _post(admin, f"/admin/users/{admin_id}/deactivate")
    assert own.status_code == 403 and "자신의 계정" in own.get_data(as_text=True)
    demote = _post(admin, f"/admin/users/{admin_id}/role", role="coordinator")
    assert demote.status_code == 403 and "마지막 활성 관리자" in demote.get_data(as_text=True)
    assert _user(web, "admin").role == "admin" and _user(web, "admin").active
    # with a second admin, the first may step down
    coord_id = _user(web, "coord").id
    assert _post(admin, f"/admin/users/{coord_id}/role", role="admin").status_code == 302
    assert _post(admin, f"/admin/users/{admin_id}/role", role="evaluator").status_code == 302
    assert _user(web, "admin").role == "evaluator"
    assert admin.get("/admin/users").status_code == 403  # the role is read on every request
    [first, second] = _audit(web, "user.role_change")
    assert first.data == {"old": "coordinator", "new": "admin"}
    assert second.data == {"old": "admin", "new": "evaluator"}


def test_unknown_user_id_is_404(web: Flask) -> None:  # noqa: F811
    assert _post(_admin(web), "/admin/users/999/deactivate").status_code == 404


# -- change my password ----------------------------------------------------------------------


def test_change_my_password(web: Flask) -> None:  # noqa: F811
    here, elsewhere = web.test_client(), web.test_client()
    login(here, "eva")
    login(elsewhere, "eva")
    page = here.get("/account/password")
    assert page.status_code == 200 and "현재 비밀번호" in page.get_data(as_text=True)

    def change(current: str, new: str, confirm: str | None = None):  # type: ignore[no-untyped-def]
        return _post(
            here, "/account/password", current_password=current, new_password=new,
            confirm=new if confirm is None else confirm,
        )  # fmt: skip

    wrong = change("not-my-password", "new-pass-123")
    assert wrong.status_code == 400 and "현재 비밀번호가 맞지 않습니다" in wrong.get_data(
        as_text=True
    )
    short = change(PASSWORD, "short")
    assert short.status_code == 400 and "8자 이상" in short.get_data(as_text=True)
    differ = change(PASSWORD, "new-pass-123", "new-pass-124")
    assert differ.status_code == 400 and "서로 다릅니다" in differ.get_data(as_text=True)
    assert elsewhere.get("/rounds").status_code == 200  # nothing changed yet

    assert change(PASSWORD, "new-pass-123").status_code == 302
    assert here.get("/rounds").status_code == 200  # this session stays
    assert elsewhere.get("/rounds").status_code == 302  # every other one ends
    assert _post_login(web.test_client(), "eva", PASSWORD).status_code == 400
    login(web.test_client(), "eva", "new-pass-123")
    [event] = _audit(web, "user.password_change")
    assert event.actor_id == event.entity_id == _user(web, "eva").id


def test_change_password_needs_a_login(web: Flask) -> None:  # noqa: F811
    response = web.test_client().get("/account/password")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


# -- my settings: single-key shortcuts (issue 17, WCAG 2.1.4) ---------------------------------


def test_keyboard_shortcuts_setting_is_saved_with_the_account(web: Flask) -> None:  # noqa: F811
    here, elsewhere = web.test_client(), web.test_client()
    login(here, "eva")
    login(elsewhere, "eva")
    page = here.get("/account/settings").get_data(as_text=True)
    assert "내 설정" in page and "한 글자 단축키" in page
    assert 'value="on" aria-describedby="keys-setting-help" checked' in page
    assert 'data-keyboard-shortcuts="on"' in here.get("/rounds").get_data(as_text=True)

    off = _post(here, "/account/settings", keyboard_shortcuts="off")
    assert off.status_code == 302 and off.headers["Location"] == "/account/settings"
    assert "설정을 저장했습니다" in here.get("/account/settings").get_data(as_text=True)
    assert _user(web, "eva").keyboard_shortcuts is False
    # the account's setting, so every browser of the user has it
    assert 'data-keyboard-shortcuts="off"' in elsewhere.get("/rounds").get_data(as_text=True)
    [event] = _audit(web, "user.settings")
    assert event.actor_id == event.entity_id == _user(web, "eva").id

    # the workbench's switch posts through htmx: 204, nothing to swap
    on = here.post(
        "/account/settings",
        data={"keyboard_shortcuts": "on"},
        headers={"HX-Request": "true", "X-CSRFToken": csrf_token(here, "/rounds")},
    )
    assert on.status_code == 204 and _user(web, "eva").keyboard_shortcuts is True
    assert _user(web, "coord").keyboard_shortcuts is True  # nobody else's changed


def test_keyboard_shortcuts_setting_refuses_bad_values_and_missing_tokens(
    web: Flask,  # noqa: F811
) -> None:
    here = web.test_client()
    login(here, "eva")
    for value in ("maybe", "", "ON ; drop table users"):
        bad = _post(here, "/account/settings", keyboard_shortcuts=value)
        assert bad.status_code == 400
        assert "한 글자 단축키를 켤지 끌지 선택하십시오" in bad.get_data(as_text=True)
    missing = here.post("/account/settings", data={})
    assert missing.status_code == 400  # no CSRF token
    htmx = here.post(
        "/account/settings",
        data={"keyboard_shortcuts": "yes"},
        headers={"HX-Request": "true", "X-CSRFToken": csrf_token(here, "/rounds")},
    )
    assert htmx.status_code == 400 and "선택하십시오" in htmx.get_data(as_text=True)
    no_token = here.post("/account/settings", data={"keyboard_shortcuts": "off"})
    assert no_token.status_code == 400
    assert _user(web, "eva").keyboard_shortcuts is True  # nothing was saved
    anonymous = web.test_client().get("/account/settings")
    assert anonymous.status_code == 302 and anonymous.headers["Location"].startswith("/login")


def test_migration_0009_downgrades_and_upgrades(web: Flask) -> None:  # noqa: F811
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import inspect

    with web.app_context():
        downgrade(revision="0008_questions")
        columns = {c["name"] for c in inspect(db.engine).get_columns("users")}
        assert "keyboard_shortcuts" not in columns
        upgrade()
        columns = {c["name"] for c in inspect(db.engine).get_columns("users")}
        assert "keyboard_shortcuts" in columns
        # users that were there before the column have the shortcuts on
        assert all(u.keyboard_shortcuts for u in db.session.scalars(select(User)))


# -- the command line --------------------------------------------------------------------------


def test_account_commands(web: Flask) -> None:  # noqa: F811
    runner = web.test_cli_runner()
    created = runner.invoke(
        args=["create-user", "park", "--role", "coordinator", "--password-stdin", "--json"],
        input="park-pass-123\n",
    )
    assert created.exit_code == 0, created.output
    assert '"username": "park"' in created.output and "park-pass-123" not in created.output
    login(web.test_client(), "park", "park-pass-123")

    session = web.test_client()
    login(session, "park", "park-pass-123")
    result = runner.invoke(args=["deactivate-user", "park"])
    assert result.exit_code == 0 and "deactivated" in result.output
    assert session.get("/rounds").status_code == 302
    assert _post_login(web.test_client(), "park", "park-pass-123").status_code == 400

    result = runner.invoke(args=["reactivate-user", "park", "--json"])
    assert result.exit_code == 0 and '"active": true' in result.output

    # a prompt with confirmation; a mismatch asks again
    result = runner.invoke(
        args=["reset-password", "park"],
        input="typed-pass-1\ntyped-pass-2\ntyped-pass-3\ntyped-pass-3\n",
    )
    assert result.exit_code == 0, result.output
    assert "typed-pass" not in result.output
    login(web.test_client(), "park", "typed-pass-3")
    result = runner.invoke(
        args=["reset-password", "park", "--password-stdin"], input="piped-pass-9\n"
    )
    assert result.exit_code == 0, result.output
    login(web.test_client(), "park", "piped-pass-9")

    actions = [e.action for e in _audit(web, "user.password_reset")]
    assert actions == ["user.password_reset"] * 2
    assert all(e.actor_id is None for e in _audit(web, "user.deactivate"))


def test_account_commands_refuse_readably(web: Flask) -> None:  # noqa: F811
    runner = web.test_cli_runner()
    result = runner.invoke(args=["deactivate-user", "nobody"])
    assert result.exit_code == 1 and "no user named 'nobody'" in result.output
    result = runner.invoke(args=["deactivate-user", "admin"])
    assert result.exit_code == 1 and "last active admin" in result.output
    result = runner.invoke(args=["reset-password", "eva", "--password-stdin"], input="short\n")
    assert result.exit_code == 1 and "at least 8 characters" in result.output
    result = runner.invoke(args=["reactivate-user", "eva"])
    assert result.exit_code == 1 and "active already" in result.output
    login(web.test_client(), "eva")  # nothing changed


def test_account_commands_live_in_cli_accounts(web: Flask) -> None:  # noqa: F811
    for name in ("create-user", "deactivate-user", "reactivate-user", "reset-password"):
        assert web.cli.get_command(None, name) in cli_accounts.commands  # type: ignore[arg-type]
