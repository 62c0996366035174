"""export: the committee's files of a round (score workbook, per-indicator CSV, an applicant's
evaluation report), the same files the web offers for download."""

from __future__ import annotations

import contextlib
import os
import stat
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
    metavar="PATH",
    help=(
        "The file to write (a regular file there is replaced; a link, pipe or device is "
        "refused; its extension, if it names a format, must be --format's); a directory "
        "(or PATH ending in /, which must exist): the export's own name in it."
    ),
)
@click.option(
    "--submission",
    "submission_id",
    type=int,
    default=None,
    help="One applicant's submission (required for docx; xlsx/csv: only its rows).",
)
@with_database
def export_cmd(round_id: int, fmt: str, out: str, submission_id: int | None) -> None:
    """Export a round's results; prints {"path": PATH, "format": F}."""
    if out == "":
        fail("--out is empty: give the file or directory to write")
    if out == "-":
        fail("--out -: the export cannot go to standard output; give a file or directory")
    folder = Path(out)
    into_folder = folder.is_dir()  # a link to a directory too: the file goes inside
    if out.endswith(("/", os.sep)) and not into_folder:
        fail(f"--out {out}: not an existing directory")
    if not into_folder and fmt in reports.FORMATS:
        said = folder.suffix.lower().removeprefix(".")
        if said in FORMAT_SUFFIXES and said != fmt:
            article = "an" if fmt == "xlsx" else "a"
            fail(f"--out {out}: a .{said} name for {article} {fmt} export; name the file .{fmt}")
    try:
        made = reports.export(round_id, fmt, submission_id=submission_id)
    except ServiceError as exc:
        fail(exc)
    path = folder / made.filename if into_folder else folder
    kind = not_replaceable(path)
    if kind is not None:
        fail(f"{path} is {kind}, not a regular file: not replaced")
    try:
        write_atomically(path, made.data)
    except OSError as exc:
        fail(f"cannot write {path}: {exc.strerror or exc}")
    emit(True, {"path": str(path), "format": fmt}, "")


# file extensions that name a format: one that is not --format's contradicts it
FORMAT_SUFFIXES = frozenset(
    {*reports.FORMATS, "xls", "xlsm", "ods", "tsv", "doc", "odt", "hwp", "hwpx", "pdf", "txt"}
)


def not_replaceable(path: Path) -> str | None:
    """What ``path`` is when it exists and is not a regular file ("a symbolic link", "a
    pipe", "a device", "a socket", "a directory"), which an export must not replace: the
    rename would put a regular file in place of the link (leaving what it points to as it
    was) or of /dev/null. None when it is a regular file or nothing (or cannot be looked at:
    the write then says why)."""
    try:
        mode = os.lstat(path).st_mode
    except OSError:
        return None
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISFIFO(mode):
        return "a pipe"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISDIR(mode):
        return "a directory"
    return "a special file"


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
