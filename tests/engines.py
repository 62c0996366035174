"""Real PostgreSQL and Redis servers for the scale-out tests, started in a temporary folder on
loopback from Debian's packages (`make test-scale` installs them: postgresql, redis-server).

PostgreSQL refuses to run as root: as root, initdb and pg_ctl run as the `postgres` user that
Debian's package creates. Each test gets a database of its own (CREATE DATABASE). Where an
engine is missing the tests that need it are skipped with its name, unless
REVIEWAPP_SCALE_REQUIRED=1 (set by `make test-scale`), where they fail instead.
"""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

REQUIRED = os.environ.get("REVIEWAPP_SCALE_REQUIRED", "") == "1"
_names = itertools.count(1)


def missing(what: str) -> None:
    """Skip (or, under `make test-scale`, fail) naming the engine that is not there."""
    message = f"{what} is not installed (`make test-scale` installs it from Debian's packages)"
    if REQUIRED:
        pytest.fail(message)
    pytest.skip(message)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pg_bin(name: str) -> str | None:
    found = sorted(
        glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
    )
    return found[-1] if found else shutil.which(name)


@dataclass(frozen=True)
class Postgres:
    """A running server: where it listens and the superuser the tests connect as."""

    host: str
    port: int
    user: str

    def url(self, database: str) -> str:
        """The SQLAlchemy URL of ``database`` on this server."""
        return f"postgresql+psycopg://{self.user}@{self.host}:{self.port}/{database}"

    def create_database(self) -> str:
        """A new, empty database; returns its SQLAlchemy URL."""
        import psycopg  # noqa: PLC0415 - the [scale] extra, checked by the fixture

        name = f"reviewapp_test_{os.getpid()}_{next(_names)}"
        with psycopg.connect(
            host=self.host, port=self.port, user=self.user, dbname="postgres", autocommit=True
        ) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


@contextmanager
def postgres_server() -> Iterator[Postgres]:
    """initdb + pg_ctl in a fresh folder, trust auth on 127.0.0.1 only; stopped afterwards."""
    initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
    if not initdb or not pg_ctl:
        missing("PostgreSQL (initdb and pg_ctl of Debian's postgresql package)")
    try:
        import psycopg  # noqa: F401, PLC0415
    except ImportError:
        missing("the psycopg driver (the [scale] extra: pip install -e '.[scale]')")
    folder = Path(tempfile.mkdtemp(prefix="reviewapp-pg-"))
    prefix: list[str] = []
    if os.geteuid() == 0:
        prefix = ["runuser", "-u", "postgres", "--"]
        shutil.chown(folder, "postgres", "postgres")
    data, port = folder / "data", free_port()
    env = {**os.environ, "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"}
    try:
        subprocess.run(
            [*prefix, initdb, "-D", str(data), "-U", "reviewapp", "--auth=trust",
             "-E", "UTF8", "--locale=C.UTF-8"],
            check=True, capture_output=True, env=env,
        )  # fmt: skip
        options = (
            f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=300"
        )
        subprocess.run(
            [*prefix, pg_ctl, "-D", str(data), "-o", options, "-l", str(folder / "log"),
             "-w", "-t", "60", "start"],
            check=True, capture_output=True, env=env,
        )  # fmt: skip
        try:
            yield Postgres("127.0.0.1", port, "reviewapp")
        finally:
            subprocess.run(
                [*prefix, pg_ctl, "-D", str(data), "-m", "fast", "-w", "stop"],
                capture_output=True,
                env=env,
            )
    except subprocess.CalledProcessError as exc:
        log = (folder / "log").read_text(errors="replace") if (folder / "log").exists() else ""
        raise RuntimeError(
            f"PostgreSQL did not start: {exc.stderr.decode(errors='replace')}\n{log}"
        ) from exc
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def redis_server() -> Iterator[str]:
    """redis-server on 127.0.0.1 with its files in a fresh folder; yields redis://… (db 0)."""
    binary = shutil.which("redis-server")
    if binary is None:
        missing("redis-server (Debian's redis-server package)")
    try:
        import redis  # noqa: PLC0415
    except ImportError:
        missing("the redis client (the [scale] extra: pip install -e '.[scale]')")
    folder = Path(tempfile.mkdtemp(prefix="reviewapp-redis-"))
    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(folder),
         "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        client = redis.Redis(port=port)
        deadline = time.monotonic() + 20
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("redis-server did not start") from None
                time.sleep(0.05)
        client.close()
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(10)
        shutil.rmtree(folder, ignore_errors=True)
