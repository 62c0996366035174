"""HWPX written by hand the way Hangul saves it: tracked deletions and insertions inside
``hp:t``, across runs and paragraphs; headers (머리말) and footers (꼬리말) in ``hp:ctrl``."""

from __future__ import annotations

import zipfile
from pathlib import Path

from extractors import extract

HP = "http://www.hancom.co.kr/hwpml/2011/paragraph"


def _hwpx(path: Path, *sections: str) -> Path:
    """A minimal HWPX package: mimetype first (stored), one section part per body."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(zipfile.ZipInfo("mimetype"), "application/hwp+zip")
        for index, body in enumerate(sections):
            zf.writestr(
                f"Contents/section{index}.xml",
                f'<?xml version="1.0" encoding="UTF-8"?><hs:sec xmlns:hs='
                f'"http://www.hancom.co.kr/hwpml/2011/section" xmlns:hp="{HP}">{body}</hs:sec>',
            )
    return path


def _p(*runs: str) -> str:
    return "<hp:p>" + "".join(f"<hp:run>{r}</hp:run>" for r in runs) + "</hp:p>"


def _control(kind: str, text: str, page_type: str = "BOTH") -> str:
    return (
        f'<hp:ctrl><hp:{kind} id="1" applyPageType="{page_type}"><hp:subList>'
        f"{_p(f'<hp:t>{text}</hp:t>')}</hp:subList></hp:{kind}></hp:ctrl>"
    )


def test_tracked_deletions_are_skipped_and_insertions_kept(tmp_path: Path) -> None:
    body = (
        _p(
            '<hp:t>방범 CCTV <hp:deleteBegin Id="1" TcId="1"/>800대<hp:deleteEnd Id="1" '
            'TcId="1"/><hp:insertBegin Id="2" TcId="2"/>1,250대<hp:insertEnd Id="2" TcId="2"/>'
            "를 연계하였다.</hp:t>"
        )
        # a deletion that starts in one paragraph and ends in the next
        + _p('<hp:t>리빙랩 운영<hp:deleteBegin Id="3" TcId="3"/> 초안 문구<hp:tab/>삭제</hp:t>')
        + _p("<hp:t>지워진 문단</hp:t>", '<hp:t>끝<hp:deleteEnd Id="3" TcId="3"/> 실적 반영</hp:t>')
        # a begin without an end (a damaged file) removes nothing
        + _p('<hp:t>공공와이파이<hp:deleteBegin Id="9" TcId="9"/> 구축 현황</hp:t>')
    )
    text = extract(_hwpx(tmp_path / "변경추적.hwpx", body)).text
    assert "방범 CCTV 1,250대를 연계하였다." in text
    assert "800대" not in text and "초안 문구" not in text and "지워진 문단" not in text
    assert "삭제" not in text and "끝" not in text
    assert "리빙랩 운영" in text and "실적 반영" in text
    assert "공공와이파이 구축 현황" in text


def test_headers_and_footers_are_read_once(tmp_path: Path) -> None:
    """Both sections define the same header (odd and even pages alike) and footer: each text
    appears once, the header before the body, the footer after the section's body; a
    page-number footer of dashes only adds nothing."""
    first = _p(
        _control("header", "가온시 스마트도시 인증 증빙", "ODD"),
        _control("header", "가온시 스마트도시 인증 증빙", "EVEN"),
        _control("footer", "스마트도시과 작성"),
        "<hp:t>본문 첫 문단</hp:t>",
    ) + _p("<hp:t>본문 둘째 문단</hp:t>")
    second = _p(
        _control("header", "가온시 스마트도시 인증 증빙"),
        _control("footer", "- -"),
        "<hp:t>둘째 구역 본문</hp:t>",
    )
    text = extract(_hwpx(tmp_path / "머리말.hwpx", first, second)).text
    assert text.count("가온시 스마트도시 인증 증빙") == 1
    assert text.count("스마트도시과 작성") == 1
    assert text.index("가온시 스마트도시 인증 증빙") < text.index("본문 첫 문단")
    assert text.index("본문 둘째 문단") < text.index("스마트도시과 작성") < text.index("둘째 구역")
    assert "- -" not in text


def test_hwpx_header_written_without_a_control_is_read(tmp_path: Path) -> None:
    header = '<hp:header id="1"><hp:subList><hp:p><hp:run><hp:t>가온시 증빙</hp:t></hp:run></hp:p></hp:subList></hp:header>'
    text = extract(_hwpx(tmp_path / "h.hwpx", _p(header, "<hp:t>본문</hp:t>"))).text
    assert text.splitlines() == ["가온시 증빙", "본문"]


def test_text_box_inside_a_paragraph_keeps_the_words_around_it_apart(tmp_path: Path) -> None:
    """A text box (글상자: ``hp:rect`` with ``hp:drawText``) between two runs of a paragraph:
    its text once, on its own line, and the paragraph's words before and after it not glued."""
    box = (
        '<hp:rect id="1"><hp:drawText><hp:subList>'
        f"{_p('<hp:t>공공와이파이 구축 현황</hp:t>')}"
        "</hp:subList></hp:drawText></hp:rect>"
    )
    body = _p("<hp:t>표 3-1 참조</hp:t>", box, "<hp:t>설치 장소는 아래와 같다</hp:t>") + _p(
        "<hp:t>이하 본문.</hp:t>"
    )
    text = extract(_hwpx(tmp_path / "글상자.hwpx", body)).text
    assert text.count("공공와이파이 구축 현황") == 1
    assert "공공와이파이 구축 현황" in text.splitlines()
    assert "참조설치" not in text
    assert "표 3-1 참조" in text and "설치 장소는 아래와 같다" in text
    assert text.count("설치 장소는") == 1
