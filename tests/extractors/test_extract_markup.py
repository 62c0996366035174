"""Web systems' "Excel downloads": an HTML table or Excel 2003 XML named .xls, read by content."""

from __future__ import annotations

from pathlib import Path

import pytest

from extractors import detect_type, extract

FIDELITY = Path(__file__).resolve().parents[3] / "shared" / "fidelity-cases"
if not FIDELITY.is_dir():
    FIDELITY = Path("/work/shared/fidelity-cases")


def test_fidelity_html_table_saved_as_xls() -> None:
    path = FIDELITY / "html_as_xls.xls"
    if not path.exists():
        pytest.skip("fidelity case html_as_xls.xls is not available")
    result = extract(path)
    assert result.type == "html"
    assert result.metadata["mislabeled"] == "xls->html"
    assert result.metadata["encoding"] == "cp949"
    assert result.metadata["sheets"] == "html_as_xls"  # cited by sheet, as Excel names it
    assert result.pages[0].text.splitlines() == [
        "# 시트: html_as_xls",
        "사업명 | 담당부서 | 사업비(원)",
        "스마트 버스정류장 | 교통정책과 | 350,000,000",  # &nbsp; is a space
        "지능형 CCTV 통합 | 안전총괄과 | 1,200,000,000",  # numeric character references
    ]
    assert "mso-number-format" not in result.text and "<" not in result.text


LAYOUT_PAGE = """<!DOCTYPE html>
<html><head><title>사업 현황 조회</title>
<script>var secret = "<td>스크립트</td>";</script>
<style>.x { color: red }</style></head>
<body>
<!-- 주석: 표시되지 않음 -->
<h1>2024년 스마트도시 사업 현황</h1>
<table><tr><td>
  <p>조회일: 2024-03-15</p>
  <table border="1">
    <caption>사업별 예산</caption>
    <tr><th>사업명</th><th colspan="2">예산(원)</th><th>비고</th></tr>
    <tr><td>스마<b>트</b> 가로등</td><td>본예산</td><td>100,000</td><td>1차<br>2차</td></tr>
    <tr><td>&lt;데이터 허브&gt; &amp; 플랫폼</td><td>추경</td><td>&#50;00,000</td><td></td></tr>
  </table>
</td></tr></table>
<div>문의: 스마트도시과<br/>전화 02-000-0000</div>
</body></html>
"""


def test_html_page_with_layout_table(tmp_path: Path) -> None:
    path = tmp_path / "현황.xls"
    path.write_text(LAYOUT_PAGE, encoding="utf-8")
    assert detect_type(path) == "html"
    result = extract(path)
    assert result.metadata["title"] == "사업 현황 조회"
    assert result.pages[0].text.splitlines() == [
        "# 시트: 현황",
        "2024년 스마트도시 사업 현황",
        "조회일: 2024-03-15",
        "사업별 예산",
        "사업명 | 예산(원) | | 비고",
        "스마트 가로등 | 본예산 | 100,000 | 1차 2차",
        "<데이터 허브> & 플랫폼 | 추경 | 200,000",
        "문의: 스마트도시과",
        "전화 02-000-0000",
    ]
    for hidden in ("스크립트", "secret", "color", "주석", "사업 현황 조회"):
        assert hidden not in result.text


def test_html_declared_euc_kr_is_read_as_cp949(tmp_path: Path) -> None:
    """Korean systems declare EUC-KR but write CP949: 똠 is not in EUC-KR."""
    page = '<html><head><meta charset="euc-kr"></head><body><table><tr><td>똠방각하</td><td>읍면동</td></tr></table></body></html>'
    path = tmp_path / "down.xls"
    path.write_bytes(page.encode("cp949"))
    assert extract(path).pages[0].text == "# 시트: down\n똠방각하 | 읍면동"


def test_html_without_declaration_in_utf16(tmp_path: Path) -> None:
    path = tmp_path / "export.xls"
    path.write_bytes("<table><tr><td>스마트도시</td><td>1,250대</td></tr></table>".encode("utf-16"))
    assert detect_type(path) == "html"
    assert extract(path).pages[0].text == "# 시트: export\n스마트도시 | 1,250대"


def test_markdown_and_plain_text_stay_text(tmp_path: Path) -> None:
    markdown = tmp_path / "notes.md"
    markdown.write_text("# 제목\n\n<b>굵게</b> 쓴 문장과 표 <table> 이야기", encoding="utf-8")
    assert detect_type(markdown) == "text"
    xml = tmp_path / "data.xml"
    xml.write_text('<?xml version="1.0"?><items><item>가</item></items>', encoding="utf-8")
    assert detect_type(xml) == "text"


