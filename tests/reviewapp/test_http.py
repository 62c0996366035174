"""HTTP edges: odd ids and filters, error pages that always render, security headers,
originals served by their content, and the production web server (gunicorn)."""

from __future__ import annotations

import contextlib
import io
import logging
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from reviewapp.converters import ID_MAX, IdConverter, id_type, int_type, parse_id, parse_int
from reviewapp.extensions import db, login_manager
from reviewapp.models import Applicant, Document, User
from reviewapp.security import CONTENT_SECURITY_POLICY

from ..conftest import ROOT, World, csrf_token, login, make_app

# Each would alias id 1 (Unicode digits) or overflow the database's integer (the rest).
BAD_IDS = ["2147483648", str(2**63), "99999999999999999999", "١", "１", "१", "𝟏", "-1", "0", "1.0"]
_ID_PARAM = re.compile(r"<id:(\w+)>")
_OTHER_PARAM = re.compile(r"<(?:[\w]+(?:\([^)]*\))?:)?(\w+)>")


# ---------------------------------------------------------------- parsing


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1", 1),
        ("42", 42),
        ("007", 7),
        (str(ID_MAX), ID_MAX),
        (str(ID_MAX + 1), None),
        (str(2**63), None),
        ("99999999999999999999", None),
        ("0", None),
        ("-1", None),
        ("+1", None),
        (" 1", None),
        ("1 ", None),
        ("1_000", None),
        ("1.0", None),
        ("", None),
        ("١", None),
        ("１", None),
        ("१", None),
        ("𝟏", None),
        ("٣", None),
        (None, None),
        (True, None),
        (5, 5),
        (0, None),
    ],
)
def test_parse_id_takes_ascii_digits_in_range_only(raw: object, expected: int | None) -> None:
    assert parse_id(raw) == expected


def test_type_callables_raise_value_error_so_flask_ignores_the_value() -> None:
    assert id_type("12") == 12
    for raw in ("", "١", "0", str(2**63)):
        with pytest.raises(ValueError):
            id_type(raw)
    assert int_type(0, 5)("0") == 0
    with pytest.raises(ValueError):
        int_type(0, 5)("6")
    assert parse_int("0") == 0 and parse_int("10", 1, 9) is None


def test_id_converter_pattern_holds_the_range() -> None:
    """The range is in the URL pattern (a refused match would answer 405 on shared paths)."""
    pattern = re.compile(IdConverter.regex)
    for n in [*range(1, 2100), 999_999_999, 1_000_000_000, 2_147_483_639, ID_MAX]:
        assert pattern.fullmatch(str(n)), n
    for raw in ["0", "01", str(ID_MAX + 1), "2147483650", "3000000000", "9999999999", "１"]:
        assert not pattern.fullmatch(raw), raw


def test_one_id_converter_for_every_id_route(app: Flask) -> None:
    """Every route parameter named *_id uses <id:...>; nothing uses Werkzeug's int."""
    assert app.url_map.converters["id"] is IdConverter
    id_rules = 0
    for rule in app.url_map.iter_rules():
        for name, converter in rule._converters.items():  # noqa: SLF001
            assert not type(converter).__name__.startswith(("Integer", "Number")), rule.rule
            if name.endswith("_id"):
                assert isinstance(converter, IdConverter), rule.rule
                id_rules += 1
    assert id_rules >= 10
    source = "\n".join(p.read_text() for p in (ROOT / "reviewapp" / "blueprints").glob("*.py"))
    assert "<int:" not in source and "type=int" not in source


# ---------------------------------------------------------------- odd ids: 404, nothing changes


def _document(world: World, name: str = "근거.txt") -> Document:
    from reviewapp.services import uploads

    text = "스마트시티 통합운영센터를 운영한다. 데이터 허브를 구축하였다.\n" * 5
    report = uploads.add_upload(world.large, name, io.BytesIO(text.encode("utf-8")))
    (outcome,) = report.outcomes
    document = db.session.get(Document, outcome.document_id)
    assert document is not None
    return document


def _counts() -> tuple[int, ...]:
    return (
        db.session.scalar(select(func.count()).select_from(Document)) or 0,
        db.session.scalar(select(func.count()).select_from(Applicant)) or 0,
    )


