"""The committee's score workbook of a round (XLSX, openpyxl).

Sheets: "정보" (round, framework, whether final, when made, agreement per stage), "요약"
(one row per applicant), one sheet per applicant (one row per indicator, the same columns as
the CSV export) and "감사 기록" (the round's audit events, oldest first, worded as the web
audit page words them, in Korean). Points and percentages are numbers with a number format,
so a spreadsheet can compute with them and shows what `reviewapp grades` prints.
"""

from __future__ import annotations

import io
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import force_locale, gettext
from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import AuditEvent, Document, EvidenceLink
from ..services import accounts, audit
from ..services.places import sheet_name
from ..services.results import RoundResults
from . import _common as common

INFO, SUMMARY, AUDIT = "정보", "요약", "감사 기록"
# Excel's rules for a sheet name: at most 31 characters, none of []:*?/\, not starting or
# ending with an apostrophe, unique without regard to case, and never "History".
MAX_TITLE = 31
_BAD_TITLE = re.compile(r"[\[\]:*?/\\]")
RESERVED_TITLES = (INFO, SUMMARY, AUDIT, "History")

POINTS = "0.00"
PERCENT = "0.00%"
GRADE = '0"등급"'
TIME = "yyyy-mm-dd hh:mm:ss"
BOLD = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")
TOP = Alignment(vertical="top")
AGGREGATION = {"mean": "평균", "trimmed_mean": "절사평균"}
CLI_ACTOR = "명령줄(CLI)"  # who did what no signed-in user did: `reviewapp` commands


def build(results: RoundResults, *, generated_at: datetime) -> bytes:
    """The workbook of ``results`` as XLSX bytes (``generated_at`` in UTC, naive).

    The summary lists every applicant of the round; the applicant sheets are those of
    ``results.sheets`` (one applicant when the read model was built for one submission).
    """
    book = Workbook()
    info = book.active
    assert info is not None  # a new workbook always has its first sheet
    info.title = INFO
    _info_sheet(info, results, generated_at)
    _summary_sheet(book.create_sheet(SUMMARY), results)
    with_claims = common.round_has_claimed_points(results.grades.round)
    stage_names = dict(results.stages)
    titles = sheet_titles(
        [sheet.submission.applicant.name for sheet in results.sheets], RESERVED_TITLES
    )
    for sheet, title in zip(results.sheets, titles, strict=True):
        ws = book.create_sheet(title)
        table = common.indicator_table([sheet], results, with_claims=with_claims)
        _header(ws, table.headers)
        for number, row in enumerate(sheet.rows, start=2):
            _put_row(ws, number, table.values(row, stage_names), table.kinds)
        total: list[common.Cell] = [None] * len(table.headers)
        total[0] = "합계"
        total[table.headers.index("배점")] = sheet.result.max_total
        total[table.headers.index("집계 점수")] = sheet.result.total
        _put_row(ws, len(sheet.rows) + 2, total, table.kinds, bold=True)
        ws.freeze_panes = "D2"  # the header row and 영역, 지표코드, 지표명 stay in view
        _widths(ws, table.headers, table.kinds)
    _audit_sheet(book.create_sheet(AUDIT), results)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def sheet_titles(names: list[str], reserved: tuple[str, ...] = RESERVED_TITLES) -> list[str]:
    """A valid, unique sheet title per name, in order: characters Excel refuses become "_",
    at most 31 characters, and a name taken already (case-insensitively, ``reserved``
    included) gets " (2)", " (3)", ... within the 31."""
    taken = {title.casefold() for title in reserved}
    titles = []
    for name in names:
        base = _BAD_TITLE.sub("_", common.clean(name)).strip().strip("'").strip()
        base = base or "신청 지자체"
        title = base[:MAX_TITLE]
        n = 2
        while title.casefold() in taken:
            suffix = f" ({n})"
            title = base[: MAX_TITLE - len(suffix)].rstrip() + suffix
            n += 1
        taken.add(title.casefold())
        titles.append(title)
    return titles


# ---------------------------------------------------------------- sheets


