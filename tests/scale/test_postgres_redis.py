"""The documented scale-out path on real engines: PostgreSQL 15 for the database and Redis 7 for
the job queue (Debian's packages, started on loopback by tests/engines.py), exactly as a
deployment sets them: REVIEWAPP_DATABASE_URL=postgresql+psycopg://… and
REVIEWAPP_REDIS_URL=redis://127.0.0.1:….

Migrations up and down, ingestion by two `reviewapp worker` processes sharing one Redis queue
and one data directory, concurrent scoring from threads and processes, Korean search, and
backup/restore (also while another process writes). `make test-scale` runs these; plain
`make test` runs them too where both engines are installed, and skips them naming the missing
one otherwise."""

from __future__ import annotations

import io
import json
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import func, inspect, select

from reviewapp.extensions import db
from reviewapp.models import AuditEvent, Chunk, Document, Indicator, IndicatorKind, Score, User
from reviewapp.services import accounts, rounds, scoring, uploads
from reviewapp.services.frameworks import import_framework
from reviewapp.services.indexing import get_index
from tests.conftest import CORPUS, FRAMEWORK, PASSWORD, World, make_app
from tests.scale.conftest import REVIEWAPP, ROOT, process_env, run_cli

pytestmark = pytest.mark.scale

# Small real documents of five formats (no scans: OCR is off in these processes).
DOCUMENTS = [
    "law-data-based-administration-act.md",
    "law-public-data-act.md",
    "ulsan-namgu-ordinance-notice-2021.hwpx",
    "transit-center-data-standard-2023.hwpx",
    "kma-warning-zone-codes-2020.xlsx",
    "kma-weather-warning-api-guide.docx",
    "msit-nuri-press-release-2018.hwp",
]


def build_world(evaluators: int = 2) -> World:
    """The sample framework, a round, two applicants; evaluators e1..eN assigned to both."""
    accounts.create_user("coord", PASSWORD, "coordinator")
    for i in range(1, evaluators + 1):
        accounts.create_user(f"e{i}", PASSWORD, "evaluator")
    fw = import_framework(FRAMEWORK)
    r = rounds.create_round("2026년 스마트도시 인증", fw.id)
    large = rounds.add_applicant(r.id, "한빛시", 1_020_000).submission_id
    small = rounds.add_applicant(r.id, "솔내시", 186_000).submission_id
    for i in range(1, evaluators + 1):
        rounds.assign(large, f"e{i}")
        rounds.assign(small, f"e{i}")
    return World(r.id, fw.id, large, small)


def indicators(world: World) -> list[Indicator]:
    return list(
        db.session.scalars(
            select(Indicator)
            .where(Indicator.framework_id == world.framework_id)
            .order_by(Indicator.position)
        )
    )


def form_for(indicator: Indicator, n: int) -> scoring.ScoreForm:
    """A valid score of ``indicator`` that depends on ``n`` (a level or points)."""
    if indicator.kind == IndicatorKind.QUALITATIVE:
        levels = sorted(int(level["level"]) for level in indicator.rubric)
        return scoring.ScoreForm(level=levels[n % len(levels)], no_evidence_reason="제출 자료 없음")
    points = Decimal(indicator.max_points) * (n % 5) / 4
    return scoring.ScoreForm(points=f"{points:.2f}", no_evidence_reason="제출 자료 없음")


def user_id(name: str) -> int:
    found = db.session.scalar(select(User.id).where(User.username == name))
    assert found is not None
    return found


@contextmanager
def app_on(tmp_path: Path, database_url: str, **config: Any) -> Iterator[Flask]:
    app = make_app(tmp_path, DATABASE_URL=database_url, **config)
    with app.app_context():
        try:
            yield app
        finally:
            db.session.remove()
            db.engine.dispose()


def cli_json(app: Flask, *args: str) -> Any:
    result = app.test_cli_runner().invoke(args=[*args, "--json"])
    assert result.exit_code == 0, (args, result.stderr, result.stdout)
    return json.loads(result.stdout)


