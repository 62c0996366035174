"""Tables as rows of cells (ExtractionResult.tables): XLSX, XLS, SpreadsheetML, CSV, DOCX, HWP
and HWPX, with merged cells repeated over their area and listed; the page text unchanged."""

from __future__ import annotations

import io
from pathlib import Path

import docx
import openpyxl
import pytest
from docx.enum.text import WD_BREAK
from extractor_corpus import corpus_file

from extractors import Table, extract
from extractors._cells import read_calamine

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "demo" / "documents"


def _text(value: object) -> str:
    return "" if value is None else str(value)


# ------------------------------------------------------------------ spreadsheets


@pytest.mark.parametrize("city", ["hanbit", "solnae"])
def test_demo_self_evaluation_sheets_are_tables(city: str) -> None:
    path = DEMO / city / f"{city}-self-evaluation-2026.xlsx"
    result = extract(path)
    workbook = openpyxl.load_workbook(path)
    assert [t.name for t in result.tables] == workbook.sheetnames
    for number, (table, sheet) in enumerate(zip(result.tables, workbook, strict=True), 1):
        assert table.kind == "sheet" and table.page == number
        assert (table.first_row, table.first_column, table.merged) == (1, 1, ())
        expected = [tuple(_text(v) for v in row) for row in sheet.iter_rows(values_only=True)]
        assert list(table.rows) == expected
        # every row of the table is a line of the sheet's page, as before
        lines = result.pages[number - 1].text.splitlines()[1:]
        assert len(lines) == len(table.rows)
    header = result.tables[0].rows[0]
    assert header == ("지표코드", "지표명", "자체평가 점수", "근거 요약", "근거 문서", "쪽")


