"""The framework import page through the Flask client: a good file imported and listed, a file
with several bad rows refused with every problem shown (nothing imported), a wrong extension
or an unreadable file refused with a message (never a 500), evaluators refused."""

from __future__ import annotations

import io
import re
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from reviewapp.extensions import db
from reviewapp.models import AuditEvent, Framework, Indicator
from reviewapp.services import accounts
from tests.conftest import PASSWORD, csrf_token, login
from tests.reviewapp.helpers import count, second_browser

GOOD = """\
framework:
  code: page-test
  name_ko: 화면 시험 지표
  name_en: Page test indicators
  version: "1.0"
  total_points: 100
  areas:
    - code: A
      title_ko: 혁신
      indicators:
        - {code: A-01, title_ko: 시민참여, kind: quantitative, max_points: 60}
        - code: A-02
          title_ko: 리빙랩
          kind: qualitative
          max_points: 40
          rubric:
            - {level: 2, label_ko: 우수, points_pct: 100}
            - {level: 1, label_ko: 보통, points_pct: 50}
"""

# three bad indicators: points not a number, an unknown kind, a qualitative one without rubric
BAD = """\
framework:
  code: page-bad
  name_ko: 잘못된 지표
  total_points: 100
  areas:
    - code: A
      title_ko: 혁신
      indicators:
        - {code: A-01, title_ko: 하나, kind: quantitative, max_points: 백점}
        - {code: A-02, title_ko: 둘, kind: numeric, max_points: 50}
        - {code: A-03, title_ko: 셋, kind: qualitative, max_points: 50}
"""


def _coordinator(client: FlaskClient) -> FlaskClient:
    accounts.create_user("coord", PASSWORD, "coordinator")
    login(client, "coord")
    return client


def _post(client: FlaskClient, name: str, content: bytes):  # type: ignore[no-untyped-def]
    token = csrf_token(client, "/frameworks")
    return client.post(
        "/frameworks",
        data={"csrf_token": token, "file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )


def _tmp_files(app: Flask) -> list[str]:
    return sorted(p.name for p in (Path(app.config["DATA_DIR"]) / "tmp").iterdir())


def test_good_yaml_is_imported_and_listed(app: Flask, client: FlaskClient) -> None:
    _coordinator(client)
    page = client.get("/frameworks")
    assert page.status_code == 200 and 'type="file"' in page.get_data(as_text=True)
    assert "/frameworks" in client.get("/rounds").get_data(as_text=True)  # linked from rounds
    response = _post(client, "page-test.yaml", GOOD.encode())
    assert response.status_code == 303 and response.headers["Location"] == "/frameworks"
    framework = db.session.scalar(select(Framework).where(Framework.code == "page-test"))
    assert framework is not None and framework.version == "1.0"
    assert framework.source_name == "page-test.yaml"
    assert count(Indicator, Indicator.framework_id == framework.id) == 2
    assert count(AuditEvent, AuditEvent.action == "framework.import") == 1
    assert _tmp_files(app) == []  # the temporary copy is gone
    html = client.get("/frameworks").get_data(as_text=True)
    assert "page-test" in html and "화면 시험 지표" in html
    (row,) = re.findall(r'<tr class="framework">(.*?)</tr>', html, re.S)
    cells = [c.strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
    assert cells[:5] == ["page-test", "1.0", "화면 시험 지표", "2", "100"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d KST", cells[5]), cells[5]
    assert "가져왔습니다" in html  # the Korean flash


def test_bad_rows_are_all_shown_and_nothing_is_imported(app: Flask, client: FlaskClient) -> None:
    _coordinator(client)
    response = _post(client, "page-bad.yaml", BAD.encode())
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    rows = re.findall(r'<tr class="problem">(.*?)</tr>', html, re.S)
    table = [tuple(re.findall(r"<td>(.*?)</td>", r, re.S)) for r in rows]
    places = {(place, field) for place, field, _what in table}
    assert ("areas[0].indicators[0] (A-01)", "max_points") in places
    assert ("areas[0].indicators[1] (A-02)", "kind") in places
    assert ("areas[0].indicators[2] (A-03)", "rubric") in places
    assert any("백점" in what for _p, _f, what in table)
    assert "page-bad.yaml" in html
    assert count(Framework) == 0 and count(Indicator) == 0
    assert _tmp_files(app) == []


def test_wrong_extension_and_unreadable_files_are_refused(app: Flask, client: FlaskClient) -> None:
    _coordinator(client)
    for name, content in (
        ("framework.txt", GOOD.encode()),
        ("framework.csv", b"a,b\n1,2\n"),
        ("broken.xlsx", b"not a zip at all"),
        ("binary.yaml", b"\xff\xfe\x00\x80 not utf-8"),
        ("empty.yml", b""),
        ("unclosed.yaml", b"framework: [unclosed\n"),
    ):
        response = _post(client, name, content)
        html = response.get_data(as_text=True)
        assert response.status_code == 400, name
        assert name in html and 'class="problem"' in html, name
    assert "yaml" in _post(client, "framework.txt", b"x").get_data(as_text=True)
    no_file = client.post(
        "/frameworks",
        data={"csrf_token": csrf_token(client, "/frameworks")},
        content_type="multipart/form-data",
    )
    assert no_file.status_code == 400
    assert count(Framework) == 0
    assert _tmp_files(app) == []


def test_evaluators_are_refused(app: Flask, client: FlaskClient) -> None:
    accounts.create_user("eva", PASSWORD, "evaluator")
    coord = _coordinator(client)
    token = csrf_token(coord, "/frameworks")
    eva = second_browser(app, "eva")
    assert eva.get("/frameworks").status_code == 403
    response = eva.post(
        "/frameworks",
        data={"csrf_token": token, "file": (io.BytesIO(GOOD.encode()), "page-test.yaml")},
        content_type="multipart/form-data",
    )
    assert response.status_code in (400, 403)  # another session's token, or the role
    eva_token = csrf_token(eva, "/rounds")
    response = eva.post(
        "/frameworks",
        data={"csrf_token": eva_token, "file": (io.BytesIO(GOOD.encode()), "page-test.yaml")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 403
    assert "/frameworks" not in eva.get("/rounds").get_data(as_text=True)
    assert count(Framework) == 0
