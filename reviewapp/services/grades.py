"""A round's results: every submission's totals, percentage, grade, certification and rank.

Reads the round's scores and framework, and leaves all arithmetic to the pure functions of
reviewapp/grading.py (exact decimals, the round's aggregation rule and grade bands).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from .. import grading
from ..extensions import db
from ..models import Assignment, Round, Score, Submission
from .rounds import get_round


@dataclass(frozen=True)
class SubmissionGrade:
    """One submission's result in its round (``rank`` within its track)."""

    submission: Submission
    result: grading.SubmissionResult
    rank: int


@dataclass(frozen=True)
class RoundGrades:
    """The round's results, ordered by track then rank, and inter-rater agreement per stage:
    stage -> (Krippendorff's alpha or None, number of units it rests on)."""

    round: Round
    submissions: list[SubmissionGrade]
    alpha: dict[str, tuple[float | None, int]]


def rules_of(round_: Round) -> grading.RoundRules:
    """The round's grading rules as grading.RoundRules."""
    return grading.RoundRules(
        aggregation=round_.aggregation_rule,
        trim_min_evaluators=round_.trim_min_evaluators,
        disagreement_pct=Decimal(round_.disagreement_pct),
        stages=tuple(stage["code"] for stage in round_.stages or []),
        grade_bands=tuple(
            (int(band["grade"]), Decimal(str(band["min_pct"]))) for band in round_.grade_bands
        ),
        certified_grades=frozenset(int(g) for g in round_.certified_grades or []),
        threshold_pct=Decimal(round_.certification_threshold_pct),
        total_points=Decimal(round_.framework.total_points),
    )


def round_grades(round_id: int) -> RoundGrades:
    """Grade every submission of the round from its scores; NotFound for an unknown round."""
    round_ = get_round(round_id)
    framework = round_.framework
    rules = rules_of(round_)
    areas = [grading.AreaSpec(area.code) for area in framework.areas]
    specs = [
        grading.IndicatorSpec(ind.code, ind.area.code, Decimal(ind.max_points))
        for ind in framework.indicators
    ]
    code_of = {ind.id: ind.code for ind in framework.indicators}
    # submission -> (indicator code, stage) -> points; and per stage: unit -> rater -> points
    scores: dict[int, dict[tuple[str, str], list[Decimal]]] = defaultdict(lambda: defaultdict(list))
    units: dict[str, dict[tuple[int, str], dict[int, Decimal]]] = {s: {} for s in rules.stages}
    rows = db.session.execute(
        select(
            Score.submission_id, Score.indicator_id, Score.evaluator_id, Score.stage, Score.points
        )
        .join(Submission, Submission.id == Score.submission_id)
        .join(
            Assignment,
            (Assignment.submission_id == Score.submission_id)
            & (Assignment.evaluator_id == Score.evaluator_id),
        )
        # a score counts while its evaluator is assigned without a declared conflict of
        # interest (a conflict declared after scoring takes the score out of the results)
        .where(Submission.round_id == round_.id, Assignment.conflict_declared.is_(False))
    )
    for submission_id, indicator_id, evaluator_id, stage, points in rows:
        if stage not in rules.stages or indicator_id not in code_of:
            continue  # a stage removed from the round before its first score cannot exist
        code = code_of[indicator_id]
        scores[submission_id][(code, stage)].append(Decimal(points))
        units[stage].setdefault((submission_id, code), {})[evaluator_id] = Decimal(points)
    results = {
        sub.id: grading.grade_submission(areas, specs, scores[sub.id], rules)
        for sub in round_.submissions
    }
    ranked = grading.rank_within_tracks(
        (sub.id, sub.applicant.name, sub.track, results[sub.id].percent)
        for sub in round_.submissions
    )
    by_id = {sub.id: sub for sub in round_.submissions}
    track_order = [str(track["code"]) for track in round_.tracks or []]
    ranked.sort(
        key=lambda row: (
            track_order.index(row.track) if row.track in track_order else len(track_order),
            row.track,
            row.rank,
            row.applicant_name,
        )
    )
    return RoundGrades(
        round=round_,
        submissions=[
            SubmissionGrade(by_id[row.submission_id], results[row.submission_id], row.rank)
            for row in ranked
        ],
        alpha={stage: grading.krippendorff_alpha(units[stage]) for stage in rules.stages},
    )


def as_json(grades: RoundGrades) -> dict[str, Any]:
    """The shape `reviewapp grades --json` prints (numbers stay Decimal; the CLI writes them
    as JSON numbers with 2 decimals)."""
    return {
        "round": grades.round.id,
        "finalized": grades.round.status == "finalized",
        "alpha": {stage: alpha for stage, (alpha, _units) in grades.alpha.items()},
        "submissions": [
            {
                "submission_id": row.submission.id,
                "applicant": row.submission.applicant.name,
                "track": row.submission.track,
                "rank": row.rank,
                "total": row.result.total,
                "max_total": row.result.max_total,
                "percent": row.result.percent,
                "grade": row.result.grade,
                "certified": row.result.certified,
                "complete": row.result.complete,
                "missing": list(row.result.missing),
                "areas": [
                    {"code": area.code, "subtotal": area.subtotal, "max": area.max}
                    for area in row.result.areas
                ],
                "indicators": [
                    {
                        "code": ind.code,
                        "score": ind.score,
                        "max": ind.max,
                        "stage_used": ind.stage_used,
                        "n_scores": ind.n_scores,
                        "flagged": ind.flagged,
                    }
                    for ind in row.result.indicators
                ],
            }
            for row in grades.submissions
        ],
    }
