from __future__ import annotations

import json

from flask import Flask

from .conftest import FRAMEWORK


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
