"""Plain text and Markdown: encodings Korean files really use, pages."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from extractor_corpus import CORPUS, corpus_file

from extractors import ExtractionError, detect_type, extract
from extractors.text import TOLERATED_MIN_BYTES, TOLERATED_SHARE, decode_text

SAMPLE = "스마트도시 인증 증빙자료\n시민참여 리빙랩 운영 실적: 12회\n"


@pytest.mark.parametrize(
    ("encoding", "name"),
    [
        ("utf-8", "a.txt"),
        ("utf-8-sig", "b.csv"),
        ("cp949", "c.txt"),
        ("euc-kr", "d.md"),
        ("utf-16", "e.txt"),
    ],
)
def test_encodings(encoding: str, name: str, tmp_path: Path) -> None:
    path = tmp_path / name
    path.write_bytes(SAMPLE.encode(encoding))
    result = extract(path)
    assert result.type == "text"
    assert result.pages[0].text == SAMPLE.strip()


def test_form_feed_pages(tmp_path: Path) -> None:
    path = tmp_path / "pages.txt"
    path.write_text("첫 쪽\f둘째 쪽\f셋째 쪽", encoding="utf-8")
    result = extract(path)
    assert [p.text for p in result.pages] == ["첫 쪽", "둘째 쪽", "셋째 쪽"]
    assert "page_estimate" not in result.metadata


def test_long_markdown_is_paged_on_line_boundaries() -> None:
    path = corpus_file("law-personal-information-protection-act.md")
    result = extract(path)
    assert result.metadata["page_estimate"] == "true"
    assert len(result.pages) > 30
    assert all(len(p.text) <= 2 * 1800 for p in result.pages)
    original = path.read_text(encoding="utf-8")
    assert "개인정보" in result.pages[0].text
    assert sum(len(p.text) for p in result.pages) > 0.9 * len(original)


# ---------------------------------------------------------------- forgiving decoding

CASES = CORPUS.parent / "fidelity-cases"
LINES = [
    "스마트도시 통합운영센터 운영 실적 보고",
    "1. 교통정보 연계: 버스정보시스템과 주차정보를 통합하였다.",
    "2. 방범 CCTV 1,250대를 통합운영센터에 연계하였다.",
    "3. 시민참여 리빙랩을 연 4회 운영하였다.",
]


def _case(name: str) -> Path:
    path = CASES / name
    if not path.exists():
        pytest.skip(f"fidelity case {name} is not available")
    return path


def test_utf8_csv_with_one_cp949_symbol_is_read_as_utf8() -> None:
    path = _case("csv_utf8_one_bad_byte.csv")
    data = path.read_bytes()
    assert detect_type(path) == "text"  # never "not a text file"
    result = extract(path)
    assert result.metadata["encoding"] == "utf-8"
    assert result.metadata["decode_errors"] == "1"
    assert "mislabeled" not in result.metadata
    rows = result.text.split("\n")
    raw_rows = data.split(b"\n")
    assert len(rows) == len([r for r in raw_rows if r.strip()]) == 5
    for row, raw in zip(rows, raw_rows, strict=False):
        if row.startswith("SVC-02"):  # the row with the pasted CP949 bytes (a7 b3)
            before, after = raw.split(b"\xa7\xb3")
            assert row == before.decode() + "\ufffd" + after.decode()
        else:
            assert row == raw.decode("utf-8")
    assert result.text.count("\ufffd") == 1


def test_cp949_file_with_one_bad_byte_stays_cp949(tmp_path: Path) -> None:
    good = ("\n".join(LINES) + "\n").encode("cp949")
    cut = good.index("방범".encode("cp949"))  # a character boundary
    path = tmp_path / "실적.txt"
    path.write_bytes(good[:cut] + b"\xff" + good[cut:])
    result = extract(path)
    assert result.metadata["encoding"] == "cp949"
    assert result.metadata["decode_errors"] == "1"
    assert result.pages[0].text.split("\n") == [*LINES[:2], "2. \ufffd" + LINES[2][3:], LINES[3]]


def test_utf8_file_with_stray_latin1_bytes(tmp_path: Path) -> None:
    text = "\n".join(LINES * 40)  # about 10 KB: 0.1 % of it is 10 bytes
    data = text.encode("utf-8")
    # three Latin-1 bytes, each between two characters: "°" (b0), "é" (e9), "±" (b1)
    spots = [data.index(word.encode()) for word in ("연계:", "CCTV", "리빙랩")]
    for spot, byte in sorted(zip(spots, (b"\xb0", b"\xe9", b"\xb1"), strict=True), reverse=True):
        data = data[:spot] + byte + data[spot:]
    decoded = decode_text(data)
    assert (decoded.encoding, decoded.replaced) == ("utf-8", 3)
    assert decoded.text.replace("\ufffd", "") == text
    path = tmp_path / "목록.csv"
    path.write_bytes(data)
    assert detect_type(path) == "text"
    assert extract(path).metadata["decode_errors"] == "3"


def test_forgiving_decoding_stops_at_its_threshold() -> None:
    text = "\n".join(LINES * 40)
    data = text.encode("utf-8")
    budget = max(TOLERATED_MIN_BYTES, int(len(data) * TOLERATED_SHARE))
    at_space = [i for i, byte in enumerate(data) if byte == 0x20]

    def spoiled(n: int) -> bytes:  # n lone continuation bytes, one before each of n spaces
        out = bytearray(data)
        for i in sorted(at_space[:n], reverse=True):
            out[i:i] = b"\x80"
        return bytes(out)

    within = decode_text(spoiled(budget))
    assert (within.encoding, within.replaced) == ("utf-8", budget)
    with pytest.raises(ExtractionError) as info:  # nor does charset-normalizer take it
        decode_text(spoiled(budget + 1))
    assert info.value.code == "corrupt"


def test_short_file_with_one_stray_character_is_forgiven() -> None:
    # the floor: 0.1 % of 60 bytes is no byte at all, yet one pasted symbol is forgiven
    data = "통합운영센터 연계 ".encode() + "㎡".encode("cp949") + " 완료".encode()
    decoded = decode_text(data)
    assert (decoded.encoding, decoded.replaced) == ("utf-8", 1)
    assert decoded.text == "통합운영센터 연계 \ufffd 완료"


def test_latin1_text_is_not_forced_into_utf8() -> None:
    # no well-formed UTF-8 character at all: the bytes are Latin-1, not broken UTF-8
    data = "Résumé of the café's CCTV: 12 caméras.".encode("latin-1")
    decoded = decode_text(data)
    assert decoded.replaced == 0 and "\ufffd" not in decoded.text


def test_binary_without_nul_is_still_refused(tmp_path: Path) -> None:
    rng = random.Random(3)
    path = tmp_path / "자료.csv"
    path.write_bytes(bytes(rng.randrange(1, 256) for _ in range(8192)))
    assert detect_type(path) == "unknown"
    with pytest.raises(ExtractionError) as info:
        extract(path)
    assert info.value.code == "mislabeled"
    with pytest.raises(ExtractionError) as info:
        decode_text(path.read_bytes())
    assert info.value.code == "corrupt"


def test_a_few_pasted_cp949_symbols_in_a_small_utf8_csv_are_replaced_not_refused() -> None:
    """Three CP949 symbols (㎡ ※ ℃, 6 bytes) pasted into a 3.6 KB UTF-8 CSV: 0.17 % of the
    bytes, over the 0.1 % share; the floor of TOLERATED_MIN_BYTES keeps it text."""
    path = Path(__file__).parent.parent / "data" / "csv_utf8_three_cp949_symbols.csv"
    decoded = decode_text(path.read_bytes())
    assert decoded.encoding == "utf-8" and decoded.replaced == 3


UNICODE_TEXT_ROWS = "지표\t값\t비고\n방범 CCTV\t1,250대\t\n공공와이파이\t32만 건\t월 평균\n"


@pytest.mark.parametrize(
    ("name", "data", "encoding"),
    [
        # Excel's "유니코드 텍스트": UTF-16 LE with a BOM, tab-separated, named .txt
        ("실적.txt", UNICODE_TEXT_ROWS.encode("utf-16"), "utf-16"),
        ("실적.tsv", UNICODE_TEXT_ROWS.encode("utf-16-le"), "utf-16-le"),  # no BOM
        ("실적.tsv", UNICODE_TEXT_ROWS.encode("utf-16-be"), "utf-16-be"),
    ],
)
def test_utf16_tab_separated_keeps_its_cells(
    tmp_path: Path, name: str, data: bytes, encoding: str
) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    assert detect_type(path) == "text"
    result = extract(path)
    assert result.metadata["encoding"] == encoding
    assert result.pages[0].text.splitlines() == [
        "지표 | 값 | 비고",
        "방범 CCTV | 1,250대 |",
        "공공와이파이 | 32만 건 | 월 평균",
    ]
    (table,) = result.tables
    assert table.name == "실적" and table.rows[1] == ("방범 CCTV", "1,250대", "")


def test_binary_with_nul_bytes_is_not_taken_for_utf16(tmp_path: Path) -> None:
    path = tmp_path / "data.txt"
    path.write_bytes(bytes(range(256)) * 8)
    with pytest.raises(ExtractionError):
        extract(path)
