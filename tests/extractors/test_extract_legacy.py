"""Office 97-2003 files: Excel workbooks (BIFF8) are read; Word and PowerPoint are refused
with what to save them as. Detection goes by the OLE streams, not the name."""

from __future__ import annotations

import struct
from pathlib import Path

import olefile
import pytest

from extractors import ExtractionError, detect_type, extract

# Written by xlwt 1.3.0 (a BIFF8 writer): two sheets, Korean text, a 10-digit code, a date,
# number formats, a merged cell. Excel opens it as an ordinary .xls.
LEGACY_XLS = Path(__file__).resolve().parents[1] / "data" / "legacy_biff8.xls"


def test_legacy_xls_is_read_sheet_by_sheet() -> None:
    result = extract(LEGACY_XLS)
    assert result.type == "xls"
    assert result.metadata["reader"] == "xlrd"
    assert result.metadata["sheets"] == "사업현황 | 행정코드"
    assert result.metadata["sheet_rows"] == "1-3 | 1-2,4"
    assert result.pages[0].text.splitlines() == [
        "# 시트: 사업현황",
        "사업명 | 담당부서 | 사업비 | 달성률 | 준공일",
        "지능형 CCTV 통합 | 안전총괄과 | 350,000,000원 | 85.3% | 2024-03-15",
        "스마트 버스정류장 | 교통정책과 | 1,200,000,000원 | 92.0% | 2023-11-30",
    ]
    assert result.pages[1].text.splitlines() == [
        "# 시트: 행정코드",
        "행정동 | 코드",
        "청운효자동 | 1111051500",
        "병합된 설명",
    ]


def test_legacy_xls_named_xlsx_is_read_by_content(tmp_path: Path) -> None:
    path = tmp_path / "사업현황.xlsx"
    path.write_bytes(LEGACY_XLS.read_bytes())
    result = extract(path)
    assert result.type == "xls"
    assert result.metadata["mislabeled"] == "xlsx->xls"


def test_damaged_legacy_xls_fails_readably(tmp_path: Path) -> None:
    data = bytearray(LEGACY_XLS.read_bytes())
    data[512:4096] = bytes(4096 - 512)  # the workbook stream's records, zeroed
    path = tmp_path / "damaged.xls"
    path.write_bytes(bytes(data))
    assert detect_type(path) == "xls"
    with pytest.raises(ExtractionError) as info:
        extract(path)
    assert info.value.code in {"corrupt", "no_text"}


def test_truncated_legacy_xls_is_refused_readably(tmp_path: Path) -> None:
    path = tmp_path / "cut.xls"
    path.write_bytes(LEGACY_XLS.read_bytes()[:3000])  # the OLE directory is lost with the end
    with pytest.raises(ExtractionError) as info:
        extract(path)
    assert info.value.code in {"corrupt", "unsupported"}
    assert info.value.message and info.value.message_ko


def _ole_with_stream(tmp_path: Path, stream: str, name: str) -> Path:
    """The BIFF8 file's OLE container with its one stream renamed: what Word ("WordDocument")
    or PowerPoint ("PowerPoint Document") files are called inside, for detection's sake."""
    data = bytearray(LEGACY_XLS.read_bytes())
    old = "Workbook".encode("utf-16-le")
    at = data.find(old)
    assert at % 128 == 0  # a directory entry: 64 bytes of UTF-16 name, then its length
    encoded = stream.encode("utf-16-le") + b"\x00\x00"
    data[at : at + 64] = encoded.ljust(64, b"\x00")
    data[at + 64 : at + 66] = struct.pack("<H", len(encoded))
    path = tmp_path / name
    path.write_bytes(bytes(data))
    with olefile.OleFileIO(str(path)) as ole:
        assert ole.exists(stream)
    return path


@pytest.mark.parametrize(
    ("stream", "kind", "save_as"),
    [("WordDocument", "doc", "DOCX 또는 PDF"), ("PowerPoint Document", "ppt", "PPTX 또는 PDF")],
)
def test_word_and_powerpoint_97_are_refused_with_what_to_do(
    tmp_path: Path, stream: str, kind: str, save_as: str
) -> None:
    for name in (f"증빙.{kind}", "증빙.pdf", "증빙"):
        path = _ole_with_stream(tmp_path, stream, name)
        assert detect_type(path) == kind
        with pytest.raises(ExtractionError) as info:
            extract(path)
        err = info.value
        assert err.code == "unsupported"
        assert f"{save_as}로 저장해 다시 올려 주십시오" in err.message_ko
        assert "97-2003" in err.message and save_as.replace(" 또는 ", " or ") in err.message


def test_a_workbook_stream_calamine_panics_on_fails_readably() -> None:
    """python-calamine panics (pyo3 PanicException, not an Exception) on this damaged BIFF
    Workbook stream; the extractor must still answer with a readable refusal, not let the
    panic kill the caller (it killed the worker and left the batch stuck)."""
    with pytest.raises(ExtractionError) as info:
        extract(Path(__file__).parent.parent / "data" / "damaged_biff_workbook.xls")
    assert info.value.code == "corrupt"
