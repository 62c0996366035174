"""Where the shared real corpus lives (a helper module with a unique name, importable from tests)."""

from __future__ import annotations

from pathlib import Path

import pytest

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus"
if not CORPUS.is_dir():  # the corpus lives beside the checkout: /work/shared/corpus
    CORPUS = Path("/work/shared/corpus")


def corpus_file(name: str) -> Path:
    path = CORPUS / name
    if not path.exists():
        pytest.skip(f"corpus file {name} is not available")
    return path
