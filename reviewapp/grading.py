"""Grading of a submission: pure functions over exact decimals, no Flask, no database.

Source of the rules: issue 11 (grading) and DESIGN.md ("aggregation -> area subtotals ->
total % -> grade -> certification"). The numbers a round grades with come from its
framework file (``frameworks/*.yaml``: ``total_points``, ``stages``, ``grade_bands``,
``certified_grades``, ``certification_threshold_pct``) and from the round itself
(``Round.aggregation_rule``, ``Round.trim_min_evaluators``, ``Round.disagreement_pct``).
Who may see whose scores (blind review, HotCRP-like) is not decided here; that lives in
``reviewapp/services/scoring.py``.

The rules, in order:

1. Per indicator and stage, the evaluators' scores are aggregated by the round's rule:
   ``mean``, or ``trimmed_mean`` (with at least ``trim_min_evaluators`` scores, one highest
   and one lowest are dropped before the mean; with fewer, the plain mean).
2. An indicator's score is the aggregate of the *last* stage, in the round's stage order,
   that has at least one score (on-site over document), rounded half up to the cent.
   An indicator nobody scored counts 0 and is listed as missing.
3. Area subtotal = sum of its rounded indicator scores; total = sum of the subtotals;
   percent = total / the framework's ``total_points`` * 100, rounded half up to the cent.
4. Grade: the best (lowest-numbered) band whose ``min_pct`` <= percent; certified when the
   grade is a certified grade *and* percent >= the threshold.
5. Disagreement: an indicator is flagged when, at any one stage, max - min of its scores is
   strictly more than ``disagreement_pct`` % of its ``max_points``.
6. What-if (:func:`what_if`): for a graded submission, the fewest points (in cents) that
   reach the next better grade and, when not certified, certification; both found by the
   same percent computation as rule 3, so rounding half up counts (209.99 of 300 is
   69.9966..% -> 70.00 %). An indicator's headroom is its max_points - its rounded score
   (an unscored indicator's is its full max_points); the indicators shown for a target are
   the fewest, most headroom first, whose headroom covers the points needed.

Every number is a :class:`decimal.Decimal` (``int`` is accepted where a number is taken and
turned into a Decimal); a ``float`` raises ``TypeError`` so that binary fractions never
reach a grade boundary. Convert database floats with ``Decimal(str(value))``. The one
exception is Krippendorff's alpha, a statistic reported as a ``float``.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from typing import Any, NamedTuple

import krippendorff
import numpy as np

__all__ = [
    "AGGREGATION_RULES",
    "DEFAULT_GRADE_BANDS",
    "AreaResult",
    "AreaSpec",
    "Headroom",
    "IndicatorResult",
    "IndicatorSpec",
    "RankRow",
    "RankedRow",
    "RoundRules",
    "SubmissionResult",
    "Target",
    "WhatIf",
    "grade_for",
    "grade_submission",
    "is_certified",
    "is_flagged",
    "krippendorff_alpha",
    "mean",
    "min_total_for_percent",
    "rank_within_tracks",
    "round_half_up",
    "stage_aggregate",
    "trimmed_mean",
    "what_if",
]

AGGREGATION_RULES = ("mean", "trimmed_mean")

DEFAULT_GRADE_BANDS: tuple[tuple[int, Decimal], ...] = (
    (1, Decimal(90)),
    (2, Decimal(80)),
    (3, Decimal(70)),
    (4, Decimal(60)),
    (5, Decimal(0)),
)


# --------------------------------------------------------------------------- numbers


def _decimal(value: Any, what: str = "value") -> Decimal:
    """A finite Decimal from a Decimal or int; floats and bools are refused."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise TypeError(f"{what} must be a Decimal or an int, not {type(value).__name__}")
    number = Decimal(value)
    if not number.is_finite():
        raise ValueError(f"{what} must be a finite number, got {number}")
    return number


def _decimals(scores: Iterable[Any], what: str = "score") -> list[Decimal]:
    return [_decimal(score, what) for score in scores]


def round_half_up(value: Decimal, places: int = 2) -> Decimal:
    """``value`` rounded to ``places`` decimals, halves away from zero (2.345 -> 2.35).

    Returns a Decimal with exactly ``places`` decimals (``Decimal(3)`` -> ``3.00``).
    Raises TypeError for a float, ValueError for NaN/infinity or negative ``places``.
    """
    if places < 0:
        raise ValueError(f"places must be >= 0, got {places}")
    return _decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