def _info_sheet(ws: Worksheet, results: RoundResults, generated_at: datetime) -> None:
    round_ = results.grades.round
    framework = round_.framework
    if common.is_finalized(round_):
        status = "확정"
        if round_.finalized_at:
            status += f" ({common.kst_text(round_.finalized_at)})"
    else:
        status = common.PROVISIONAL
    aggregation = AGGREGATION.get(round_.aggregation_rule, round_.aggregation_rule)
    if round_.aggregation_rule == "trimmed_mean":
        aggregation += f" (평가 {round_.trim_min_evaluators}건 이상이면 최고·최저 제외)"
    lines: list[tuple[str, object]] = [
        ("라운드", round_.name),
        ("지표 체계", f"{framework.name_ko} ({framework.code} {framework.version})"),
        ("상태", status),
        ("생성 시각", common.kst_text(generated_at)),
        ("집계 방식", aggregation),
        ("이견 기준", f"한 단계 점수 차가 배점의 {common.number(round_.disagreement_pct)}% 초과"),
        ("인증 기준", f"득점률 {common.number(round_.certification_threshold_pct)}% 이상"),
    ]
    if len(results.sheets) == 1 and len(results.grades.submissions) > 1:
        lines.append(("지표별 시트", results.sheets[0].submission.applicant.name))
    for label, value in lines:
        ws.append([label, common.clean(str(value))])
        ws.cell(ws.max_row, 1).font = BOLD
        _as_text(ws.cell(ws.max_row, 2))
    ws.append([])
    ws.append(["평가 단계", "크리펜도르프 알파", "단위 수"])
    for cell in ws[ws.max_row]:
        cell.font = BOLD
    stage_names = dict(results.stages)
    for stage, (alpha, units) in results.grades.alpha.items():
        ws.append([stage_names.get(stage, stage), "산출 불가" if alpha is None else alpha, units])
        if alpha is not None:
            ws.cell(ws.max_row, 2).number_format = "0.0000"
    ws.column_dimensions["A"].width = 18
    ws.column_dimensions["B"].width = 60
    ws.column_dimensions["C"].width = 10


def _summary_sheet(ws: Worksheet, results: RoundResults) -> None:
    round_ = results.grades.round
    tracks = common.track_names(round_)
    areas = common.area_titles(round_)
    area_codes = list(areas)
    headers = ["유형", "순위", "신청 지자체", "총점", "만점", "득점률", "등급", "인증 여부"]
    headers += ["완료 여부", *(f"{code} {areas[code]}" for code in area_codes)]
    kinds = ["text", "count", "text", "points", "points", "percent", "grade", "text", "text"]
    kinds += ["points" for _code in area_codes]
    _header(ws, headers)
    for number, grade in enumerate(results.grades.submissions, start=2):
        result = grade.result
        subtotals = {area.code: area.subtotal for area in result.areas}
        values: list[common.Cell] = [
            tracks.get(grade.submission.track, grade.submission.track),
            grade.rank,
            grade.submission.applicant.name,
            result.total,
            result.max_total,
            result.percent / 100,
            result.grade,
            common.decision(result),
            common.completion(result),
            *(subtotals.get(code) for code in area_codes),
        ]
        _put_row(ws, number, values, kinds)
    ws.freeze_panes = "A2"
    _widths(ws, headers, kinds)


def _audit_sheet(ws: Worksheet, results: RoundResults) -> None:
    headers = ["시각(KST)", "작업자", "작업", "대상", "세부 내용", "작업 코드"]
    _header(ws, headers)
    for event in _AuditReader(results).rows():
        ws.append([common.kst(event.at)])
        row = ws.max_row
        ws.cell(row, 1).number_format = TIME
        for column, text in enumerate(event.texts, start=2):
            cell = ws.cell(row, column, common.clean(text))
            _as_text(cell)
            cell.alignment = WRAP
    ws.freeze_panes = "A2"
    for letter, width in zip("ABCDEF", (20, 14, 18, 24, 70, 18), strict=True):
        ws.column_dimensions[letter].width = width


@dataclass(frozen=True)
class _AuditLine:
    at: datetime
    texts: tuple[str, str, str, str, str]  # actor, action, target, details, action code


