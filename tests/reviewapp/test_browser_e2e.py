"""The whole review in a real Chromium (issue 18): coordinator, two evaluators, committee.

The test starts the app (gunicorn, as ``make run`` does) and a job worker (``reviewapp
worker``) as separate processes on 127.0.0.1 with a temporary data directory, then drives
Debian's Chromium through Playwright: a coordinator imports the sample framework on its page,
creates a round, registers a large and a small city, uploads a ZIP of real Korean documents
(PDF, DOCX, HWPX, XLSX from the demo folder and an HWP from the shared corpus) and the
self-evaluation table, and watches the worker finish them; assigns two evaluators; the first
searches in Korean on an indicator page, links a hit, accepts a suggestion, marks the
applicant's claim checked with a note, opens a citation in the preview pane, asks the
indicator's evidence a question and opens the answer's citation, and scores with a comment; the second
scores blind; the coordinator reads the disagreement, records an adjudication note, finalizes
and downloads the XLSX and DOCX exports, which the test opens. Embeddings are off (BM25 ranks),
so the run fits the suite's time on two cores.

Screenshots of each key page go to ``test-artifacts/<test>/`` when the test fails.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")  # the session's one Chromium: tests/reviewapp/conftest.py

if not CHROMIUM.is_file():
    pytest.skip(
        f"{CHROMIUM} is missing: browser tests need Debian's chromium", allow_module_level=True
    )

import docx  # noqa: E402
import openpyxl  # noqa: E402
from playwright.sync_api import Browser, Page, expect  # noqa: E402

from reviewapp.extensions import db  # noqa: E402
from reviewapp.services import accounts  # noqa: E402
from tests.conftest import CORPUS, PASSWORD, ROOT, make_app  # noqa: E402

pytestmark = pytest.mark.browser

FRAMEWORK_FILE = ROOT / "frameworks" / "smart-city-sample.yaml"
HANBIT = ROOT / "demo" / "documents" / "hanbit"
ZIP_MEMBERS = [
    HANBIT / "hanbit-smart-city-plan-summary-2026.pdf",
    HANBIT / "hanbit-living-lab-report-2025.docx",
    HANBIT / "hanbit-ordinance-and-organisation.hwpx",
    HANBIT / "hanbit-quantitative-data-2026.xlsx",
    CORPUS / "msit-nuri-press-release-2018.hwp",
]
SELF_EVALUATION = HANBIT / "hanbit-self-evaluation-2026.xlsx"
ROUND_NAME = "2027년 스마트도시 인증 (E2E)"
LARGE_NAME = "한빛시"
SMALL_NAME = "솔내시"
CODE = "SVC-07"  # 도시 데이터 허브 구축·운영: qualitative, 50 points; the PDF's page 5
QUERY = "데이터 허브 연계"
COMMENT_A = "데이터 허브 8개 분야 184종 연계 확인(계획 요약 5쪽)"
COMMENT_B = "구축 계획 위주로 판단"
CLAIM_NOTE = "계획 요약 5쪽과 대조함"
QUESTION = "도시 데이터 허브에 연계된 데이터는 몇 종인가?"
ADJUDICATION = "위원회 협의: 평균 점수 적용"
ARTIFACTS = ROOT / "test-artifacts"
TIMEOUT_MS = 20_000
INGEST_TIMEOUT_MS = 240_000  # six documents through a worker on a busy two-core machine


@dataclass
class Servers:
    base_url: str
    data_dir: Path
    logs: list[Path] = field(default_factory=list)

    def log_tail(self) -> str:
        return "\n".join(
            f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}" for p in self.logs
        )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_until_up(url: str, processes: list[subprocess.Popen[bytes]], servers: Servers) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        for p in processes:
            if p.poll() is not None:
                raise AssertionError(f"{p.args!r} exited with {p.returncode}\n{servers.log_tail()}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"the app did not answer {url} within 90 s\n{servers.log_tail()}")


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    """gunicorn and the job worker on a fresh data directory, as ``make run`` starts them;
    the accounts exist (an admin's work, outside this flow)."""
    tmp = tmp_path_factory.mktemp("e2e")
    app = make_app(tmp)  # the migrated empty database under tmp/data
    with app.app_context():
        accounts.create_user("coord", PASSWORD, "coordinator", display_name="운영기관 담당")
        accounts.create_user("eva", PASSWORD, "evaluator", display_name="김평가")
        accounts.create_user("evb", PASSWORD, "evaluator", display_name="이평가")
        db.session.remove()
        db.engine.dispose()
    data_dir = Path(app.config["DATA_DIR"])
    port = _free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "REVIEWAPP_DATA_DIR": str(data_dir),
        "REVIEWAPP_SECRET_KEY": "e2e-secret",
        "REVIEWAPP_EMBEDDINGS_ENABLED": "false",
        "REVIEWAPP_JOBS_IMMEDIATE": "false",
        "REVIEWAPP_OCR_ENABLED": "true",
        "REVIEWAPP_WEB_WORKERS": "1",
        "REVIEWAPP_WEB_THREADS": "4",
        "HOST": "127.0.0.1",
        "PORT": str(port),
    }
    servers = Servers(f"http://127.0.0.1:{port}", data_dir)
    bin_dir = Path(sys.executable).parent
    commands = {
        "web": [sys.executable, "-m", "gunicorn", "--config", str(ROOT / "gunicorn.conf.py")],
        "worker": [str(bin_dir / "reviewapp"), "worker"],
    }
    processes: list[subprocess.Popen[bytes]] = []
    try:
        for name, command in commands.items():
            log = tmp / f"{name}.log"
            servers.logs.append(log)
            with log.open("wb") as out:
                processes.append(
                    subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=out)
                )
        _wait_until_up(f"{servers.base_url}/login", processes, servers)
        yield servers
    finally:
        for p in processes:
            p.terminate()
        for p in processes:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


