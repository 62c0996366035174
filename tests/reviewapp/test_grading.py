"""reviewapp.grading: every expected value below is computed by hand, to the cent."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reviewapp.grading import (
    DEFAULT_GRADE_BANDS,
    AreaResult,
    AreaSpec,
    IndicatorResult,
    IndicatorSpec,
    RankedRow,
    RankRow,
    RoundRules,
    grade_for,
    grade_submission,
    is_certified,
    is_flagged,
    krippendorff_alpha,
    mean,
    rank_within_tracks,
    round_half_up,
    stage_aggregate,
    trimmed_mean,
)

D = Decimal


def ds(*values: str | int) -> list[Decimal]:
    return [D(str(value)) for value in values]


# --------------------------------------------------------------------------- rounding


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2.345", "2.35"),
        ("2.3449999", "2.34"),
        ("2.355", "2.36"),
        ("2.344", "2.34"),
        ("-2.345", "-2.35"),  # halves go away from zero
        ("0.005", "0.01"),
        ("0.0049", "0.00"),
        ("3", "3.00"),
        ("69.995", "70.00"),
        ("89.9949", "89.99"),
    ],
)
def test_round_half_up_to_the_cent(value: str, expected: str) -> None:
    result = round_half_up(D(value))
    assert result == D(expected)
    assert str(result) == expected  # always exactly two places


def test_round_half_up_thirds() -> None:
    assert round_half_up(D(1) / 3) == D("0.33")
    assert round_half_up(D(2) / 3) == D("0.67")
    assert round_half_up(D(100) / 3) == D("33.33")
    assert round_half_up(D(200) / 3) == D("66.67")


def test_round_half_up_other_places() -> None:
    assert round_half_up(D("2.5"), 0) == D(3)
    assert round_half_up(D("0.12345"), 4) == D("0.1235")
    with pytest.raises(ValueError):
        round_half_up(D(1), -1)


def test_floats_are_refused() -> None:
    with pytest.raises(TypeError):
        round_half_up(2.345)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        mean([D(1), 2.0])  # type: ignore[list-item]
    with pytest.raises(ValueError):
        mean([D("NaN")])


# --------------------------------------------------------------------------- aggregation


def test_mean() -> None:
    assert mean(ds(10, 20)) == D(15)
    assert round_half_up(mean(ds(1, 2, 4))) == D("2.33")  # 7 / 3
    assert mean([D(7)]) == D(7)
    assert mean([3, 4]) == D("3.5")  # ints are fine
    with pytest.raises(ValueError):
        mean([])


def test_trimmed_mean_four_scores_is_the_plain_mean() -> None:
    assert trimmed_mean(ds(10, 20, 30, 40)) == D(25)


def test_trimmed_mean_five_scores_drops_one_high_one_low() -> None:
    # 10 and 100 go; (20 + 30 + 40) / 3
    assert trimmed_mean(ds(40, 100, 10, 30, 20)) == D(30)


def test_trimmed_mean_six_scores() -> None:
    # 10 and 100 go; (20 + 30 + 40 + 50) / 4
    assert trimmed_mean(ds(50, 10, 100, 20, 40, 30)) == D(35)


def test_trimmed_mean_ties_at_the_extremes_drop_one_copy_each() -> None:
    # 40, 40, 30, 10, 10: one 40 and one 10 go -> (40 + 30 + 10) / 3 = 26.666...
    result = trimmed_mean(ds(40, 10, 30, 40, 10))
    assert round_half_up(result) == D("26.67")
    assert round_half_up(mean(ds(40, 10, 30, 40, 10))) == D("26.00")
    assert trimmed_mean(ds(7, 7, 7, 7, 7)) == D(7)


def test_trimmed_mean_thirds_and_min_count() -> None:
    # 1 and 9 go; (2 + 2 + 3) / 3 = 2.333...
    assert round_half_up(trimmed_mean(ds(9, 2, 1, 3, 2))) == D("2.33")
    assert trimmed_mean(ds(1, 2, 9), min_count=3) == D(2)
    assert trimmed_mean(ds(1, 2, 9), min_count=4) == D(4)
    with pytest.raises(ValueError):
        trimmed_mean(ds(1, 2), min_count=2)
    with pytest.raises(ValueError):
        trimmed_mean([])


def test_stage_aggregate() -> None:
    scores = ds(10, 20, 30, 40, 100)
    assert stage_aggregate(scores, rule="mean", trim_min=5) == D(40)
    assert stage_aggregate(scores, rule="trimmed_mean", trim_min=5) == D(30)
    assert stage_aggregate(scores, rule="trimmed_mean", trim_min=6) == D(40)
    assert stage_aggregate([], rule="mean", trim_min=5) is None
    assert stage_aggregate([], rule="trimmed_mean", trim_min=5) is None
    # unrounded
    assert stage_aggregate(ds(1, 0, 0), rule="mean", trim_min=5) == D(1) / 3
    with pytest.raises(ValueError, match="median"):
        stage_aggregate(scores, rule="median", trim_min=5)
    with pytest.raises(ValueError):
        stage_aggregate([], rule="median", trim_min=5)


# --------------------------------------------------------------------------- disagreement


def test_disagreement_exactly_at_the_limit_is_not_flagged() -> None:
    # 20 % of 40 points = 8 points
    assert not is_flagged(ds(30, 22), D(40))
    assert is_flagged(ds(30, "21.99"), D(40))
    assert is_flagged(ds(22, 25, "30.01"), D(40))


def test_disagreement_other_limits() -> None:
    assert not is_flagged(ds(5, 5), D(10), D(0))
    assert is_flagged(ds(5, "5.01"), D(10), D(0))
    # 15 % of 30 = 4.5
    assert not is_flagged(ds(10, "14.5"), D(30), D(15))
    assert is_flagged(ds(10, "14.51"), D(30), D(15))


def test_disagreement_needs_two_scores() -> None:
    assert not is_flagged([], D(40))
    assert not is_flagged(ds(40), D(40))


def test_disagreement_rejects_negative_inputs() -> None:
    with pytest.raises(ValueError):
        is_flagged(ds(1, 2), D(-1))
    with pytest.raises(ValueError):
        is_flagged(ds(1, 2), D(10), D(-5))


# --------------------------------------------------------------------------- grade bands


@pytest.mark.parametrize(
    ("percent", "grade"),
    [
        ("100.00", 1),
        ("90.00", 1),
        ("89.99", 2),
        ("80.00", 2),
        ("79.99", 3),
        ("70.00", 3),
        ("69.99", 4),
        ("60.00", 4),
        ("59.99", 5),
        ("0.01", 5),
        ("0", 5),
    ],
)
def test_grade_for_band_boundaries(percent: str, grade: int) -> None:
    assert grade_for(D(percent), DEFAULT_GRADE_BANDS) == grade
    shuffled = [(3, D(70)), (5, D(0)), (1, D(90)), (4, D(60)), (2, D(80))]
    assert grade_for(D(percent), shuffled) == grade


def test_grade_for_below_every_band_is_the_worst_grade_listed() -> None:
    assert grade_for(D(10), [(1, D(90)), (2, D(50))]) == 2
    assert grade_for(D(10), [(2, D(50)), (1, D(90))]) == 2


def test_grade_for_needs_bands() -> None:
    with pytest.raises(ValueError):
        grade_for(D(50), [])


def test_is_certified() -> None:
    grades = frozenset({1, 2, 3})
    assert is_certified(3, D("70.00"), certified_grades=grades, threshold_pct=D(70))
    assert not is_certified(3, D("70.00"), certified_grades=grades, threshold_pct=D(75))
    assert not is_certified(3, D("74.99"), certified_grades=grades, threshold_pct=D(75))
    assert is_certified(3, D("75.00"), certified_grades=grades, threshold_pct=D(75))
    assert not is_certified(4, D("75.00"), certified_grades=grades, threshold_pct=D(70))
    assert is_certified(1, D("95.00"), certified_grades=[1, 2, 3], threshold_pct=D(70))


# --------------------------------------------------------------------------- submissions

AREAS = [AreaSpec("A"), AreaSpec("B")]
INDICATORS = [
    IndicatorSpec("A1", "A", D(40)),
    IndicatorSpec("A2", "A", D(30)),
    IndicatorSpec("B1", "B", D(30)),
]


def rules(**changes: object) -> RoundRules:
    values: dict[str, object] = {"aggregation": "mean", "total_points": D(100)}
    values.update(changes)
    return RoundRules(**values)  # type: ignore[arg-type]


def one_indicator(score: str, *, total_points: int = 100, **changes: object):
    return grade_submission(
        [AreaSpec("A")],
        [IndicatorSpec("A1", "A", D(total_points))],
        {("A1", "onsite"): [D(score)]},
        rules(total_points=D(total_points), **changes),
    )


def test_grade_submission_worked_example() -> None:
    scores = {
        ("A1", "document"): ds(30, 32),
        ("A1", "onsite"): ds(36, 38, 37),  # onsite wins: 111 / 3 = 37
        ("A2", "document"): ds(20, 21, 21),  # 62 / 3 = 20.666... -> 20.67
        ("B1", "onsite"): ds(10),  # a single evaluator
    }
    result = grade_submission(AREAS, INDICATORS, scores, rules())
    assert result.indicators == [
        IndicatorResult("A1", D("37.00"), D(40), "onsite", 3, False),
        IndicatorResult("A2", D("20.67"), D(30), "document", 3, False),
        IndicatorResult("B1", D("10.00"), D(30), "onsite", 1, False),
    ]
    assert result.areas == [AreaResult("A", D("57.67"), D(70)), AreaResult("B", D("10.00"), D(30))]
    assert result.total == D("67.67")
    assert result.max_total == D(100)
    assert result.percent == D("67.67")
    assert result.grade == 4
    assert result.certified is False
    assert result.complete is True
    assert result.missing == []


def test_onsite_wins_over_document_even_when_lower() -> None:
    scores = {("A1", "document"): ds(40, 40), ("A1", "onsite"): ds(0)}
    result = grade_submission(AREAS, INDICATORS, scores, rules())
    assert result.indicators[0] == IndicatorResult("A1", D("0.00"), D(40), "onsite", 1, False)
    assert result.complete is False  # A2 and B1 unscored


def test_an_empty_onsite_list_falls_back_to_document() -> None:
    scores = {("A1", "document"): ds(25, 26), ("A1", "onsite"): []}
    result = grade_submission(AREAS, INDICATORS, scores, rules())
    assert result.indicators[0] == IndicatorResult("A1", D("25.50"), D(40), "document", 2, False)


def test_stage_order_comes_from_the_rules() -> None:
    scores = {("A1", "document"): ds(10), ("A1", "onsite"): ds(20)}
    result = grade_submission(AREAS, INDICATORS, scores, rules(stages=("onsite", "document")))
    assert result.indicators[0].stage_used == "document"
    assert result.indicators[0].score == D("10.00")


def test_trimmed_mean_rule_in_a_submission() -> None:
    scores = {("A1", "onsite"): ds(40, 10, 30, 40, 10)}
    trimmed = grade_submission(AREAS, INDICATORS, scores, rules(aggregation="trimmed_mean"))
    assert trimmed.indicators[0].score == D("26.67")
    assert trimmed.indicators[0].n_scores == 5  # the count of scores given, not of those kept
    plain = grade_submission(AREAS, INDICATORS, scores, rules())
    assert plain.indicators[0].score == D("26.00")
    not_enough = grade_submission(
        AREAS, INDICATORS, scores, rules(aggregation="trimmed_mean", trim_min_evaluators=6)
    )
    assert not_enough.indicators[0].score == D("26.00")


def test_unscored_indicators_count_zero_and_are_missing() -> None:
    scores = {("A2", "document"): ds(15)}
    result = grade_submission(AREAS, INDICATORS, scores, rules())
    assert result.missing == ["A1", "B1"]  # indicator order
    assert result.complete is False
    assert result.indicators[0] == IndicatorResult("A1", D("0.00"), D(40), None, 0, False)
    assert result.indicators[2] == IndicatorResult("B1", D("0.00"), D(30), None, 0, False)
    assert result.areas == [AreaResult("A", D("15.00"), D(70)), AreaResult("B", D("0.00"), D(30))]
    assert result.total == D("15.00")
    assert result.percent == D("15.00")
    assert result.grade == 5  # still computed; the UI marks it provisional


def test_nothing_scored() -> None:
    result = grade_submission(AREAS, INDICATORS, {}, rules())
    assert result.missing == ["A1", "A2", "B1"]
    assert result.total == D("0.00")
    assert result.percent == D("0.00")
    assert result.grade == 5
    assert result.certified is False


def test_indicator_scores_are_rounded_before_they_are_summed() -> None:
    indicators = [IndicatorSpec(f"I{i}", "A", D(1)) for i in range(3)]
    scores = {(f"I{i}", "document"): ds(1, 0, 0) for i in range(3)}
    result = grade_submission([AreaSpec("A")], indicators, scores, rules(total_points=D(3)))
    assert [r.score for r in result.indicators] == [D("0.33")] * 3
    assert result.total == D("0.99")  # not 1.00
    assert result.percent == D("33.00")  # 0.99 / 3 * 100, not 33.33


def test_percent_thirds() -> None:
    assert one_indicator("1", total_points=3).percent == D("33.33")
    assert one_indicator("2", total_points=3).percent == D("66.67")


def test_flagged_when_any_stage_disagrees() -> None:
    scores = {("A1", "document"): ds(10, 30), ("A1", "onsite"): ds(30, 30)}
    result = grade_submission(AREAS, INDICATORS, scores, rules())
    assert result.indicators[0].flagged is True
    assert result.indicators[0].score == D("30.00")


def test_spread_across_stages_is_not_disagreement() -> None:
    scores = {("A1", "document"): ds(10), ("A1", "onsite"): ds(30)}
    result = grade_submission(AREAS, INDICATORS, scores, rules())
    assert result.indicators[0].flagged is False


def test_flag_limit_follows_the_rules() -> None:
    scores = {("A1", "onsite"): ds(30, 22)}  # spread 8 of 40 points = 20 %
    assert not grade_submission(AREAS, INDICATORS, scores, rules()).indicators[0].flagged
    assert (
        grade_submission(AREAS, INDICATORS, scores, rules(disagreement_pct=D("19.99")))
        .indicators[0]
        .flagged
    )


@pytest.mark.parametrize(
    ("score", "grade", "certified"),
    [
        ("90.00", 1, True),
        ("89.99", 2, True),
        ("80.00", 2, True),
        ("79.99", 3, True),
        ("70.00", 3, True),
        ("69.99", 4, False),
        ("60.00", 4, False),
        ("59.99", 5, False),
        ("0", 5, False),
    ],
)
def test_submission_band_boundaries(score: str, grade: int, certified: bool) -> None:
    result = one_indicator(score)
    assert result.percent == round_half_up(D(score))
    assert (result.grade, result.certified) == (grade, certified)


def test_grade_three_under_a_stricter_threshold_is_not_certified() -> None:
    result = one_indicator("70.00", threshold_pct=D(75))
    assert (result.grade, result.certified) == (3, False)
    result = one_indicator("75.00", threshold_pct=D(75))
    assert (result.grade, result.certified) == (3, True)


def test_percent_is_rounded_before_the_grade() -> None:
    # 1399.90 / 2000 = 69.995 % -> 70.00 -> grade 3, certified
    result = one_indicator("1399.90", total_points=2000)
    assert (result.percent, result.grade, result.certified) == (D("70.00"), 3, True)
    # 1399.89 / 2000 = 69.9945 % -> 69.99 -> grade 4
    result = one_indicator("1399.89", total_points=2000)
    assert (result.percent, result.grade, result.certified) == (D("69.99"), 4, False)


def test_percent_uses_the_frameworks_total_points() -> None:
    result = grade_submission(
        [AreaSpec("A")],
        [IndicatorSpec("A1", "A", D(40))],
        {("A1", "document"): ds(20)},
        rules(total_points=D(2000)),
    )
    assert result.max_total == D(2000)
    assert result.percent == D("1.00")


def test_custom_bands_and_certified_grades() -> None:
    result = one_indicator(
        "85", grade_bands=[(2, 50), (1, 80)], certified_grades={1}, threshold_pct=D(80)
    )
    assert (result.grade, result.certified) == (1, True)
    result = one_indicator("60", grade_bands=[(2, 50), (1, 80)], certified_grades={1})
    assert (result.grade, result.certified) == (2, False)


@pytest.mark.parametrize(
    ("scores", "message"),
    [
        ({("A1", "appeal"): ds(10)}, "stage 'appeal'"),
        ({("ZZ", "document"): ds(10)}, "unknown indicator 'ZZ'"),
        ({("A1", "document"): ds(-1)}, "negative score"),
        ({("A1", "document"): ds("40.01")}, "exceeds its max_points"),
    ],
)
def test_bad_scores_are_refused(scores: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        grade_submission(AREAS, INDICATORS, scores, rules())


def test_float_scores_are_refused() -> None:
    with pytest.raises(TypeError):
        grade_submission(AREAS, INDICATORS, {("A1", "document"): [10.5]}, rules())


@pytest.mark.parametrize(
    ("areas", "indicators", "message"),
    [
        (AREAS, [IndicatorSpec("A1", "A", D(-5))], "negative max_points"),
        (AREAS, [IndicatorSpec("A1", "C", D(5))], "unknown area 'C'"),
        (AREAS, [IndicatorSpec("A1", "A", D(5)), IndicatorSpec("A1", "B", D(5))], "duplicate"),
        ([AreaSpec("A"), AreaSpec("A")], [], "duplicate area"),
    ],
)
def test_bad_specs_are_refused(areas: list, indicators: list, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        grade_submission(areas, indicators, {}, rules())


def test_round_rules_defaults_and_validation() -> None:
    defaults = RoundRules(aggregation="mean", total_points=2000)
    assert defaults.total_points == D(2000)
    assert defaults.stages == ("document", "onsite")
    assert defaults.grade_bands == DEFAULT_GRADE_BANDS
    assert defaults.certified_grades == frozenset({1, 2, 3})
    assert (defaults.threshold_pct, defaults.disagreement_pct) == (D(70), D(20))
    assert defaults.trim_min_evaluators == 5
    with pytest.raises(ValueError, match="median"):
        RoundRules(aggregation="median", total_points=D(100))
    with pytest.raises(ValueError, match="total_points"):
        RoundRules(aggregation="mean", total_points=D(0))
    with pytest.raises(ValueError, match="stages"):
        RoundRules(aggregation="mean", total_points=D(100), stages=("document", "document"))
    with pytest.raises(ValueError, match="grade_bands"):
        RoundRules(aggregation="mean", total_points=D(100), grade_bands=())
    with pytest.raises(ValueError, match="trim_min"):
        RoundRules(aggregation="trimmed_mean", total_points=D(100), trim_min_evaluators=2)
    with pytest.raises(TypeError):
        RoundRules(aggregation="mean", total_points=2000.0)  # type: ignore[arg-type]


def test_results_are_frozen() -> None:
    result = grade_submission(AREAS, INDICATORS, {}, rules())
    with pytest.raises(AttributeError):
        result.total = D(1)  # type: ignore[misc]
    with pytest.raises(AttributeError):
        rules().aggregation = "trimmed_mean"  # type: ignore[misc]


# --------------------------------------------------------------------------- ranking


def test_rank_within_tracks_with_ties() -> None:
    rows = [
        RankRow(3, "다시", "large", D("85.00")),
        RankRow(5, "마군", "small", D("85.00")),
        RankRow(1, "가시", "large", D("85.0")),  # the same percent, written differently
        RankRow(4, "라시", "large", D("80.00")),
        RankRow(7, "사군", "small", D("70.00")),
        RankRow(2, "나시", "large", D("90.00")),
        (6, "바군", "small", D("85.00")),  # a plain tuple works too
    ]
    assert rank_within_tracks(rows) == [
        RankedRow(2, "나시", "large", D("90.00"), 1),
        RankedRow(1, "가시", "large", D("85.0"), 2),
        RankedRow(3, "다시", "large", D("85.00"), 2),
        RankedRow(4, "라시", "large", D("80.00"), 4),
        RankedRow(5, "마군", "small", D("85.00"), 1),
        RankedRow(6, "바군", "small", D("85.00"), 1),
        RankedRow(7, "사군", "small", D("70.00"), 3),
    ]


def test_rank_all_tied_and_empty() -> None:
    rows = [(i, name, "all", D(50)) for i, name in enumerate(["다", "가", "나"])]
    ranked = rank_within_tracks(rows)
    assert [(r.applicant_name, r.rank) for r in ranked] == [("가", 1), ("나", 1), ("다", 1)]
    assert rank_within_tracks([]) == []
    with pytest.raises(ValueError):
        rank_within_tracks([(1, "가", "all", None)])  # type: ignore[list-item]


# --------------------------------------------------------------------------- agreement


def independent_interval_alpha(units: dict[str, dict[str, Decimal]]) -> Fraction:
    """Krippendorff (2011), 'Computing Krippendorff's alpha-reliability', interval metric,
    from its definition alpha = 1 - D_o / D_e over pairable values, in exact fractions."""
    pairable = [
        [Fraction(v) for v in ratings.values()] for ratings in units.values() if len(ratings) >= 2
    ]
    values = [v for unit in pairable for v in unit]
    n = len(values)
    observed = sum(
        sum((a - b) ** 2 for i, a in enumerate(unit) for j, b in enumerate(unit) if i != j)
        / (len(unit) - 1)
        for unit in pairable
    )
    expected = sum(
        (a - b) ** 2 for i, a in enumerate(values) for j, b in enumerate(values) if i != j
    )
    return 1 - (n - 1) * Fraction(observed) / expected


def test_alpha_perfect_agreement() -> None:
    units = {
        "u1": {"a": D(1), "b": D(1)},
        "u2": {"a": D(3), "b": D(3)},
        "u3": {"a": D(5), "b": D(5)},
    }
    assert krippendorff_alpha(units) == (1.0, 3)


def test_alpha_small_example_by_hand() -> None:
    # values 1,2 | 3,3 | 5,4: n = 6, D_o = (2 + 0 + 2) / 6, D_e = 2 * (6 * 64 - 18**2) / 30 = 4
    # alpha = 1 - (4/6) / 4 = 5/6
    units = {
        "u1": {"a": D(1), "b": D(2)},
        "u2": {"a": D(3), "b": D(3)},
        "u3": {"a": D(5), "b": D(4)},
    }
    assert independent_interval_alpha(units) == Fraction(5, 6)
    assert krippendorff_alpha(units) == (0.8333, 3)


def test_alpha_krippendorffs_reliability_data() -> None:
    # Krippendorff (2011), 4 observers x 12 units with missing values; interval alpha = 0.849
    rows = {
        "A": [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
        "B": [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
        "C": [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
        "D": [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
    }
    units = {
        f"u{column}": {
            rater: D(values[column]) for rater, values in rows.items() if values[column] is not None
        }
        for column in range(12)
    }
    expected = independent_interval_alpha(units)
    alpha, n = krippendorff_alpha(units)
    assert n == 11  # the last unit has one rating only
    assert alpha == round(float(expected), 4) == 0.8491


def test_alpha_decimal_scores_and_missing_raters() -> None:
    units = {
        "A1": {"kim": D("36.5"), "lee": D("38"), "park": D("37")},
        "A2": {"kim": D("20"), "lee": D("22.25")},
        "B1": {"park": D("10"), "lee": None, "kim": D("12")},
        "B2": {"lee": D("30")},  # one rating: not pairable
    }
    alpha, n = krippendorff_alpha(units)
    assert n == 3
    assert alpha == round(
        float(
            independent_interval_alpha(
                {
                    unit: {r: v for r, v in ratings.items() if v is not None}
                    for unit, ratings in units.items()
                }
            )
        ),
        4,
    )


@pytest.mark.parametrize(
    ("units", "n"),
    [
        ({}, 0),
        ({"u1": {"a": D(1)}, "u2": {"b": D(3)}}, 0),
        ({"u1": {"a": D(1), "b": D(2)}}, 1),
        ({"u1": {"a": D(1), "b": D(2)}, "u2": {"a": D(4), "b": None}}, 1),
        ({"u1": {"a": D(3), "b": D(3)}, "u2": {"a": D(3), "b": D(3)}}, 2),  # no variance at all
    ],
)
def test_alpha_too_little_data(units: dict, n: int) -> None:
    assert krippendorff_alpha(units) == (None, n)


# --------------------------------------------------------------------------- properties


@st.composite
def submissions(draw):
    n_areas = draw(st.integers(min_value=1, max_value=3))
    areas = [AreaSpec(f"AR{i}") for i in range(n_areas)]
    indicators = []
    for i in range(draw(st.integers(min_value=1, max_value=6))):
        max_points = draw(st.integers(min_value=1, max_value=100).map(D))
        area = draw(st.sampled_from(areas)).code
        indicators.append(IndicatorSpec(f"I{i}", area, max_points))
    scores = {}
    for indicator in indicators:
        for stage in ("document", "onsite"):
            within = st.integers(min_value=0, max_value=int(indicator.max_points) * 100).map(
                lambda c: D(c) / 100
            )
            values = draw(st.lists(within, max_size=6))
            if values or draw(st.booleans()):
                scores[(indicator.code, stage)] = values
    aggregation = draw(st.sampled_from(["mean", "trimmed_mean"]))
    total_points = sum(indicator.max_points for indicator in indicators)
    return areas, indicators, scores, rules(aggregation=aggregation, total_points=total_points)


@settings(max_examples=200, deadline=None)
@given(submissions())
def test_property_totals_add_up_and_percent_stays_in_range(case) -> None:
    areas, indicators, scores, round_rules = case
    result = grade_submission(areas, indicators, scores, round_rules)
    assert result.total == sum(r.score for r in result.indicators)
    assert result.total == sum(a.subtotal for a in result.areas)
    assert sum(a.max for a in result.areas) == round_rules.total_points
    assert D(0) <= result.percent <= D(100)
    assert all(D(0) <= r.score <= r.max for r in result.indicators)
    assert result.complete == (not result.missing)
    assert result.missing == [r.code for r in result.indicators if r.stage_used is None]
    assert result.grade == grade_for(result.percent, round_rules.grade_bands)


@given(
    st.lists(st.decimals(min_value=-1000, max_value=1000, places=2, allow_nan=False), min_size=1),
    st.integers(min_value=3, max_value=8),
)
def test_property_trimmed_mean_lies_between_min_and_max(scores, min_count) -> None:
    result = trimmed_mean(scores, min_count=min_count)
    assert min(scores) <= result <= max(scores)


@given(st.decimals(min_value=-10_000, max_value=10_000, places=6, allow_nan=False))
def test_property_round_half_up_moves_at_most_half_a_cent(value) -> None:
    rounded = round_half_up(value)
    assert abs(rounded - value) <= D("0.005")
    assert round_half_up(rounded) == rounded
