"""PPTX: a page per slide; text boxes, tables, grouped shapes, chart titles, speaker notes."""

from __future__ import annotations

from pathlib import Path

import pytest
from pptx import Presentation
from pptx.chart.data import CategoryChartData
from pptx.enum.chart import XL_CHART_TYPE
from pptx.util import Inches, Pt

from extractors import ExtractionError, detect_type, extract


@pytest.fixture()
def deck(tmp_path: Path) -> Path:
    prs = Presentation()
    prs.core_properties.title = "스마트도시 추진 실적"
    first = prs.slides.add_slide(prs.slide_layouts[5])  # title only
    first.shapes.title.text = "1. 통합운영센터 운영 실적"
    box = first.shapes.add_textbox(Inches(1), Inches(1.5), Inches(6), Inches(1)).text_frame
    box.text = "방범 CCTV 1,250대를 통합운영센터에 연계하였다."
    box.add_paragraph().text = "공공와이파이 접속 건수는 월 평균 32만 건이다."
    rows = first.shapes.add_table(3, 3, Inches(1), Inches(3), Inches(6), Inches(1.5)).table
    for r, values in enumerate([["구분", "2023", "2024"], ["리빙랩", "4회", "6회"]]):
        for c, value in enumerate(values):
            rows.cell(r, c).text = value
    rows.cell(2, 0).merge(rows.cell(2, 2))
    rows.cell(2, 0).text = "합계 10회"
    first.notes_slide.notes_text_frame.text = "발표 시 예산 1,400백만원을 언급할 것"

    second = prs.slides.add_slide(prs.slide_layouts[6])  # blank
    group = second.shapes.add_group_shape()
    for index, label in enumerate(["시민참여", "데이터 허브"]):
        inner = group.shapes.add_textbox(Inches(1 + 3 * index), Inches(1), Inches(2), Inches(1))
        inner.text_frame.text = label
    nested = group.shapes.add_group_shape()
    nested.shapes.add_textbox(
        Inches(1), Inches(3), Inches(2), Inches(1)
    ).text_frame.text = "안쪽 그룹"
    data = CategoryChartData()
    data.categories = ["2023", "2024"]
    data.add_series("이용자 수", (120, 180))
    chart = second.shapes.add_chart(
        XL_CHART_TYPE.COLUMN_CLUSTERED, Inches(1), Inches(4), Inches(4), Inches(3), data
    ).chart
    chart.has_title = True
    chart.chart_title.text_frame.text = "스마트서비스 이용자 추이"
    chart.chart_title.text_frame.paragraphs[0].runs[0].font.size = Pt(14)

    prs.slides.add_slide(prs.slide_layouts[6])  # an empty slide keeps its number
    path = tmp_path / "실적보고.pptx"
    prs.save(str(path))
    return path


def test_one_page_per_slide_with_tables_groups_and_notes(deck: Path) -> None:
    result = extract(deck)
    assert result.type == "pptx"
    assert result.metadata["slide_count"] == "3"
    assert result.metadata["title"] == "스마트도시 추진 실적"
    assert [page.number for page in result.pages] == [1, 2, 3]
    first = result.pages[0].text.splitlines()
    assert first[:3] == [
        "1. 통합운영센터 운영 실적",
        "방범 CCTV 1,250대를 통합운영센터에 연계하였다.",
        "공공와이파이 접속 건수는 월 평균 32만 건이다.",
    ]
    assert "구분 | 2023 | 2024" in first
    assert "리빙랩 | 4회 | 6회" in first
    assert "합계 10회" in first  # a merged cell's text once
    assert first[-2:] == ["# 발표자 노트", "발표 시 예산 1,400백만원을 언급할 것"]
    second = result.pages[1].text.splitlines()
    assert second == ["시민참여", "데이터 허브", "안쪽 그룹", "스마트서비스 이용자 추이"]
    assert result.pages[2].text == ""


def test_pptx_named_otherwise_is_read_by_content(deck: Path, tmp_path: Path) -> None:
    renamed = tmp_path / "발표자료.pdf"
    renamed.write_bytes(deck.read_bytes())
    assert detect_type(renamed) == "pptx"
    result = extract(renamed)
    assert result.metadata["mislabeled"] == "pdf->pptx"
    assert "통합운영센터" in result.pages[0].text


def test_truncated_pptx_is_corrupt(deck: Path, tmp_path: Path) -> None:
    data = deck.read_bytes()
    cut = tmp_path / "cut.pptx"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(ExtractionError) as info:
        extract(cut)
    assert info.value.code == "corrupt"
    assert info.value.message_ko
