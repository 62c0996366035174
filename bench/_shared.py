"""Where ../shared (the Korean corpus and retrieval benchmarks) is: $REVIEWAPP_SHARED, beside
the checkout, or /work/shared."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def _find() -> Path:
    for candidate in (os.environ.get("REVIEWAPP_SHARED"), ROOT.parent / "shared", "/work/shared"):
        if candidate and Path(candidate).is_dir():
            return Path(candidate)
    return ROOT.parent / "shared"


SHARED = _find()
CORPUS = SHARED / "corpus"
BENCHMARKS = SHARED / "benchmarks"

E5_MODEL_DIR = Path(
    os.environ.get("REVIEWAPP_EMBEDDING_MODEL", ROOT / "models" / "multilingual-e5-small")
)


def bench_app(data_dir: Path) -> Any:
    """A real app on a fresh data dir, migrated, both embedding models on, jobs inline."""
    from flask_migrate import upgrade

    from reviewapp import create_app

    app = create_app(
        {
            "DATA_DIR": str(data_dir),
            "SECRET_KEY": "bench",
            "JOBS_IMMEDIATE": True,
            "EMBEDDINGS_ENABLED": True,
            "EMBEDDING_MODEL": str(E5_MODEL_DIR),
            "OCR_ENABLED": False,
        }
    )
    with app.app_context():
        upgrade()
    return app


def machine() -> str:
    """The line every benchmark reports its machine with."""
    import sys

    return f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}"


def write_results(out_dir: Path, name: str, result: dict[str, Any], markdown: str) -> None:
    """``OUT_DIR/NAME.json`` (the figures) and ``OUT_DIR/NAME.md`` (the short table)."""
    import json

    (out_dir / f"{name}.json").write_text(json.dumps(result, ensure_ascii=False, indent=2))
    (out_dir / f"{name}.md").write_text(markdown, encoding="utf-8")
