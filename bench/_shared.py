"""Where ../shared (the Korean corpus and retrieval benchmarks) is: $REVIEWAPP_SHARED, beside
the checkout, or /work/shared."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _find() -> Path:
    for candidate in (os.environ.get("REVIEWAPP_SHARED"), ROOT.parent / "shared", "/work/shared"):
        if candidate and Path(candidate).is_dir():
            return Path(candidate)
    return ROOT.parent / "shared"


SHARED = _find()
CORPUS = SHARED / "corpus"
BENCHMARKS = SHARED / "benchmarks"
