"""Generate the demo evidence documents of the two fictional demo cities.

The generated files under ``demo/documents/`` are committed, so this script only
has to run on a developer machine; the application never imports it. It needs,
beyond the project's own dependencies (openpyxl, python-docx, python-hwpx):

* ``fpdf2`` (``pip install fpdf2``) to write the PDFs, and
* the Nanum fonts (``apt-get install fonts-nanum``), embedded in the PDFs so
  that they carry a real Korean text layer.

Run ``python demo/generate.py``. The output is deterministic: every timestamp is
fixed, random ids are seeded and every ZIP container (DOCX, XLSX, HWPX) is
rewritten with fixed entry dates, so a rerun gives byte-identical files.

All content is fictional and written for this project; every document says so
("본 문서는 시연용 가상 자료입니다").
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import random
import re
import sys
import uuid
import zipfile
from pathlib import Path

DEMO_DIR = Path(__file__).resolve().parent
OUT_DIR = DEMO_DIR / "documents"
FONT_DIR = Path("/usr/share/fonts/truetype/nanum")
FIXED_DT = dt.datetime(2026, 3, 2, 9, 0, 0)
FIXED_DT_UTC = FIXED_DT.replace(tzinfo=dt.UTC)
FICTION = "본 문서는 시연용 가상 자료입니다. 실제 지방자치단체·기관·인물과 관계가 없습니다."
FICTION_SHORT = "본 문서는 시연용 가상 자료입니다"


# ---------------------------------------------------------------------------
# City data. 한빛시 (large, strong) and 솔내시 (small/medium, weaker).
# Page numbers in the self-evaluation tables refer to the PDF pages below.
# ---------------------------------------------------------------------------

HANBIT = {
    "slug": "hanbit",
    "name": "한빛시",
    "population": 1_020_000,
    "region": "중부권(가상)",
    "track": "대도시",
    "dept": "스마트도시국 스마트도시과",
    "pdf_title": "한빛시 스마트도시계획(2024~2028) 요약 및 통합운영센터 운영 현황",
    "pdf_name": "hanbit-smart-city-plan-summary-2026.pdf",
    "docx_name": "hanbit-living-lab-report-2025.docx",
    "hwpx_name": "hanbit-ordinance-and-organisation.hwpx",
    "app_name": "hanbit-application-2026.docx",
    "self_name": "hanbit-self-evaluation-2026.xlsx",
    "quant_name": "hanbit-quantitative-data-2026.xlsx",
}

SOLNAE = {
    "slug": "solnae",
    "name": "솔내시",
    "population": 186_000,
    "region": "남부권(가상)",
    "track": "중소도시",
    "dept": "정보통신과 스마트도시팀",
    "pdf_title": "솔내시 스마트도시 기본구상 요약 및 통합관제센터 운영 현황",
    "pdf_name": "solnae-smart-city-basic-plan-summary-2026.pdf",
    "docx_name": "solnae-living-lab-pilot-report-2025.docx",
    "hwpx_name": "solnae-ordinance-and-organisation.hwpx",
    "app_name": "solnae-application-2026.docx",
    "self_name": "solnae-self-evaluation-2026.xlsx",
    "quant_name": "solnae-quantitative-data-2026.xlsx",
}

# PDF pages: (heading, [paragraphs], table or None, [paragraphs after table]).
# A table is (col_widths_mm, header, rows).

HANBIT_PDF = [
    (
        "Ⅰ. 스마트도시계획 개요",
        [
            "한빛시는 「스마트도시 조성 및 산업진흥 등에 관한 법률」 제8조에 따라 법정 스마트도시계획인 "
            "「한빛시 스마트도시계획(2024~2028)」을 수립하였으며, 2023년 11월 20일 국토교통부 승인을 받았다. "
            "계획기간은 2024년부터 2028년까지 5년이며, 공간적 범위는 한빛시 행정구역 전역(412.6㎢)이다.",
            "비전은 「시민과 함께 만드는 데이터 기반 안심·연결 도시 한빛」이며, 세 가지 목표로 "
            "① 데이터로 일하는 혁신 행정, ② 누구나 안심하는 생활 안전망, ③ 막힘없이 연결되는 교통·환경 서비스를 설정하였다.",
            "지역 여건 분석 결과 한빛시는 인구 1,020,000명(2025년 12월 주민등록 기준), 고령인구 비율 16.8%, "
            "제조업 중심 산업단지 4개소를 갖춘 대도시로서, 원도심 노후화와 신도심 교통 혼잡, 산업단지 주변 대기질이 "
            "핵심 지역 문제로 도출되었다. 계획은 이 지역 문제 진단에 근거하여 지역 특화 핵심 사업 12개를 선정하였다.",
            "계획 수립 과정에서 한빛 스마트 시민단 120명이 참여한 시민 설문(2023년 5월), 권역별 주민 공청회 2회"
            "(2023년 6월 14일 동부권, 6월 21일 서부권), 스마트도시위원회 심의(2023년 8월 29일)를 거쳐 시민 의견 47건 중 "
            "31건을 계획에 반영하였다.",
        ],
        (
            [40, 60, 90],
            ["구분", "내용", "비고"],
            [
                ["계획 명칭", "한빛시 스마트도시계획", "법정계획(국토교통부 승인)"],
                ["계획기간", "2024년 ~ 2028년(5년)", "2023. 11. 20. 승인"],
                ["비전", "데이터 기반 안심·연결 도시", "목표 3개, 추진전략 4개"],
                ["핵심 사업", "12개 사업", "단계별 사업계획 수립"],
                ["총사업비", "1,842억원", "국비 412, 도비 138, 시비 1,107, 민자 185"],
            ],
        ),
        [],
    ),
    (
        "Ⅱ. 추진전략 및 단계별 사업계획, 재원",
        [
            "계획은 4개 추진전략 아래 12개 핵심 사업을 1단계(2024~2025)와 2단계(2026~2028)로 나누어 추진한다. "
            "단계별 사업계획과 연차별 투자계획은 아래 표와 같다.",
        ],
        (
            [52, 70, 30, 38],
            ["추진전략", "핵심 사업", "단계", "사업비(억원)"],
            [
                ["데이터 혁신 행정", "도시 데이터 허브 고도화", "1~2단계", "214"],
                ["데이터 혁신 행정", "디지털 트윈 기반 도시계획 지원", "2단계", "168"],
                ["생활 안전망", "지능형 CCTV 선별관제 확대", "1~2단계", "296"],
                ["생활 안전망", "AI 안심귀가 및 침수 감지 서비스", "1단계", "87"],
                ["연결 교통", "스마트 교차로 및 BIS 고도화", "1~2단계", "342"],
                ["연결 교통", "수요응답형 교통(한빛 콜버스)", "2단계", "96"],
                ["녹색 환경", "산업단지 대기질 IoT 측정망", "1단계", "74"],
                ["시민 참여", "리빙랩 및 스마트도시 아카데미", "1~2단계", "41"],
            ],
        ),
        [
            "재원계획: 총사업비 1,842억원 중 국비 412억원(22.4%), 도비 138억원(7.5%), 시비 1,107억원(60.1%), "
            "민간투자 185억원(10.0%)을 확보하는 것을 목표로 한다.",
            "2025년 스마트도시 예산은 312억원으로 일반회계 세출예산 2조 8,460억원 대비 1.10%이다. "
            "최근 3년(2023~2025) 국비 공모사업과 민간투자로 유치한 외부 재원은 누계 236억원이다.",
            "국가 시책사업 참여: 2022년 스마트시티 챌린지 본사업 선정(교통 분야, 국비 30억원), "
            "2023년 스마트도시 솔루션 확산사업 선정(안전 분야), 2024년 데이터허브 모델 확산사업 선정.",
        ],
    ),
    (
        "Ⅲ. 스마트도시 통합운영센터 운영 현황",
        [
            "한빛시 스마트도시 통합운영센터는 2016년 3월 개소하였으며, 시청 별관 4층(연면적 2,140㎡)에 상황실, "
            "관제실, 서버실, 시민 견학 공간을 갖추고 있다. 센터는 365일 24시간, 4조 3교대로 운영된다.",
            "관제 인력은 관제요원 68명, 운영 공무원 9명, 상주 경찰관 4명이다. 「한빛시 스마트도시 통합운영센터 운영 규정」"
            "(2021년 7월 개정)과 상황 유형별 대응 매뉴얼 27종에 따라 상황을 접수·전파하며, 2025년에는 경찰서·소방서와 "
            "유관기관 합동 훈련을 4회(3월, 6월, 9월, 12월) 실시하였다.",
            "스마트시티 통합플랫폼을 통해 아래 12개 기관·서비스와 연계되어 있다.",
        ],
        (
            [12, 78, 50, 50],
            ["번호", "연계 서비스", "연계 기관", "2025년 처리 실적"],
            [
                ["1", "112 긴급영상 지원", "한빛경찰서(3개서)", "3,412건"],
                ["2", "112 긴급출동 지원", "한빛경찰서(3개서)", "1,985건"],
                ["3", "119 긴급출동 지원", "한빛소방서", "2,207건"],
                ["4", "재난상황 긴급대응", "시 재난안전대책본부", "38건"],
                ["5", "사회적약자(아동·치매노인) 지원", "통신사·보호기관", "412건"],
                ["6", "법무부 전자감독 위치정보", "보호관찰소", "96건"],
                ["7", "어린이보호구역 사고 알림", "교육청", "57건"],
                ["8", "하천 침수 감시", "하천관리과", "22건"],
                ["9", "교통정보센터 돌발상황", "교통정보센터", "1,344건"],
                ["10", "산불 감시", "산림녹지과", "15건"],
                ["11", "미세먼지 경보 전파", "환경정책과", "31건"],
                ["12", "도시가스 안전 감시", "도시가스사", "9건"],
            ],
        ),
        [
            "112 긴급영상 지원으로 경찰 출동 후 용의자 확인까지 걸린 평균 시간은 2023년 9분 40초에서 2025년 6분 05초로 단축되었다.",
        ],
    ),
    (
        "Ⅳ. CCTV 및 정보통신 기반시설",
        [
            "2025년 12월 기준 통합관제 대상 CCTV는 4,850대(방범 3,920대, 교통 410대, 재난 280대, 어린이보호구역 240대)이다. "
            "이 중 지능형 CCTV 선별관제가 적용된 카메라는 3,010대로 선별관제 비율은 62.1%이다. "
            "선별관제는 배회·쓰러짐·차량 역주행 등 14개 이벤트를 AI 영상분석으로 탐지하여 관제요원에게 우선 표출한다.",
            "자가통신망은 광케이블 486km로 시청, 구청 4개소, 읍면동 주민센터 38개소, 통합운영센터를 이중화 링 구조로 연결한다. "
            "행정망과 관제망은 물리적으로 망 분리되어 있으며, 장애는 통신망 관리시스템으로 실시간 감시한다.",
            "공공 와이파이는 버스정류장, 공원, 전통시장 등 1,640개소에 설치되어 주민 1만 명당 16.1개소이다.",
            "사물인터넷(IoT) 센서는 총 3,450개로, 대기질 센서 620개, 수위 센서 140개, 주차 센서 1,380개, 유동인구 센서 310개, "
            "스마트 가로등 제어기 1,000개가 LoRa와 NB-IoT 망으로 데이터를 전송한다.",
        ],
        (
            [50, 28, 28, 28, 28, 28],
            ["구분", "2021", "2022", "2023", "2024", "2025"],
            [
                ["CCTV 통합관제(대)", "3,980", "4,210", "4,460", "4,690", "4,850"],
                ["선별관제 적용(대)", "620", "1,240", "1,980", "2,560", "3,010"],
                ["선별관제 비율(%)", "15.6", "29.5", "44.4", "54.6", "62.1"],
                ["IoT 센서(개)", "1,120", "1,760", "2,430", "2,980", "3,450"],
                ["공공 와이파이(개소)", "980", "1,150", "1,320", "1,510", "1,640"],
            ],
        ),
        [],
    ),
    (
        "Ⅴ. 도시 데이터 허브 및 분야별 스마트 서비스",
        [
            "한빛시 도시 데이터 허브는 2023년 9월 구축되었으며, 교통·안전·환경·복지 등 8개 분야 184종의 데이터를 연계하고 "
            "이 중 42종은 실시간 데이터로 수집한다. 데이터 허브는 서비스 운영, 빅데이터 분석, 공공데이터 개방에 함께 활용된다.",
            "분야별 스마트 서비스의 운영 현황과 효과는 다음과 같다.",
        ],
        (
            [24, 66, 100],
            ["분야", "서비스", "운영 현황 및 효과(2025년)"],
            [
                [
                    "안전",
                    "AI 안심귀가·침수 감지",
                    "안심귀가 이용 18,400건, 침수 감지 출동 시간 4분 12초→2분 48초",
                ],
                [
                    "교통",
                    "BIS·스마트 교차로",
                    "BIS 정류장 1,120개소, 스마트 교차로 86개소, 통행시간 11.4% 단축",
                ],
                [
                    "환경",
                    "미세먼지 IoT 측정망",
                    "측정 지점 210개소, 실시간 공개 및 살수차 자동 배차 연동",
                ],
                ["복지", "AI 돌봄 스피커", "독거노인 2,300가구, 응급 호출 연계 127건"],
                [
                    "에너지",
                    "스마트 가로등·BEMS",
                    "스마트 가로등 5,200개 전력 38% 절감, 공공건물 BEMS 14개소",
                ],
                ["보건", "비대면 건강관리", "보건소 연계 1,800명, 혈압 조절률 12%p 개선"],
                ["행정", "한빛온 시민 앱", "가입자 412,000명, 모바일 민원 62종"],
            ],
        ),
        [
            "2025년 스마트 서비스 실이용자는 431,500명으로 주민등록인구 대비 이용률은 42.3%이다. "
            "모든 서비스에 성과지표(KPI)를 설정하여 분기별로 측정하며, 2025년 측정 결과에 따라 주차 안내 전광판 서비스 1건을 "
            "중단하고 AI 안심귀가 서비스를 2개 구로 확대하였다.",
        ],
    ),
    (
        "Ⅵ. 정보보안·개인정보 보호 및 성과관리",
        [
            "정보보안: 통합운영센터는 2024년 6월 정보보호 관리체계(ISMS) 인증을 취득하였다. 연 2회(5월, 11월) 외부 전문기관의 "
            "취약점 점검을 받고 있으며, 2025년 점검에서 발견된 취약점 23건을 모두 조치하였다. 침해사고 대응 모의훈련은 연 1회 실시한다. "
            "관제 시스템 접근 통제는 2단계 인증과 접속 기록 1년 보관으로 관리한다.",
            "개인정보 보호: 「개인정보 보호법」에 따라 영상정보처리기기 운영·관리 방침을 공개하고, 2023년 통합플랫폼에 대한 "
            "개인정보 영향평가를 완료하였다. 영상정보 열람 청구는 2025년 214건 접수되어 모두 10일 이내 처리하였으며, "
            "분석용 데이터는 가명처리 후 데이터 허브에 적재한다. 접근기록은 월 1회 점검한다.",
            "기반시설 유지관리: CCTV·센서·통신망 자산 11,820점을 자산관리시스템으로 관리하고, 장애 처리 목표시간(4시간) 준수율은 "
            "2025년 96.2%였다. 2025년 유지관리 예산은 48억원이며, 2028년까지의 중장기 운영계획을 수립하였다.",
            "성과관리: 스마트도시계획의 성과지표 24개를 설정하고 매년 이행점검을 실시한다. 2025년 이행점검 결과 목표 달성률은 "
            "91.7%(22개 달성)였으며, 결과는 스마트도시위원회 보고 후 시 누리집에 공개하였다.",
            "시민 만족도: 2025년 10월 외부 조사기관이 시민 1,200명을 대상으로 실시한 스마트도시 서비스 만족도 조사 결과는 "
            "100점 만점에 83.6점이었다(표본오차 ±2.8%p, 95% 신뢰수준).",
        ],
        None,
        [],
    ),
]

SOLNAE_PDF = [
    (
        "Ⅰ. 스마트도시 기본구상 개요",
        [
            "솔내시는 2024년 4월 「솔내시 스마트도시 기본구상」을 수립하였다. 기본구상은 법정 스마트도시계획이 아닌 "
            "내부 계획이며, 법정 스마트도시계획 수립 용역은 2025년 3월 착수하여 2026년 8월 완료를 목표로 진행 중이다. "
            "따라서 현재 국토교통부 승인을 받은 스마트도시계획은 없다.",
            "비전은 「안전하고 따뜻한 스마트 솔내」이며, 목표로 ① 재난·안전 사각지대 해소, ② 농촌 교통 편의 향상, "
            "③ 어르신 돌봄 강화를 설정하였다.",
            "솔내시는 인구 186,000명(2025년 12월 주민등록 기준), 고령인구 비율 24.3%의 중소도시로, 행정구역의 68%가 "
            "농촌 지역이다. 기본구상은 하천 범람 위험, 대중교통 취약 지역, 독거노인 증가를 주요 지역 문제로 제시하였다.",
            "주민 의견은 2024년 2월 온라인 설문 1회(응답 412명)로 수렴하였다.",
        ],
        (
            [40, 60, 90],
            ["구분", "내용", "비고"],
            [
                ["계획 명칭", "솔내시 스마트도시 기본구상", "비법정 계획(2024. 4.)"],
                ["법정계획", "스마트도시계획 수립 용역 중", "2025. 3. ~ 2026. 8."],
                ["비전", "안전하고 따뜻한 스마트 솔내", "목표 3개"],
                ["핵심 사업", "6개 사업", "연차별 계획 미수립"],
            ],
        ),
        [],
    ),
    (
        "Ⅱ. 추진 사업 및 재원",
        [
            "기본구상에서 제시한 6개 핵심 사업과 현재 추진 상황은 아래와 같다.",
        ],
        (
            [70, 40, 80],
            ["핵심 사업", "사업비(억원)", "추진 상황"],
            [
                ["하천 침수 감지 수위계 설치", "6.5", "2024년 완료(24개소)"],
                ["통합관제센터 선별관제 도입", "9.0", "2025년 1차 완료(200대)"],
                ["솔내 콜버스(수요응답형)", "12.0", "2023년 솔루션 확산사업 선정, 운영 중"],
                ["독거노인 AI 돌봄 스피커", "3.2", "운영 중(420가구)"],
                ["스마트 마을방송", "4.1", "2025년 12개 마을 시범"],
                ["도시 데이터 허브", "미정", "2027년 이후 검토"],
            ],
        ),
        [
            "재원: 2025년 스마트도시 관련 예산은 31.2억원으로 일반회계 세출예산 7,820억원 대비 0.40%이다. "
            "최근 3년(2023~2025) 유치한 외부 재원은 2023년 스마트도시 솔루션 확산사업 국비 12억원 등 누계 27억원이다.",
            "국가 시책사업 참여: 2023년 스마트도시 솔루션 확산사업 선정 1건. 2024년 스마트시티 챌린지 예비사업에 응모하였으나 "
            "선정되지 않았다.",
        ],
    ),
    (
        "Ⅲ. 통합관제센터 운영 현황",
        [
            "솔내시 CCTV 통합관제센터는 2019년 1월 개소하였으며 안전총괄과 소관이다. 관제요원 16명이 4조 2교대로 24시간 운영하며, "
            "운영은 내부 「통합관제센터 운영 지침」(2019년 제정)에 따른다. 별도의 운영 규정(훈령)과 상황별 대응 매뉴얼은 아직 마련되지 않았다.",
            "스마트시티 통합플랫폼은 2022년 도입하였으며, 현재 아래 6개 서비스가 연계되어 있다.",
        ],
        (
            [12, 78, 50, 50],
            ["번호", "연계 서비스", "연계 기관", "2025년 처리 실적"],
            [
                ["1", "112 긴급영상 지원", "솔내경찰서", "412건"],
                ["2", "112 긴급출동 지원", "솔내경찰서", "238건"],
                ["3", "119 긴급출동 지원", "솔내소방서", "305건"],
                ["4", "재난상황 긴급대응", "시 재난안전대책본부", "6건"],
                ["5", "사회적약자 지원", "통신사·보호기관", "41건"],
                ["6", "법무부 전자감독 위치정보", "보호관찰소", "12건"],
            ],
        ),
        [
            "유관기관 합동 훈련은 2025년 1회(10월) 실시하였다. 관제센터는 CCTV 관제 기능 위주로 운영되며, 교통·환경 정보는 연계되어 있지 않다.",
        ],
    ),
    (
        "Ⅳ. CCTV 및 정보통신 기반시설",
        [
            "2025년 12월 기준 통합관제 대상 CCTV는 1,120대(방범 860대, 교통 95대, 재난 70대, 어린이보호구역 95대)이다. "
            "이 중 지능형 CCTV 선별관제가 적용된 카메라는 200대로 선별관제 비율은 17.9%이다.",
            "자가통신망은 광케이블 62km로 시청과 읍면 사무소 일부를 연결하며, 나머지 구간은 통신사 임대망을 사용한다(자가망·임대망 혼용). "
            "이중화는 시청-관제센터 구간만 적용되어 있다.",
            "공공 와이파이는 148개소에 설치되어 주민 1만 명당 8.0개소이다.",
            "사물인터넷(IoT) 센서는 총 310개로, 하천 수위 센서 24개, 마을 방송 연계 센서 36개, 주차 센서 190개, "
            "미세먼지 간이측정기 18개, 스마트 가로등 제어기 42개이다.",
        ],
        (
            [50, 28, 28, 28, 28, 28],
            ["구분", "2021", "2022", "2023", "2024", "2025"],
            [
                ["CCTV 통합관제(대)", "910", "960", "1,010", "1,070", "1,120"],
                ["선별관제 적용(대)", "0", "0", "0", "0", "200"],
                ["선별관제 비율(%)", "0.0", "0.0", "0.0", "0.0", "17.9"],
                ["IoT 센서(개)", "40", "60", "120", "250", "310"],
                ["공공 와이파이(개소)", "96", "110", "124", "136", "148"],
            ],
        ),
        [],
    ),
    (
        "Ⅴ. 분야별 서비스 및 정보보안",
        [
            "안전 분야에서는 하천 침수 감지 수위계 24개소와 스마트 마을방송 12개 마을을 운영하고 있다. 교통 분야에서는 "
            "BIS 정류장 210개소와 농촌 수요응답형 교통 「솔내 콜버스」 8개 노선을 운영하며 2025년 이용 실적은 41,200회이다. "
            "복지 분야에서는 독거노인 AI 돌봄 스피커를 420가구에 보급하였다. 환경 분야는 미세먼지 간이측정기 18개소로 측정 위주이다.",
            "도시 데이터 허브는 구축되어 있지 않으며, 서비스별 데이터는 각 부서 시스템에 분산 저장된다. 데이터 허브 구축은 "
            "2027년 이후 검토 예정이다.",
            "정보보안: 연 1회(2025년 9월) 취약점 점검을 실시하였으며, 정보보호 관리체계(ISMS) 인증은 받지 않았다. "
            "개인정보 보호: 영상정보처리기기 운영·관리 방침을 누리집에 공개하고 있으나, 개인정보 영향평가는 실시하지 않았다.",
            "시민 만족도: 2025년 11월 시민 300명을 대상으로 자체 실시한 설문조사 결과 스마트 서비스 만족도는 100점 만점에 76.2점이었다. "
            "서비스 실이용자는 약 33,500명으로 주민등록인구 대비 이용률은 18.0%이다.",
        ],
        None,
        [],
    ),
]


# Self-evaluation claims: (indicator code, score, summary, document key, page)
# document key: pdf | docx | hwpx | quant. Page only for the PDF.

HANBIT_CLAIMS = [
    (
        "INN-01",
        40,
        "한빛 스마트 시민단 150명이 2020년부터 상설 운영되며 계획 수립·사업 평가에 참여, 2025년 제안 반영 결과 공개",
        "docx",
        None,
    ),
    (
        "INN-02",
        40,
        "최근 3년(2023~2025) 리빙랩 과제 11건 수행, 과제별 결과보고서 작성",
        "docx",
        None,
    ),
    ("INN-04", 30, "스마트도시 아카데미(연 4기)와 스마트도시 체험관 상설 운영", "docx", None),
    ("INN-05", 24, "2025년 시민 교육 수료 3,912명(인구 1만 명당 38.4명)", "quant", None),
    ("INN-06", 40, "공공데이터 개방 318건(파일 241, 오픈API 77), 2025년 12월 기준", "quant", None),
    ("INN-07", 32, "공공데이터 품질진단 연 1회, 공공데이터 활용 해커톤 개최", "docx", None),
    ("INN-11", 30, "2025년 공무원 스마트도시·데이터 교육 이수율 31.6%", "quant", None),
    ("INN-17", 32, "디지털 배움터 12개소 운영, 고령자 키오스크 교육 2,140명", "docx", None),
    (
        "GOV-01",
        40,
        "스마트도시 조성 및 운영 조례 2019년 제정, 2024년 개정, 위원회·센터·시민참여 규정 운영",
        "hwpx",
        None,
    ),
    ("GOV-03", 40, "스마트도시국 스마트도시과(4개 팀) 전담조직 운영", "hwpx", None),
    ("GOV-04", 30, "전담인력 정원 31명(통합운영센터 공무원 포함)", "hwpx", None),
    (
        "GOV-05",
        50,
        "법정 스마트도시계획 2023. 11. 20. 국토교통부 승인, 단계별 사업·재원계획 수립",
        "pdf",
        1,
    ),
    ("GOV-07", 40, "2025년 스마트도시 예산 312억원, 일반회계 대비 1.10%", "pdf", 2),
    ("GOV-09", 30, "스마트도시위원회(민간위원 13/20명) 2025년 3회 개최", "hwpx", None),
    (
        "SVC-01",
        50,
        "통합운영센터 24시간 4조 3교대, 운영 규정·대응 매뉴얼 27종, 합동 훈련 연 4회",
        "pdf",
        3,
    ),
    ("SVC-02", 40, "통합플랫폼 연계 12개 기관·서비스", "pdf", 3),
    ("SVC-03", 40, "CCTV 4,850대 중 선별관제 3,010대(62.1%)", "pdf", 4),
    ("SVC-06", 40, "IoT 센서 3,450개(대기질·수위·주차·유동인구·가로등)", "pdf", 4),
    ("SVC-07", 50, "도시 데이터 허브 2023년 구축, 8개 분야 184종 연계(실시간 42종)", "pdf", 5),
    ("SVC-08", 50, "AI 안심귀가·침수 감지 운영, 침수 출동 시간 4분 12초→2분 48초", "pdf", 5),
    ("SVC-09", 40, "BIS 1,120개소, 스마트 교차로 86개소, 통행시간 11.4% 단축", "pdf", 5),
    ("SVC-17", 50, "ISMS 인증(2024. 6.), 연 2회 취약점 점검, 모의훈련 연 1회", "pdf", 6),
    ("SVC-20", 32, "2025년 10월 시민 1,200명 만족도 조사 83.6점", "pdf", 6),
]

# 솔내시 overclaims a few indicators (GOV-05, SVC-01, SVC-07): the evidence does
# not support the score, which the demo's claim cross-check should reveal.
SOLNAE_CLAIMS = [
    ("INN-01", 24, "주민 리빙랩 참여단 25명 구성(2025년), 주민 설명회 개최", "docx", None),
    ("INN-02", 16, "최근 3년 리빙랩 과제 3건(2024년 1건, 2025년 2건)", "docx", None),
    ("INN-04", 18, "디지털 배움터 위탁 교육, 스마트도시 주민 설명회 2회", "docx", None),
    ("INN-05", 18, "2025년 시민 교육 수료 380명(인구 1만 명당 20.4명)", "quant", None),
    ("INN-06", 24, "공공데이터 개방 64건(파일 58, 오픈API 6)", "quant", None),
    ("INN-07", 16, "개방 데이터 정기 갱신, 품질진단 미실시", "quant", None),
    ("INN-11", 18, "2025년 공무원 교육 이수율 12.4%", "quant", None),
    ("INN-17", 24, "독거노인 AI 돌봄 스피커 보급, 디지털 배움터 연계", "docx", None),
    ("GOV-01", 32, "스마트도시 조성 및 운영 조례 2024. 9. 30. 제정", "hwpx", None),
    ("GOV-03", 24, "정보통신과 스마트도시팀(팀 단위) 운영", "hwpx", None),
    ("GOV-04", 18, "스마트도시팀 정원 5명(현원 4명)", "hwpx", None),
    ("GOV-05", 40, "스마트도시계획 수립 추진(기본구상 2024. 4. 수립)", "pdf", 1),
    ("GOV-07", 24, "2025년 스마트도시 예산 31.2억원, 일반회계 대비 0.40%", "pdf", 2),
    ("GOV-09", 12, "스마트도시위원회 2025년 1회 개최(서면심의)", "hwpx", None),
    ("SVC-01", 40, "통합관제센터 24시간 운영(관제요원 16명)", "pdf", 3),
    ("SVC-02", 16, "통합플랫폼 연계 6개 서비스", "pdf", 3),
    ("SVC-03", 16, "CCTV 1,120대 중 선별관제 200대(17.9%)", "pdf", 4),
    ("SVC-06", 24, "IoT 센서 310개", "pdf", 4),
    ("SVC-07", 30, "부서별 데이터 관리 체계 운영", "pdf", 5),
    ("SVC-08", 30, "하천 침수 감지 수위계 24개소, 스마트 마을방송", "pdf", 5),
    ("SVC-09", 30, "BIS 210개소, 솔내 콜버스 8개 노선", "pdf", 5),
    ("SVC-17", 20, "연 1회 취약점 점검(2025. 9.)", "pdf", 5),
    ("SVC-20", 16, "2025년 11월 시민 300명 만족도 설문 76.2점", "pdf", 5),
]


# ---------------------------------------------------------------------------
# Determinism helpers
# ---------------------------------------------------------------------------


def normalize_zip(path: Path) -> None:
    """Rewrite a ZIP container with fixed entry dates and fixed core-property dates."""
    fixed = (2026, 3, 2, 9, 0, 0)
    stamp = FIXED_DT.strftime("%Y-%m-%dT%H:%M:%SZ")
    with zipfile.ZipFile(path) as src:
        entries = [(info, src.read(info.filename)) for info in src.infolist()]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as dst:
        for info, data in entries:
            if info.filename in ("docProps/core.xml",):
                text = data.decode("utf-8")
                text = re.sub(
                    r"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)",
                    lambda m: m.group(1) + stamp + m.group(2),
                    text,
                )
                data = text.encode("utf-8")
            new = zipfile.ZipInfo(info.filename, date_time=fixed)
            new.compress_type = info.compress_type
            new.external_attr = 0o644 << 16
            dst.writestr(new, data)
    path.write_bytes(buf.getvalue())
    path.chmod(0o644)


def seed_hwpx_ids(seed: int) -> None:
    """python-hwpx draws paragraph ids from uuid4; make them reproducible."""
    rng = random.Random(seed)

    def fake_uuid4() -> uuid.UUID:
        return uuid.UUID(int=rng.getrandbits(128), version=4)

    from hwpx.oxml import _document_impl, _document_primitives

    _document_primitives.uuid4 = fake_uuid4
    _document_impl.uuid4 = fake_uuid4


# ---------------------------------------------------------------------------
# PDF
# ---------------------------------------------------------------------------


def make_pdf(city: dict, pages: list, path: Path) -> int:
    from fpdf import FPDF

    logging.getLogger("fontTools").setLevel(logging.ERROR)
    from fpdf.fonts import FontFace

    class Doc(FPDF):
        def header(self) -> None:
            self.set_font("Nanum", "", 8)
            self.set_text_color(110, 110, 110)
            self.cell(0, 5, city["pdf_title"], align="R")
            self.ln(8)
            self.set_text_color(0, 0, 0)

        def footer(self) -> None:
            self.set_y(-15)
            self.set_font("Nanum", "", 8)
            self.set_text_color(110, 110, 110)
            self.cell(0, 5, f"- {self.page_no()} -", align="C")
            self.ln(4)
            self.cell(
                0,
                5,
                f"{FICTION_SHORT} (reviewapp 시연용, {city['name']}은 가상의 도시입니다)",
                align="C",
            )
            self.set_text_color(0, 0, 0)

    pdf = Doc(format="A4")
    pdf.set_creation_date(FIXED_DT_UTC)
    pdf.set_title(city["pdf_title"])
    pdf.set_author(f"{city['name']} {city['dept']} (가상)")
    pdf.set_subject(FICTION)
    pdf.set_creator("reviewapp demo/generate.py")
    pdf.add_font("Nanum", "", str(FONT_DIR / "NanumGothic.ttf"))
    pdf.add_font("Nanum", "B", str(FONT_DIR / "NanumGothicBold.ttf"))
    pdf.set_margins(18, 15, 18)
    pdf.set_auto_page_break(True, margin=22)

    for index, (heading, paras, table, after) in enumerate(pages):
        pdf.add_page()
        if index == 0:
            pdf.set_font("Nanum", "B", 17)
            pdf.multi_cell(0, 9, city["pdf_title"], align="C")
            pdf.ln(2)
            pdf.set_font("Nanum", "", 10)
            pdf.cell(0, 6, f"{city['name']} {city['dept']} · 2026년 3월", align="C")
            pdf.ln(12)
        pdf.set_font("Nanum", "B", 13)
        pdf.multi_cell(0, 8, heading)
        pdf.ln(2)
        pdf.set_font("Nanum", "", 10)
        for para in paras:
            pdf.multi_cell(0, 6, para)
            pdf.ln(2.5)
        if table:
            widths, header, rows = table
            pdf.set_font("Nanum", "", 9)
            with pdf.table(
                col_widths=widths,
                width=pdf.epw,
                line_height=5.5,
                headings_style=FontFace(emphasis="BOLD", fill_color=(225, 232, 242)),
                text_align="LEFT",
            ) as tbl:
                for row in [header, *rows]:
                    r = tbl.row()
                    for value in row:
                        r.cell(value)
            pdf.ln(3)
            pdf.set_font("Nanum", "", 10)
        for para in after:
            pdf.multi_cell(0, 6, para)
            pdf.ln(2.5)
        if pdf.page_no() != index + 1:
            raise SystemExit(f"{path.name}: section {index + 1} overflowed its page")
    pdf.output(str(path))
    return pdf.page_no()


# ---------------------------------------------------------------------------
# DOCX
# ---------------------------------------------------------------------------


def _docx_base(title: str, city: dict):
    from docx import Document
    from docx.oxml.ns import qn
    from docx.shared import Pt

    doc = Document()
    for style_name in ("Normal", "Heading 1", "Heading 2", "Title"):
        style = doc.styles[style_name]
        style.font.name = "맑은 고딕"
        rpr = style.element.get_or_add_rPr()
        rfonts = rpr.find(qn("w:rFonts"))
        if rfonts is None:
            rfonts = rpr.makeelement(qn("w:rFonts"), {})
            rpr.append(rfonts)
        rfonts.set(qn("w:eastAsia"), "맑은 고딕")
    doc.styles["Normal"].font.size = Pt(10.5)
    props = doc.core_properties
    props.title = title
    props.author = f"{city['name']} {city['dept']} (가상)"
    props.last_modified_by = "reviewapp demo/generate.py"
    props.comments = FICTION
    props.created = FIXED_DT
    props.modified = FIXED_DT
    props.revision = 1
    footer = doc.sections[0].footer.paragraphs[0]
    footer.text = f"{FICTION_SHORT} — {city['name']}은 reviewapp 시연을 위한 가상의 도시입니다."
    return doc


def _docx_table(doc, header: list[str], rows: list[list[str]]) -> None:
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = text
        for run in cell.paragraphs[0].runs:
            run.bold = True
    for row in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, row, strict=True):
            cell.text = text


def make_living_lab_docx(city: dict, path: Path) -> None:
    strong = city["slug"] == "hanbit"
    if strong:
        title = "2025년 한빛시 시민참여 리빙랩 운영 결과보고서"
    else:
        title = "2025년 솔내시 주민참여 리빙랩 시범운영 결과보고서"
    doc = _docx_base(title, city)
    doc.add_heading(title, level=0)
    doc.add_paragraph(f"{city['name']} {city['dept']} · 2026년 1월")

    doc.add_heading("1. 개요", level=1)
    if strong:
        doc.add_paragraph(
            "한빛시는 「한빛시 스마트도시 조성 및 운영 조례」 제12조(시민참여)에 근거하여 2020년 3월 상설 시민참여 기구인 "
            "「한빛 스마트 시민단」을 출범시켰다. 시민단은 공개 모집한 시민 150명(2025년 기준, 청년 38명, 어르신 27명, "
            "장애인 9명 포함)으로 구성되며, 스마트도시계획 수립, 리빙랩 과제 기획, 서비스 평가의 전 단계에 참여한다."
        )
        doc.add_paragraph(
            "2025년 시민단은 정기회의 6회와 분과회의 18회를 개최하였고, 시민 제안 53건 중 21건이 사업에 반영되었다. "
            "제안별 반영 결과는 시 누리집의 「시민 제안 반영 현황」에 공개하고 있다."
        )
    else:
        doc.add_paragraph(
            "솔내시는 2025년 4월 주민 25명으로 「솔내 리빙랩 참여단」을 구성하여 리빙랩을 시범 운영하였다. "
            "참여단은 과제별로 모집하는 한시 조직으로, 상설 시민참여 기구는 아직 없다."
        )
        doc.add_paragraph(
            "주민 의견은 주로 주민 설명회(2025년 2회)와 온라인 설문으로 수렴하였으며, 설명회에서 접수된 의견 14건 중 "
            "반영 여부가 확정된 것은 2건이다."
        )

    doc.add_heading("2. 리빙랩 과제 추진 실적", level=1)
    if strong:
        doc.add_paragraph(
            "최근 3년(2023~2025) 수행한 리빙랩 과제는 총 11건이며, 과제별 결과는 다음과 같다."
        )
        _docx_table(
            doc,
            ["연도", "리빙랩 과제", "참여 시민", "결과"],
            [
                ["2023", "원도심 골목길 안심 조명", "32명", "스마트 가로등 240개 본사업 반영"],
                ["2023", "산업단지 주변 미세먼지 지도", "28명", "IoT 측정망 확대 근거로 활용"],
                ["2023", "어르신 키오스크 쉬운 화면", "19명", "주민센터 38개소 적용"],
                ["2023", "스쿨존 보행 안전", "41명", "어린이보호구역 사고 알림 연계"],
                ["2024", "침수 취약지 주민 알림", "26명", "침수 감지 서비스 본사업"],
                ["2024", "전통시장 주차 공유", "22명", "공유 주차면 180면 운영"],
                ["2024", "버스정류장 폭염 쉼터", "17명", "스마트 쉼터 30개소 설치"],
                ["2025", "AI 안심귀가 경로 추천", "35명", "2개 구로 확대"],
                ["2025", "청년 1인 가구 생활 안전", "24명", "시범운영 중"],
                ["2025", "공공데이터 활용 시민 해커톤", "60명", "앱 3종 개발"],
                ["2025", "장애인 이동 경로 데이터", "15명", "데이터 허브 적재, 공공데이터 개방"],
            ],
        )
        doc.add_paragraph(
            "리빙랩은 문제 정의, 공동 설계, 현장 실증, 평가의 4단계로 진행하며, 각 단계마다 시민과 담당 부서, "
            "지역 대학(한빛대학교 스마트도시연구소)이 함께 참여한다. 과제별 결과보고서는 시민단 총회에서 공유하였다."
        )
    else:
        doc.add_paragraph("최근 3년(2023~2025) 수행한 리빙랩 과제는 총 3건이다.")
        _docx_table(
            doc,
            ["연도", "리빙랩 과제", "참여 주민", "결과"],
            [
                ["2024", "마을 하천 수위 알림", "12명", "수위계 24개소 설치에 의견 반영"],
                ["2025", "콜버스 정류 지점 조정", "8명", "정류 지점 5곳 조정"],
                ["2025", "어르신 AI 스피커 사용 개선", "10명", "진행 중(2026년 상반기 완료 예정)"],
            ],
        )
        doc.add_paragraph(
            "리빙랩 운영은 외부 용역사가 주관하였으며, 과제별 결과보고서는 용역 최종보고서에 포함되어 별도로 작성되지 않았다."
        )

    doc.add_heading("3. 시민 아이디어 공모 및 교육·홍보", level=1)
    if strong:
        doc.add_paragraph(
            "2025년 「스마트 한빛 시민 아이디어 공모」에는 284건이 접수되어 9건이 채택되었고, 이 중 5건이 2026년 예산사업에 반영되었다. "
            "온라인 제안 창구(한빛온 앱)는 연중 운영한다."
        )
        doc.add_paragraph(
            "시민 교육으로는 스마트도시 아카데미를 연 4기 운영하여 2025년 3,912명이 수료하였다(인구 1만 명당 38.4명). "
            "시청 1층 스마트도시 체험관은 2025년 관람객 18,600명을 기록하였다."
        )
        doc.add_heading("3.1 공공데이터 활용 촉진", level=2)
        doc.add_paragraph(
            "공공데이터 개방 데이터셋은 2025년 12월 기준 318건이며, 연 1회 공공데이터 품질진단을 실시하여 공공데이터 표준 준수율 "
            "97.4%를 달성하였다. 2025년 9월 공공데이터 활용 해커톤(60명 참가)을 개최하였다."
        )
    else:
        doc.add_paragraph(
            "시민 아이디어 공모는 실시하지 않았다. 스마트도시 주민 설명회를 2회 개최하였고, 디지털 배움터(위탁)를 통해 "
            "2025년 시민 380명이 디지털 교육을 수료하였다(인구 1만 명당 20.4명)."
        )

    doc.add_heading("4. 디지털 포용", level=1)
    if strong:
        doc.add_paragraph(
            "디지털 취약계층을 위해 디지털 배움터 12개소를 운영하고, 고령자 키오스크 교육을 2,140명에게 실시하였다. "
            "저소득층 가구 600곳에 태블릿을 대여하였으며, 시 누리집과 한빛온 앱은 웹 접근성 인증을 받았다."
        )
    else:
        doc.add_paragraph(
            "독거노인 AI 돌봄 스피커 보급 가구를 대상으로 사용 교육을 실시하였다(420가구). 취약계층 대상 별도 기기 지원 사업은 없다."
        )

    doc.add_heading("5. 민관·산학연 협력과 데이터 분석", level=1)
    if strong:
        doc.add_paragraph(
            "스타트업 육성: 2022년 개소한 한빛 스마트시티 창업지원센터(창업보육센터)에 스마트도시 분야 기업 24개가 입주해 있으며, "
            "2023~2025년 도시 실증 지원 18건, 입주 기업 투자 유치 누계 132억원의 성과를 거두었다. 실증은 규제 샌드박스 "
            "실증특례 2건(자율주행 순찰 로봇, 드론 배송)을 포함한다."
        )
        doc.add_paragraph(
            "산학연 협력: 한빛대학교 스마트도시연구소, 한빛연구원과 산학연 협의체를 구성하여 공동연구 6건을 수행하고 "
            "스마트도시 인재양성 과정(연 40명)을 운영한다. 민관 협력으로 통신사·한빛에너지공사 등과 업무협약(MOU) 9건을 체결하였고, "
            "이 중 5건이 공동 사업으로 이어졌다."
        )
        doc.add_paragraph(
            "광역 연계: 2024년 인접 3개 시와 광역 교통·재난 정보 공유 협약을 맺고 통합운영센터 간 영상·상황 정보를 연계하고 있다. "
            "데이터 분석: 2025년 데이터 허브를 활용한 빅데이터 분석 과제 14건(버스 노선 수요 분석, 무더위 쉼터 입지 분석 등)을 "
            "완료하였으며, 그중 9건의 분석 결과가 정책과 예산에 반영되었다."
        )
    else:
        doc.add_paragraph(
            "민관 협력은 지역 통신사와 스마트 마을방송 업무협약 1건(2025년 5월)이 있다. 스타트업 지원과 산학연 협력 실적은 없다. "
            "데이터 분석은 외부 용역으로 분석 과제 2건(콜버스 수요 분석, CCTV 설치 입지 분석)을 수행하였다. "
            "CCTV와 수위계는 연간 유지보수 계약으로 관리하며, 장애 처리 기록은 업체 보고서로 갈음한다."
        )

    doc.add_heading("6. 참여자 만족도 및 향후 계획", level=1)
    if strong:
        _docx_table(
            doc,
            ["항목", "2024년", "2025년"],
            [
                ["리빙랩 참여자 만족도(5점)", "4.3", "4.5"],
                ["재참여 의향(%)", "81", "88"],
                ["제안 반영률(%)", "35", "40"],
            ],
        )
        doc.add_paragraph(
            "2026년에는 리빙랩 과제를 5건으로 늘리고, 청년·이주민 참여를 확대하며, 시민단 활동 결과를 성과백서로 발간할 계획이다."
        )
    else:
        doc.add_paragraph(
            "참여자 만족도는 조사하지 않았다. 2026년에는 상설 주민참여단 구성을 검토하고 리빙랩 과제 2건을 추진할 계획이다."
        )
    doc.add_paragraph(FICTION)
    doc.save(str(path))
    normalize_zip(path)


def make_application_docx(city: dict, path: Path) -> None:
    title = f"2026년 스마트도시 인증 신청서 — {city['name']}"
    doc = _docx_base(title, city)
    doc.add_heading("스마트도시 인증 신청서", level=0)
    doc.add_paragraph(
        "「스마트도시 조성 및 산업진흥 등에 관한 법률」에 따른 스마트도시 인증을 다음과 같이 신청합니다."
    )
    doc.add_heading("1. 신청 지방자치단체", level=1)
    _docx_table(
        doc,
        ["항목", "내용"],
        [
            ["지방자치단체명", city["name"]],
            ["인구(2025. 12. 주민등록)", f"{city['population']:,}명"],
            ["신청 유형", city["track"]],
            ["담당 부서", city["dept"]],
            ["권역", city["region"]],
            ["연락처", "000-000-0000 (가상)"],
        ],
    )
    doc.add_heading("2. 제출 서류", level=1)
    _docx_table(
        doc,
        ["구분", "서류명", "파일"],
        [
            ["신청서", "스마트도시 인증 신청서", city["app_name"]],
            ["정량지표 제안서", "정량지표 실적 자료", city["quant_name"]],
            ["자체평가표", "정성지표 자체평가표", city["self_name"]],
            ["증빙자료", city["pdf_title"], city["pdf_name"]],
            ["증빙자료", "리빙랩 운영 결과보고서", city["docx_name"]],
            ["증빙자료", "스마트도시 조례(발췌) 및 조직 현황", city["hwpx_name"]],
        ],
    )
    doc.add_paragraph("2026년 3월 2일")
    doc.add_paragraph(f"{city['name']}장 (직인 생략)")
    doc.add_paragraph(FICTION)
    doc.save(str(path))
    normalize_zip(path)


# ---------------------------------------------------------------------------
# HWPX
# ---------------------------------------------------------------------------

HANBIT_ORDINANCE = [
    (
        "제1조(목적)",
        "이 조례는 「스마트도시 조성 및 산업진흥 등에 관한 법률」에 따라 한빛시의 스마트도시 조성과 운영, 시민참여 및 관련 산업 진흥에 필요한 사항을 규정함을 목적으로 한다.",
    ),
    (
        "제2조(정의)",
        "이 조례에서 사용하는 용어의 뜻은 「스마트도시 조성 및 산업진흥 등에 관한 법률」에서 정하는 바에 따른다.",
    ),
    (
        "제3조(시장의 책무)",
        "시장은 스마트도시 서비스가 모든 시민에게 공평하게 제공되도록 노력하여야 하며, 디지털 취약계층의 접근성을 높이기 위한 시책을 마련하여야 한다.",
    ),
    (
        "제5조(스마트도시계획)",
        "시장은 법 제8조에 따른 스마트도시계획을 수립할 때 공청회와 시민참여단의 의견을 들어야 하며, 매년 계획의 이행 상황을 점검하여 그 결과를 공개하여야 한다.",
    ),
    (
        "제7조(스마트도시위원회)",
        '스마트도시의 조성 및 운영에 관한 사항을 심의·자문하기 위하여 한빛시 스마트도시위원회(이하 "위원회"라 한다)를 둔다.',
    ),
    (
        "제8조(위원회의 구성)",
        "위원회는 위원장 1명을 포함한 20명 이내의 위원으로 구성하며, 민간위원이 전체 위원의 과반수가 되도록 한다. 위원회는 연 2회 이상 개최한다.",
    ),
    (
        "제10조(통합운영센터)",
        "시장은 스마트도시기반시설을 통합적으로 운영·관리하기 위하여 스마트도시 통합운영센터를 설치·운영하며, 센터의 운영에 필요한 사항은 규정으로 정한다.",
    ),
    (
        "제11조(개인정보 보호)",
        "시장은 스마트도시 서비스 제공 과정에서 수집되는 영상정보와 개인정보를 「개인정보 보호법」에 따라 안전하게 관리하여야 하며, 개인정보 영향평가와 접근기록 점검을 정기적으로 실시한다.",
    ),
    (
        "제12조(시민참여)",
        "시장은 스마트도시의 계획, 실행 및 평가에 시민이 참여할 수 있도록 상설 시민참여단을 구성·운영하고 리빙랩 등 시민 주도 사업을 지원할 수 있다.",
    ),
    (
        "제14조(공공데이터 개방)",
        "시장은 스마트도시 운영 과정에서 생산된 데이터를 「공공데이터의 제공 및 이용 활성화에 관한 법률」에 따라 개방하고 품질을 관리하여야 한다.",
    ),
]

SOLNAE_ORDINANCE = [
    (
        "제1조(목적)",
        "이 조례는 「스마트도시 조성 및 산업진흥 등에 관한 법률」에 따라 솔내시의 스마트도시 조성 및 운영에 필요한 사항을 규정함을 목적으로 한다.",
    ),
    (
        "제2조(정의)",
        "이 조례에서 사용하는 용어의 뜻은 「스마트도시 조성 및 산업진흥 등에 관한 법률」에서 정하는 바에 따른다.",
    ),
    (
        "제3조(시장의 책무)",
        "시장은 시민의 삶의 질 향상을 위하여 스마트도시 조성에 필요한 시책을 마련하여야 한다.",
    ),
    (
        "제5조(스마트도시계획)",
        "시장은 필요한 경우 법 제8조에 따른 스마트도시계획을 수립할 수 있다.",
    ),
    (
        "제7조(스마트도시위원회)",
        "스마트도시에 관한 사항을 자문하기 위하여 솔내시 스마트도시위원회를 둘 수 있다. 위원회는 위원장 1명을 포함한 10명 이내로 구성한다.",
    ),
    (
        "제9조(통합관제센터)",
        "시장은 영상정보처리기기를 효율적으로 관리하기 위하여 통합관제센터를 운영할 수 있다.",
    ),
    (
        "제10조(개인정보 보호)",
        "시장은 스마트도시 서비스 과정에서 수집한 개인정보를 관계 법령에 따라 보호하여야 한다.",
    ),
]


def make_hwpx(city: dict, path: Path) -> None:
    from hwpx import HwpxDocument

    seed_hwpx_ids(20260302 + (0 if city["slug"] == "hanbit" else 1))
    strong = city["slug"] == "hanbit"
    doc = HwpxDocument.new()
    doc.paragraphs[
        0
    ].text = f"{city['name']} 스마트도시 조성 및 운영 조례(발췌) 및 스마트도시 조직 현황"
    if strong:
        doc.add_paragraph("[제정 2019. 7. 15. 조례 제1482호] [일부개정 2024. 3. 28. 조례 제2217호]")
        articles = HANBIT_ORDINANCE
    else:
        doc.add_paragraph("[제정 2024. 9. 30. 조례 제2015호] (시행규칙 미제정)")
        articles = SOLNAE_ORDINANCE
    doc.add_heading("1. 스마트도시 조례 발췌", level=1)
    for head, body in articles:
        doc.add_paragraph(f"{head} {body}")
    if strong:
        doc.add_paragraph(
            "관련 자치법규: 「한빛시 공공데이터 제공 및 이용 활성화 조례」(2016 제정), 「한빛시 영상정보처리기기 설치 및 운영 조례」"
            "(2018 제정, 2024 개정), 「한빛시 개인정보 보호 조례」(2020 제정), 「한빛시 자가정보통신망 운영 규칙」(2017 제정)."
        )
    else:
        doc.add_paragraph(
            "관련 자치법규: 「솔내시 영상정보처리기기 설치 및 운영 조례」(2015 제정). 공공데이터와 개인정보 보호에 관한 "
            "별도 자치법규는 없으며, 2026년 입법예고를 검토하고 있다."
        )

    doc.add_heading("2. 스마트도시 전담조직 현황", level=1)
    if strong:
        doc.add_paragraph(
            "한빛시는 2021년 1월 직제 개편으로 스마트도시국 아래 과 단위 전담부서인 스마트도시과를 신설하였다. "
            "스마트도시과는 4개 팀으로 구성되며, 부서 간 협업을 위해 부시장을 의장으로 하는 스마트도시 추진협의회를 분기별로 운영한다. "
            "전담인력 정원은 31명(현원 30명)이며, 이 중 정보통신 분야 임기제 공무원과 전문경력관은 9명이다."
        )
        rows = [
            ["팀", "정원", "현원", "주요 분장 사무"],
            ["스마트도시정책팀", "7", "7", "스마트도시계획, 위원회, 인증, 예산"],
            ["스마트서비스팀", "8", "8", "분야별 스마트 서비스, 리빙랩, 실증"],
            ["데이터정책팀", "7", "6", "데이터 허브, 공공데이터 개방, 빅데이터 분석"],
            ["통합운영센터팀", "9", "9", "통합운영센터, 자가통신망, 정보보안"],
            ["합계", "31", "30", ""],
        ]
    else:
        doc.add_paragraph(
            "솔내시의 스마트도시 업무는 정보통신과 스마트도시팀이 담당한다. 통합관제센터는 안전총괄과 소관으로 분리되어 있으며, "
            "부서 간 협의체는 구성되어 있지 않다. 스마트도시팀 정원은 5명(현원 4명)이고, 전문 자격 보유자는 정보처리기사 2명이다."
        )
        rows = [
            ["팀", "정원", "현원", "주요 분장 사무"],
            [
                "스마트도시팀(정보통신과)",
                "5",
                "4",
                "기본구상, 스마트 서비스, 공공데이터, 정보통신망",
            ],
            ["통합관제팀(안전총괄과)", "3", "3", "CCTV 통합관제센터 운영(관제요원 위탁 16명 별도)"],
            ["합계", "8", "7", ""],
        ]
    table = doc.add_table(len(rows), len(rows[0]))
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            table.set_cell_text(r, c, value)

    doc.add_heading("3. 스마트도시위원회 및 협의체 개최 실적(2025년)", level=1)
    if strong:
        doc.add_paragraph(
            "스마트도시위원회는 위원 20명(민간위원 13명)으로 구성되며, 2025년 3회(3월 18일, 7월 8일, 11월 25일) 대면 회의를 개최하여 "
            "계획 이행점검 결과, 데이터 허브 고도화, 리빙랩 과제 선정을 심의하였다. 실무협의회는 4회 개최하였다(총 7회). "
            "회의록은 시 누리집에 공개한다."
        )
    else:
        doc.add_paragraph(
            "스마트도시위원회는 2025년 2월 위원 9명(민간위원 4명)으로 구성되었으며, 2025년 1회(11월) 서면심의로 개최하였다. "
            "실무협의회는 운영하지 않는다."
        )
    doc.add_paragraph(FICTION)
    doc.save_to_path(str(path))
    normalize_zip(path)


# ---------------------------------------------------------------------------
# XLSX
# ---------------------------------------------------------------------------


def _wb():
    from openpyxl import Workbook

    wb = Workbook()
    wb.properties.created = FIXED_DT
    wb.properties.modified = FIXED_DT
    wb.properties.creator = "reviewapp demo/generate.py"
    wb.properties.description = FICTION
    return wb


def _style_sheet(ws, widths: list[int]) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DCE6F1")
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    ws.freeze_panes = "A2"
    ws.oddFooter.center.text = FICTION_SHORT


def _notice_sheet(wb, city: dict, what: str) -> None:
    ws = wb.create_sheet("안내")
    ws["A1"] = f"{city['name']} {what}"
    ws["A2"] = FICTION
    ws["A3"] = (
        f"{city['name']}은 reviewapp 시연을 위해 만든 가상의 도시이며, 모든 수치는 가상값입니다."
    )
    ws.column_dimensions["A"].width = 100


def make_self_evaluation(city: dict, claims: list, titles: dict, path: Path) -> None:
    wb = _wb()
    ws = wb.active
    ws.title = "자체평가표"
    ws.append(["지표코드", "지표명", "자체평가 점수", "근거 요약", "근거 문서", "쪽"])
    files = {
        "pdf": city["pdf_name"],
        "docx": city["docx_name"],
        "hwpx": city["hwpx_name"],
        "quant": city["quant_name"],
    }
    for code, score, summary, doc_key, page in claims:
        ws.append([code, titles[code], score, summary, files[doc_key], page])
    _style_sheet(ws, [11, 32, 14, 70, 46, 6])
    _notice_sheet(wb, city, "스마트도시 인증 자체평가표(2026)")
    wb.save(str(path))
    normalize_zip(path)


QUANT = {
    "hanbit": {
        "공공데이터 개방": (
            ["연도", "파일데이터(건)", "오픈API(건)", "개방 합계(건)", "신규 개방(건)"],
            [
                [2021, 142, 31, 173, 24],
                [2022, 168, 40, 208, 35],
                [2023, 196, 52, 248, 40],
                [2024, 221, 66, 287, 39],
                [2025, 241, 77, 318, 31],
            ],
        ),
        "CCTV 현황": (
            [
                "연도",
                "방범(대)",
                "교통(대)",
                "재난(대)",
                "어린이보호구역(대)",
                "통합관제 합계(대)",
                "선별관제 적용(대)",
                "선별관제 비율(%)",
            ],
            [
                [2021, 3210, 360, 220, 190, 3980, 620, 15.6],
                [2022, 3420, 370, 230, 190, 4210, 1240, 29.5],
                [2023, 3620, 390, 250, 200, 4460, 1980, 44.4],
                [2024, 3790, 400, 270, 230, 4690, 2560, 54.6],
                [2025, 3920, 410, 280, 240, 4850, 3010, 62.1],
            ],
        ),
        "IoT 센서": (
            ["센서 유형", "설치 수(개)", "통신 방식", "데이터 수집 주기"],
            [
                ["대기질 센서", 620, "LoRa", "5분"],
                ["수위 센서", 140, "NB-IoT", "1분"],
                ["주차 센서", 1380, "LoRa", "실시간"],
                ["유동인구 센서", 310, "LTE", "10분"],
                ["스마트 가로등 제어기", 1000, "NB-IoT", "실시간"],
                ["합계", 3450, "", ""],
            ],
        ),
        "교육 실적": (
            [
                "연도",
                "시민 교육 수료(명)",
                "인구 1만 명당(명)",
                "공무원 교육 이수(명)",
                "전체 공무원(명)",
                "공무원 이수율(%)",
            ],
            [
                [2023, 2610, 25.7, 1120, 5480, 20.4],
                [2024, 3240, 31.8, 1490, 5520, 27.0],
                [2025, 3912, 38.4, 1760, 5570, 31.6],
            ],
        ),
        "예산 및 재원": (
            [
                "연도",
                "일반회계 세출예산(억원)",
                "스마트도시 예산(억원)",
                "예산 비중(%)",
                "외부 재원 유치(억원)",
            ],
            [
                [2023, 26120, 248, 0.95, 78],
                [2024, 27310, 281, 1.03, 84],
                [2025, 28460, 312, 1.10, 74],
            ],
        ),
        "서비스 이용": (
            ["서비스", "2025년 실이용자(명)", "비고"],
            [
                ["한빛온 시민 앱", 412000, "가입자 기준"],
                ["AI 안심귀가", 9800, "이용 18,400건"],
                ["비대면 건강관리", 1800, "보건소 연계"],
                ["공유 주차", 7900, ""],
                ["중복 제거 실이용자", 431500, "이용률 42.3%"],
            ],
        ),
    },
    "solnae": {
        "공공데이터 개방": (
            ["연도", "파일데이터(건)", "오픈API(건)", "개방 합계(건)", "신규 개방(건)"],
            [
                [2021, 31, 0, 31, 5],
                [2022, 38, 2, 40, 9],
                [2023, 46, 3, 49, 9],
                [2024, 52, 5, 57, 8],
                [2025, 58, 6, 64, 7],
            ],
        ),
        "CCTV 현황": (
            [
                "연도",
                "방범(대)",
                "교통(대)",
                "재난(대)",
                "어린이보호구역(대)",
                "통합관제 합계(대)",
                "선별관제 적용(대)",
                "선별관제 비율(%)",
            ],
            [
                [2021, 700, 80, 55, 75, 910, 0, 0.0],
                [2022, 740, 85, 55, 80, 960, 0, 0.0],
                [2023, 780, 85, 60, 85, 1010, 0, 0.0],
                [2024, 825, 90, 65, 90, 1070, 0, 0.0],
                [2025, 860, 95, 70, 95, 1120, 200, 17.9],
            ],
        ),
        "IoT 센서": (
            ["센서 유형", "설치 수(개)", "통신 방식", "데이터 수집 주기"],
            [
                ["하천 수위 센서", 24, "LTE", "1분"],
                ["마을 방송 연계 센서", 36, "LTE", "이벤트"],
                ["주차 센서", 190, "LoRa", "실시간"],
                ["미세먼지 간이측정기", 18, "LTE", "10분"],
                ["스마트 가로등 제어기", 42, "LoRa", "실시간"],
                ["합계", 310, "", ""],
            ],
        ),
        "교육 실적": (
            [
                "연도",
                "시민 교육 수료(명)",
                "인구 1만 명당(명)",
                "공무원 교육 이수(명)",
                "전체 공무원(명)",
                "공무원 이수율(%)",
            ],
            [
                [2023, 150, 8.0, 62, 1080, 5.7],
                [2024, 260, 13.9, 98, 1090, 9.0],
                [2025, 380, 20.4, 136, 1095, 12.4],
            ],
        ),
        "예산 및 재원": (
            [
                "연도",
                "일반회계 세출예산(억원)",
                "스마트도시 예산(억원)",
                "예산 비중(%)",
                "외부 재원 유치(억원)",
            ],
            [
                [2023, 7210, 24.5, 0.34, 14],
                [2024, 7530, 27.8, 0.37, 6],
                [2025, 7820, 31.2, 0.40, 7],
            ],
        ),
        "서비스 이용": (
            ["서비스", "2025년 실이용자(명)", "비고"],
            [
                ["솔내 콜버스", 9600, "이용 41,200회"],
                ["스마트 마을방송", 14800, "12개 마을 주민"],
                ["AI 돌봄 스피커", 420, "가구"],
                ["시 누리집 모바일 민원", 11200, ""],
                ["중복 제거 실이용자", 33500, "이용률 18.0%"],
            ],
        ),
    },
}


def make_quantitative(city: dict, path: Path) -> None:
    wb = _wb()
    first = True
    for sheet, (header, rows) in QUANT[city["slug"]].items():
        ws = wb.active if first else wb.create_sheet(sheet)
        ws.title = sheet
        first = False
        ws.append(header)
        for row in rows:
            ws.append(row)
        _style_sheet(ws, [22] + [18] * (len(header) - 1))
    _notice_sheet(wb, city, "스마트도시 인증 정량지표 실적 자료(2026)")
    wb.save(str(path))
    normalize_zip(path)


# ---------------------------------------------------------------------------


def indicator_titles() -> dict[str, str]:
    import yaml

    fw = yaml.safe_load(
        (DEMO_DIR.parent / "frameworks" / "smart-city-sample.yaml").read_text(encoding="utf-8")
    )
    return {i["code"]: i["title_ko"] for a in fw["framework"]["areas"] for i in a["indicators"]}


def main() -> int:
    if not (FONT_DIR / "NanumGothic.ttf").exists():
        print("Nanum fonts missing: apt-get install fonts-nanum", file=sys.stderr)
        return 1
    titles = indicator_titles()
    for city, pages, claims in (
        (HANBIT, HANBIT_PDF, HANBIT_CLAIMS),
        (SOLNAE, SOLNAE_PDF, SOLNAE_CLAIMS),
    ):
        out = OUT_DIR / city["slug"]
        out.mkdir(parents=True, exist_ok=True)
        for code, *_ in claims:
            if code not in titles:
                raise SystemExit(f"unknown indicator {code}")
        n = make_pdf(city, pages, out / city["pdf_name"])
        make_living_lab_docx(city, out / city["docx_name"])
        make_application_docx(city, out / city["app_name"])
        make_hwpx(city, out / city["hwpx_name"])
        make_self_evaluation(city, claims, titles, out / city["self_name"])
        make_quantitative(city, out / city["quant_name"])
        print(f"{city['name']}: {out.relative_to(DEMO_DIR)} ({n}-page PDF)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
