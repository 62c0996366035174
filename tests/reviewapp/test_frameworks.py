from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
import yaml
from flask import Flask
from sqlalchemy import func, select

from reviewapp.extensions import db
from reviewapp.models import Framework, Indicator
from reviewapp.services.frameworks import FrameworkFileError, import_framework
from tests.conftest import ROOT

CITY = ROOT / "frameworks" / "smart-city-sample.yaml"
SERVICE = ROOT / "frameworks" / "smart-service-sample.yaml"


def test_smart_city_sample_imports(app: Flask) -> None:
    summary = import_framework(CITY)
    assert summary.areas == 3
    assert summary.indicators >= 50
    assert summary.total_points == 2000
    fw = db.session.get(Framework, summary.id)
    assert sum(i.max_points for i in fw.indicators) == 2000
    qualitative = [i for i in fw.indicators if i.kind == "qualitative"]
    assert qualitative and all(i.rubric for i in qualitative)
    assert all(i.search_hints for i in fw.indicators)
    assert [b["min_pct"] for b in fw.settings["grade_bands"]][:3] == [90, 80, 70]
    assert {t["code"] for t in fw.settings["tracks"]} == {"large", "small"}


def test_smart_service_sample_imports(app: Flask) -> None:
    summary = import_framework(SERVICE)
    assert summary.areas == 3
    assert summary.total_points == 100


def _broken_copy(tmp_path: Path, mutate) -> Path:  # type: ignore[no-untyped-def]
    data = yaml.safe_load(CITY.read_text(encoding="utf-8"))
    mutate(data["framework"])
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_one_bad_indicator_names_it_and_imports_nothing(app: Flask, tmp_path: Path) -> None:
    def mutate(fw):  # type: ignore[no-untyped-def]
        fw["areas"][1]["indicators"][2]["max_points"] = "lots"

    path = _broken_copy(tmp_path, mutate)
    with pytest.raises(FrameworkFileError) as err:
        import_framework(path)
    message = str(err.value)
    assert "broken.yaml" in message
    assert "areas[1].indicators[2]" in message and "max_points" in message
    assert db.session.scalar(select(func.count()).select_from(Framework)) == 0
    assert db.session.scalar(select(func.count()).select_from(Indicator)) == 0


def test_duplicate_codes_and_missing_rubric_are_reported(app: Flask, tmp_path: Path) -> None:
    def mutate(fw):  # type: ignore[no-untyped-def]
        first = fw["areas"][0]["indicators"][0]
        fw["areas"][0]["indicators"][1]["code"] = first["code"]
        qual = next(i for a in fw["areas"] for i in a["indicators"] if i["kind"] == "qualitative")
        qual.pop("rubric")

    with pytest.raises(FrameworkFileError) as err:
        import_framework(_broken_copy(tmp_path, mutate))
    assert "duplicate indicator code" in str(err.value)
    assert "rubric" in str(err.value)


def _rubric(fw):  # type: ignore[no-untyped-def]
    return fw["areas"][0]["indicators"][0]["rubric"]  # INN-01, qualitative


@pytest.mark.parametrize(
    ("mutate", "words"),
    [
        (lambda fw: _rubric(fw)[0].update(level="high"), ["rubric level", "'high'"]),
        (lambda fw: _rubric(fw)[1].update(level=5), ["level 5 appears twice"]),
        (lambda fw: _rubric(fw)[0].update(points_pct=150), ["points_pct", "150"]),
        (lambda fw: fw.update(stages=[]), ["framework.stages"]),
        (lambda fw: fw.update(stages=[{"code": "document"}, {"code": "document"}]), ["distinct"]),
        (lambda fw: fw.update(certified_grades=[7]), ["certified_grades", "[7]"]),
        (lambda fw: fw["grade_bands"][0].update(grade="A"), ["grade_bands", "'A'"]),
        (lambda fw: fw["grade_bands"][0].update(min_pct=120), ["min_pct", "120"]),
    ],
)
def test_grading_rules_of_a_file_are_checked(app: Flask, tmp_path: Path, mutate, words) -> None:  # type: ignore[no-untyped-def]
    """What scoring and grading rely on (rubric levels and their %, stages, grade bands,
    certified grades) is refused with its place named, and nothing is imported."""
    with pytest.raises(FrameworkFileError) as err:
        import_framework(_broken_copy(tmp_path, mutate))
    for word in words:
        assert word in str(err.value)
    assert db.session.scalar(select(func.count()).select_from(Framework)) == 0


def test_points_must_sum_to_the_total(app: Flask, tmp_path: Path) -> None:
    def mutate(fw):  # type: ignore[no-untyped-def]
        fw["areas"][0]["indicators"][0]["max_points"] += 5

    with pytest.raises(FrameworkFileError, match="sum to 2005"):
        import_framework(_broken_copy(tmp_path, mutate))


def test_invalid_yaml_names_the_line(app: Flask, tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("framework:\n  code: x\n  areas: [\n", encoding="utf-8")
    with pytest.raises(FrameworkFileError, match=r"bad.yaml: line \d+"):
        import_framework(path)


def _xlsx(tmp_path: Path, bad_row: bool) -> Path:
    wb = openpyxl.Workbook()
    meta = wb.active
    meta.title = "framework"
    for row in [
        ("code", "xlsx-fw"),
        ("name_ko", "엑셀 지표"),
        ("version", "1"),
        ("total_points", 100),
        ("certification_threshold_pct", 70),
    ]:
        meta.append(row)
    sheet = wb.create_sheet("indicators")
    sheet.append(
        [
            "area_code",
            "area_title_ko",
            "code",
            "title_ko",
            "kind",
            "max_points",
            "rubric",
            "search_hints",
        ]
    )
    sheet.append(
        [
            "A",
            "혁신",
            "A-01",
            "시민참여",
            "qualitative",
            60,
            "5:매우 우수:100; 3:보통:60; 1:미흡:20",
            "시민참여, 리빙랩",
        ]
    )
    sheet.append(
        [
            "A",
            "혁신",
            "A-02",
            "데이터 개방",
            "quantitative",
            "forty" if bad_row else 40,
            None,
            "공공데이터",
        ]
    )
    path = tmp_path / "fw.xlsx"
    wb.save(path)
    return path


def test_xlsx_import(app: Flask, tmp_path: Path) -> None:
    summary = import_framework(_xlsx(tmp_path, bad_row=False))
    assert (summary.indicators, summary.total_points) == (2, 100)
    ind = db.session.scalar(select(Indicator).where(Indicator.code == "A-01"))
    assert ind.search_hints == ["시민참여", "리빙랩"]
    assert [lvl["points_pct"] for lvl in ind.rubric] == [100, 60, 20]


def test_xlsx_bad_row_is_reported_by_row_number(app: Flask, tmp_path: Path) -> None:
    with pytest.raises(FrameworkFileError) as err:
        import_framework(_xlsx(tmp_path, bad_row=True))
    assert (
        "fw.xlsx" in str(err.value) and "row 3" in str(err.value) and "max_points" in str(err.value)
    )
    assert db.session.scalar(select(func.count()).select_from(Framework)) == 0


def test_not_a_workbook(app: Flask, tmp_path: Path) -> None:
    path = tmp_path / "fake.xlsx"
    path.write_bytes(b"not a zip at all")
    with pytest.raises(FrameworkFileError, match="fake.xlsx: file: not a readable XLSX"):
        import_framework(path)
