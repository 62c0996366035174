"""The database schema at the latest migration before any work: a fresh data directory needs
no `reviewapp db upgrade` first, and a database that cannot be used says so in one line."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from flask import current_app
from sqlalchemy import inspect
from sqlalchemy.engine import URL, Engine
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db
from .errors import ServiceError

VERSION_TABLE = "alembic_version"


class SchemaUnavailable(ServiceError):
    """The database cannot be reached or brought up to date; the message says what to do."""


@dataclass(frozen=True)
class SchemaState:
    action: str  # "current", "created" or "upgraded"
    location: str  # the SQLite file, or the URL without its password
    revision: str

    @property
    def message(self) -> str:
        """One line for stderr when something was done; empty when nothing was."""
        if self.action == "created":
            return f"database created at {self.location}"
        if self.action == "upgraded":
            return f"database upgraded to {self.revision} at {self.location}"
        return ""


def ensure_schema() -> SchemaState:
    """Create the tables of an empty database, or upgrade one behind the latest migration."""
    engine = db.engine
    location = database_location(engine.url)
    config = _alembic_config()
    script = ScriptDirectory.from_config(config)
    heads = set(script.get_heads())
    revision = ", ".join(sorted(heads))
    try:
        current, has_tables = _state(engine)
    except SQLAlchemyError as exc:
        raise SchemaUnavailable(
            f"cannot open the database {location} ({_reason(exc)}); start its server or fix "
            "REVIEWAPP_DATABASE_URL / REVIEWAPP_DATA_DIR, then run `reviewapp db upgrade`"
        ) from exc
    if current == heads:
        return SchemaState("current", location, revision)
    unknown = sorted(rev for rev in current if not _known(script, rev))
    if unknown:
        raise SchemaUnavailable(
            f"the database {location} is at revision {', '.join(unknown)}, which this version "
            "of reviewapp does not know; run a newer reviewapp or restore a matching backup"
        )
    if not current and has_tables:
        raise SchemaUnavailable(
            f"the database {location} has tables but no migration revision; if they match the "
            "latest schema run `reviewapp db stamp head`, otherwise restore a backup"
        )
    action = "upgraded" if current else "created"
    try:
        with _quiet_migrations():
            command.upgrade(config, "head")
    except Exception as exc:  # noqa: BLE001 - reported in one line; `db upgrade` shows the rest
        if _settled_elsewhere(engine, heads):
            return SchemaState("current", location, revision)
        verb = "create" if action == "created" else "upgrade"
        raise SchemaUnavailable(
            f"could not {verb} the database {location} ({_reason(exc)}); "
            "run `reviewapp db upgrade` to see the full error"
        ) from exc
    return SchemaState(action, location, revision)


def database_location(url: URL) -> str:
    """Where the data is, for a person: the SQLite file, or the URL with its password hidden."""
    if url.get_backend_name() == "sqlite" and url.database:
        return url.database
    return url.render_as_string(hide_password=True)


def _alembic_config() -> Config:
    migrate = current_app.extensions["migrate"]
    return migrate.migrate.get_config(migrate.directory)


def _state(engine: Engine) -> tuple[set[str], bool]:
    """The revisions the database is at, and whether it has any table besides Alembic's."""
    with engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
        tables = set(inspect(connection).get_table_names()) - {VERSION_TABLE}
    return current, bool(tables)


def _known(script: ScriptDirectory, revision: str) -> bool:
    try:
        return script.get_revision(revision) is not None
    except CommandError:
        return False


def _settled_elsewhere(engine: Engine, heads: set[str]) -> bool:
    """Another process (the web server, a worker) may have run the same upgrade first."""
    try:
        return _state(engine)[0] == heads
    except SQLAlchemyError:
        return False


def _reason(exc: BaseException) -> str:
    """The first line of the driver's own message, without SQLAlchemy's statement and links."""
    original = getattr(exc, "orig", None) or exc
    lines = [line.strip() for line in str(original).splitlines() if line.strip()]
    return lines[0] if lines else type(original).__name__


@contextmanager
def _quiet_migrations() -> Iterator[None]:
    """Alembic's env.py configures logging from alembic.ini (INFO lines on stderr, every other
    logger disabled); the upgrade runs silently and the process's logging is put back after."""
    manager = logging.Logger.manager
    root = logging.getLogger()
    saved_root = (root.level, root.handlers[:])
    saved = {
        name: (logger.disabled, logger.level, logger.handlers[:], logger.propagate)
        for name, logger in list(manager.loggerDict.items())
        if isinstance(logger, logging.Logger)
    }
    disabled_below = manager.disable
    logging.disable(logging.INFO)
    try:
        yield
    finally:
        logging.disable(disabled_below)
        root.setLevel(saved_root[0])
        root.handlers[:] = saved_root[1]
        for name, (disabled, level, handlers, propagate) in saved.items():
            logger = logging.getLogger(name)
            logger.disabled = disabled
            logger.setLevel(level)
            logger.handlers[:] = handlers
            logger.propagate = propagate
