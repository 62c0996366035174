"""Shared fixtures: a real app on a temporary data directory, migrated with Alembic."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from reviewapp import create_app
from reviewapp.extensions import db
from tests.engines import Postgres, postgres_server

ROOT = Path(__file__).resolve().parent.parent


def _shared() -> Path:
    """../shared beside the checkout (or $REVIEWAPP_SHARED, or /work/shared)."""
    for candidate in (os.environ.get("REVIEWAPP_SHARED"), ROOT.parent / "shared", "/work/shared"):
        if candidate and Path(candidate).is_dir():
            return Path(candidate)
    return ROOT.parent / "shared"


SHARED = _shared()
CORPUS = SHARED / "corpus"
FRAMEWORK = ROOT / "frameworks" / "smart-city-sample.yaml"
PASSWORD = "test-pass-1234"


# REVIEWAPP_TEST_ON_POSTGRES=1 (`make test-scale`) runs the tests it selects with every app on a
# fresh database of a real PostgreSQL server (tests/engines.py) instead of SQLite.
ON_POSTGRES = os.environ.get("REVIEWAPP_TEST_ON_POSTGRES", "") == "1"
_postgres: list[Postgres] = []
_databases: dict[str, str] = {}


@pytest.fixture(scope="session", autouse=True)
def _every_app_on_postgres() -> Iterator[None]:
    if not ON_POSTGRES:
        yield
        return
    with postgres_server() as server:
        _postgres.append(server)
        yield
        _postgres.clear()


def make_app(tmp_path: Path, **overrides: object) -> Flask:
    config = {
        "TESTING": True,
        "DATA_DIR": str(tmp_path / "data"),
        "SECRET_KEY": "test",
        "JOBS_IMMEDIATE": True,
        "EMBEDDINGS_ENABLED": False,
        "OCR_ENABLED": True,
    }
    if _postgres and "DATABASE_URL" not in overrides:
        # one database per data directory: a second app on the same data finds the same rows
        key = str(Path(str(overrides.get("DATA_DIR", config["DATA_DIR"]))).resolve())
        if key not in _databases:
            _databases[key] = _postgres[0].create_database()
        config["DATABASE_URL"] = _databases[key]
    config.update(overrides)
    app = create_app(config)
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
    return app


@pytest.fixture()
def app(tmp_path: Path) -> Iterator[Flask]:
    app = make_app(tmp_path)
    with app.app_context():
        yield app
        db.session.remove()


@pytest.fixture()
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture()
def runner(app: Flask):  # type: ignore[no-untyped-def]
    return app.test_cli_runner()


@dataclass
class World:
    round_id: int
    framework_id: int
    large: int  # submission ids
    small: int


@pytest.fixture()
def world(app: Flask) -> World:
    """Users of every role, the sample framework, a round, two applicants, one assignment each."""
    from reviewapp.services import accounts, rounds
    from reviewapp.services.frameworks import import_framework

    accounts.create_user("admin", PASSWORD, "admin")
    accounts.create_user("coord", PASSWORD, "coordinator")
    accounts.create_user("eva", PASSWORD, "evaluator")
    accounts.create_user("evb", PASSWORD, "evaluator")
    fw = import_framework(FRAMEWORK)
    r = rounds.create_round("2026 인증", fw.id)
    large = rounds.add_applicant(r.id, "한빛시", 1_020_000).submission_id
    small = rounds.add_applicant(r.id, "솔내시", 186_000).submission_id
    rounds.assign(large, "eva")
    rounds.assign(small, "evb")
    return World(r.id, fw.id, large, small)


_TOKEN = re.compile(
    r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"|"X-CSRFToken": "([^"]+)"'
)


def csrf_token(client: FlaskClient, path: str = "/login") -> str:
    html = client.get(path).get_data(as_text=True)
    match = _TOKEN.search(html)
    assert match, f"no CSRF token on {path}"
    return match.group(1) or match.group(2)


def login(client: FlaskClient, username: str, password: str = PASSWORD) -> None:
    token = csrf_token(client)
    response = client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token}
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
