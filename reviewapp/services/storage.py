"""Originals, stored content-addressed by sha256 and never modified."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import BinaryIO

CHUNK = 1024 * 1024


def blob_path(upload_dir: Path, sha256: str) -> Path:
    return upload_dir / sha256[:2] / sha256


def store_stream(upload_dir: Path, stream: BinaryIO) -> tuple[str, int, Path]:
    """Copy a stream to its content address; return (sha256, size, path). Idempotent."""
    upload_dir.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    fd, tmp_name = tempfile.mkstemp(dir=upload_dir, prefix=".incoming-")
    try:
        with os.fdopen(fd, "wb") as out:
            while block := stream.read(CHUNK):
                digest.update(block)
                size += len(block)
                out.write(block)
        sha = digest.hexdigest()
        final = blob_path(upload_dir, sha)
        if final.exists():
            os.unlink(tmp_name)
        else:
            final.parent.mkdir(exist_ok=True)
            os.chmod(tmp_name, 0o444)
            os.replace(tmp_name, final)
        return sha, size, final
    except BaseException:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
        raise


def store_file(upload_dir: Path, path: Path) -> tuple[str, int, Path]:
    with path.open("rb") as fh:
        return store_stream(upload_dir, fh)


def materialize(blob: Path, filename: str, work_dir: Path) -> Path:
    """A private copy under the original file name, for tools that look at the suffix."""
    work_dir.mkdir(parents=True, exist_ok=True)
    target = Path(tempfile.mkdtemp(dir=work_dir)) / (Path(filename).name or "upload")
    shutil.copyfile(blob, target)
    return target
