"""Fixtures of the scale-out suite: one PostgreSQL and one Redis server per session (started
by tests/engines.py), a fresh database per test, and `reviewapp` commands run as separate
processes on this checkout's code."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import conftest
from tests.engines import Postgres, postgres_server, redis_server

ROOT = Path(__file__).resolve().parents[2]
# The console script of this checkout (the installed `reviewapp` may point at another one).
REVIEWAPP = [sys.executable, "-c", "from reviewapp.cli import main; main()"]


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    """The session's PostgreSQL server (the one every app uses under ON_POSTGRES)."""
    if conftest._postgres:
        yield conftest._postgres[0]
        return
    with postgres_server() as server:
        yield server


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    with redis_server() as url:
        yield url


@pytest.fixture()
def pg_url(postgres: Postgres) -> str:
    """A new, empty PostgreSQL database for this test."""
    return postgres.create_database()


def process_env(data_dir: Path, database_url: str, redis_url: str | None = None) -> dict[str, str]:
    """The environment of a `reviewapp` process of the instance under test."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("REVIEWAPP_")}
    env.update(
        PYTHONPATH=str(ROOT),
        REVIEWAPP_DATA_DIR=str(data_dir),
        REVIEWAPP_DATABASE_URL=database_url,
        REVIEWAPP_SECRET_KEY="test",
        REVIEWAPP_EMBEDDINGS_ENABLED="false",
        REVIEWAPP_OCR_ENABLED="false",
    )
    if redis_url:
        env["REVIEWAPP_REDIS_URL"] = redis_url
    return env


def run_cli(env: dict[str, str], *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    """`reviewapp ARGS` in a process of its own; the result, whatever the exit code."""
    return subprocess.run(
        [*REVIEWAPP, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )
