"""Pictures pasted into DOCX, PPTX and HWPX are not read; the pages holding pictures big
enough to carry text say so (``suspect`` "images", ``unread_images``), icons and header
logos do not. Files made here: python-docx, python-pptx, and an HWPX written by hand."""

from __future__ import annotations

import io
from pathlib import Path

import docx
import pptx
from docx.oxml.parser import parse_xml
from docx.shared import Inches
from PIL import Image, ImageDraw
from pptx.util import Inches as PptxInches
from test_extract_hwpx_tracked import _hwpx, _p

from extractors import SUSPECT_REASONS, extract


def _png() -> io.BytesIO:
    """A picture of a table of figures, as a pasted screenshot is."""
    image = Image.new("RGB", (600, 300), "white")
    draw = ImageDraw.Draw(image)
    for y in range(0, 300, 60):
        draw.line([(0, y), (600, y)], fill="black", width=2)
    out = io.BytesIO()
    image.save(out, format="PNG")
    out.seek(0)
    return out


def test_docx_pages_with_pasted_pictures_are_flagged(tmp_path: Path) -> None:
    document = docx.Document()
    document.sections[0].header.paragraphs[0].add_run().add_picture(_png(), width=Inches(3))
    document.add_paragraph("첫 쪽 본문: 통합운영센터 현황")
    document.add_paragraph().add_run().add_picture(_png(), width=Inches(0.2))  # an icon
    document.add_page_break()
    document.add_paragraph("둘째 쪽 본문: 아래 표는 캡처 이미지입니다")
    document.add_picture(_png(), width=Inches(5))
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "지표"
    table.cell(0, 1).paragraphs[0].add_run().add_picture(_png(), width=Inches(2.5))
    path = tmp_path / "캡처.docx"
    document.save(str(path))
    result = extract(path)
    assert [p.suspect for p in result.pages] == ["", "images"]
    assert result.metadata["unread_images"] == "2"
    assert result.metadata["unread_image_pages"] == "2"
    assert "\x1a" not in result.text and "images" in SUSPECT_REASONS
    assert result.tables[0].rows == (("지표", ""),)


def test_pptx_slides_with_pictures_are_flagged(tmp_path: Path) -> None:
    deck = pptx.Presentation()
    blank = deck.slide_layouts[6]
    first = deck.slides.add_slide(blank)
    first.shapes.add_textbox(
        PptxInches(1), PptxInches(1), PptxInches(4), PptxInches(1)
    ).text = "스마트도시 추진 실적"
    first.shapes.add_picture(_png(), PptxInches(1), PptxInches(2), width=PptxInches(0.3))
    second = deck.slides.add_slide(blank)
    second.shapes.add_picture(_png(), PptxInches(1), PptxInches(1), width=PptxInches(6))
    path = tmp_path / "발표.pptx"
    deck.save(str(path))
    result = extract(path)
    assert [p.suspect for p in result.pages] == ["", "images"]
    assert result.metadata["unread_images"] == "1"
    assert "스마트도시 추진 실적" in result.pages[0].text


def _pic(width_in: float, height_in: float) -> str:
    w, h = int(width_in * 7200), int(height_in * 7200)
    return (
        f'<hp:pic id="1"><hp:orgSz width="{w}" height="{h}"/><hp:curSz width="{w}" height="{h}"/>'
        f'<hp:sz width="{w}" height="{h}"/></hp:pic>'
    )


def test_hwpx_pages_with_pictures_are_flagged(tmp_path: Path) -> None:
    first = _p("<hp:t>본문 첫 구역</hp:t>", _pic(1.5, 0.38))  # a banner logo
    second = _p(
        "<hp:t>캡처한 실적표</hp:t>",
        _pic(6.0, 3.0),
        f'<hp:container id="2">{_pic(3.0, 2.0)}{_pic(0.2, 0.2)}</hp:container>',
    )
    result = extract(_hwpx(tmp_path / "그림.hwpx", first, second))
    assert [p.suspect for p in result.pages] == ["", "images"]
    assert result.metadata["unread_images"] == "2"
    assert result.pages[1].text == "캡처한 실적표"


def test_docx_legacy_vml_picture_is_flagged(tmp_path: Path) -> None:
    """A picture as Word 2003 wrote it (``w:pict``/``v:shape``/``v:imagedata``): sized in
    points by the shape's style; a small one (a stamp icon) is not counted."""
    document = docx.Document()
    vml = (
        '<w:p xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
        'xmlns:v="urn:schemas-microsoft-com:vml" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<w:r><w:t>붙임 캡처</w:t></w:r><w:r><w:pict><v:shape style="width:{w};height:{h}">'
        '<v:imagedata r:id="rId99"/></v:shape></w:pict></w:r></w:p>'
    )
    body = document.element.body
    body.insert(0, parse_xml(vml.replace("{w}", "360pt").replace("{h}", "2in")))
    body.insert(0, parse_xml(vml.replace("{w}", "12pt").replace("{h}", "12pt")))
    path = tmp_path / "vml.docx"
    document.save(str(path))
    result = extract(path)
    assert result.metadata["unread_images"] == "1"
    assert result.pages[0].suspect == "images"