def test_every_id_route_answers_404_to_odd_ids(app: Flask, client: FlaskClient, world: World):
    """Walk the URL map, so that a new <id:...> route is covered without editing this test."""
    document = _document(world)
    assert document.id == 1 and world.large == 1  # what Unicode digits would alias
    login(client, "admin")
    token = csrf_token(client, "/rounds")
    before = _counts()
    rules = [rule for rule in app.url_map.iter_rules() if _ID_PARAM.search(rule.rule)]
    assert len(rules) >= 10
    tried = 0
    for rule in rules:
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            for bad in BAD_IDS:
                path = _ID_PARAM.sub(quote(bad), rule.rule)
                path = _OTHER_PARAM.sub("SVC-07", path)
                if method == "GET":
                    response = client.get(path)
                else:
                    response = client.open(
                        path,
                        method=method,
                        data={"csrf_token": token, "chunk_id": "1", "decision": "accepted"},
                        headers={"X-CSRFToken": token},
                    )
                assert response.status_code == 404, (method, path, response.status_code)
                tried += 1
    assert tried >= len(rules) * len(BAD_IDS)
    assert _counts() == before
    db.session.expire_all()
    assert db.session.get(Document, document.id).status != "deleted"  # type: ignore[union-attr]
    # the same routes with a real id still work
    assert client.get(f"/documents/{document.id}").status_code == 200
    assert client.get(f"/submissions/{world.large}").status_code == 200


def test_url_for_builds_id_routes(app: Flask) -> None:
    from flask import url_for

    with app.test_request_context():
        assert url_for("documents.view", document_id=5) == "/documents/5"