SPREADSHEETML = """<?xml version="1.0" encoding="euc-kr"?>
<?mso-application progid="Excel.Sheet"?>
<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"
 xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet"
 xmlns:html="http://www.w3.org/TR/REC-html40">
 <Styles>
  <Style ss:ID="Default" ss:Name="Normal"><Font ss:FontName="굴림"/></Style>
  <Style ss:ID="pct"><NumberFormat ss:Format="Percent"/></Style>
  <Style ss:ID="won"><NumberFormat ss:Format="#,##0&quot;원&quot;"/></Style>
  <Style ss:ID="day"><NumberFormat ss:Format="Short Date"/></Style>
  <Style ss:ID="won2" ss:Parent="won"><Font ss:Bold="1"/></Style>
 </Styles>
 <Worksheet ss:Name="사업비">
  <Table>
   <Row><Cell><Data ss:Type="String">사업명</Data></Cell><Cell><Data ss:Type="String">사업비</Data></Cell>
        <Cell><Data ss:Type="String">달성률</Data></Cell><Cell><Data ss:Type="String">준공일</Data></Cell></Row>
   <Row><Cell><ss:Data ss:Type="String"><html:B>지능형</html:B> CCTV 통합</ss:Data></Cell>
        <Cell ss:StyleID="won"><Data ss:Type="Number">350000000</Data></Cell>
        <Cell ss:StyleID="pct"><Data ss:Type="Number">0.853</Data></Cell>
        <Cell ss:StyleID="day"><Data ss:Type="DateTime">2024-03-15T00:00:00.000</Data></Cell></Row>
   <Row ss:Index="4"><Cell ss:Index="2" ss:StyleID="won2"><Data ss:Type="Number">1200000000</Data></Cell>
        <Cell ss:MergeAcross="1"><Data ss:Type="String">똠 병합</Data></Cell><Cell><Data ss:Type="String">끝</Data></Cell></Row>
  </Table>
 </Worksheet>
 <Worksheet ss:Name="빈 시트"/>
</Workbook>
"""


def test_excel_2003_xml_as_sheets(tmp_path: Path) -> None:
    path = tmp_path / "실적.xls"
    path.write_bytes(SPREADSHEETML.encode("cp949"))
    assert detect_type(path) == "spreadsheetml"
    result = extract(path)
    assert result.type == "spreadsheetml"
    assert result.metadata["mislabeled"] == "xls->spreadsheetml"
    assert result.metadata["sheets"] == "사업비 | 빈 시트"
    assert result.metadata["sheet_rows"] == "1-2,4 | -"
    assert result.pages[0].text.splitlines() == [
        "# 시트: 사업비",
        "사업명 | 사업비 | 달성률 | 준공일",
        "지능형 CCTV 통합 | 350,000,000원 | 85.30% | 2024-03-15",
        "| 1,200,000,000원 | 똠 병합 | | 끝",
    ]
    assert result.pages[1].text == "# 시트: 빈 시트"


def test_broken_excel_2003_xml_is_corrupt(tmp_path: Path) -> None:
    from extractors import ExtractionError

    path = tmp_path / "cut.xls"
    path.write_bytes(SPREADSHEETML.encode("cp949")[:900])
    with pytest.raises(ExtractionError) as info:
        extract(path)
    assert info.value.code == "corrupt"


ROWSPAN_PAGE = """<html><body><table border="1">
<tr><th>구분</th><th>사업명</th><th colspan="2">예산(원)</th></tr>
<tr><td rowspan="3">교통</td><td>버스정보시스템</td><td>본예산</td><td>100,000</td></tr>
<tr><td>스마트 교차로</td><td rowspan="2">추경</td><td>200,000</td></tr>
<tr><td>주차정보 연계</td><td>300,000</td></tr>
<tr><td>안전</td><td>지능형 CCTV</td><td>본예산</td><td>400,000</td></tr>
</table></body></html>"""


def test_rowspan_cells_keep_their_columns(tmp_path: Path) -> None:
    """Rowspans fill their columns in the rows below (the cells after them keep their
    columns, as a browser shows them), in the text and in the sheet's grid; the spans are
    merged areas."""
    html = tmp_path / "예산.html"
    html.write_text(ROWSPAN_PAGE, encoding="utf-8")
    assert extract(html).pages[0].text.splitlines() == [
        "구분 | 사업명 | 예산(원)",
        "교통 | 버스정보시스템 | 본예산 | 100,000",
        "교통 | 스마트 교차로 | 추경 | 200,000",
        "교통 | 주차정보 연계 | 추경 | 300,000",
        "안전 | 지능형 CCTV | 본예산 | 400,000",
    ]
    xls = tmp_path / "예산.xls"
    xls.write_text(ROWSPAN_PAGE, encoding="utf-8")
    result = extract(xls)
    (table,) = result.tables
    assert table.kind == "sheet" and table.name == "예산"
    assert table.rows[3] == ("교통", "주차정보 연계", "추경", "300,000")
    assert table.rows[0] == ("구분", "사업명", "예산(원)", "예산(원)")
    assert set(table.merged) == {(0, 2, 0, 3), (1, 0, 3, 0), (2, 2, 3, 2)}
    assert result.metadata["sheet_rows"] == "1-5"
