"""reviewapp.claim_levels: the rubric level behind claimed points, and the clause of the
evidence that denies it. Rubrics from the sample framework; passages as the demo cities'
documents word them (demo/generate.py)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
import yaml

from reviewapp.claim_levels import claimed_level, clauses, level_doubt, subject_of
from tests.conftest import FRAMEWORK


def _indicators() -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "code" in node and "kind" in node:
                found[node["code"]] = node
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(yaml.safe_load(FRAMEWORK.read_text(encoding="utf-8")))
    return found


INDICATORS = _indicators()

SOLNAE_PLAN = (
    "솔내시는 2024년 4월 「솔내시 스마트도시 기본구상」을 수립하였다. 기본구상은 법정 스마트도시계획이 "
    "아닌 내부계획이며, 법정 스마트도시계획 수립 용역은 2025년 3월 착수하여 2026년 8월 완료를 목표로 "
    "진행 중이다. 따라서\n현재 국토교통부 승인을 받은 스마트도시계획은 없다."
)
HANBIT_PLAN = (
    "한빛시는 법정 스마트도시계획인 「한빛시 스마트도시계획(2024~2028)」을 수립하였으며, 2023년 11월 "
    "20일 국토교통부 승인을 받았다."
)
SOLNAE_CENTER = (
    "솔내시 CCTV 통합관제센터는 2019년 1월 개소하였으며 안전총괄과 소관이다. 관제요원 16명이 4조 "
    "2교대로\n24시간 운영하며, 운영은 내부 「통합관제센터 운영 지침」(2019년 제정)에 따른다. 별도의 "
    "운영 규정(훈령)과 상황별대응 매뉴얼은 아직 마련되지 않았다."
)
SOLNAE_HUB = (
    "도시 데이터 허브는 구축되어 있지 않으며, 서비스별 데이터는 각 부서 시스템에 분산 저장된다. "
    "데이터 허브 구축은 2027년 이후 검토 예정이다."
)


def _doubt(code: str, points: int | str | None, *texts: str):  # type: ignore[no-untyped-def]
    ind = INDICATORS[code]
    return level_doubt(
        ind.get("rubric") or [],
        ind["max_points"],
        points,
        ind["title_ko"],
        list(enumerate(texts, start=1)),
    )


@pytest.mark.parametrize(
    ("points", "level"),
    [(50, 5), (49, 4), (40, 4), (Decimal("39.99"), 3), (30, 3), (10, 1), (5, 1), ("40", 4)],
)
def test_claimed_points_reach_a_level(points: Any, level: int) -> None:
    rubric = INDICATORS["GOV-05"]["rubric"]  # max 50: levels at 100/80/60/40/20 %
    row = claimed_level(rubric, 50, points)
    assert row is not None and row["level"] == level


def test_no_level_without_rubric_or_points() -> None:
    assert claimed_level([], 50, 40) is None
    assert claimed_level(INDICATORS["GOV-05"]["rubric"], 50, None) is None
    assert claimed_level(INDICATORS["GOV-05"]["rubric"], 0, 40) is None
    assert claimed_level(INDICATORS["GOV-05"]["rubric"], 50, "사십") is None


def test_an_approved_plan_claimed_without_one_is_doubted() -> None:
    doubt = _doubt("GOV-05", 40, HANBIT_PLAN, SOLNAE_PLAN)
    assert doubt is not None
    assert (doubt.level, doubt.label) == (4, "우수")
    assert doubt.requirement == "승인된 법정계획이 있고 사업계획이 구체적임"
    assert doubt.passage_id == 2  # not the city whose plan was approved
    assert SOLNAE_PLAN[doubt.span[0] : doubt.span[1]] == doubt.clause
    assert "스마트도시계획" in doubt.clause.replace(" ", "")
    assert doubt.words == ("스마트도시계획",)


def test_the_level_the_evidence_allows_is_not_doubted() -> None:
    # 30 of 50 = level 3 "법정계획 수립 중이거나 기본구상 수준임": what the plan says
    assert _doubt("GOV-05", 30, SOLNAE_PLAN) is None
    # an approved plan, full points
    assert _doubt("GOV-05", 50, HANBIT_PLAN) is None


def test_rules_claimed_without_rules_are_doubted() -> None:
    doubt = _doubt("SVC-01", 40, SOLNAE_CENTER)  # level 4: 24시간 운영과 운영 규정을 갖춤
    assert doubt is not None and doubt.level == 4
    assert doubt.clause == "별도의 운영 규정(훈령)과 상황별대응 매뉴얼은 아직 마련되지 않았다."
    assert doubt.words == ("규정",)
    # level 2, "CCTV 관제 위주의 단일 기능 센터임": nothing here denies it
    assert _doubt("SVC-01", 20, SOLNAE_CENTER) is None


def test_a_hub_that_does_not_exist_denies_any_level_above_planning() -> None:
    doubt = _doubt("SVC-07", 30, SOLNAE_HUB)  # level 3 "단일 분야 플랫폼 수준임"
    assert doubt is not None and doubt.level == 3
    assert doubt.clause.startswith("도시 데이터 허브는 구축되어 있지 않으며")
    assert _doubt("SVC-07", 20, SOLNAE_HUB) is None  # level 2 "구축 계획 단계임"
    assert _doubt("SVC-07", 10, SOLNAE_HUB) is None


def test_a_negation_speaks_of_its_own_brackets_only() -> None:
    header = "솔내시 스마트도시 조성 및 운영 조례(발췌)\n[제정 2024. 9. 30. 조례 제2015호] (시행규칙 미제정)"
    # level 4 "조례를 제정하고 주요 규정 사항을 운영함": the missing bylaw does not deny it
    assert _doubt("GOV-01", 32, header) is None
    # a negation outside brackets reads the clause without them
    denial = "스마트도시 조례(안)는 아직 제정되지 않았다."
    doubt = _doubt("GOV-01", 32, denial)
    assert doubt is not None and set(doubt.words) == {"조례", "제정"}


def test_a_noun_modifier_is_not_a_denial() -> None:
    text = "통합운영센터가 없는 읍면 지역에는 이동형 CCTV를 배치하고, 24시간 운영 규정을 적용한다."
    assert _doubt("SVC-01", 50, text) is None


def test_quantitative_indicators_and_missing_points_give_nothing() -> None:
    assert _doubt("INN-02", 40, "리빙랩 과제는 없다.") is None  # bands in prose: not read
    assert _doubt("GOV-05", None, SOLNAE_PLAN) is None
    assert _doubt("GOV-05", 40) is None


def test_subject_and_clauses() -> None:
    assert subject_of("도시 데이터 허브 구축·운영") == "도시데이터허브"
    assert subject_of("스마트도시계획 수립") == "스마트도시계획"
    assert subject_of("스마트도시 통합운영센터 구축·운영") == "스마트도시통합운영센터"
    assert subject_of("구축·운영") == ""
    text = "가는 있다. 나는 없으며, 다는 있다\n라 | 마 | 미정"
    assert [text[a:b] for a, b in clauses(text)] == [
        "가는 있다.",
        "나는 없으며",
        "다는 있다",
        "라 | 마 | 미정",
    ]
