"""import-framework: an indicator framework from YAML or XLSX."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import click

from ..services.errors import ServiceError
from ..services.frameworks import import_framework
from ._common import emit, fail, json_option, with_database


@click.command("import-framework")
@click.argument("file", type=click.Path(path_type=Path))
@json_option
@with_database
def import_framework_cmd(file: Path, as_json: bool) -> None:
    """Import an indicator framework from YAML or XLSX."""
    try:
        summary = import_framework(file)
    except ServiceError as exc:
        fail(exc)
    emit(
        as_json,
        asdict(summary),
        f"framework {summary.id}: {summary.code} {summary.version}, "
        f"{summary.areas} areas, {summary.indicators} indicators, {summary.total_points:g} points",
    )


commands = [import_framework_cmd]
