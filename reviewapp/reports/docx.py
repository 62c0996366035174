"""One applicant's evaluation report (DOCX, python-docx): the result, the area subtotals, the
committee's opinions, and per indicator the aggregate, the disagreement, every adjudication
note (newest first, with author and time), each evaluator's score and comment, and the
evidence each score cites (document, page or sheet, the passage quoted, a link to the
passage when BASE_URL is configured).

(This module is ``reviewapp.reports.docx``; imports are absolute, so ``import docx`` and
``from docx ...`` below are python-docx.)
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from docx import Document
from docx.document import Document as DocumentObject
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, RGBColor
from docx.table import Table
from docx.text.paragraph import Paragraph

from .. import grading
from ..services.results import Citation, IndicatorRow, RoundResults, ScoreLine, SubmissionSheet
from . import _common as common

TITLE = "스마트도시 인증 평가 보고서"
FONT = "맑은 고딕"  # Malgun Gothic: on every Korean Windows, and what Hangul Word expects
LINK_COLOR = RGBColor(0x05, 0x63, 0xC1)
MISSING_LISTED = 10  # unscored indicator codes named in the provisional note

EvidenceUrl = Callable[[Citation], str | None]


def build(
    results: RoundResults,
    *,
    generated_at: datetime,
    evidence_url: EvidenceUrl,
    summaries: Mapping[int, Any] | None = None,
) -> bytes:
    """The report of the one submission in ``results.sheets`` as DOCX bytes.

    ``summaries``: indicator id -> its stored evidence summary (``source`` links|suggestions,
    ``sentences`` [{"text", "document", "page"}], services/summaries.py), printed under
    "증빙 요약" with each sentence's document and page.

    ``generated_at`` is UTC (naive); ``evidence_url`` gives a citation's address on the web
    (None: the citation is written without a link). Raises ValueError unless ``results``
    holds exactly one sheet.
    """
    if len(results.sheets) != 1:
        raise ValueError(f"one submission per report, got {len(results.sheets)}")
    (sheet,) = results.sheets
    doc = Document()
    _a4(doc)
    _korean_font(doc)
    doc.add_heading(TITLE, level=0)
    for note in _provisional_notes(results, sheet):
        doc.add_paragraph().add_run(note).bold = True
    _facts(doc, results, sheet, generated_at)
    _area_table(doc, results, sheet)
    _opinions(doc, results, sheet)
    doc.add_heading("지표별 평가", level=1)
    stage_names = dict(results.stages)
    for area_code, title in common.area_titles(results.grades.round).items():
        doc.add_heading(f"{area_code} {common.clean(title)}", level=2)
        for row in sheet.rows:
            if row.area_code == area_code:
                _indicator(doc, results, row, stage_names, evidence_url)
                _summary(doc, (summaries or {}).get(row.indicator_id))
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


# ---------------------------------------------------------------- the result


def _provisional_notes(results: RoundResults, sheet: SubmissionSheet) -> list[str]:
    notes = []
    if not common.is_finalized(results.grades.round):
        notes.append(
            f"{common.PROVISIONAL}: 이 라운드는 아직 확정되지 않았으며 결과가 바뀔 수 있습니다."
        )
    if not sheet.result.complete:
        missing = sheet.result.missing
        listed = ", ".join(missing[:MISSING_LISTED])
        if len(missing) > MISSING_LISTED:
            listed += f" 외 {len(missing) - MISSING_LISTED}개"
        notes.append(
            f"평가가 끝나지 않은 지표 {len(missing)}개({listed})가 있어 총점과 등급은 잠정입니다."
        )
    return notes


def _facts(
    doc: DocumentObject, results: RoundResults, sheet: SubmissionSheet, generated_at: datetime
) -> None:
    round_ = results.grades.round
    result = sheet.result
    track = common.track_names(round_).get(sheet.submission.track, sheet.submission.track)
    in_track = sum(
        1 for g in results.grades.submissions if g.submission.track == sheet.submission.track
    )
    status = "확정" if common.is_finalized(round_) else common.PROVISIONAL
    if not result.complete:
        status += f", {common.completion(result)}"
    rows = [
        ("라운드", round_.name),
        ("지표 체계", f"{round_.framework.name_ko} ({round_.framework.version})"),
        ("신청 지자체", sheet.submission.applicant.name),
        ("유형", track),
        (
            "총점",
            f"{common.points(result.total, grouped=True)} / "
            f"{common.points(result.max_total, grouped=True)}점",
        ),
        ("득점률", f"{result.percent:.2f}%"),
        ("등급", f"{result.grade}등급"),
        ("인증 여부", common.decision(result)),
        ("유형 내 순위", f"{sheet.grade.rank}위 ({track} {in_track}곳 중)"),
        ("평가 상태", status),
        ("작성 시각", common.kst_text(generated_at)),
    ]
    table = doc.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    for label, value in rows:
        cells = table.add_row().cells
        cells[0].paragraphs[0].add_run(label).bold = True
        cells[1].text = common.clean(value)


def _area_table(doc: DocumentObject, results: RoundResults, sheet: SubmissionSheet) -> None:
    doc.add_heading("영역별 점수", level=1)
    titles = common.area_titles(results.grades.round)
    table = doc.add_table(rows=1, cols=4)
    table.style = "Table Grid"
    _header_row(table, ["영역", "득점", "배점", "득점률"])
    result = sheet.result
    for area in result.areas:
        _row(
            table,
            f"{area.code} {common.clean(titles.get(area.code, ''))}",
            area.subtotal,
            area.max,
        )
    _row(table, "합계", result.total, result.max_total, bold=True)


def _row(table: Table, label: str, got: Decimal, most: Decimal, *, bold: bool = False) -> None:
    pct = grading.round_half_up(got * 100 / most) if most else Decimal("0.00")
    texts = [label, common.points(got, grouped=True), common.points(most, grouped=True)]
    texts.append(f"{pct:.2f}%")
    for cell, text in zip(table.add_row().cells, texts, strict=True):
        cell.paragraphs[0].add_run(text).bold = bold


def _header_row(table: Table, headers: list[str]) -> None:
    for cell, header in zip(table.rows[0].cells, headers, strict=True):
        cell.paragraphs[0].add_run(header).bold = True


def _opinions(doc: DocumentObject, results: RoundResults, sheet: SubmissionSheet) -> None:
    doc.add_heading("위원회 의견", level=1)
    doc.add_heading("종합의견", level=2)
    doc.add_paragraph(common.clean(sheet.opinions.overall) or common.NOT_WRITTEN)
    doc.add_heading("영역별 의견", level=2)
    for code, title in common.area_titles(results.grades.round).items():
        paragraph = doc.add_paragraph()
        paragraph.add_run(f"{code} {common.clean(title)}: ").bold = True
        paragraph.add_run(common.clean(sheet.opinions.areas.get(code)) or common.NOT_WRITTEN)


# ---------------------------------------------------------------- per indicator


def _indicator(
    doc: DocumentObject,
    results: RoundResults,
    row: IndicatorRow,
    stage_names: dict[str, str],
    evidence_url: EvidenceUrl,
) -> None:
    doc.add_heading(f"{row.code} {common.clean(row.title)}", level=3)
    result = row.result
    paragraph = doc.add_paragraph()
    paragraph.add_run("집계 점수: ").bold = True
    if result.stage_used:
        stage = stage_names.get(result.stage_used, result.stage_used)
        paragraph.add_run(
            f"{common.points(result.score)} / {common.points(row.max_points)}점 ({stage})"
        )
    else:
        paragraph.add_run(f"{common.UNSCORED} (배점 {common.points(row.max_points)}점)")
    if row.claimed_points is not None:
        paragraph = doc.add_paragraph()
        paragraph.add_run("자체평가 점수: ").bold = True
        paragraph.add_run(f"{common.points(row.claimed_points)}점")
    if result.flagged:
        _disagreement(doc, results, row)
    _notes(doc, row)
    for line in row.scores:
        _score(doc, line, stage_names, evidence_url)


def _summary(doc: DocumentObject, summary: Any) -> None:
    """The indicator's evidence summary, every sentence cited (nothing when none stored)."""
    if summary is None or not summary.sentences:
        return
    paragraph = doc.add_paragraph()
    paragraph.add_run("증빙 요약").bold = True
    if summary.source == "suggestions":
        paragraph.add_run(" (연결된 증빙이 없어 추천 문단 요약)")
    for sentence in summary.sentences:
        item = doc.add_paragraph(style="List Bullet")
        item.add_run(common.clean(sentence["text"]))
        item.add_run(f" ({sentence['document']}, {sentence['page']}쪽)").italic = True


