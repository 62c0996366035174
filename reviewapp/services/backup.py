"""Backup and restore of a whole data directory: database, originals, index, vectors, settings.

A backup is one gzip'd tar taken while the app runs. Every writer of the search index and of
the vector stores (in any process) is held while the database snapshot is taken and the index
is copied, so the two agree; originals are content-addressed and never change, so they are
copied after the snapshot (every file it names exists by then). The database is
snapshotted by engine:

- SQLite: the sqlite3 online backup API (one consistent copy of the file, WAL included);
- anything else (PostgreSQL): a logical dump through SQLAlchemy, every table read in one
  REPEATABLE READ, READ ONLY transaction, as JSON lines. Chosen over pg_dump because it needs
  no client binaries matching the server's major version on the app's machines, uses the
  app's own URL and credentials, and loads back in ONE transaction (PostgreSQL's DDL and
  TRUNCATE are transactional), so a failed restore leaves the database as it was.

``manifest.json`` (the last member) names every other member with its size and sha256, the
alembic revision, the engine and the time. Restore checks all of it before anything changes:
the archive is unpacked into a folder beside the data directory, verified, then swapped in
with renames (the previous data directory is kept aside); a PostgreSQL load commits only
after the swap succeeded. The queue (jobs.sqlite3 or Redis) is not backed up: a worker
started on the restored instance queues unfinished documents again.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import sqlite3
import tarfile
import tempfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from alembic.script import ScriptDirectory
from alembic.util import CommandError
from flask import current_app
from sqlalchemy import (
    Connection,
    Date,
    DateTime,
    LargeBinary,
    Numeric,
    Table,
    create_engine,
    func,
    null,
    select,
    text,
)
from sqlalchemy.types import JSON

from ..extensions import db
from ..models import Chunk, Document, DocumentStatus, Round
from . import audit
from .errors import ServiceError
from .indexing import all_records, get_index
from .schema import VERSION_TABLE, ensure_schema

FORMAT = "reviewapp-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database/reviewapp.sqlite3"
ROWS_PREFIX = "database/rows/"
FILES_PREFIX = "files/"
# Under DATA_DIR: what a backup holds (the database is taken apart, through its engine).
KEPT = ("uploads", "index", "secret_key", "config.py")
# Locks and half-written files are never state.
_SKIPPED_NAMES = ("write.lock", ".write.lock")
_SKIPPED_SUFFIXES = ("WRITELOCK", ".tmp", ".tmp.npz")
_SKIPPED_PREFIXES = (".incoming-",)
_BLOCK = 1024 * 1024
_ROW_BATCH = 1000


class BackupError(ServiceError):
    """A backup that cannot be taken, or an archive that cannot be restored (nothing changed)."""


@dataclass(frozen=True)
class BackupResult:
    """What `create_backup` wrote (printed by `reviewapp backup --json`)."""

    path: str
    members: int
    bytes: int
    revision: str
    database: str


@dataclass(frozen=True)
class RestoreResult:
    """What `restore_backup` did (printed by `reviewapp restore --json`)."""

    data_dir: str
    previous: str | None  # where the replaced data directory was moved, if there was one
    revision: str
    database: str
    reindexed: bool


# --------------------------------------------------------------------------- backup


def create_backup(out: Path) -> BackupResult:
    """Write a consistent backup of this instance to ``out`` (replaced atomically)."""
    data_dir = Path(current_app.config["DATA_DIR"])
    out = Path(out)
    if out.is_dir():
        out = out / f"reviewapp-backup-{datetime.now(UTC):%Y%m%d-%H%M%S}.tar.gz"
    if out.resolve().is_relative_to(data_dir.resolve()):
        raise BackupError(f"write the backup outside the data directory {data_dir}")
    out.parent.mkdir(parents=True, exist_ok=True)
    engine = db.engine
    kind = engine.url.get_backend_name()
    members: dict[str, dict[str, Any]] = {}
    fd, partial = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".partial")
    os.close(fd)
    try:
        with tarfile.open(partial, "w:gz", compresslevel=1) as tar:
            with (
                tempfile.TemporaryDirectory(dir=data_dir / "tmp") as work,
                get_index().writes_paused(),
            ):
                if kind == "sqlite":
                    snapshot = Path(work) / "snapshot.sqlite3"
                    _sqlite_snapshot(engine.url.database or "", snapshot)
                    revision = _sqlite_revision(snapshot)
                    _add_file(tar, members, SQLITE_MEMBER, snapshot)
                else:
                    revision = _dump_rows(tar, members, Path(work))
                _add_tree(tar, members, data_dir, data_dir / "index")
            for name in KEPT:
                if name != "index":
                    _add_tree(tar, members, data_dir, data_dir / name)
            manifest = {
                "format": FORMAT,
                "format_version": FORMAT_VERSION,
                "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "alembic_revision": revision,
                "database": kind,
                "members": members,
            }
            _add_bytes(tar, MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1).encode())
        os.replace(partial, out)
    except TimeoutError as exc:  # a writer held the index for the whole wait
        Path(partial).unlink(missing_ok=True)
        raise BackupError(f"{exc}; nothing was written, try again when it is done") from exc
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise
    return BackupResult(
        path=str(out),
        members=len(members),
        bytes=out.stat().st_size,
        revision=revision,
        database=kind,
    )


def _sqlite_snapshot(source: str, target: Path) -> None:
    if not Path(source).is_file():
        raise BackupError(f"the database file {source} does not exist")
    src = sqlite3.connect(source, timeout=30)  # only read: the backup copies its pages
    dst = sqlite3.connect(target)
    try:
        src.execute("PRAGMA busy_timeout=30000")
        with dst:
            src.backup(dst)  # every page in one step: one consistent read transaction
    finally:
        dst.close()
        src.close()


def _sqlite_revision(path: Path) -> str:
    con = sqlite3.connect(path)
    try:
        rows = con.execute(f"SELECT version_num FROM {VERSION_TABLE}").fetchall()
    except sqlite3.Error as exc:
        raise BackupError(f"the database has no migration revision ({exc})") from exc
    finally:
        con.close()
    return ", ".join(sorted(r[0] for r in rows))


def _dump_rows(tar: tarfile.TarFile, members: dict[str, dict[str, Any]], work: Path) -> str:
    """Every table of the models, read in one snapshot transaction; returns the revision."""
    with db.engine.connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            if conn.dialect.name == "postgresql":
                conn.execute(text("SET TRANSACTION READ ONLY"))
            rows = conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).all()
            revision = ", ".join(sorted(r[0] for r in rows))
            for table in db.metadata.sorted_tables:
                path = work / f"{table.name}.jsonl"
                with path.open("w", encoding="utf-8") as fh:
                    order = [c for c in table.primary_key.columns]
                    for row in conn.execute(select(table).order_by(*order)).mappings():
                        fh.write(json.dumps(_encode_row(table, row), ensure_ascii=False))
                        fh.write("\n")
                _add_file(tar, members, f"{ROWS_PREFIX}{table.name}.jsonl", path)
    return revision


def _encode_row(table: Table, row: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for column in table.columns:
        value = row[column.name]
        if isinstance(value, datetime | date):
            value = value.isoformat()
        elif isinstance(value, Decimal):
            value = str(value)
        elif isinstance(value, bytes | memoryview):
            value = base64.b64encode(bytes(value)).decode("ascii")
        out[column.name] = value
    return out


def _skipped(path: Path) -> bool:
    name = path.name
    return (
        name in _SKIPPED_NAMES
        or name.endswith(_SKIPPED_SUFFIXES)
        or name.startswith(_SKIPPED_PREFIXES)
    )


def _add_tree(
    tar: tarfile.TarFile, members: dict[str, dict[str, Any]], root: Path, top: Path
) -> None:
    if top.is_file():
        _add_file(tar, members, FILES_PREFIX + top.relative_to(root).as_posix(), top)
        return
    if not top.is_dir():
        return
    for dirpath, dirnames, filenames in os.walk(top):
        dirnames.sort()
        for name in sorted(filenames):
            path = Path(dirpath) / name
            if _skipped(path) or path.is_symlink() or not path.is_file():
                continue
            try:
                _add_file(tar, members, FILES_PREFIX + path.relative_to(root).as_posix(), path)
            except FileNotFoundError:
                continue  # a reader's cache or a temporary file that went away meanwhile


class _Hashing:
    """A file read through, its sha256 taken on the way (tarfile reads it once)."""

    def __init__(self, fh: IO[bytes]) -> None:
        self.fh = fh
        self.digest = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        block = self.fh.read(size)
        self.digest.update(block)
        return block


def _add_file(
    tar: tarfile.TarFile, members: dict[str, dict[str, Any]], name: str, path: Path
) -> None:
    with path.open("rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        info = tarfile.TarInfo(name)
        info.size = size
        info.mtime = int(path.stat().st_mtime)
        info.mode = 0o644
        reader = _Hashing(fh)
        tar.addfile(info, reader)  # type: ignore[arg-type]
    members[name] = {"size": size, "sha256": reader.digest.hexdigest()}


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(datetime.now(UTC).timestamp())
    info.mode = 0o644
    tar.addfile(info, _Hashing(_BytesReader(data)))  # type: ignore[arg-type]


class _BytesReader:
    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def read(self, size: int = -1) -> bytes:
        end = len(self.data) if size < 0 else self.pos + size
        block = self.data[self.pos : end]
        self.pos += len(block)
        return block


# --------------------------------------------------------------------------- restore


def restore_backup(archive: Path) -> RestoreResult:
    """Replace this instance's data with ``archive``'s, or change nothing and say why.

    Stop the web server and the workers first: they keep files of the old data open."""
    archive = Path(archive)
    if not archive.is_file():
        raise BackupError(f"{archive} is not a file")
    data_dir = Path(current_app.config["DATA_DIR"])
    engine = db.engine
    kind = engine.url.get_backend_name()
    staging = Path(tempfile.mkdtemp(dir=data_dir.parent, prefix=f".{data_dir.name}.restore-"))
    try:
        manifest = _unpack(archive, staging)
        revision = str(manifest.get("alembic_revision") or "")
        _check_revision(revision, manifest["database"], kind)
        files = staging / "files"
        files.mkdir(exist_ok=True)
        if manifest["database"] == "sqlite" and kind == "sqlite":
            target = Path(engine.url.database or "")
            db.session.remove()
            engine.dispose()
            _drop_sqlite_sidecars(staging / SQLITE_MEMBER)
            previous = _swap(data_dir, files, staging / SQLITE_MEMBER, target)
        else:
            previous = _load_rows_and_swap(manifest, staging, data_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    secret = data_dir / "secret_key"
    if secret.exists():
        secret.chmod(0o600)
    ensure_schema()  # an older SQLite backup is brought to this version's schema
    reindexed = _reconcile_index()
    _record_restore(archive, manifest, previous, reindexed)
    return RestoreResult(
        data_dir=str(data_dir),
        previous=str(previous) if previous else None,
        revision=revision,
        database=kind,
        reindexed=reindexed,
    )


RESTORE_ACTION = "instance.restore"


def _record_restore(
    archive: Path, manifest: dict[str, Any], previous: Path | None, reindexed: bool
) -> None:
    """The restore in the restored audit log, after every event the backup held: one event
    per round (each round's log says its data was put back; from the command line, so no
    actor), or one for the instance when it has no rounds."""
    data: dict[str, Any] = {
        "archive": archive.name,
        "backup_created_at": manifest.get("created_at"),
        "revision": manifest.get("alembic_revision"),
        "database": manifest.get("database"),
        "previous": previous.name if previous else None,
        "reindexed": reindexed,
    }
    round_ids = db.session.scalars(select(Round.id).order_by(Round.id)).all()
    for round_id in round_ids:
        audit.record(None, RESTORE_ACTION, "round", round_id, round_id=round_id, **data)
    if not round_ids:
        audit.record(None, RESTORE_ACTION, "instance", None, **data)
    db.session.commit()


def _unpack(archive: Path, staging: Path) -> dict[str, Any]:
    """Every member into ``staging`` with its hash checked against the manifest."""
    seen: dict[str, dict[str, Any]] = {}
    manifest: dict[str, Any] | None = None
    try:
        with tarfile.open(archive, "r:gz") as tar:
            for member in tar:
                name = _safe_name(member.name)
                if member.isdir():
                    continue
                if not member.isfile():
                    raise BackupError(f"{archive}: member {member.name} is not a regular file")
                source = tar.extractfile(member)
                assert source is not None
                if name == MANIFEST:
                    try:
                        manifest = json.loads(source.read().decode("utf-8"))
                    except ValueError as exc:
                        raise BackupError(f"{archive}: the manifest is not JSON ({exc})") from exc
                    continue
                target = staging / name
                target.parent.mkdir(parents=True, exist_ok=True)
                digest, size = hashlib.sha256(), 0
                with target.open("wb") as out:
                    while block := source.read(_BLOCK):
                        digest.update(block)
                        size += len(block)
                        out.write(block)
                seen[name] = {"size": size, "sha256": digest.hexdigest()}
    except (tarfile.TarError, EOFError, OSError, zlib.error) as exc:
        raise BackupError(
            f"{archive} is not a complete reviewapp backup (truncated, damaged or not a "
            f"tar.gz archive: {_first_line(exc)}); nothing was restored"
        ) from exc
    if manifest is None or manifest.get("format") != FORMAT:
        raise BackupError(
            f"{archive} is not a reviewapp backup (no {MANIFEST} of format {FORMAT!r}; a "
            "truncated archive loses its manifest); nothing was restored"
        )
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(
            f"{archive} is a backup of format version {manifest.get('format_version')}, this "
            f"reviewapp reads version {FORMAT_VERSION}; nothing was restored"
        )
    expected = manifest.get("members") or {}
    missing = sorted(set(expected) - set(seen))
    extra = sorted(set(seen) - set(expected))
    bad = sorted(n for n in set(seen) & set(expected) if seen[n] != expected[n])
    if missing or extra or bad:
        problems = [
            f"{label}: {', '.join(names[:5])}{' …' if len(names) > 5 else ''}"
            for label, names in (("missing", missing), ("not listed", extra), ("altered", bad))
            if names
        ]
        raise BackupError(
            f"{archive} does not match its manifest ({'; '.join(problems)}); nothing was restored"
        )
    return manifest


def _first_line(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__


def _safe_name(name: str) -> str:
    path = Path(name)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise BackupError(f"unsafe member name {name!r} in the archive; nothing was restored")
    if not (name == MANIFEST or name.startswith(("database/", FILES_PREFIX))):
        raise BackupError(f"unexpected member {name!r}: not a reviewapp backup")
    return path.as_posix()


def _check_revision(revision: str, archived: str, kind: str) -> None:
    migrate = current_app.extensions["migrate"]
    script = ScriptDirectory.from_config(migrate.migrate.get_config(migrate.directory))
    heads = ", ".join(sorted(script.get_heads()))
    for rev in filter(None, (r.strip() for r in revision.split(","))):
        try:
            known = script.get_revision(rev) is not None
        except CommandError:
            known = False
        if not known:
            raise BackupError(
                f"the backup is at revision {rev}, which this version of reviewapp does not "
                "know; restore it with the reviewapp that made it"
            )
    if archived != "sqlite" and kind == "sqlite":
        raise BackupError(
            f"the backup holds a {archived} database; set REVIEWAPP_DATABASE_URL to a "
            f"{archived} database to restore it"
        )
    if (archived != "sqlite" or kind != "sqlite") and revision != heads:
        raise BackupError(
            f"the backup is at revision {revision}, this reviewapp at {heads}; a row-by-row "
            "restore needs the same schema: restore it with the reviewapp that made it"
        )


def _drop_sqlite_sidecars(path: Path) -> None:
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _swap(
    data_dir: Path, files: Path, sqlite_file: Path | None, sqlite_target: Path | None
) -> Path | None:
    """Put the restored files (and SQLite database) in place; the old data moves aside."""
    if sqlite_file is not None and sqlite_target is not None:
        if sqlite_target.resolve().is_relative_to(data_dir.resolve()):
            dest = files / sqlite_target.resolve().relative_to(data_dir.resolve())
            dest.parent.mkdir(parents=True, exist_ok=True)
            os.replace(sqlite_file, dest)
        else:
            sqlite_target.parent.mkdir(parents=True, exist_ok=True)
            for suffix in ("-wal", "-shm"):
                Path(f"{sqlite_target}{suffix}").unlink(missing_ok=True)
            os.replace(sqlite_file, sqlite_target)
    for sub in ("uploads", "index", "tmp"):
        (files / sub).mkdir(exist_ok=True)
    previous = None
    if data_dir.exists():
        previous = data_dir.with_name(
            f"{data_dir.name}.before-restore-{datetime.now(UTC):%Y%m%d-%H%M%S-%f}"
        )
        os.replace(data_dir, previous)
    try:
        os.replace(files, data_dir)
    except OSError:
        if previous is not None:
            os.replace(previous, data_dir)
        raise
    return previous


def _unswap(data_dir: Path, previous: Path | None) -> None:
    shutil.rmtree(data_dir, ignore_errors=True)
    if previous is not None:
        os.replace(previous, data_dir)


def _load_rows_and_swap(manifest: dict[str, Any], staging: Path, data_dir: Path) -> Path | None:
    """Every row into this database in one transaction that commits after the file swap."""
    ensure_schema()
    db.session.remove()
    tables = db.metadata.sorted_tables
    with db.engine.connect() as conn:
        trans = conn.begin()
        try:
            _truncate(conn, tables)
            for table, rows in _archived_rows(manifest, staging, tables):
                _insert(conn, table, rows)
            if conn.dialect.name == "postgresql":
                _reset_sequences(conn, tables)
            previous = _swap(data_dir, staging / "files", None, None)
        except BaseException:
            trans.rollback()
            raise
        try:
            trans.commit()
        except BaseException:
            _unswap(data_dir, previous)
            raise
    return previous


def _archived_rows(
    manifest: dict[str, Any], staging: Path, tables: list[Table]
) -> Iterator[tuple[Table, Iterator[dict[str, Any]]]]:
    if manifest["database"] == "sqlite":
        engine = create_engine(f"sqlite:///{staging / SQLITE_MEMBER}")
        try:
            with engine.connect() as source:
                for table in tables:
                    yield table, iter([dict(r) for r in source.execute(select(table)).mappings()])
        finally:
            engine.dispose()
        return
    for table in tables:
        path = staging / f"{ROWS_PREFIX}{table.name}.jsonl"
        if not path.exists():
            raise BackupError(f"the backup has no rows for table {table.name}")
        yield table, _decoded(table, path)


def _decoded(table: Table, path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            yield _decode_row(table, json.loads(line))


def _decode_row(table: Table, raw: dict[str, Any]) -> dict[str, Any]:
    row: dict[str, Any] = {}
    for column in table.columns:
        value = raw.get(column.name)
        kind = column.type
        if value is None:
            value = null() if isinstance(kind, JSON) else None
        elif isinstance(kind, DateTime):
            value = datetime.fromisoformat(value)
        elif isinstance(kind, Date):
            value = date.fromisoformat(value)
        elif isinstance(kind, Numeric) and not isinstance(value, bool):
            value = Decimal(str(value))
        elif isinstance(kind, LargeBinary):
            value = base64.b64decode(value)
        row[column.name] = value
    return row


def _truncate(conn: Connection, tables: list[Table]) -> None:
    if conn.dialect.name == "postgresql":
        names = ", ".join(conn.dialect.identifier_preparer.quote(t.name) for t in tables)
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for table in reversed(tables):
            conn.execute(table.delete())


def _insert(conn: Connection, table: Table, rows: Iterator[dict[str, Any]]) -> None:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= _ROW_BATCH:
            conn.execute(table.insert(), batch)
            batch = []
    if batch:
        conn.execute(table.insert(), batch)


def _reset_sequences(conn: Connection, tables: list[Table]) -> None:
    """PostgreSQL's identity sequences continue after the restored ids."""
    for table in tables:
        for column in table.primary_key.columns:
            if column.autoincrement is not True and not (
                column.autoincrement == "auto" and len(table.primary_key.columns) == 1
            ):
                continue
            sequence = conn.scalar(select(func.pg_get_serial_sequence(table.name, column.name)))
            if sequence is None:
                continue
            top = conn.scalar(select(func.max(table.c[column.name])))
            conn.execute(select(func.setval(sequence, top or 1, top is not None)))


def _reconcile_index() -> bool:
    """The index as the restored database has it: documents that were not ready when the
    backup was taken lose what a running job had already indexed (a worker redoes them);
    a count that still differs rebuilds the full text from the database. True if rebuilt."""
    index = get_index()
    unfinished = db.session.scalars(
        select(Document.id).where(Document.status != DocumentStatus.READY.value)
    ).all()
    for document_id in unfinished:
        index.delete_document(document_id)
    expected = db.session.scalar(
        select(func.count(Chunk.id))
        .join(Document, Chunk.document_id == Document.id)
        .where(Document.status == DocumentStatus.READY.value)
    )
    if index.count() == (expected or 0):
        return False
    index.rebuild(all_records())
    return True
