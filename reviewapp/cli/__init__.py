"""`reviewapp` on the command line: the same services the UI uses, one module per area.

Every command that reads or writes the database first brings its schema to the latest
migration (`with_database`), so the first command on an empty data directory creates it.
"""

from __future__ import annotations

import traceback
from pathlib import Path

from flask import Flask
from flask.cli import FlaskGroup, locate_app
from sqlalchemy.exc import ArgumentError

from . import (
    accounts,
    answering,
    backup,
    claim_checks,
    claims_import,
    demo,
    documents,
    frameworks,
    jobs,
    reports,
    rounds,
    scoring,
    search,
)
from ._common import fail

AREAS = (
    frameworks,
    rounds,
    scoring,
    reports,
    accounts,
    documents,
    claims_import,
    search,
    claim_checks,
    jobs,
    demo,
    answering,
    backup,
)
# By name, as `flask --app` would: the factory imports this package to register the commands.
APP_FACTORY = ("reviewapp", "create_app")


def init_app(app: Flask) -> None:
    """Register every area's commands on the app's CLI group."""
    for area in AREAS:
        for command in area.commands:
            app.cli.add_command(command)


def main() -> None:
    """The `reviewapp` console script."""
    cli = FlaskGroup(create_app=_create_app, add_version_option=False, load_dotenv=False)
    cli.main(prog_name="reviewapp")


def _create_app() -> Flask:
    """The app, or one line when its database URL cannot even make an engine (a driver that
    is not installed, a URL that does not parse): nothing would work, --help included."""
    try:
        return locate_app(*APP_FACTORY)
    except ImportError as exc:
        if not _from_engine_setup(exc):
            raise
        fail(
            f"the database driver {exc.name or exc} is not installed; install it into "
            "reviewapp's environment or change REVIEWAPP_DATABASE_URL"
        )
    except ArgumentError as exc:
        if not _from_engine_setup(exc):
            raise
        fail(f"the database URL cannot be used ({exc}); fix REVIEWAPP_DATABASE_URL or unset it")


def _from_engine_setup(exc: BaseException) -> bool:
    """Raised while Flask-SQLAlchemy made the engine, not by a bug elsewhere in create_app."""
    return any(
        Path(frame.filename).parts[-2:] == ("flask_sqlalchemy", "extension.py")
        for frame in traceback.extract_tb(exc.__traceback__)
    )