_CENT = Decimal("0.01")
_HALF_CENT = Decimal("0.005")


def _percent(total: Decimal, total_points: Decimal) -> Decimal:
    """Rule 3's percent: ``total`` / ``total_points`` * 100 rounded half up to the cent.

    The one place the percent is computed: :func:`grade_submission` and
    :func:`min_total_for_percent` both call it, so a what-if can never drift from a grade.
    """
    return round_half_up(_decimal(total, "total") * 100 / _decimal(total_points, "total_points"))


def min_total_for_percent(min_pct: Decimal, total_points: Decimal) -> Decimal:
    """The smallest total (points, in cents, >= 0) whose percent reaches ``min_pct``.

    "Reaches" is judged on the percent exactly as :func:`grade_submission` computes it
    (``total * 100 / total_points`` rounded half up to the cent) and compared with ``>=``:
    with ``total_points`` 300, 209.99 gives 69.9966..% -> 70.00 %, so the answer for
    ``min_pct`` 70 is 209.99 (209.98 gives 69.99 %). Returns a Decimal with 2 decimals;
    0.00 when ``min_pct`` <= 0. The answer may exceed ``total_points`` when ``min_pct`` > 100.
    Raises TypeError for a float, ValueError for ``total_points`` <= 0 or a non-finite number.
    """
    min_pct = _decimal(min_pct, "min_pct")
    total_points = _decimal(total_points, "total_points")
    if total_points <= 0:
        raise ValueError(f"total_points must be > 0, got {total_points}")
    # A percent is a whole number of cents, so it reaches min_pct when it reaches min_pct
    # rounded up to the cent; the unrounded percent rounds half up to that from half a cent
    # below it. Solve for the total, round up to the cent, then let the neighbours decide
    # with the very same percent function (the division is only correct to 28 digits).
    reach = min_pct.quantize(_CENT, rounding=ROUND_CEILING)
    total = ((reach - _HALF_CENT) * total_points / 100).quantize(_CENT, rounding=ROUND_CEILING)
    total = max(total, Decimal("0.00"))
    while total > 0 and _percent(total - _CENT, total_points) >= min_pct:
        total -= _CENT
    while _percent(total, total_points) < min_pct:
        total += _CENT
    return total


def mean(scores: Iterable[Decimal]) -> Decimal:
    """The arithmetic mean of ``scores`` (points), unrounded.

    Raises ValueError when there are no scores, TypeError for a float.
    """
    values = _decimals(scores)
    if not values:
        raise ValueError("mean of no scores")
    return sum(values, Decimal(0)) / len(values)


def trimmed_mean(scores: Iterable[Decimal], *, min_count: int = 5) -> Decimal:
    """Mean after dropping ONE highest and ONE lowest score, when there are >= ``min_count``.

    With fewer than ``min_count`` scores it is the plain mean. Ties at an extreme drop only
    one copy (5, 5, 3, 1, 1 -> mean of 5, 3, 1). Unrounded.
    Raises ValueError for no scores or ``min_count`` < 3 (nothing would be left to average).
    """
    if min_count < 3:
        raise ValueError(f"min_count must be >= 3 for a trimmed mean, got {min_count}")
    values = sorted(_decimals(scores))
    if not values:
        raise ValueError("trimmed mean of no scores")
    if len(values) >= min_count:
        values = values[1:-1]
    return mean(values)


def stage_aggregate(scores: Sequence[Decimal], *, rule: str, trim_min: int = 5) -> Decimal | None:
    """One stage's aggregate of an indicator's scores by ``rule``, unrounded.

    ``rule`` is ``"mean"`` or ``"trimmed_mean"`` (``trim_min`` = its ``min_count``).
    Returns None when there are no scores. Raises ValueError for an unknown rule.
    """
    if rule not in AGGREGATION_RULES:
        raise ValueError(f"unknown aggregation rule {rule!r}; expected one of {AGGREGATION_RULES}")
    values = _decimals(scores)
    if not values:
        return None
    if rule == "trimmed_mean":
        return trimmed_mean(values, min_count=trim_min)
    return mean(values)


