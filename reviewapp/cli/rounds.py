"""create-round, add-applicant, assign: a round, its applicants and their evaluators."""

from __future__ import annotations

from dataclasses import asdict

import click

from ..services import rounds
from ..services.errors import ServiceError
from ._common import emit, fail, json_option, with_database


@click.command("create-round")
@click.argument("name")
@click.option("--framework", "framework_id", type=int, required=True)
@json_option
@with_database
def create_round_cmd(name: str, framework_id: int, as_json: bool) -> None:
    """Create a certification round pinned to a framework."""
    try:
        round_ = rounds.create_round(name, framework_id)
    except ServiceError as exc:
        fail(exc)
    emit(as_json, {"id": round_.id, "name": round_.name}, str(round_.id))


@click.command("add-applicant")
@click.argument("round_id", type=int)
@click.argument("name")
@click.option("--population", type=int, required=True)
@click.option("--region", default="")
@json_option
@with_database
def add_applicant_cmd(
    round_id: int, name: str, population: int, region: str, as_json: bool
) -> None:
    """Register an applicant in a round; prints the new submission's id."""
    try:
        new = rounds.add_applicant(round_id, name, population, region=region)
    except ServiceError as exc:
        fail(exc)
    emit(as_json, asdict(new), str(new.submission_id))


@click.command("assign")
@click.argument("submission_id", type=int)
@click.argument("username")
@json_option
@with_database
def assign_cmd(submission_id: int, username: str, as_json: bool) -> None:
    """Assign an evaluator to a submission."""
    try:
        assignment = rounds.assign(submission_id, username)
    except ServiceError as exc:
        fail(exc)
    emit(
        as_json,
        {"assignment_id": assignment.id, "submission_id": submission_id, "username": username},
        f"assigned {username} to submission {submission_id}",
    )


commands = [create_round_cmd, add_applicant_cmd, assign_cmd]
