"""`reviewapp backup` and `reviewapp restore` on SQLite: a restored instance answers as the
original did (grades, search, audit, originals), a damaged or foreign archive changes nothing,
and a backup taken while another thread writes restores to one consistent state.

The same checks run on PostgreSQL in tests/scale/ (`make test-scale`)."""

from __future__ import annotations

import gzip
import io
import json
import os
import tarfile
import threading
import time
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import func, select

from reviewapp.extensions import db
from reviewapp.models import AuditEvent, Chunk, Document, Score
from reviewapp.services import scoring, uploads
from reviewapp.services.indexing import get_index
from tests.conftest import World, make_app
from tests.reviewapp.helpers import indicators_of, scored_round, user


def cli(app: Flask, *args: str) -> Any:
    """Run a command; return (exit code, stdout, stderr)."""
    result = app.test_cli_runner().invoke(args=list(args))
    return result.exit_code, result.stdout, result.stderr


def answers(app: Flask, round_id: int, submission_id: int) -> dict[str, Any]:
    """What a restored instance must answer identically: grades, search, audit log."""
    out: dict[str, Any] = {}
    for key, args in {
        "grades": ("grades", "--round", str(round_id), "--json"),
        "search": ("search", "데이터 기반 행정", "--submission", str(submission_id),
                   "--mode", "bm25", "--json"),
        "audit": ("audit", "--round", str(round_id), "--json"),
    }.items():  # fmt: skip
        code, stdout, stderr = cli(app, *args)
        assert code == 0, (args, stderr)
        out[key] = json.loads(stdout)
    assert out["search"]["hits"], out["search"]
    return out


def restored(after: dict[str, Any], before: dict[str, Any], archive: Path) -> dict[str, Any]:
    """``after`` less the restore's own audit event, checked: the one event that the restore
    appended to the round's log, after every event the backup held."""
    events = after["audit"]["events"]
    kept = len(before["audit"]["events"])
    assert [e["action"] for e in events[kept:]] == ["instance.restore"], events[kept:]
    event = events[-1]
    assert event["actor_id"] is None and event["entity_type"] == "round"
    assert event["data"]["archive"] == archive.name and event["data"]["reindexed"] is False
    assert event["id"] > max(e["id"] for e in events[:kept])
    return {**after, "audit": {**after["audit"], "events": events[:kept]}}


def originals(data_dir: Path) -> dict[str, bytes]:
    root = data_dir / "uploads"
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.name.startswith(".")
    }


def test_restored_instance_answers_identically(app: Flask, world: World, tmp_path: Path) -> None:
    scored_round(world)
    before = answers(app, world.round_id, world.large)
    data_dir = Path(app.config["DATA_DIR"])
    kept = originals(data_dir)
    archive = tmp_path / "backup.tar.gz"
    (data_dir / "secret_key").write_text("a-key-kept-with-the-data")  # the settings

    code, stdout, stderr = cli(app, "backup", "--out", str(archive), "--json")
    assert code == 0, stderr
    made = json.loads(stdout)
    engine = db.engine.url.get_backend_name()  # sqlite; postgresql under `make test-scale`
    assert made["path"] == str(archive) and made["database"] == engine
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        manifest = json.load(tar.extractfile("manifest.json"))  # type: ignore[arg-type]
    assert manifest["alembic_revision"] == made["revision"]
    database = "database/reviewapp.sqlite3" if engine == "sqlite" else "database/rows/scores.jsonl"
    assert database in names and "files/secret_key" in names
    assert any(n.startswith("files/index/fulltext/") for n in names)
    assert {f"files/uploads/{name}" for name in kept} <= set(manifest["members"])
    assert set(manifest["members"]) == set(names) - {"manifest.json"}

    # a lost disk: a new, empty instance elsewhere gets the archive
    other = make_app(tmp_path / "elsewhere")
    with other.app_context():
        code, stdout, stderr = cli(other, "restore", str(archive), "--json")
        assert code == 0, stderr
        assert json.loads(stdout)["reindexed"] is False
        assert restored(answers(other, world.round_id, world.large), before, archive) == before
        assert originals(Path(other.config["DATA_DIR"])) == kept
        key = Path(other.config["DATA_DIR"]) / "secret_key"
        assert key.read_text() == "a-key-kept-with-the-data" and key.stat().st_mode & 0o077 == 0
        db.session.remove()

    # the same instance, after more work: restore takes it back to the backup
    evb = user("evb")
    inn03 = indicators_of(world)[2]
    scoring.save_score(
        evb.id, world.large, inn03.id, "document",
        scoring.ScoreForm(level=3, no_evidence_reason="제출 자료 없음"),
    )  # fmt: skip
    assert answers(app, world.round_id, world.large) != before
    db.session.remove()
    code, stdout, stderr = cli(app, "restore", str(archive), "--json")
    assert code == 0, stderr
    previous = Path(json.loads(stdout)["previous"])
    assert previous.is_dir() and (previous / "uploads").is_dir()  # kept aside
    app.extensions.pop("search_index", None)  # the old folder's index is open in this process
    assert restored(answers(app, world.round_id, world.large), before, archive) == before