def is_flagged(
    scores: Sequence[Decimal], max_points: Decimal, disagreement_pct: Decimal = Decimal(20)
) -> bool:
    """Whether one stage's scores disagree: max - min > ``disagreement_pct`` % of ``max_points``.

    Strictly greater: a spread exactly at the limit is not flagged. Fewer than two scores
    are never flagged. Raises ValueError for a negative ``max_points`` or percentage.
    """
    max_points = _decimal(max_points, "max_points")
    disagreement_pct = _decimal(disagreement_pct, "disagreement_pct")
    if max_points < 0:
        raise ValueError(f"max_points must be >= 0, got {max_points}")
    if disagreement_pct < 0:
        raise ValueError(f"disagreement_pct must be >= 0, got {disagreement_pct}")
    values = _decimals(scores)
    if len(values) < 2:
        return False
    # spread * 100 > pct * max: the same comparison without a division
    return (max(values) - min(values)) * 100 > disagreement_pct * max_points


def grade_for(percent: Decimal, bands: Iterable[tuple[int, Decimal]]) -> int:
    """The grade for ``percent`` (0-100): the lowest-numbered grade whose min_pct <= percent.

    ``bands`` are ``(grade, min_pct)`` pairs in any order; the bound is inclusive (70.00
    with a band at 70 gets that band). When no band's min_pct is reached (a percent below
    every band, e.g. bands starting at 10), the result is the worst (highest-numbered)
    grade listed. Raises ValueError when ``bands`` is empty.
    """
    percent = _decimal(percent, "percent")
    pairs = [(int(grade), _decimal(min_pct, "min_pct")) for grade, min_pct in bands]
    if not pairs:
        raise ValueError("no grade bands")
    reached = [grade for grade, min_pct in pairs if min_pct <= percent]
    if reached:
        return min(reached)
    return max(grade for grade, _ in pairs)


def is_certified(
    grade: int, percent: Decimal, *, certified_grades: Iterable[int], threshold_pct: Decimal
) -> bool:
    """Certified when ``grade`` is one of ``certified_grades`` AND ``percent`` >= threshold."""
    return grade in set(certified_grades) and _decimal(percent, "percent") >= _decimal(
        threshold_pct, "threshold_pct"
    )


# --------------------------------------------------------------------------- ranking


class RankRow(NamedTuple):
    """One submission to rank; ``percent`` is its total percent (Decimal)."""

    submission_id: int
    applicant_name: str
    track: str
    percent: Decimal


class RankedRow(NamedTuple):
    submission_id: int
    applicant_name: str
    track: str
    percent: Decimal
    rank: int


def rank_within_tracks(rows: Iterable[tuple[int, str, str, Decimal]]) -> list[RankedRow]:
    """Rank submissions within each track, best first.

    ``rows`` are ``(submission_id, applicant_name, track, percent)`` tuples (e.g.
    :class:`RankRow`). Tracks come out in the order they first appear in ``rows``; within a
    track rows are ordered by percent descending, then applicant name, then submission id.
    Equal percentages share a rank and the next rank skips (competition ranking 1, 1, 3).
    Raises TypeError for a float percent, ValueError for a missing one.
    """
    by_track: dict[str, list[RankRow]] = {}
    for submission_id, applicant_name, track, percent in rows:
        if percent is None:
            raise ValueError(f"submission {submission_id} has no percent to rank by")
        row = RankRow(submission_id, applicant_name, track, _decimal(percent, "percent"))
        by_track.setdefault(track, []).append(row)
    ranked: list[RankedRow] = []
    for track_rows in by_track.values():
        track_rows.sort(key=lambda r: (-r.percent, r.applicant_name, r.submission_id))
        rank = 0
        previous: Decimal | None = None
        for position, row in enumerate(track_rows, start=1):
            if previous is None or row.percent != previous:
                rank, previous = position, row.percent
            ranked.append(RankedRow(*row, rank=rank))
    return ranked


# --------------------------------------------------------------------------- agreement


