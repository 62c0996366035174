"""Indicator frameworks are data: load them from YAML or XLSX, validate all, import atomically."""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import tempfile
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any

import yaml
from flask_babel import gettext as _
from sqlalchemy import func, select

from ..extensions import db
from ..models import Area, Framework, Indicator, IndicatorKind
from . import audit
from .errors import ServiceError

log = logging.getLogger(__name__)

DEFAULT_TRACKS = [
    {"code": "large", "name_ko": "대도시", "name_en": "Large city", "min_population": 500000},
    {
        "code": "small",
        "name_ko": "중소도시",
        "name_en": "Small/medium city",
        "max_population": 499999,
    },
]
DEFAULT_STAGES = [
    {"code": "document", "name_ko": "서면평가", "name_en": "Document review"},
    {"code": "onsite", "name_ko": "현장실사", "name_en": "On-site inspection"},
]
DEFAULT_GRADE_BANDS = [
    {"grade": 1, "min_pct": 90},
    {"grade": 2, "min_pct": 80},
    {"grade": 3, "min_pct": 70},
    {"grade": 4, "min_pct": 60},
    {"grade": 5, "min_pct": 0},
]
XLSX_COLUMNS = (
    "area_code",
    "area_title_ko",
    "area_title_en",
    "code",
    "title_ko",
    "title_en",
    "description",
    "guidance",
    "kind",
    "max_points",
    "unit",
    "rubric",
    "search_hints",
)


class FrameworkFileError(ServiceError):
    """A broken framework file: names the file, the place (row or field) and the problem."""

    def __init__(self, file: str, problems: list[tuple[str, str]]):
        self.file = file
        self.problems = problems
        lines = [f"{where}: {what}" for where, what in problems]
        super().__init__(f"{file}: " + "; ".join(lines))


@dataclass(frozen=True)
class FrameworkSummary:
    id: int
    code: str
    version: str
    areas: int
    indicators: int
    total_points: Decimal


def read_framework_file(path: Path) -> dict[str, Any]:
    """Parse YAML or XLSX into the YAML schema's dict; raise FrameworkFileError when unreadable."""
    name = path.name
    if not path.is_file():
        raise FrameworkFileError(name, [("file", "does not exist")])
    suffix = path.suffix.lower()
    try:
        if suffix in {".yaml", ".yml"}:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        elif suffix in {".xlsx", ".xlsm"}:
            data = {"framework": _read_xlsx(path)}
        else:
            raise FrameworkFileError(name, [("file", "use a .yaml or .xlsx file")])
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "file"
        raise FrameworkFileError(name, [(where, f"not valid YAML ({exc})")]) from exc
    except UnicodeDecodeError as exc:
        raise FrameworkFileError(name, [("file", "not UTF-8 text")]) from exc
    if not isinstance(data, dict) or not isinstance(data.get("framework"), dict):
        raise FrameworkFileError(name, [("framework", "missing top-level 'framework:' mapping")])
    return data["framework"]