# --------------------------------------------------------------------------- migrations


def test_migrations_up_down_and_up_match_the_models(tmp_path: Path, pg_url: str) -> None:
    """Every migration (batch_alter_table included) runs on PostgreSQL both ways, and the
    upgraded schema is what the models declare."""
    with app_on(tmp_path, pg_url) as app:
        assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg://")
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
        assert diff == [], diff
    # a fresh database through the command line: created on first use, in one line
    env = process_env(tmp_path / "cli", pg_url.rsplit("/", 1)[0] + "/postgres")
    done = run_cli(env, "db", "current")
    assert done.returncode == 0, done.stderr


# --------------------------------------------------------------------------- ingestion


def test_two_worker_processes_ingest_from_one_redis_queue(
    tmp_path: Path, pg_url: str, redis_url: str
) -> None:
    data_dir = tmp_path / "data"
    env = process_env(data_dir, pg_url, redis_url)
    with app_on(
        tmp_path, pg_url, JOBS_IMMEDIATE=False, REDIS_URL=redis_url, OCR_ENABLED=False
    ) as app:
        assert app.config["DATA_DIR"] == str(data_dir)
        world = build_world()
        logs = [tmp_path / f"worker-{i}.log" for i in (1, 2)]
        script = (
            "import logging, sys; logging.basicConfig(level=logging.INFO, stream=sys.stderr); "
            "from reviewapp.cli import main; main()"
        )
        workers = [
            subprocess.Popen(
                [REVIEWAPP[0], "-c", script, "worker"],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=log.open("w"),
            )  # fmt: skip
            for log in logs
        ]
        try:
            deadline = time.monotonic() + 120
            while not all("consumer started" in log.read_text().lower() for log in logs):
                assert all(w.poll() is None for w in workers), [log.read_text() for log in logs]
                assert time.monotonic() < deadline, [log.read_text() for log in logs]
                time.sleep(0.2)
            # one upload per document: each its own job (an upload's documents share one)
            outcomes = [
                outcome
                for name in DOCUMENTS
                for outcome in uploads.ingest_paths([CORPUS / name], world.large, enqueue_jobs=True)
            ]
            ids = [o.document_id for o in outcomes if o.document_id]
            assert len(ids) == len(DOCUMENTS), outcomes
            deadline = time.monotonic() + 480
            while True:
                db.session.expire_all()
                statuses = dict(
                    db.session.execute(
                        select(Document.id, Document.status).where(Document.id.in_(ids))
                    ).all()
                )
                if all(s in ("ready", "failed") for s in statuses.values()):
                    break
                assert all(w.poll() is None for w in workers), [log.read_text() for log in logs]
                assert time.monotonic() < deadline, (statuses, [log.read_text() for log in logs])
                time.sleep(0.5)
        finally:
            for w in workers:
                w.terminate()
            for w in workers:
                w.wait(30)
        failed = db.session.scalars(select(Document).where(Document.status == "failed")).all()
        assert not failed, [(d.filename, d.error) for d in failed]
        executed = [log.read_text().count("Executing reviewapp.jobs.") for log in logs]
        assert all(n > 0 for n in executed), executed  # both processes did work

        # the index the two processes wrote holds every passage once, and finds Korean text
        app.extensions.pop("search_index", None)
        chunks = db.session.scalar(select(func.count(Chunk.id)))
        assert chunks and get_index().count() == chunks
        hits = cli_json(
            app, "search", "데이터 기반 행정", "--submission", str(world.large), "--mode", "bm25"
        )["hits"]
        assert hits and "데이터" in json.dumps(hits, ensure_ascii=False)
        hits = cli_json(
            app, "search", "기상특보", "--submission", str(world.large), "--mode", "bm25"
        )["hits"]
        assert hits, "nothing found for 기상특보"
        assert cli_json(app, "search", "기상특보", "--submission", str(world.small))["hits"] == []


# --------------------------------------------------------------------------- scoring


