"""HWP 5 and HWPX on real files: tables, sections, pages, protection, the HWP/HWPX pair."""

from __future__ import annotations

import difflib
import re
import zipfile
from pathlib import Path

import pytest
from extractor_corpus import corpus_file

from extractors import extract
from extractors.hwp import _salvage_records

_PUA = re.compile("[\ue000-\uf8ff\U000f0000-\U0010ffff]")


@pytest.mark.parametrize(
    ("name", "kind", "needle", "min_chars"),
    [
        ("gov-digital-innovation-plan-2019.hwp", "hwp", "디지털 정부혁신", 15_000),
        ("pyeongtaek-bus-info-system-rfp-2024.hwp", "hwp", "버스정보시스템", 70_000),
        ("pyeongtaek-smartcity-ai-video-rfp-2024.hwp", "hwp", "스마트시티", 40_000),
        ("bonghwa-disaster-mgmt-rfp-2024.hwp", "hwp", "재난통합관리시스템", 50_000),
        ("msit-nuri-press-release-2018.hwp", "hwp", "누리", 1_000),
        ("msit-nuri-press-release-2018.hwpx", "hwpx", "누리", 1_000),
        ("transit-center-data-standard-2023.hwpx", "hwpx", "대중교통환승센터", 5_000),
        ("gangbuk-festival-rfp-2023.hwpx", "hwpx", "음악축제", 15_000),
        ("mcst-press-release-2024.hwpx", "hwpx", "선수촌", 800),
        ("ulsan-namgu-ordinance-notice-2021.hwpx", "hwpx", "입법예고", 1_000),
    ],
)
def test_real_files(name: str, kind: str, needle: str, min_chars: int) -> None:
    result = extract(corpus_file(name))
    assert result.type == kind
    text = result.text
    assert needle in text.replace(" ", "") or needle in text
    assert len(text) >= min_chars
    assert result.metadata["page_estimate"] == "true"
    assert int(result.metadata["page_count"]) == len(result.pages) >= 1
    assert not _PUA.search(text)


def test_tables_are_rows_with_cells_in_order() -> None:
    text = extract(corpus_file("msit-nuri-press-release-2018.hwp")).text
    assert "담당부서 | 거대공공연구정책과" in text
    gov = extract(corpus_file("gov-digital-innovation-plan-2019.hwp")).text
    assert gov.count(" | ") > 100  # 65 tables come out as rows, not placeholders


def test_pua_title_brackets_are_mapped() -> None:
    text = extract(corpus_file("pyeongtaek-smartcity-ai-video-rfp-2024.hwp")).pages[0].text
    assert text.startswith("「평택시 강소형 스마트시티")


def test_uncompressed_hwp_reads() -> None:
    result = extract(corpus_file("bonghwa-disaster-mgmt-rfp-2024.hwp"))
    assert result.metadata["sections"] == "2"
    assert "봉화군" in result.pages[0].text
    assert len(result.pages) >= 54  # the table of contents refers to page 54


def test_page_estimates_follow_the_layout() -> None:
    assert extract(corpus_file("msit-nuri-press-release-2018.hwp")).metadata["page_count"] == "3"
    assert extract(corpus_file("msit-nuri-press-release-2018.hwpx")).metadata["page_count"] == "3"
    assert len(extract(corpus_file("gangbuk-festival-rfp-2023.hwpx")).pages) >= 20


def test_hwp_and_hwpx_pair_agree() -> None:
    hwp = extract(corpus_file("msit-nuri-press-release-2018.hwp"))
    hwpx = extract(corpus_file("msit-nuri-press-release-2018.hwpx"))
    ratio = difflib.SequenceMatcher(None, hwp.text, hwpx.text, autojunk=False).ratio()
    assert ratio > 0.97, ratio
    assert len(hwp.pages) == len(hwpx.pages)


def test_hwpx_without_manifest(tmp_path: Path) -> None:
    source = corpus_file("ulsan-namgu-ordinance-notice-2021.hwpx")
    with zipfile.ZipFile(source) as zf:
        assert "META-INF/manifest.xml" not in zf.namelist()
    result = extract(source)
    assert "울산광역시 남구" in result.text
    assert result.metadata["sections"] == "2"


def test_hwpx_metadata() -> None:
    meta = extract(corpus_file("msit-nuri-press-release-2018.hwpx")).metadata
    assert meta["author"] == "이은지"


@pytest.mark.parametrize(
    "name", ["bonghwa-disaster-mgmt-rfp-2024.hwp", "gov-digital-innovation-plan-2019.hwp"]
)
def test_record_walk_fallback(name: str) -> None:
    """The plain record walk used when python-hwpx fails: compressed and uncompressed."""
    data = corpus_file(name).read_bytes()
    salvaged = _salvage_records(data, "test").text
    converted = extract(corpus_file(name)).text
    words = set(re.findall(r"[\uac00-\ud7a3]{2,}", converted))
    found = set(re.findall(r"[\uac00-\ud7a3]{2,}", salvaged))
    assert len(words & found) / len(words) > 0.95


def test_record_walk_parts_words_around_a_text_box() -> None:
    """HWP 5 PARA_TEXT with a drawing object (extended control 11, a text box) between two
    runs: the words before and after it on lines of their own, not glued."""
    import struct

    from extractors.hwp import _decode_para_text

    def units(text: str) -> list[int]:
        return list(struct.unpack(f"<{len(text)}H", text.encode("utf-16-le")))

    control = [11, *units("osg "), 0, 0, 11]  # 8 units: code, object id, reserved, code
    payload = units("표 3-1 참조") + control + units("설치 장소는 아래와 같다") + [13]
    text = _decode_para_text(struct.pack(f"<{len(payload)}H", *payload))
    assert text.splitlines() == ["표 3-1 참조", "설치 장소는 아래와 같다"]
    table_only = [11, *units(" lbt"), 0, 0, 11, 13]
    assert _decode_para_text(struct.pack(f"<{len(table_only)}H", *table_only)) == "\n"
