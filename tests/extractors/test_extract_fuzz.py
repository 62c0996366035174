"""Mutated real files (byte flips, truncation, insertion): only ExtractionError escapes."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from extractor_corpus import corpus_file
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extractors import ExtractionError, extract

FUZZ = settings(
    max_examples=50,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

_mutation = st.one_of(
    st.tuples(
        st.just("flip"),
        st.lists(st.tuples(st.floats(0, 1), st.integers(1, 255)), min_size=1, max_size=16),
    ),
    st.tuples(st.just("truncate"), st.floats(0, 1)),
    st.tuples(st.just("insert"), st.tuples(st.floats(0, 1), st.binary(min_size=1, max_size=64))),
)


def _mutate(data: bytes, mutation: tuple) -> bytes:
    kind, arg = mutation
    buf = bytearray(data)
    if kind == "flip":
        for where, xor in arg:
            buf[min(len(buf) - 1, int(where * len(buf)))] ^= xor
    elif kind == "truncate":
        del buf[int(arg * len(buf)) :]
    else:
        where, blob = arg
        at = int(where * len(buf))
        buf[at:at] = blob
    return bytes(buf)


def _sources(small_pdf: Path, small_docx: Path) -> dict[str, Path]:
    return {
        "pdf": small_pdf,
        "hwp": corpus_file("msit-nuri-press-release-2018.hwp"),
        "hwp_uncompressed": corpus_file("password-protected-fixture.hwp"),
        "hwpx": corpus_file("msit-nuri-press-release-2018.hwpx"),
        "docx": small_docx,
        "xlsx": corpus_file("kma-warning-zone-codes-2020.xlsx"),
        "text": corpus_file("law-data-based-administration-act.md"),
        "xls": Path(__file__).resolve().parents[1] / "data" / "legacy_biff8.xls",
        "xlsx_formats": _fidelity("xlsx_number_formats.xlsx"),
        "html_as_xls": _fidelity("html_as_xls.xls"),
    }


def _fidelity(name: str) -> Path:
    for folder in (Path(__file__).resolve().parents[3] / "shared", Path("/work/shared")):
        if (folder / "fidelity-cases" / name).exists():
            return folder / "fidelity-cases" / name
    pytest.skip(f"fidelity case {name} is not available")


@pytest.mark.parametrize(
    "kind",
    [
        "pdf",
        "hwp",
        "hwp_uncompressed",
        "hwpx",
        "docx",
        "xlsx",
        "text",
        "xls",
        "xlsx_formats",
        "html_as_xls",
    ],
)
def test_mutations_raise_only_extraction_error(
    kind: str, small_pdf: Path, small_docx: Path
) -> None:
    source = _sources(small_pdf, small_docx)[kind]
    original = source.read_bytes()
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / source.name

        @FUZZ
        @given(mutation=_mutation)
        def check(mutation: tuple) -> None:
            target.write_bytes(_mutate(original, mutation))
            try:
                result = extract(target, ocr=False)
            except ExtractionError as err:
                assert err.code and err.message and err.message_ko
            else:
                assert all(isinstance(p.text, str) for p in result.pages)

        check()
