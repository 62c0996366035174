"""reviewapp: evidence review for indicator-based certification."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from flask import Flask, has_request_context, session
from sqlalchemy import event
from sqlalchemy.engine import Engine

from . import blueprints, jobs, queue
from .cli import init_app as init_cli
from .config import DEFAULTS, PROJECT_ROOT, from_env
from .converters import IdConverter
from .extensions import babel, csrf, db, login_manager, migrate

MIGRATIONS_DIR = str(Path(__file__).resolve().parent / "migrations")


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
    )
    app.url_map.converters["id"] = IdConverter  # <id:...> in every blueprint
    app.config.from_mapping(DEFAULTS)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_mapping(from_env())
    if test_config:
        app.config.from_mapping(test_config)

    data_dir = Path(app.config["DATA_DIR"] or app.instance_path).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    app.config["DATA_DIR"] = str(data_dir)
    for sub in ("uploads", "index", "tmp"):
        (data_dir / sub).mkdir(exist_ok=True)
    app.config.setdefault("UPLOAD_DIR", str(data_dir / "uploads"))
    app.config.setdefault("INDEX_DIR", str(data_dir / "index"))
    app.config["SQLALCHEMY_DATABASE_URI"] = app.config.get("DATABASE_URL") or (
        f"sqlite:///{data_dir / 'reviewapp.sqlite3'}"
    )
    app.config["MAX_CONTENT_LENGTH"] = _request_cap(app)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key(data_dir)

    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR, render_as_batch=True)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    csrf.init_app(app)
    babel.init_app(app, locale_selector=_select_locale)

    blueprints.init_app(app)
    queue.init_app(app)
    jobs.init_app(app)
    init_cli(app)
    return app


def _request_cap(app: Flask) -> int:
    """MAX_REQUEST_BYTES: the largest request body (all files of one form post).

    MAX_UPLOAD_BYTES is the per-file limit, and a file over it is still stored and recorded as a
    failed document with its reason; only a request over this cap is refused (a 413 page,
    nothing stored). Default 5 x MAX_UPLOAD_BYTES, never below 2 x, so a file just over the
    per-file limit always reaches the app and is kept.
    """
    per_file = int(app.config["MAX_UPLOAD_BYTES"])
    cap = int(app.config.get("MAX_REQUEST_BYTES") or 0) or 5 * per_file
    if cap < 2 * per_file:
        app.logger.warning(
            "MAX_REQUEST_BYTES=%s is below 2 x MAX_UPLOAD_BYTES; using %s", cap, 2 * per_file
        )
        cap = 2 * per_file
    app.config["MAX_REQUEST_BYTES"] = cap
    return cap


def _secret_key(data_dir: Path) -> str:
    """A random key kept beside the data, so sessions survive restarts without a config step."""
    path = data_dir / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _select_locale() -> str:
    from flask import current_app

    languages = current_app.config["LANGUAGES"]
    chosen = session.get("lang") if has_request_context() else None
    if chosen in languages:
        return chosen
    # Korean by default whatever the browser says; the switch in the header changes it.
    return current_app.config["BABEL_DEFAULT_LOCALE"]


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """WAL lets the worker write while the web process reads."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()
