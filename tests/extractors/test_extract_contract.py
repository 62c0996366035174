"""The public contract other packages code against: names, types, detection, errors."""

from __future__ import annotations

import dataclasses
import pickle
from pathlib import Path

import pytest
from extractor_corpus import corpus_file

import extractors
from extractors import (
    ExtractionError,
    ExtractionResult,
    Extractor,
    Page,
    detect_type,
    extract,
    registered_types,
)
from extractors.base import ERROR_CODES
from extractors.registry import REGISTRY

EXPECTED_TYPES = {
    "spri-ai-brief-2023-12.pdf": "pdf",
    "spri-ai-brief-scanned-p5-6.pdf": "pdf",
    "gov-digital-innovation-plan-2019.hwp": "hwp",
    "bonghwa-disaster-mgmt-rfp-2024.hwp": "hwp",
    "hancom-distribution-doc-spec.hwp": "hwp",
    "password-protected-fixture.hwp": "hwp",
    "msit-nuri-press-release-2018.hwpx": "hwpx",
    "ulsan-namgu-ordinance-notice-2021.hwpx": "hwpx",
    "kma-weather-warning-api-guide.docx": "docx",
    "kma-forecast-grid-coords-2020.xlsx": "xlsx",
    "law-smart-city-act.md": "text",
}


def test_registered_types() -> None:
    assert registered_types() == frozenset(
        {
            "pdf",
            "hwp",
            "hwpx",
            "docx",
            "xlsx",
            "xls",
            "spreadsheetml",
            "html",
            "pptx",
            "text",
            "image",
        }
    )
    for kind, extractor in REGISTRY.items():
        assert isinstance(extractor, Extractor)
        assert kind in extractor.types


def test_dataclasses_are_frozen() -> None:
    page = Page(number=1, text="가")
    with pytest.raises(dataclasses.FrozenInstanceError):
        page.text = "나"  # type: ignore[misc]
    result = ExtractionResult(type="text", pages=(page,), metadata={})
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.type = "pdf"  # type: ignore[misc]


@pytest.mark.parametrize(("name", "kind"), sorted(EXPECTED_TYPES.items()))
def test_detect_type_by_content(name: str, kind: str, tmp_path: Path) -> None:
    source = corpus_file(name)
    assert detect_type(source) == kind
    renamed = tmp_path / "upload.bin"  # the name must not matter
    renamed.write_bytes(source.read_bytes())
    assert detect_type(renamed) == kind


def test_detect_plain_zip_and_unknown(tmp_path: Path) -> None:
    import zipfile

    archive = tmp_path / "a.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("a.txt", "hello")
    assert detect_type(archive) == "zip"
    noise = tmp_path / "noise.bin"
    noise.write_bytes(bytes(range(256)) * 8)
    assert detect_type(noise) == "unknown"
    assert detect_type(tmp_path / "missing.pdf") == "unknown"


def test_error_has_code_and_messages_in_both_languages() -> None:
    for code in ERROR_CODES:
        err = ExtractionError(code)
        assert err.code == code
        assert err.message and err.message_ko
        assert any("\uac00" <= ch <= "\ud7a3" for ch in err.message_ko)
        clone = pickle.loads(pickle.dumps(err))
        assert (clone.code, clone.message, clone.message_ko) == (
            err.code,
            err.message,
            err.message_ko,
        )
    with pytest.raises(ValueError):
        ExtractionError("nonsense")


def test_result_metadata_is_read_only_strings() -> None:
    result = extract(corpus_file("msit-nuri-press-release-2018.hwpx"))
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in result.metadata.items())
    with pytest.raises(TypeError):
        result.metadata["x"] = "y"  # type: ignore[index]
    assert [p.number for p in result.pages] == list(range(1, len(result.pages) + 1))
    assert result.metadata["page_count"] == str(len(result.pages))


def test_public_names() -> None:
    for name in (
        "Page",
        "ExtractionResult",
        "ExtractionError",
        "Extractor",
        "detect_type",
        "extract",
        "registered_types",
    ):
        assert hasattr(extractors, name)