def _final_scores() -> list[tuple[str, int, int, str, str]]:
    return [
        (
            db.session.get(User, s.evaluator_id).username,  # type: ignore[union-attr]
            s.submission_id,
            s.indicator_id,
            s.stage,
            str(s.points),
        )
        for s in db.session.scalars(select(Score).order_by(Score.evaluator_id, Score.indicator_id))
    ]


def test_concurrent_scoring_from_threads_and_processes(
    tmp_path: Path, pg_url: str, postgres: Any
) -> None:
    """Six evaluators score every indicator of one applicant at once (four in threads of
    this process, two as `reviewapp score` processes), and four threads update one and the
    same score together: nothing is lost, every save has its audit event and version, and
    grades equal those of the same final scores entered one by one on SQLite."""
    threads_evaluators, process_evaluators = ["e1", "e2", "e3", "e4"], ["e5", "e6"]
    with app_on(tmp_path / "pg", pg_url) as app:
        world = build_world(evaluators=6)
        inds = indicators(world)[:12]
        ids = {name: user_id(name) for name in threads_evaluators + process_evaluators}
        errors: list[BaseException] = []
        contended: list[int] = []
        barrier = threading.Barrier(len(threads_evaluators) + 4)

        def evaluator(name: str) -> None:
            with app.app_context():
                try:
                    barrier.wait(60)
                    for n, ind in enumerate(inds):
                        scoring.save_score(ids[name], world.large, ind.id, "document",
                                           form_for(ind, n + len(name)))  # fmt: skip
                except BaseException as exc:  # noqa: BLE001 - reported by the test
                    errors.append(exc)
                finally:
                    db.session.remove()

        def same_score(k: int) -> None:
            with app.app_context():
                try:
                    barrier.wait(60)
                    for n in range(5):
                        form = scoring.ScoreForm(
                            points=str(k * 5 + n + 1), no_evidence_reason=f"동시 수정 {k}-{n}"
                        )
                        contended.append(
                            scoring.save_score(
                                ids["e1"], world.small, quantitative.id, "document", form
                            ).version
                        )
                except BaseException as exc:  # noqa: BLE001
                    errors.append(exc)
                finally:
                    db.session.remove()

        quantitative = next(i for i in inds if i.kind == IndicatorKind.QUANTITATIVE)
        env = process_env(Path(app.config["DATA_DIR"]), pg_url)
        commands = []
        for name in process_evaluators:
            lines = []
            for n, ind in enumerate(inds):
                form = form_for(ind, n + len(name))
                value = (
                    ["--level", str(form.level)] if form.level else ["--points", str(form.points)]
                )
                lines.append(
                    [str(world.large), ind.code, "--evaluator", name, "--stage", "document",
                     *value, "--no-evidence-reason", "제출 자료 없음"]
                )  # fmt: skip
            commands.append(lines)
        workers = [
            threading.Thread(target=evaluator, args=(name,)) for name in threads_evaluators
        ] + [threading.Thread(target=same_score, args=(k,)) for k in range(4)]
        procs = [
            subprocess.Popen(
                [REVIEWAPP[0], "-c", _score_loop_script(lines)],
                cwd=ROOT,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )  # fmt: skip
            for lines in commands
        ]
        for t in workers:
            t.start()
        for t in workers:
            t.join(300)
        for p in procs:
            out, err = p.communicate(timeout=300)
            assert p.returncode == 0, (out, err)
        assert not errors, errors

        db.session.expire_all()
        assert (
            db.session.scalar(
                select(func.count()).select_from(Score).where(Score.submission_id == world.large)
            )
            == len(inds) * 6
        )
        # 20 saves of one score: 20 versions, 20 events, none lost
        assert len(contended) == 20
        final = db.session.scalar(
            select(Score).where(Score.submission_id == world.small, Score.evaluator_id == ids["e1"])
        )
        assert final is not None and final.version == 20, contended
        events = db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.entity_type == "score", AuditEvent.actor_id == ids["e1"])
            .order_by(AuditEvent.id)
        ).all()
        chain = [e for e in events if (e.data or {}).get("submission") == world.small]
        assert len(chain) == 20
        for earlier, later in zip(chain, chain[1:], strict=False):
            assert later.data["before"] == earlier.data["after"]  # each update saw the last
        assert [e.data["after"]["version"] for e in chain] == list(range(1, 21))
        total_events = db.session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.entity_type == "score")
        )
        assert total_events == len(inds) * 6 + 20
        pg_grades = cli_json(app, "grades", "--round", str(world.round_id))
        finals = _final_scores()

    # the same final scores, one at a time, on SQLite
    with app_on(tmp_path / "sqlite", "sqlite:///" + str(tmp_path / "replay.sqlite3")) as app:
        world_again = build_world(evaluators=6)
        assert world_again == world
        by_id = {i.id: i for i in indicators(world)}
        for name, submission_id, indicator_id, stage, points in finals:
            ind = by_id[indicator_id]
            if ind.kind == IndicatorKind.QUALITATIVE:
                level = next(
                    int(lv["level"])
                    for lv in ind.rubric
                    if Decimal(ind.max_points) * Decimal(str(lv["points_pct"])) / 100
                    == Decimal(points)
                )
                form = scoring.ScoreForm(level=level, no_evidence_reason="x")
            else:
                form = scoring.ScoreForm(points=points, no_evidence_reason="x")
            scoring.save_score(user_id(name), submission_id, ind.id, stage, form)
        sqlite_grades = cli_json(app, "grades", "--round", str(world.round_id))
    assert pg_grades == sqlite_grades


