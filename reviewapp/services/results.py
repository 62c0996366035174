"""The committee's view of a round: per applicant every indicator with each evaluator's score,
comment and cited evidence, the aggregate and its flags; the progress of every evaluator; the
list of disagreements to settle.

One read model feeds the results page, the disagreement list and every export
(reviewapp/reports/), so the screen and the files the ministry receives can never differ. All
figures come from services/grades.py (which leaves the arithmetic to reviewapp/grading.py);
scores of an evaluator with a declared conflict of interest are left out here as they are
there.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from .. import grading
from ..extensions import db
from ..models import (
    Adjudication,
    Assignment,
    Claim,
    EvidenceLink,
    Round,
    Score,
    Submission,
    User,
)
from . import committee
from .errors import NotFound
from .grades import RoundGrades, SubmissionGrade, round_grades, rules_of
from .places import sheet_name

HALF_CENT = Decimal("0.005")  # a percent rounds half up to the cent (grading.round_half_up)


@dataclass(frozen=True)
class Citation:
    """One evidence passage a score cites: ``page`` is the page number (for a spreadsheet,
    the sheet number, and ``sheet`` its name); ``quote`` the passage as linked."""

    link_id: int
    document_id: int
    document: str
    page: int
    sheet: str | None
    quote: str
    chunk_id: int | None


@dataclass(frozen=True)
class ScoreLine:
    """One evaluator's score of one indicator at one stage (points in Decimal)."""

    evaluator_id: int
    evaluator: str
    stage: str
    points: Decimal
    level: int | None
    comment: str
    no_evidence_reason: str
    citations: list[Citation]


@dataclass(frozen=True)
class IndicatorRow:
    """One indicator of one submission as the committee reads it.

    ``result`` holds the rounded aggregate (``result.score``), the stage it comes from and the
    disagreement flag; ``spread`` is the largest max - min of one stage's scores in points
    (None below two scores at every stage) and ``spread_pct`` that spread in % of
    ``max_points``; ``claimed_points`` the applicant's self-evaluation (None when no claim
    gives points); ``link_count`` the evidence links of every evaluator on this indicator.
    """

    area_code: str
    area_title: str
    indicator_id: int
    code: str
    title: str
    max_points: Decimal
    result: grading.IndicatorResult
    scores: list[ScoreLine]
    spread: Decimal | None
    spread_pct: Decimal | None
    claimed_points: Decimal | None
    link_count: int
    adjudications: list[Adjudication]

    @property
    def by_evaluator(self) -> list[tuple[str, list[ScoreLine]]]:
        """The scores side by side: (evaluator, their lines in stage order), by name."""
        grouped: dict[tuple[str, int], list[ScoreLine]] = defaultdict(list)
        for line in self.scores:
            grouped[(line.evaluator, line.evaluator_id)].append(line)
        return [(name, lines) for (name, _id), lines in sorted(grouped.items())]


@dataclass(frozen=True)
class SubmissionSheet:
    """One applicant's full result: grade, rank, rows, what it would take (``what_if``: the
    fewest points to the next better grade and to certification, and where they could come
    from), opinions."""

    grade: SubmissionGrade
    rows: list[IndicatorRow]
    evaluators: list[tuple[int, str]]  # (id, name) whose scores count, by name
    opinions: committee.Opinions
    what_if: grading.WhatIf

    @property
    def submission(self) -> Submission:
        return self.grade.submission

    @property
    def result(self) -> grading.SubmissionResult:
        return self.grade.result

    @property
    def provisional(self) -> bool:
        """The grade may still change: indicators are unscored or the round is open."""
        return not self.result.complete or self.submission.round.status != "finalized"

    def rounds_up_from(self, target: grading.Target) -> Decimal | None:
        """The exact percent from which ``target.min_pct`` is reached once rounded half up
        to the cent (59.995 for 60.00 %), when that makes ``target.points_needed`` fewer
        than the plain difference to ``min_pct`` of the maximum; None otherwise."""
        plain = target.min_pct * self.result.max_total / 100
        if not target.reachable or target.total_needed >= plain:
            return None
        return target.min_pct - HALF_CENT


@dataclass(frozen=True)
class RoundResults:
    """The round's grades and one sheet per submission, in the order of ``grades``."""

    grades: RoundGrades
    sheets: list[SubmissionSheet]
    stages: list[tuple[str, str]]  # (code, Korean name) in evaluation order

    @property
    def round(self) -> Round:
        return self.grades.round

    @property
    def finalized(self) -> bool:
        return self.grades.round.status == "finalized"

    @property
    def tied_ranks(self) -> set[tuple[str, int]]:
        """(track, rank) of each rank two or more applicants of a track share (공동 1위)."""
        seen: dict[tuple[str, int], int] = defaultdict(int)
        for row in self.grades.submissions:
            seen[(row.submission.track, row.rank)] += 1
        return {key for key, n in seen.items() if n > 1}

    @property
    def area_titles(self) -> dict[str, tuple[str, str]]:
        """Area code -> (Korean title, English title or the Korean one)."""
        return {
            area.code: (area.title_ko, area.title_en or area.title_ko)
            for area in self.grades.round.framework.areas
        }


