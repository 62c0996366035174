"""export: the committee's files of a round (score workbook, per-indicator CSV, an applicant's
evaluation report), the same files the web offers for download."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

import click

from .. import reports
from ..services.errors import ServiceError
from ._common import emit, fail, with_database


@click.command("export")
@click.argument("round_id", type=int)
@click.option(
    "--format",
    "fmt",
    required=True,
    metavar="|".join(reports.FORMATS),
    help="xlsx: score workbook; csv: per-indicator rows; docx: one applicant's report.",
)
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(dir_okay=True, file_okay=True, path_type=Path),
    help="The file to write (replaced if it exists); a directory: the export's own name in it.",
)
@click.option(
    "--submission",
    "submission_id",
    type=int,
    default=None,
    help="One applicant's submission (required for docx; xlsx/csv: only its rows).",
)
@with_database
def export_cmd(round_id: int, fmt: str, out: Path, submission_id: int | None) -> None:
    """Export a round's results; prints {"path": PATH, "format": F}."""
    try:
        made = reports.export(round_id, fmt, submission_id=submission_id)
    except ServiceError as exc:
        fail(exc)
    path = out / made.filename if out.is_dir() else out
    try:
        write_atomically(path, made.data)
    except OSError as exc:
        fail(f"cannot write {path}: {exc.strerror or exc}")
    emit(True, {"path": str(path), "format": fmt}, "")


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that a reader sees the old file or the whole new one,
    never half of it: a temporary file in the same directory, synced, then renamed over.
    The new file gets the mode a plain create would (0666 less the umask). Raises OSError
    (missing directory, no permission, disk full); the temporary file is then removed."""
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
            os.chmod(temp, 0o666 & ~_umask())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


commands = [export_cmd]