def _read_xlsx(path: Path) -> dict[str, Any]:
    """Sheet 'framework': key | value rows; sheet 'indicators': a header row, one row per indicator."""
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for broken files
        raise FrameworkFileError(
            path.name, [("file", f"not a readable XLSX file ({exc})")]
        ) from exc
    sheets = {ws.title.strip().lower(): ws for ws in wb.worksheets}
    if "indicators" not in sheets:
        raise FrameworkFileError(path.name, [("sheet", "no sheet named 'indicators'")])
    settings: dict[str, Any] = {}
    if "framework" in sheets:
        for row in sheets["framework"].iter_rows(values_only=True):
            if row and row[0] not in (None, ""):
                key, value = str(row[0]).strip(), row[1] if len(row) > 1 else None
                if key in {"tracks", "stages", "grade_bands", "certified_grades"} and isinstance(
                    value, str
                ):
                    value = yaml.safe_load(value)
                settings[key] = value
    rows = sheets["indicators"].iter_rows(values_only=True)
    header = [str(c).strip().lower() if c is not None else "" for c in next(rows, ())]
    missing = [
        c for c in ("area_code", "code", "title_ko", "kind", "max_points") if c not in header
    ]
    if missing:
        raise FrameworkFileError(
            path.name, [("sheet indicators, row 1", f"missing columns: {', '.join(missing)}")]
        )
    areas: dict[str, dict[str, Any]] = {}
    for number, row in enumerate(rows, start=2):
        values = dict(zip(header, row, strict=False))
        if all(v in (None, "") for v in values.values()):
            continue
        area_code = str(values.get("area_code") or "").strip()
        area = areas.setdefault(
            area_code,
            {
                "code": area_code,
                "title_ko": values.get("area_title_ko") or area_code,
                "title_en": values.get("area_title_en") or "",
                "indicators": [],
                "_where": f"row {number}",
            },
        )
        indicator = {k: values.get(k) for k in XLSX_COLUMNS[3:] if values.get(k) is not None}
        if isinstance(indicator.get("search_hints"), str):
            indicator["search_hints"] = [
                h.strip()
                for h in indicator["search_hints"].replace(";", ",").split(",")
                if h.strip()
            ]
        if isinstance(indicator.get("rubric"), str):
            indicator["rubric"] = _parse_rubric_cell(indicator["rubric"])
        indicator["_where"] = f"row {number}"
        area["indicators"].append(indicator)
    settings["areas"] = list(areas.values())
    return settings


def _parse_rubric_cell(text: str) -> list[dict[str, Any]] | str:
    """'5:매우 우수:100; 4:우수:80' -> levels; anything else is returned for the validator."""
    levels = []
    for part in text.split(";"):
        if not part.strip():
            continue
        bits = [b.strip() for b in part.split(":")]
        if len(bits) < 3:
            return text
        try:
            levels.append(
                {"level": int(bits[0]), "label_ko": bits[1], "points_pct": float(bits[2])}
            )
        except ValueError:
            return text
    return levels


def validate(spec: dict[str, Any]) -> list[tuple[str, str]]:
    """All problems at once, each as (where, what), so one round of fixes is enough."""
    problems: list[tuple[str, str]] = []
    for key in ("code", "name_ko"):
        if not str(spec.get(key) or "").strip():
            problems.append((f"framework.{key}", "is required"))
    total = _number(spec.get("total_points"))
    if total is None or total <= 0:
        problems.append(("framework.total_points", "must be a positive number"))
    threshold = _number(spec.get("certification_threshold_pct", 70))
    if threshold is None or not 0 < threshold <= 100:
        problems.append(("framework.certification_threshold_pct", "must be between 0 and 100"))
    bands = spec.get("grade_bands") or DEFAULT_GRADE_BANDS
    if not isinstance(bands, list) or not all(
        isinstance(b, dict) and _number(b.get("min_pct")) is not None for b in bands
    ):
        problems.append(("framework.grade_bands", "each band needs grade and min_pct"))
    problems.extend(_settings_problems(spec))
    areas = spec.get("areas")
    if not isinstance(areas, list) or not areas:
        problems.append(("framework.areas", "at least one area is required"))
        return problems
    codes: set[str] = set()
    area_codes: set[str] = set()
    point_sum = Decimal(0)
    for a_index, area in enumerate(areas):
        a_where = area.get("_where") if isinstance(area, dict) else None
        a_where = a_where or f"areas[{a_index}]"
        if not isinstance(area, dict):
            problems.append((a_where, "must be a mapping"))
            continue
        a_code = str(area.get("code") or "").strip()
        if not a_code:
            problems.append((a_where, "area code is required"))
        elif a_code in area_codes:
            problems.append((a_where, f"duplicate area code {a_code}"))
        area_codes.add(a_code)
        indicators = area.get("indicators")
        if not isinstance(indicators, list) or not indicators:
            problems.append((a_where, f"area {a_code or '?'} has no indicators"))
            continue
        for i_index, ind in enumerate(indicators):
            where = (ind.get("_where") if isinstance(ind, dict) else None) or (
                f"areas[{a_index}].indicators[{i_index}]"
            )
            if not isinstance(ind, dict):
                problems.append((where, "must be a mapping"))
                continue
            code = str(ind.get("code") or "").strip()
            where = f"{where} ({code})" if code else where
            problems.extend(_indicator_problems(ind, where))
            if code and code in codes:
                problems.append((where, f"duplicate indicator code {code}"))
            codes.add(code)
            points = _number(ind.get("max_points"))
            point_sum += points or 0
    if total and not problems and point_sum != total:
        problems.append(
            ("framework.total_points", f"is {total:g} but the indicators sum to {point_sum:g}")
        )
    return problems


