"""load-demo: the demo round, once."""

from __future__ import annotations

from dataclasses import asdict

import click

from ..services.demo import load_demo
from ..services.errors import ServiceError
from ._common import emit, fail, json_option, with_database


@click.command("load-demo")
@json_option
@with_database
def load_demo_cmd(as_json: bool) -> None:
    """Load the demo round once (users, framework, applicants, documents)."""
    try:
        result = load_demo()
    except ServiceError as exc:
        fail(exc)
    emit(as_json, asdict(result), result.message)


commands = [load_demo_cmd]
