from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from flask import Flask

from reviewapp import create_app
from reviewapp.config import from_env
from reviewapp.extensions import db

from .conftest import make_app


def test_defaults_then_env_then_test_config(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("REVIEWAPP_DATA_DIR", str(tmp_path / "from-env"))
    monkeypatch.setenv("REVIEWAPP_MAX_UPLOAD_BYTES", "1234")
    monkeypatch.setenv("REVIEWAPP_OCR_ENABLED", "false")
    app = create_app({"MAX_UPLOAD_BYTES": 99})
    assert app.config["DATA_DIR"] == str((tmp_path / "from-env").resolve())
    assert app.config["MAX_UPLOAD_BYTES"] == 99  # test_config wins over env
    assert app.config["OCR_ENABLED"] is False  # env wins over defaults
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("from-env/reviewapp.sqlite3")


def test_env_parsing_types() -> None:
    parsed = from_env({"REVIEWAPP_ZIP_MAX_RATIO": "50", "REVIEWAPP_LANGUAGES": "ko,en", "OTHER": "x"})
    assert parsed == {"ZIP_MAX_RATIO": 50.0, "LANGUAGES": ["ko", "en"]}


def test_all_state_lives_under_the_data_dir(tmp_path: Path) -> None:
    app = create_app({"DATA_DIR": str(tmp_path / "d")})
    for key in ("UPLOAD_DIR", "INDEX_DIR"):
        assert Path(app.config[key]).is_relative_to(tmp_path / "d")
    assert (tmp_path / "d" / "secret_key").exists()
    # the generated secret is stable across restarts
    again = create_app({"DATA_DIR": str(tmp_path / "d")})
    assert again.config["SECRET_KEY"] == app.config["SECRET_KEY"]


def test_migrations_apply_to_an_empty_database(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    with app.app_context():
        inspector = sa.inspect(db.engine)
        tables = set(inspector.get_table_names())
        for name in (
            "users", "frameworks", "areas", "indicators", "rounds", "applicants", "submissions",
            "assignments", "documents", "pages", "chunks", "claims", "suggestions",
            "evidence_links", "scores", "score_links", "audit_events", "alembic_version",
        ):
            assert name in tables, name
        mode = db.session.execute(sa.text("PRAGMA journal_mode")).scalar()
        assert mode == "wal"


def test_migrations_match_the_models(app: Flask) -> None:
    """A model change without a migration would make this fail."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
    assert diff == []
