"""Issue 13's text cases through the app: an almost-UTF-8 CSV ingested with its replaced
bytes counted and shown on the document page; full-width text found by ASCII queries, and an
index from an older analysis flagged until `reviewapp reindex`.

Files from ../shared/fidelity-cases, a real SQLite database and a real whoosh index;
embeddings are off (the default app fixture).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from search_index._whoosh import ANALYSIS_FILE
from tests.conftest import SHARED, World, csrf_token, login
from tests.reviewapp.helpers import bm25, by_name

CASES = SHARED / "fidelity-cases"


def _case(name: str) -> Path:
    path = CASES / name
    if not path.exists():
        pytest.skip(f"fidelity case {name} is not available")
    return path


def test_almost_utf8_csv_is_ingested_and_its_replacement_shown(
    app: Flask, client: FlaskClient, world: World
) -> None:
    path = _case("csv_utf8_one_bad_byte.csv")
    result = app.test_cli_runner().invoke(
        args=["ingest", str(path), "--submission", str(world.large)]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.split()[0] == "ready", result.stdout
    doc = by_name(world.large)[path.name]
    assert doc.detected_type == "text"
    assert doc.doc_metadata["encoding"] == "utf-8"
    assert doc.doc_metadata["decode_errors"] == "1"
    text = "\n".join(page.text for page in doc.pages)
    assert text.count("\ufffd") == 1 and "SVC-04,통합운영센터 면적,1,250㎡,2층" in text
    assert any(h.document_id == doc.id for h in bm25("공공와이파이 설치 개소", world.large))

    login(client, "eva")
    page = client.get(f"/documents/{doc.id}").get_data(as_text=True)
    assert "UTF-8(으)로 읽을 수 없는 바이트 1곳을 아래 본문에 �로 표시했습니다." in page
    client.post("/lang/en", data={"csrf_token": csrf_token(client, "/rounds")})
    page = client.get(f"/documents/{doc.id}").get_data(as_text=True)
    assert "1 unreadable byte sequence (not valid UTF-8) is shown as � below" in page


def test_clean_text_document_shows_no_decoding_notice(
    app: Flask, client: FlaskClient, world: World, tmp_path: Path
) -> None:
    path = tmp_path / "실적.csv"
    path.write_text("지표코드,실적\nSVC-01,85.3%\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(
        args=["ingest", str(path), "--submission", str(world.large)]
    )
    assert result.exit_code == 0, result.output
    doc = by_name(world.large)[path.name]
    assert "decode_errors" not in doc.doc_metadata
    login(client, "eva")
    page = client.get(f"/documents/{doc.id}").get_data(as_text=True)
    assert "읽을 수 없는 바이트" not in page


def test_fullwidth_text_is_found_by_ascii_queries_from_the_command_line(
    app: Flask, world: World
) -> None:
    path = _case("search_fullwidth.txt")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["ingest", str(path), "--submission", str(world.large)])
    assert result.exit_code == 0, result.output
    assert "reindex" not in result.stderr
    original = path.read_text(encoding="utf-8").strip()
    typed = {"CCTV": "ＣＣＴＶ", "LED": "ＬＥＤ", "IoT": "ＩｏＴ", "1,250": "１，２５０"}
    for query, form in typed.items():
        found = runner.invoke(
            args=["search", query, "--submission", str(world.large), "--mode", "bm25", "--json"]
        )
        assert found.exit_code == 0, found.output
        (hit,) = json.loads(found.stdout)["hits"]
        assert hit["document"] == path.name, query
        # the snippet (and so a citation) keeps the characters as typed
        assert form in hit["snippet"] and hit["snippet"].strip("…") in original


def test_index_from_an_older_analysis_is_flagged_until_reindexed(app: Flask, world: World) -> None:
    path = _case("search_fullwidth.txt")
    runner = app.test_cli_runner()
    assert (
        runner.invoke(args=["ingest", str(path), "--submission", str(world.large)]).exit_code == 0
    )
    (Path(app.config["INDEX_DIR"]) / "fulltext" / ANALYSIS_FILE).unlink()  # as before the stamp
    args = ["search", "CCTV", "--submission", str(world.large), "--mode", "bm25"]
    stale = runner.invoke(args=args)
    assert stale.exit_code == 0 and path.name in stale.stdout
    assert "run `reviewapp reindex`" in stale.stderr
    reindexed = runner.invoke(args=["reindex"])
    assert reindexed.exit_code == 0 and reindexed.stdout.strip() == "indexed 1 passages"
    fresh = runner.invoke(args=args)
    assert fresh.exit_code == 0 and path.name in fresh.stdout and "reindex" not in fresh.stderr
