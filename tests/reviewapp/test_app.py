from __future__ import annotations

import re
from pathlib import Path

import sqlalchemy as sa
from flask import Flask

from reviewapp import create_app
from reviewapp.config import from_env
from reviewapp.extensions import db
from tests.conftest import make_app


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
    parsed = from_env(
        {"REVIEWAPP_ZIP_MAX_RATIO": "50", "REVIEWAPP_LANGUAGES": "ko,en", "OTHER": "x"}
    )
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
            "users",
            "frameworks",
            "areas",
            "indicators",
            "rounds",
            "applicants",
            "submissions",
            "assignments",
            "documents",
            "pages",
            "chunks",
            "claims",
            "suggestion_decisions",
            "evidence_links",
            "scores",
            "score_links",
            "audit_events",
            "alembic_version",
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


_ROOT = Path(__file__).resolve().parents[2]
_KO_PO = _ROOT / "reviewapp" / "translations" / "ko" / "LC_MESSAGES" / "messages.po"
# %(name)s / %(n)d / %% (printf style) and {name} (str.format style)
_PLACEHOLDER = re.compile(r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrs]|%%|\{[\w.]*\}")


def _placeholders(text: str) -> list[str]:
    return sorted(_PLACEHOLDER.findall(text))


def test_korean_catalog_is_complete() -> None:
    """Every entry of the Korean catalog is translated (all plural forms), none is fuzzy
    (gettext ignores fuzzy entries at runtime), and each keeps its msgid's placeholders."""
    from babel.messages.pofile import read_po

    with _KO_PO.open("rb") as f:
        catalog = read_po(f, locale="ko")
    problems = []
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy:
            problems.append(f"fuzzy: {ids[0]!r}")
        if isinstance(message.id, tuple) and len(strings) != catalog.num_plurals:
            n = catalog.num_plurals
            problems.append(f"{len(strings)} plural forms, {n} expected: {ids[0]!r}")
        if not all(strings):
            problems.append(f"untranslated: {ids[0]!r}")
            continue
        expected = _placeholders(ids[-1])  # the plural msgid holds the count placeholder
        for string in strings:
            if _placeholders(string) != expected:
                problems.append(f"placeholders {_placeholders(string)} != {expected}: {ids[0]!r}")
    assert not list(catalog.obsolete), f"obsolete entries: {list(catalog.obsolete)}"
    assert not problems, "\n".join(problems)


def test_korean_catalog_covers_every_extracted_string() -> None:
    """A string marked for translation in reviewapp/ or templates/ but missing from the
    Korean catalog would show in English: run pybabel extract + update and translate it."""
    from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
    from babel.messages.frontend import parse_mapping_cfg
    from babel.messages.pofile import read_po

    with (_ROOT / "babel.cfg").open(encoding="utf-8") as f:
        method_map, options_map = parse_mapping_cfg(f)
    keywords = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
    extracted = {}
    for filename, _lineno, message, _comments, _context in extract_from_dir(
        str(_ROOT), method_map, options_map, keywords=keywords
    ):
        msgid = message[0] if isinstance(message, tuple) else message
        extracted.setdefault(msgid, filename)
    assert extracted, "nothing extracted: check babel.cfg"
    with _KO_PO.open("rb") as f:
        catalog = read_po(f, locale="ko")
    missing = {msgid: where for msgid, where in extracted.items() if msgid not in catalog}
    assert not missing, f"not in the Korean catalog: {missing}"