def _disagreement(doc: DocumentObject, results: RoundResults, row: IndicatorRow) -> None:
    limit = results.grades.round.disagreement_pct
    paragraph = doc.add_paragraph()
    paragraph.add_run("이견: ").bold = True
    # the fact only: how far apart the scores are; what the committee made of it is in the
    # notes below, when one was written
    spread = "한 단계 안의 점수 차가 "
    if row.spread is not None and row.spread_pct is not None:
        spread = (
            f"한 단계 안의 점수 차 {common.points(row.spread)}점(배점의 {row.spread_pct:.2f}%)이 "
        )
    paragraph.add_run(f"{spread}기준(배점의 {common.number(limit)}%)을 넘었습니다.")


def _notes(doc: DocumentObject, row: IndicatorRow) -> None:
    """The committee's adjudication notes on the indicator, newest first, each with its
    author and time (none written: nothing is said)."""
    for adjudication in row.adjudications:
        paragraph = doc.add_paragraph()
        paragraph.add_run(f"조정 의견 — {common.note_heading(adjudication)}: ").bold = True
        paragraph.add_run(common.clean(adjudication.note))


def _score(
    doc: DocumentObject, line: ScoreLine, stage_names: dict[str, str], evidence_url: EvidenceUrl
) -> None:
    paragraph = doc.add_paragraph(style="List Bullet")
    level = f" (수준 {line.level})" if line.level is not None else ""
    stage = stage_names.get(line.stage, line.stage)
    paragraph.add_run(
        f"{common.evaluator_label(line.evaluator)} · {stage}: {common.points(line.points)}점{level}"
    ).bold = True
    if line.comment:
        paragraph.add_run(f" — {common.clean(line.comment)}")
    if line.no_evidence_reason:
        reason = doc.add_paragraph(style="List Bullet 2")
        reason.add_run("증빙 없음: ").bold = True
        reason.add_run(common.clean(line.no_evidence_reason))
    _evidence(doc, line.citations, evidence_url)


