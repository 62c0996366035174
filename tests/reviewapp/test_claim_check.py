"""reviewapp.claim_check: a self-evaluation claim against evidence passages, in Korean.

The passages are written the way the submitted documents say things (sentences, spreadsheet
rows as the extractors write them, table units in headers); the last tests run the demo
submission's own claims against its own documents.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reviewapp.claim_check import (
    ClaimCheck,
    Passage,
    check_claim,
    parse_passages,
    words,
)

ROOT = Path(__file__).resolve().parents[2]


def check(claim: str, *texts: str, **kwargs: object) -> ClaimCheck:
    return check_claim(claim, [Passage(i + 1, t) for i, t in enumerate(texts)], **kwargs)  # type: ignore[arg-type]


def pairs(result: ClaimCheck) -> list[tuple[str, str, bool]]:
    return [(f.claim_value.text, f.evidence_value.text, f.agrees) for f in result.findings]


# --------------------------------------------------------------------------- the cases


def test_sensors_installed() -> None:
    text = "시는 IoT 센서를 139개소에 설치하였다."
    result = check("IoT 센서 139개소", text)
    assert result.status == "supported"
    assert pairs(result) == [("139개소", "139개소", True)]
    (finding,) = result.findings
    assert finding.passage_id == 1
    assert text[finding.span[0] : finding.span[1]] == "139개소"
    assert [q.text for q in result.quantities] == ["139개소"]
    assert result.missing == []


def test_ordinance_date_in_another_format() -> None:
    result = check("조례 2020. 3. 15. 제정", "2020년 3월 15일 제정된 조례에 따라 위원회를 둔다.")
    assert result.status == "supported"
    assert pairs(result) == [("2020. 3. 15.", "2020년 3월 15일", True)]


def test_ordinance_date_differs() -> None:
    result = check("조례 2020. 3. 15. 제정", "2020년 5월 1일 제정된 조례에 따라 위원회를 둔다.")
    assert result.status == "contradicted"
    assert pairs(result) == [("2020. 3. 15.", "2020년 5월 1일", False)]


@pytest.mark.parametrize(
    "evidence",
    [
        "사업 예산 1,230,000천원을 편성하였다.",
        "사업 예산 12억 3천만 원을 편성하였다.",
        "사업 예산 1,230,000,000원을 편성하였다.",
        "사업 예산 12.3억원을 편성하였다.",
        "사업 예산 1,230백만원을 편성하였다.",
        "<표 2> 사업비 (단위: 천원)\n구분 | 예산 | 집행\n스마트도시 | 1,230,000 | 1,100,000",
        "(단위: 백만원)\n사업명 | 예산\n스마트 교차로 | 1,230",
        "구분 | 예산(억원)\n스마트 교차로 | 12.3",
    ],
)
def test_budget_in_table_units(evidence: str) -> None:
    assert check("예산 12억 3천만 원", evidence).status == "supported"


def test_budget_scale_matters() -> None:
    result = check("예산 12억 3천만 원", "사업 예산 1,230,000원을 편성하였다.")
    assert result.status == "contradicted"
    assert pairs(result) == [("12억 3천만 원", "1,230,000원", False)]


def test_a_bare_number_supports_but_never_contradicts() -> None:
    assert check("예산 12억 3천만 원", "예산 1,230,000 편성").status == "weak"
    assert check("예산 1,230,000원", "예산 1,230,000 편성").status == "supported"


@pytest.mark.parametrize(
    ("evidence", "status"),
    [
        ("공무원 교육 이수율은 31.6%였다.", "supported"),
        ("공무원 교육 이수율은 31.55%였다.", "supported"),
        ("공무원 교육 이수율은 31.64%였다.", "supported"),
        ("공무원 교육 이수율은 31.7%였다.", "contradicted"),
        ("공무원 교육 이수율은 29.8%였다.", "contradicted"),
        ("공무원 교육 이수율은 31.6퍼센트였다.", "supported"),
        ("공무원 교육 이수율은 전년 대비 31.6%p 상승하였다.", "weak"),  # %p is not %
        ("공무원 교육 만족도는 29.8%였다.", "no_evidence"),  # another thing
    ],
)
def test_completion_rate(evidence: str, status: str) -> None:
    assert check("이수율 31.6%", evidence).status == status


def test_sensors_contradicted_side_by_side() -> None:
    result = check("IoT 센서 600개소 설치", "IoT 센서를 500개소에 설치하였다.")
    assert result.status == "contradicted"
    (finding,) = result.findings
    assert (finding.claim_value.value, finding.evidence_value.value, finding.agrees) == (
        600,
        500,
        False,
    )


def test_another_year_is_not_a_contradiction() -> None:
    row_2021 = "2021년 IoT 센서 500개소 설치"
    row_2025 = "2025년 IoT 센서 600개소 설치 완료"
    assert check("2025년 IoT 센서 600개소 설치", row_2021).status == "weak"
    result = check("2025년 IoT 센서 600개소 설치", row_2021, row_2025)
    assert result.status == "supported"
    assert [f.passage_id for f in result.findings] == [2]
    assert check("2025년 IoT 센서 600개소 설치", "2025년 IoT 센서 500개소 설치").status == (
        "contradicted"
    )


def test_claim_period_given_by_the_caller() -> None:
    claim = "IoT 센서 600개소 설치"
    assert check(claim, "2021년 IoT 센서 500개소 설치", claim_period="2025").status == "weak"
    assert check(claim, "2025년 IoT 센서 500개소 설치", claim_period="2025년").status == (
        "contradicted"
    )
    assert check(claim, "2025년 IoT 센서 600개소 설치", claim_period="FY2025").status == (
        "supported"
    )
    # a period only one side names can support, never contradict
    assert check(claim, "IoT 센서 500개소 설치", claim_period="2025").status == "weak"
    with pytest.raises(ValueError):
        check(claim, "IoT 센서 600개소", claim_period="올해")


def test_same_counter_other_thing() -> None:
    result = check("CCTV 1,250대 설치", "스마트 가로등 1,250대를 교체하였다.")
    assert result.findings == []
    assert result.status == "no_evidence"
    result = check("CCTV 1,250대 설치", "CCTV 설치 현황과 스마트 가로등 1,000대 교체 실적")
    assert result.findings == [] and result.status == "weak"


def test_the_best_matching_value_of_a_passage() -> None:
    text = (
        "사물인터넷(IoT) 센서는 총 3,450개로, 대기질 센서 620개, 수위 센서 140개, "
        "주차 센서 1,380개가 데이터를 전송한다."
    )
    result = check("IoT 센서 3,450개(대기질·수위·주차)", text)
    assert result.status == "supported"
    assert pairs(result) == [("3,450개", "3,450개", True)]
    # a passage with only another kind of sensor does not contradict
    assert check("IoT 센서 3,450개", "수위 센서 140개를 하천에 설치").status == "weak"


def test_several_values_of_one_claim() -> None:
    text = (
        "2025년 12월 기준 통합관제 대상 CCTV는 4,850대(방범 3,920대, 교통 410대)이다. "
        "이 중 지능형 CCTV 선별관제가 적용된 카메라는 3,010대로 선별관제 비율은 62.1%이다."
    )
    result = check("CCTV 4,850대 중 선별관제 3,010대(62.1%)", text)
    assert result.status == "supported"
    assert pairs(result) == [
        ("4,850대", "4,850대", True),
        ("3,010대", "3,010대", True),
        ("62.1%", "62.1%", True),
    ]
    half = check("CCTV 4,850대 중 선별관제 3,010대(62.1%)", text.split(". ")[0])
    assert half.status == "weak"
    assert [v.text for v in half.missing] == ["3,010대", "62.1%"]


@pytest.mark.parametrize(
    ("claim", "evidence", "status"),
    [
        ("시민 교육 약 30명 수료", "시민 교육 수료 인원은 32명이다.", "supported"),
        ("시민 교육 약 30명 수료", "시민 교육 수료 인원은 40명이다.", "contradicted"),
        ("시민 교육 30여 명 수료", "시민 교육 수료 인원은 38명이다.", "supported"),
        ("시민 교육 30여 명 수료", "시민 교육 수료 인원은 41명이다.", "contradicted"),
        ("시민 교육 100명 이상 수료", "시민 교육 수료 인원은 120명이다.", "supported"),
        ("시민 교육 100명 이상 수료", "시민 교육 수료 인원은 80명이다.", "contradicted"),
        ("시민 교육 100명 미만", "시민 교육 수료 인원은 100명이다.", "contradicted"),
        ("사업비 2천5백만원", "사업비는 25,000,000원이다.", "supported"),
        ("사업비 12억 원", "사업비 1,200,000천원", "supported"),
        ("예산 31.2억원", "예산 3,120백만원", "supported"),
        ("예산 31.2억원", "예산 3,210백만원", "contradicted"),
        ("전담인력 31명", "전담인력은 삼십일 명이다.", "supported"),
        ("협의체 2곳 운영", "협의체를 두 곳 운영한다.", "supported"),
        ("거점 12곳", "거점 12개소를 지정하였다.", "supported"),
        ("광케이블 486km", "광케이블 486,000m를 포설하였다.", "supported"),
        ("광케이블 486km", "광케이블 ４８６㎞를 포설하였다.", "supported"),
        ("광케이블 486km", "광케이블 468km를 포설하였다.", "contradicted"),
        ("위원회 연 4회 개최", "위원회는 연 4회 개최한다.", "supported"),
        ("위원회 연 4회 개최", "위원회는 연 2회 개최한다.", "contradicted"),
        ("인구 1,020,000명", "인구는 102만 명이다.", "supported"),
        ("인구 1,020,000명", "인구는 약 100만 명이다.", "supported"),
        ("총사업비 1,842억원", "총사업비 1,842억원 중 국비 412억원", "supported"),
        ("국비 412억원", "총사업비 1,842억원 중 국비 412억원", "supported"),
        ("국비 400억원", "총사업비 1,842억원 중 국비 412억원", "contradicted"),
        (
            "ISMS 인증(2024. 6.)",
            "2024년 6월 정보보호 관리체계(ISMS) 인증을 취득하였다.",
            "supported",
        ),
        (
            "ISMS 인증(2024. 6.)",
            "2023년 6월 정보보호 관리체계(ISMS) 인증을 취득하였다.",
            "contradicted",
        ),
        ("2024년 상반기 교육 120명", "2024년 4월 교육 120명 수료", "supported"),
        ("2024년 상반기 교육 120명", "2024년 하반기 교육 90명 수료", "weak"),
    ],
)
def test_realistic_claims(claim: str, evidence: str, status: str) -> None:
    assert check(claim, evidence).status == status


def test_a_rule_about_a_figure_is_not_evidence_of_it() -> None:
    result = check("위원 13명", "위원회는 위원장 1명을 포함한 20명 이내의 위원으로 구성한다.")
    assert result.findings == []


def test_a_denominator_is_not_a_value() -> None:
    result = check("시민 교육 수료 3,912명(인구 1만 명당 38.4명)", "인구는 1,020,000명이다.")
    assert [q.text for q in result.quantities] == ["3,912명", "38.4명"]
    assert result.status != "contradicted"


# --------------------------------------------------------------------------- spreadsheets

CCTV_SHEET = (
    "# 시트: CCTV 현황\n"
    "구분 | 2021 | 2022 | 2023 | 2024 | 2025\n"
    "CCTV 통합관제(대) | 3,980 | 4,210 | 4,460 | 4,690 | 4,850\n"
    "선별관제 비율(%) | 15.6 | 29.5 | 44.4 | 54.6 | 62.1"
)
EDUCATION_SHEET = (
    "# 시트: 교육 실적\n"
    "연도 | 시민 교육 수료(명) | 공무원 교육 이수(명) | 공무원 이수율(%)\n"
    "2023 | 2610 | 1120 | 20.4\n"
    "2024 | 3240 | 1490 | 27.0\n"
    "2025 | 3912 | 1760 | 31.6"
)


@pytest.mark.parametrize(
    ("claim", "status", "value"),
    [
        ("2025년 선별관제 비율 62.1%", "supported", "62.1"),
        ("2023년 선별관제 비율 44.4%", "supported", "44.4"),
        ("2025년 선별관제 비율 60%", "contradicted", "62.1"),
        ("선별관제 비율 62.1%", "supported", "62.1"),
        ("선별관제 비율 60%", "weak", None),  # no year on the claim: the rows cannot contradict
        ("2025년 CCTV 4,850대", "supported", "4,850"),
        ("2025년 CCTV 5,000대", "contradicted", "4,850"),
    ],
)
def test_a_sheet_with_years_as_columns(claim: str, status: str, value: str | None) -> None:
    result = check(claim, CCTV_SHEET)
    assert result.status == status
    if value is not None:
        assert {f.evidence_value.text for f in result.findings} == {value}


@pytest.mark.parametrize(
    ("claim", "status"),
    [
        ("2025년 공무원 스마트도시·데이터 교육 이수율 31.6%", "supported"),
        ("2025년 공무원 교육 이수율 12.4%", "contradicted"),
        ("2024년 공무원 교육 이수율 27%", "supported"),
        ("2025년 시민 교육 수료 3,912명", "supported"),
        ("2025년 시민 교육 수료 4,000명", "contradicted"),
    ],
)
def test_a_sheet_with_years_as_rows(claim: str, status: str) -> None:
    assert check(claim, EDUCATION_SHEET).status == status


def test_sheet_cell_span_points_at_the_cell() -> None:
    result = check("2025년 공무원 이수율 31.6%", EDUCATION_SHEET)
    (finding,) = result.findings
    assert EDUCATION_SHEET[finding.span[0] : finding.span[1]] == "31.6"
    assert finding.evidence_value.unit == "%"


# --------------------------------------------------------------------------- no values, kinds


def test_claims_without_values_go_by_relevance() -> None:
    evidence = "「한빛시 스마트도시 조성 및 운영 조례」는 2019년 5월 20일 제정되었다."
    assert check("스마트도시 조성 및 운영 조례 제정", evidence).status == "supported"
    assert check("스마트도시 조성 조례 및 시민참여 규정 운영", evidence).status == "weak"
    assert check("스마트도시 조성 및 운영 조례 제정", "도시 교통 계획").status == "no_evidence"
    # a single key word is never enough to support
    assert check("조례 제정", "조례를 제정하였다.").status == "supported"
    assert check("조례 제정", "조례").status == "weak"
    assert check("조례", "조례").status == "weak"


def test_self_evaluation_is_not_evidence() -> None:
    claim = "IoT 센서 139개소 설치"
    passages = [Passage(7, claim, kind="self_evaluation"), Passage(8, claim, kind="reference")]
    result = check_claim(claim, passages)
    assert result.status == "no_evidence" and result.findings == [] and result.relevant == []


def test_parsed_passages_are_reused() -> None:
    passages = [
        Passage(11, "IoT 센서를 139개소에 설치하였다.", document="plan.pdf", page=3),
        Passage(12, "공무원 교육 이수율은 31.6%였다.", document="data.xlsx", page=1),
    ]
    parsed = parse_passages(passages)
    first = check_claim("IoT 센서 139개소", parsed=parsed)
    second = check_claim("이수율 31.6%", (), parsed=parsed)
    assert (first.status, second.status) == ("supported", "supported")
    assert [(f.passage_id, f.document, f.page) for f in first.findings] == [(11, "plan.pdf", 3)]
    assert [(f.passage_id, f.document, f.page) for f in second.findings] == [(12, "data.xlsx", 1)]
    assert first.relevant == [11]


def test_relevant_passages_most_key_words_first() -> None:
    result = check(
        "스마트 가로등 원격 제어 운영",
        "가로등 교체",
        "스마트 가로등 원격 제어 시스템을 운영한다.",
        "교통 정보",
    )
    assert result.key_terms == ("스마트", "가로등", "원격", "제어", "운영")
    assert result.relevant == [2]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("IoT 센서를 모두 설치하였다", ["iot", "센서", "모두", "설치"]),
        ("2020년 3월 15일 제정된 조례에 따라", ["제정", "조례"]),
        ("공무원 교육 이수율은 31.6%였다", ["공무원", "교육", "이수율"]),
        ("평가를 위한 마을과 도시에", ["평가", "마을", "도시"]),
        ("스마트도시·데이터", ["스마트도시", "데이터"]),
    ],
)
def test_words(text: str, expected: list[str]) -> None:
    assert words(text) == expected


# --------------------------------------------------------------------------- properties


def comma(n: int) -> str:
    return f"{n:,}"


def korean(n: int) -> str:
    """12,345 -> 1만 2,345; 300 -> 300."""
    high, low = divmod(n, 10000)
    if not high:
        return f"{low:,}"
    return f"{high:,}만" + (f" {low:,}" if low else "")


@settings(max_examples=150, deadline=None)
@given(
    st.integers(min_value=1, max_value=99_999_999),
    st.integers(min_value=1, max_value=99_999_999),
    st.sampled_from([comma, korean, str]),
    st.sampled_from([comma, korean, str]),
)
def test_same_count_any_format(n: int, m: int, claim_style, evidence_style) -> None:  # type: ignore[no-untyped-def]
    claim = f"스마트 가로등 {claim_style(n)}개소 설치"
    same = f"스마트 가로등을 {evidence_style(n)}개소에 설치하였다."
    other = f"스마트 가로등을 {evidence_style(m)}개소에 설치하였다."
    assert check(claim, same).status == "supported"
    assert check(claim, other).status == ("supported" if m == n else "contradicted")


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=0, max_value=1000), st.integers(min_value=-3, max_value=3))
def test_percent_within_the_claims_precision(tenths: int, delta_hundredths: int) -> None:
    claimed = tenths / 10
    evidence = round(claimed + delta_hundredths / 100, 2)
    result = check(f"이수율 {claimed:.1f}%", f"이수율은 {evidence:.2f}%였다.")
    # 31.6 % stands for [31.55, 31.65): two decimals within it agree
    inside = abs(delta_hundredths) < 5 or delta_hundredths == -5
    assert result.status == ("supported" if inside else "contradicted")


# --------------------------------------------------------------------------- the demo submission


def demo_passages(city: str) -> list[Passage]:
    from extractors import extract
    from reviewapp.services.chunking import chunk_page

    passages = []
    for path in sorted((ROOT / "demo" / "documents" / city).iterdir()):
        if "self-evaluation" in path.name:
            continue
        for page in extract(path, ocr=False).pages:
            for chunk in chunk_page(page.number, page.text):
                passages.append(Passage(len(passages) + 1, chunk.text, path.name, page.number))
    return passages


@pytest.fixture(scope="module")
def demo() -> dict[str, tuple]:
    sys.path.insert(0, str(ROOT / "demo"))
    try:
        import generate
    finally:
        sys.path.remove(str(ROOT / "demo"))
    return {
        "hanbit": (parse_passages(demo_passages("hanbit")), generate.HANBIT_CLAIMS),
        "solnae": (parse_passages(demo_passages("solnae")), generate.SOLNAE_CLAIMS),
    }


@pytest.mark.parametrize("city", ["hanbit", "solnae"])
@pytest.mark.parametrize("period", [None, "2025"])
def test_demo_claims_are_never_contradicted_by_their_own_documents(demo, city, period) -> None:  # type: ignore[no-untyped-def]
    parsed, claims = demo[city]
    statuses = {
        code: check_claim(text, parsed=parsed, claim_period=period).status
        for code, _, text, _, _ in claims
    }
    assert "contradicted" not in statuses.values(), statuses
    supported = sum(status == "supported" for status in statuses.values())
    assert supported >= len(claims) * 2 // 3, statuses


def test_demo_claims_changed_are_contradicted(demo) -> None:  # type: ignore[no-untyped-def]
    parsed, _ = demo["hanbit"]
    for claim, period in (
        ("2025년 공무원 스마트도시·데이터 교육 이수율 35.2%", None),
        ("CCTV 5,100대 중 선별관제 3,010대(62.1%)", "2025"),
        # the table's year is in its header, far from the row: only an undated claim
        ("BIS 1,120개소, 스마트 교차로 68개소, 통행시간 11.4% 단축", None),
        ("2025년 스마트도시 예산 321억원, 일반회계 대비 1.10%", None),
        ("디지털 배움터 21개소 운영, 고령자 키오스크 교육 2,140명", None),
        ("스마트도시 조성 및 운영 조례 2020년 제정", None),
    ):
        result = check_claim(claim, parsed=parsed, claim_period=period)
        assert result.status == "contradicted", claim