def krippendorff_alpha(
    units: Mapping[Any, Mapping[Any, Decimal | None]],
) -> tuple[float | None, int]:
    """Krippendorff's alpha (interval metric) of the evaluators' scores, and its support.

    ``units`` maps a unit (e.g. an indicator of a submission at one stage) to
    ``{rater: score}``; a rater absent from a unit, or mapped to None, did not rate it.
    Computed by the ``krippendorff`` package with raters as rows and units as columns.

    Returns ``(alpha rounded to 4 places, n)`` where n counts the units with >= 2 ratings
    (the pairable units; the others carry no information about agreement). Returns
    ``(None, n)`` when there is too little data to say anything: fewer than 2 pairable
    units, or the package refuses (it raises when all values are one and the same, i.e.
    no variance at all) or yields NaN.
    """
    unit_keys = list(units)
    raters: dict[Any, int] = {}
    for ratings in units.values():
        for rater in ratings:
            raters.setdefault(rater, len(raters))
    data = np.full((len(raters), len(unit_keys)), np.nan)
    pairable = 0
    for column, unit in enumerate(unit_keys):
        rated = 0
        for rater, value in units[unit].items():
            if value is None:
                continue
            data[raters[rater], column] = float(_decimal(value, "rating"))
            rated += 1
        if rated >= 2:
            pairable += 1
    if pairable < 2:
        return None, pairable
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore", RuntimeWarning)
            alpha = krippendorff.alpha(reliability_data=data, level_of_measurement="interval")
    except (ValueError, ArithmeticError):
        return None, pairable
    alpha = float(alpha)
    if math.isnan(alpha) or math.isinf(alpha):
        return None, pairable
    return round(alpha, 4), pairable


# --------------------------------------------------------------------------- submissions


@dataclass(frozen=True, kw_only=True)
class RoundRules:
    """The grading rules of one round; numbers as Decimal (ints are converted).

    ``aggregation``: "mean" | "trimmed_mean"; ``trim_min_evaluators``: how many scores a
    stage needs before the trimmed mean drops its extremes; ``disagreement_pct``: % of an
    indicator's max_points; ``stages``: stage codes in evaluation order (later wins);
    ``grade_bands``: (grade, min_pct) pairs; ``threshold_pct``: certification threshold in
    %; ``total_points``: the framework's total (the percent's denominator).
    Raises ValueError/TypeError on construction for rules that cannot grade.
    """

    aggregation: str
    trim_min_evaluators: int = 5
    disagreement_pct: Decimal = Decimal(20)
    stages: tuple[str, ...] = ("document", "onsite")
    grade_bands: tuple[tuple[int, Decimal], ...] = DEFAULT_GRADE_BANDS
    certified_grades: frozenset[int] = field(default_factory=lambda: frozenset({1, 2, 3}))
    threshold_pct: Decimal = Decimal(70)
    total_points: Decimal

    def __post_init__(self) -> None:
        if self.aggregation not in AGGREGATION_RULES:
            raise ValueError(
                f"unknown aggregation rule {self.aggregation!r}; expected one of {AGGREGATION_RULES}"
            )
        if self.aggregation == "trimmed_mean" and self.trim_min_evaluators < 3:
            raise ValueError(f"trim_min_evaluators must be >= 3, got {self.trim_min_evaluators}")
        stages = tuple(self.stages)
        if not stages or len(set(stages)) != len(stages):
            raise ValueError(f"stages must be a non-empty list of distinct codes, got {stages}")
        bands = tuple(
            (int(grade), _decimal(min_pct, "grade band min_pct"))
            for grade, min_pct in self.grade_bands
        )
        if not bands:
            raise ValueError("grade_bands is empty")
        disagreement = _decimal(self.disagreement_pct, "disagreement_pct")
        if disagreement < 0:
            raise ValueError(f"disagreement_pct must be >= 0, got {disagreement}")
        threshold = _decimal(self.threshold_pct, "threshold_pct")
        total_points = _decimal(self.total_points, "total_points")
        if total_points <= 0:
            raise ValueError(f"total_points must be > 0, got {total_points}")
        object.__setattr__(self, "stages", stages)
        object.__setattr__(self, "grade_bands", bands)
        object.__setattr__(self, "certified_grades", frozenset(self.certified_grades))
        object.__setattr__(self, "disagreement_pct", disagreement)
        object.__setattr__(self, "threshold_pct", threshold)
        object.__setattr__(self, "total_points", total_points)


@dataclass(frozen=True)
class AreaSpec:
    code: str


