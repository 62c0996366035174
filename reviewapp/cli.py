"""`reviewapp` on the command line: the same services the UI uses, each with --json output."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict, is_dataclass
from pathlib import Path
from typing import Any

import click
from flask import Flask
from flask.cli import FlaskGroup

from . import cli_accounts
from .services.errors import ServiceError


def _emit(as_json: bool, payload: dict[str, Any], text: str) -> None:
    if as_json:
        click.echo(json.dumps(payload, ensure_ascii=False, default=_jsonable))
    else:
        click.echo(text)


def _jsonable(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return asdict(value)
    return str(value)


def _fail(exc: Exception) -> None:
    click.echo(f"error: {exc}", err=True)
    sys.exit(1)


json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON.")


def register_cli(app: Flask) -> None:
    cli_accounts.init_app(app)

    @app.cli.command("import-framework")
    @click.argument("file", type=click.Path(path_type=Path))
    @json_option
    def import_framework_cmd(file: Path, as_json: bool) -> None:
        """Import an indicator framework from YAML or XLSX."""
        from .services.frameworks import import_framework

        try:
            summary = import_framework(file)
        except ServiceError as exc:
            _fail(exc)
        _emit(
            as_json,
            asdict(summary),
            f"framework {summary.id}: {summary.code} {summary.version}, "
            f"{summary.areas} areas, {summary.indicators} indicators, {summary.total_points:g} points",
        )

    @app.cli.command("create-round")
    @click.argument("name")
    @click.option("--framework", "framework_id", type=int, required=True)
    @json_option
    def create_round_cmd(name: str, framework_id: int, as_json: bool) -> None:
        """Create a certification round pinned to a framework."""
        from .services.rounds import create_round

        try:
            round_ = create_round(name, framework_id)
        except ServiceError as exc:
            _fail(exc)
        _emit(as_json, {"id": round_.id, "name": round_.name}, str(round_.id))

    @app.cli.command("add-applicant")
    @click.argument("round_id", type=int)
    @click.argument("name")
    @click.option("--population", type=int, required=True)
    @click.option("--region", default="")
    @json_option
    def add_applicant_cmd(
        round_id: int, name: str, population: int, region: str, as_json: bool
    ) -> None:
        """Register an applicant in a round; prints the new submission's id."""
        from .services.rounds import add_applicant

        try:
            new = add_applicant(round_id, name, population, region=region)
        except ServiceError as exc:
            _fail(exc)
        _emit(as_json, asdict(new), str(new.submission_id))

    @app.cli.command("assign")
    @click.argument("submission_id", type=int)
    @click.argument("username")
    @json_option
    def assign_cmd(submission_id: int, username: str, as_json: bool) -> None:
        """Assign an evaluator to a submission."""
        from .services.rounds import assign

        try:
            a = assign(submission_id, username)
        except ServiceError as exc:
            _fail(exc)
        _emit(
            as_json,
            {"assignment_id": a.id, "submission_id": submission_id, "username": username},
            f"assigned {username} to submission {submission_id}",
        )

    @app.cli.command("load-demo")
    @json_option
    def load_demo_cmd(as_json: bool) -> None:
        """Load the demo round once (users, framework, applicants, documents)."""
        from .services.demo import load_demo

        try:
            result = load_demo()
        except ServiceError as exc:
            _fail(exc)
        _emit(as_json, asdict(result), result.message)

    @app.cli.command("worker")
    @click.option("--workers", type=int, default=1)
    def worker_cmd(workers: int) -> None:
        """Run the job consumer (ingestion and embedding)."""
        from flask import current_app

        from .jobs import run_worker

        run_worker(current_app._get_current_object(), workers=workers)  # type: ignore[attr-defined]

    for register in _extra_commands():
        register(app)


def _extra_commands() -> list[Any]:
    """Commands of later capabilities register themselves here."""
    from . import cli_documents

    return [cli_documents.register]


def main() -> None:
    from . import create_app

    cli = FlaskGroup(create_app=create_app, add_version_option=False, load_dotenv=False)
    cli.main(prog_name="reviewapp")