def _damaged_archives(archive: Path, tmp_path: Path) -> dict[str, Path]:
    data = archive.read_bytes()
    out: dict[str, Path] = {}

    def put(name: str, content: bytes) -> None:
        out[name] = tmp_path / f"{name}.tar.gz"
        out[name].write_bytes(content)

    put("truncated", data[: len(data) // 2])
    put("truncated-at-end", data[:-200])
    flipped = bytearray(data)
    flipped[len(data) // 3] ^= 0xFF
    put("flipped-byte", bytes(flipped))
    put("not-an-archive", "점수표가 아닙니다\n".encode() * 100)
    put("empty", b"")
    # a foreign tar.gz: no manifest
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        info = tarfile.TarInfo("files/secret_key")
        info.size = 3
        tar.addfile(info, io.BytesIO(b"abc"))
    put("foreign", buf.getvalue())
    # a valid archive whose member was altered and the manifest left as it was
    raw = gzip.decompress(data)
    altered = 0
    with tarfile.open(fileobj=io.BytesIO(raw)) as src:
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w:gz") as dst:
            for member in src:
                content = src.extractfile(member).read()  # type: ignore[union-attr]
                if member.name.startswith("files/uploads/") and not altered:
                    content, altered = b"0" * len(content), 1
                dst.addfile(member, io.BytesIO(content))
    assert altered
    put("altered-member", buf.getvalue())
    # a member outside the archive's layout (a path escaping the data directory)
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        info = tarfile.TarInfo("files/../../escape")
        info.size = 1
        tar.addfile(info, io.BytesIO(b"x"))
    put("escaping-path", buf.getvalue())
    return out


def test_a_damaged_or_foreign_archive_changes_nothing(
    app: Flask, world: World, tmp_path: Path
) -> None:
    scored_round(world)
    before = answers(app, world.round_id, world.large)
    data_dir = Path(app.config["DATA_DIR"])
    archive = tmp_path / "archives" / "good.tar.gz"
    assert cli(app, "backup", "--out", str(archive))[0] == 0
    damaged = tmp_path / "damaged"
    damaged.mkdir()
    listing = sorted(p.relative_to(data_dir) for p in data_dir.rglob("*"))
    siblings = sorted(os.listdir(data_dir.parent))

    for name, bad in _damaged_archives(archive, damaged).items():
        code, stdout, stderr = cli(app, "restore", str(bad))
        assert code == 1, (name, stdout, stderr)
        assert stderr.startswith("error: ") and len(stderr.strip().splitlines()) == 1, stderr
        assert "nothing was restored" in stderr or "not a reviewapp backup" in stderr, stderr
        assert sorted(os.listdir(data_dir.parent)) == siblings, name  # no leftovers
        assert sorted(p.relative_to(data_dir) for p in data_dir.rglob("*")) == listing, name
        assert answers(app, world.round_id, world.large) == before, name


def test_backup_refuses_a_path_inside_the_data_directory(app: Flask, world: World) -> None:
    code, _, stderr = cli(app, "backup", "--out", str(Path(app.config["DATA_DIR"]) / "b.tgz"))
    assert code == 1 and "outside the data directory" in stderr


def test_backup_while_another_thread_writes(app: Flask, world: World, tmp_path: Path) -> None:
    """Scores and uploads go on in a thread while backups are taken; each restores to one
    state in which every score has its audit event and the index holds exactly the ready
    documents' passages (no rebuild needed)."""
    scored_round(world)
    eva = user("eva")
    inn02 = indicators_of(world)[1]
    stop = threading.Event()
    errors: list[BaseException] = []
    saves = 0

    def writer() -> None:
        nonlocal saves
        with app.app_context():
            try:
                n = 0
                while not stop.is_set():
                    n += 1
                    scoring.save_score(
                        eva.id, world.large, inn02.id, "document",
                        scoring.ScoreForm(points=str(n % 40), no_evidence_reason="계속 수정"),
                    )  # fmt: skip
                    saves += 1
                    if n % 2 == 0:
                        body = "\n\n".join(
                            f"제{k}조 스마트도시 데이터 허브 운영 실적 {n}건을 보고한다."
                            for k in range(40)
                        )
                        uploads.add_upload(world.small, f"추가-{n}.md", io.BytesIO(body.encode()))
            except BaseException as exc:  # noqa: BLE001 - reported by the test
                errors.append(exc)
            finally:
                db.session.remove()

    thread = threading.Thread(target=writer)
    thread.start()
    archives = []
    try:
        for i in range(3):
            seen = saves
            deadline = time.monotonic() + 60
            while saves <= seen and time.monotonic() < deadline and not errors:
                time.sleep(0.05)  # the writer is busy when each backup starts
            archives.append(tmp_path / f"live-{i}.tar.gz")
            code, _, stderr = cli(app, "backup", "--out", str(archives[-1]))
            assert code == 0, stderr
    finally:
        stop.set()
        thread.join(60)
    assert not errors, errors
    assert saves >= 3

    for i, archive in enumerate(archives):
        other = make_app(tmp_path / f"restored-{i}")
        with other.app_context():
            code, stdout, stderr = cli(other, "restore", str(archive), "--json")
            assert code == 0, stderr
            assert json.loads(stdout)["reindexed"] is False
            version = db.session.scalar(
                select(Score.version).where(
                    Score.evaluator_id == eva.id, Score.indicator_id == inn02.id
                )
            )
            events = db.session.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.entity_type == "score", AuditEvent.actor_id == eva.id)
            )
            eva_scores = db.session.scalar(
                select(func.sum(Score.version)).where(Score.evaluator_id == eva.id)
            )
            assert events == eva_scores and version is not None
            ready_chunks = db.session.scalar(
                select(func.count(Chunk.id)).join(Document).where(Document.status == "ready")
            )
            assert get_index().count() == ready_chunks
            code, _, stderr = cli(other, "grades", "--round", str(world.round_id), "--json")
            assert code == 0, stderr
            db.session.remove()


def test_restoring_an_instance_without_rounds_records_it(tmp_path: Path) -> None:
    """The restore is in the audit log even when no round's log could hold it."""
    empty = make_app(tmp_path / "empty")
    archive = tmp_path / "empty.tar.gz"
    with empty.app_context():
        code, _stdout, stderr = cli(empty, "backup", "--out", str(archive))
        assert code == 0, stderr
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 0
        db.session.remove()
        code, _stdout, stderr = cli(empty, "restore", str(archive))
        assert code == 0, stderr
        events = db.session.scalars(select(AuditEvent)).all()
        assert [(e.action, e.entity_type, e.round_id, e.actor_id) for e in events] == [
            ("instance.restore", "instance", None, None)
        ]
        assert events[0].data["archive"] == "empty.tar.gz"
        db.session.remove()