@dataclass(frozen=True)
class IndicatorSpec:
    """An indicator to grade: its code, its area's code and its maximum points."""

    code: str
    area_code: str
    max_points: Decimal


@dataclass(frozen=True)
class IndicatorResult:
    """``score``: rounded aggregate in points (0.00 when unscored); ``max``: max_points;
    ``stage_used``: the stage the score comes from (None when unscored); ``n_scores``: how
    many scores that stage has; ``flagged``: disagreement at any stage."""

    code: str
    score: Decimal
    max: Decimal
    stage_used: str | None
    n_scores: int
    flagged: bool


@dataclass(frozen=True)
class AreaResult:
    code: str
    subtotal: Decimal
    max: Decimal


@dataclass(frozen=True)
class SubmissionResult:
    """``total``/``max_total`` in points, ``percent`` in % (2 decimals); ``grade`` is computed
    even when incomplete (the UI marks it provisional); ``missing``: unscored indicator codes
    in indicator order."""

    total: Decimal
    max_total: Decimal
    percent: Decimal
    grade: int
    certified: bool
    complete: bool
    missing: list[str]
    areas: list[AreaResult]
    indicators: list[IndicatorResult]


def _check_specs(areas: Sequence[AreaSpec], indicators: Sequence[IndicatorSpec]) -> None:
    area_codes = [area.code for area in areas]
    if len(set(area_codes)) != len(area_codes):
        raise ValueError(f"duplicate area codes in {area_codes}")
    seen: set[str] = set()
    for indicator in indicators:
        if indicator.code in seen:
            raise ValueError(f"duplicate indicator code {indicator.code!r}")
        seen.add(indicator.code)
        if indicator.area_code not in area_codes:
            raise ValueError(
                f"indicator {indicator.code!r} belongs to unknown area {indicator.area_code!r}"
            )
        if _decimal(indicator.max_points, f"max_points of {indicator.code}") < 0:
            raise ValueError(
                f"indicator {indicator.code!r} has negative max_points {indicator.max_points}"
            )


def _check_scores(
    scores: Mapping[tuple[str, str], Sequence[Decimal]],
    indicators: Mapping[str, IndicatorSpec],
    stages: Sequence[str],
) -> None:
    for (code, stage), values in scores.items():
        if code not in indicators:
            raise ValueError(f"scores given for unknown indicator {code!r}")
        if stage not in stages:
            raise ValueError(
                f"scores for {code!r} at stage {stage!r}, which is not one of this round's "
                f"stages {tuple(stages)}"
            )
        max_points = indicators[code].max_points
        for value in _decimals(values, f"score of {code} at {stage}"):
            if value < 0:
                raise ValueError(f"negative score {value} for {code!r} at {stage!r}")
            if value > max_points:
                raise ValueError(
                    f"score {value} for {code!r} at {stage!r} exceeds its max_points {max_points}"
                )


