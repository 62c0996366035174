"""Grading end to end through the command line only, as a hidden checker would drive it.

A small framework of our own (2 areas, 5 indicators, 100 points) is imported with
`import-framework`; rounds, applicants, evaluators, assignments, evidence and scores are all
entered with the real commands, and `grades --round N --json` is compared with results
computed BY HAND (the arithmetic is written out in the comments; nothing here calls
reviewapp/grading.py).

The framework (total 100 points, threshold 70 %, bands 90/80/70/60/0, grades 1-3 certified):

    GOV  GOV-01  quantitative  max 30
         GOV-02  qualitative   max 20   levels 4/3/2/1 = 100/75/50/25 % = 20 / 15 / 10 / 5
    SVC  SVC-01  quantitative  max 20
         SVC-02  qualitative   max 15   levels 4/3/2/1 = 100/75/50/25 % = 15 / 11.25 / 7.50 / 3.75
         SVC-03  quantitative  max 15

Disagreement limit: the round's default 20 % of max_points, i.e. GOV-01 6, GOV-02 4, SVC-01 4,
SVC-02 3, SVC-03 3 points (flagged only when a stage's spread is strictly above).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask_babel import force_locale

FRAMEWORK_YAML = """\
framework:
  code: hand-check
  name_ko: 손계산 검증용 지표
  name_en: Hand-check framework
  version: "1"
  total_points: 100
  certification_threshold_pct: 70
  tracks:
    - {code: large, name_ko: 대도시, min_population: 500000}
    - {code: small, name_ko: 중소도시, max_population: 499999}
  stages:
    - {code: document, name_ko: 서면평가}
    - {code: onsite, name_ko: 현장실사}
  grade_bands:
    - {grade: 1, min_pct: 90}
    - {grade: 2, min_pct: 80}
    - {grade: 3, min_pct: 70}
    - {grade: 4, min_pct: 60}
    - {grade: 5, min_pct: 0}
  certified_grades: [1, 2, 3]
  areas:
    - code: GOV
      title_ko: 거버넌스
      indicators:
        - {code: GOV-01, title_ko: 시민참여 실적, kind: quantitative, max_points: 30}
        - code: GOV-02
          title_ko: 시민참여 거버넌스
          kind: qualitative
          max_points: 20
          rubric:
            - {level: 4, label_ko: 매우 우수, points_pct: 100}
            - {level: 3, label_ko: 우수, points_pct: 75}
            - {level: 2, label_ko: 보통, points_pct: 50}
            - {level: 1, label_ko: 미흡, points_pct: 25}
    - code: SVC
      title_ko: 서비스
      indicators:
        - {code: SVC-01, title_ko: 서비스 수, kind: quantitative, max_points: 20}
        - code: SVC-02
          title_ko: 서비스 품질
          kind: qualitative
          max_points: 15
          rubric:
            - {level: 4, label_ko: 매우 우수, points_pct: 100}
            - {level: 3, label_ko: 우수, points_pct: 75}
            - {level: 2, label_ko: 보통, points_pct: 50}
            - {level: 1, label_ko: 미흡, points_pct: 25}
        - {code: SVC-03, title_ko: 데이터 개방, kind: quantitative, max_points: 15}
"""

EVIDENCE_MD = """\
# 가람시 시민참여 운영 보고

가람시는 시민참여단을 상설 기구로 운영하며 분기마다 정기 회의를 연다.