def _name(user: User) -> str:
    return user.display_name or user.username


def _citation(link: EvidenceLink) -> Citation:
    return Citation(
        link_id=link.id,
        document_id=link.document_id,
        document=link.document.filename,
        page=link.page,
        sheet=sheet_name(link.document, link.page),
        quote=link.quote,
        chunk_id=link.chunk_id,
    )


def _spread(values_by_stage: dict[str, list[Decimal]]) -> Decimal | None:
    spreads = [max(v) - min(v) for v in values_by_stage.values() if len(v) >= 2]
    return max(spreads) if spreads else None


def round_results(round_id: int, *, submission_id: int | None = None) -> RoundResults:
    """The committee's read model of a round (one submission's sheet only when
    ``submission_id`` is given; the grades and ranks are always the whole round's).

    Raises NotFound for an unknown round; a ``submission_id`` outside the round gives no
    sheet (the caller checks access and membership first).
    """
    grades = round_grades(round_id)
    round_ = grades.round
    wanted = [
        row
        for row in grades.submissions
        if submission_id is None or row.submission.id == submission_id
    ]
    ids = [row.submission.id for row in wanted]
    framework = round_.framework
    rules = rules_of(round_)
    stage_order = list(rules.stages)
    stage_names = {
        str(st["code"]): str(st.get("name_ko") or st["code"]) for st in round_.stages or []
    }

    counted = select(Assignment.submission_id, Assignment.evaluator_id).where(
        Assignment.submission_id.in_(ids), Assignment.conflict_declared.is_(False)
    )
    counted_pairs = {(row[0], row[1]) for row in db.session.execute(counted)}
    scores = db.session.scalars(
        select(Score)
        .where(Score.submission_id.in_(ids))
        .options(
            selectinload(Score.links).selectinload(EvidenceLink.document),
            selectinload(Score.evaluator),
        )
    )
    lines: dict[tuple[int, int], list[ScoreLine]] = defaultdict(list)
    by_stage: dict[tuple[int, int], dict[str, list[Decimal]]] = defaultdict(
        lambda: defaultdict(list)
    )
    evaluators: dict[int, dict[int, str]] = defaultdict(dict)
    for score in scores:
        if (score.submission_id, score.evaluator_id) not in counted_pairs:
            continue
        if score.stage not in stage_order:
            continue
        key = (score.submission_id, score.indicator_id)
        name = _name(score.evaluator)
        evaluators[score.submission_id][score.evaluator_id] = name
        lines[key].append(
            ScoreLine(
                evaluator_id=score.evaluator_id,
                evaluator=name,
                stage=score.stage,
                points=Decimal(score.points),
                level=score.level,
                comment=score.comment,
                no_evidence_reason=score.no_evidence_reason,
                citations=[_citation(link) for link in score.links],
            )
        )
        by_stage[key][score.stage].append(Decimal(score.points))

    link_counts = {
        (sub_id, indicator_id): count
        for sub_id, indicator_id, count in db.session.execute(
            select(EvidenceLink.submission_id, EvidenceLink.indicator_id, func.count())
            .where(EvidenceLink.submission_id.in_(ids))
            .group_by(EvidenceLink.submission_id, EvidenceLink.indicator_id)
        )
    }
    claimed: dict[tuple[int, int], Decimal] = {}
    for claim in db.session.scalars(
        select(Claim)
        .where(Claim.submission_id.in_(ids), Claim.claimed_points.is_not(None))
        .order_by(Claim.id)
    ):
        claimed[(claim.submission_id, claim.indicator_id)] = Decimal(claim.claimed_points)
    adjudications = committee.adjudications_of(ids)

    sheets = []
    for grade in wanted:
        sub_id = grade.submission.id
        results = {ind.code: ind for ind in grade.result.indicators}
        rows = []
        for indicator in framework.indicators:
            key = (sub_id, indicator.id)
            spread = _spread(by_stage.get(key, {}))
            max_points = Decimal(indicator.max_points)
            rows.append(
                IndicatorRow(
                    area_code=indicator.area.code,
                    area_title=indicator.area.title_ko,
                    indicator_id=indicator.id,
                    code=indicator.code,
                    title=indicator.title_ko,
                    max_points=max_points,
                    result=results[indicator.code],
                    scores=sorted(
                        lines.get(key, []),
                        key=lambda s: (stage_order.index(s.stage), s.evaluator, s.evaluator_id),
                    ),
                    spread=spread,
                    spread_pct=(
                        grading.round_half_up(spread * 100 / max_points)
                        if spread is not None and max_points
                        else None
                    ),
                    claimed_points=claimed.get(key),
                    link_count=link_counts.get(key, 0),
                    adjudications=adjudications.get(key, []),
                )
            )
        sheets.append(
            SubmissionSheet(
                grade=grade,
                rows=rows,
                evaluators=sorted(evaluators[sub_id].items(), key=lambda item: (item[1], item[0])),
                opinions=committee.opinions_of(sub_id),
                what_if=grading.what_if(grade.result, rules),
            )
        )
    return RoundResults(
        grades=grades,
        sheets=sheets,
        stages=[(code, stage_names.get(code, code)) for code in stage_order],
    )