def grade_submission(
    areas: Sequence[AreaSpec],
    indicators: Sequence[IndicatorSpec],
    scores: Mapping[tuple[str, str], Sequence[Decimal]],
    rules: RoundRules,
) -> SubmissionResult:
    """Grade one submission from its evaluators' scores.

    ``scores`` maps ``(indicator_code, stage_code)`` to that stage's scores in points (one
    per evaluator); a missing key or an empty list means nobody scored it there. Results
    follow the order of ``areas`` and ``indicators``. The percent's denominator is
    ``rules.total_points`` as given (the framework loader checks that the indicators sum
    to it); it is not clamped to 100.

    Raises ValueError for: duplicate or orphan codes, negative max_points, a score for an
    unknown indicator or at a stage not in ``rules.stages``, a score below 0 or above the
    indicator's max_points. Raises TypeError for float numbers.
    """
    _check_specs(areas, indicators)
    by_code = {indicator.code: indicator for indicator in indicators}
    _check_scores(scores, by_code, rules.stages)

    results: list[IndicatorResult] = []
    missing: list[str] = []
    for indicator in indicators:
        max_points = _decimal(indicator.max_points)
        aggregate: Decimal | None = None
        stage_used: str | None = None
        n_scores = 0
        flagged = False
        for stage in rules.stages:
            values = list(scores.get((indicator.code, stage), ()))
            if not values:
                continue
            flagged = flagged or is_flagged(values, max_points, rules.disagreement_pct)
            aggregate = stage_aggregate(
                values, rule=rules.aggregation, trim_min=rules.trim_min_evaluators
            )
            stage_used, n_scores = stage, len(values)
        if aggregate is None:
            missing.append(indicator.code)
            aggregate = Decimal(0)
        results.append(
            IndicatorResult(
                code=indicator.code,
                score=round_half_up(aggregate),
                max=max_points,
                stage_used=stage_used,
                n_scores=n_scores,
                flagged=flagged,
            )
        )

    area_results = []
    for area in areas:
        mine = [
            (result, by_code[result.code])
            for result in results
            if by_code[result.code].area_code == area.code
        ]
        area_results.append(
            AreaResult(
                code=area.code,
                subtotal=sum((result.score for result, _ in mine), Decimal("0.00")),
                max=sum((_decimal(spec.max_points) for _, spec in mine), Decimal(0)),
            )
        )

    total = sum((area.subtotal for area in area_results), Decimal("0.00"))
    percent = _percent(total, rules.total_points)
    grade = grade_for(percent, rules.grade_bands)
    return SubmissionResult(
        total=total,
        max_total=rules.total_points,
        percent=percent,
        grade=grade,
        certified=is_certified(
            grade,
            percent,
            certified_grades=rules.certified_grades,
            threshold_pct=rules.threshold_pct,
        ),
        complete=not missing,
        missing=missing,
        areas=area_results,
        indicators=results,
    )


# --------------------------------------------------------------------------- what-if


@dataclass(frozen=True)
class Headroom:
    """Points an indicator could still gain: ``headroom`` = ``max`` - ``score`` (its rounded
    score, 0.00 when unscored); all in points."""

    code: str
    score: Decimal
    max: Decimal
    headroom: Decimal


@dataclass(frozen=True)
class Target:
    """The fewest points that change a result.

    ``kind``: ``"grade"`` (the next better grade) or ``"certification"``; ``grade``: the
    grade aimed at (for certification, the grade ``total_needed`` gives); ``min_pct``: the
    percent to reach (%), ``total_needed``: the smallest total (points, cents) that reaches
    it, ``points_needed`` = ``total_needed`` - the current total (> 0, except in the one
    case :func:`what_if` documents); ``reachable``: ``points_needed`` <= the sum of all
    headroom; ``indicators``: the fewest indicators, most headroom first (ties in indicator
    order), whose headroom sums to >= ``points_needed`` -- every indicator with headroom
    when it is not reachable.
    """

    kind: str
    grade: int | None
    min_pct: Decimal
    total_needed: Decimal
    points_needed: Decimal
    reachable: bool
    indicators: list[Headroom]


@dataclass(frozen=True)
class WhatIf:
    """``next_grade``: None at the best grade of the bands; ``certification``: None when
    certified; ``headroom``: every indicator with headroom > 0, most first (ties in
    indicator order)."""

    next_grade: Target | None
    certification: Target | None
    headroom: list[Headroom]


def _headroom(indicators: Sequence[IndicatorResult]) -> list[Headroom]:
    rows = []
    for indicator in indicators:
        score = _decimal(indicator.score, f"score of {indicator.code}")
        max_points = _decimal(indicator.max, f"max of {indicator.code}")
        if max_points > score:
            rows.append(Headroom(indicator.code, score, max_points, max_points - score))
    rows.sort(key=lambda row: -row.headroom)  # stable: ties keep indicator order
    return rows


def _target(
    kind: str,
    grade: int | None,
    min_pct: Decimal,
    total_needed: Decimal,
    total: Decimal,
    headroom: list[Headroom],
    *,
    reachable: bool | None = None,
) -> Target:
    points_needed = total_needed - total
    available = sum((row.headroom for row in headroom), Decimal(0))
    if reachable is None:
        reachable = points_needed <= available
    chosen: list[Headroom] = []
    if reachable:
        gained = Decimal(0)
        for row in headroom:
            if gained >= points_needed:
                break
            chosen.append(row)
            gained += row.headroom
    else:
        chosen = list(headroom)
    return Target(kind, grade, min_pct, total_needed, points_needed, reachable, chosen)