회의에서 채택된 제안 열두 건 가운데 아홉 건이 예산사업에 반영되었다.
"""

TOP_KEYS = {"round", "finalized", "alpha", "submissions"}
SUBMISSION_KEYS = {
    "submission_id",
    "applicant",
    "track",
    "rank",
    "total",
    "max_total",
    "percent",
    "grade",
    "certified",
    "complete",
    "missing",
    "areas",
    "indicators",
}
AREA_KEYS = {"code", "subtotal", "max"}
INDICATOR_KEYS = {"code", "score", "max", "stage_used", "n_scores", "flagged"}
CODES = ["GOV-01", "GOV-02", "SVC-01", "SVC-02", "SVC-03"]


# ---------------------------------------------------------------- driving the CLI


class Cli:
    def __init__(self, app: Flask) -> None:
        self.runner = app.test_cli_runner()
        self.scores = 0

    def ok(self, *args: str) -> Any:
        """Run a command that must succeed; its last stdout line as JSON (or the text)."""
        result = self.runner.invoke(args=list(args))
        assert result.exit_code == 0, (args, result.output)
        assert result.stderr == "", (args, result.stderr)
        last = result.stdout.strip().splitlines()[-1]
        try:
            return json.loads(last)
        except json.JSONDecodeError:
            return last

    def fails(self, *args: str) -> Any:
        result = self.runner.invoke(args=list(args))
        assert result.exit_code != 0, (args, result.output)
        assert result.stderr.startswith("error: "), result.stderr
        return result

    def user(self, name: str, role: str = "evaluator") -> None:
        self.runner.env = {"REVIEWAPP_NEW_PASSWORD": "pw-123456789"}  # type: ignore[attr-defined]
        assert self.ok("create-user", name, "--role", role, "--json")["role"] == role

    def applicant(self, round_id: int, name: str, population: int, track: str) -> int:
        row = self.ok(
            "add-applicant", str(round_id), name, "--population", str(population), "--json"
        )
        assert row["track"] == track
        return int(row["submission_id"])

    def score(
        self,
        submission: int,
        code: str,
        evaluator: str,
        stage: str,
        *,
        points: str | None = None,
        level: int | None = None,
        link: int | None = None,
    ) -> dict[str, Any]:
        args = ["score", str(submission), code, "--evaluator", evaluator, "--stage", stage]
        args += ["--points", points] if points is not None else ["--level", str(level)]
        if link is not None:
            args += ["--link", str(link)]
        else:
            args += ["--no-evidence-reason", "증빙 미제출"]
        saved = self.ok(*args, "--json")
        assert set(saved) == {"score_id", "points", "version"}
        assert saved["version"] == 1
        self.scores += 1
        return saved

    def grades(self, round_id: int) -> dict[str, Any]:
        payload = self.ok("grades", "--round", str(round_id), "--json")
        _check_shape(payload)
        return payload


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _check_shape(payload: dict[str, Any]) -> None:
    """Exact key sets, and numbers as JSON numbers (never strings)."""
    assert set(payload) == TOP_KEYS
    assert isinstance(payload["round"], int) and isinstance(payload["finalized"], bool)
    assert set(payload["alpha"]) == {"document", "onsite"}
    for alpha in payload["alpha"].values():
        assert alpha is None or isinstance(alpha, float)
    for row in payload["submissions"]:
        assert set(row) == SUBMISSION_KEYS, set(row) ^ SUBMISSION_KEYS
        for key in ("total", "max_total", "percent"):
            assert _is_number(row[key]), (key, row[key])
        for key in ("submission_id", "rank", "grade"):
            assert isinstance(row[key], int) and not isinstance(row[key], bool), (key, row[key])
        assert isinstance(row["certified"], bool) and isinstance(row["complete"], bool)
        assert all(isinstance(code, str) for code in row["missing"])
        for area in row["areas"]:
            assert set(area) == AREA_KEYS
            assert _is_number(area["subtotal"]) and _is_number(area["max"])
        for ind in row["indicators"]:
            assert set(ind) == INDICATOR_KEYS
            assert _is_number(ind["score"]) and _is_number(ind["max"])
            assert isinstance(ind["n_scores"], int) and isinstance(ind["flagged"], bool)
            assert ind["stage_used"] in (None, "document", "onsite")


def _indicators(rows: list[tuple[float, str | None, int, bool]]) -> list[dict[str, Any]]:
    """Expected indicator rows in framework order from (score, stage_used, n_scores, flagged)."""
    maxes = [30, 20, 20, 15, 15]
    return [
        {"code": code, "score": s, "max": m, "stage_used": st, "n_scores": n, "flagged": f}
        for code, m, (s, st, n, f) in zip(CODES, maxes, rows, strict=True)
    ]


def _areas(gov: float, svc: float) -> list[dict[str, Any]]:
    return [
        {"code": "GOV", "subtotal": gov, "max": 50},
        {"code": "SVC", "subtotal": svc, "max": 50},
    ]


@pytest.fixture(autouse=True)
def english(app: Flask) -> Iterator[None]:
    """The commands run in the test's app context: their messages in English (msgids)."""
    with force_locale("en"):
        yield