def disagreements(results: RoundResults) -> list[tuple[SubmissionSheet, IndicatorRow]]:
    """Every indicator of the round to settle or settled: each flagged one, and each that has
    adjudication notes though no longer flagged (an evaluator revised a score after the
    committee discussed it: its notes stay in the list). Flagged ones first, each group the
    widest spread (in % of max points) first, then by applicant name and indicator order."""
    listed = [
        (position, sheet, row)
        for sheet in results.sheets
        for position, row in enumerate(sheet.rows)
        if row.result.flagged or row.adjudications
    ]
    listed.sort(
        key=lambda item: (
            not item[2].result.flagged,
            -(item[2].spread_pct or Decimal(0)),
            item[1].submission.applicant.name,
            item[0],
        )
    )
    return [(sheet, row) for _position, sheet, row in listed]


@dataclass(frozen=True)
class StageProgress:
    """How far one evaluator is at one stage: ``unscored`` indicator codes in order."""

    scored: int
    total: int
    unscored: list[str]


@dataclass(frozen=True)
class ProgressRow:
    """One assignment's progress: per stage code, the indicators scored; the codes scored
    with "no evidence submitted"; the flagged codes among those this evaluator scored; and
    whether a conflict of interest is declared (then nothing of theirs counts)."""

    submission: Submission
    evaluator_id: int
    evaluator: str
    conflict: bool
    stages: dict[str, StageProgress]
    no_evidence: list[str]
    flagged: list[str]