def test_odd_filters_are_ignored_or_refused_never_500(client: FlaskClient, world: World) -> None:
    document = _document(world)
    login(client, "admin")
    huge = "99999999999999999999"
    urls = [
        f"/search?q=데이터&page_min={huge}",
        f"/search?q=데이터&page_max={2**63}&page_min=-1",
        "/search?q=데이터&limit=１",
        f"/search?q=데이터&limit={huge}",
        f"/search?q=데이터&submission={huge}&document=١",
        f"/search?q=데이터&submission={world.large}&document={2**63}",
        f"/documents/{document.id}?chunk={huge}",
        f"/documents/{document.id}?chunk=١",
        f"/submissions/{world.large}/indicators/SVC-07/hits?page_min={huge}&limit=𝟏",
        f"/submissions/{world.large}/indicators/SVC-07/suggestions?limit={huge}",
        f"/submissions/{world.large}/indicators/SVC-07/suggestions?limit=１",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code in (200, 400), (url, response.status_code)

    token = csrf_token(client, "/rounds")
    for chunk_id in (huge, "١", "0", "-1", ""):
        for path in (
            f"/submissions/{world.large}/indicators/SVC-07/links",
            f"/submissions/{world.large}/indicators/SVC-07/suggestions",
        ):
            response = client.post(
                path, data={"csrf_token": token, "chunk_id": chunk_id, "decision": "accepted"}
            )
            assert response.status_code == 400, (path, chunk_id, response.status_code)


def test_odd_numbers_in_round_forms_are_refused(client: FlaskClient, world: World) -> None:
    login(client, "admin")
    token = csrf_token(client, "/rounds")
    applicants = _counts()[1]
    for population in ("99999999999999999999", "１２３", str(2**63)):
        response = client.post(
            f"/rounds/{world.round_id}/applicants",
            data={"csrf_token": token, "name": "새빛시", "population": population},
        )
        assert response.status_code == 302, population
    assert _counts()[1] == applicants
    for submission_id in ("99999999999999999999", "١", str(2**63)):
        response = client.post(
            f"/rounds/{world.round_id}/assignments",
            data={"csrf_token": token, "submission_id": submission_id, "username": "eva"},
        )
        assert response.status_code == 302, submission_id
    response = client.post(
        "/rounds", data={"csrf_token": token, "name": "다음 라운드", "framework_id": "１"}
    )
    assert response.status_code == 200  # the form again, with a message; no round made


# ---------------------------------------------------------------- error pages


def _fresh_app(tmp_path: Path) -> Flask:
    """An app whose exceptions reach its error handlers (as in production), with test-only
    routes that fail in the ways a real view can."""
    app = make_app(tmp_path, PROPAGATE_EXCEPTIONS=False)

    def boom() -> str:
        raise RuntimeError("test-only failure")

    def duplicate() -> str:
        db.session.add(User(username="admin", password_hash="x"))
        db.session.commit()  # IntegrityError: the username is taken
        return "not reached"

    def failed_session() -> str:
        db.session.add(User(username="admin", password_hash="x"))
        with contextlib.suppress(Exception):  # the session now refuses queries until rollback
            db.session.flush()
        db.session.execute(select(User))  # PendingRollbackError
        return "not reached"

    app.add_url_rule("/_test/boom", "test_boom", boom)
    app.add_url_rule("/_test/duplicate", "test_duplicate", duplicate)
    app.add_url_rule("/_test/failed-session", "test_failed_session", failed_session)
    with app.app_context():
        from reviewapp.services import accounts

        accounts.create_user("admin", "test-pass-1234", "admin")
        db.session.remove()
    return app


def _assert_app_page(response, code: int, text: str) -> None:  # type: ignore[no-untyped-def]
    html = response.get_data(as_text=True)
    assert response.status_code == code, html[:500]
    assert text in html, html[:1000]
    assert "app.css" in html
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY


class _Records(logging.Handler):
    """Collects the app logger's records (alembic's logging config replaces the root
    handlers during migrations, caplog's among them)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_unhandled_exception_gets_the_app_500_page_and_a_logged_traceback(
    tmp_path: Path,
) -> None:
    app = _fresh_app(tmp_path)
    client = app.test_client()
    login(client, "admin")
    collected = _Records()
    app.logger.addHandler(collected)
    try:
        response = client.get("/_test/boom")
    finally:
        app.logger.removeHandler(collected)
    _assert_app_page(response, 500, "서버에서 오류가 발생했습니다")
    assert "admin" in response.get_data(as_text=True)  # the header still shows who is in
    assert any(
        r.exc_info and "test-only failure" in str(r.exc_info[1]) for r in collected.records
    ), collected.records


def test_integrity_error_answers_409_and_the_session_recovers(tmp_path: Path) -> None:
    app = _fresh_app(tmp_path)
    client = app.test_client()
    login(client, "admin")
    response = client.get("/_test/duplicate")
    _assert_app_page(response, 409, "다른 요청이 같은 순간에 변경했거나")
    assert "충돌" in response.get_data(as_text=True)
    fragment = client.get("/_test/duplicate", headers={"HX-Request": "true"})
    assert fragment.status_code == 409
    assert fragment.get_data(as_text=True).startswith('<p class="flash error" role="alert">')
    assert client.get("/rounds").status_code == 200
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 1


def test_error_page_renders_after_a_failed_session(tmp_path: Path) -> None:
    app = _fresh_app(tmp_path)
    client = app.test_client()
    login(client, "admin")
    response = client.get("/_test/failed-session")
    _assert_app_page(response, 500, "서버에서 오류가 발생했습니다")
    assert client.get("/rounds").status_code == 200


def test_error_page_renders_when_the_user_cannot_be_loaded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy.exc import OperationalError

    app = _fresh_app(tmp_path)
    client = app.test_client()
    login(client, "admin")

    def broken_loader(_user_id: str) -> User:
        raise OperationalError("SELECT users", {}, Exception("database is gone"))

    monkeypatch.setattr(login_manager, "_user_callback", broken_loader)
    response = client.get("/rounds")
    _assert_app_page(response, 500, "서버에서 오류가 발생했습니다")


def test_error_page_falls_back_to_plain_html_when_rendering_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = _fresh_app(tmp_path)
    client = app.test_client()

    def broken_render(*_args: object, **_kwargs: object) -> str:
        raise RuntimeError("template broken")

    monkeypatch.setattr("reviewapp.blueprints._responses.render_template", broken_render)
    response = client.get("/_test/boom")
    _assert_app_page(response, 500, "요청을 처리하지 못했습니다")
    missing = client.get("/no/such/page")
    assert missing.status_code == 404


# ---------------------------------------------------------------- security headers


def _assert_headers(response, *, no_store: bool = True) -> None:  # type: ignore[no-untyped-def]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    if no_store:
        assert response.headers["Cache-Control"] == "no-store"
    else:
        assert "no-store" not in response.headers.get("Cache-Control", "")


def test_security_headers_on_pages_fragments_downloads_and_errors(
    client: FlaskClient, world: World
) -> None:
    document = _document(world)
    _assert_headers(client.get("/login"))
    login(client, "admin")
    _assert_headers(client.get("/rounds"))
    _assert_headers(client.get(f"/submissions/{world.large}"))
    _assert_headers(client.get(f"/documents/{document.id}/row", headers={"HX-Request": "true"}))
    _assert_headers(client.get(f"/documents/{document.id}/original"))
    _assert_headers(client.get("/documents/999999"))
    _assert_headers(client.get("/static/app.css"), no_store=False)
    _assert_headers(client.get("/static/app.js"), no_store=False)


def test_templates_hold_no_inline_script_style_or_handlers() -> None:
    """What the Content-Security-Policy forbids; the browser test checks the pages too."""
    inline = re.compile(r"<script(?![^>]*\bsrc=)|<style|\sstyle=|\son[a-z]+=", re.IGNORECASE)
    offenders = [
        f"{path.relative_to(ROOT)}: {match.group(0)}"
        for path in (ROOT / "templates").rglob("*.html")
        for match in inline.finditer(path.read_text(encoding="utf-8"))
    ]
    assert not offenders, offenders
    base = (ROOT / "templates" / "base.html").read_text(encoding="utf-8")
    assert '"includeIndicatorStyles": false' in base
    assert ".htmx-indicator" in (ROOT / "reviewapp" / "static" / "app.css").read_text()


# ---------------------------------------------------------------- originals by content


def _png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def _pdf() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def test_originals_are_served_by_their_content_not_their_name(
    client: FlaskClient, world: World
) -> None:
    files = {
        "x.pdf": _png(),  # a PNG named .pdf: shown as the image it is
        "y.pdf": "그냥 텍스트 파일입니다.\n".encode() * 20,  # text named .pdf: a download
        "계획서.pdf": _pdf(),  # a real PDF: inline
        "evil.png": b"<html><script>alert(1)</script></html>\n" * 10,  # HTML named .png
        "보고서 최종.hwp": "한글 보고서 본문\n".encode() * 20,  # Korean name, text content
    }
    login(client, "admin")
    token = csrf_token(client, f"/submissions/{world.large}")
    response = client.post(
        f"/submissions/{world.large}/documents",
        data={
            "csrf_token": token,
            "files": [(io.BytesIO(content), name) for name, content in files.items()],
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    ids = {
        d.filename: d.id
        for d in db.session.scalars(select(Document).where(Document.submission_id == world.large))
    }
    assert set(files) <= set(ids), ids

    def original(name: str):  # type: ignore[no-untyped-def]
        response = client.get(f"/documents/{ids[name]}/original")
        assert response.status_code == 200
        assert response.get_data() == files[name]  # byte for byte, whatever the type
        _assert_headers(response)
        return response.mimetype, response.headers["Content-Disposition"]

    mimetype, disposition = original("x.pdf")
    assert mimetype == "image/png" and disposition.startswith("inline")
    mimetype, disposition = original("계획서.pdf")
    assert mimetype == "application/pdf" and disposition.startswith("inline")
    assert "filename*=UTF-8''%EA%B3%84%ED%9A%8D%EC%84%9C.pdf" in disposition
    mimetype, disposition = original("y.pdf")
    assert mimetype == "application/octet-stream"
    assert disposition == "attachment; filename=y.pdf"
    mimetype, disposition = original("evil.png")
    assert mimetype == "application/octet-stream" and disposition.startswith("attachment")
    mimetype, disposition = original("보고서 최종.hwp")
    assert mimetype == "application/octet-stream" and disposition.startswith("attachment")
    assert f"filename*=UTF-8''{quote('보고서 최종.hwp')}" in disposition


# ---------------------------------------------------------------- gunicorn


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_gunicorn_serves_the_app_factory(tmp_path: Path) -> None:
    """The command line of `make run`, on a free port against a temporary data dir."""
    makefile = (ROOT / "Makefile").read_text()
    assert "gunicorn --config gunicorn.conf.py" in makefile
    env = {
        **os.environ,
        "REVIEWAPP_DATA_DIR": str(tmp_path / "data"),
        "REVIEWAPP_EMBEDDINGS_ENABLED": "false",
        "REVIEWAPP_WEB_WORKERS": "1",
        "REVIEWAPP_WEB_THREADS": "2",
    }
    subprocess.run(
        [sys.executable, "-c", "from reviewapp.cli import main; main()", "db", "upgrade"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    port = _free_port()
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--config",
                "gunicorn.conf.py",
                "--bind",
                f"127.0.0.1:{port}",
                "reviewapp:create_app()",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                assert server.poll() is None, log.read_text()
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5) as r:
                        status, headers, body = r.status, r.headers, r.read().decode()
                    break
                except (urllib.error.URLError, ConnectionError, TimeoutError):  # still starting
                    assert time.monotonic() < deadline, log.read_text()
                    time.sleep(0.3)
        finally:
            server.terminate()
            server.wait(timeout=30)
    assert status == 200
    assert "로그인" in body
    assert headers["Server"].startswith("gunicorn")
    assert headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert headers["Cache-Control"] == "no-store"
    output = log.read_text()
    assert "Using worker: gthread" in output
    assert '"GET /login HTTP/1.1" 200' in output  # the access log