def what_if(result: SubmissionResult, rules: RoundRules) -> WhatIf:
    """What it would take for ``result`` (graded with ``rules``) to reach a better result.

    The total only rises in cents and the grade and certification only change where the
    percent (rule 3) crosses a band's ``min_pct`` or the threshold, so both targets are
    found by trying those percents upwards, each at :func:`min_total_for_percent`, and
    judging the total it gives with :func:`grade_for` / :func:`is_certified`:

    - ``next_grade``: None when ``result.grade`` is the best (lowest) grade in
      ``rules.grade_bands``; otherwise the first total above the current one whose grade
      is better -- the next better grade that exists (bands in any order, gaps in the
      grade numbers skipped; 70.00 % with the default bands needs 80.00 % for grade 2).
    - ``certification``: None when ``result.certified``; otherwise the smallest total that
      is certified: percent >= the threshold AND a certified grade (threshold 70 with only
      grades 1-2 certified and grade 2 at 80 needs 80.00 %). Totals above both
      ``rules.total_points`` and the best possible total (current total + all headroom)
      are not tried. When no total tried is certified, the target is that best possible
      total: ``reachable`` False, ``points_needed`` = all the headroom (0.00 when every
      indicator is at its maximum), ``min_pct``/``grade`` = that total's percent and grade.

    Unscored indicators (an incomplete result) count 0, so their headroom is their full
    max_points. ``reachable`` is ``points_needed`` <= the sum of all headroom.
    Raises ValueError when ``result`` does not match ``rules`` (its max_total, percent,
    grade or certification differ from what ``rules`` give its total), TypeError for a
    float anywhere in ``result``.
    """
    total = _decimal(result.total, "total")
    percent = _percent(total, rules.total_points)
    grade = grade_for(percent, rules.grade_bands)
    certified = is_certified(
        grade, percent, certified_grades=rules.certified_grades, threshold_pct=rules.threshold_pct
    )
    if (
        _decimal(result.max_total, "max_total") != rules.total_points
        or _decimal(result.percent, "percent") != percent
        or result.grade != grade
        or result.certified != certified
    ):
        raise ValueError(
            f"result (total {total}, {result.percent} %, grade {result.grade}) was not graded "
            f"with these rules (they give {percent} %, grade {grade}, of {rules.total_points})"
        )
    headroom = _headroom(result.indicators)
    best_total = total + sum((row.headroom for row in headroom), Decimal(0))

    def reached(pcts: Iterable[Decimal]) -> list[tuple[Decimal, Decimal, Decimal, int]]:
        """(min_pct, total, its percent, its grade) upwards, for the percents above now."""
        steps = []
        for min_pct in sorted({pct for pct in pcts if pct > percent}):
            needed = min_total_for_percent(min_pct, rules.total_points)
            reached_pct = _percent(needed, rules.total_points)
            steps.append((min_pct, needed, reached_pct, grade_for(reached_pct, rules.grade_bands)))
        return steps

    band_pcts = [min_pct for _, min_pct in rules.grade_bands]
    next_grade: Target | None = None
    if grade != min(band_grade for band_grade, _ in rules.grade_bands):
        for min_pct, needed, _, new_grade in reached(band_pcts):
            if new_grade < grade:
                next_grade = _target("grade", new_grade, min_pct, needed, total, headroom)
                break
        else:  # pragma: no cover - the best band's min_pct always gives a better grade
            raise AssertionError(f"no better grade than {grade} in {rules.grade_bands}")

    certification: Target | None = None
    if not certified:
        limit = max(rules.total_points, best_total)
        for min_pct, needed, reached_pct, new_grade in reached([*band_pcts, rules.threshold_pct]):
            if needed > limit:
                break
            if is_certified(
                new_grade,
                reached_pct,
                certified_grades=rules.certified_grades,
                threshold_pct=rules.threshold_pct,
            ):
                certification = _target(
                    "certification", new_grade, min_pct, needed, total, headroom
                )
                break
        if certification is None:
            best_pct = _percent(best_total, rules.total_points)
            certification = _target(
                "certification",
                grade_for(best_pct, rules.grade_bands),
                best_pct,
                best_total,
                total,
                headroom,
                reachable=False,
            )
    return WhatIf(next_grade=next_grade, certification=certification, headroom=headroom)
