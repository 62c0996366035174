"""What the load test's users type and read, without importing locust (which patches the
standard library with gevent on import): the orchestrator and the tests use it too."""

from __future__ import annotations

import re
from typing import Any

from lxml import html as lxml_html

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


def undecided_chunks(text: str) -> list[int]:
    """Chunk ids of the suggestion forms that offer accept (undecided passages)."""
    doc = lxml_html.fromstring(text)
    chunks = []
    for form in doc.iter("form"):
        if form.xpath('.//button[@name="decision" and @value="accepted"]'):
            ids = form.xpath('.//input[@name="chunk_id"]/@value')
            if ids and ids[0].isdigit():
                chunks.append(int(ids[0]))
    return chunks


def score_form(text: str) -> dict[str, Any] | None:
    doc = lxml_html.fromstring(text)
    forms = doc.xpath('//form[contains(concat(" ", @class, " "), " score-form ")]')
    if not forms:
        return None
    form = forms[0]
    if form.xpath(".//fieldset[@disabled]"):
        return None
    stage = form.xpath('.//input[@name="stage"]/@value')
    version = form.xpath('.//input[@name="version"]/@value')
    levels = form.xpath('.//input[@name="level"]/@value')
    maximum = form.xpath('.//input[@name="points"]/@max')
    return {
        "stage": stage[0] if stage else "",
        "version": version[0] if version else "0",
        "levels": list(levels),
        "max": float(maximum[0]) if maximum else 0.0,
        "links": list(form.xpath('.//input[@name="link_ids"]/@value')),
    }


def panel_url(text: str, panel_id: str) -> str | None:
    """The fragment URL (``hx-get``) that fills the element ``panel_id`` of a page (the
    workbench loads its questions tab so), if any."""
    found = lxml_html.fromstring(text).xpath(f'//*[@id="{panel_id}"]//*[@hx-get]/@hx-get')
    return str(found[0]) if found else None


def ask_form(text: str) -> dict[str, Any] | None:
    """A form on the indicator page that posts a question (action with /ask), if any."""
    doc = lxml_html.fromstring(text)
    for form in doc.iter("form"):
        action = form.get("hx-post") or form.get("action") or ""
        if "/ask" not in action:
            continue
        fields = {
            el.get("name"): el.get("value") or ""
            for el in form.xpath(".//input[@name]")
            if el.get("type") in ("hidden", None)
        }
        typed = form.xpath(".//textarea/@name") or form.xpath('.//input[@type="text"]/@name')
        if not typed:
            continue
        fields.pop(typed[0], None)
        return {"action": action, "fields": fields, "question_field": typed[0]}
    return None
