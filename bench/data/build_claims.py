"""Build ``bench/data/claims.jsonl``: the labelled claims benchmark (issue 14).

Run once, review, commit the JSONL; the bench and its test read only the JSONL. Rebuilding is
for adding items: every label below was set by reading the evidence, before any checker existed.

``python -m bench.data.build_claims [--check]``  (``--check``: build in memory, write nothing)

Each item's deciding passages are verbatim stretches of a document's extracted text (``P``:
from the line holding ``first`` to the line holding ``last``, optionally cut at ``start`` /
after ``end`` inside those lines), or a synthetic yearly table (``S``, source "synthetic").
Distractors are chunks (<= 320 characters, whole lines) of the same submission that hold none
of the item's ``avoid`` strings nor any of the claim's own figures, drawn with a fixed seed.

Labels:
  supported     a passage states the claim's figure(s) for the claim's subject (and year);
  contradicted  a passage states a different figure/amount/date for the same subject (and year);
  weak          passages are about the subject but state no figure that settles the claim;
  no_evidence   no passage is about the claim's subject.
``format_differs``: the claim writes its deciding figure in another Korean format than the
evidence does (만/억/천 units, 천원 tables, date styles, 퍼센트, missing thousands separators).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import sys
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench._shared import CORPUS  # noqa: E402

OUT = Path(__file__).resolve().parent / "claims.jsonl"
DEMO = ROOT / "demo" / "documents"

# --- documents ----------------------------------------------------------------------------

H_APP = "hanbit-application-2026.docx"
H_LL = "hanbit-living-lab-report-2025.docx"
H_ORD = "hanbit-ordinance-and-organisation.hwpx"
H_QD = "hanbit-quantitative-data-2026.xlsx"
H_PLAN = "hanbit-smart-city-plan-summary-2026.pdf"
S_APP = "solnae-application-2026.docx"
S_LL = "solnae-living-lab-pilot-report-2025.docx"
S_ORD = "solnae-ordinance-and-organisation.hwpx"
S_QD = "solnae-quantitative-data-2026.xlsx"
S_PLAN = "solnae-smart-city-basic-plan-summary-2026.pdf"

BIS = "pyeongtaek-bus-info-system-rfp-2024.hwp"
PT_AI = "pyeongtaek-smartcity-ai-video-rfp-2024.hwp"
BONG = "bonghwa-disaster-mgmt-rfp-2024.hwp"
SEOUL = "seoul-map-platform-rfp-2024.pdf"
GANGBUK = "gangbuk-festival-rfp-2023.hwpx"
ULSAN = "ulsan-namgu-ordinance-notice-2021.hwpx"
NURI = "msit-nuri-press-release-2018.hwp"
MCST = "mcst-press-release-2024.hwpx"
GOV = "gov-digital-innovation-plan-2019.hwp"
KOSIS = "kosis-population-by-district-2016.xlsx"
KIPA = "kipa-public-sector-ai-strategies-2024.pdf"
SPRI = "spri-ai-brief-2023-12.pdf"
KMA_WARN = "kma-weather-warning-api-guide.docx"
KMA_VIL = "kma-village-forecast-api-guide.docx"
TRANSIT = "transit-center-data-standard-2023.hwpx"
LAW_SC = "law-smart-city-act.md"
LAW_PD = "law-public-data-act.md"
LAW_EG = "law-electronic-government-act.md"
SYN = "synthetic-garam-yearly-tables.xlsx"

HANBIT = (H_APP, H_LL, H_ORD, H_QD, H_PLAN)
SOLNAE = (S_APP, S_LL, S_ORD, S_QD, S_PLAN)


def source_of(document: str) -> str:
    if document.startswith("synthetic-"):
        return "synthetic"
    if document.startswith(("hanbit-", "solnae-")):
        return "demo"
    return "corpus"


def path_of(document: str) -> Path:
    if document.startswith("hanbit-"):
        return DEMO / "hanbit" / document
    if document.startswith("solnae-"):
        return DEMO / "solnae" / document
    return CORPUS / document


@cache
def pages(document: str) -> tuple[tuple[int, str], ...]:
    if document == SYN:
        return tuple((i + 1, t) for i, t in enumerate(SYNTHETIC_PAGES))
    from extractors import extract

    result = extract(path_of(document), ocr=False)
    return tuple((p.number, p.text) for p in result.pages)


DISCLAIMER = ("본 문서는 시연용 가상 자료", "reviewapp 시연")


@cache
def chunks(document: str) -> tuple[tuple[int, str], ...]:
    """Index-like chunks: whole lines up to 320 characters (a longer line is cut at spaces)."""
    out: list[tuple[int, str]] = []
    for number, text in pages(document):
        lines: list[str] = []
        for line in text.split("\n"):
            line = line.strip()
            if not line or line.startswith("=====") or "····" in line or "···" in line:
                continue
            if any(d in line for d in DISCLAIMER):
                continue
            while len(line) > 320:
                cut = line.rfind(" ", 160, 320)
                cut = cut if cut > 0 else 320
                lines.append(line[:cut])
                line = line[cut:].strip()
            lines.append(line)
        buf: list[str] = []
        for line in lines:
            if buf and len("\n".join([*buf, line])) > 320:
                out.append((number, "\n".join(buf)))
                buf = []
            buf.append(line)
        if buf:
            out.append((number, "\n".join(buf)))
    return tuple((n, t) for n, t in out if len(t) >= 60 and len(re.findall(r"[가-힣]", t)) >= 15)


# --- passage specs -------------------------------------------------------------------------


@dataclass(frozen=True)
class P:
    """A verbatim stretch of ``document``: lines ``first``..``last``, cut at ``start``/after ``end``."""

    document: str
    first: str
    last: str | None = None
    start: str | None = None
    end: str | None = None
    page: int | None = None

    def resolve(self) -> tuple[int, str]:
        for number, text in pages(self.document):
            if self.page is not None and number != self.page:
                continue
            lines = text.split("\n")
            i = next((k for k, line in enumerate(lines) if self.first in line), None)
            if i is None:
                continue
            j = i
            if self.last is not None:
                for j in range(i, len(lines)):
                    if self.last in lines[j]:
                        break
                else:
                    raise ValueError(f"{self.document}: {self.last!r} not after {self.first!r}")
            body = "\n".join(lines[i : j + 1])
            if self.start is not None:
                k = body.index(self.start)
                body = body[k:]
            if self.end is not None:
                k = body.rindex(self.end) if self.last is not None else body.index(self.end)
                body = body[: k + len(self.end)]
            body = body.strip()
            if not 20 <= len(body) <= 900:
                raise ValueError(f"{self.document}: passage of {len(body)} chars at {self.first!r}")
            return number, body
        raise ValueError(f"{self.document}: {self.first!r} not found")


# Synthetic yearly tables for a made-up city (가람시): the corpus has few tables with a row or
# column per year and none with 천원 units or 조례 histories written as 2020년 3월 15일.
SYNTHETIC_PAGES = [
    "# 시트: 스마트 버스정류장\n"
    "구분 | 2021년 | 2022년 | 2023년 | 2024년 | 2025년\n"
    "스마트 버스정류장(개소, 누적) | 12 | 25 | 41 | 58 | 73\n"
    "누적 사업비(원) | 1,230,000,000 | 2,450,000,000 | 3,980,000,000 | 5,120,000,000 | 6,350,000,000\n"
    "이용 만족도(점) | 71.2 | 74.8 | 78.5 | 80.1 | 82.4",
    "# 시트: 디지털 교육\n"
    "연도 | 시민 디지털 교육 이수자(명) | 인구 대비 이수율(%) | 교육 과정 수(개)\n"
    "2021 | 12,500 | 11.3 | 14\n"
    "2022 | 18,200 | 16.4 | 18\n"
    "2023 | 24,800 | 22.3 | 21\n"
    "2024 | 29,600 | 26.7 | 24\n"
    "2025 | 35,000 | 31.6 | 26",
    "# 시트: 스마트도시 예산\n"
    "(단위: 천원)\n"
    "연도 | 스마트도시 예산 | 국비 | 시비 | 민간투자\n"
    "2023 | 1,230,000 | 410,000 | 620,000 | 200,000\n"
    "2024 | 1,450,000 | 500,000 | 700,000 | 250,000\n"
    "2025 | 1,820,000 | 640,000 | 880,000 | 300,000",
    "# 시트: 자치법규 제·개정 이력\n"
    "자치법규 | 구분 | 일자 | 비고\n"
    "가람시 스마트도시 조성 및 운영 조례 | 제정 | 2020년 3월 15일 | 조례 제1872호\n"
    "가람시 스마트도시 조성 및 운영 조례 | 일부개정 | 2023년 6월 30일 | 조례 제2140호\n"
    "가람시 스마트도시 조성 및 운영 조례 시행규칙 | 제정 | 2021년 5월 1일 | 규칙 제611호\n"
    "가람시 공공데이터 제공 및 이용 활성화 조례 | 제정 | 2017년 11월 9일 | 조례 제1504호",
    "# 시트: 통합운영센터 처리 실적\n"
    "연도 | 112 영상 지원(건) | 119 출동 지원(건) | 재난 대응(건) | 합계(건)\n"
    "2022 | 1,842 | 960 | 21 | 2,823\n"
    "2023 | 2,315 | 1,104 | 34 | 3,453\n"
    "2024 | 2,760 | 1,287 | 29 | 4,076\n"
    "2025 | 3,105 | 1,430 | 41 | 4,576",
    "# 시트: 안내\n"
    "가람시 스마트도시 인증 정량지표 실적 자료(가상). 표의 연도는 회계연도이며, 누적 항목은 "
    "해당 연도 12월 31일 기준이다. 교육 이수율은 해당 연도 말 주민등록인구 대비 비율이다.",
]


@dataclass(frozen=True)
class S:
    """One synthetic page (1-based), whole."""

    page: int

    def resolve(self) -> tuple[int, str]:
        return self.page, SYNTHETIC_PAGES[self.page - 1]

    @property
    def document(self) -> str:
        return SYN


@dataclass
class Item:
    id: str
    claim: str
    expected: str
    kind: str
    note: str
    deciding: list = field(default_factory=list)
    period: str | None = None
    fmt: bool = False
    avoid: tuple[str, ...] = ()
    pool: tuple[str, ...] = ()
    n: int | None = None


ITEMS: list[Item] = []


def add(
    id, claim, expected, kind, note, *deciding, period=None, fmt=False, avoid=(), pool=(), n=None
):
    ITEMS.append(
        Item(
            id,
            claim,
            expected,
            kind,
            note,
            list(deciding),
            period,
            fmt,
            tuple(avoid),
            tuple(pool),
            n,
        )
    )


# ==========================================================================================
# 한빛시 (demo submission, a strong applicant)
# ==========================================================================================
LL_CITIZENS = P(H_LL, "한빛시는 「한빛시 스마트도시 조성 및 운영 조례」 제12조")
LL_TASKS = P(H_LL, "최근 3년(2023~2025) 수행한 리빙랩 과제는 총 11건", "2023 | 어르신 키오스크")
LL_EDU = P(H_LL, "# 3. 시민 아이디어 공모", "시민 교육으로는 스마트도시 아카데미")
LL_DATA = P(H_LL, "## 3.1 공공데이터 활용 촉진", "공공데이터 표준 준수율 97.4%")
LL_INCL = P(H_LL, "# 4. 디지털 포용", "웹 접근성 인증을 받았다")
LL_STARTUP = P(H_LL, "스타트업 육성: 2022년 개소한")
LL_COOP = P(H_LL, "산학연 협력: 한빛대학교", "데이터 분석: 2025년 데이터 허브를")
LL_SAT = P(H_LL, "# 6. 참여자 만족도 및 향후 계획", "제안 반영률(%) | 35 | 40")
ORD_HEAD = P(H_ORD, "한빛시 스마트도시 조성 및 운영 조례(발췌)", "[제정 2019. 7. 15.")
ORD_ORG = P(H_ORD, "한빛시는 2021년 1월 직제 개편으로")
ORD_TEAMS = P(H_ORD, "팀 | 정원 | 현원 | 주요 분장 사무", "합계 | 31 | 30")
ORD_COMM = P(
    H_ORD, "3. 스마트도시위원회 및 협의체 개최 실적(2025년)", "회의록은 시 누리집에 공개한다"
)
ORD_ART8 = P(H_ORD, "제8조(위원회의 구성)")
QD_OPEN = P(H_QD, "# 시트: 공공데이터 개방", "2025 | 241")
QD_CCTV = P(H_QD, "# 시트: CCTV 현황", "2025 | 3920")
QD_IOT = P(H_QD, "# 시트: IoT 센서", "합계 | 3450")
QD_EDU = P(H_QD, "# 시트: 교육 실적", "2025 | 3912")
QD_BUDGET = P(H_QD, "# 시트: 예산 및 재원", "2025 | 28460")
QD_USERS = P(H_QD, "# 시트: 서비스 이용", "중복 제거 실이용자")
PL_APPROVAL = P(
    H_PLAN,
    "한빛시는 「스마트도시 조성 및 산업진흥 등에 관한 법률」 제8조에 따라",
    "2024년부터 2028년까지 5년이며",
)
PL_TABLE1 = P(H_PLAN, "구분 내용 비고", "총사업비 1,842억원")
PL_FUND = P(H_PLAN, "재원계획: 총사업비 1,842억원 중", "민간투자 185억원(10.0%)을")
PL_BUDGET25 = P(H_PLAN, "2025년 스마트도시 예산은 312억원으로", "3년(2023~2025) 국비 공모사업과")
PL_NATIONAL = P(H_PLAN, "국가 시책사업 참여: 2022년 스마트시티 챌린지")
PL_CENTER = P(
    H_PLAN,
    "한빛시 스마트도시 통합운영센터는 2016년 3월 개소",
    "경찰서·소방서와 유관기관 합동 훈련을 4회",
)
PL_LINKS = P(H_PLAN, "스마트시티 통합플랫폼을 통해 아래 12개 기관", "4 재난상황 긴급대응")
PL_CCTV = P(H_PLAN, "2025년 12월 기준 통합관제 대상 CCTV는 4,850대", "배회·쓰러짐·차량 역주행")
PL_NET = P(H_PLAN, "자가통신망은 광케이블 486km로", "공공 와이파이는 버스정류장")
PL_IOT = P(H_PLAN, "사물인터넷(IoT) 센서는 총 3,450개로", "310개, 스마트 가로등 제어기 1,000개")
PL_YEARS = P(H_PLAN, "구분 2021 2022 2023 2024 2025", "공공 와이파이(개소) 980")
PL_HUB = P(H_PLAN, "한빛시 도시 데이터 허브는 2023년 9월 구축되었으며", "함께 활용된다.")
PL_SVC = P(H_PLAN, "분야 서비스 운영 현황 및 효과(2025년)", "에너지 스마트 가로등·BEMS")
PL_USERS = P(H_PLAN, "2025년 스마트 서비스 실이용자는 431,500명", "AI 안심귀가 서비스를 2개 구로")
PL_SEC = P(H_PLAN, "정보보안: 통합운영센터는 2024년 6월")
PL_PRIV = P(H_PLAN, "개인정보 보호: 「개인정보 보호법」에 따라", "접근기록은 월 1회 점검한다.")
PL_MAINT = P(H_PLAN, "기반시설 유지관리: CCTV·센서·통신망 자산", "수립하였다.")
PL_PERF = P(H_PLAN, "성과관리: 스마트도시계획의 성과지표 24개")
PL_SATIS = P(H_PLAN, "시민 만족도: 2025년 10월 외부 조사기관이")
APP_POP = P(H_APP, "# 1. 신청 지방자치단체", "신청 유형 | 대도시")

add(
    "hb-001",
    "한빛 스마트 시민단 150명 상설 운영(2020년 출범)",
    "supported",
    "count",
    "living-lab report: citizens' panel of 150 launched March 2020",
    LL_CITIZENS,
)
add(
    "hb-002",
    "최근 3년(2023~2025) 리빙랩 과제 11건 수행",
    "supported",
    "count",
    "report states 11 living-lab tasks over 2023-2025",
    LL_TASKS,
)
add(
    "hb-003",
    "최근 3년(2023~2025) 리빙랩 과제 13건 수행",
    "contradicted",
    "count",
    "report states 11 tasks, not 13",
    LL_TASKS,
)
add(
    "hb-004",
    "2025년 시민 교육 수료 3,912명(인구 1만 명당 38.4명)",
    "supported",
    "count",
    "academy graduates 3,912 in 2025, 38.4 per 10k",
    LL_EDU,
    period="2025",
)
add(
    "hb-005",
    "시청 스마트도시 체험관 2025년 관람객 1만 8,600명",
    "supported",
    "count",
    "evidence 18,600명 written with 만 unit in the claim",
    LL_EDU,
    period="2025",
    fmt=True,
    avoid=("18,600",),
)
add(
    "hb-006",
    "스마트 한빛 시민 아이디어 공모 284건 접수, 9건 채택",
    "supported",
    "count",
    "284 ideas received, 9 adopted",
    LL_EDU,
)
add(
    "hb-007",
    "스마트 한빛 시민 아이디어 공모 248건 접수, 9건 채택",
    "contradicted",
    "count",
    "evidence says 284 received; 248 is a transposition",
    LL_EDU,
)
add(
    "hb-008",
    "공공데이터 개방 318건(파일 241, 오픈API 77), 2025년 12월 기준",
    "supported",
    "count",
    "open-data sheet, 2025 row: 241 + 77 = 318",
    QD_OPEN,
    period="2025",
)
add(
    "hb-009",
    "공공데이터 개방 287건(파일 221, 오픈API 66)",
    "supported",
    "count",
    "yearly table: the 2024 row holds 221/66/287",
    QD_OPEN,
    period="2024",
)
add(
    "hb-010",
    "공공데이터 개방 318건",
    "contradicted",
    "count",
    "claim year 2024: the 2024 row says 287 (318 is the 2025 total)",
    QD_OPEN,
    period="2024",
)
add(
    "hb-011",
    "공공데이터 품질진단 연 1회, 표준 준수율 97.4 퍼센트",
    "supported",
    "percent",
    "97.4% written as 퍼센트",
    LL_DATA,
    fmt=True,
)
add(
    "hb-012",
    "2025년 공무원 스마트도시·데이터 교육 이수율 31.6 퍼센트",
    "supported",
    "percent",
    "education sheet 2025 row: 31.6 (column in %)",
    QD_EDU,
    period="2025",
    fmt=True,
)
add(
    "hb-013",
    "2025년 공무원 스마트도시·데이터 교육 이수율 36.1%",
    "contradicted",
    "percent",
    "2025 row says 31.6%",
    QD_EDU,
    period="2025",
)
add(
    "hb-014",
    "공무원 스마트도시 교육 이수율 27%",
    "supported",
    "percent",
    "yearly table: 2024 row 27 (2025 is 31.6, must not count)",
    QD_EDU,
    period="2024",
)
add(
    "hb-015",
    "공무원 스마트도시 교육 이수 1,760명(전체 5,570명)",
    "supported",
    "count",
    "2025 row 1760 / 5570, table has no thousands separators",
    QD_EDU,
    period="2025",
    fmt=True,
)
add(
    "hb-016",
    "디지털 배움터 12개소 운영, 고령자 키오스크 교육 2,140명",
    "supported",
    "count",
    "digital inclusion section states both figures",
    LL_INCL,
)
add(
    "hb-017",
    "저소득층 가구 800곳에 태블릿 대여",
    "contradicted",
    "count",
    "evidence: 600 households",
    LL_INCL,
)
add(
    "hb-018",
    "창업지원센터 입주 기업 24개, 투자 유치 누계 13,200,000,000원",
    "supported",
    "amount",
    "evidence 132억원 written in full won",
    LL_STARTUP,
    fmt=True,
    avoid=("132억",),
)
add(
    "hb-019",
    "통신사·한빛에너지공사 등과 MOU 9건 체결, 5건 공동사업 추진",
    "supported",
    "count",
    "9 MOUs, 5 became joint projects",
    LL_COOP,
)
add(
    "hb-020",
    "2025년 빅데이터 분석 과제 16건 완료",
    "contradicted",
    "count",
    "evidence: 14 analyses completed in 2025",
    LL_COOP,
    period="2025",
)
add(
    "hb-021",
    "리빙랩 참여자 만족도 4.5점(5점 만점)",
    "supported",
    "number",
    "satisfaction table: 2025 column 4.5",
    LL_SAT,
    period="2025",
)
add(
    "hb-022",
    "리빙랩 참여자 만족도 4.3점(5점 만점)",
    "contradicted",
    "number",
    "claim year 2025: table 2025 = 4.5; 4.3 is the 2024 value",
    LL_SAT,
    period="2025",
)
add(
    "hb-023",
    "리빙랩 재참여 의향 88%",
    "contradicted",
    "percent",
    "claim year 2024: table 2024 = 81 (88 is 2025)",
    LL_SAT,
    period="2024",
)
add(
    "hb-024",
    "스마트도시 조성 및 운영 조례 2019. 7. 15. 제정, 2024. 3. 28. 개정",
    "supported",
    "date",
    "ordinance header gives both dates in the same style",
    ORD_HEAD,
)
add(
    "hb-025",
    "스마트도시 조성 및 운영 조례 2019년 7월 15일 제정",
    "supported",
    "date",
    "evidence writes 2019. 7. 15.",
    ORD_HEAD,
    fmt=True,
)
add(
    "hb-026",
    "스마트도시 조성 및 운영 조례 2018. 7. 15. 제정",
    "contradicted",
    "date",
    "off by one year: enacted 2019. 7. 15.",
    ORD_HEAD,
)
add(
    "hb-027",
    "2021년 1월 직제 개편으로 스마트도시과(과 단위 전담부서) 신설",
    "supported",
    "date",
    "organisation section: January 2021 reorganisation",
    ORD_ORG,
)
add(
    "hb-028",
    "2022. 1. 스마트도시과 신설(과 단위 전담부서)",
    "contradicted",
    "date",
    "created January 2021, not 2022",
    ORD_ORG,
    fmt=True,
)
add(
    "hb-029",
    "스마트도시 전담인력 정원 31명(현원 30명)",
    "supported",
    "count",
    "org text and team table: 31 / 30",
    ORD_ORG,
    ORD_TEAMS,
)
add(
    "hb-030",
    "스마트도시 전담인력 정원 35명",
    "contradicted",
    "count",
    "complement is 31",
    ORD_ORG,
    ORD_TEAMS,
)
add(
    "hb-031",
    "스마트도시위원회 위원 20명(민간위원 13명), 2025년 3회 개최",
    "supported",
    "count",
    "committee section states 20 members, 13 civilians, 3 meetings",
    ORD_COMM,
    period="2025",
)
add(
    "hb-032",
    "스마트도시위원회 2025년 4회 개최",
    "contradicted",
    "count",
    "committee met 3 times; 4 is the working council's count (trap)",
    ORD_COMM,
    ORD_ART8,
    period="2025",
)
add(
    "hb-033",
    "법정 스마트도시계획 2023. 11. 20. 국토교통부 승인",
    "supported",
    "date",
    "prose says 2023년 11월 20일 (table row not included)",
    PL_APPROVAL,
    fmt=True,
    avoid=("2023. 11. 20.",),
)
add(
    "hb-034",
    "법정 스마트도시계획 2023. 12. 20. 국토교통부 승인",
    "contradicted",
    "date",
    "approved 2023. 11. 20.; table row and prose both say so",
    PL_APPROVAL,
    PL_TABLE1,
)
add(
    "hb-035",
    "총사업비 1,842억원(국비 412억원, 민간투자 185억원)",
    "supported",
    "amount",
    "funding plan paragraph",
    PL_FUND,
)
add(
    "hb-036",
    "스마트도시계획 총사업비 184,200,000,000원",
    "supported",
    "amount",
    "1,842억원 written in full won",
    PL_TABLE1,
    fmt=True,
    avoid=("1,842",),
)
add(
    "hb-037",
    "2025년 스마트도시 예산 312억원, 일반회계 대비 1.10%",
    "supported",
    "amount",
    "plan p.2 states 312억원 and 1.10%",
    PL_BUDGET25,
    period="2025",
)
add(
    "hb-038",
    "2025년 일반회계 세출예산 2조 8,460억 원",
    "supported",
    "amount",
    "budget sheet 2025 row 28460 in 억원 (unit in the header)",
    QD_BUDGET,
    period="2025",
    fmt=True,
    avoid=("2조 8,460억",),
)
add(
    "hb-039",
    "2025년 스마트도시 예산 321억원",
    "contradicted",
    "amount",
    "312억원 in plan and sheet",
    PL_BUDGET25,
    QD_BUDGET,
    period="2025",
)
add(
    "hb-040",
    "최근 3년(2023~2025) 외부 재원 유치 누계 236억원",
    "supported",
    "amount",
    "plan p.2: 누계 236억원",
    PL_BUDGET25,
)
add(
    "hb-041",
    "외부 재원 유치 84억원",
    "supported",
    "amount",
    "budget sheet: 2024 row 84",
    QD_BUDGET,
    period="2024",
)
add(
    "hb-042",
    "외부 재원 유치 74억원",
    "contradicted",
    "amount",
    "claim year 2024: 2024 row says 84 (74 is 2025)",
    QD_BUDGET,
    period="2024",
)
add(
    "hb-043",
    "2022년 스마트시티 챌린지 본사업 선정(교통 분야, 국비 30억 원)",
    "supported",
    "amount",
    "national programmes paragraph",
    PL_NATIONAL,
)
add(
    "hb-044",
    "2021년 스마트시티 챌린지 본사업 선정(교통 분야)",
    "contradicted",
    "date",
    "selected in 2022, not 2021",
    PL_NATIONAL,
)
add(
    "hb-045",
    "통합운영센터 2016년 3월 개소, 365일 24시간 4조 3교대 운영",
    "supported",
    "date",
    "centre paragraph",
    PL_CENTER,
)
add(
    "hb-046",
    "통합운영센터 관제요원 86명 운영",
    "contradicted",
    "count",
    "68 operators, not 86",
    PL_CENTER,
)
add(
    "hb-047",
    "상황 유형별 대응 매뉴얼 27종, 유관기관 합동 훈련 연 4회",
    "supported",
    "count",
    "27 manuals, 4 joint drills in 2025",
    PL_CENTER,
)
add(
    "hb-048",
    "통합플랫폼 연계 12개 기관·서비스",
    "supported",
    "count",
    "platform paragraph and table",
    PL_LINKS,
)
add(
    "hb-049",
    "통합플랫폼 연계 15개 기관·서비스",
    "contradicted",
    "count",
    "12 linked services",
    PL_LINKS,
)
add(
    "hb-050",
    "CCTV 4,850대 중 선별관제 3,010대(62.1%)",
    "supported",
    "count",
    "CCTV paragraph p.4",
    PL_CCTV,
    period="2025",
)
add(
    "hb-051",
    "지능형 CCTV 선별관제 비율 62.1%",
    "supported",
    "percent",
    "CCTV sheet: 2025 row 62.1 (2021 row 15.6 must not contradict)",
    QD_CCTV,
    period="2025",
)
add(
    "hb-052",
    "지능형 CCTV 선별관제 비율 54.6%",
    "contradicted",
    "percent",
    "claim year 2025: 2025 row 62.1 (54.6 is 2024)",
    QD_CCTV,
    period="2025",
    avoid=("선별관제",),
)
add(
    "hb-053",
    "CCTV 통합관제 4,690대",
    "supported",
    "count",
    "p.4 yearly table: 2024 column 4,690",
    PL_YEARS,
    period="2024",
    avoid=("4,850",),
)
add(
    "hb-054",
    "사물인터넷(IoT) 센서 3,450개(대기질·수위·주차·유동인구·가로등)",
    "supported",
    "count",
    "IoT paragraph p.4",
    PL_IOT,
)
add(
    "hb-055",
    "IoT 센서 3450개 운영",
    "supported",
    "count",
    "yearly table 2025 column 3,450; claim omits the separator",
    PL_YEARS,
    period="2025",
    fmt=True,
    avoid=("IoT",),
)
add(
    "hb-056",
    "IoT 센서 2,430개 운영",
    "contradicted",
    "count",
    "claim year 2025: table 2025 = 3,450 (2,430 is 2023)",
    PL_YEARS,
    QD_IOT,
    period="2025",
    avoid=("IoT",),
)
add(
    "hb-057",
    "자가통신망 광케이블 486km(이중화 링 구조)",
    "supported",
    "number",
    "network paragraph",
    PL_NET,
)
add("hb-058", "자가통신망 광케이블 468㎞", "contradicted", "number", "486km, not 468", PL_NET)
add(
    "hb-059",
    "공공 와이파이 1,640개소(주민 1만 명당 16.1개소)",
    "supported",
    "count",
    "network paragraph",
    PL_NET,
    period="2025",
)
add(
    "hb-060",
    "공공 와이파이 1,510개소",
    "supported",
    "count",
    "yearly table: 2024 column 1,510",
    PL_YEARS,
    period="2024",
    avoid=("1,640",),
)
add(
    "hb-061",
    "도시 데이터 허브 2023년 구축, 8개 분야 184종 연계(실시간 42종)",
    "supported",
    "count",
    "data hub paragraph",
    PL_HUB,
)
add(
    "hb-062",
    "도시 데이터 허브 8개 분야 148종 데이터 연계",
    "contradicted",
    "count",
    "184 kinds, not 148",
    PL_HUB,
)
add(
    "hb-063",
    "AI 안심귀가·침수 감지 운영, 침수 출동 시간 4분 12초→2분 48초",
    "supported",
    "number",
    "service table: safety row",
    PL_SVC,
)
add(
    "hb-064",
    "BIS 정류장 1,120개소, 스마트 교차로 86개소, 통행시간 11.4% 단축",
    "supported",
    "count",
    "service table: transport row",
    PL_SVC,
)
add(
    "hb-065", "스마트 교차로 68개소 운영", "contradicted", "count", "86 smart intersections", PL_SVC
)
add(
    "hb-066",
    "한빛온 시민 앱 가입자 41만 2천 명",
    "supported",
    "count",
    "service sheet 412000 (no separators) written with 만/천",
    QD_USERS,
    fmt=True,
)
add(
    "hb-067",
    "2025년 스마트 서비스 실이용자 43만 1,500명(이용률 42.3%)",
    "supported",
    "count",
    "plan p.5: 431,500명, 42.3%",
    PL_USERS,
    period="2025",
    fmt=True,
)
add(
    "hb-068",
    "정보보호 관리체계(ISMS) 인증 취득(2024. 6.)",
    "supported",
    "date",
    "evidence writes 2024년 6월",
    PL_SEC,
    fmt=True,
)
add(
    "hb-069",
    "정보보호 관리체계(ISMS) 인증 취득(2023. 6.)",
    "contradicted",
    "date",
    "certified June 2024",
    PL_SEC,
    fmt=True,
)
add(
    "hb-070",
    "영상정보 열람 청구 214건 전건 10일 이내 처리",
    "supported",
    "count",
    "privacy paragraph",
    PL_PRIV,
    period="2025",
)
add(
    "hb-071",
    "2025년 기반시설 유지관리 예산 4,800,000,000원",
    "supported",
    "amount",
    "evidence 48억원",
    PL_MAINT,
    period="2025",
    fmt=True,
    avoid=("48억",),
)
add(
    "hb-072",
    "성과지표 24개 중 22개 달성(목표달성률 91.7%)",
    "supported",
    "percent",
    "performance paragraph",
    PL_PERF,
    period="2025",
)
add(
    "hb-073",
    "스마트도시계획 이행점검 목표달성률 97.1%",
    "contradicted",
    "percent",
    "91.7%, not 97.1%",
    PL_PERF,
    period="2025",
)
add(
    "hb-074",
    "2025년 10월 시민 1,200명 만족도 조사 83.6점",
    "supported",
    "number",
    "satisfaction paragraph",
    PL_SATIS,
    period="2025",
)
add(
    "hb-075",
    "스마트 서비스 시민 만족도 86.3점",
    "contradicted",
    "number",
    "83.6 out of 100",
    PL_SATIS,
    period="2025",
)
add(
    "hb-076",
    "인구 102만 명(2025. 12. 주민등록)",
    "supported",
    "count",
    "application: 1,020,000명",
    APP_POP,
    fmt=True,
    avoid=("1,020,000",),
    pool=(H_APP, H_PLAN, H_LL),
)
# weak: the subject is there, the figure is not
add(
    "hb-077",
    "스마트도시 아카데미 2024년 수료 3,240명",
    "weak",
    "count",
    "passages give only the 2025 figure (3,912); nothing states 2024",
    LL_EDU,
    period="2024",
    avoid=("3240", "3,240", "교육 실적"),
)
add(
    "hb-078",
    "통합운영센터 관제요원 정기 직무교육 연 12회 실시",
    "weak",
    "count",
    "centre staffing and drills described, no training count",
    PL_CENTER,
)
add(
    "hb-079",
    "공공데이터 활용 해커톤 참가자 만족도 4.6점",
    "weak",
    "number",
    "hackathon mentioned (60 participants), no satisfaction score",
    LL_DATA,
)
add(
    "hb-080",
    "스마트도시 인재양성 과정 누적 수료 120명",
    "weak",
    "count",
    "course runs 40 a year; no cumulative total or duration",
    LL_COOP,
)
add(
    "hb-081",
    "버스정류장 스마트 쉼터 2025년 이용자 5만 명",
    "weak",
    "count",
    "living-lab table says 30 shelters installed, no user count",
    LL_TASKS,
    P(H_LL, "2024 | 침수 취약지 주민 알림", "2025 | 장애인 이동 경로 데이터"),
    period="2025",
)
add(
    "hb-082",
    "CCTV 장애 처리 평균 소요시간 2.5시간",
    "weak",
    "number",
    "maintenance paragraph gives the 4-hour target and 96.2% compliance, not an average",
    PL_MAINT,
)
add(
    "hb-083",
    "2024년 데이터허브 모델 확산사업 선정(국비 15억 원 확보)",
    "weak",
    "amount",
    "selection in 2024 is stated, no grant amount is given",
    PL_NATIONAL,
)

# ==========================================================================================
# 솔내시 (demo submission, a weak applicant)
# ==========================================================================================
SL_PANEL = P(S_LL, "솔내시는 2025년 4월 주민 25명으로")
SL_TASKS = P(S_LL, "최근 3년(2023~2025) 수행한 리빙랩 과제는 총 3건", "2025 | 어르신 AI 스피커")
SL_EDU = P(S_LL, "시민 아이디어 공모는 실시하지 않았다")
SL_COOP = P(S_LL, "민관 협력은 지역 통신사와")
SO_HEAD = P(S_ORD, "솔내시 스마트도시 조성 및 운영 조례(발췌)", "[제정 2024. 9. 30.")
SO_ORG = P(S_ORD, "솔내시의 스마트도시 업무는 정보통신과", "합계 | 8 | 7")
SO_COMM = P(
    S_ORD, "3. 스마트도시위원회 및 협의체 개최 실적(2025년)", "실무협의회는 운영하지 않는다"
)
SQ_OPEN = P(S_QD, "# 시트: 공공데이터 개방", "2025 | 58")
SQ_EDU = P(S_QD, "# 시트: 교육 실적", "2025 | 380")
SQ_BUDGET = P(S_QD, "# 시트: 예산 및 재원", "2025 | 7820")
SQ_USERS = P(S_QD, "# 시트: 서비스 이용", "중복 제거 실이용자")
SP_PLAN = P(S_PLAN, "솔내시는 2024년 4월 「솔내시 스마트도시 기본구상」을 수립하였다")
SP_POP = P(S_PLAN, "솔내시는 인구 186,000명")
SP_BUDGET = P(S_PLAN, "재원: 2025년 스마트도시 관련 예산은 31.2억원으로", "누계 27억원이다.")
SP_PROJ = P(S_PLAN, "핵심 사업 사업비(억원) 추진 상황", "스마트 마을방송 4.1")
SP_CENTER = P(
    S_PLAN, "솔내시 CCTV 통합관제센터는 2019년 1월 개소", "스마트시티 통합플랫폼은 2022년 도입"
)
SP_LINKS = P(S_PLAN, "스마트시티 통합플랫폼은 2022년 도입", "3 119 긴급출동 지원")
SP_CCTV = P(S_PLAN, "2025년 12월 기준 통합관제 대상 CCTV는 1,120대", "선별관제 비율은 17.9%이다.")
SP_NET = P(S_PLAN, "자가통신망은 광케이블 62km로", "주민 1만 명당 8.0개소이다.")
SP_IOT = P(
    S_PLAN, "사물인터넷(IoT) 센서는 총 310개로", "간이측정기 18개, 스마트 가로등 제어기 42개이다."
)
SP_YEARS = P(S_PLAN, "구분 2021 2022 2023 2024 2025", "공공 와이파이(개소) 96")
SP_SVC = P(S_PLAN, "안전 분야에서는 하천 침수 감지 수위계 24개소", "측정 위주이다.")
SP_SEC = P(S_PLAN, "정보보안: 연 1회(2025년 9월) 취약점 점검")
SP_SATIS = P(S_PLAN, "시민 만족도: 2025년 11월 시민 300명을", "이용률은 18.0%이다.")
SA_POP = P(S_APP, "# 1. 신청 지방자치단체", "신청 유형 | 중소도시")

add(
    "sn-001",
    "주민 리빙랩 참여단 25명 구성(2025년 4월)",
    "supported",
    "count",
    "pilot report opening paragraph",
    SL_PANEL,
    period="2025",
)
add(
    "sn-002",
    "최근 3년 리빙랩 과제 3건(2024년 1건, 2025년 2건)",
    "supported",
    "count",
    "task table: one 2024 row, two 2025 rows",
    SL_TASKS,
)
add("sn-003", "최근 3년 리빙랩 과제 5건 수행", "contradicted", "count", "3 tasks", SL_TASKS)
add(
    "sn-004",
    "2025년 시민 교육 수료 380명(인구 1만 명당 20.4명)",
    "supported",
    "count",
    "pilot report section 3",
    SL_EDU,
    period="2025",
)
add(
    "sn-005",
    "공공데이터 개방 64건(파일 58, 오픈API 6)",
    "supported",
    "count",
    "open-data sheet 2025 row",
    SQ_OPEN,
    period="2025",
)
add(
    "sn-006",
    "공공데이터 개방 64건",
    "contradicted",
    "count",
    "claim year 2024: 2024 row says 57",
    SQ_OPEN,
    period="2024",
)
add(
    "sn-007",
    "2025년 공무원 교육 이수율 12.4%",
    "supported",
    "percent",
    "education sheet 2025 row",
    SQ_EDU,
    period="2025",
)
add(
    "sn-008",
    "2025년 공무원 교육 이수율 14.2%",
    "contradicted",
    "percent",
    "2025 row says 12.4",
    SQ_EDU,
    period="2025",
)
add(
    "sn-009",
    "스마트도시 조성 및 운영 조례 2024년 9월 30일 제정",
    "supported",
    "date",
    "ordinance header 2024. 9. 30.",
    SO_HEAD,
    fmt=True,
)
add(
    "sn-010",
    "스마트도시 조성 및 운영 조례 2023. 9. 30. 제정",
    "contradicted",
    "date",
    "off by one year: 2024. 9. 30.",
    SO_HEAD,
)
add(
    "sn-011",
    "스마트도시팀 정원 5명(현원 4명)",
    "supported",
    "count",
    "organisation paragraph and table",
    SO_ORG,
)
add(
    "sn-012",
    "스마트도시팀 정원 8명",
    "contradicted",
    "count",
    "team complement is 5; 8 is the total with the control-centre team of another department",
    SO_ORG,
)
add(
    "sn-013",
    "스마트도시 기본구상 2024. 4. 수립",
    "supported",
    "date",
    "evidence 2024년 4월",
    SP_PLAN,
    fmt=True,
)
add(
    "sn-014",
    "2025년 스마트도시 예산 31.2억원, 일반회계 대비 0.40%",
    "supported",
    "amount",
    "basic-plan p.2",
    SP_BUDGET,
    period="2025",
)
add(
    "sn-015",
    "2025년 스마트도시 예산 31억 2천만 원",
    "supported",
    "amount",
    "evidence 31.2억원",
    SP_BUDGET,
    period="2025",
    fmt=True,
)
add(
    "sn-016",
    "2025년 스마트도시 예산 312억원",
    "contradicted",
    "amount",
    "inflated tenfold: 31.2억원",
    SP_BUDGET,
    SQ_BUDGET,
    period="2025",
)
add(
    "sn-017",
    "2025년 일반회계 세출예산 7,820억원",
    "supported",
    "amount",
    "plan p.2 and budget sheet",
    SP_BUDGET,
    period="2025",
)
add(
    "sn-018",
    "최근 3년 외부 재원 누계 27억원(솔루션 확산사업 국비 12억원 포함)",
    "supported",
    "amount",
    "plan p.2",
    SP_BUDGET,
)
add(
    "sn-019",
    "외부 재원 유치 6억원",
    "supported",
    "amount",
    "budget sheet: 2024 row 6",
    SQ_BUDGET,
    period="2024",
    avoid=("외부 재원",),
)
add(
    "sn-020",
    "CCTV 통합관제센터 2019년 1월 개소, 관제요원 16명 24시간 운영",
    "supported",
    "date",
    "centre paragraph",
    SP_CENTER,
)
add(
    "sn-021",
    "관제요원 16명, 4조 3교대 24시간 운영",
    "contradicted",
    "number",
    "evidence: 4조 2교대",
    SP_CENTER,
)
add(
    "sn-022",
    "통합플랫폼 연계 6개 서비스",
    "supported",
    "count",
    "platform paragraph and table",
    SP_LINKS,
)
add(
    "sn-023",
    "스마트시티 통합플랫폼 2021년 도입",
    "contradicted",
    "date",
    "introduced 2022",
    SP_LINKS,
)
add(
    "sn-024",
    "CCTV 1,120대 중 선별관제 200대(17.9%)",
    "supported",
    "count",
    "CCTV paragraph p.4",
    SP_CCTV,
    period="2025",
)
add(
    "sn-025",
    "지능형 CCTV 선별관제 비율 17.9%",
    "supported",
    "percent",
    "yearly table 2025 column 17.9; earlier years 0.0 must not contradict",
    SP_YEARS,
    period="2025",
    avoid=("선별관제",),
)
add(
    "sn-026",
    "선별관제 적용 CCTV 200대",
    "contradicted",
    "count",
    "claim year 2024: table 2024 = 0 (selective monitoring started 2025)",
    SP_YEARS,
    period="2024",
    avoid=("선별관제",),
)
add("sn-027", "사물인터넷(IoT) 센서 310개", "supported", "count", "IoT paragraph", SP_IOT)
add(
    "sn-028",
    "IoT 센서 250개",
    "contradicted",
    "count",
    "claim year 2025: 310 (250 is 2024)",
    SP_YEARS,
    period="2025",
    avoid=("IoT",),
)
add(
    "sn-029",
    "IoT 센서 250개",
    "supported",
    "count",
    "claim year 2024: table 2024 = 250",
    SP_YEARS,
    period="2024",
    avoid=("IoT",),
)
add(
    "sn-030",
    "자가통신망 광케이블 62km(자가망·임대망 혼용)",
    "supported",
    "number",
    "network paragraph",
    SP_NET,
)
add(
    "sn-031",
    "공공 와이파이 148개소(주민 1만 명당 8.0개소)",
    "supported",
    "count",
    "network paragraph",
    SP_NET,
    period="2025",
)
add(
    "sn-032",
    "하천 침수 감지 수위계 24개소, 스마트 마을방송 12개 마을",
    "supported",
    "count",
    "services paragraph",
    SP_SVC,
)
add(
    "sn-033",
    "솔내 콜버스 8개 노선, 2025년 이용 4만 1,200회",
    "supported",
    "count",
    "evidence 41,200회",
    SP_SVC,
    period="2025",
    fmt=True,
)
add(
    "sn-034",
    "솔내 콜버스 2025년 이용 14,200회",
    "contradicted",
    "count",
    "41,200회",
    SP_SVC,
    SQ_USERS,
    period="2025",
)
add(
    "sn-035",
    "연 1회 취약점 점검(2025. 9.)",
    "supported",
    "date",
    "evidence 2025년 9월",
    SP_SEC,
    fmt=True,
)
add(
    "sn-036",
    "2025년 11월 시민 300명 만족도 설문 76.2점",
    "supported",
    "number",
    "satisfaction paragraph",
    SP_SATIS,
    period="2025",
)
add(
    "sn-037",
    "스마트 서비스 만족도 76.2점(시민 3,000명 설문)",
    "contradicted",
    "count",
    "sample was 300, not 3,000",
    SP_SATIS,
    period="2025",
)
add(
    "sn-038",
    "스마트 서비스 실이용자 약 3만 3,500명(이용률 18.0%)",
    "supported",
    "count",
    "evidence 33,500명",
    SP_SATIS,
    fmt=True,
)
add(
    "sn-039",
    "인구 18만 6천 명(2025. 12. 주민등록)",
    "supported",
    "count",
    "application 186,000명",
    SA_POP,
    fmt=True,
    avoid=("186,000",),
    pool=(S_APP, S_PLAN, S_LL),
)
add(
    "sn-040",
    "독거노인 AI 돌봄 스피커 420가구 보급",
    "supported",
    "count",
    "project table and services paragraph",
    SP_PROJ,
)
add(
    "sn-041",
    "스마트도시위원회 위원 9명(민간위원 4명), 2025년 1회 개최",
    "supported",
    "count",
    "committee section",
    SO_COMM,
    period="2025",
)
add(
    "sn-042",
    "스마트도시위원회 2025년 2회 개최",
    "contradicted",
    "count",
    "met once (written review)",
    SO_COMM,
    period="2025",
)
add(
    "sn-043",
    "하천 침수 감지 수위계 설치 사업비 6.5억원(2024년 완료)",
    "supported",
    "amount",
    "project table row",
    SP_PROJ,
)
add(
    "sn-044",
    "하천 수위계 경보 발령 2025년 37건",
    "weak",
    "count",
    "water-level gauges described (24 sites), no alert count",
    SP_SVC,
    P(S_LL, "2024 | 마을 하천 수위 알림"),
    period="2025",
)
add(
    "sn-045",
    "통합관제센터 관제요원 정기 교육 연 4회",
    "weak",
    "count",
    "centre described (16 operators, 1 drill), no training count",
    SP_CENTER,
)
add(
    "sn-046",
    "주민 설명회 참석 인원 누적 260명",
    "weak",
    "count",
    "two briefings and 14 opinions mentioned, no attendance figure",
    P(S_LL, "주민 의견은 주로 주민 설명회"),
    SL_EDU,
)
add(
    "sn-047",
    "법정 스마트도시계획 수립 용역비 2억 원",
    "weak",
    "amount",
    "the planning study and its schedule are described, no cost",
    SP_PLAN,
    P(S_PLAN, "구분 내용 비고", "법정계획 스마트도시계획 수립 용역 중"),
)

# ==========================================================================================
# Real corpus documents (RFPs, press releases, plans, statistics)
# ==========================================================================================
BIS_BUDGET = P(BIS, "1.4 사업기간", "가. 소요예산 : ￦999,494,600원")
BIS_BIT = P(BIS, "○ 버스정보 안내단말기(BIT) 55개소 55대", "— LED 양면형 4단 12열 : 04대")
PT_SCOPE = P(PT_AI, "과 업 명 : 평택시 강소형 스마트시티 조성사업", "사업금액 : 금 310,000,000원")
PT_BG = P(
    PT_AI, "2023 평택시 강소형 스마트시티 조성사업 공모 선정", "다양한 영상데이터들을 학습하여"
)
PT_EVAL = P(PT_AI, "입찰방법 : 제한경쟁입찰", "종합평가점수 = 기술능력 평가(90%)")
BONG_SCOPE = P(
    BONG, "❍ 사 업 명 : 봉화군 재난통합관리시스템 고도화 사업", "❍ 계약방법 : 제한경쟁입찰"
)
BONG_HIST = P(
    BONG, "❍ 전국적으로 기상이변에 따른 국지성 호우", "※ 지난 10년간 태풍, 집중호우로 인해 총 332명"
)
BONG_RANGE = P(BONG, "항 목 | 단위 | 수량 | 비고", "바. 네트워크시스템 | 식 | 1")
SEOUL_SCOPE = P(
    SEOUL, "ㅇ 사 업 명 : 2024년 지도정보 플랫폼", "ㅇ 사 업 비 : 금493,763천원(부가가치세 포함)"
)
SEOUL_NEED = P(SEOUL, "ㅇ 필요성 - 매년 30~40건 신규 도시생활지도")
GB_BUDGET = P(GANGBUK, "마. 소요예산: 270,000,000원")
UL_NOTICE = P(ULSAN, "울산광역시 남구 공고 제2021-174호", "울산광역시 남구청장")
UL_OPINION = P(
    ULSAN, "이 조례 개정안에 대하여 의견이 있는 기관", end="서면으로 제출하여 주시기 바랍니다."
)
NURI_CONTEST = P(NURI, "o 4월 27일부터 5월 31일까지 실시한 동 명칭 공모")
NURI_SPEC = P(NURI, "구 분 | 한국형발사체(누리호) | 시험발사체", "단 수 | 3단 | 1단")
NURI_HEAD = P(NURI, "보도일시 | 2018. 9. 4.(화)", "배포일시 | 2018. 9. 3.(월)")
GOV_CONSULT = P(GOV, "○ 이에, ‘19.3월부터 공공부문 ICT", "* 관계부처 협의 21회")
GOV_CALL = P(GOV, "○ (국민의 소리) 개별 운영중인 콜센터")
GOV_APPS = P(
    GOV, "○ 공공기관에서 직접 개발·운영하고 있는 불편하고", "※ 18년말 기준 총 771개의 공공앱"
)
GOV_CERT = P(GOV, "○ 각종 증명서를 전자적으로 발급‧보관*하고", "- 수요가 많은 증명서부터 순차 발급")
GOV_PAPER = P(
    GOV, "○ ‘22년까지 국민이 편리하게 맞춤형으로", "○ ‘22년까지 종이증명서를 절반 이하로 감축"
)
GOV_LIFE = P(GOV, "생애주기 서비스 대폭 확대 (현재 2개 → 22년 10개 이상)")
KOSIS_HEAD = P(
    KOSIS, "행정구역(동읍면)별(1) | 행정구역(동읍면)별(2) | 항목 | 계", end="| 30 - 34세"
)
KOSIS_PT = P(KOSIS, "| 평택시 | 총인구수 (명) | 470,832", end="| 470,832")
KOSIS_BH = P(KOSIS, "| 봉화군 | 총인구수 (명) | 33,539", end="| 33,539")
KIPA_AI = P(KIPA, "2022년 기준 420개 공공기관을 대상으로", "입한 것으로 조사됨")
SPRI_FUND = P(
    SPRI,
    "미국 프런티어 모델 포럼, 1,000만 달러 규모의 AI 안전 기금 조성",
    "안전 연구를 위한 1,000만 달러 규모의 AI 안전 기금을 조성",
    page=10,
)
KMA_START = P(KMA_WARN, "API 서비스 배포정보 | 서비스 시작일 | 2019-12-20")
TRANSIT_STD = P(TRANSIT, "공공데이터 제공 표준 (2023.5.18.)", "갱신주기 | 연간")

add(
    "cp-001",
    "버스정보시스템(BIS) 구축사업 소요예산 9억 9,949만 4,600원(부가세 포함)",
    "supported",
    "amount",
    "RFP: ￦999,494,600원",
    BIS_BUDGET,
    fmt=True,
    avoid=("999,494,600",),
)
add(
    "cp-002",
    "버스정보시스템(BIS) 구축사업 소요예산 10억 9,949만 원",
    "contradicted",
    "amount",
    "RFP budget is 999,494,600원 (about 9.99억), not 10.99억",
    BIS_BUDGET,
    fmt=True,
    avoid=("999,494,600",),
)
add(
    "cp-003",
    "버스정보 안내단말기(BIT) 55개소 설치",
    "supported",
    "count",
    "RFP scope: BIT 55개소 55대",
    BIS_BIT,
    avoid=("BIT",),
)
add(
    "cp-004",
    "버스정보 안내단말기(BIT) 65개소 설치",
    "contradicted",
    "count",
    "55 sites",
    BIS_BIT,
    avoid=("BIT",),
)
add(
    "cp-005",
    "BIS 구축사업 완료 2024년 10월 31일",
    "supported",
    "date",
    "RFP: 착수일로부터 ∼ 2024. 10. 31.",
    BIS_BUDGET,
    fmt=True,
)
add(
    "cp-006",
    "BIS 구축사업 완료 2024. 12. 31.",
    "contradicted",
    "date",
    "period ends 2024. 10. 31.",
    BIS_BUDGET,
)
add(
    "cp-007",
    "강소형 스마트시티 영상 AI감지 및 홍수감시 연동 시스템 구축(사업비 3억 1천만 원, VAT 별도)",
    "supported",
    "amount",
    "RFP: 금 310,000,000원 (VAT 별도)",
    PT_SCOPE,
    fmt=True,
    avoid=("310,000,000",),
)
add(
    "cp-008",
    "영상 AI감지 및 홍수감시 연동 시스템 구축 사업비 3억 5천만 원",
    "contradicted",
    "amount",
    "RFP amount 310,000,000원",
    PT_SCOPE,
    fmt=True,
    avoid=("310,000,000",),
)
add(
    "cp-009",
    "영상 AI감지 및 홍수감시 연동 시스템 구축 완료 2025. 12. 31.",
    "supported",
    "date",
    "RFP: 계약체결일로부터 2025년 12월 31일 까지",
    PT_SCOPE,
    fmt=True,
)
add(
    "cp-010",
    "2023년 평택시 강소형 스마트시티 조성사업 공모 선정",
    "supported",
    "date",
    "RFP background",
    PT_BG,
)
add(
    "cp-011",
    "2022년 평택시 강소형 스마트시티 조성사업 공모 선정",
    "contradicted",
    "date",
    "selected in the 2023 call",
    PT_BG,
)
add(
    "cp-012",
    "제안서 평가: 기술능력 90%, 입찰가격 10%",
    "supported",
    "percent",
    "RFP evaluation formula",
    PT_EVAL,
)
add(
    "cp-013",
    "재난통합관리시스템 고도화 사업비 9억 원(부가세 포함)",
    "supported",
    "amount",
    "RFP: 900,000,000원",
    BONG_SCOPE,
    fmt=True,
    avoid=("900,000,000",),
)
add(
    "cp-014",
    "재난통합관리시스템 고도화 사업비 12억 원(부가세 포함)",
    "contradicted",
    "amount",
    "RFP: 900,000,000원",
    BONG_SCOPE,
    fmt=True,
    avoid=("900,000,000",),
)
add(
    "cp-015",
    "재난통합관리시스템 고도화 사업기간 7개월(210일)",
    "supported",
    "number",
    "RFP general section",
    BONG_SCOPE,
    avoid=("210일",),
)
add(
    "cp-016",
    "지난 10년간 태풍·집중호우 인명피해 332명(추진배경)",
    "supported",
    "count",
    "RFP background note",
    BONG_HIST,
)
add(
    "cp-017",
    "지난 10년간 태풍·집중호우 인명피해 323명",
    "contradicted",
    "count",
    "332, not 323",
    BONG_HIST,
)
add(
    "cp-018",
    "재난상황 확대 전파 6식 구축(LTE·DMB 무선방식)",
    "supported",
    "count",
    "scope table: 6 식",
    BONG_RANGE,
)
add(
    "cp-019",
    "재난상황 확대 전파 8식 구축",
    "contradicted",
    "count",
    "scope table: 6 식",
    BONG_RANGE,
)
add(
    "cp-020",
    "지도정보 플랫폼 고도화 사업비 4억 9,376만 3천 원(부가가치세 포함)",
    "supported",
    "amount",
    "RFP: 금493,763천원",
    SEOUL_SCOPE,
    fmt=True,
    avoid=("493,763",),
)
add(
    "cp-021",
    "지도정보 플랫폼 고도화 사업비 493,763,000원",
    "supported",
    "amount",
    "493,763천원 = 493,763,000원",
    SEOUL_SCOPE,
    fmt=True,
    avoid=("493,763",),
)
add(
    "cp-022",
    "지도정보 플랫폼 고도화 사업비 5억 9,376만 원",
    "contradicted",
    "amount",
    "493,763천원 is 4.94억",
    SEOUL_SCOPE,
    fmt=True,
    avoid=("493,763",),
)
add(
    "cp-023",
    "지도정보 플랫폼 고도화 사업기간 계약 후 7개월(210일)",
    "supported",
    "number",
    "RFP overview",
    SEOUL_SCOPE,
)
add(
    "cp-024",
    "매년 30~40건 신규 도시생활지도 발굴",
    "supported",
    "count",
    "RFP need statement",
    SEOUL_NEED,
)
add(
    "cp-025",
    "가을밤 음악축제 행사대행 소요예산 2억 7천만 원(부가세 포함)",
    "supported",
    "amount",
    "RFP: 270,000,000원(이억칠천만원)",
    GB_BUDGET,
    fmt=True,
    avoid=("270,000,000",),
)
add(
    "cp-026",
    "가을밤 음악축제 행사대행 소요예산 3억 7천만 원",
    "contradicted",
    "amount",
    "270,000,000원",
    GB_BUDGET,
    fmt=True,
    avoid=("270,000,000",),
)
add(
    "cp-027",
    "구세 조례 일부개정조례안 입법예고(2021. 2. 5., 공고 제2021-174호)",
    "supported",
    "date",
    "notice dated 2021년 2월 5일",
    UL_NOTICE,
    fmt=True,
)
add(
    "cp-028",
    "입법예고 의견제출 기한 2021. 3. 25.",
    "contradicted",
    "date",
    "deadline 2021년 2월 25일",
    UL_OPINION,
    fmt=True,
)
add(
    "cp-029",
    "한국형발사체 명칭 공모 약 6천3백 명 참여, 1만 건 이상 응모",
    "supported",
    "count",
    "press release: 약 6,300여명, 총 10,000건 이상",
    NURI_CONTEST,
    fmt=True,
)
add(
    "cp-030",
    "누리호 총 길이 47.2m, 이륙 중량 200톤",
    "supported",
    "number",
    "comparison table",
    NURI_SPEC,
)
add("cp-031", "누리호 이륙 중량 250톤", "contradicted", "number", "200 톤", NURI_SPEC)
add(
    "cp-032",
    "과기정통부 보도자료(2018년 9월 4일 보도)",
    "supported",
    "date",
    "header: 보도일시 2018. 9. 4.",
    NURI_HEAD,
    fmt=True,
)
add(
    "cp-033",
    "관계부처 협의 21회, 민간전문가 의견청취 10회",
    "supported",
    "count",
    "plan background",
    GOV_CONSULT,
)
add(
    "cp-034",
    "콜센터 118개 기관, 165개 콜센터 통합",
    "contradicted",
    "count",
    "156 call centres",
    GOV_CALL,
)
add(
    "cp-035",
    "18년말 공공앱 771개, 총 구축·운영비 98,900,000,000원",
    "supported",
    "amount",
    "989억원 in full won",
    GOV_APPS,
    fmt=True,
    avoid=("989억",),
)
add(
    "cp-036",
    "2020년말 전자증명서 100종 발급",
    "supported",
    "count",
    "(20년말) 가족관계증명서 등 100종; 300종 belongs to 21년말",
    GOV_CERT,
    period="2020",
    fmt=True,
)
add(
    "cp-037",
    "2020년말 전자증명서 300종 발급",
    "contradicted",
    "count",
    "20년말 is 100종; 300종 is the 21년말 target",
    GOV_CERT,
    period="2020",
    fmt=True,
)
add(
    "cp-038",
    "2022년까지 종이증명서 절반 이하 감축, 3조원 이상 절감",
    "supported",
    "amount",
    "expected-effects section",
    GOV_PAPER,
)
add(
    "cp-039",
    "생애주기 서비스 현재 2개에서 2022년 10개 이상으로 확대",
    "supported",
    "count",
    "task heading",
    GOV_LIFE,
)
add(
    "cp-040",
    "평택시 인구 47만 832명(2016년)",
    "supported",
    "count",
    "KOSIS table row 470,832",
    KOSIS_HEAD,
    KOSIS_PT,
    period="2016",
    fmt=True,
    avoid=("470,832",),
)
add(
    "cp-041",
    "봉화군 인구 33,539명(2016년)",
    "supported",
    "count",
    "KOSIS table row",
    KOSIS_HEAD,
    KOSIS_BH,
    period="2016",
)
add(
    "cp-042",
    "봉화군 인구 35,539명(2016년)",
    "contradicted",
    "count",
    "33,539",
    KOSIS_HEAD,
    KOSIS_BH,
    period="2016",
)
add(
    "cp-043",
    "2022년 공공기관 420개 중 238개(56.7%) AI 도입",
    "supported",
    "percent",
    "KIPA survey sentence",
    KIPA_AI,
    period="2022",
)
add(
    "cp-044",
    "2022년 공공기관 AI 도입률 58.7%",
    "contradicted",
    "percent",
    "56.7%",
    KIPA_AI,
    period="2022",
)
add(
    "cp-045",
    "프런티어 모델 포럼 AI 안전 기금 1천만 달러 조성",
    "supported",
    "amount",
    "brief heading: 1,000만 달러",
    SPRI_FUND,
    fmt=True,
)
add(
    "cp-046",
    "기상특보 조회 오픈API 연계(서비스 시작 2019년 12월 20일)",
    "supported",
    "date",
    "API guide: 서비스 시작일 2019-12-20",
    KMA_START,
    fmt=True,
)
add(
    "cp-047",
    "대중교통환승센터 표준데이터(공공데이터 제공 표준 2023. 5. 18.) 연간 갱신",
    "supported",
    "date",
    "standard dated 2023.5.18., 갱신주기 연간",
    TRANSIT_STD,
    fmt=True,
)
add(
    "cp-048",
    "버스정보시스템 BIT 유지관리 연 2회 정기점검",
    "weak",
    "count",
    "RFP BIT scope lists terminals but no inspection frequency",
    BIS_BIT,
    avoid=("정기점검",),
)
add(
    "cp-049",
    "재난 예경보 방송 가청 범위 95% 확보",
    "weak",
    "percent",
    "RFP says coverage will be widened, gives no percentage",
    P(BONG, "❍ 재난경보방송 가청 범위 확대를 통한 사각지역 해소"),
    BONG_RANGE,
)
add(
    "cp-050",
    "스마트서울맵 2023년 방문자 120만 명",
    "weak",
    "count",
    "RFP mentions falling visitor numbers, no count",
    P(SEOUL, "- 코로나19 정보 제공 종료로 스마트서울맵 방문자 감소 예상"),
    SEOUL_NEED,
)
add(
    "cp-051",
    "재난 예경보시설 120개소 연계",
    "weak",
    "count",
    "RFP says existing warning facilities are linked, never how many",
    P(BONG, "나. 통합상황전파시스템 구축", "❍ 모바일 앱 연계 정보 제공"),
    BONG_RANGE,
)
add(
    "cp-052",
    "BIS 구축사업 2024. 3. 착수",
    "weak",
    "date",
    "RFP gives only the end date (착수일로부터 ∼ 2024. 10. 31.), no start date",
    BIS_BUDGET,
)

# ==========================================================================================
# Synthetic yearly tables (가람시)
# ==========================================================================================
add(
    "syn-001",
    "스마트 버스정류장 73개소 설치(누적)",
    "supported",
    "count",
    "2025 column 73",
    S(1),
    period="2025",
)
add(
    "syn-002",
    "스마트 버스정류장 누적 사업비 63억 5천만 원",
    "supported",
    "amount",
    "2025 column 6,350,000,000원",
    S(1),
    period="2025",
    fmt=True,
)
add(
    "syn-003",
    "스마트 버스정류장 누적 사업비 12억 3천만 원",
    "contradicted",
    "amount",
    "claim year 2025: 6,350,000,000 (1,230,000,000 is 2021)",
    S(1),
    period="2025",
    fmt=True,
)
add(
    "syn-004",
    "스마트 버스정류장 58개소 설치(누적)",
    "supported",
    "count",
    "2024 column 58",
    S(1),
    period="2024",
)
add(
    "syn-005",
    "시민 디지털 교육 이수자 3만 5천 명, 이수율 31.6 퍼센트",
    "supported",
    "count",
    "2025 row 35,000 / 31.6",
    S(2),
    period="2025",
    fmt=True,
)
add(
    "syn-006",
    "시민 디지털 교육 이수자 2만 5천 명",
    "contradicted",
    "count",
    "claim year 2025: 35,000 (24,800 is 2023; 25,000 appears nowhere)",
    S(2),
    period="2025",
    fmt=True,
)
add(
    "syn-007",
    "시민 디지털 교육 이수율 22.3%",
    "supported",
    "percent",
    "2023 row 22.3",
    S(2),
    period="2023",
)
add(
    "syn-008",
    "2024년 스마트도시 예산 14억 5천만 원",
    "supported",
    "amount",
    "2024 row 1,450,000 in 천원",
    S(3),
    period="2024",
    fmt=True,
)
add(
    "syn-009",
    "2025년 스마트도시 예산 18억 2천만 원(국비 6억 4천만 원)",
    "supported",
    "amount",
    "2025 row 1,820,000 / 640,000 천원",
    S(3),
    period="2025",
    fmt=True,
)
add(
    "syn-010",
    "2025년 스마트도시 예산 1,820,000,000원(국비 7억 4천만 원)",
    "contradicted",
    "amount",
    "국비 640,000천원 = 6.4억, not 7.4억",
    S(3),
    period="2025",
    fmt=True,
)
add(
    "syn-011",
    "스마트도시 조성 및 운영 조례 2020. 3. 15. 제정",
    "supported",
    "date",
    "history row: 2020년 3월 15일",
    S(4),
    fmt=True,
)
add(
    "syn-012",
    "스마트도시 조례 시행규칙 2021. 4. 1. 제정",
    "contradicted",
    "date",
    "enacted 2021년 5월 1일",
    S(4),
    fmt=True,
)
add("syn-013", "112 영상 지원 3,105건", "supported", "count", "2025 row", S(5), period="2025")
add(
    "syn-014",
    "통합운영센터 처리 실적 합계 4,076건",
    "contradicted",
    "count",
    "claim year 2025: 4,576 (4,076 is 2024)",
    S(5),
    period="2025",
)
add(
    "syn-015",
    "스마트 버스정류장 이용 만족도 82.4점",
    "supported",
    "number",
    "2025 column 82.4",
    S(1),
    period="2025",
)

# ==========================================================================================
# No evidence: the candidate passages are about other things
# ==========================================================================================
add(
    "ne-001",
    "스마트 횡단보도 55개소 설치",
    "no_evidence",
    "count",
    "BIS passages (BIT 55개소: same number, other subject)",
    BIS_BIT,
    pool=(BIS,),
    avoid=("횡단보도",),
)
add(
    "ne-002",
    "스마트 팜 12개소 조성",
    "no_evidence",
    "count",
    "public-data act passages",
    pool=(LAW_PD,),
    avoid=("팜", "농"),
)
add(
    "ne-003",
    "전기차 충전기 320기 설치",
    "no_evidence",
    "count",
    "KMA API guide passages",
    pool=(KMA_VIL,),
    avoid=("충전", "전기차"),
)
add(
    "ne-004",
    "자율주행 셔틀 3개 노선 운행",
    "no_evidence",
    "count",
    "Hanbit ordinance/organisation passages",
    pool=(H_ORD,),
    avoid=("자율주행", "셔틀", "노선"),
)
add(
    "ne-005",
    "공공자전거 1,500대 운영",
    "no_evidence",
    "count",
    "Hanbit plan passages on CCTV, budget, security",
    pool=(H_PLAN,),
    avoid=("자전거",),
)
add(
    "ne-006",
    "탄소중립 포인트 가입 2만 가구",
    "no_evidence",
    "count",
    "Solnae passages",
    pool=SOLNAE,
    avoid=("탄소", "포인트"),
)
add(
    "ne-007",
    "스마트 주차 안내 시스템 이용 월 12만 건",
    "no_evidence",
    "count",
    "Seoul map-platform RFP passages",
    pool=(SEOUL,),
    avoid=("주차",),
)
add(
    "ne-008",
    "드론 순찰 연 240회 실시",
    "no_evidence",
    "count",
    "Bonghwa disaster RFP passages",
    pool=(BONG,),
    avoid=("드론", "순찰"),
)
add(
    "ne-009",
    "청년 창업 공간 3개소 운영",
    "no_evidence",
    "count",
    "Solnae passages",
    pool=SOLNAE,
    avoid=("창업", "청년"),
)
add(
    "ne-010",
    "지역화폐 발행액 300억 원",
    "no_evidence",
    "amount",
    "press releases and digital-government plan",
    pool=(MCST, NURI, GOV),
    avoid=("지역화폐", "화폐"),
)
add(
    "ne-011",
    "도시숲 5ha 조성으로 미세먼지 저감",
    "no_evidence",
    "number",
    "KMA warning API passages",
    pool=(KMA_WARN,),
    avoid=("숲", "미세먼지"),
)
add(
    "ne-012",
    "스마트 쓰레기통 150개 설치",
    "no_evidence",
    "count",
    "KIPA AI-strategy passages",
    pool=(KIPA,),
    avoid=("쓰레기",),
)
add(
    "ne-013",
    "노인 일자리 2,400개 창출",
    "no_evidence",
    "count",
    "smart-city act passages",
    pool=(LAW_SC,),
    avoid=("일자리", "노인"),
)
add(
    "ne-014",
    "외국인 관광객 다국어 안내 키오스크 40대 설치",
    "no_evidence",
    "count",
    "Ulsan tax-ordinance notice and MCST release",
    pool=(ULSAN, MCST),
    avoid=("키오스크", "관광"),
)
add(
    "ne-015",
    "스마트도시 조성 및 운영 조례 2019. 7. 15. 제정",
    "no_evidence",
    "date",
    "only a different city's tax-ordinance notice (its 2021 dates concern another ordinance)",
    UL_NOTICE,
    pool=(ULSAN, MCST),
    avoid=("스마트도시",),
)
add(
    "ne-016",
    "공공 와이파이 1,640개소 구축",
    "no_evidence",
    "count",
    "SPRI AI brief passages",
    pool=(SPRI,),
    avoid=("와이파이", "Wi-Fi", "WiFi"),
)
add(
    "ne-017",
    "스마트도시 예산 312억원(일반회계 대비 1.10%)",
    "no_evidence",
    "amount",
    "Gangbuk festival RFP passages (other budgets)",
    pool=(GANGBUK,),
    avoid=("스마트도시", "312"),
)
add(
    "ne-018",
    "AI 돌봄 스피커 독거노인 2,300가구 보급",
    "no_evidence",
    "count",
    "electronic-government act passages",
    pool=(LAW_EG,),
    avoid=("돌봄", "스피커", "독거"),
)
add(
    "ne-019",
    "통합운영센터 관제요원 68명",
    "no_evidence",
    "count",
    "Hanbit living-lab report passages (no centre staffing)",
    pool=(H_LL,),
    avoid=("관제", "통합운영센터"),
)
add(
    "ne-020",
    "스마트 가로등 5,200개 설치",
    "no_evidence",
    "count",
    "Pyeongtaek AI-video RFP passages",
    pool=(PT_AI,),
    avoid=("가로등",),
)


# --- assembly ------------------------------------------------------------------------------

NUM = re.compile(r"\d[\d,]*(?:\.\d+)?")


def _numbers(text: str) -> set[str]:
    return {m.group().replace(",", "") for m in NUM.finditer(text)}


def _claim_numbers(claim: str) -> set[str]:
    """Figures in the claim worth keeping out of distractors: not years, not single digits."""
    out = set()
    for n in _numbers(claim):
        if re.fullmatch(r"(19|20)\d\d", n) or len(n.replace(".", "")) < 2:
            continue
        out.add(n)
    return out


# Words too common in these documents to mark a passage as being about the claim's subject.
GENERIC = frozenset(
    """
    스마트 스마트도시 한빛 한빛시 솔내 솔내시 가람시 운영 설치 구축 사업 실시 개최 수행 추진 기준 이상 포함 연계 서비스 시민 누계 최근 관련 완료 제정 개정
    도입 조성 확보 달성 부가세 부가가치세 별도 만원 억원 천원 개소 가구 단축 확대 현황 실적 전체 연간 매년 계약 착수 이내 시스템 고도화 기관 분야 주민
    인구 대비 VAT 전담 상설 정기 누적 보급 체결 선정 발급 취득 수립 승인 구성 조사 점검 평가 제안 제공 활용 통합 지원 공공 계획 사업비 기간 총사업비
    분야별 연계형
    """.split()  # noqa: SIM905
)


def _subject_words(claim: str) -> list[str]:
    words = re.findall(r"[가-힣A-Za-z]{2,}", claim)
    return [w for w in dict.fromkeys(words) if w not in GENERIC]


# Where a corpus document is too small to hold distractors, its neighbours do.
NEIGHBOURS = (
    HANBIT,
    SOLNAE,
    (NURI, MCST, ULSAN),
    (BIS, PT_AI, BONG, SEOUL, GANGBUK),
    (GOV, KIPA, SPRI),
    (KOSIS, KMA_WARN, TRANSIT),
    (SYN,),
)


def _submission(document: str) -> tuple[str, ...]:
    for group in NEIGHBOURS:
        if document in group:
            return group
    return (document,)


def build() -> list[dict]:
    ids = [it.id for it in ITEMS]
    assert len(ids) == len(set(ids)), "duplicate ids"
    rows = []
    for it in ITEMS:
        rng = random.Random(int(hashlib.sha256(it.id.encode()).hexdigest()[:12], 16))
        deciding = [(spec.document, *spec.resolve()) for spec in it.deciding]
        taken_lines = {
            ln.strip() for _, _, t in deciding for ln in t.split("\n") if len(ln.strip()) > 15
        }
        pool_docs = list(it.pool) or [d for doc, _, _ in deciding for d in _submission(doc)]
        pool_docs = list(dict.fromkeys([doc for doc, _, _ in deciding] + pool_docs))
        avoid_words = [a.lower() for a in (*it.avoid, *_subject_words(it.claim))]
        claim_nums = _claim_numbers(it.claim)
        total = it.n or rng.randint(4, 7)
        want = max(total - len(deciding), 3 if not deciding else 2)
        picked: list[tuple[str, int, str]] = []
        for doc in pool_docs:
            cands = list(chunks(doc))
            rng.shuffle(cands)
            for page, text in cands:
                if len(picked) >= want:
                    break
                low = text.lower()
                if any(a in low for a in avoid_words):
                    continue
                if claim_nums & _numbers(text):
                    continue
                if any(ln.strip() in taken_lines for ln in text.split("\n")):
                    continue
                if any(text == t for _, _, t in picked):
                    continue
                picked.append((doc, page, text))
            if len(picked) >= want:
                break
        if len(picked) < min(want, 2):
            raise ValueError(f"{it.id}: only {len(picked)} distractors")
        passages = [*deciding, *picked]
        if not 3 <= len(passages) <= 8:
            raise ValueError(f"{it.id}: {len(passages)} passages")
        order = list(range(len(passages)))
        rng.shuffle(order)
        out_passages = []
        for pid, k in enumerate(order, start=1):
            doc, page, text = passages[k]
            out_passages.append(
                {
                    "id": pid,
                    "text": text,
                    "document": doc,
                    "page": page,
                    "source": source_of(doc),
                    "key": k < len(deciding),
                }
            )
        rows.append(
            {
                "id": it.id,
                "claim": it.claim,
                "claim_period": it.period,
                "passages": out_passages,
                "expected": it.expected,
                "kind": it.kind,
                "format_differs": it.fmt,
                "note": it.note,
            }
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="build in memory, write nothing")
    args = parser.parse_args(argv)
    rows = build()
    if not args.check:
        with OUT.open("w", encoding="utf-8") as fh:
            for row in rows:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    from collections import Counter

    print(len(rows), "items;", dict(Counter(r["expected"] for r in rows)))
    print("kinds:", dict(Counter(r["kind"] for r in rows)))
    print("format_differs:", sum(r["format_differs"] for r in rows))
    src = Counter(p["source"] for r in rows for p in r["passages"])
    print("passage sources:", dict(src))
    return 0


if __name__ == "__main__":
    sys.exit(main())