def _indicator_problems(ind: dict[str, Any], where: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    if not str(ind.get("code") or "").strip():
        out.append((f"{where} code", "is required"))
    if not str(ind.get("title_ko") or "").strip():
        out.append((f"{where} title_ko", "is required"))
    kind = str(ind.get("kind") or "").strip()
    if kind not in {k.value for k in IndicatorKind}:
        out.append((f"{where} kind", f"must be quantitative or qualitative, not {kind!r}"))
    points = _number(ind.get("max_points"))
    if points is None or points <= 0:
        out.append(
            (f"{where} max_points", f"must be a positive number, not {ind.get('max_points')!r}")
        )
    elif points != points.quantize(Decimal("0.01")):
        out.append((f"{where} max_points", f"has more than 2 decimals: {ind.get('max_points')!r}"))
    rubric = ind.get("rubric")
    if kind == IndicatorKind.QUALITATIVE and not rubric:
        out.append((f"{where} rubric", "qualitative indicators need rubric levels"))
    if rubric is not None and (
        not isinstance(rubric, list)
        or not all(
            isinstance(r, dict) and "level" in r and _number(r.get("points_pct")) is not None
            for r in rubric
        )
    ):
        out.append((f"{where} rubric", "each level needs level and points_pct"))
    elif rubric:
        out.extend(_rubric_problems(rubric, where))
    hints = ind.get("search_hints", [])
    if not isinstance(hints, list) or not all(isinstance(h, str) for h in hints):
        out.append((f"{where} search_hints", "must be a list of keywords"))
    return out


def _rubric_problems(rubric: list[dict[str, Any]], where: str) -> list[tuple[str, str]]:
    """Levels are distinct whole numbers from 0, each worth 0-100 % of the indicator's points
    (a scorer picks a level; its points are max_points x points_pct / 100)."""
    out: list[tuple[str, str]] = []
    seen: set[int] = set()
    for row in rubric:
        level = row.get("level")
        if isinstance(level, bool) or not isinstance(level, int) or level < 0:
            out.append((f"{where} rubric level", f"must be a whole number from 0, not {level!r}"))
        elif level in seen:
            out.append((f"{where} rubric level", f"level {level} appears twice"))
        else:
            seen.add(level)
        pct = _number(row.get("points_pct"))
        if pct is not None and not 0 <= pct <= 100:
            out.append(
                (
                    f"{where} rubric points_pct",
                    f"must be between 0 and 100, not {pct} (level {level})",
                )
            )
    return out


def _settings_problems(spec: dict[str, Any]) -> list[tuple[str, str]]:
    """Stages, grade bands and certified grades: what grading relies on."""
    out: list[tuple[str, str]] = []
    stages = spec.get("stages", DEFAULT_STAGES)
    if (
        not isinstance(stages, list)
        or not stages
        or not all(isinstance(st, dict) and str(st.get("code") or "").strip() for st in stages)
    ):
        out.append(("framework.stages", "at least one stage, each with a code"))
    elif len({str(st["code"]).strip() for st in stages}) != len(stages):
        out.append(("framework.stages", "stage codes must be distinct"))
    bands = spec.get("grade_bands") or DEFAULT_GRADE_BANDS
    grades: set[int] = set()
    if isinstance(bands, list):
        for band in bands:
            if not isinstance(band, dict):
                continue
            grade, pct = band.get("grade"), _number(band.get("min_pct"))
            if isinstance(grade, bool) or not isinstance(grade, int) or grade < 1:
                out.append(
                    ("framework.grade_bands", f"grade must be a whole number from 1, not {grade!r}")
                )
            elif grade in grades:
                out.append(("framework.grade_bands", f"grade {grade} appears twice"))
            else:
                grades.add(grade)
            if pct is not None and not 0 <= pct <= 100:
                out.append(
                    ("framework.grade_bands", f"min_pct must be between 0 and 100, not {pct}")
                )
    certified = spec.get("certified_grades", [1, 2, 3])
    if not isinstance(certified, list) or not all(
        isinstance(g, int) and not isinstance(g, bool) for g in certified
    ):
        out.append(("framework.certified_grades", "must be a list of grades"))
    elif grades and not set(certified) <= grades:
        unknown = sorted(set(certified) - grades)
        out.append(("framework.certified_grades", f"grades {unknown} are not grade bands"))
    return out


def _number(value: Any) -> Decimal | None:
    """A finite exact number from a YAML/XLSX cell (floats via their shortest repr, so 0.1
    stays 0.1); None for anything else."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def import_framework(
    path: Path, *, actor_id: int | None = None, source_name: str | None = None
) -> FrameworkSummary:
    """Validate the whole file first; import nothing unless every row is right.

    ``source_name`` is the name recorded (and shown in errors) when ``path`` is a temporary
    copy of an upload; the file's own name otherwise."""
    name = source_name or path.name
    spec = read_framework_file(path)
    problems = validate(spec)
    if problems:
        raise FrameworkFileError(name, problems)
    code, version = str(spec["code"]).strip(), str(spec.get("version") or "1").strip()
    if db.session.scalar(
        select(Framework).where(Framework.code == code, Framework.version == version)
    ):
        raise FrameworkFileError(
            name, [("framework.version", f"{code} version {version} is imported already")]
        )
    framework = Framework(
        code=code,
        version=version,
        name_ko=str(spec["name_ko"]),
        name_en=str(spec.get("name_en") or ""),
        scheme=str(spec.get("scheme") or "city"),
        total_points=_number(spec["total_points"]),
        certification_threshold_pct=_number(spec.get("certification_threshold_pct", 70)),
        settings={
            "tracks": spec.get("tracks") or DEFAULT_TRACKS,
            "stages": spec.get("stages") or DEFAULT_STAGES,
            "grade_bands": spec.get("grade_bands") or DEFAULT_GRADE_BANDS,
            "certified_grades": spec.get("certified_grades") or [1, 2, 3],
        },
        source_name=name,
        source_sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
        imported_by_id=actor_id,
    )
    position = 0
    for a_pos, a in enumerate(spec["areas"]):
        area = Area(
            code=str(a["code"]).strip(),
            title_ko=str(a.get("title_ko") or a["code"]),
            title_en=str(a.get("title_en") or ""),
            position=a_pos,
        )
        framework.areas.append(area)
        for ind in a["indicators"]:
            position += 1
            indicator = Indicator(
                code=str(ind["code"]).strip(),
                title_ko=str(ind["title_ko"]).strip(),
                title_en=str(ind.get("title_en") or ""),
                description=str(ind.get("description") or ""),
                guidance=str(ind.get("guidance") or ""),
                kind=str(ind["kind"]).strip(),
                max_points=_number(ind["max_points"]),
                unit=str(ind.get("unit") or ""),
                rubric=ind.get("rubric") or [],
                search_hints=[h.strip() for h in ind.get("search_hints") or []],
                position=position,
            )
            area.indicators.append(indicator)
            framework.indicators.append(indicator)
    db.session.add(framework)
    db.session.flush()
    audit.record(actor_id, "framework.import", "framework", framework.id, file=name)
    db.session.commit()
    return summarize(framework)


def choices() -> list[tuple[int, str]]:
    """(id, label) of every framework, newest first: the choices of the new-round form."""
    return [
        (f.id, f"{f.name_ko} ({f.code} {f.version})")
        for f in db.session.scalars(select(Framework).order_by(Framework.id.desc()))
    ]


def summarize(framework: Framework) -> FrameworkSummary:
    return FrameworkSummary(
        id=framework.id,
        code=framework.code,
        version=framework.version,
        areas=len(framework.areas),
        indicators=len(framework.indicators),
        total_points=framework.total_points,
    )


# --- the import page ---------------------------------------------------------------------------

UPLOAD_SUFFIXES = (".yaml", ".yml", ".xlsx")
_FIELDS = frozenset({*XLSX_COLUMNS, "rubric", "points_pct"})


@dataclass(frozen=True)
class FrameworkRow:
    """One imported framework as the import page lists it."""

    id: int
    code: str
    version: str
    name_ko: str
    name_en: str
    indicators: int
    total_points: Decimal
    imported_at: datetime
    source_name: str


@dataclass(frozen=True)
class ProblemRow:
    """One problem of a refused file: the place (row, line, section), the field, what is wrong."""

    place: str
    field: str
    what: str


def listing() -> list[FrameworkRow]:
    """Every imported framework with its indicator count, newest import first."""
    counts = dict(
        db.session.execute(
            select(Indicator.framework_id, func.count()).group_by(Indicator.framework_id)
        ).all()
    )
    return [
        FrameworkRow(
            id=f.id,
            code=f.code,
            version=f.version,
            name_ko=f.name_ko,
            name_en=f.name_en,
            indicators=counts.get(f.id, 0),
            total_points=f.total_points,
            imported_at=f.imported_at,
            source_name=f.source_name,
        )
        for f in db.session.scalars(
            select(Framework).order_by(Framework.imported_at.desc(), Framework.id.desc())
        )
    ]


def import_upload(
    stream: IO[bytes], filename: str, *, tmp_dir: Path, actor_id: int | None = None
) -> FrameworkSummary:
    """Import an uploaded framework file: saved under ``tmp_dir`` with its original suffix
    (the reader goes by it), imported by `import_framework`, and the copy deleted whatever
    happens. Raises FrameworkFileError for a wrong suffix, an unreadable file or wrong rows
    (nothing imported then)."""
    name = Path(filename or "").name or "?"
    suffix = Path(name).suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        raise FrameworkFileError(
            name, [("file", _("Use a .yaml, .yml or .xlsx file (this one is %(s)s).", s=suffix))]
        )
    fd, tmp_name = tempfile.mkstemp(dir=tmp_dir, prefix=".framework-", suffix=suffix)
    path = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            shutil.copyfileobj(stream, out)
        try:
            summary = import_framework(path, actor_id=actor_id, source_name=name)
        except FrameworkFileError as exc:
            db.session.rollback()
            raise FrameworkFileError(name, exc.problems) from exc
        except Exception as exc:  # a file no reader expected must not become a 500
            db.session.rollback()
            log.exception("framework file %s could not be imported", name)
            raise FrameworkFileError(
                name, [("file", _("The file could not be read as a framework."))]
            ) from exc
    finally:
        path.unlink(missing_ok=True)
    return summary


def problem_rows(problems: list[tuple[str, str]]) -> list[ProblemRow]:
    """Each (where, what) of a FrameworkFileError split into place and field for a table:
    "row 7 (INN-02) max_points" -> ("row 7 (INN-02)", "max_points"),
    "framework.total_points" -> ("framework", "total_points"), "line 3" -> ("line 3", "")."""
    rows = []
    for where, what in problems:
        place, field = where, ""
        head, _sep, last = where.rpartition(" ")
        if head and last in _FIELDS:
            place, field = head, last
        elif where.startswith("framework.") and " " not in where:
            place, field = "framework", where.removeprefix("framework.")
        rows.append(ProblemRow(place=place, field=field, what=what))
    return rows