def _score_loop_script(lines: list[list[str]]) -> str:
    """A process that runs `reviewapp score` once per line, in-process, failing on any error."""
    return (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from reviewapp import create_app\n"
        "app = create_app()\n"
        f"for args in {lines!r}:\n"
        "    r = app.test_cli_runner().invoke(args=['score', *args])\n"
        "    if r.exit_code:\n"
        "        print(args, r.output, r.stderr, file=sys.stderr); sys.exit(1)\n"
    )


# --------------------------------------------------------------------------- backup


def _answers(app: Flask, world: World) -> dict[str, Any]:
    return {
        "grades": cli_json(app, "grades", "--round", str(world.round_id)),
        "audit": cli_json(app, "audit", "--round", str(world.round_id)),
        "search": cli_json(
            app, "search", "데이터 기반 행정", "--submission", str(world.large), "--mode", "bm25"
        ),
    }


def _restored_answers(app: Flask, world: World, before: dict[str, Any]) -> dict[str, Any]:
    """``_answers`` after a restore, less the one ``instance.restore`` event the restore
    appends to the round's log after every event the backup held (checked here)."""
    after = _answers(app, world)
    events, kept = after["audit"]["events"], len(before["audit"]["events"])
    assert [e["action"] for e in events[kept:]] == ["instance.restore"], events[kept:]
    assert events[-1]["actor_id"] is None
    return {**after, "audit": {**after["audit"], "events": events[:kept]}}


WRITES = 60


def _events_by(username: str) -> int:
    db.session.expire_all()
    return (
        db.session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .join(User, AuditEvent.actor_id == User.id)
            .where(AuditEvent.entity_type == "score", User.username == username)
        )
        or 0
    )


