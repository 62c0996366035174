"""DOCX content one level further down: ``w:altChunk`` parts (HTML, MHT, text, a whole
DOCX; RTF named as unreadable), Office Math as linear text, and content controls that still
show their placeholder. Documents made with python-docx; lxml adds the markup Word writes."""

from __future__ import annotations

import io
from pathlib import Path

import docx
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from test_extract_docx_stories import _append, _p, _r, _sdt, _tbl, _tc

from extractors import extract

R = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
MATH = 'xmlns:m="http://schemas.openxmlformats.org/officeDocument/2006/math"'


def _chunk(document, name: str, content_type: str, blob: bytes) -> str:
    """An altChunk part related to the body; the ``w:altChunk`` element that places it."""
    part = Part(PackURI(f"/word/{name}"), content_type, blob, document.part.package)
    rid = document.part.relate_to(part, RT.A_F_CHUNK)
    return f'<w:altChunk {R} r:id="{rid}"/>'


def _inner_docx() -> bytes:
    inner = docx.Document()
    inner.add_paragraph("내장 문서의 시민참여 리빙랩 운영 실적")
    table = inner.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "공공와이파이"
    table.cell(0, 1).text = "32만 건"
    out = io.BytesIO()
    inner.save(out)
    return out.getvalue()


def test_alt_chunks_are_read_where_they_sit(tmp_path: Path) -> None:
    document = docx.Document()
    html = (
        '<html><head><meta charset="euc-kr"><style>td{color:red}</style></head><body>'
        "<p>HTML 조각&nbsp;방범 CCTV</p><table><tr><td>통합운영센터</td><td>1,250대</td></tr>"
        "</table></body></html>"
    ).encode("cp949")
    mht = (
        'MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary="b1"\r\n\r\n'
        '--b1\r\nContent-Type: text/html; charset="utf-8"\r\n'
        "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
        "<html><body><p>MHT =EC=A1=B0=EA=B0=81 =EB=B2=84=EC=8A=A4=EC=A0=95=EB=B3=B4</p>"
        "</body></html>\r\n--b1--\r\n"
    ).encode("ascii")
    chunks = [
        _chunk(document, "chunk1.htm", "application/xhtml+xml", html),
        _chunk(document, "chunk2.mht", "message/rfc822", mht),
        _chunk(document, "chunk3.txt", "text/plain", "텍스트 조각 주차정보 통합".encode()),
        _chunk(
            document,
            "chunk4.docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
            _inner_docx(),
        ),
        _chunk(document, "chunk5.rtf", "application/rtf", rb"{\rtf1\ansi RTF chunk}"),
    ]
    _append(
        document.element.body,
        _p(_r("앞 문단")),
        chunks[0],
        chunks[1],
        chunks[2],
        chunks[3],
        chunks[4],
        _p(_r("뒤 문단")),
    )
    path = tmp_path / "chunks.docx"
    document.save(str(path))
    result = extract(path)
    lines = result.text.splitlines()
    for expected in (
        "HTML 조각 방범 CCTV",
        "통합운영센터 | 1,250대",
        "MHT 조각 버스정보",
        "텍스트 조각 주차정보 통합",
        "내장 문서의 시민참여 리빙랩 운영 실적",
        "공공와이파이 | 32만 건",
    ):
        assert expected in lines, (expected, lines)
    assert lines.index("앞 문단") < lines.index("HTML 조각 방범 CCTV") < lines.index("뒤 문단")
    assert "color" not in result.text
    assert result.metadata["unreadable_parts"] == "word/chunk5.rtf"


def test_office_math_is_written_as_linear_text(tmp_path: Path) -> None:
    document = docx.Document()
    fraction = (
        "<m:f><m:num><m:r><m:t>연계 대수</m:t></m:r></m:num>"
        "<m:den><m:r><m:t>전체 대수</m:t></m:r></m:den></m:f>"
    )
    power = (
        "<m:sSup><m:e><m:r><m:t>x</m:t></m:r></m:e><m:sup><m:r><m:t>2</m:t></m:r></m:sup></m:sSup>"
    )
    _append(
        document.element.body,
        f"<w:p {MATH}>{_r('연계율 = ')}<m:oMath>{fraction}<m:r><m:t>×100</m:t></m:r></m:oMath></w:p>",
        f"<w:p {MATH}><m:oMathPara><m:oMath>{power}<m:r><m:t>+1</m:t></m:r></m:oMath>"
        "</m:oMathPara></w:p>",
    )
    path = tmp_path / "math.docx"
    document.save(str(path))
    lines = extract(path).text.splitlines()
    assert "연계율 = (연계 대수)/(전체 대수)×100" in lines
    assert "x^(2)+1" in lines


def test_placeholder_text_of_content_controls_is_not_content(tmp_path: Path) -> None:
    """A block control and a cell control still showing Word's prompt give no text; the
    table keeps its cells; a filled control (placeholder flag gone) is read."""
    document = docx.Document()
    placeholder = (
        "<w:sdt><w:sdtPr><w:showingPlcHdr/></w:sdtPr><w:sdtContent>{}</w:sdtContent></w:sdt>"
    )
    prompt = "텍스트를 입력하려면 여기를 클릭하거나 탭하세요."
    _append(
        document.element.body,
        placeholder.format(_p(_r(prompt))),
        _sdt(_p(_r("제출기관: 가온시"))),
        _tbl(
            f"<w:tr>{_tc(_p(_r('지표')))}{_tc(_p(_r('실적')))}</w:tr>",
            f"<w:tr>{_tc(_p(_r('리빙랩')))}"
            f"<w:tc><w:tcPr/>{placeholder.format(_p(_r('실적을 입력하세요')))}</w:tc></w:tr>",
        ),
    )
    path = tmp_path / "form.docx"
    document.save(str(path))
    result = extract(path)
    assert prompt not in result.text and "실적을 입력하세요" not in result.text
    assert "제출기관: 가온시" in result.text
    (table,) = result.tables
    assert table.rows == (("지표", "실적"), ("리빙랩", ""))
