"""Issue 13's cases through the app: an almost-UTF-8 CSV ingested with its replaced bytes
counted and shown on the document page; full-width text found by ASCII queries, and an index
from an older analysis flagged until `reviewapp reindex`; a ZIP inside a ZIP unpacked at
intake, its files ingested and listed by `reviewapp ingest` alone.

Files from ../shared/fidelity-cases, a real SQLite database and a real whoosh index;
embeddings are off (the default app fixture).
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from reviewapp import queue
from reviewapp.extensions import db
from reviewapp.models import Document
from reviewapp.services import storage, uploads
from search_index._whoosh import ANALYSIS_FILE
from tests.conftest import SHARED, World, csrf_token, login, make_app
from tests.reviewapp.helpers import bm25, by_name, world_in, zip_of

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


# ---------------------------------------------------------------- nested archives


def test_nested_cp949_zip_is_ingested_and_listed_without_a_worker(tmp_path: Path) -> None:
    path = _case("zip_cp949_nested.zip")
    app = make_app(tmp_path, JOBS_IMMEDIATE=False)  # a queued job would wait for a worker
    with app.app_context():
        try:
            submission_id = world_in(app)
            runner = app.test_cli_runner()
            result = runner.invoke(args=["ingest", str(path), "--submission", str(submission_id)])
            assert result.exit_code == 0, result.output
            lines = result.stdout.strip().splitlines()
            assert len(lines) == 2, lines  # one line per document; the inner ZIP is a container
            assert lines[0].split()[0] == "ready" and "증빙자료/1.계획/추진실적.txt" in lines[0]
            assert lines[1].split()[0] == "ready" and "증빙자료/2.첨부/readme.txt" in lines[1]
            assert queue.pending_ids("process_document") == set()

            docs = by_name(submission_id)
            assert set(docs) == {"추진실적.txt", "readme.txt"}
            assert docs["추진실적.txt"].folder == "증빙자료/1.계획"
            inner = docs["readme.txt"]
            assert inner.folder == "증빙자료/2.첨부" and inner.status == "ready"
            assert inner.doc_metadata["archive"] == "첨부.zip"
            assert storage.blob_path(
                Path(app.config["UPLOAD_DIR"]), inner.doc_metadata["archive_sha256"]
            ).is_file()  # the inner archive is kept too, under the hash its files cite

            found = runner.invoke(
                args=["search", "자율주행 셔틀", "--submission", str(submission_id), "--json"]
            )
            assert found.exit_code == 0, found.output
            assert json.loads(found.stdout)["hits"][0]["document"] == "readme.txt"
        finally:
            db.session.remove()


def _nest(levels: int, content: bytes) -> bytes:
    """``levels`` ZIPs, each holding the next one in a folder, the innermost the file."""
    data = zip_of({"내용.md": content})
    for level in range(levels - 1, 0, -1):
        data = zip_of({f"{level}단계/묶음{level}.zip": data})
    return data


def test_nested_zips_share_the_limits_and_failures_keep_the_inner_archive(
    app: Flask, world: World
) -> None:
    note = "# 자율주행 셔틀\n실증 운행 결과 보고".encode()
    # four levels: unpacked all the way down
    outcomes = uploads.add_upload(world.large, "네겹.zip", io.BytesIO(_nest(4, note))).outcomes
    assert [(o.filename, o.folder, o.status) for o in outcomes] == [
        ("내용.md", "1단계/2단계/3단계", "queued")
    ]
    # five levels: the fifth archive is kept as a failed document with the reason
    deep = _nest(5, note + b" 5")
    (outcome,) = uploads.add_upload(world.large, "다섯겹.zip", io.BytesIO(deep)).outcomes
    assert (outcome.filename, outcome.status) == ("묶음4.zip", "failed")
    assert "nested more than 4" in outcome.message
    doc = db.session.get(Document, outcome.document_id)
    assert doc.error_code == "unsupported" and doc.folder == "1단계/2단계/3단계/4단계"
    with zipfile.ZipFile(storage.blob_path(Path(app.config["UPLOAD_DIR"]), doc.sha256)) as zf:
        assert zf.namelist() == ["내용.md"]  # the original of the failed archive is stored

    # one budget of entries for every level: 2 outer + 2 inner over a limit of 3
    app.config["ZIP_MAX_ENTRIES"] = 3
    archive = zip_of(
        {
            "가.md": "# 가\n첫 문서".encode(),
            "묶음.zip": zip_of({"나.md": "# 나\n둘째".encode(), "다.md": "# 다\n셋째".encode()}),
        }
    )
    outcomes = uploads.add_upload(world.small, "예산.zip", io.BytesIO(archive)).outcomes
    assert [(o.filename, o.status) for o in outcomes] == [
        ("가.md", "queued"),
        ("묶음.zip", "failed"),
    ]
    failed = db.session.get(Document, outcomes[1].document_id)
    assert failed.error_code == "too_large" and "entries" in failed.error

    # a broken archive inside: failed with its reason, its neighbours unpacked
    broken = zip_of({"표.md": "# 표\n내용".encode(), "깨짐.zip": b"PK\x03\x04" + b"\0" * 40})
    outcomes = uploads.add_upload(world.small, "묶음2.zip", io.BytesIO(broken)).outcomes
    assert {(o.filename, o.status) for o in outcomes} == {
        ("표.md", "queued"),
        ("깨짐.zip", "failed"),
    }
