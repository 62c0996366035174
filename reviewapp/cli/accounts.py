"""Account commands: create-user, deactivate-user, reactivate-user, reset-password.

Users are named by username; the services behind them take ids and audit every change with
no acting user (the command line). Passwords come from a prompt with confirmation, from
`--password-stdin` (one line), or for create-user also from REVIEWAPP_NEW_PASSWORD; they are
never printed.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from ..models import Role
from ..services import accounts
from ..services.errors import ServiceError
from ._common import emit, fail, json_option, with_database

password_stdin_option = click.option(
    "--password-stdin", is_flag=True, help="Read the password from the first line of stdin."
)


def _user_payload(user: Any) -> dict[str, Any]:
    return {"id": user.id, "username": user.username, "role": user.role, "active": user.active}


def _new_password(password: str | None, from_stdin: bool) -> str:
    """The password given, the first line of stdin, or one typed twice at a prompt."""
    if password is not None:
        return password
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return str(click.prompt("Password", hide_input=True, confirmation_prompt=True))


@click.command("create-user")
@click.argument("username")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--display-name", default="")
@click.option(
    "--password",
    envvar="REVIEWAPP_NEW_PASSWORD",
    default=None,
    help="Taken from REVIEWAPP_NEW_PASSWORD; otherwise a prompt.",
    hidden=True,
)
@password_stdin_option
@json_option
@with_database
def create_user_cmd(
    username: str,
    role: str,
    display_name: str,
    password: str | None,
    password_stdin: bool,
    as_json: bool,
) -> None:
    """Create a user (password from a prompt, --password-stdin or REVIEWAPP_NEW_PASSWORD)."""
    try:
        user = accounts.create_user(
            username, _new_password(password, password_stdin), role, display_name=display_name
        )
    except ServiceError as exc:
        fail(exc)
    emit(as_json, _user_payload(user), f"user {user.id}: {user.username} ({user.role})")


def _status_command(name: str, change: Any, done: str, help_text: str) -> click.Command:
    """deactivate-user / reactivate-user: one user by name through one accounts service."""

    @click.command(name, help=help_text)
    @click.argument("username")
    @json_option
    @with_database
    def command(username: str, as_json: bool) -> None:
        try:
            user = change(accounts.user_by_name(username).id, actor_id=None)
        except ServiceError as exc:
            fail(exc)
        emit(as_json, _user_payload(user), f"user {user.username} {done}")

    return command


deactivate_user_cmd = _status_command(
    "deactivate-user",
    accounts.deactivate_user,
    "deactivated; sessions ended",
    "Deactivate a user: no more logins, and every session of theirs ends now.",
)
reactivate_user_cmd = _status_command(
    "reactivate-user",
    accounts.reactivate_user,
    "reactivated",
    "Let a deactivated user log in again.",
)


@click.command("reset-password")
@click.argument("username")
@password_stdin_option
@json_option
@with_database
def reset_password_cmd(username: str, password_stdin: bool, as_json: bool) -> None:
    """Set a user's password (prompt with confirmation, or --password-stdin); sessions end."""
    try:
        user_id = accounts.user_by_name(username).id
        user = accounts.reset_password(user_id, _new_password(None, password_stdin), actor_id=None)
    except ServiceError as exc:
        fail(exc)
    emit(as_json, _user_payload(user), f"password of {user.username} reset; sessions ended")


commands = [create_user_cmd, deactivate_user_cmd, reactivate_user_cmd, reset_password_cmd]