class Shots:
    """A screenshot of each key page, kept only when the test fails."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.count = 0

    def take(self, page: Page, name: str) -> None:
        self.count += 1
        page.screenshot(path=str(self.folder / f"{self.count:02d}-{name}.png"), full_page=True)


@pytest.fixture()
def shots(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Shots]:
    shots = Shots(tmp_path / "shots")
    shots.folder.mkdir()
    yield shots
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        target = ARTIFACTS / request.node.name
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(shots.folder, target)


@dataclass
class Actor:
    page: Page
    errors: list[str]


@pytest.fixture()
def people(browser: Browser, servers: Servers, shots: Shots) -> Iterator[dict[str, Actor]]:
    """One browser context per person (Korean UI); a 5xx or a JavaScript error fails the test,
    and on failure every open page is screenshotted last."""
    expect.set_options(timeout=TIMEOUT_MS)
    contexts = []
    actors: dict[str, Actor] = {}
    for name in ("coord", "eva", "evb"):
        context = browser.new_context(
            base_url=servers.base_url,
            locale="ko-KR",
            accept_downloads=True,
            viewport={"width": 1280, "height": 900},
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc, errors=errors: errors.append(f"JavaScript: {exc}"))
        page.on(
            "response",
            lambda r, errors=errors: (
                errors.append(f"HTTP {r.status}: {r.request.method} {r.url}")
                if r.status >= 500
                else None
            ),
        )
        actors[name] = Actor(page, errors)
    try:
        yield actors
    finally:
        for name, actor in actors.items():
            if not actor.page.is_closed():
                with contextlib.suppress(Exception):  # a screenshot must not hide the failure
                    shots.take(actor.page, f"last-{name}")
        for context in contexts:
            context.close()
    problems = {name: actor.errors for name, actor in actors.items() if actor.errors}
    assert not problems, f"errors while the test ran: {problems}\n{servers.log_tail()}"


def log_in(page: Page, username: str) -> None:
    page.goto("/login")
    page.get_by_label("아이디").fill(username)
    page.get_by_label("비밀번호").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/rounds$"))
    expect(page.get_by_role("heading", name="평가 라운드", exact=True)).to_be_visible()


def the_zip(folder: Path) -> Path:
    path = folder / "한빛시-증빙.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for member in ZIP_MEMBERS:
            archive.write(member, f"증빙/{member.name}")
    return path


def test_whole_review_in_the_browser(
    people: dict[str, Actor], servers: Servers, shots: Shots, tmp_path: Path
) -> None:
    coord, eva, evb = people["coord"].page, people["eva"].page, people["evb"].page

    # ------------------------------------------------------------ coordinator sets up
    log_in(coord, "coord")
    coord.get_by_role("link", name="지표체계 가져오기").click()
    coord.wait_for_url("**/frameworks")
    coord.get_by_label("지표체계 파일").set_input_files(FRAMEWORK_FILE)
    coord.get_by_role("button", name="가져오기", exact=True).click()
    row = coord.locator("tr.framework")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("smart-city-sample")
    expect(row.locator("td.num").first).to_have_text(re.compile(r"^[1-9]\d$"))  # indicators
    shots.take(coord, "frameworks")

    coord.goto("/rounds")
    coord.get_by_label("라운드 이름").fill(ROUND_NAME)
    coord.get_by_role("button", name="만들기", exact=True).click()
    expect(coord.get_by_role("heading", name=ROUND_NAME, level=1)).to_be_visible()
    round_url = coord.url
    round_id = int(re.search(r"/rounds/(\d+)", round_url).group(1))  # type: ignore[union-attr]

    for name, region, population in (
        (LARGE_NAME, "경기", "1020000"),
        (SMALL_NAME, "충남", "186000"),
    ):
        coord.get_by_label("지자체", exact=True).fill(name)
        coord.get_by_label("지역", exact=True).fill(region)
        coord.get_by_label("인구", exact=True).fill(population)
        coord.get_by_role("button", name="등록", exact=True).click()
        expect(coord.get_by_role("link", name=name, exact=True)).to_be_visible()
    tracks = coord.locator("table.grid").first
    expect(tracks.locator("tr", has_text=LARGE_NAME)).to_contain_text("대도시")
    expect(tracks.locator("tr", has_text=SMALL_NAME)).to_contain_text("중소도시")
    shots.take(coord, "round")

    # the ZIP of evidence, then the self-evaluation table, on the large city's page
    coord.get_by_role("link", name=LARGE_NAME, exact=True).click()
    coord.wait_for_url(re.compile(r"/submissions/\d+$"))
    submission_id = int(coord.url.rsplit("/", 1)[1])
    upload = coord.locator("form.upload")
    upload.get_by_label("파일 또는 ZIP 압축 파일").set_input_files(the_zip(tmp_path))
    upload.get_by_label("문서 유형").select_option("evidence")
    upload.get_by_role("button", name="업로드", exact=True).click()
    coord.wait_for_url(re.compile(rf"/submissions/{submission_id}\?batch="))
    summary = coord.locator("#batch-summary")
    expect(summary).to_contain_text(f"문서 {len(ZIP_MEMBERS)}건")
    shots.take(coord, "upload-progress")
    # the batch summary polls (htmx, every 2 s) until the worker is done with every file
    expect(summary).to_contain_text(f"완료 {len(ZIP_MEMBERS)}", timeout=INGEST_TIMEOUT_MS)
    expect(summary).not_to_contain_text("처리 중")
    expect(summary).to_contain_text("실패 0")

    upload = coord.locator("form.upload")
    upload.get_by_label("파일 또는 ZIP 압축 파일").set_input_files(SELF_EVALUATION)
    upload.get_by_label("문서 유형").select_option("self_evaluation")
    upload.get_by_role("button", name="업로드", exact=True).click()
    coord.wait_for_url(re.compile(rf"/submissions/{submission_id}\?batch="))
    expect(coord.locator("#batch-summary")).to_contain_text("완료 1", timeout=INGEST_TIMEOUT_MS)
    coord.reload()
    documents = coord.locator("#documents tbody tr")
    expect(documents).to_have_count(len(ZIP_MEMBERS) + 1)
    expect(coord.locator("#documents tbody .badge.ready")).to_have_count(len(ZIP_MEMBERS) + 1)
    for member in [*ZIP_MEMBERS, SELF_EVALUATION]:
        expect(coord.locator("#documents")).to_contain_text(member.name)
    shots.take(coord, "submission")

    # the round page shows the processing finished: 6/6 documents ready
    coord.goto(round_url)
    large_row = coord.locator("table.grid tr", has_text=LARGE_NAME).first
    expect(large_row).to_contain_text(f"{len(ZIP_MEMBERS) + 1}/{len(ZIP_MEMBERS) + 1}")
    expect(large_row.locator("progress")).to_have_attribute("value", "100")

    # two evaluators on the large city
    for evaluator in ("eva", "evb"):
        form = coord.locator("form", has=coord.get_by_role("button", name="배정", exact=True))
        form.get_by_label("신청 지자체").select_option(label=LARGE_NAME)
        form.get_by_label("평가위원").select_option(evaluator)
        form.get_by_role("button", name="배정", exact=True).click()
        expect(coord.locator("#assignments")).to_contain_text(
            "김평가" if evaluator == "eva" else "이평가"
        )
    expect(coord.locator("#assignments tr.assignment")).to_have_count(2)
    shots.take(coord, "assignments")

    # ------------------------------------------------------------ first evaluator
    log_in(eva, "eva")
    eva.get_by_role("link", name=ROUND_NAME).click()
    eva.get_by_role("link", name=LARGE_NAME, exact=True).click()
    eva.get_by_role("link", name=CODE, exact=True).click()
    eva.wait_for_url(f"**/submissions/{submission_id}/indicators/{CODE}")
    expect(eva.locator("h1")).to_contain_text("도시 데이터 허브")

    # search in Korean (the workbench's search tab) and link a hit from the plan summary
    eva.locator("#tab-search").click()
    search = eva.locator("#indicator-search")
    search.get_by_label(re.compile("검색어")).fill(QUERY)
    with eva.expect_response(lambda r: "/hits" in r.url and r.status == 200):
        search.locator("form button[type=submit]").click()
    plan_hits = search.locator(
        "#hits section.doc-hits",
        has=eva.locator("h3", has_text="hanbit-smart-city-plan-summary-2026.pdf"),
    )
    hit = plan_hits.locator(".hit", has=eva.locator(".snippet mark", has_text="허브")).first
    expect(hit.locator(".snippet mark").first).to_be_visible()
    linked_slot = hit.locator(".link-slot")
    linked_id = linked_slot.get_attribute("id").removeprefix("link-")
    with eva.expect_response(lambda r: r.request.method == "POST" and r.url.endswith("/links")):
        hit.locator("button.link-evidence").click()
    expect(hit.locator(".badge.accepted")).to_be_visible()
    expect(eva.locator("#evidence-links li")).to_have_count(1)

    # accept a suggestion that is not linked yet (the suggestions tab); the list reloads
    # after the link above, so skip the passage just linked whatever state it shows
    eva.locator("#tab-suggested").click()
    expect(eva.locator("#suggested #suggestions")).to_be_attached()
    open_suggestion = eva.locator(
        f"#suggestions .hit:not(#sugg-{linked_id})", has=eva.locator("button.accept")
    ).first
    expect(open_suggestion).to_be_visible()
    with eva.expect_response(
        lambda r: r.request.method == "POST" and r.url.endswith("/suggestions")
    ):
        open_suggestion.locator("button.accept").click()
    expect(eva.locator("#evidence-links li")).to_have_count(2)
    shots.take(eva, "indicator")

    # the applicant's claim for the indicator (imported from the table): mark it checked
    claim = eva.locator("#claims article").first
    expect(claim).to_contain_text("184종")
    claim.get_by_label("메모").fill(CLAIM_NOTE)
    claim.get_by_role("button", name="확인 완료 표시").click()
    expect(claim.locator(".claim-reviews li")).to_contain_text("김평가 · ")
    expect(claim.locator(".claim-reviews li")).to_contain_text(CLAIM_NOTE)

    # the claims table shows the mark too
    eva.goto(f"/submissions/{submission_id}/claims")
    claim_row = eva.locator("table.claims tr", has_text=CODE).filter(has_text=CLAIM_NOTE)
    expect(claim_row.first).to_be_visible()
    shots.take(eva, "claims")

    # open a citation: it opens in the preview pane beside the list, on its page, the
    # passage highlighted (PDF.js) or shown beside the page when it cannot be placed
    eva.goto(f"/submissions/{submission_id}/indicators/{CODE}")
    eva.locator("#tab-linked").click()
    citation = eva.locator("#evidence-links li").first
    expect(citation).to_contain_text(re.compile(r"\d+쪽"))
    citation.locator("[data-cite]").first.click()
    expect(eva.locator("#preview .preview-label")).to_contain_text(re.compile(r"\d+쪽"))
    expect(
        eva.locator("#preview mark.hl, #preview mark.passage, #preview .passage-beside").first
    ).to_be_visible()
    assert f"/indicators/{CODE}" in eva.url  # the page never left the indicator
    shots.take(eva, "citation")

    # ask the indicator's evidence a question (the questions tab) and open the answer's citation
    eva.locator("#tab-questions").click()
    eva.get_by_label("질문 내용").fill(QUESTION)
    with eva.expect_response(lambda r: r.request.method == "POST" and "/ask" in r.url):
        eva.locator("#ask-panel form button[type=submit]").click()
    asked = eva.locator("#ask-panel .conversation .question").last
    expect(asked).to_contain_text(QUESTION)
    expect(asked.locator(".answer mark")).to_contain_text(re.compile(r"\d+\s*종"))
    asked.locator(".citations [data-cite]").first.click()
    expect(eva.locator("#preview .preview-label")).to_contain_text(re.compile(r"\d+쪽"))
    shots.take(eva, "question")

    # score the document stage at level 5 citing both links, with a comment
    card = eva.locator("#score-document")
    card.locator("input[name=level][value='5']").check()
    boxes = card.locator("input[name=link_ids]")
    expect(boxes).to_have_count(2)
    for i in range(2):
        boxes.nth(i).check()
    card.get_by_label("의견").fill(COMMENT_A)
    card.get_by_role("button", name="저장").click()
    expect(eva.locator("#score-document .saved")).to_contain_text("50점")
    expect(eva.locator("#score-document")).to_contain_text("점수가 저장되었습니다.")
    shots.take(eva, "scored")

    # ------------------------------------------------------------ second evaluator, blind
    log_in(evb, "evb")
    evb.goto(f"/submissions/{submission_id}/indicators/{CODE}")
    expect(evb.locator("#evidence-links li")).to_have_count(0)  # eva's links stay hidden
    expect(evb.locator("#score")).not_to_contain_text(COMMENT_A)
    expect(evb.locator("#score")).not_to_contain_text("김평가")
    card = evb.locator("#score-document")
    card.locator("input[name=level][value='2']").check()
    card.get_by_label("증빙 미제출 사유").fill("허브 운영 실적 자료 없음")
    card.get_by_label("의견").fill(COMMENT_B)
    card.get_by_role("button", name="저장").click()
    expect(evb.locator("#score-document .saved")).to_contain_text("20점")
    # once saved, the other evaluator's score and comment are shown
    expect(evb.locator("#score")).to_contain_text(COMMENT_A)
    expect(evb.locator("#evidence-links li")).to_have_count(2)
    shots.take(evb, "blind-scored")

    # ------------------------------------------------------------ committee
    coord.goto(f"/rounds/{round_id}/disagreements")
    item = coord.locator(f"#d-{submission_id}-{CODE}")
    expect(item).to_be_visible()
    expect(item.locator(".spread")).to_have_text("30점 (60.00%)")
    expect(item.locator("tr.comment")).to_contain_text(COMMENT_A)
    expect(item.locator("tr.comment")).to_contain_text(COMMENT_B)
    shots.take(coord, "disagreements")
    item.get_by_label("새 조정 의견").fill(ADJUDICATION)
    item.get_by_role("button", name="조정 의견 기록").click()
    expect(coord.locator(f"#d-{submission_id}-{CODE} ol.notes li")).to_contain_text(ADJUDICATION)

    coord.goto(round_url)
    finalize = coord.locator("#finalize")
    finalize.get_by_role("checkbox").check()
    finalize.get_by_role("button", name="라운드 확정").click()
    expect(coord.locator(".banner.finalized")).to_be_visible()
    shots.take(coord, "finalized")

    coord.goto(f"/rounds/{round_id}/results")
    large = coord.locator(f"#sub-{submission_id}")
    expect(large.locator(".grade-cell")).to_contain_text("5등급")
    shots.take(coord, "results")
    with coord.expect_download() as got:
        coord.get_by_role("link", name="XLSX 내려받기").click()
    xlsx = tmp_path / "scores.xlsx"
    got.value.save_as(xlsx)
    with coord.expect_download() as got:
        large.get_by_role("link", name=f"{LARGE_NAME} DOCX 보고서").click()
    report = tmp_path / "report.docx"
    got.value.save_as(report)

    # the score sheet: 한빛시's SVC-07 at the mean of 50 and 20 (35 points), grade 5, final
    workbook = openpyxl.load_workbook(xlsx, data_only=True)
    rows = list(workbook[LARGE_NAME].iter_rows(values_only=True))
    header = list(rows[0])
    svc07 = next(r for r in rows if CODE in r)
    assert svc07[header.index("집계 점수")] == 35, svc07
    summary = list(workbook["요약"].iter_rows(values_only=True))
    columns = list(summary[0])
    (hanbit,) = [r for r in summary if r[columns.index("신청 지자체")] == LARGE_NAME]
    assert hanbit[columns.index("등급")] == 5, hanbit
    assert hanbit[columns.index("총점")] == 35, hanbit

    # the report: the grade, both comments, the adjudication note
    text = "\n".join(p.text for p in docx.Document(str(report)).paragraphs)
    tables = "\n".join(
        cell.text for t in docx.Document(str(report)).tables for row in t.rows for cell in row.cells
    )
    assert "5등급" in text + tables
    for expected in (COMMENT_A, COMMENT_B, ADJUDICATION):
        assert expected in text + tables, expected
