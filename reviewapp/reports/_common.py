"""What the three formats share: the per-indicator table (the XLSX applicant sheets and the
CSV hold the same columns), and names, numbers and text as the committee reads them."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

from sqlalchemy import exists, select

from .. import grading
from ..extensions import db
from ..models import Adjudication, Claim, Round, Submission
from ..services.results import Citation, IndicatorRow, RoundResults, ScoreLine, SubmissionSheet

KST = timezone(timedelta(hours=9), "KST")
PROVISIONAL = "확정 전 결과(잠정)"
NOT_WRITTEN = "(작성되지 않음)"
UNSCORED = "미평가"

# Characters XML 1.0 cannot hold (openpyxl refuses them, Word will not open a file with
# them): C0 controls but tab, newline and carriage return; lone surrogates; U+FFFE/U+FFFF.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def clean(text: str | None) -> str:
    """``text`` without the characters an XML file cannot hold ("" for None)."""
    return _NOT_XML.sub("", text or "")


def kst(value: datetime) -> datetime:
    """A stored UTC time (naive, as the models keep it) as naive Korean time."""
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return aware.astimezone(KST).replace(tzinfo=None)


def kst_text(value: datetime) -> str:
    """A stored UTC time as "2026-03-02 14:05 KST"."""
    return kst(value).strftime("%Y-%m-%d %H:%M KST")


def points(value: Decimal, *, grouped: bool = False) -> str:
    """Points with 2 decimals as the CLI prints them: "24.00" (grouped: "2,000.00")."""
    return f"{value:,.2f}" if grouped else f"{value:.2f}"


def evaluator_label(name: str) -> str:
    """ "평가위원 eva"; a display name that already says 평가위원 ("평가위원 1") as is."""
    name = clean(name)
    return name if name.startswith("평가위원") else f"평가위원 {name}"


def note_heading(adjudication: Adjudication) -> str:
    """Who wrote an adjudication note and when: "김조정 (2026-03-02 14:05 KST)"."""
    author = adjudication.author
    name = clean(author.display_name or author.username)
    return f"{name} ({kst_text(adjudication.created_at)})"


def notes_text(row: IndicatorRow) -> str:
    """Every adjudication note of an indicator, newest first, one per line with its author
    and time: "김조정 (2026-03-02 14:05 KST): 평균 점수를 유지함"."""
    return "\n".join(f"{note_heading(a)}: {clean(a.note)}" for a in row.adjudications)


def place(citation: Citation) -> str:
    """Where a cited passage is: "12쪽", or for a spreadsheet "시트 2 'name'"."""
    return place_at(citation.page, citation.sheet)


def place_at(page: int, sheet: str | None) -> str:
    """ "12쪽", or with the name of sheet ``page`` of a spreadsheet "시트 2 'name'"."""
    if sheet is not None:
        return f"시트 {page} '{clean(sheet)}'"
    return f"{page}쪽"


def number(value: Decimal) -> str:
    """A setting as a person writes it: 20.00 -> "20", 12.50 -> "12.5"."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def decision(result: grading.SubmissionResult) -> str:
    return "인증" if result.certified else "미인증"


def completion(result: grading.SubmissionResult) -> str:
    """ "완료", or "미완료 (미평가 3)" with the number of unscored indicators."""
    return "완료" if result.complete else f"미완료 ({UNSCORED} {len(result.missing)})"


def track_names(round_: Round) -> dict[str, str]:
    """Track code -> its Korean name as the round defines it (the code when unnamed)."""
    return {str(t["code"]): str(t.get("name_ko") or t["code"]) for t in round_.tracks or []}


def area_titles(round_: Round) -> dict[str, str]:
    return {area.code: area.title_ko for area in round_.framework.areas}


def is_finalized(round_: Round) -> bool:
    return round_.status == "finalized"


def round_has_claimed_points(round_: Round) -> bool:
    """Whether any self-evaluation of the round gives points (then the exports show them)."""
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    Claim.submission_id == Submission.id,
                    Submission.round_id == round_.id,
                    Claim.claimed_points.is_not(None),
                )
            )
        )
    )


# ---------------------------------------------------------------- the per-indicator table


@dataclass(frozen=True)
class ScoreColumn:
    """One evaluator's points at one stage: a column of the per-indicator table."""

    evaluator_id: int
    evaluator: str
    stage: str
    header: str