def test_backup_and_restore_on_postgresql(tmp_path: Path, postgres: Any) -> None:
    """A backup taken while another process keeps scoring restores (into another database
    and data directory) to identical grades, audit log and search results of one moment; a
    damaged archive changes nothing."""
    source_url, target_url = postgres.create_database(), postgres.create_database()
    archive = tmp_path / "backups" / "pg.tar.gz"
    with app_on(tmp_path / "source", source_url) as app:
        world = build_world()
        uploads.add_upload(
            world.large, "데이터기반행정법.md", io.BytesIO((CORPUS / DOCUMENTS[0]).read_bytes())
        )
        inds = indicators(world)[:6]
        for n, ind in enumerate(inds):
            scoring.save_score(user_id("e1"), world.large, ind.id, "document", form_for(ind, n))
        quiet = _answers(app, world)
        made = cli_json(app, "backup", "--out", str(archive))
        assert made["database"] == "postgresql"

        # while another process writes scores
        env = process_env(Path(app.config["DATA_DIR"]), source_url)
        lines = [
            [str(world.large), ind.code, "--evaluator", "e2", "--stage", "document",
             *(["--level", str(f.level)] if f.level else ["--points", str(f.points)]),
             "--no-evidence-reason", f"진행 중 {k}"]
            for k in range(WRITES) for ind, f in [(inds[k % 6], form_for(inds[k % 6], k))]
        ]  # fmt: skip
        writer = subprocess.Popen(
            [REVIEWAPP[0], "-c", _score_loop_script(lines)],
            cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        live = tmp_path / "backups" / "live.tar.gz"
        deadline = time.monotonic() + 120
        while not _events_by("e2"):  # the writer is under way
            assert writer.poll() is None and time.monotonic() < deadline, writer.stderr
            time.sleep(0.05)
        cli_json(app, "backup", "--out", str(live))
        _, err = writer.communicate(timeout=300)
        assert writer.returncode == 0, err

    with app_on(tmp_path / "target", target_url) as app:
        restored = cli_json(app, "restore", str(archive))
        assert restored["database"] == "postgresql" and restored["reindexed"] is False
        assert _restored_answers(app, world, quiet) == quiet
        # ids continue after the restored rows (sequences were reset)
        first = indicators(world)[0]
        scoring.save_score(user_id("e2"), world.large, first.id, "document", form_for(first, 1))
        bad = tmp_path / "backups" / "bad.tar.gz"
        bad.write_bytes(archive.read_bytes()[:-500])
        before = _answers(app, world)
        result = app.test_cli_runner().invoke(args=["restore", str(bad)])
        assert result.exit_code == 1 and "nothing was restored" in result.stderr
        assert _answers(app, world) == before

        restored = cli_json(app, "restore", str(live))
        assert restored["reindexed"] is False
        assert 0 < _events_by("e2") < WRITES  # taken while the writer was at work
        events = db.session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.entity_type == "score")
        )
        versions = db.session.scalar(select(func.sum(Score.version)))
        assert events == versions  # one consistent moment: every version has its event
        cli_json(app, "grades", "--round", str(world.round_id))


def test_a_sqlite_backup_moves_to_postgresql(tmp_path: Path, pg_url: str) -> None:
    """The way up from the embedded default: a SQLite instance's backup restored into
    PostgreSQL answers the same; a PostgreSQL backup is refused by a SQLite instance."""
    archive = tmp_path / "backups" / "sqlite.tar.gz"
    with app_on(tmp_path / "small", "sqlite:///" + str(tmp_path / "small.sqlite3")) as app:
        world = build_world()
        uploads.add_upload(
            world.large, "데이터기반행정법.md", io.BytesIO((CORPUS / DOCUMENTS[0]).read_bytes())
        )
        for n, ind in enumerate(indicators(world)[:4]):
            scoring.save_score(user_id("e1"), world.large, ind.id, "document", form_for(ind, n))
        before = _answers(app, world)
        assert cli_json(app, "backup", "--out", str(archive))["database"] == "sqlite"
    with app_on(tmp_path / "large", pg_url) as app:
        assert cli_json(app, "restore", str(archive))["database"] == "postgresql"
        assert _restored_answers(app, world, before) == before
        pg_archive = tmp_path / "backups" / "pg.tar.gz"
        cli_json(app, "backup", "--out", str(pg_archive))
    with app_on(tmp_path / "again", "sqlite:///" + str(tmp_path / "again.sqlite3")) as app:
        result = app.test_cli_runner().invoke(args=["restore", str(pg_archive)])
        assert result.exit_code == 1 and "REVIEWAPP_DATABASE_URL" in result.stderr, result.stderr