@pytest.fixture()
def cli(app: Flask, tmp_path: Path) -> tuple[Cli, int]:
    """The framework imported and four evaluators and a coordinator created, all by CLI."""
    cli = Cli(app)
    path = tmp_path / "hand-check.yaml"
    path.write_text(FRAMEWORK_YAML, encoding="utf-8")
    fw = cli.ok("import-framework", str(path), "--json")
    assert (fw["areas"], fw["indicators"], fw["total_points"]) == (2, 5, 100)
    for name in ("ev1", "ev2", "ev3", "ev4"):
        cli.user(name)
    cli.user("boss", "coordinator")
    return cli, int(fw["id"])


# ---------------------------------------------------------------- the mean round


def test_mean_round_matches_hand_computed_grades(cli: tuple[Cli, int], tmp_path: Path) -> None:
    c, fw = cli
    round_id = int(c.ok("create-round", "2026 손계산", "--framework", str(fw), "--json")["id"])
    settings = c.ok("set-round", str(round_id), "--json")
    assert settings["aggregation"] == "mean" and settings["stages"] == ["document", "onsite"]
    assert settings["disagreement_pct"] == 20 and settings["certification_threshold_pct"] == 70

    a = c.applicant(round_id, "가람시", 600_000, "large")
    b = c.applicant(round_id, "나래시", 800_000, "large")
    sc = c.applicant(round_id, "다솜시", 200_000, "small")
    d = c.applicant(round_id, "라온시", 300_000, "small")
    e = c.applicant(round_id, "마루시", 100_000, "small")  # never assigned, never scored
    for sub, names in (
        (a, ("ev1", "ev2")),
        (b, ("ev1", "ev2")),
        (sc, ("ev3",)),
        (d, ("ev2", "ev3")),
    ):
        for name in names:
            assert c.ok("assign", str(sub), name, "--json")["submission_id"] == sub

    # one real citation: a small document ingested into 가람시, page 1 cited by ev1
    doc_path = tmp_path / "가람시-시민참여.md"
    doc_path.write_text(EVIDENCE_MD, encoding="utf-8")
    ingested = c.ok("ingest", str(doc_path), "--submission", str(a), "--json")
    assert ingested["status"] == "ready" and ingested["pages"] >= 1, ingested
    link = c.ok(
        "link", str(a), "GOV-01", "--document", str(ingested["document_id"]), "--page", "1",
        "--quote", "시민참여단을 상설 기구로 운영하며", "--by", "ev1", "--json",
    )  # fmt: skip
    assert set(link) == {"link_id"} and isinstance(link["link_id"], int)

    # 가람시 (large): both at the document stage; 70.00 % exactly -> grade 3, certified
    #   GOV-01  18, 30        mean 24.00   spread 12 > 6     flagged
    #   GOV-02  L3, L3        15, 15 -> 15.00
    #   SVC-01  12.5, 13.5    13.00        spread 1 <= 4
    #   SVC-02  L3, L2        11.25, 7.50 -> 9.375 -> 9.38 (half up)  spread 3.75 > 3  flagged
    #   SVC-03  8.61, 8.63    8.62
    #   GOV 24 + 15 = 39.00; SVC 13 + 9.38 + 8.62 = 31.00; total 70.00 / 100 = 70.00 %
    saved = c.score(a, "GOV-01", "ev1", "document", points="18", link=link["link_id"])
    assert saved["points"] == 18
    c.score(a, "GOV-01", "ev2", "document", points="30")
    c.score(a, "GOV-02", "ev1", "document", level=3)
    c.score(a, "GOV-02", "ev2", "document", level=3)
    c.score(a, "SVC-01", "ev1", "document", points="12.5")
    refused = c.runner.invoke(
        args=["score", str(a), "SVC-01", "--evaluator", "ev2", "--stage", "document"]
        + ["--points", "13,5", "--no-evidence-reason", "x"]
    )
    assert refused.exit_code == 1 and "13,5" in refused.stderr  # a comma is never guessed
    c.score(a, "SVC-01", "ev2", "document", points="13.5")
    assert c.score(a, "SVC-02", "ev1", "document", level=3)["points"] == 11.25
    assert c.score(a, "SVC-02", "ev2", "document", level=2)["points"] == 7.5
    c.score(a, "SVC-03", "ev1", "document", points="8.61")
    c.score(a, "SVC-03", "ev2", "document", points="8.63")

    # 나래시 (large): 69.99 % -> grade 4, not certified
    #   GOV-01  25, 25        25.00
    #   GOV-02  L4, L4        20.00
    #   SVC-01  10, 14        12.00        spread 4 == 4: at the limit, NOT flagged
    #   SVC-02  L2, L2        7.50
    #   SVC-03  5.48, 5.50    5.49
    #   GOV 45.00; SVC 12 + 7.50 + 5.49 = 24.99; total 69.99 %
    for name in ("ev1", "ev2"):
        c.score(b, "GOV-01", name, "document", points="25")
        c.score(b, "GOV-02", name, "document", level=4)
        c.score(b, "SVC-02", name, "document", level=2)
    c.score(b, "SVC-01", "ev1", "document", points="10")
    c.score(b, "SVC-01", "ev2", "document", points="14")
    c.score(b, "SVC-03", "ev1", "document", points="5.48")
    c.score(b, "SVC-03", "ev2", "document", points="5.50")

    # 다솜시 (small): a single evaluator, two indicators unscored -> provisional
    #   GOV-01  20                               20.00
    #   GOV-02  L2                               10.00
    #   SVC-01  document 10, on-site 16          16.00 (on-site overrides the document)
    #   SVC-02, SVC-03 unscored                  0, missing
    #   GOV 30.00; SVC 16.00; total 46.00 % -> grade 5
    c.score(sc, "GOV-01", "ev3", "document", points="20")
    c.score(sc, "GOV-02", "ev3", "document", level=2)
    c.score(sc, "SVC-01", "ev3", "document", points="10")
    c.score(sc, "SVC-01", "ev3", "onsite", points="16")

    # 라온시 (small): ev2 and ev3; 46.00 % too -> shares rank 1 with 다솜시
    #   GOV-01  document 4, 20 (mean 12, spread 16 > 6: flagged); on-site ev2 11 -> 11.00,
    #           stage onsite, 1 score, still flagged (any stage)
    #   GOV-02  L1, L1        5, 5 -> 5.00
    #   SVC-01  10, 10        10.00
    #   SVC-02  L4, L3        15, 11.25 -> 13.125 -> 13.13 (half up)  spread 3.75 > 3 flagged
    #   SVC-03  6.87, 6.87    6.87
    #   GOV 11 + 5 = 16.00; SVC 10 + 13.13 + 6.87 = 30.00; total 46.00 %
    c.score(d, "GOV-01", "ev2", "document", points="4")
    c.score(d, "GOV-01", "ev3", "document", points="20")
    c.score(d, "GOV-01", "ev2", "onsite", points="11")
    for name in ("ev2", "ev3"):
        c.score(d, "GOV-02", name, "document", level=1)
        c.score(d, "SVC-01", name, "document", points="10")
        c.score(d, "SVC-03", name, "document", points="6.87")
    c.score(d, "SVC-02", "ev2", "document", level=4)
    c.score(d, "SVC-02", "ev3", "document", level=3)

    # 마루시 (small): nothing scored: 0.00 %, grade 5, every indicator missing, rank 3 (1, 1, 3)

    payload = c.grades(round_id)
    assert payload["round"] == round_id and payload["finalized"] is False
    # Krippendorff's alpha (interval), by hand: document-stage units with 2+ raters are the
    # 15 pairs above (가람시, 나래시, 라온시 x 5; 다솜시's single ratings are not pairable):
    # n = 30 values, D_o = (1/n) sum over units of 2 (a - b)^2, D_e = sum over all ordered
    # value pairs (v_i - v_j)^2 / (n (n - 1)); alpha = 1 - D_o / D_e
    # = 132425081 / 196968322 = 0.67232 -> 0.6723. On-site: 2 units with one rater each: null.
    assert payload["alpha"] == {"document": 0.6723, "onsite": None}

    expected = [
        {
            "submission_id": a,
            "applicant": "가람시",
            "track": "large",
            "rank": 1,
            "total": 70.0,
            "max_total": 100,
            "percent": 70.0,
            "grade": 3,
            "certified": True,
            "complete": True,
            "missing": [],
            "areas": _areas(39.0, 31.0),
            "indicators": _indicators(
                [
                    (24.0, "document", 2, True),
                    (15.0, "document", 2, False),
                    (13.0, "document", 2, False),
                    (9.38, "document", 2, True),
                    (8.62, "document", 2, False),
                ]
            ),
        },
        {
            "submission_id": b,
            "applicant": "나래시",
            "track": "large",
            "rank": 2,
            "total": 69.99,
            "max_total": 100,
            "percent": 69.99,
            "grade": 4,
            "certified": False,
            "complete": True,
            "missing": [],
            "areas": _areas(45.0, 24.99),
            "indicators": _indicators(
                [
                    (25.0, "document", 2, False),
                    (20.0, "document", 2, False),
                    (12.0, "document", 2, False),
                    (7.5, "document", 2, False),
                    (5.49, "document", 2, False),
                ]
            ),
        },
        {
            "submission_id": sc,
            "applicant": "다솜시",
            "track": "small",
            "rank": 1,
            "total": 46.0,
            "max_total": 100,
            "percent": 46.0,
            "grade": 5,
            "certified": False,
            "complete": False,
            "missing": ["SVC-02", "SVC-03"],
            "areas": _areas(30.0, 16.0),
            "indicators": _indicators(
                [
                    (20.0, "document", 1, False),
                    (10.0, "document", 1, False),
                    (16.0, "onsite", 1, False),
                    (0.0, None, 0, False),
                    (0.0, None, 0, False),
                ]
            ),
        },
        {
            "submission_id": d,
            "applicant": "라온시",
            "track": "small",
            "rank": 1,
            "total": 46.0,
            "max_total": 100,
            "percent": 46.0,
            "grade": 5,
            "certified": False,
            "complete": True,
            "missing": [],
            "areas": _areas(16.0, 30.0),
            "indicators": _indicators(
                [
                    (11.0, "onsite", 1, True),
                    (5.0, "document", 2, False),
                    (10.0, "document", 2, False),
                    (13.13, "document", 2, True),
                    (6.87, "document", 2, False),
                ]
            ),
        },
        {
            "submission_id": e,
            "applicant": "마루시",
            "track": "small",
            "rank": 3,
            "total": 0.0,
            "max_total": 100,
            "percent": 0.0,
            "grade": 5,
            "certified": False,
            "complete": False,
            "missing": CODES,
            "areas": _areas(0.0, 0.0),
            "indicators": _indicators([(0.0, None, 0, False)] * 5),
        },
    ]
    for got, want in zip(payload["submissions"], expected, strict=True):
        assert got == want, want["applicant"]

    # the text form says the same, and marks the provisional result
    result = c.runner.invoke(args=["grades", "--round", str(round_id)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 7  # 5 applicants, then alpha per stage with its units
    assert lines[5] == "alpha document: 0.6723 (15 units)" and lines[6].startswith("alpha onsite")
    assert "가람시" in lines[0] and "70.00%" in lines[0] and "grade 3  certified" in lines[0]
    assert "69.99%" in lines[1] and "certified" not in lines[1]
    assert "다솜시" in lines[2] and "(provisional: 2 unscored)" in lines[2]

    # every score is in the round's audit trail, attributed, with its submission's round
    events = c.ok("audit", "--round", str(round_id), "--json")["events"]
    creates = [ev for ev in events if ev["action"] == "score.create"]
    assert len(creates) == c.scores == 35  # 10 + 10 + 4 + 11
    assert all(ev["data"]["before"] is None and ev["data"]["after"] for ev in creates)
    assert any(ev["action"] == "evidence.link" for ev in events)

    # finalized: grades say so, and a score is refused on stderr with a non-zero exit
    assert c.ok("finalize", str(round_id), "--by", "boss", "--json") == {
        "round": round_id,
        "finalized": True,
    }
    assert c.grades(round_id)["finalized"] is True
    refused = c.fails(
        "score", str(e), "GOV-01", "--evaluator", "ev1", "--stage", "document",
        "--points", "1", "--no-evidence-reason", "x",
    )  # fmt: skip
    assert "finalized" in refused.stderr and refused.stdout == ""
    assert c.grades(round_id)["submissions"] == payload["submissions"]


# ---------------------------------------------------------------- the trimmed-mean round


def test_trimmed_mean_round_drops_high_and_low(cli: tuple[Cli, int]) -> None:
    c, fw = cli
    round_id = int(c.ok("create-round", "2026 절사평균", "--framework", str(fw), "--json")["id"])
    settings = c.ok(
        "set-round", str(round_id), "--aggregation", "trimmed_mean", "--trim-min", "3", "--json"
    )
    assert settings["aggregation"] == "trimmed_mean" and settings["trim_min"] == 3
    f = c.applicant(round_id, "바다시", 1_000_000, "large")
    for name in ("ev1", "ev2", "ev3", "ev4"):
        c.ok("assign", str(f), name, "--json")

    # grades before any score: all missing, alpha null at both stages (nothing to pair)
    empty = c.grades(round_id)
    assert empty["alpha"] == {"document": None, "onsite": None}
    assert empty["submissions"][0]["missing"] == CODES
    assert empty["submissions"][0]["percent"] == 0 and empty["submissions"][0]["grade"] == 5

    # 바다시 at the document stage, trimmed mean from 3 scores on (one high, one low dropped)
    #   GOV-01  20, 28, 29, 30 (4)   -> 28, 29 -> 28.50   (plain mean would be 26.75)
    #           spread 10 > 6 flagged
    #   GOV-02  L4, L4, L3 (3)       20, 20, 15 -> drop one 20 and the 15 -> 20.00
    #           spread 5 > 4 flagged
    #   SVC-01  19, 20 (2 < 3)       plain mean 19.50     spread 1 <= 4
    #   SVC-02  L4, L3, L3 (3)       15, 11.25, 11.25 -> drop 15 and one 11.25 -> 11.25
    #           spread 3.75 > 3 flagged
    #   SVC-03  15, 14, 8 (3)        -> 14.00             (plain mean 12.33)  spread 7 > 3 flagged
    #   GOV 28.50 + 20 = 48.50; SVC 19.50 + 11.25 + 14 = 44.75; total 93.25 % -> grade 1
    for name, points in zip(("ev1", "ev2", "ev3", "ev4"), ("20", "28", "29", "30"), strict=True):
        c.score(f, "GOV-01", name, "document", points=points)
    for name, level in zip(("ev1", "ev2", "ev3"), (4, 4, 3), strict=True):
        c.score(f, "GOV-02", name, "document", level=level)
    c.score(f, "SVC-01", "ev1", "document", points="19")
    c.score(f, "SVC-01", "ev2", "document", points="20")
    for name, level in zip(("ev2", "ev3", "ev4"), (4, 3, 3), strict=True):
        c.score(f, "SVC-02", name, "document", level=level)
    for name, points in zip(("ev1", "ev3", "ev4"), ("15", "14", "8"), strict=True):
        c.score(f, "SVC-03", name, "document", points=points)

    # the rules are fixed once a score exists
    refused = c.fails("set-round", str(round_id), "--aggregation", "mean")
    assert "Scores exist" in refused.stderr
    assert c.ok("set-round", str(round_id), "--json")["aggregation"] == "trimmed_mean"

    payload = c.grades(round_id)
    # alpha by hand (as above) over the 5 document units:
    # (20, 28, 29, 30), (20, 20, 15), (19, 20), (15, 11.25, 11.25), (15, 14, 8); n = 15 values;
    # D_o = (1/n) sum_u sum_{i != j in u} (v_i - v_j)^2 / (m_u - 1)
    # alpha = 165058 / 221079 = 0.74660 -> 0.7466
    assert payload["alpha"] == {"document": 0.7466, "onsite": None}
    assert payload["submissions"] == [
        {
            "submission_id": f,
            "applicant": "바다시",
            "track": "large",
            "rank": 1,
            "total": 93.25,
            "max_total": 100,
            "percent": 93.25,
            "grade": 1,
            "certified": True,
            "complete": True,
            "missing": [],
            "areas": _areas(48.5, 44.75),
            "indicators": _indicators(
                [
                    (28.5, "document", 4, True),
                    (20.0, "document", 3, True),
                    (19.5, "document", 2, False),
                    (11.25, "document", 3, True),
                    (14.0, "document", 3, True),
                ]
            ),
        }
    ]


# ---------------------------------------------------------------- text without --json


def test_finalize_and_reopen_print_a_line_without_json(cli: tuple[Cli, int]) -> None:
    c, fw = cli
    round_id = int(c.ok("create-round", "2026 확정", "--framework", str(fw), "--json")["id"])
    assert c.ok("finalize", str(round_id), "--by", "boss") == f"round {round_id} finalized"
    reopened = c.ok("reopen", str(round_id), "--by", "boss", "--reason", "점수 정정")
    assert reopened == f"round {round_id} reopened"
    # --json is as it was
    assert c.ok("finalize", str(round_id), "--by", "boss", "--json") == {
        "round": round_id,
        "finalized": True,
    }