def score_columns(sheets: list[SubmissionSheet], results: RoundResults) -> list[ScoreColumn]:
    """The (evaluator, stage) pairs that scored anything in ``sheets``: by stage in
    evaluation order, then evaluator name. Headers read "평가위원 eva · 서면평가"."""
    stage_order = [code for code, _name in results.stages]
    stage_names = dict(results.stages)
    pairs = {
        (line.stage, line.evaluator, line.evaluator_id)
        for sheet in sheets
        for row in sheet.rows
        for line in row.scores
    }
    ordered = sorted(pairs, key=lambda p: (stage_order.index(p[0]), p[1], p[2]))
    evaluators = {(name, evaluator_id) for _stage, name, evaluator_id in pairs}
    names = [name for name, _id in evaluators]
    # two evaluators under one display name still get two telling headers
    clash = {name for name in names if names.count(name) > 1}
    return [
        ScoreColumn(
            evaluator_id=evaluator_id,
            evaluator=name,
            stage=stage,
            header=(
                f"{evaluator_label(name)}{f' #{evaluator_id}' if name in clash else ''}"
                f" · {stage_names[stage]}"
            ),
        )
        for stage, name, evaluator_id in ordered
    ]


Cell = Decimal | int | str | None


@dataclass(frozen=True)
class IndicatorTable:
    """The columns of the per-indicator table and the kind of each value: "points"
    (Decimal, 2 decimals), "count" (int), "text" (may hold several lines)."""

    headers: list[str]
    kinds: list[str]
    columns: list[ScoreColumn]
    with_claims: bool

    def values(self, row: IndicatorRow, stage_names: dict[str, str]) -> list[Cell]:
        """One indicator's cells, in the order of ``headers``; None where nothing applies."""
        own = {(line.evaluator_id, line.stage): line for line in row.scores}
        scored = [own.get((c.evaluator_id, c.stage)) for c in self.columns]
        result = row.result
        cells: list[Cell] = [
            clean(row.area_title),
            row.code,
            clean(row.title),
            row.max_points,
            *(line.points if line else None for line in scored),
            result.score if result.stage_used else None,
            stage_names.get(result.stage_used, result.stage_used)
            if result.stage_used
            else UNSCORED,
            "Y" if result.flagged else "",
            _lines(row, stage_names, lambda line: line.comment),
            _lines(row, stage_names, lambda line: line.no_evidence_reason),
            _citations(row, stage_names),
            row.link_count,
        ]
        if self.with_claims:
            cells.append(row.claimed_points)
        cells.append(notes_text(row))
        return cells


def _lines(row: IndicatorRow, stage_names: dict[str, str], text: Callable[[ScoreLine], str]) -> str:
    """One line per evaluator and stage with a text: "eva(서면평가): 시민참여 운영이 우수함"."""
    return "\n".join(
        f"{clean(line.evaluator)}({stage_names[line.stage]}): {clean(text(line))}"
        for line in row.scores
        if text(line)
    )


def _citations(row: IndicatorRow, stage_names: dict[str, str]) -> str:
    """One line per passage a score cites, with whose score it backs:
    "eva(서면평가): 데이터기반행정법.md, 1쪽" (a spreadsheet: "..., 시트 2 '실적'")."""
    return "\n".join(
        f"{clean(line.evaluator)}({stage_names[line.stage]}): "
        f"{clean(citation.document)}, {place(citation)}"
        for line in row.scores
        for citation in line.citations
    )


def indicator_table(
    sheets: list[SubmissionSheet], results: RoundResults, *, with_claims: bool
) -> IndicatorTable:
    """The per-indicator table for ``sheets``: a points column per evaluator and stage that
    scored in them, and 자체평가 점수 ``with_claims`` (see round_has_claimed_points)."""
    columns = score_columns(sheets, results)
    headers = ["영역", "지표코드", "지표명", "배점", *(c.header for c in columns)]
    kinds = ["text", "text", "text", "points", *("points" for _c in columns)]
    headers += ["집계 점수", "집계 단계", "이견", "평가 의견", "증빙 없음 사유"]
    kinds += ["points", "text", "text", "text", "text"]
    # the passages the counted scores cite, then every evaluator's links (cited or not)
    headers += ["인용 증빙", "연결 증빙 수"]
    kinds += ["text", "count"]
    if with_claims:
        headers.append("자체평가 점수")
        kinds.append("points")
    headers.append("조정 의견")
    kinds.append("text")
    return IndicatorTable(headers=headers, kinds=kinds, columns=columns, with_claims=with_claims)
