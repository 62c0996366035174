"""DOCX text under Word's wrappers and in every story: each text once, deleted text never.

The documents are made here with python-docx, and lxml adds the markup python-docx cannot
write itself (tracked changes, content controls, text boxes, notes), the way Word writes it.
"""

from __future__ import annotations

import re
from pathlib import Path

import docx
import pytest
from docx.enum.section import WD_SECTION
from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml.parser import parse_xml
from extractor_corpus import CORPUS

from extractors import extract

FIDELITY = CORPUS.parent / "fidelity-cases"
NS = (
    'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
    'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
    'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
    'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
    'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
    'xmlns:v="urn:schemas-microsoft-com:vml"'
)
CHANGE = 'w:id="{}" w:author="검토자" w:date="2024-05-01T09:00:00Z"'


def _xml(fragment: str):
    """An element from a WordprocessingML fragment (namespaces declared on its root)."""
    return parse_xml(re.sub(r"^<([\w:]+)", lambda m: f"<{m.group(1)} {NS}", fragment, count=1))


def _r(text: str) -> str:
    return f'<w:r><w:t xml:space="preserve">{text}</w:t></w:r>'


def _p(*inner: str) -> str:
    return f"<w:p>{''.join(inner)}</w:p>"


def _ins(text: str, n: int = 1) -> str:
    return f"<w:ins {CHANGE.format(n)}>{_r(text)}</w:ins>"


def _del(text: str, n: int = 2) -> str:
    return f'<w:del {CHANGE.format(n)}><w:r><w:delText xml:space="preserve">{text}</w:delText></w:r></w:del>'


def _sdt(content: str, n: int = 10) -> str:
    return f'<w:sdt><w:sdtPr><w:id w:val="{n}"/></w:sdtPr><w:sdtContent>{content}</w:sdtContent></w:sdt>'


def _textbox(text: str, *, choice: bool = True) -> str:
    """A run holding a text box the way Word writes it: a modern shape and a VML fallback."""
    box = f"<w:txbxContent>{_p(_r(text))}</w:txbxContent>"
    inner = box if choice else ""
    return (
        "<w:r><mc:AlternateContent>"
        '<mc:Choice Requires="wps"><w:drawing><wp:anchor><wp:docPr id="1" name="글상자 1"/>'
        '<a:graphic><a:graphicData uri="http://schemas.microsoft.com/office/word/2010/wordprocessingShape">'
        f"<wps:wsp><wps:txbx>{inner}</wps:txbx></wps:wsp></a:graphicData></a:graphic>"
        "</wp:anchor></w:drawing></mc:Choice>"
        f'<mc:Fallback><w:pict><v:shape id="TextBox1"><v:textbox>{box}</v:textbox>'
        "</v:shape></w:pict></mc:Fallback></mc:AlternateContent></w:r>"
    )


def _tc(*inner: str, props: str = "") -> str:
    return f"<w:tc><w:tcPr>{props}</w:tcPr>{''.join(inner) or '<w:p/>'}</w:tc>"


def _tbl(*rows: str, cols: int = 2) -> str:
    grid = "".join('<w:gridCol w:w="4000"/>' for _ in range(cols))
    return f"<w:tbl><w:tblPr/><w:tblGrid>{grid}</w:tblGrid>{''.join(rows)}</w:tbl>"


def _append(container, *fragments: str) -> None:
    """Add block fragments at the end of a story (before the body's own section properties)."""
    anchor = container.find("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}sectPr")
    for fragment in fragments:
        if anchor is not None:
            anchor.addprevious(_xml(fragment))
        else:
            container.append(_xml(fragment))


def _add_part(document, kind: str, notes: dict[int, str]) -> None:
    """A footnotes or endnotes part (``kind`` "footnote"/"endnote"), separators included."""
    tag = f"w:{kind}"
    separators = "".join(
        f'<{tag} w:type="{t}" w:id="{i}"><w:p><w:r><w:{t}/></w:r></w:p></{tag}>'
        for i, t in ((-1, "separator"), (0, "continuationSeparator"))
    )
    body = "".join(f'<{tag} w:id="{i}">{xml}</{tag}>' for i, xml in notes.items())
    blob = f"<{tag}s {NS}>{separators}{body}</{tag}s>".encode()
    content_type = CT.WML_FOOTNOTES if kind == "footnote" else CT.WML_ENDNOTES
    reltype = RT.FOOTNOTES if kind == "footnote" else RT.ENDNOTES
    part = Part(PackURI(f"/word/{kind}s.xml"), content_type, blob, document.part.package)
    document.part.relate_to(part, reltype)


