"""Shared fixtures: a real app on a temporary data directory, migrated with Alembic."""

from __future__ import annotations

import atexit
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

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


def make_app(tmp_path: Path, *, template: Path | None = None, **overrides: object) -> Flask:
    """The app on ``tmp_path/data``, its database copied from ``template`` (default: the
    migrated empty database) or migrated there (another database, or one already there)."""
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
    seeded = _seed_database(Path(str(config["DATA_DIR"])), config, template)
    app = create_app(config)
    if not seeded:
        with app.app_context():
            from flask_migrate import upgrade

            upgrade()
    return app


_DATABASE_FILE = "reviewapp.sqlite3"  # the default SQLite file under DATA_DIR
_template: Path | None = None


def _build_template(populate: Callable[[], object] | None = None) -> tuple[Path, object]:
    """A SQLite database migrated to the latest revision (and filled by ``populate``), closed
    and checkpointed so that its one file can be copied."""
    from flask_migrate import upgrade

    folder = Path(tempfile.mkdtemp(prefix="reviewapp-template-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    app = create_app({"TESTING": True, "DATA_DIR": str(folder), "SECRET_KEY": "template"})
    with app.app_context():
        upgrade()
        made = populate() if populate else None
        db.session.remove()
        with db.engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        db.engine.dispose()
    path = folder / _DATABASE_FILE
    assert path.is_file() and not (folder / f"{_DATABASE_FILE}-wal").exists(), path
    return path, made


def _migrated_template() -> Path:
    """The empty migrated database, built once per test process: Alembic takes about a second
    a run, and hundreds of tests start from an empty database."""
    global _template
    if _template is None:
        _template, _ = _build_template()
    return _template


def _seed_database(data_dir: Path, config: dict[str, object], template: Path | None) -> bool:
    """Copy a migrated template into a new data directory's default SQLite file; False
    (migrate instead) for another database or a data directory that already holds one."""
    if config.get("DATABASE_URL") or os.environ.get("REVIEWAPP_DATABASE_URL"):
        return False
    target = data_dir / _DATABASE_FILE
    if target.exists():
        return False
    data_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template or _migrated_template(), target)
    return True


@pytest.fixture()
def app(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Flask]:
    """The app on an empty database, or, for a test that uses ``world``, on a copy of the world
    built once per test process (scrypt hashes four passwords and the framework import reads
    63 indicators: about 3 s a test otherwise)."""
    # (on PostgreSQL every app migrates a database of its own and the world is built in it)
    use_world = "world" in request.fixturenames and not ON_POSTGRES
    template = _world_template()[0] if use_world else None
    app = make_app(tmp_path, template=template)
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


def _populate_world() -> World:
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


_world: tuple[Path, World] | None = None


def _world_template() -> tuple[Path, World]:
    global _world
    if _world is None:
        path, made = _build_template(_populate_world)
        assert isinstance(made, World)
        _world = (path, made)
    return _world


@pytest.fixture()
def world(app: Flask) -> World:
    """Users of every role, the sample framework, a round, two applicants, one assignment each."""
    from reviewapp.models import User

    if db.session.scalar(select(func.count()).select_from(User)):
        made = _world_template()[1]  # the app fixture copied it in
        assert db.session.scalar(select(User.id).where(User.username == "evb")), "not the world"
        return made
    return _populate_world()  # an app of the test's own


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
