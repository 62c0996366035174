"""The real `reviewapp` console script on an empty data directory: the first command creates
the database, and a database that cannot be used ends a command with one line, no traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ..conftest import FRAMEWORK, ROOT

SCRIPT = Path(sys.executable).parent / "reviewapp"
# Where the console script is not installed beside the interpreter, the same entry point.
COMMAND = (
    [str(SCRIPT)]
    if SCRIPT.exists()
    else [sys.executable, "-c", "from reviewapp.cli import main; main()"]
)


def reviewapp(data_dir: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("REVIEWAPP_")}
    environ.update(
        REVIEWAPP_DATA_DIR=str(data_dir),
        REVIEWAPP_EMBEDDINGS_ENABLED="false",
        REVIEWAPP_SECRET_KEY="x",
        **env,
    )
    return subprocess.run(
        [*COMMAND, *args],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    return result.stdout


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


def test_first_commands_create_the_database(tmp_path: Path) -> None:
    data = tmp_path / "data"
    first = reviewapp(data, "import-framework", str(FRAMEWORK.relative_to(ROOT)), "--json")
    framework = json.loads(ok(first))
    assert first.stderr.strip() == f"database created at {data / 'reviewapp.sqlite3'}"

    created = reviewapp(data, "create-round", "2026 시범", "--framework", str(framework["id"]))
    round_id = ok(created).strip()
    assert created.stderr == ""  # created once, quiet after
    submission_id = ok(
        reviewapp(data, "add-applicant", round_id, "한빛시", "--population", "1020000")
    ).strip()
    user = reviewapp(
        data,
        "create-user",
        "kim",
        "--role",
        "evaluator",
        "--json",
        REVIEWAPP_NEW_PASSWORD="pw-123456789",
    )
    assert json.loads(ok(user))["username"] == "kim"
    ok(reviewapp(data, "assign", submission_id, "kim"))
    hits = json.loads(
        ok(reviewapp(data, "search", "시민참여", "--submission", submission_id, "--json"))
    )
    assert hits == {"hits": []}
    suggestions = reviewapp(data, "suggest", "--submission", submission_id, "--json")
    assert json.loads(ok(suggestions)) == {"suggestions": []}


@pytest.mark.parametrize(
    ("args", "code", "stdout"),
    [
        (("search", "스마트시티", "--submission", "1"), 0, ""),
        (("create-round", "r", "--framework", "1"), 1, ""),
    ],
)
def test_any_database_command_may_come_first(
    tmp_path: Path, args: tuple[str, ...], code: int, stdout: str
) -> None:
    result = reviewapp(tmp_path, *args)
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == stdout
    assert result.stderr.startswith(f"database created at {tmp_path / 'reviewapp.sqlite3'}\n")


def test_help_and_extract_leave_the_database_alone(tmp_path: Path) -> None:
    assert "import-framework" in ok(reviewapp(tmp_path, "--help"))
    assert "--framework" in ok(reviewapp(tmp_path, "create-round", "--help"))
    page = tmp_path / "page.txt"
    page.write_text("스마트시티 인증", encoding="utf-8")
    assert "스마트시티 인증" in ok(reviewapp(tmp_path, "extract", str(page)))
    assert not (tmp_path / "reviewapp.sqlite3").exists()


def test_extract_of_a_truncated_pdf_says_only_its_error(tmp_path: Path) -> None:
    """pypdf, reading what pdfium refused, logs "EOF marker not found": that goes into the
    error's detail, not bare onto stderr before the clean error."""
    page = tmp_path / "truncated.pdf"
    page.write_bytes(b"%PDF-1.4\n1 0 obj\n<<")
    line = one_line_error(reviewapp(tmp_path, "extract", str(page)))
    assert line.startswith("error: truncated.pdf: ")
    assert "EOF marker" not in line


def test_a_database_behind_the_migrations_is_upgraded(tmp_path: Path) -> None:
    ok(reviewapp(tmp_path, "reindex"))
    ok(reviewapp(tmp_path, "db", "downgrade"))  # one migration back
    result = reviewapp(tmp_path, "reindex")
    ok(result)
    assert result.stderr.startswith("database upgraded to ")


def test_unreachable_postgresql_is_one_line(tmp_path: Path) -> None:
    """Port 1 refuses connections; without psycopg installed the driver is what is missing.
    Either way: one line, exit code 1."""
    result = reviewapp(
        tmp_path,
        "create-round",
        "r",
        "--framework",
        "1",
        REVIEWAPP_DATABASE_URL="postgresql+psycopg://u:p@127.0.0.1:1/x",
    )
    line = one_line_error(result)
    assert "psycopg" in line or "127.0.0.1" in line
    assert ":p@" not in line  # never the password
    assert result.stdout == ""


def test_a_database_file_that_cannot_be_opened_is_one_line(tmp_path: Path) -> None:
    missing = tmp_path / "no" / "such" / "dir" / "x.sqlite3"
    result = reviewapp(
        tmp_path, "search", "x", "--submission", "1", REVIEWAPP_DATABASE_URL=f"sqlite:///{missing}"
    )
    assert f"cannot open the database {missing}" in one_line_error(result)
