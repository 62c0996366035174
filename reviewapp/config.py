"""Configuration: defaults -> instance config.py -> REVIEWAPP_* env vars -> test_config."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ENV_PREFIX = "REVIEWAPP_"

DEFAULTS: dict[str, Any] = {
    "SECRET_KEY": None,  # generated per data directory when not configured
    "DATA_DIR": None,  # default: the instance folder
    "DATABASE_URL": None,  # default: SQLite (WAL) under DATA_DIR
    "REDIS_URL": None,  # job queue on Redis instead of SQLite
    # The app's address as people reach it (e.g. "https://review.example.go.kr"): exported
    # reports link each cited passage to {BASE_URL}/documents/<id>?chunk=<id>; None: no links.
    "BASE_URL": None,
    "EMBEDDING_MODEL": str(PROJECT_ROOT / "models" / "multilingual-e5-small"),
    "EMBEDDINGS_ENABLED": True,
    # Embedding models, fastest first: each document gets the first model's vectors
    # right after indexing and the others' in the background ("use", "e5").
    "EMBEDDERS": ["use", "e5"],
    # Hybrid ranking: weight of BM25 and of each model's cosine (min-max per query; in
    # search, BM25's weight also scales with how much of the query its best match holds);
    # chosen on the three Korean benchmark tasks (bench/results/fusion.md) and checked on
    # suggestions (bench/results/suggest.md). Before a document has e5 vectors the others
    # keep their ratio (BM25 2 : USE 1).
    "FUSION_WEIGHTS": {"bm25": 0.4, "use": 0.2, "e5": 0.4},
    "MAX_UPLOAD_BYTES": 200 * 1024 * 1024,
    "MAX_REQUEST_BYTES": 0,  # one form post; 0 = 5 x MAX_UPLOAD_BYTES (at least 2 x)
    "ZIP_MAX_ENTRIES": 2000,
    "ZIP_MAX_TOTAL_BYTES": 2 * 1024**3,
    "ZIP_MAX_RATIO": 200.0,
    "OCR_ENABLED": True,
    "JOBS_IMMEDIATE": False,  # run jobs inline (tests, CLI ingest without a worker)
    "BABEL_DEFAULT_LOCALE": "ko",
    "LANGUAGES": ["ko", "en"],
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "WTF_CSRF_TIME_LIMIT": None,
    # A session ends after this many minutes without a request (last-seen kept in the
    # session); logout, password change/reset and deactivation end it at once.
    "SESSION_IDLE_MINUTES": 8 * 60,
    # Login throttling (services/throttle.py): failures counted per account (username as
    # typed, normalized) and per client address within a window; reaching the limit locks
    # that account or address for LOGIN_LOCK_MINUTES. 5 per account follows the common
    # Korean public-sector practice of locking after 5 wrong passwords; 20 per address leaves
    # room for a committee behind one office NAT while stopping a sweep over many usernames.
    "LOGIN_ACCOUNT_MAX_FAILURES": 5,
    "LOGIN_ADDRESS_MAX_FAILURES": 20,
    "LOGIN_FAILURE_WINDOW_MINUTES": 15,
    "LOGIN_LOCK_MINUTES": 15,
    # Optional generative answers (issue 16): an OpenAI-compatible chat endpoint (llama.cpp,
    # vLLM) writes the answer from the retrieved passages only. Loopback addresses only
    # unless LLM_ALLOW_REMOTE (evidence must not leave the institution by accident).
    "LLM_URL": None,
    "LLM_MODEL": None,
    "LLM_ALLOW_REMOTE": False,
    "LLM_TIMEOUT_SECONDS": 30.0,
}


def _coerce(raw: str, default: Any) -> Any:
    if isinstance(default, bool):
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, float):
        return float(raw)
    if isinstance(default, dict):
        return json.loads(raw)
    if isinstance(default, list):
        return json.loads(raw) if raw.startswith("[") else [p.strip() for p in raw.split(",")]
    return raw


def from_env(environ: os._Environ[str] | dict[str, str] | None = None) -> dict[str, Any]:
    """Every REVIEWAPP_<KEY> variable overrides the default of the same key."""
    environ = environ if environ is not None else os.environ
    out: dict[str, Any] = {}
    for key, value in environ.items():
        if key.startswith(ENV_PREFIX):
            name = key[len(ENV_PREFIX) :]
            out[name] = _coerce(value, DEFAULTS.get(name, ""))
    return out
