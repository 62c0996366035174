"""XLSX: sheets as pages, codes as strings, calamine fallback, merged cells, formulas."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from extractor_corpus import corpus_file

from extractors import extract
from extractors.xlsx import cell_text


def test_grid_file_needs_calamine_and_keeps_codes() -> None:
    path = corpus_file("kma-forecast-grid-coords-2020.xlsx")
    with pytest.raises(TypeError):
        openpyxl.load_workbook(str(path))
    result = extract(path)
    assert result.metadata["reader"] == "calamine"
    assert len(result.pages) == 1
    text = result.pages[0].text
    assert text.count("\n") > 3_700
    assert "1111051500" in text  # 종로구 청운효자동: a 10-digit code, whole
    assert "e+" not in text and "1111051500.0" not in text


def test_zone_codes_sheets_and_leading_blank_column() -> None:
    result = extract(corpus_file("kma-warning-zone-codes-2020.xlsx"))
    assert len(result.pages) == 10
    names = result.metadata["sheets"].split(" | ")
    assert len(names) == 10
    for page, name in zip(result.pages, names, strict=True):
        assert page.text.splitlines()[0] == f"# 시트: {name}"
        assert not page.text.splitlines()[1].startswith(" |")  # table starts at B2: no empty column


def test_kosis_two_sheets() -> None:
    result = extract(corpus_file("kosis-population-by-district-2016.xlsx"))
    assert len(result.pages) == 2
    assert "메타정보" in result.metadata["sheets"]


def test_merged_cells_and_formulas(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "지표"
    ws.append(["지표", "2022", "2023", "합계"])
    ws.append(["예산", 10, 20, "=B2+C2"])
    ws.append(["행정코드", 1111051500, 0.5, None])
    ws["A4"] = "병합된 설명"
    ws.merge_cells("A4:D4")
    path = tmp_path / "ind.xlsx"
    wb.save(path)  # openpyxl stores no cached formula values
    lines = extract(path).pages[0].text.splitlines()
    assert lines[0] == "# 시트: 지표"
    assert "예산 | 10 | 20 | =B2+C2" in lines
    assert "행정코드 | 1111051500 | 0.5" in lines
    assert "병합된 설명" in lines


def test_cell_text() -> None:
    assert cell_text(1111051500.0) == "1111051500"
    assert cell_text(37.5665) == "37.5665"
    assert cell_text(None) == ""
    assert cell_text(True) == "TRUE"
    import datetime as dt

    assert cell_text(dt.datetime(2024, 1, 2)) == "2024-01-02"
