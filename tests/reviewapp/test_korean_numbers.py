"""reviewapp.korean_numbers: numbers, amounts, counts and dates in Korean text.

Every expected value is written by hand; the round-trip tests format random numbers in the
styles Korean documents use and read them back.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from reviewapp.korean_numbers import (
    DateMention,
    Quantity,
    convert,
    dates_agree,
    find_dates,
    find_quantities,
    find_unit_header,
    parse_number,
    parse_period,
    parse_scale,
    period_contains,
    scan,
    values_agree,
)

D = Decimal


def one(text: str, *, scale: str | None = None) -> Quantity:
    found = find_quantities(text, scale=scale)
    assert len(found) == 1, [q.text for q in found]
    return found[0]


def brief(q: Quantity) -> tuple:
    """(text, value, high, unit, kind, precision, qualifier) with numbers as plain strings."""
    return (
        q.text,
        f"{q.value:f}",
        None if q.high is None else f"{q.high:f}",
        q.unit,
        q.kind,
        f"{q.precision:f}",
        q.qualifier,
    )


# --------------------------------------------------------------------------- numbers

NUMBERS = [
    ("0", "0"),
    ("7", "7"),
    ("1200", "1200"),
    ("1,200", "1200"),
    ("1,234,567", "1234567"),
    ("3.15", "3.15"),
    ("0.5", "0.5"),
    ("1,234.56", "1234.56"),
    ("１，２００", "1200"),  # full-width
    ("３．５", "3.5"),
    ("12억", "1200000000"),
    ("12억 3천만", "1230000000"),
    ("12억3천만", "1230000000"),
    ("3만 5천", "35000"),
    ("3만5천", "35000"),
    ("1.2조", "1200000000000"),
    ("1조 2억", "1000200000000"),
    ("2조 8,460억", "2846000000000"),
    ("천", "1000"),
    ("십이만", "120000"),
    ("2천5백만", "25000000"),
    ("1억2,000만", "120000000"),
    ("1억 2,000만", "120000000"),
    ("1,230,000천", "1230000000"),
    ("3천500만", "35000000"),
    ("3천500", "3500"),
    ("1억2000", "100002000"),
    ("5백", "500"),
    ("백만", "1000000"),
    ("천만", "10000000"),
    ("1천만", "10000000"),
    ("삼만", "30000"),
    ("일만", "10000"),
    ("만", "10000"),
    ("이십만", "200000"),
    ("이천오백", "2500"),
    ("삼만 오천", "35000"),
    ("일억 이천만", "120000000"),
    ("오조", "5000000000000"),
    ("이백삼십사억 오천육백칠십팔만 구천십이", "23456789012"),
    ("백이십삼", "123"),
    ("구십구", "99"),
    ("31.2억", "3120000000"),
    ("0.5억", "50000000"),
    ("1.5천", "1500"),
    ("412,000", "412000"),
    ("10만", "100000"),
    ("100만", "1000000"),
    ("1,000만", "10000000"),
    ("-3.2", "-3.2"),
    ("+7", "7"),
    ("  12억  ", "1200000000"),
    ("9999조 9999억 9999만 9999", "9999999999999999"),
    ("1억 2,345만 6,789", "123456789"),
    ("3만 5", "30005"),
]


@pytest.mark.parametrize(("text", "expected"), NUMBERS)
def test_parse_number(text: str, expected: str) -> None:
    assert parse_number(text) == D(expected)


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "일",
        "이",
        "억원",
        "12억 원",
        "1, 200",
        "1.2.3",
        "abc",
        "12명",
        "12억 이",  # 이 after a big unit is a particle
        "5억 10억",
        "-",
    ],
)
def test_parse_number_refuses(text: str) -> None:
    with pytest.raises(ValueError):
        parse_number(text)


# --------------------------------------------------------------------------- quantities

QUANTITIES = [
    # amounts
    ("12억 3천만 원", ("12억 3천만 원", "1230000000", None, "원", "amount", "5000000", None)),
    (
        "예산 12억 3천만 원을 확보",
        ("12억 3천만 원", "1230000000", None, "원", "amount", "5000000", None),
    ),
    ("2천5백만원", ("2천5백만원", "25000000", None, "원", "amount", "500000", None)),
    ("1억2,000만원", ("1억2,000만원", "120000000", None, "원", "amount", "5000", None)),
    ("1,230,000천원", ("1,230,000천원", "1230000000", None, "원", "amount", "500", None)),
    ("1,842억원", ("1,842억원", "184200000000", None, "원", "amount", "50000000", None)),
    ("31.2억원", ("31.2억원", "3120000000", None, "원", "amount", "5000000", None)),
    ("십이만 원", ("십이만 원", "120000", None, "원", "amount", "5000", None)),
    ("만 원", ("만 원", "10000", None, "원", "amount", "5000", None)),
    ("5,000원", ("5,000원", "5000", None, "원", "amount", "0.5", None)),
    ("5,000 원", ("5,000 원", "5000", None, "원", "amount", "0.5", None)),
    ("2조 8,460억원", ("2조 8,460억원", "2846000000000", None, "원", "amount", "50000000", None)),
    ("2조 원", ("2조 원", "2000000000000", None, "원", "amount", "500000000000", None)),
    ("₩1,000", ("₩1,000", "1000", None, "원", "amount", "0.5", None)),
    ("$300", ("$300", "300", None, "달러", "amount", "0.5", None)),
    ("300달러", ("300달러", "300", None, "달러", "amount", "0.5", None)),
    ("1억원이 소요", ("1억원", "100000000", None, "원", "amount", "50000000", None)),
    # plain numbers with Korean place words
    ("1.2조", ("1.2조", "1200000000000", None, "", "plain", "50000000000", None)),
    ("1조 2억", ("1조 2억", "1000200000000", None, "", "plain", "50000000", None)),
    ("3만 5천", ("3만 5천", "35000", None, "", "plain", "500", None)),
    ("12억이 소요", ("12억", "1200000000", None, "", "plain", "50000000", None)),
    ("1,200", ("1,200", "1200", None, "", "plain", "0.5", None)),
    ("3.15", ("3.15", "3.15", None, "", "plain", "0.005", None)),
    ("합계는 318이다", ("318", "318", None, "", "plain", "0.5", None)),
    # percents and points
    ("31.6%", ("31.6%", "31.6", None, "%", "percent", "0.05", None)),
    ("이수율 31.6 %", ("31.6 %", "31.6", None, "%", "percent", "0.05", None)),
    ("1.10%", ("1.10%", "1.1", None, "%", "percent", "0.005", None)),
    ("３１．６％", ("３１．６％", "31.6", None, "%", "percent", "0.05", None)),
    ("30퍼센트", ("30퍼센트", "30", None, "%", "percent", "0.5", None)),
    ("30 퍼센트", ("30 퍼센트", "30", None, "%", "percent", "0.5", None)),
    ("20프로", ("20프로", "20", None, "%", "percent", "0.5", None)),
    ("3.2%p", ("3.2%p", "3.2", None, "%p", "percent_point", "0.05", None)),
    ("0.5%p", ("0.5%p", "0.5", None, "%p", "percent_point", "0.05", None)),
    ("3.2%P 상승", ("3.2%P", "3.2", None, "%p", "percent_point", "0.05", None)),
    ("3.2%포인트", ("3.2%포인트", "3.2", None, "%p", "percent_point", "0.05", None)),
    ("3.2퍼센트포인트", ("3.2퍼센트포인트", "3.2", None, "%p", "percent_point", "0.05", None)),
    ("3.2포인트 상승", ("3.2포인트", "3.2", None, "%p", "percent_point", "0.05", None)),
    ("12%p 개선", ("12%p", "12", None, "%p", "percent_point", "0.5", None)),
    ("전년 대비 -3.2%p", ("-3.2%p", "-3.2", None, "%p", "percent_point", "0.05", None)),
    ("△3.2%", ("△3.2%", "-3.2", None, "%", "percent", "0.05", None)),
    # counts
    ("139개소", ("139개소", "139", None, "개소", "count", "0.5", None)),
    ("IoT 센서를 139개소에 설치", ("139개소", "139", None, "개소", "count", "0.5", None)),
    ("139 개소", ("139 개소", "139", None, "개소", "count", "0.5", None)),
    ("천 명", ("천 명", "1000", None, "명", "count", "500", None)),
    ("1천 명", ("1천 명", "1000", None, "명", "count", "500", None)),
    ("1,000명", ("1,000명", "1000", None, "명", "count", "0.5", None)),
    ("만 명", ("만 명", "10000", None, "명", "count", "5000", None)),
    ("1만 명당", ("1만 명당", "10000", None, "명", "count", "5000", None)),
    ("CCTV 1,250대", ("1,250대", "1250", None, "대", "count", "0.5", None)),
    ("3,010대로", ("3,010대", "3010", None, "대", "count", "0.5", None)),
    ("47건", ("47건", "47", None, "건", "count", "0.5", None)),
    ("연 4회", ("4회", "4", None, "회", "count", "0.5", None)),
    ("12곳", ("12곳", "12", None, "곳", "count", "0.5", None)),
    ("27종", ("27종", "27", None, "종", "count", "0.5", None)),
    ("3식", ("3식", "3", None, "식", "count", "0.5", None)),
    ("420가구", ("420가구", "420", None, "가구", "count", "0.5", None)),
    ("11,820점", ("11,820점", "11820", None, "점", "count", "0.5", None)),
    ("83.6점", ("83.6점", "83.6", None, "점", "count", "0.05", None)),
    ("12개 기관", ("12개 기관", "12", None, "기관", "count", "0.5", None)),
    ("8개 분야", ("8개 분야", "8", None, "분야", "count", "0.5", None)),
    ("3인", ("3인", "3", None, "인", "count", "0.5", None)),
    ("두 곳", ("두 곳", "2", None, "곳", "count", "0.5", None)),
    ("열두 명", ("열두 명", "12", None, "명", "count", "0.5", None)),
    ("세 번", ("세 번", "3", None, "번", "count", "0.5", None)),
    ("2,300가구", ("2,300가구", "2300", None, "가구", "count", "0.5", None)),
    ("2개 구로 확대", ("2개", "2", None, "개", "count", "0.5", None)),
    # measures, canonical units
    ("5km", ("5km", "5", None, "km", "measure", "0.5", None)),
    ("5㎞", ("5㎞", "5", None, "km", "measure", "0.5", None)),
    ("486km로", ("486km", "486", None, "km", "measure", "0.5", None)),
    ("412.6㎢", ("412.6㎢", "412.6", None, "km²", "measure", "0.05", None)),
    ("412.6km²", ("412.6km²", "412.6", None, "km²", "measure", "0.05", None)),
    ("2,140㎡", ("2,140㎡", "2140", None, "m²", "measure", "0.5", None)),
    ("2,140m2", ("2,140m2", "2140", None, "m²", "measure", "0.5", None)),
    ("2,140 제곱미터", ("2,140 제곱미터", "2140", None, "m²", "measure", "0.5", None)),
    ("300m 구간", ("300m", "300", None, "m", "measure", "0.5", None)),
    ("5킬로미터", ("5킬로미터", "5", None, "km", "measure", "0.5", None)),
    ("10GB", ("10GB", "10", None, "GB", "measure", "0.5", None)),
    ("1.5TB", ("1.5TB", "1.5", None, "TB", "measure", "0.05", None)),
    ("100Mbps", ("100Mbps", "100", None, "Mbps", "measure", "0.5", None)),
    ("3톤", ("3톤", "3", None, "t", "measure", "0.5", None)),
    ("24시간", ("24시간", "24", None, "시간", "measure", "0.5", None)),
    ("6개월", ("6개월", "6", None, "개월", "measure", "0.5", None)),
    ("3년간", ("3년간", "3", None, "년", "measure", "0.5", None)),
    ("30일 이내", ("30일 이내", "30", None, "일", "measure", "0.5", "at_most")),
    ("120kWh", ("120kWh", "120", None, "kWh", "measure", "0.5", None)),
    # ranges
    ("7~9건", ("7~9건", "7", "9", "건", "count", "0.5", None)),
    ("7-9건", ("7-9건", "7", "9", "건", "count", "0.5", None)),
    ("7건~9건", ("7건~9건", "7", "9", "건", "count", "0.5", None)),
    ("7 ~ 9건", ("7 ~ 9건", "7", "9", "건", "count", "0.5", None)),
    ("7∼9건", ("7∼9건", "7", "9", "건", "count", "0.5", None)),
    ("30~40%", ("30~40%", "30", "40", "%", "percent", "0.5", None)),
    ("5~10만 원", ("5~10만 원", "50000", "100000", "원", "amount", "5000", None)),
    ("3~5억 원", ("3~5억 원", "300000000", "500000000", "원", "amount", "50000000", None)),
    ("1.5~2.25%", ("1.5~2.25%", "1.5", "2.25", "%", "percent", "0.05", None)),
    ("7~9", ("7~9", "7", "9", "", "plain", "0.5", None)),
    # qualifiers
    ("약 30명", ("약 30명", "30", None, "명", "count", "0.5", "approx")),
    ("약30명", ("약30명", "30", None, "명", "count", "0.5", "approx")),
    ("30여 건", ("30여 건", "30", None, "건", "count", "0.5", "approx")),
    ("30여건", ("30여건", "30", None, "건", "count", "0.5", "approx")),
    ("약 30여 명", ("약 30여 명", "30", None, "명", "count", "0.5", "approx")),
    ("1년여", ("1년여", "1", None, "년", "measure", "0.5", "approx")),
    ("100명 이상", ("100명 이상", "100", None, "명", "count", "0.5", "at_least")),
    ("100명이상", ("100명이상", "100", None, "명", "count", "0.5", "at_least")),
    ("100명 초과", ("100명 초과", "100", None, "명", "count", "0.5", "more_than")),
    ("100명 이하", ("100명 이하", "100", None, "명", "count", "0.5", "at_most")),
    ("100명 미만", ("100명 미만", "100", None, "명", "count", "0.5", "less_than")),
    ("100명 내외", ("100명 내외", "100", None, "명", "count", "0.5", "approx")),
    ("100명 가량", ("100명 가량", "100", None, "명", "count", "0.5", "approx")),
    ("100명가량", ("100명가량", "100", None, "명", "count", "0.5", "approx")),
    ("100명 정도", ("100명 정도", "100", None, "명", "count", "0.5", "approx")),
    ("100명 남짓", ("100명 남짓", "100", None, "명", "count", "0.5", "approx")),
    ("최소 100명", ("최소 100명", "100", None, "명", "count", "0.5", "at_least")),
    ("최대 100명", ("최대 100명", "100", None, "명", "count", "0.5", "at_most")),
    ("약 100명 이상", ("약 100명 이상", "100", None, "명", "count", "0.5", "at_least")),
    ("30초과", ("30초과", "30", None, "", "plain", "0.5", "more_than")),
    ("3 이상", ("3 이상", "3", None, "", "plain", "0.5", "at_least")),
    # table units given by the caller
    ("1,230", ("1,230", "1230000000", None, "원", "amount", "500000", None), "백만원"),
    ("1,230,000", ("1,230,000", "1230000000", None, "원", "amount", "500", None), "천원"),
    ("12.3", ("12.3", "1230000000", None, "원", "amount", "5000000", None), "억원"),
    ("31.6", ("31.6", "31.6", None, "%", "percent", "0.05", None), "%"),
    ("139", ("139", "139", None, "개소", "count", "0.5", None), "개소"),
    ("139개", ("139개", "139", None, "개", "count", "0.5", None), "개소"),  # its own unit wins
    ("5,000원", ("5,000원", "5000", None, "원", "amount", "0.5", None), "백만원"),
]


@pytest.mark.parametrize("case", QUANTITIES, ids=[c[0] for c in QUANTITIES])
def test_quantity(case: tuple) -> None:
    text, expected, *scale = case
    assert brief(one(text, scale=scale[0] if scale else None)) == expected


MANY = [
    ("1, 200", ["1", "200"]),
    ("1,20", ["1", "20"]),
    ("국비 412, 도비 138, 시비 1,107", ["412", "138", "1107"]),
    ("CCTV 4,850대 중 선별관제 3,010대(62.1%)", ["4850", "3010", "62.1"]),
    ("365일 24시간, 4조 3교대", ["365", "24", "4", "3"]),
    ("4분 12초→2분 48초", ["4", "12", "2", "48"]),
    ("민간위원 13/20명", ["13", "20"]),
    ("현원 4/5명", ["4", "5"]),
    ("100점 만점에 83.6점", ["100", "83.6"]),
    ("인구 1만 명당 38.4명", ["10000", "38.4"]),
    ("파일 241, 오픈API 77", ["241", "77"]),
    ("12,346천원 [12345678]", ["12346000", "12345678"]),
    ("85% [85.34%]", ["85", "85.34"]),
    ("±2.8%p, 95% 신뢰수준", ["2.8", "95"]),
]


@pytest.mark.parametrize(("text", "values"), MANY)
def test_several_quantities(text: str, values: list[str]) -> None:
    assert [f"{q.value:f}" for q in find_quantities(text)] == values


NOT_QUANTITIES = [
    "02-123-4567",
    "전화 02-123-4567로 문의",
    "010-1234-5678",
    "(02)123-4567",
    "1588-1234",
    "031.123.4567",
    "제2024-15호",
    "제3조",
    "조례 제12조(시민참여)",
    "제1차 계획",
    "제 2 회",
    "3조 2항",
    "3조의2 제1항",
    "2024-15호",
    "1-2-3",
    "123-45-67890",
    "표 3-2 참조",
    "1.2.3절",
    "14:30",
    "09:00~18:00",
    "No. 12",
    "#12",
    "https://example.go.kr/2024/03/15",
    "smart2024@city.go.kr",
    "5G 기지국",
    "3D 지도",
    "v2.0",
    "COVID-19",
    "LTE4",
    "CCTV1,250",
    "1인가구",
    "H264 코덱",
    "2단계 인증",
    "1호선",
    "9시 정각",
    "4층",
    "2번째",
    "수천 명",
    "수백억 원",
    "이천시",
    "사천 시내",
    "만점",
    "만원 버스",
    "천명하였다",
    "일을 한다",
    "이 사업은",
    "1. 개요",
    "  2) 추진 경과",
    "(1) 목적",
    "3원칙",
    "2025년",
    "2024. 3. 15.",
    "'24.3월",
    "3.15.",
]


@pytest.mark.parametrize("text", NOT_QUANTITIES)
def test_not_a_quantity(text: str) -> None:
    assert find_quantities(text) == []


def test_spans_point_at_the_text_as_written() -> None:
    text = "예산 １２억 ３천만 원, 이수율 31.6%, 약 30여 명 참여"
    found = find_quantities(text)
    assert [text[a:b] for a, b in (q.span for q in found)] == [q.text for q in found]
    assert [q.text for q in found] == ["１２억 ３천만 원", "31.6%", "약 30여 명"]
    assert found[0].value == D(1230000000)


def test_years_are_dates_not_counts() -> None:
    result = scan("2025년 설치 139개소, 2021년 500개소")
    assert [f"{q.value:f}" for q in result.quantities] == ["139", "500"]
    assert [d.text for d in result.dates] == ["2025년", "2021년"]


def test_a_date_is_not_taken_apart() -> None:
    result = scan("2024. 3. 15. 제정, 3.15. 개정, 비율 3.15")
    assert [d.period for d in result.dates] == ["2024-03-15", "--03-15"]
    assert [f"{q.value:f}" for q in result.quantities] == ["3.15"]


def test_a_denominator_is_marked() -> None:
    per, rate = find_quantities("인구 1만 명당 38.4명")
    assert (per.text, per.markers, rate.markers) == ("1만 명당", ("당",), ())


def test_a_part_of_a_whole_takes_its_counter() -> None:
    part, whole = find_quantities("민간위원 13/20명")
    assert (part.text, part.unit, part.kind) == ("13", "명", "count")
    assert (whole.text, whole.unit) == ("20명", "명")
    assert [q.unit for q in find_quantities("13/20")] == ["", ""]


def test_four_teams_but_two_trillion() -> None:
    teams, shifts = find_quantities("4조 2교대로 운영")
    assert brief(teams) == ("4조", "4", None, "조", "count", "0.5", None)
    assert brief(shifts) == ("2교대", "2", None, "교대", "count", "0.5", None)
    assert one("2조 원").value == D(2000000000000)
    assert one("1.2조").value == D(1200000000000)


# --------------------------------------------------------------------------- bounds

AGREE = [
    # claim, evidence, agree
    ("31.6%", "31.55%", True),
    ("31.6%", "31.65%", True),
    ("31.6%", "31.6%", True),
    ("31.6%", "31.66%", False),
    ("31.6%", "29.8%", False),
    ("31.6%", "31.5%", False),
    ("32%", "31.6%", True),
    ("139개소", "139개소", True),
    ("139개소", "139곳", True),
    ("139개소", "140개소", False),
    ("600개", "500개", False),
    ("12억 원", "12억 3천만 원", True),
    ("12억 원", "12억 6천만 원", False),
    ("12억 3천만 원", "1,230,000천원", True),
    ("12억 3천만 원", "1,230,000,000원", True),
    ("12억 3천만 원", "1,234,000,000원", True),
    ("12억 3천만 원", "1,236,000,000원", False),
    ("1,234,000,000원", "12억 원", True),  # the rounder side allows it
    ("1,234,000,000원", "12억 3천만 원", True),
    ("1,234,000,000원", "1,230,000,000원", False),
    ("약 30명", "32명", True),
    ("약 30명", "33명", True),
    ("약 30명", "34명", False),
    ("약 30명", "27명", True),
    ("약 30명", "26명", False),
    ("30여 명", "35명", True),
    ("30여 명", "30명", True),
    ("30여 명", "39명", True),
    ("30여 명", "40명", False),
    ("30여 명", "29명", False),
    ("약 30여 명", "28명", True),
    ("1,500여 명", "1,599명", True),
    ("1,500여 명", "1,600명", False),
    ("100명 이상", "100명", True),
    ("100명 이상", "150명", True),
    ("100명 이상", "99명", False),
    ("100명 초과", "100명", False),
    ("100명 초과", "101명", True),
    ("100명 이하", "100명", True),
    ("100명 이하", "101명", False),
    ("100명 미만", "100명", False),
    ("100명 미만", "99명", True),
    ("150명", "100명 이상", True),
    ("50명", "100명 이상", False),
    ("100명 이상", "80명 이상", True),
    ("100명 미만", "120명 이상", False),
    ("7~9건", "8건", True),
    ("7~9건", "10건", False),
    ("8건", "7~9건", True),
    ("7~9건", "9~12건", True),
    ("486km", "486,000m", True),
    ("486km", "485km", False),
    ("2,140㎡", "2,140m2", True),
    ("1.5시간", "90분", True),
    ("5명", "5인", True),
    ("5명", "5건", False),
    ("5명", "5", True),  # a plain number takes the other side's unit
    ("3.2%p", "3.2%", False),
    ("천 명", "1,300명", True),
    ("천 명", "1,600명", False),
]


@pytest.mark.parametrize(("claim", "evidence", "agree"), AGREE)
def test_values_agree(claim: str, evidence: str, agree: bool) -> None:
    assert values_agree(one(claim), one(evidence)) is agree


def test_bounds() -> None:
    assert one("31.6%").bounds() == (D("31.55"), D("31.65"), False, True)
    assert one("30여 명").bounds() == (D(30), D(40), False, True)
    assert one("100명 초과").bounds() == (D(100), None, True, False)
    assert one("100명 미만").bounds() == (None, D(100), False, True)
    lo, hi, _, _ = one("약 12억 원").bounds()
    assert (lo, hi) == (D("1080000000"), D("1320000000"))


def test_convert() -> None:
    km = one("1.5km")
    metres = convert(km, "m")
    assert metres is not None and metres.value == D(1500) and metres.precision == D(50)
    assert convert(km, "kg") is None
    assert convert(one("3곳"), "개소").value == D(3)  # type: ignore[union-attr]


# --------------------------------------------------------------------------- dates

DATES = [
    # text, [(period, granularity)]
    ("2024. 3. 15.", [("2024-03-15", "day")]),
    ("2024.3.15", [("2024-03-15", "day")]),
    ("2024.03.15.", [("2024-03-15", "day")]),
    ("2024년 3월 15일", [("2024-03-15", "day")]),
    ("2024년3월15일", [("2024-03-15", "day")]),
    ("2024-03-15", [("2024-03-15", "day")]),
    ("2024/3/15", [("2024-03-15", "day")]),
    ("'24. 3. 15.", [("2024-03-15", "day")]),
    ("24년 3월 15일", [("2024-03-15", "day")]),
    ("2024. 3. 15.(금)", [("2024-03-15", "day")]),
    ("２０２４．３．１５．", [("2024-03-15", "day")]),
    ("2024. 3.", [("2024-03", "month")]),
    ("2024.3.", [("2024-03", "month")]),
    ("2024.3", [("2024-03", "month")]),
    ("2024.12", [("2024-12", "month")]),
    ("2024년 3월", [("2024-03", "month")]),
    ("'24.3월", [("2024-03", "month")]),
    ("'24. 3.", [("2024-03", "month")]),
    ("’24.3월", [("2024-03", "month")]),
    ("24년 3월", [("2024-03", "month")]),
    ("24.3월", [("2024-03", "month")]),
    ("2024-03", [("2024-03", "month")]),
    ("2024/03", [("2024-03", "month")]),
    ("2024년 1분기", [("2024-Q1", "quarter")]),
    ("2024년 제1분기", [("2024-Q1", "quarter")]),
    ("2024년 1/4분기", [("2024-Q1", "quarter")]),
    ("2024 3분기", [("2024-Q3", "quarter")]),
    ("'24년 4분기", [("2024-Q4", "quarter")]),
    ("2024-Q2", [("2024-Q2", "quarter")]),
    ("2024년 상반기", [("2024-H1", "half")]),
    ("2024년 하반기", [("2024-H2", "half")]),
    ("2024 하반기", [("2024-H2", "half")]),
    ("2024-H2", [("2024-H2", "half")]),
    ("2025년", [("2025", "year")]),
    ("2025년도", [("2025", "year")]),
    ("2025회계연도", [("2025", "year")]),
    ("2025 회계연도", [("2025", "year")]),
    ("2025회계년도", [("2025", "year")]),
    ("FY2025", [("2025", "year")]),
    ("FY 2025", [("2025", "year")]),
    ("FY'25", [("2025", "year")]),
    ("'25년", [("2025", "year")]),
    ("('25)", [("2025", "year")]),
    ("25년도", [("2025", "year")]),
    ("24년 실적", [("2024", "year")]),
    ("2024.3.~2024.12.", [("2024-03/2024-12", "month")]),
    ("2024. 3. ~ 2024. 12.", [("2024-03/2024-12", "month")]),
    ("2024.3.~12.", [("2024-03/2024-12", "month")]),
    ("2024년 3월~12월", [("2024-03/2024-12", "month")]),
    ("2024년 3월 ~ 2025년 2월", [("2024-03/2025-02", "month")]),
    ("2024. 3. 15. ~ 3. 31.", [("2024-03-15/2024-03-31", "day")]),
    ("2024년 3월 15일~31일", [("2024-03-15/2024-03-31", "day")]),
    ("2021~2025년", [("2021/2025", "year")]),
    ("2021년~2025년", [("2021/2025", "year")]),
    ("2021-2025", [("2021/2025", "year")]),
    ("(2023~2025)", [("2023/2025", "year")]),
    ("'21~'25", [("2021/2025", "year")]),
    ("3월 15일", [("--03-15", "day")]),
    ("3.15.", [("--03-15", "day")]),
    ("3. 15.", [("--03-15", "day")]),
    ("12월", [("--12", "month")]),
    ("2016년 3월 개소", [("2016-03", "month")]),
    ("2023년 6월 14일 동부권, 6월 21일 서부권", [("2023-06-14", "day"), ("--06-21", "day")]),
    ("2019년 제정, 2024년 개정", [("2019", "year"), ("2024", "year")]),
]


@pytest.mark.parametrize(("text", "expected"), DATES)
def test_dates(text: str, expected: list[tuple[str, str]]) -> None:
    assert [(d.period, d.granularity) for d in find_dates(text)] == expected


NOT_DATES = [
    "3.15",
    "31.6%",
    "2025명",
    "2,025년",
    "3년간",
    "10년 후",
    "20년 이상 경과",
    "5년이며",
    "13월",
    "2024. 13. 1.",
    "2023년 2월 30일",
    "1850년",
    "12개월",
    "1.2.3",
    "02-123-4567",
    "2024-15호",
]


@pytest.mark.parametrize("text", NOT_DATES)
def test_not_a_date(text: str) -> None:
    assert find_dates(text) == []


def test_date_fields() -> None:
    (d,) = find_dates("2024년 2분기")
    assert (d.start, d.end) == (dt.date(2024, 4, 1), dt.date(2024, 6, 30))
    (d,) = find_dates("2024. 2.")
    assert (d.start, d.end) == (dt.date(2024, 2, 1), dt.date(2024, 2, 29))
    (d,) = find_dates("FY2025")
    assert d.fiscal and d.granularity == "year" and d.year == 2025
    (d,) = find_dates("3월 15일")
    assert (d.start, d.year, d.month, d.day) == (None, None, 3, 15)
    text = "조례 2020. 3. 15. 제정"
    (d,) = find_dates(text)
    assert text[d.span[0] : d.span[1]] == d.text == "2020. 3. 15."


def test_leap_day() -> None:
    assert [d.period for d in find_dates("2024. 2. 29.")] == ["2024-02-29"]
    assert [d.period for d in find_dates("2023. 2. 29.")] == []


PERIODS = [
    ("2025년 설치 139개소", ["2025"]),
    ("2025년 IoT 센서 600개소", ["2025"]),
    ("인구 1,020,000명(2025년 12월 주민등록 기준)", ["2025-12"]),
    ("139개소('25)", ["2025"]),
    ("2024년 상반기 교육 이수 120명", ["2024-H1"]),
    ("2023년 9분 40초에서 2025년 6분 05초로", ["2023", "2023", "2025", "2025"]),
    ("2020년부터 상설 운영 150명", [None]),
    ("(2021년 7월 개정)과 대응 매뉴얼 27종", [None]),
    ("2022년 도입하였으며, 현재 6개 서비스", [None]),
    ("2024년 완료(24개소)", ["2024"]),
    ("시민단 120명이 참여한 시민 설문(2023년 5월)", ["2023-05"]),
    ("시민단 120명이 참여한 설문. 계획(2023년 5월)", [None]),
    ("시민 150명(2025년 기준, 청년 38명)", ["2025", "2025"]),
    ("2021년 수립. 센서 500개", [None]),
    ("2025년\n센서 500개", [None]),
    ("센서 500개", [None]),
]


@pytest.mark.parametrize(("text", "periods"), PERIODS)
def test_periods(text: str, periods: list[str | None]) -> None:
    assert [q.period for q in find_quantities(text)] == periods


@pytest.mark.parametrize(
    ("text", "period", "granularity"),
    [
        ("2025", "2025", "year"),
        ("2025년", "2025", "year"),
        (" FY2025 ", "2025", "year"),
        ("2025-Q1", "2025-Q1", "quarter"),
        ("2025-H2", "2025-H2", "half"),
        ("2025-03", "2025-03", "month"),
        ("2025-03-15", "2025-03-15", "day"),
        ("2024-03/2024-12", "2024-03/2024-12", "month"),
        ("2024.3.~2024.12.", "2024-03/2024-12", "month"),
        ("2021/2025", "2021/2025", "year"),
    ],
)
def test_parse_period(text: str, period: str, granularity: str) -> None:
    parsed = parse_period(text)
    assert (parsed.period, parsed.granularity) == (period, granularity)
    assert parse_period(parsed.period).period == period


@pytest.mark.parametrize("text", ["", "3월", "2025년 3월 센서", "다음 해", "2025, 2026"])
def test_parse_period_refuses(text: str) -> None:
    with pytest.raises(ValueError):
        parse_period(text)


def test_period_contains_and_dates_agree() -> None:
    year, month = parse_period("2025"), parse_period("2025-03")
    assert period_contains(year, month) and not period_contains(month, year)
    (a,) = find_dates("2020. 3. 15.")
    (b,) = find_dates("2020년 3월 15일")
    (c,) = find_dates("2020년 3월")
    (d,) = find_dates("2020. 3. 16.")
    (e,) = find_dates("3월 15일")
    assert dates_agree(a, b) and dates_agree(a, c) and dates_agree(c, a)
    assert not dates_agree(a, d)
    assert dates_agree(e, a) and not dates_agree(e, d)


# --------------------------------------------------------------------------- scale


@pytest.mark.parametrize(
    ("scale", "expected"),
    [
        ("백만원", (D(1000000), "원", "amount")),
        ("천원", (D(1000), "원", "amount")),
        ("억원", (D(100000000), "원", "amount")),
        ("원", (D(1), "원", "amount")),
        ("%", (D(1), "%", "percent")),
        ("개소", (D(1), "개소", "count")),
        ("명", (D(1), "명", "count")),
        ("km", (D(1), "km", "measure")),
        ("(단위: 백만원)", (D(1000000), "원", "amount")),
        ("단위:천원", (D(1000), "원", "amount")),
    ],
)
def test_parse_scale(scale: str, expected: tuple) -> None:
    assert parse_scale(scale) == expected


@pytest.mark.parametrize("scale", ["", "사업", "백만", "12"])
def test_parse_scale_refuses(scale: str) -> None:
    with pytest.raises(ValueError):
        parse_scale(scale)


@pytest.mark.parametrize(
    ("text", "unit"),
    [
        ("(단위: 백만원)", "백만원"),
        ("<표 3> 사업비 현황 (단위 : 천원)\n구분 | 2024", "천원"),
        ("[단위: %]", "%"),
        ("단위: 개소, 명", "개소"),
        ("단위를 통일하였다", None),
        ("(단위: 건수)", None),
    ],
)
def test_find_unit_header(text: str, unit: str | None) -> None:
    assert find_unit_header(text) == unit


# --------------------------------------------------------------------------- round trips

_WORDS = "일이삼사오육칠팔구"


def hangul_under_10000(n: int) -> str:
    out = ""
    for exp, word in ((3, "천"), (2, "백"), (1, "십")):
        digit = n // 10**exp % 10
        if digit:
            out += ("" if digit == 1 else _WORDS[digit - 1]) + word
    if n % 10:
        out += _WORDS[n % 10 - 1]
    return out


def groups_of(n: int) -> list[tuple[int, str]]:
    """(group of four digits, its big unit) from the top, zero groups left out."""
    out = []
    for exp, word in ((12, "조"), (8, "억"), (4, "만"), (0, "")):
        group = n // 10**exp % 10**4
        if group:
            out.append((group, word))
    return out


def small_units(n: int) -> str:
    """2500 -> 2천5백, 35 -> 3십5 (digits with place words)."""
    out = ""
    for exp, word in ((3, "천"), (2, "백"), (1, "십")):
        digit = n // 10**exp % 10
        if digit:
            out += f"{digit}{word}"
    if n % 10:
        out += str(n % 10)
    return out


def styles(n: int) -> dict[str, str]:
    groups = groups_of(n)
    written = {
        "digits": str(n),
        "commas": f"{n:,}",
        "mixed": " ".join(f"{g:,}{w}" for g, w in groups),
        "mixed_tight": "".join(f"{g}{w}" for g, w in groups),
        "small_units": " ".join(f"{small_units(g)}{w}" for g, w in groups),
        "hangul": "".join(f"{hangul_under_10000(g)}{w}" for g, w in groups),
        "hangul_spaced": " ".join(f"{hangul_under_10000(g)}{w}" for g, w in groups),
        "fullwidth": f"{n:,}".translate(str.maketrans("0123456789,", "０１２３４５６７８９，")),
    }
    if n < 10 or any(g < 10 for g, _ in groups[1:]):
        # 일, 이, 삼 alone are words, and after 만/억/조 a particle (12억이 드는): not numbers
        del written["hangul"], written["hangul_spaced"]
    return written


numbers = st.one_of(
    st.integers(min_value=1, max_value=9999),
    st.integers(min_value=1, max_value=10**16 - 1),
    st.builds(lambda a, e: a * 10**e, st.integers(1, 9999), st.integers(0, 12)),
)


@settings(max_examples=300, deadline=None)
@given(numbers)
def test_round_trip_number_styles(n: int) -> None:
    for style, text in styles(n).items():
        assert parse_number(text) == n, (style, text)


@settings(max_examples=200, deadline=None)
@given(numbers, st.sampled_from(["mixed", "mixed_tight", "small_units", "commas", "hangul_spaced"]))
def test_round_trip_in_a_sentence(n: int, style: str) -> None:
    assume(style in styles(n))
    written = styles(n)[style]
    text = f"2025년 사업비 {written} 원을 투입하였다."
    q = one(text)
    assert (q.value, q.unit, q.kind, q.period) == (n, "원", "amount", "2025")
    assert q.text == f"{written} 원"
    assert text[q.span[0] : q.span[1]] == q.text


@settings(max_examples=200, deadline=None)
@given(
    st.integers(min_value=0, max_value=99999),
    st.integers(min_value=0, max_value=3),
    st.sampled_from(["%", "%p", "개소", "명", "km", "㎡"]),
)
def test_round_trip_decimals(mantissa: int, places: int, unit: str) -> None:
    value = D(mantissa).scaleb(-places)
    written = f"{value:,.{places}f}"
    q = one(f"실적 {written}{unit} 달성")
    assert q.value == value
    assert q.precision == D(5).scaleb(-places - 1)
    assert q.text == f"{written}{unit}"


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=1, max_value=9999), st.sampled_from(["천원", "백만원", "억원"]))
def test_round_trip_table_units(n: int, scale: str) -> None:
    multiplier = {"천원": 1000, "백만원": 10**6, "억원": 10**8}[scale]
    assert one(f"{n:,}", scale=scale).value == n * multiplier
    assert one(f"{n:,}{scale}").value == n * multiplier


@settings(max_examples=100, deadline=None)
@given(
    st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2069, 12, 31)),
    st.sampled_from(["dots", "dots_tight", "korean", "iso", "short"]),
)
def test_round_trip_dates(day: dt.date, style: str) -> None:
    written = {
        "dots": f"{day.year}. {day.month}. {day.day}.",
        "dots_tight": f"{day.year}.{day.month:02d}.{day.day:02d}",
        "korean": f"{day.year}년 {day.month}월 {day.day}일",
        "iso": day.isoformat(),
        "short": f"'{day.year % 100:02d}. {day.month}. {day.day}.",
    }[style]
    (d,) = find_dates(f"조례 {written} 제정")
    assert isinstance(d, DateMention)
    assert (d.start, d.end, d.granularity, d.text) == (day, day, "day", written)
