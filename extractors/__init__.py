"""Text extraction from submitted evidence files: one contract, a registry, one module per format.

Public API::

    result = extract(path, max_bytes=..., ocr=True)   # ExtractionResult or ExtractionError
    detect_type(path)                                  # "pdf", "hwp", ..., "zip", "unknown"
    registered_types()
    from extractors.archive import unpack_zip, ArchiveEntry, ZipLimits

``extract`` never raises anything but ExtractionError: a bad upload must fail its job
with a reason a person can read, never crash the worker.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from types import MappingProxyType

from ._text import normalize
from .base import (
    ERROR_CODES,
    SUSPECT_REASONS,
    ExtractionError,
    ExtractionResult,
    Extractor,
    Page,
    Table,
)
from .detect import detect_type, type_from_name
from .registry import REGISTRY, UNSUPPORTED_NAMES, registered_types

__all__ = [
    "ERROR_CODES",
    "SUSPECT_REASONS",
    "ExtractionError",
    "ExtractionResult",
    "Extractor",
    "Page",
    "Table",
    "detect_type",
    "extract",
    "registered_types",
]


def extract(path: Path, *, max_bytes: int | None = None, ocr: bool = True) -> ExtractionResult:
    """Extract per-page text from ``path``, choosing the extractor by content, not name."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ExtractionError(
            "corrupt", "The file could not be opened.", "파일을 열 수 없습니다.", detail=str(exc)
        ) from exc
    if not path.is_file():
        raise ExtractionError(
            "corrupt", "The path is not a file.", "파일이 아닙니다.", detail=str(path)
        )
    if size == 0:
        raise ExtractionError("empty")
    if max_bytes is not None and size > max_bytes:
        raise ExtractionError(
            "too_large",
            f"The file is {size:,} bytes; the limit is {max_bytes:,} bytes. Split it or reduce its images.",
            f"파일 크기({size:,}바이트)가 허용 한도({max_bytes:,}바이트)를 넘습니다. 나누거나 이미지를 줄여 주세요.",
        )
    detected = detect_type(path)
    claimed = type_from_name(path)
    extractor = REGISTRY.get(detected)
    if extractor is None:
        raise _not_extractable(path, detected, claimed)
    if dataclasses.is_dataclass(extractor) and any(
        f.name == "ocr" for f in dataclasses.fields(extractor)
    ):
        extractor = dataclasses.replace(extractor, ocr=ocr)  # type: ignore[type-var]
    try:
        result = extractor.extract(path)
    except ExtractionError:
        raise
    except MemoryError as exc:
        raise ExtractionError(
            "too_large", detail="ran out of memory while reading the file"
        ) from exc
    except Exception as exc:  # a library failed on bad input: a readable error, never a crash
        raise ExtractionError("corrupt", detail=f"{type(exc).__name__}: {exc}"[:1000]) from exc
    if not any(normalize(page.text) for page in result.pages):
        raise ExtractionError("no_text")
    metadata = dict(result.metadata)
    if claimed is not None and claimed != detected:
        metadata["mislabeled"] = f"{claimed}->{detected}"
    metadata.setdefault("page_count", str(len(result.pages)))
    return dataclasses.replace(result, metadata=MappingProxyType(metadata))


def _not_extractable(path: Path, detected: str, claimed: str | None) -> ExtractionError:
    suffix = path.suffix.lower() or "(none)"
    if detected == "unknown" and claimed is not None and claimed in REGISTRY:
        return ExtractionError(
            "mislabeled",
            f"The file is named {suffix} but its content is not a {claimed.upper()} file or any "
            "format we recognize. Check that the right file was uploaded.",
            f"파일 이름은 {suffix}이지만 내용은 {claimed.upper()} 파일도, 알 수 있는 다른 형식도 아닙니다. "
            "올바른 파일인지 확인해 주세요.",
            detail=f"claimed {claimed}, content unknown",
        )
    if detected == "ooxml_encrypted":
        return ExtractionError("encrypted", detail="encrypted OOXML package")
    if detected in UNSUPPORTED_NAMES:
        en, ko = UNSUPPORTED_NAMES[detected]
        return ExtractionError("unsupported", en, ko, detail=f"detected {detected}")
    return ExtractionError("unsupported", detail=f"detected {detected}, name {suffix}")