def _lines(path: Path) -> list[str]:
    return extract(path).text.splitlines()


@pytest.fixture(scope="module")
def wrapped(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One body with every wrapper: tracked changes, content controls, fields, text boxes."""
    document = docx.Document()
    nested = _tbl(f"<w:tr>{_tc(_p(_ins('중첩 표 삽입')))}</w:tr>", cols=1)
    _append(
        document.element.body,
        _p(_r("본문 시작 "), _ins("삽입된 문장"), _del("삭제된 문장")),
        _p(_r("앞 문단 "), f"<w:moveFrom {CHANGE.format(3)}>{_r('이동한 문장')}</w:moveFrom>"),
        _p(_r("뒤 문단 "), f"<w:moveTo {CHANGE.format(4)}>{_r('이동한 문장')}</w:moveTo>"),
        _sdt(_p(_r("블록 컨트롤 제목")) + _p(_r("블록 컨트롤 본문 "), _sdt(_r("중첩 컨트롤")))),
        _p(
            _r("값: "),
            _sdt(_r("인라인 컨트롤 값"), 11),
            '<w:smartTag w:uri="urn:schemas-microsoft-com:office:smarttags" w:element="place">'
            f"{_r(' 스마트태그 지명')}</w:smartTag>",
            f'<w:customXml w:element="org">{_r(" 사용자 XML 값")}</w:customXml>',
            f'<w:hyperlink w:anchor="a">{_r(" 하이퍼링크 글자")}</w:hyperlink>',
        ),
        f'<w:customXml w:element="section">{_p(_r("블록 사용자 XML"))}</w:customXml>',
        _p(
            '<w:fldSimple w:instr=" DOCPROPERTY Company "><w:r><w:t>단순 필드 결과</w:t></w:r></w:fldSimple>',
            '<w:fldSimple w:instr=" PAGE "><w:r><w:t>9876</w:t></w:r></w:fldSimple>',
        ),
        _p(
            '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
            '<w:r><w:instrText xml:space="preserve"> DOCPROPERTY Title </w:instrText></w:r>'
            '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
            + _r("복합 필드 결과")
            + '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
            + _r(" 쪽 ")
            + '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
            '<w:r><w:instrText xml:space="preserve"> PAGE </w:instrText></w:r>'
            '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
            + _r("5432")
            + '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
            + _r(" 끝")
        ),
        _p(_r("그림 설명"), _textbox("본문 글상자"), _r(" 이어지는 문장")),
        _p(_r("대체만 있는 상자"), _textbox("대체 글상자", choice=False)),
        _p(
            _r("2023"),
            "<w:r><w:noBreakHyphen/></w:r>",
            _r("2024 결과 "),
            '<w:r><w:sym w:font="Wingdings" w:char="F0E8"/></w:r>',
            _r(" 반영"),
        ),
        _tbl(
            f"<w:tr>{_tc(_p(_r('버전')))}{_tc(_p(_r('변경 내용')))}</w:tr>",
            _sdt(f"<w:tr>{_tc(_p(_r('행 컨트롤 셀1')))}{_tc(_p(_r('행 컨트롤 셀2')))}</w:tr>"),
            f"<w:tr>{_tc(_p(_r('셀 컨트롤')))}{_sdt(_tc(_p(_r('셀 컨트롤 값'))))}</w:tr>",
            f"<w:tr>{_tc(_p(_r('v1.2')))}{_tc(_p(_r('기준 '), _ins('셀 삽입 문구'), _del('셀 삭제 문구')))}</w:tr>",
            f"<w:tr><w:trPr><w:del {CHANGE.format(5)}/></w:trPr>"
            f"{_tc(_p(_del('삭제된 행')))}{_tc(_p(_del('삭제된 행 값')))}</w:tr>",
            f"<w:tr>{_tc(_p(_r('글상자 셀 '), _textbox('셀 글상자')))}"
            f"{_tc(_p(_r('중첩')), nested)}</w:tr>",
        ),
    )
    path = tmp_path_factory.mktemp("docx") / "wrapped.docx"
    document.save(str(path))
    return path


@pytest.mark.parametrize(
    "text",
    [
        "삽입된 문장",
        "이동한 문장",
        "블록 컨트롤 제목",
        "블록 컨트롤 본문 중첩 컨트롤",
        "값: 인라인 컨트롤 값 스마트태그 지명 사용자 XML 값 하이퍼링크 글자",
        "블록 사용자 XML",
        "단순 필드 결과",
        "복합 필드 결과 쪽 끝",
        "본문 글상자",
        "대체 글상자",
        "2023-2024 결과 → 반영",
    ],
)
def test_body_wrappers_read_once(wrapped: Path, text: str) -> None:
    assert extract(wrapped).text.count(text) == 1


@pytest.mark.parametrize(
    "text", ["삭제된 문장", "셀 삭제 문구", "삭제된 행", "9876", "5432", "DOCPROPERTY"]
)
def test_deleted_text_and_page_numbers_absent(wrapped: Path, text: str) -> None:
    assert text not in extract(wrapped).text


def test_moved_text_kept_where_it_went(wrapped: Path) -> None:
    lines = _lines(wrapped)
    assert "앞 문단" in lines
    assert "뒤 문단 이동한 문장" in lines


def test_text_box_on_its_own_line_after_its_paragraph(wrapped: Path) -> None:
    lines = _lines(wrapped)
    anchor = lines.index("그림 설명 이어지는 문장")
    assert lines[anchor + 1] == "본문 글상자"
    assert lines[lines.index("대체만 있는 상자") + 1] == "대체 글상자"


def test_table_rows_through_row_cell_and_run_wrappers(wrapped: Path) -> None:
    lines = _lines(wrapped)
    assert "버전 | 변경 내용" in lines
    assert "행 컨트롤 셀1 | 행 컨트롤 셀2" in lines
    assert "셀 컨트롤 | 셀 컨트롤 값" in lines
    assert "v1.2 | 기준 셀 삽입 문구" in lines
    assert "글상자 셀 셀 글상자 | 중첩 중첩 표 삽입" in lines


def test_merged_cells_as_before(tmp_path: Path) -> None:
    document = docx.Document()
    table = document.add_table(rows=3, cols=3)
    for row in range(3):
        for col in range(3):
            table.cell(row, col).text = f"값{row}{col}"
    table.cell(0, 0).merge(table.cell(1, 0)).text = "구분"
    table.cell(2, 1).merge(table.cell(2, 2)).text = "합계"
    path = tmp_path / "merged.docx"
    document.save(str(path))
    # A vertical merge is repeated on each row it spans; a horizontal one written once.
    assert _lines(path) == ["구분 | 값01 | 값02", "구분 | 값11 | 값12", "값20 | 합계"]


@pytest.fixture(scope="module")
def sections(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two sections: headers, footers with page numbers, footnotes, an endnote, a comment."""
    document = docx.Document()
    first = document.sections[0]
    header = first.header._element
    for paragraph in list(header):
        header.remove(paragraph)
    _append(header, _p(_r("가온시 스마트도시 인증 증빙")), _p(_textbox("머리글 글상자")))
    footer = first.footer._element
    for paragraph in list(footer):
        footer.remove(paragraph)
    _append(
        footer,
        _p(
            _r("- "),
            '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
            '<w:r><w:instrText xml:space="preserve"> PAGE </w:instrText></w:r>'
            '<w:r><w:fldChar w:fldCharType="separate"/></w:r>',
            _r("1"),
            '<w:r><w:fldChar w:fldCharType="end"/></w:r>',
            _r(" -"),
        ),
        _p(_r("가온시 스마트도시과")),
    )
    commented = document.add_paragraph().add_run("첫 구역 본문")
    document.add_comment(commented, text="검토 의견: 수치 확인", author="평가위원")
    _append(
        document.element.body,
        _p(_r("각주 붙은 문장"), '<w:r><w:footnoteReference w:id="1"/></w:r>'),
    )
    document.add_section(WD_SECTION.NEW_PAGE)  # its header and footer link to the first
    _append(
        document.element.body,
        _p(
            _r("둘째 구역 본문"),
            '<w:r><w:footnoteReference w:id="2"/></w:r>',
            '<w:r><w:endnoteReference w:id="1"/></w:r>',
        ),
    )
    _add_part(
        document,
        "footnote",
        {
            1: _p(_r("첫 각주 내용 "), _ins("각주 삽입"), _del("각주 삭제")),
            2: _p(_r("둘째 각주 내용")),
        },
    )
    _add_part(document, "endnote", {1: _p(_r("미주 내용"))})
    path = tmp_path_factory.mktemp("docx") / "sections.docx"
    document.save(str(path))
    return path


def test_every_story_read_once(sections: Path) -> None:
    text = extract(sections).text
    for expected in (
        "가온시 스마트도시 인증 증빙",
        "머리글 글상자",
        "가온시 스마트도시과",
        "첫 구역 본문",
        "검토 의견: 수치 확인",
        "첫 각주 내용 각주 삽입",
        "둘째 구역 본문",
        "둘째 각주 내용",
        "미주 내용",
    ):
        assert text.count(expected) == 1, expected
    assert "각주 삭제" not in text


def test_notes_and_furniture_placed_by_section(sections: Path) -> None:
    lines = _lines(sections)
    order = [
        "가온시 스마트도시 인증 증빙",  # the header opens its section
        "머리글 글상자",
        "첫 구역 본문",
        "각주 붙은 문장",
        "첫 각주 내용 각주 삽입",  # footnotes close the section they are referenced in
        "가온시 스마트도시과",  # then the footer
        "검토 의견: 수치 확인",  # then the comments
        "둘째 구역 본문",
        "둘째 각주 내용",
        "미주 내용",  # endnotes close the document
    ]
    assert [line for line in lines if line in order] == order


def test_footer_page_number_dropped(sections: Path) -> None:
    # "- 1 -" is a stale page number in a PAGE field; without it the line has no words.
    assert all(any(c.isalnum() for c in line) for line in _lines(sections) if line)


def test_section_header_after_the_page_break_that_opens_it(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("첫 쪽 본문")
    document.add_section(WD_SECTION.NEW_PAGE)
    second = document.sections[1]
    second.header.is_linked_to_previous = False
    second.header.paragraphs[0].text = "둘째 구역 머리글"
    _append(document.element.body, _p('<w:r><w:br w:type="page"/></w:r>', _r("둘째 쪽 본문")))
    path = tmp_path / "breaks.docx"
    document.save(str(path))
    pages = [page.text for page in extract(path).pages]
    assert pages == ["첫 쪽 본문", "둘째 구역 머리글\n둘째 쪽 본문"]


def test_unreadable_notes_part_keeps_the_body(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("본문은 읽힌다")
    part = Part(
        PackURI("/word/footnotes.xml"), CT.WML_FOOTNOTES, b"<w:footnotes", document.part.package
    )
    document.part.relate_to(part, RT.FOOTNOTES)
    _append(
        document.element.body, _p(_r("각주 참조"), '<w:r><w:footnoteReference w:id="1"/></w:r>')
    )
    path = tmp_path / "broken-notes.docx"
    document.save(str(path))
    result = extract(path)
    assert result.text.splitlines() == ["본문은 읽힌다", "각주 참조"]
    assert result.metadata["unreadable_parts"] == "word/footnotes.xml"


def _fidelity(name: str) -> Path:
    path = FIDELITY / name
    if not path.is_file():
        pytest.skip(f"{path} is not available")
    return path


def test_fidelity_tracked_insert_in_cell() -> None:
    text = extract(_fidelity("docx_tracked_insert_in_cell.docx")).text
    assert "v1.2 | 2024년 기준 리빙랩 운영 실적 반영" in text.splitlines()
    assert "초안 문구" not in text


def test_fidelity_content_controls() -> None:
    lines = _lines(_fidelity("docx_content_controls.docx"))
    assert "스마트도시 통합플랫폼 구축 결과보고서" in lines
    assert "제출기관: 가온시 스마트도시과" in lines
    assert "구축 시스템 | 도시데이터허브" in lines


def test_fidelity_textbox_alternate_content() -> None:
    path = _fidelity("docx_textbox_alternate_content.docx")
    text = extract(path).text
    assert text.count("공공와이파이 구축 현황") == 1
    # The box on its own line after its paragraph; the words around it not glued.
    assert _lines(path) == [
        "표 3-1 참조 설치 장소는 아래와 같다",
        "공공와이파이 구축 현황",
        "이하 본문.",
    ]
    assert "참조설치" not in text
    for phrase in ("표 3-1 참조", "설치 장소는 아래와 같다", "이하 본문."):
        assert text.count(phrase) == 1


def test_text_box_between_words_parts_them(tmp_path: Path) -> None:
    """A text box between two runs with no space: a space where it sat, never glued;
    a box at a paragraph's start or next to a space adds none."""
    document = docx.Document()
    path = tmp_path / "boxes.docx"
    document.save(str(path))
    document = docx.Document(str(path))
    body = document.element.body
    for xml in (
        _p(_r("앞말"), _textbox("가운데 상자"), _r("뒷말")),
        _p(_textbox("첫머리 상자"), _r("문단 시작")),
        _p(_r("띄운 앞말 "), _textbox("띄운 상자"), _r("뒷말")),
    ):
        body.insert(len(body) - 1, _xml(xml))
    document.save(str(path))
    assert _lines(path) == [
        "앞말 뒷말",
        "가운데 상자",
        "문단 시작",
        "첫머리 상자",
        "띄운 앞말 뒷말",
        "띄운 상자",
    ]
