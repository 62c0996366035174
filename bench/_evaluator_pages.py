"""What the load test's users type and read, without importing locust (which patches the
standard library with gevent on import): the orchestrator and the tests use it too."""

from __future__ import annotations

import re

# queries an evaluator types on an indicator page: words of the sample framework's areas
QUERIES = (
    "시민참여 리빙랩",
    "스마트시티 통합운영센터",
    "공공데이터 개방",
    "스마트도시 조례",
    "예산 확보 계획",
    "CCTV 설치 현황",
    "자율주행 셔틀 실증",
    "스마트 교통 신호",
    "재난안전 통신망",
    "데이터 허브 플랫폼",
    "전담 조직 인력",
    "공무원 교육 과정",
    "시민 만족도 조사",
    "탄소중립 에너지",
)
QUESTIONS = (
    "리빙랩 과제는 몇 건 운영되었나요?",
    "통합운영센터는 언제 구축되었나요?",
    "스마트도시 예산은 얼마인가요?",
)


def csrf_of(text: str) -> str:
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', text) or re.search(
        r'"X-CSRFToken":\s*"([^"]+)"', text
    )
    return found.group(1) if found else ""