def test_xlsx_merged_cells_repeat_over_their_area(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "자체평가"
    ws["B1"] = "2026년 자체평가표"
    ws.merge_cells("B1:E1")
    ws["B3"], ws["C3"], ws["D3"] = "지표", "자체평가", None
    ws.merge_cells("C3:D3")
    ws.merge_cells("B3:B4")
    ws["C4"], ws["D4"], ws["E4"] = "점수", "근거", "비고"
    ws.append([None, "INN-01", 30, "시민참여단 운영", None])
    ws.append([None, "INN-02", "12.5점", "리빙랩", "확인 필요"])
    ws["E5"] = "공통"
    ws.merge_cells("E5:E6")
    path = tmp_path / "merged.xlsx"
    wb.save(path)
    result = extract(path)
    (table,) = result.tables
    assert (table.first_row, table.first_column) == (1, 2)  # column A is empty everywhere
    assert table.rows == (
        ("2026년 자체평가표",) * 4,
        ("", "", "", ""),
        ("지표", "자체평가", "자체평가", ""),
        ("지표", "점수", "근거", "비고"),
        ("INN-01", "30", "시민참여단 운영", "공통"),
        ("INN-02", "12.5점", "리빙랩", "공통"),
    )
    assert table.merged == ((0, 0, 0, 3), (2, 0, 3, 0), (2, 1, 2, 2), (4, 3, 5, 3))
    assert table.origin(3, 0) == (2, 0) and table.origin(2, 2) == (2, 1)
    assert table.origin(4, 1) == (4, 1)
    # the page text still writes a merged value once, in its top-left cell
    assert result.pages[0].text.splitlines() == [
        "# 시트: 자체평가",
        "2026년 자체평가표",
        "지표 | 자체평가",
        "| 점수 | 근거 | 비고",
        "INN-01 | 30 | 시민참여단 운영 | 공통",
        "INN-02 | 12.5점 | 리빙랩",
    ]


def test_calamine_reads_merged_areas_too(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "표"
    ws["A1"], ws["C1"] = "구분", "실적"
    ws.merge_cells("A1:B1")
    ws.append(["가", "나", 3])
    path = tmp_path / "calamine.xlsx"
    wb.save(path)
    (sheet,) = read_calamine(path)
    assert sheet.rows == (("구분", "구분", "실적"), ("가", "나", "3"))
    assert sheet.merged == ((0, 0, 0, 1),)


def test_large_corpus_sheet_is_one_table_with_codes_whole() -> None:
    result = extract(corpus_file("kma-forecast-grid-coords-2020.xlsx"))  # read by calamine
    (table,) = result.tables
    assert table.rows[0][:3] == ("구분", "행정구역코드", "1단계")
    assert table.rows[1][1] == "1100000000"
    assert len(table.rows) == result.pages[0].text.count("\n")  # one line per row


def test_sheet_starting_at_b2_keeps_its_row_and_column_numbers() -> None:
    result = extract(corpus_file("kma-warning-zone-codes-2020.xlsx"))
    assert len(result.tables) == 10
    table = result.tables[0]
    assert (table.first_row, table.first_column) == (2, 2)
    assert table.rows[0] == ("번호", "areaCode", "특보구역 명")


def test_legacy_xls_tables_with_merged_cells() -> None:
    result = extract(ROOT / "tests" / "data" / "legacy_biff8.xls")
    assert [t.name for t in result.tables] == ["사업현황", "행정코드"]
    codes = result.tables[1]
    assert codes.merged == ((3, 0, 3, 1),)
    top, left, _, right = codes.merged[0]
    assert codes.rows[top][left] == codes.rows[top][right] != ""


SPREADSHEETML = """<?xml version="1.0" encoding="utf-8"?>
<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"
 xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet">
 <Worksheet ss:Name="실적">
  <Table>
   <Row><Cell ss:MergeAcross="1"><Data ss:Type="String">지표</Data></Cell>
        <Cell><Data ss:Type="String">실적</Data></Cell></Row>
   <Row><Cell><Data ss:Type="String">INN-05</Data></Cell><Cell><Data ss:Type="String">시민 교육</Data></Cell>
        <Cell><Data ss:Type="Number">3912</Data></Cell></Row>
  </Table>
 </Worksheet>
</Workbook>
"""


def test_spreadsheetml_merge_across(tmp_path: Path) -> None:
    path = tmp_path / "실적.xml"
    path.write_text(SPREADSHEETML, encoding="utf-8")
    (table,) = extract(path).tables
    assert table.rows == (("지표", "지표", "실적"), ("INN-05", "시민 교육", "3912"))
    assert table.merged == ((0, 0, 0, 1),)


# ------------------------------------------------------------------ CSV


def test_csv_is_one_table_named_after_the_file(tmp_path: Path) -> None:
    path = tmp_path / "자체평가.csv"
    content = (
        "지표,실적,점수\r\n"
        'INN-05,"3,912명",24\r\n'
        '"GOV-05","법정계획\r\n승인",50\r\n'
        "\r\n"
        "합계,,74\r\n"
    )
    path.write_bytes(content.encode("cp949"))
    result = extract(path)
    (table,) = result.tables
    assert (table.name, table.kind, table.page, table.first_row) == ("자체평가", "sheet", 1, 1)
    assert table.rows == (
        ("지표", "실적", "점수"),
        ("INN-05", "3,912명", "24"),
        ("GOV-05", "법정계획 승인", "50"),
        ("", "", ""),
        ("합계", "", "74"),
    )
    assert 'INN-05,"3,912명",24' in result.pages[0].text  # the text is the file, as before


def test_semicolon_csv_and_plain_text(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("지표;점수\nINN-01;40\n", encoding="utf-8")
    assert extract(path).tables[0].rows == (("지표", "점수"), ("INN-01", "40"))
    text = tmp_path / "a.txt"
    text.write_text("지표,점수\nINN-01,40\n", encoding="utf-8")
    assert extract(text).tables == ()


# ------------------------------------------------------------------ DOCX


def _docx(tmp_path: Path) -> Path:
    document = docx.Document()
    document.add_paragraph("자체평가 결과")
    table = document.add_table(rows=4, cols=4)
    table.cell(0, 0).merge(table.cell(1, 0)).text = "지표"
    table.cell(0, 1).merge(table.cell(0, 2)).text = "자체평가"
    table.cell(0, 3).text = "증빙자료"
    table.cell(1, 1).text = "점수"
    table.cell(1, 2).text = "근거"
    table.cell(1, 3).text = "문서"
    for column, value in enumerate(["INN-01", "40", "시민단 운영", "보고서.docx"]):
        table.cell(2, column).text = value
    table.cell(3, 0).text = "합계"
    table.cell(3, 1).merge(table.cell(3, 3)).text = "40"
    paragraph = document.add_paragraph("다음 쪽")
    paragraph.add_run().add_break(WD_BREAK.PAGE)
    second = document.add_table(rows=2, cols=2)
    second.cell(0, 0).text, second.cell(0, 1).text = "구분", "값"
    second.cell(1, 0).text, second.cell(1, 1).text = "인원", "31명"
    buffer = io.BytesIO()
    document.save(buffer)
    path = tmp_path / "자체평가.docx"
    path.write_bytes(buffer.getvalue())
    return path


def test_docx_tables_with_merged_cells_and_pages(tmp_path: Path) -> None:
    result = extract(_docx(tmp_path))
    first, second = result.tables
    assert (first.name, first.kind, first.page) == ("표 1", "table", 1)
    assert first.rows == (
        ("지표", "자체평가", "자체평가", "증빙자료"),
        ("지표", "점수", "근거", "문서"),
        ("INN-01", "40", "시민단 운영", "보고서.docx"),
        ("합계", "40", "40", "40"),
    )
    assert first.merged == ((0, 0, 1, 0), (0, 1, 0, 2), (3, 1, 3, 3))
    assert (second.name, second.page) == ("표 2", 2)
    assert second.rows == (("구분", "값"), ("인원", "31명"))
    # the text writes a horizontally merged cell once, a vertically merged one in each row
    assert result.pages[0].text.splitlines()[1:5] == [
        "지표 | 자체평가 | 증빙자료",
        "지표 | 점수 | 근거 | 문서",
        "INN-01 | 40 | 시민단 운영 | 보고서.docx",
        "합계 | 40",
    ]


def test_corpus_docx_tables_match_python_docx() -> None:
    path = corpus_file("kma-weather-warning-api-guide.docx")
    result = extract(path)
    body_tables = docx.Document(str(path)).tables
    assert len(result.tables) == len(body_tables)
    assert [t.name for t in result.tables] == [f"표 {n}" for n in range(1, len(body_tables) + 1)]
    pages = [t.page for t in result.tables]
    assert pages == sorted(pages) and pages[0] > 1 and pages[-1] <= len(result.pages)
    for table, source in zip(result.tables, body_tables, strict=True):
        expected = [[" ".join(cell.text.split()) for cell in row.cells] for row in source.rows]
        assert [
            list(row[: len(e)]) for row, e in zip(table.rows, expected, strict=True)
        ] == expected
        # the table's first row is on its page
        first = next(row for row in table.rows if any(row))
        assert next(c for c in first if c) in result.pages[table.page - 1].text


# ------------------------------------------------------------------ HWP / HWPX


def test_hwpx_merged_cells_from_cell_spans() -> None:
    result = extract(corpus_file("transit-center-data-standard-2023.hwpx"))
    assert [t.name for t in result.tables] == [f"표 {n}" for n in range(1, 9)]
    codes = result.tables[3]
    assert codes.rows[0] == ("구분", "코드체계", "코드체계", "코드체계")
    assert (0, 1, 0, 3) in codes.merged and (2, 0, 3, 0) in codes.merged
    assert codes.rows[2][0] == codes.rows[3][0] != ""
    fields = result.tables[2]
    assert fields.rows[0] == (
        "NO",
        "항목명",
        "구분 (필수/선택)",
        "설명",
        "허용 값",
        "표현형식/단위",
        "예시",
    )
    assert len(fields.rows) == 37 and all(len(row) == 7 for row in fields.rows)


def test_hwp_and_hwpx_of_one_document_give_the_same_tables() -> None:
    hwpx = extract(corpus_file("msit-nuri-press-release-2018.hwpx"))
    hwp = extract(corpus_file("msit-nuri-press-release-2018.hwp"))
    assert hwp.tables == hwpx.tables
    assert [t.page for t in hwpx.tables] == [1, 1, 2, 3, 3]
    first = hwpx.tables[0]
    assert first.rows[0][0] == "보도일시" and first.merged == ((0, 1, 0, 3),)


def test_demo_hwpx_table_rows_are_its_text_lines() -> None:
    result = extract(DEMO / "hanbit" / "hanbit-ordinance-and-organisation.hwpx")
    (table,) = result.tables
    assert table.rows[0] == ("팀", "정원", "현원", "주요 분장 사무")
    text = result.pages[table.page - 1].text
    for row in table.rows:
        assert " | ".join(row).rstrip(" |") in text


def test_tables_are_part_of_the_frozen_result() -> None:
    table = Table(page=1, name="표 1", rows=(("가",),))
    assert table.width == 1 and table.origin(0, 0) == (0, 0)
    with pytest.raises(AttributeError):
        table.page = 2  # type: ignore[misc]