class _AuditReader:
    """The round's audit events as the web audit page (templates/rounds/audit.html) reads
    them, in Korean whatever the viewer's language: the action and the data's labels from
    the Korean catalog, the details as services/audit.describe's "label: before → after"
    lines. Ids a committee cannot read become names: the applicant for a submission, the
    document's file name, a cited passage's document and page, a stage's, track's or area's
    Korean name; the applicant and indicator stand in the target column."""

    def __init__(self, results: RoundResults) -> None:
        round_ = results.grades.round
        self.round_name = round_.name
        self.applicants = {sub.id: sub.applicant.name for sub in round_.submissions}
        self.stages = dict(results.stages)
        self.tracks = common.track_names(round_)
        self.areas = common.area_titles(round_)
        self.names = {user.id: user.display_name or user.username for user in accounts.list_users()}
        self.events = audit.of_round(round_.id)
        document_ids: set[int] = set()
        link_ids: set[int] = set()
        for event in self.events:
            data = event.data or {}
            if isinstance(data.get("document"), int):
                document_ids.add(data["document"])
            for side in (data.get("before"), data.get("after")):
                if isinstance(side, dict) and isinstance(side.get("links"), list):
                    link_ids.update(i for i in side["links"] if isinstance(i, int))
        self.documents = {
            document_id: filename
            for document_id, filename in db.session.execute(
                select(Document.id, Document.filename).where(Document.id.in_(document_ids))
            )
        }
        # a score's links as the passages they cite (a link since removed keeps its id)
        self.links = {
            link.id: f"{link.document.filename} "
            + common.place_at(link.page, sheet_name(link.document, link.page))
            for link in db.session.scalars(
                select(EvidenceLink)
                .where(EvidenceLink.id.in_(link_ids))
                .options(selectinload(EvidenceLink.document))
            )
        }

    def rows(self) -> list[_AuditLine]:
        with force_locale("ko"):
            return [self._line(event) for event in self.events]

    def _line(self, event: AuditEvent) -> _AuditLine:
        data = dict(event.data or {})
        actor = CLI_ACTOR
        if event.actor_id is not None:
            actor = self.names.get(event.actor_id, f"#{event.actor_id}")
        target = self._target(event, data)
        context = {k: v for k, v in data.items() if k not in ("before", "after")}
        change: dict[str, Any] = {k: data[k] for k in ("before", "after") if k in data}
        lines = audit.describe(self._readable(context)) + audit.describe(self._readable(change))
        details = "\n".join(f"{gettext(label)}: {text}" for label, text in lines)
        return _AuditLine(
            at=event.at,
            texts=(actor, gettext(event.action), target, details, event.action),
        )

    def _target(self, event: AuditEvent, data: dict[str, Any]) -> str:
        """Whom the event is about; the keys it states are taken out of ``data``."""
        submission = data.get("submission")
        if isinstance(submission, int) and submission in self.applicants:
            del data["submission"]
            target = self.applicants[submission]
            if isinstance(data.get("indicator"), str):
                target += f" · {data.pop('indicator')}"
            return target
        if event.entity_type == "submission" and event.entity_id in self.applicants:
            return self.applicants[event.entity_id]
        if event.entity_type == "round":
            return f"{gettext('round')}: {self.round_name}"
        label = gettext(event.entity_type)
        return label if event.entity_id is None else f"{label} #{event.entity_id}"

    def _readable(self, data: dict[str, Any]) -> dict[str, Any]:
        """``data`` with names for ids and codes, Korean words for states and yes/no."""
        out: dict[str, Any] = {}
        for key, value in data.items():
            if isinstance(value, dict):
                out[key] = self._readable(value)
            else:
                out[key] = self._value(key, value)
        return out

    def _value(self, key: str, value: Any) -> Any:
        if isinstance(value, bool):
            return "예" if value else "아니요"
        if key == "stage" and isinstance(value, str):
            return self.stages.get(value, value)
        if key == "stages" and isinstance(value, list):
            return [self.stages.get(str(v), v) for v in value]
        if key == "track" and isinstance(value, str):
            return self.tracks.get(value, value)
        if key == "area" and isinstance(value, str):
            if value == "overall":
                return "종합의견"
            return f"{value} {self.areas[value]}" if value in self.areas else value
        if key == "status" and isinstance(value, str):
            return gettext(value)
        if key == "document" and isinstance(value, int):
            return self.documents.get(value, f"#{value}")
        if key == "links" and isinstance(value, list):
            return [self.links.get(v, f"#{v}") if isinstance(v, int) else v for v in value]
        if key in ("chunk", "score") and isinstance(value, int):
            return f"#{value}"
        return value


# ---------------------------------------------------------------- cells


def _header(ws: Worksheet, headers: list[str]) -> None:
    ws.append(headers)
    for cell in ws[1]:
        cell.font = BOLD
        cell.alignment = WRAP


def _put_row(
    ws: Worksheet, row: int, values: list[common.Cell], kinds: list[str], *, bold: bool = False
) -> None:
    for column, (value, kind) in enumerate(zip(values, kinds, strict=True), start=1):
        cell = ws.cell(row, column)
        if value is None or value == "":
            pass
        elif kind == "text":
            cell.value = common.clean(str(value))
            _as_text(cell)
        else:
            cell.value = value
            cell.number_format = {"points": POINTS, "percent": PERCENT, "grade": GRADE}.get(
                kind, "0"
            )
        cell.alignment = WRAP if kind == "text" else TOP
        if bold:
            cell.font = BOLD


def _as_text(cell: Cell) -> None:
    """Text stays text: an evaluator's comment that starts with "=" is never a formula."""
    if isinstance(cell.value, str):
        cell.data_type = "s"


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


_WIDE_TEXT = {
    "지표명": 34,
    "평가 의견": 48,
    "증빙 없음 사유": 36,
    "인용 증빙": 44,
    "조정 의견": 40,
    "신청 지자체": 16,
}


def _widths(ws: Worksheet, headers: list[str], kinds: list[str]) -> None:
    for column, (header, kind) in enumerate(zip(headers, kinds, strict=True), start=1):
        width = _WIDE_TEXT.get(header)
        if width is None:
            width = max(10, min(_display_width(header) + 2, 30 if kind == "text" else 24))
        ws.column_dimensions[get_column_letter(column)].width = width
