"""XLSX: sheets as pages, codes as strings, calamine fallback, merged cells, formulas."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections.abc import Callable
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
    assert cell_text(dt.datetime(2024, 1, 2)) == "2024-01-02"


# ---------------------------------------------------------------- as Excel shows it

FIDELITY = Path(__file__).resolve().parents[3] / "shared" / "fidelity-cases"
if not FIDELITY.is_dir():
    FIDELITY = Path("/work/shared/fidelity-cases")


def _fidelity(name: str) -> Path:
    path = FIDELITY / name
    if not path.exists():
        pytest.skip(f"fidelity case {name} is not available")
    return path


def _rewrite_member(path: Path, member: str, edit: Callable[[str], str]) -> None:
    """Rewrite one XML part of a saved package, as another writer would have saved it."""
    with zipfile.ZipFile(path) as zf:
        parts = {info.filename: zf.read(info) for info in zf.infolist()}
    parts[member] = edit(parts[member].decode("utf-8")).encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)


def test_fidelity_wrong_dimension_reads_every_row() -> None:
    lines = extract(_fidelity("xlsx_wrong_dimension.xlsx")).pages[0].text.splitlines()
    assert lines[0] == "# 시트: 실적"
    rows = [line.split(" | ") for line in lines[1:]]
    assert len(rows) == 25
    assert all(len(cells) == 4 for cells in rows)
    assert rows[0] == ["연번", "사업명", "사업비(백만원)", "완료연도"]
    assert rows[24] == ["24", "리빙랩 24단계", "2400", "2018"]


def test_fidelity_number_formats_as_displayed() -> None:
    lines = extract(_fidelity("xlsx_number_formats.xlsx")).pages[0].text.splitlines()
    assert lines[1:] == [
        "지표 | 값",
        "스마트서비스 이용률 | 85.3%",
        "총사업비 | 120,000,000,000원",
        "준공일 | 2024년 3월 15일",
        "만족도(5점) | 4.26 [4.256]",  # the stored digits differ: kept after what is shown
    ]


def test_wrong_dimension_on_every_sheet_with_formulas(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    for index, title in enumerate(["예산", "실적", "빈 시트", "계획"]):
        ws = wb.active if index == 0 else wb.create_sheet()
        ws.title = title
        if title == "빈 시트":
            continue
        ws.append(["구분", "금액", "비율", "합계"])
        for row in range(2, 41):
            ws.append([f"{title} {row - 1}", row * 1000, row / 100, f"=B{row}*2"])
            ws.cell(row, 2).number_format = "#,##0"
            ws.cell(row, 3).number_format = "0%"
        ws["F45"] = "맨 끝 셀"
    path = tmp_path / "dims.xlsx"
    wb.save(path)
    for number in (1, 2, 4):
        _rewrite_member(
            path,
            f"xl/worksheets/sheet{number}.xml",
            lambda xml: re.sub(r'<dimension ref="[^"]*"\s*/>', '<dimension ref="A1"/>', xml),
        )
    with zipfile.ZipFile(path) as zf:
        assert b'<dimension ref="A1"/>' in zf.read("xl/worksheets/sheet2.xml")
    result = extract(path)
    assert result.metadata["sheets"] == "예산 | 실적 | 빈 시트 | 계획"
    for page, title in zip(result.pages, ["예산", "", "", "계획"], strict=True):
        if not title:
            continue
        lines = page.text.splitlines()
        assert len(lines) == 1 + 1 + 39 + 1  # title, header, 39 rows, the far cell
        assert lines[2] == f"{title} 1 | 2,000 | 2% | =B2*2"
        assert lines[40] == f"{title} 39 | 40,000 | 40% | =B40*2"
        assert lines[41] == "| | | | | 맨 끝 셀"  # column F, row 45: nothing is cut off
    assert result.pages[1].text.splitlines()[2] == "실적 1 | 2,000 | 2% | =B2*2"
    assert result.pages[2].text == "# 시트: 빈 시트"


NUMBER_FORMATS = [
    # (stored value, format code, what Korean Excel shows; [stored] where digits differ)
    (0.853, "0.0%", "85.3%"),
    (0.8534, "0%", "85% [85.34%]"),
    (0.0525, "0.00%", "5.25%"),
    (120_000_000_000, '#,##0"원"', "120,000,000,000원"),
    (12_345_678, '#,##0,"천원"', "12,346천원 [12345678]"),
    (1.5, '0.0"%p"', "1.5%p"),
    (4.256, "0.00", "4.26 [4.256]"),
    (3.5, "0.00", "3.50"),
    (1234.5, "#,##0", "1,235 [1234.5]"),
    (1234567.891, "#,##0.00", "1,234,567.89 [1234567.891]"),
    (-1234, "#,##0;[Red]\\-#,##0", "-1,234"),
    (-1234, "#,##0_);(#,##0)", "(1,234)"),
    (0, '_-* #,##0_-;-* #,##0_-;_-* "-"_-;_-@_-', "-"),
    (25, '0"명"', "25명"),
    (1_250, '#,##0"대"', "1,250대"),
    (1_234_567, "[$₩-412]#,##0", "₩1,234,567"),
    (42, "000", "042"),
    (1111051500, "0", "1111051500"),
    (0.75, "# ?/?", "3/4 [0.75]"),
    (5, ";;;", "[5]"),  # hidden by its format, still in the text
    (dt.datetime(2024, 3, 15), 'yyyy"년" m"월" d"일"', "2024년 3월 15일"),
    (dt.datetime(2024, 3, 15), "yyyy-mm-dd", "2024-03-15"),
    (dt.datetime(2024, 3, 15), "yyyy.mm.dd", "2024.03.15"),
    (dt.datetime(2024, 3, 15), "yyyy. m. d.", "2024. 3. 15."),
    (dt.datetime(2024, 3, 15), "yyyy-mm-dd(aaa)", "2024-03-15(금)"),
    (dt.datetime(2024, 3, 15), '[$-412]yyyy"년" m"월" d"일" dddd', "2024년 3월 15일 금요일"),
    (dt.datetime(2024, 3, 15), "[$-F800]dddd, mmmm dd, yyyy", "2024년 3월 15일 금요일"),
    (dt.datetime(2024, 3, 15), "mm-dd-yy", "2024-03-15"),  # built-in 14, as Korean Excel shows it
    (dt.datetime(2024, 3, 15, 14, 30), "yyyy-mm-dd hh:mm", "2024-03-15 14:30"),
    (dt.datetime(2024, 3, 15, 14, 30), "[$-412]AM/PM h:mm", "오후 2:30"),
    (dt.time(9, 5), "h:mm", "9:05"),
    (dt.timedelta(hours=30), "[h]:mm:ss", "30:00:00"),
    ("문자", "@", "문자"),
]


def test_number_formats_as_displayed(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "서식"
    for row, (value, code, _shown) in enumerate(NUMBER_FORMATS, start=1):
        ws.cell(row, 1, code)
        ws.cell(row, 2, value).number_format = code
    path = tmp_path / "formats.xlsx"
    wb.save(path)
    lines = extract(path).pages[0].text.splitlines()[1:]
    assert len(lines) == len(NUMBER_FORMATS)
    for line, (_value, code, shown) in zip(lines, NUMBER_FORMATS, strict=True):
        assert line.rsplit(" | ", 1)[1] == shown, code


def test_korean_builtin_format_ids(tmp_path: Path) -> None:
    """Ids 27-58 have no code in the file: Korean Excel shows them in its own way."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = 45366  # 2024-03-15 as Excel stores it
    ws["A1"].number_format = "KOREAN_LONG_DATE"  # placeholder code, replaced by id 31 below
    ws["A2"] = 0.6  # 14:24
    ws["A2"].number_format = "KOREAN_TIME"
    path = tmp_path / "builtin.xlsx"
    wb.save(path)

    def builtin_ids(xml: str) -> str:
        xml = re.sub(r"<numFmts.*?</numFmts>", "", xml, flags=re.S)
        return xml.replace('numFmtId="164"', 'numFmtId="31"').replace(
            'numFmtId="165"', 'numFmtId="33"'
        )

    _rewrite_member(path, "xl/styles.xml", builtin_ids)
    assert extract(path).pages[0].text.splitlines()[1:] == [
        "2024년 03월 15일",
        "14시 24분 00초",
    ]


@pytest.mark.parametrize(
    ("value", "code"),
    [(1e300, "0.00"), (-1, "yyyy-mm-dd"), (12, '"unclosed'), (12, "[unclosed"), (12, "0.0E+")],
)
def test_unrenderable_format_keeps_the_value(tmp_path: Path, value: object, code: str) -> None:
    wb = openpyxl.Workbook()
    wb.active["A1"] = "값"
    wb.active["B1"] = value
    wb.active["B1"].number_format = code
    path = tmp_path / "odd.xlsx"
    wb.save(path)
    line = extract(path).pages[0].text.splitlines()[1]
    assert line.startswith("값 | ")
    assert line.split(" | ")[1]  # something readable, never an error
