"""What the commands share: the --json option, output, errors, and the schema check."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from dataclasses import asdict, is_dataclass
from decimal import Decimal
from typing import Any, NoReturn, TypeVar

import click
from flask.cli import with_appcontext

from ..services.indexing import get_index
from ..services.schema import SchemaUnavailable, ensure_schema

F = TypeVar("F", bound=Callable[..., Any])

json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON.")


def emit(as_json: bool, payload: dict[str, Any], text: str) -> None:
    """One result: a JSON object with --json, else a line for a person."""
    if as_json:
        click.echo(json.dumps(payload, ensure_ascii=False, default=_jsonable))
    else:
        click.echo(text)


def _jsonable(value: Any) -> Any:
    # Points are Decimals with 2 places: as JSON numbers. float() of such a Decimal prints
    # back the same digits (up to 15 significant), so nothing is lost in the text.
    if isinstance(value, Decimal):
        return float(value)
    if is_dataclass(value) and not isinstance(value, type):
        return asdict(value)
    return str(value)


def fail(problem: object, code: int = 1) -> NoReturn:
    """One line on stderr, then exit (1 unless said otherwise)."""
    click.echo(f"error: {problem}", err=True)
    sys.exit(code)


def note_stale_index() -> None:
    """A line on stderr while the search index was made by an older text analysis (what it
    misses is found again after `reviewapp reindex`)."""
    if get_index().needs_reindex:
        click.echo(
            "note: the search index was made by an older version of the text analysis; "
            "run `reviewapp reindex` so that every passage is found",
            err=True,
        )


def with_database(f: F) -> F:
    """In the app context, with the schema created or upgraded first (one line on stderr when
    it was); a database that cannot be used ends the command with one line and exit code 1.
    Commands without it (`extract`, Flask-Migrate's `db`) never touch the schema, and neither
    does --help, which click answers before any callback runs."""

    @functools.wraps(f)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            state = ensure_schema()
        except SchemaUnavailable as exc:
            fail(exc)
        if state.message:
            click.echo(state.message, err=True)
        return f(*args, **kwargs)

    return with_appcontext(run)  # type: ignore[return-value]
