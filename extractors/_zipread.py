"""Bounded reads of zip members: never trust the sizes a zip header declares."""

from __future__ import annotations

import zipfile

from .base import ExtractionError

MAX_MEMBER_BYTES = 256 * 1024 * 1024
_CHUNK = 1024 * 1024


def read_member(
    zf: zipfile.ZipFile, name: str | zipfile.ZipInfo, limit: int = MAX_MEMBER_BYTES
) -> bytes:
    """Read one member in chunks, stopping with ``too_large`` past ``limit`` bytes."""
    chunks: list[bytes] = []
    total = 0
    with zf.open(name) as handle:
        while block := handle.read(_CHUNK):
            total += len(block)
            if total > limit:
                raise ExtractionError(
                    "too_large",
                    "A part inside the file unpacks to more than the allowed size (possible zip bomb).",
                    "파일 안의 한 부분이 허용 크기보다 크게 풀립니다(압축 폭탄일 수 있음).",
                    detail=f"{getattr(name, 'filename', name)} > {limit} bytes",
                )
            chunks.append(block)
    return b"".join(chunks)