def _evidence(doc: DocumentObject, citations: list[Citation], evidence_url: EvidenceUrl) -> None:
    """Per citation: where it is (linked when there is an address), then the passage in full.

    Evidence summaries, when they exist, belong to this section: after the passage."""
    for citation in citations:
        where = doc.add_paragraph(style="List Bullet 2")
        where.add_run("근거: ").bold = True
        url = evidence_url(citation)
        name = common.clean(citation.document)
        if url:
            _hyperlink(where, url, name)
        else:
            where.add_run(name)
        where.add_run(f", {common.place(citation)}")
        quote = common.clean(citation.quote).strip()
        if quote:
            doc.add_paragraph(f"“{quote}”", style="Quote")


# ---------------------------------------------------------------- Word details


def _hyperlink(paragraph: Paragraph, url: str, text: str) -> None:
    """A run of ``text`` linked to ``url``: python-docx reads hyperlinks but cannot add one,
    so the run is wrapped in a w:hyperlink that points at an external relationship."""
    relationship = paragraph.part.relate_to(url, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
    run = paragraph.add_run(text)
    run.font.underline = True
    run.font.color.rgb = LINK_COLOR
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), relationship)
    run._r.addprevious(link)
    link.append(run._r)


def _a4(doc: DocumentObject) -> None:
    """A4 portrait (python-docx's template is US Letter), 2.5 cm above and below, 2 cm at
    the sides: 17 cm of text."""
    for section in doc.sections:
        section.page_width, section.page_height = Cm(21.0), Cm(29.7)
        section.top_margin = section.bottom_margin = Cm(2.5)
        section.left_margin = section.right_margin = Cm(2.0)


def _korean_font(doc: DocumentObject) -> None:
    """Body text in Malgun Gothic, Hangul included (Word takes Hangul from w:eastAsia)."""
    normal = doc.styles["Normal"]
    normal.font.name = FONT  # type: ignore[attr-defined]
    fonts = normal.element.get_or_add_rPr().get_or_add_rFonts()  # type: ignore[attr-defined]
    fonts.set(qn("w:eastAsia"), FONT)
