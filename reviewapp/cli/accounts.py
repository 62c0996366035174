"""create-user (the other account commands join it here)."""

from __future__ import annotations

import click

from ..services import accounts
from ..services.errors import ServiceError
from ._common import emit, fail, json_option, with_database


@click.command("create-user")
@click.argument("username")
@click.option("--role", type=click.Choice(["admin", "coordinator", "evaluator"]), required=True)
@click.option("--display-name", default="")
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    envvar="REVIEWAPP_NEW_PASSWORD",
)
@json_option
@with_database
def create_user_cmd(
    username: str, role: str, display_name: str, password: str, as_json: bool
) -> None:
    """Create a user (password from a prompt or REVIEWAPP_NEW_PASSWORD)."""
    try:
        user = accounts.create_user(username, password, role, display_name=display_name)
    except ServiceError as exc:
        fail(exc)
    emit(
        as_json,
        {"id": user.id, "username": user.username, "role": user.role},
        f"user {user.id}: {user.username} ({user.role})",
    )


commands = [create_user_cmd]
