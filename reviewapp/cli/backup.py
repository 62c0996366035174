"""backup, restore: the whole data directory in one archive, and back."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import click
from flask.cli import with_appcontext

from ..services.backup import BackupError, create_backup, restore_backup
from ._common import emit, fail, json_option, with_database


@click.command("backup")
@click.option(
    "--out",
    "out",
    type=click.Path(path_type=Path, dir_okay=True),
    required=True,
    help="The archive to write (.tar.gz), or a folder for a dated name.",
)
@json_option
@with_database
def backup_cmd(out: Path, as_json: bool) -> None:
    """Back up database, originals, index, vectors and settings while the app runs."""
    try:
        result = create_backup(out)
    except BackupError as exc:
        fail(exc)
    emit(
        as_json,
        asdict(result),
        f"backup written to {result.path} ({result.members} files, {result.bytes:,} bytes, "
        f"revision {result.revision})",
    )


@click.command("restore")
@click.argument("archive", type=click.Path(path_type=Path, dir_okay=False))
@json_option
@with_appcontext
def restore_cmd(archive: Path, as_json: bool) -> None:
    """Replace this instance's data with a backup's (stop the web server and workers first).

    The archive is checked whole before anything changes; the replaced data directory is
    kept beside the new one."""
    try:
        result = restore_backup(archive)
    except BackupError as exc:
        fail(exc)
    kept = f"; the previous data is in {result.previous}" if result.previous else ""
    emit(
        as_json,
        asdict(result),
        f"restored {archive} into {result.data_dir} (revision {result.revision}){kept}",
    )


commands = [backup_cmd, restore_cmd]