def progress(results: RoundResults) -> list[ProgressRow]:
    """Per assignment of the round (by applicant, then evaluator name), the evaluator's
    progress; ``results`` gives the indicators and the flags (see round_results)."""
    round_ = results.grades.round
    codes = [ind.code for ind in round_.framework.indicators]
    code_of = {ind.id: ind.code for ind in round_.framework.indicators}
    flagged = {
        sheet.submission.id: {row.code for row in sheet.rows if row.result.flagged}
        for sheet in results.sheets
    }
    assignments = db.session.scalars(
        select(Assignment)
        .join(Submission, Submission.id == Assignment.submission_id)
        .where(Submission.round_id == round_.id)
        .options(selectinload(Assignment.evaluator), selectinload(Assignment.submission))
    ).all()
    own: dict[tuple[int, int], dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    no_evidence: dict[tuple[int, int], set[str]] = defaultdict(set)
    rows = db.session.execute(
        select(
            Score.submission_id,
            Score.evaluator_id,
            Score.indicator_id,
            Score.stage,
            Score.no_evidence_reason,
        )
        .join(Submission, Submission.id == Score.submission_id)
        .where(Submission.round_id == round_.id)
    )
    for sub_id, evaluator_id, indicator_id, stage, reason in rows:
        code = code_of.get(indicator_id)
        if code is None:
            continue
        own[(sub_id, evaluator_id)][stage].add(code)
        if reason:
            no_evidence[(sub_id, evaluator_id)].add(code)
    out = []
    for assignment in assignments:
        key = (assignment.submission_id, assignment.evaluator_id)
        scored_codes = set().union(*own[key].values()) if own[key] else set()
        out.append(
            ProgressRow(
                submission=assignment.submission,
                evaluator_id=assignment.evaluator_id,
                evaluator=_name(assignment.evaluator),
                conflict=assignment.conflict_declared,
                stages={
                    code: StageProgress(
                        scored=len(own[key][code]),
                        total=len(codes),
                        unscored=[c for c in codes if c not in own[key][code]],
                    )
                    for code, _name_ko in results.stages
                },
                no_evidence=[c for c in codes if c in no_evidence[key]],
                flagged=[
                    c
                    for c in codes
                    if c in flagged.get(assignment.submission_id, set()) and c in scored_codes
                ],
            )
        )
    out.sort(key=lambda row: (row.submission.applicant.name, row.evaluator, row.evaluator_id))
    return out


# --------------------------------------------------------------------------- pages

STATUS_FILTERS = ("certified", "not_certified", "incomplete")


@dataclass(frozen=True)
class TrackTable:
    """One track's applicants as the results page lists them, by rank."""

    code: str
    name_ko: str
    name_en: str
    sheets: list[SubmissionSheet]


@dataclass(frozen=True)
class ResultsPage:
    """The results page: one table per track after the filters; ``track`` and ``status``
    are the filters applied ("" where none, or where the value asked for is unknown)."""

    results: RoundResults
    tables: list[TrackTable]
    track: str
    status: str

    @property
    def tracks(self) -> list[tuple[str, str, str]]:
        """Every track of the round (code, Korean name, English name), for the filter."""
        return _tracks(self.results)


def _tracks(results: RoundResults) -> list[tuple[str, str, str]]:
    tracks = []
    for track in results.round.tracks or []:
        code = str(track["code"])
        name_ko = str(track.get("name_ko") or code)
        tracks.append((code, name_ko, str(track.get("name_en") or name_ko)))
    listed = {code for code, _ko, _en in tracks}
    for sheet in results.sheets:  # a track the round no longer lists still gets its table
        if sheet.submission.track not in listed:
            listed.add(sheet.submission.track)
            tracks.append((sheet.submission.track,) * 3)
    return tracks


def _matches(sheet: SubmissionSheet, status: str) -> bool:
    if status == "certified":
        return sheet.result.certified
    if status == "not_certified":
        return not sheet.result.certified
    if status == "incomplete":
        return not sheet.result.complete
    return True


def results_page(
    round_id: int, *, track: str | None = None, status: str | None = None
) -> ResultsPage:
    """The round's results, one table per track (the round's track order, each by rank),
    filtered by track code and by status (one of STATUS_FILTERS). An unknown filter value is
    ignored: the page then shows what it would show without it. NotFound for an unknown
    round."""
    results = round_results(round_id)
    tracks = _tracks(results)
    track = track if track in {code for code, _ko, _en in tracks} else ""
    status = status if status in STATUS_FILTERS else ""
    tables = [
        TrackTable(
            code,
            name_ko,
            name_en,
            [
                sheet
                for sheet in results.sheets
                if sheet.submission.track == code and _matches(sheet, status)
            ],
        )
        for code, name_ko, name_en in tracks
        if not track or code == track
    ]
    return ResultsPage(results=results, tables=tables, track=track, status=status)


@dataclass(frozen=True)
class AreaLine:
    """One area of one applicant: its subtotal and the committee's opinion on it."""

    code: str
    title_ko: str
    title_en: str
    subtotal: Decimal
    max: Decimal
    opinion: str


@dataclass(frozen=True)
class SubmissionPage:
    """One applicant's page: the round's results (for the round's rules and stages), the
    applicant's sheet and its areas in framework order."""

    results: RoundResults
    sheet: SubmissionSheet
    areas: list[AreaLine]


def submission_page(round_id: int, submission_id: int) -> SubmissionPage:
    """One applicant of the round with its grade, rank, rows and opinions; NotFound for an
    unknown round or a submission that is not in it."""
    results = round_results(round_id, submission_id=submission_id)
    if not results.sheets:
        raise NotFound(f"no submission {submission_id} in round {round_id}")
    sheet = results.sheets[0]
    subtotals = {area.code: area for area in sheet.result.areas}
    areas = [
        AreaLine(
            code=area.code,
            title_ko=area.title_ko,
            title_en=area.title_en or area.title_ko,
            subtotal=subtotals[area.code].subtotal,
            max=subtotals[area.code].max,
            opinion=sheet.opinions.areas.get(area.code, ""),
        )
        for area in results.round.framework.areas
    ]
    return SubmissionPage(results=results, sheet=sheet, areas=areas)


def unscored_counts(round_id: int) -> list[tuple[str, int]]:
    """(applicant name, how many indicators are unscored) per submission of the round, in
    the read model's order (track, then rank): what finalizing would fix at 0 points."""
    return [
        (sheet.submission.applicant.name, len(sheet.result.missing))
        for sheet in round_results(round_id).sheets
    ]


@dataclass(frozen=True)
class ProgressPage:
    results: RoundResults
    rows: list[ProgressRow]


def progress_page(round_id: int) -> ProgressPage:
    """Every assignment's progress in the round (see progress); NotFound for an unknown
    round."""
    results = round_results(round_id)
    return ProgressPage(results=results, rows=progress(results))


@dataclass(frozen=True)
class DisagreementPage:
    results: RoundResults
    items: list[tuple[SubmissionSheet, IndicatorRow]]


def disagreement_page(round_id: int) -> DisagreementPage:
    """The round's flagged and adjudicated indicators (see disagreements); NotFound for an
    unknown round."""
    results = round_results(round_id)
    return DisagreementPage(results=results, items=disagreements(results))
