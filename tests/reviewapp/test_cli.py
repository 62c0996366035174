"""The command line: scripted setup, readable errors, ingesting files and folders (processed
inline, one line per document) and extracting a file without touching the database."""

from __future__ import annotations

import json
from pathlib import Path

from flask import Flask

from tests.conftest import CORPUS, FRAMEWORK, World
from tests.reviewapp.helpers import (
    DOCX,
    ENCRYPTED,
    HWP,
    HWPX,
    HWPX_SMALL,
    HWPX_TRANSIT,
    MD,
    XLSX,
    assert_chunks_exact,
    assert_original_kept,
    by_name,
    docs_of,
    zip_of,
)


def _json(result) -> dict:  # type: ignore[no-untyped-def]
    assert result.exit_code == 0, result.output
    return json.loads(result.output.strip().splitlines()[-1])


def test_scripted_setup(app: Flask, runner, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    fw = _json(runner.invoke(args=["import-framework", str(FRAMEWORK), "--json"]))
    assert fw["indicators"] >= 50
    rnd = _json(
        runner.invoke(args=["create-round", "2026 시범", "--framework", str(fw["id"]), "--json"])
    )
    sub = runner.invoke(args=["add-applicant", str(rnd["id"]), "한빛시", "--population", "1020000"])
    assert sub.exit_code == 0
    submission_id = int(sub.output.strip())
    big = _json(
        runner.invoke(
            args=["add-applicant", str(rnd["id"]), "솔내시", "--population", "186000", "--json"]
        )
    )
    assert big["track"] == "small"
    monkeypatch.setenv("REVIEWAPP_NEW_PASSWORD", "pw-123456789")
    user = _json(runner.invoke(args=["create-user", "kim", "--role", "evaluator", "--json"]))
    assert user["role"] == "evaluator"
    assigned = _json(runner.invoke(args=["assign", str(submission_id), "kim", "--json"]))
    assert assigned["submission_id"] == submission_id


def test_cli_errors_are_readable(app: Flask, runner, tmp_path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "framework: {code: x, name_ko: y, total_points: 10, areas: []}", encoding="utf-8"
    )
    result = runner.invoke(args=["import-framework", str(bad)])
    assert result.exit_code == 1
    assert "bad.yaml" in result.output and "at least one area" in result.output
    result = runner.invoke(args=["assign", "999", "nobody"])
    assert result.exit_code == 1 and "no submission with id 999" in result.output


# ---------------------------------------------------------------- ingest and extract


def test_cli_ingest_every_format_one_line_each(app: Flask, world: World, tmp_path: Path) -> None:
    runner = app.test_cli_runner()
    files = [HWP, HWPX, DOCX, XLSX, MD]
    result = runner.invoke(args=["ingest", *map(str, files), "--submission", str(world.large)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert len(lines) == len(files), lines
    for line, path in zip(lines, files, strict=True):
        assert line.split()[0] == "ready", line
        assert path.name in line and "pages=" in line
    docs = by_name(world.large)
    assert set(docs) == {p.name for p in files}
    for path in files:
        assert docs[path.name].status == "ready"
        assert_chunks_exact(docs[path.name])
        assert_original_kept(app, docs[path.name], path.read_bytes())
    assert {docs[p.name].detected_type for p in files} >= {"hwp", "hwpx", "docx", "xlsx"}

    # the same files again: one "duplicate" line each, nothing added
    again = runner.invoke(args=["ingest", str(HWP), "--submission", str(world.large)])
    assert again.stdout.split()[0] == "duplicate" and len(docs_of(world.large)) == len(files)

    # JSON lines, and a failure line with its reason
    result = runner.invoke(
        args=["ingest", str(ENCRYPTED), "--submission", str(world.small), "--json"]
    )
    (row,) = [json.loads(line) for line in result.stdout.strip().splitlines()]
    assert row["status"] == "failed" and "password" in row["message"].lower()
    assert result.exit_code != 0  # every document failed


def test_cli_ingest_folder_keeps_sub_folders(app: Flask, world: World, tmp_path: Path) -> None:
    root = tmp_path / "한빛시 제출"
    (root / "1. 혁신" / "시민참여").mkdir(parents=True)
    (root / "2. 데이터").mkdir()
    (root / "1. 혁신" / "시민참여" / "공고문.hwpx").write_bytes(HWPX_SMALL.read_bytes())
    (root / "2. 데이터" / "표준.hwpx").write_bytes(HWPX_TRANSIT.read_bytes())
    (root / "개요.md").write_bytes(MD.read_bytes())
    (root / "2. 데이터" / "암호.hwp").write_bytes(ENCRYPTED.read_bytes())
    (root / "3. 묶음").mkdir()
    (root / "3. 묶음" / "추가 자료.zip").write_bytes(
        zip_of({"조례/법률.md": (CORPUS / "law-public-data-act.md").read_bytes()})
    )
    result = app.test_cli_runner().invoke(
        args=["ingest", str(root), "--submission", str(world.large)]
    )
    assert result.exit_code == 0, result.output  # some documents failed, not all
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 5
    assert any(
        line.startswith("failed") and "2. 데이터/암호.hwp" in line and "reason:" in line
        for line in lines
    )
    assert any(
        line.startswith("ready") and "1. 혁신/시민참여/공고문.hwpx" in line for line in lines
    )
    docs = by_name(world.large)
    assert docs["공고문.hwpx"].folder == "1. 혁신/시민참여"
    assert docs["표준.hwpx"].folder == "2. 데이터"
    assert docs["개요.md"].folder == ""
    # a ZIP inside a sub-folder: the sub-folder, then the folders inside the archive
    assert docs["법률.md"].folder == "3. 묶음/조례" and docs["법률.md"].status == "ready"
    assert docs["암호.hwp"].status == "failed" and docs["암호.hwp"].error_code == "encrypted"


def test_cli_extract_json_exact_shape(app: Flask, world: World) -> None:
    runner = app.test_cli_runner()
    before = len(docs_of(world.large))
    result = runner.invoke(args=["extract", str(HWPX), "--json"])
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    payload = json.loads(result.stdout)
    assert list(payload) == ["file", "type", "pages", "decode_errors"]
    assert payload["file"] == HWPX.name and payload["type"] == "hwpx"
    assert payload["decode_errors"] == 0
    assert payload["pages"] and all(
        list(p) == ["number", "text", "ocr", *(["suspect"] if "suspect" in p else [])]
        for p in payload["pages"]
    )
    assert not any(p["ocr"] for p in payload["pages"])
    # its pasted pictures (not read) flag their pages
    assert {p.get("suspect", "") for p in payload["pages"]} == {"", "images"}
    assert [p["number"] for p in payload["pages"]] == list(range(1, len(payload["pages"]) + 1))
    assert "누리" in "".join(p["text"] for p in payload["pages"])
    assert len(docs_of(world.large)) == before  # touches no database


def test_cli_extract_encrypted_fails_on_stderr(app: Flask, tmp_path: Path) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["extract", str(ENCRYPTED), "--json"])
    assert result.exit_code != 0
    assert result.stdout == ""
    assert ENCRYPTED.name in result.stderr and "password" in result.stderr.lower()
    missing = runner.invoke(args=["extract", str(tmp_path / "없는 파일.pdf"), "--json"])
    assert missing.exit_code != 0 and missing.stdout == "" and "없는 파일.pdf" in missing.stderr
