"""reviewapp.grading what-if: every expected value below is worked out by hand, to the cent.

Percent = total * 100 / total_points rounded half up to the cent (rule 3), so e.g. with
total_points 300: 209.99 -> 69.99666.. -> 70.00 and 209.98 -> 69.99333.. -> 69.99.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reviewapp.grading import (
    AreaSpec,
    Headroom,
    IndicatorSpec,
    RoundRules,
    SubmissionResult,
    Target,
    WhatIf,
    grade_for,
    grade_submission,
    is_certified,
    min_total_for_percent,
    round_half_up,
    what_if,
)

D = Decimal
REVERSED_BANDS = ((5, D(0)), (4, D(60)), (3, D(70)), (2, D(80)), (1, D(90)))


def rules(total_points: int | str = 100, **overrides: object) -> RoundRules:
    return RoundRules(aggregation="mean", total_points=D(str(total_points)), **overrides)  # type: ignore[arg-type]


def graded(
    indicators: Sequence[tuple[str, str, str | None]], round_rules: RoundRules
) -> SubmissionResult:
    """``(code, max_points, score or None)`` per indicator, one area, one evaluator."""
    specs = [IndicatorSpec(code, "A", D(max_points)) for code, max_points, _ in indicators]
    scores = {(code, "onsite"): [D(score)] for code, _, score in indicators if score is not None}
    return grade_submission([AreaSpec("A")], specs, scores, round_rules)


def h(code: str, score: str, max_points: str) -> Headroom:
    return Headroom(code, D(score), D(max_points), D(max_points) - D(score))


# --------------------------------------------------------------------------- min_total_for_percent


@pytest.mark.parametrize(
    ("min_pct", "total_points", "expected"),
    [
        # 100 points: the percent is the total itself
        ("70", "100", "70.00"),
        ("80", "100", "80.00"),
        ("69.99", "100", "69.99"),
        # 300: 209.99 -> 69.9966.. -> 70.00; 209.98 -> 69.9933.. -> 69.99
        ("70", "300", "209.99"),
        # 239.99 -> 79.9966.. -> 80.00; 239.98 -> 79.9933.. -> 79.99
        ("80", "300", "239.99"),
        # 269.99 -> 89.9966.. -> 90.00; 269.98 -> 89.9933.. -> 89.99
        ("90", "300", "269.99"),
        # 1000: 699.95 -> 69.995 exactly, a half -> 70.00; 699.94 -> 69.994 -> 69.99
        ("70", "1000", "699.95"),
        ("80", "1000", "799.95"),
        # 3 points: one cent is 0.333..%; 2.09 -> 69.67, 2.10 -> 70.00
        ("70", "3", "2.10"),
        ("69.67", "3", "2.09"),
        ("50", "3", "1.50"),  # 1.49 -> 49.67
        # a min_pct between cents is reached by the next cent of percent: 69.995 -> 70.00
        ("69.995", "100", "70.00"),
        ("0", "300", "0.00"),
        ("-5", "300", "0.00"),
        ("0.01", "300", "0.02"),  # 0.01 -> 0.0033 -> 0.00; 0.02 -> 0.0066 -> 0.01
        ("110", "100", "110.00"),
        ("100", "300", "299.99"),  # 299.99 -> 99.9966.. -> 100.00
    ],
)
def test_min_total_for_percent(min_pct: str, total_points: str, expected: str) -> None:
    result = min_total_for_percent(D(min_pct), D(total_points))
    assert result == D(expected)
    assert result.as_tuple().exponent == -2


def test_min_total_for_percent_accepts_ints() -> None:
    assert min_total_for_percent(70, 300) == D("209.99")  # type: ignore[arg-type]


def test_min_total_for_percent_refuses_floats_and_bad_totals() -> None:
    with pytest.raises(TypeError):
        min_total_for_percent(70.0, D(300))  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        min_total_for_percent(D(70), 300.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        min_total_for_percent(D(70), D(0))
    with pytest.raises(ValueError):
        min_total_for_percent(D("NaN"), D(100))


def test_grade_submission_percent_agrees_at_209_99_of_300() -> None:
    three = rules(300)
    at = graded([("A", "100", "100"), ("B", "100", "100"), ("C", "100", "9.99")], three)
    below = graded([("A", "100", "100"), ("B", "100", "100"), ("C", "100", "9.98")], three)
    assert (at.total, at.percent, at.grade, at.certified) == (D("209.99"), D("70.00"), 3, True)
    assert (below.total, below.percent, below.grade, below.certified) == (
        D("209.98"),
        D("69.99"),
        4,
        False,
    )


# --------------------------------------------------------------------------- what_if: grades


def test_exactly_at_a_band_boundary_needs_the_next_band() -> None:
    result = graded([("A", "50", "40"), ("B", "50", "30")], rules())
    assert (result.percent, result.grade, result.certified) == (D("70.00"), 3, True)
    answer = what_if(result, rules())
    assert answer == WhatIf(
        next_grade=Target(
            kind="grade",
            grade=2,
            min_pct=D(80),
            total_needed=D("80.00"),
            points_needed=D("10.00"),
            reachable=True,
            indicators=[h("B", "30", "50")],
        ),
        certification=None,
        headroom=[h("B", "30", "50"), h("A", "40", "50")],
    )


def test_one_cent_below_a_band_needs_one_cent() -> None:
    result = graded([("A", "50", "40"), ("B", "50", "29.99")], rules())
    assert (result.percent, result.grade, result.certified) == (D("69.99"), 4, False)
    answer = what_if(result, rules())
    assert answer.next_grade == Target(
        "grade", 3, D(70), D("70.00"), D("0.01"), True, [h("B", "29.99", "50")]
    )
    assert answer.certification == Target(
        "certification", 3, D(70), D("70.00"), D("0.01"), True, [h("B", "29.99", "50")]
    )


def test_half_up_rounding_counts_209_99_of_300_as_70() -> None:
    three = rules(300)
    result = graded([("A", "100", "100"), ("B", "100", "100"), ("C", "100", "9.98")], three)
    answer = what_if(result, three)
    # 209.98 is 69.99 %; 209.99 is already 70.00 %: one cent
    assert answer.next_grade == Target(
        "grade", 3, D(70), D("209.99"), D("0.01"), True, [h("C", "9.98", "100")]
    )
    assert answer.certification == Target(
        "certification", 3, D(70), D("209.99"), D("0.01"), True, [h("C", "9.98", "100")]
    )
    at = graded([("A", "100", "100"), ("B", "100", "100"), ("C", "100", "9.99")], three)
    answer = what_if(at, three)
    # grade 2 at 80 %: 239.99 (79.9966.. -> 80.00), i.e. 30.00 more
    assert answer.next_grade == Target(
        "grade", 2, D(80), D("239.99"), D("30.00"), True, [h("C", "9.99", "100")]
    )
    assert answer.certification is None
    assert answer.headroom == [h("C", "9.99", "100")]


def test_total_points_1000_reaches_a_band_at_exactly_half_a_cent() -> None:
    thousand = rules(1000)
    result = graded([("A", "500", "500"), ("B", "500", "199.94")], thousand)
    assert (result.total, result.percent, result.grade) == (D("699.94"), D("69.99"), 4)
    answer = what_if(result, thousand)
    # 699.95 / 10 = 69.995 -> 70.00
    assert answer.next_grade == Target(
        "grade", 3, D(70), D("699.95"), D("0.01"), True, [h("B", "199.94", "500")]
    )


def test_grade_one_has_no_next_grade() -> None:
    result = graded([("A", "50", "50"), ("B", "50", "45")], rules())
    assert (result.grade, result.certified) == (1, True)
    answer = what_if(result, rules())
    assert answer == WhatIf(next_grade=None, certification=None, headroom=[h("B", "45", "50")])


def test_full_marks_have_no_headroom() -> None:
    result = graded([("A", "50", "50"), ("B", "50", "50")], rules())
    assert what_if(result, rules()) == WhatIf(None, None, [])


def test_bands_in_reverse_order_give_the_same_answer() -> None:
    forward = rules()
    backward = rules(grade_bands=REVERSED_BANDS)
    indicators = [("A", "50", "40"), ("B", "50", "24.5")]  # 64.50 %: grade 4
    expected = WhatIf(
        next_grade=Target("grade", 3, D(70), D("70.00"), D("5.50"), True, [h("B", "24.5", "50")]),
        certification=Target(
            "certification", 3, D(70), D("70.00"), D("5.50"), True, [h("B", "24.5", "50")]
        ),
        headroom=[h("B", "24.5", "50"), h("A", "40", "50")],
    )
    assert what_if(graded(indicators, forward), forward) == expected
    assert what_if(graded(indicators, backward), backward) == expected


def test_gaps_in_grade_numbers_and_any_band_order() -> None:
    gappy = rules(grade_bands=((5, D(0)), (1, D(90)), (3, D(70))))
    low = graded([("A", "50", "40"), ("B", "50", "25")], gappy)  # 65 %: grade 5
    assert low.grade == 5
    target = what_if(low, gappy).next_grade
    assert target is not None
    assert (target.grade, target.min_pct, target.total_needed, target.points_needed) == (
        3,
        D(70),
        D("70.00"),
        D("5.00"),
    )
    mid = graded([("A", "50", "40"), ("B", "50", "35")], gappy)  # 75 %: grade 3
    assert mid.grade == 3
    target = what_if(mid, gappy).next_grade
    assert target is not None
    assert (target.grade, target.min_pct, target.total_needed, target.points_needed) == (
        1,
        D(90),
        D("90.00"),
        D("15.00"),
    )
    assert target.indicators == [h("B", "35", "50")]  # B's 15 alone covers 15.00


def test_a_band_that_can_never_win_is_skipped() -> None:
    # grade 1 from 50 % hides grade 2 (from 80 %): from grade 3 the next grade is 1 at 50 %
    odd = rules(grade_bands=((1, D(50)), (2, D(80)), (3, D(0))), certified_grades={1})
    result = graded([("A", "50", "20"), ("B", "50", "20")], odd)
    assert (result.grade, result.certified) == (3, False)
    answer = what_if(result, odd)
    assert answer.next_grade == Target(
        "grade", 1, D(50), D("50.00"), D("10.00"), True, [h("A", "20", "50")]
    )
    # 70 % threshold: at 70.00 the grade is 1, certified
    assert answer.certification == Target(
        "certification",
        1,
        D(70),
        D("70.00"),
        D("30.00"),
        True,
        [h("A", "20", "50")],  # A's 30 alone (a tie with B, A comes first)
    )


# --------------------------------------------------------------------------- what_if: certification


def test_certification_needs_more_than_the_threshold_when_grade_3_is_not_certified() -> None:
    strict = rules(certified_grades={1, 2})  # threshold 70, grade 2 from 80
    result = graded([("A", "50", "40"), ("B", "50", "35")], strict)  # 75 %: grade 3
    assert (result.grade, result.certified) == (3, False)
    answer = what_if(result, strict)
    assert answer.certification == Target(
        "certification", 2, D(80), D("80.00"), D("5.00"), True, [h("B", "35", "50")]
    )
    below = graded([("A", "50", "40"), ("B", "50", "25")], strict)  # 65 %: grade 4
    answer = what_if(below, strict)
    assert answer.next_grade == Target(
        "grade", 3, D(70), D("70.00"), D("5.00"), True, [h("B", "25", "50")]
    )
    # 70 % gives grade 3 (not certified): it takes 80 %
    assert answer.certification == Target(
        "certification",
        2,
        D(80),
        D("80.00"),
        D("15.00"),
        True,
        [h("B", "25", "50")],  # B's 25 covers 15.00
    )


def test_certification_threshold_inside_a_band() -> None:
    high = rules(threshold_pct=D(75))
    result = graded([("A", "50", "40"), ("B", "50", "32")], high)  # 72 %: grade 3, < 75
    assert (result.grade, result.certified) == (3, False)
    answer = what_if(result, high)
    assert answer.certification == Target(
        "certification", 3, D(75), D("75.00"), D("3.00"), True, [h("B", "32", "50")]
    )
    assert answer.next_grade is not None
    assert answer.next_grade.total_needed == D("80.00")


def test_certified_result_has_no_certification_target() -> None:
    result = graded([("A", "50", "45"), ("B", "50", "30")], rules())  # 75 %: grade 3
    answer = what_if(result, rules())
    assert answer.certification is None
    assert answer.next_grade is not None
    assert answer.next_grade.points_needed == D("5.00")


# --------------------------------------------------------------------------- reachability


def test_exactly_enough_headroom_is_reachable_and_ties_keep_indicator_order() -> None:
    result = graded([("A", "45", "40"), ("B", "45", "40"), ("C", "10", "0")], rules())
    # 80 %: grade 2. Headroom C 10, A 5, B 5; grade 1 needs 90.00, 10.00 more
    answer = what_if(result, rules())
    assert answer.headroom == [h("C", "0", "10"), h("A", "40", "45"), h("B", "40", "45")]
    assert answer.next_grade == Target(
        "grade", 1, D(90), D("90.00"), D("10.00"), True, [h("C", "0", "10")]
    )


def test_ties_in_headroom_are_taken_in_indicator_order() -> None:
    sixty = rules(60)
    result = graded([("A", "20", "10"), ("B", "30", "20"), ("C", "10", "0")], sixty)
    assert (result.total, result.percent, result.grade) == (D("30.00"), D("50.00"), 5)
    answer = what_if(result, sixty)
    every = [h("A", "10", "20"), h("B", "20", "30"), h("C", "0", "10")]
    assert answer.headroom == every
    # 60 % of 60: 36.00 (35.99 -> 59.98 %); 6.00 more, A's 10 covers it
    assert answer.next_grade == Target("grade", 4, D(60), D("36.00"), D("6.00"), True, every[:1])
    # 70 % of 60: 42.00 (41.99 -> 69.98 %); 12.00 more: A then B
    assert answer.certification == Target(
        "certification", 3, D(70), D("42.00"), D("12.00"), True, every[:2]
    )


def test_unreachable_next_grade_lists_every_indicator_with_headroom() -> None:
    # the indicators' max_points sum to 89 of the framework's 100: 80 %, grade 2, headroom 9
    result = graded([("A", "45", "40"), ("B", "44", "40")], rules())
    assert (result.percent, result.grade) == (D("80.00"), 2)
    answer = what_if(result, rules())
    assert answer.next_grade == Target(
        "grade", 1, D(90), D("90.00"), D("10.00"), False, [h("A", "40", "45"), h("B", "40", "44")]
    )


def test_unreachable_certification_still_gives_the_total_needed() -> None:
    # max_points sum to 60 of 100: the best possible total is 60.00 (grade 4)
    result = graded([("A", "30", "20"), ("B", "30", "25")], rules())
    assert (result.percent, result.grade, result.certified) == (D("45.00"), 5, False)
    answer = what_if(result, rules())
    every = [h("A", "20", "30"), h("B", "25", "30")]
    assert answer.next_grade == Target("grade", 4, D(60), D("60.00"), D("15.00"), True, every)
    assert answer.certification == Target(
        "certification", 3, D(70), D("70.00"), D("25.00"), False, every
    )


def test_never_certifiable_targets_the_best_possible_total() -> None:
    # only grade 1 certifies and it needs 101 %: no total up to 100 points certifies
    never = rules(grade_bands=((1, D(101)), (2, D(80)), (3, D(0))), certified_grades={1})
    result = graded([("A", "50", "50"), ("B", "50", None)], never)
    assert (result.percent, result.grade, result.certified) == (D("50.00"), 3, False)
    answer = what_if(result, never)
    assert answer.next_grade == Target(
        "grade", 2, D(80), D("80.00"), D("30.00"), True, [h("B", "0", "50")]
    )
    assert answer.certification == Target(
        "certification", 2, D("100.00"), D("100.00"), D("50.00"), False, [h("B", "0", "50")]
    )


def test_never_certifiable_at_full_marks_needs_nothing_and_is_unreachable() -> None:
    nobody = rules(certified_grades=set())
    result = graded([("A", "50", "50"), ("B", "50", "50")], nobody)
    assert (result.grade, result.certified) == (1, False)
    assert what_if(result, nobody) == WhatIf(
        next_grade=None,
        certification=Target("certification", 1, D("100.00"), D("100.00"), D("0.00"), False, []),
        headroom=[],
    )


# --------------------------------------------------------------------------- incomplete, errors


def test_incomplete_submission_counts_missing_indicators_at_full_headroom() -> None:
    result = graded([("A", "50", "45"), ("B", "30", None), ("C", "20", "10")], rules())
    assert (result.complete, result.missing, result.percent, result.grade) == (
        False,
        ["B"],
        D("55.00"),
        5,
    )
    answer = what_if(result, rules())
    assert answer.headroom == [h("B", "0", "30"), h("C", "10", "20"), h("A", "45", "50")]
    assert answer.headroom[0].score == D("0.00")
    assert answer.next_grade == Target(
        "grade", 4, D(60), D("60.00"), D("5.00"), True, [h("B", "0", "30")]
    )
    assert answer.certification == Target(
        "certification", 3, D(70), D("70.00"), D("15.00"), True, [h("B", "0", "30")]
    )


def test_floats_are_refused() -> None:
    result = graded([("A", "50", "40"), ("B", "50", "25")], rules())
    with pytest.raises(TypeError):
        what_if(dataclasses.replace(result, total=65.0), rules())  # type: ignore[arg-type]
    bad = dataclasses.replace(result.indicators[0], score=40.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        what_if(dataclasses.replace(result, indicators=[bad, *result.indicators[1:]]), rules())


def test_a_result_graded_with_other_rules_is_refused() -> None:
    result = graded([("A", "50", "40"), ("B", "50", "25")], rules())
    with pytest.raises(ValueError, match="not graded with these rules"):
        what_if(result, rules(200))
    with pytest.raises(ValueError, match="not graded with these rules"):
        # 65 %: grade 4, which these rules would certify
        what_if(result, rules(certified_grades={4}, threshold_pct=D(60)))


# --------------------------------------------------------------------------- property


def percent_of(total: Decimal, total_points: Decimal) -> Decimal:
    """Rule 3, as grade_submission computes it."""
    return round_half_up(total * 100 / total_points)


def certifies(total: Decimal, r: RoundRules) -> bool:
    pct = percent_of(total, r.total_points)
    grade = grade_for(pct, r.grade_bands)
    return is_certified(
        grade, pct, certified_grades=r.certified_grades, threshold_pct=r.threshold_pct
    )


CENT = D("0.01")
cents = st.integers(min_value=0, max_value=6000).map(lambda n: D(n).scaleb(-2))
pcts = st.integers(min_value=0, max_value=11000).map(lambda n: D(n).scaleb(-2)) | st.integers(
    min_value=0, max_value=110
).map(D)


@st.composite
def cases(draw: st.DrawFn) -> tuple[SubmissionResult, RoundRules]:
    n = draw(st.integers(min_value=1, max_value=4))
    maxes = [draw(cents.filter(lambda m: m > 0)) for _ in range(n)]
    scores = [
        draw(st.none() | st.integers(0, int(m * 100)).map(lambda c: D(c).scaleb(-2))) for m in maxes
    ]
    total_points = sum(maxes, D(0)) + draw(
        st.sampled_from([D(0), D(0), D(0), D(5), -min(maxes) / 2])
    )
    grades = draw(st.lists(st.integers(1, 6), min_size=1, max_size=5, unique=True))
    bands = tuple((g, draw(pcts)) for g in grades)
    r = rules(
        str(total_points),
        grade_bands=bands,
        certified_grades=set(draw(st.lists(st.integers(1, 6), max_size=4))),
        threshold_pct=draw(pcts),
    )
    specs = [
        (f"I{i}", str(m), None if s is None else str(s))
        for i, (m, s) in enumerate(zip(maxes, scores, strict=True))
    ]
    return graded(specs, r), r


def check_chosen(target: Target, headroom: list[Headroom]) -> None:
    available = sum((row.headroom for row in headroom), D(0))
    assert target.reachable == (target.points_needed <= available) or (
        target.kind == "certification" and not target.reachable
    )
    if not target.reachable:
        assert target.indicators == headroom
        return
    k = len(target.indicators)
    assert target.indicators == headroom[:k]
    assert sum((row.headroom for row in target.indicators), D(0)) >= target.points_needed
    assert sum((row.headroom for row in target.indicators[:-1]), D(0)) < target.points_needed


@settings(max_examples=300, deadline=None)
@given(cases())
def test_points_needed_is_the_fewest_that_reach_the_target(
    case: tuple[SubmissionResult, RoundRules],
) -> None:
    result, r = case
    answer = what_if(result, r)
    tp = r.total_points
    assert answer.headroom == sorted(
        (
            Headroom(i.code, i.score, i.max, i.max - i.score)
            for i in result.indicators
            if i.max > i.score
        ),
        key=lambda row: -row.headroom,
    )
    best_total = result.total + sum((row.headroom for row in answer.headroom), D(0))

    target = answer.next_grade
    if target is None:
        assert result.grade == min(g for g, _ in r.grade_bands)
    else:
        assert target.kind == "grade"
        assert target.points_needed > 0
        assert target.total_needed == result.total + target.points_needed
        assert target.grade is not None
        reached = grade_for(percent_of(target.total_needed, tp), r.grade_bands)
        assert reached == target.grade < result.grade
        assert percent_of(target.total_needed, tp) >= target.min_pct
        before = grade_for(percent_of(target.total_needed - CENT, tp), r.grade_bands)
        assert before >= result.grade
        assert target.reachable == (target.points_needed <= best_total - result.total)
        check_chosen(target, answer.headroom)

    cert = answer.certification
    if cert is None:
        assert result.certified
        return
    assert not result.certified
    assert cert.kind == "certification"
    limit = max(tp, best_total)
    if certifies(cert.total_needed, r):
        assert cert.points_needed > 0
        assert cert.total_needed == result.total + cert.points_needed
        assert not certifies(cert.total_needed - CENT, r)
        assert cert.grade == grade_for(percent_of(cert.total_needed, tp), r.grade_bands)
        assert cert.reachable == (cert.points_needed <= best_total - result.total)
        last = cert.total_needed
    else:  # nothing up to the limit certifies: the best possible total, unreachable
        assert cert.total_needed == best_total
        assert not cert.reachable
        last = limit
    check_chosen(cert, answer.headroom)
    # every cent between now and the target (or the limit) is checked when that is cheap
    if (last - result.total) / CENT <= 3000:
        t = result.total + CENT
        while t < last:
            assert not certifies(t, r), t
            t += CENT
        if target is not None and (target.total_needed - result.total) / CENT <= 3000:
            t = result.total + CENT
            while t < target.total_needed:
                assert grade_for(percent_of(t, tp), r.grade_bands) >= result.grade, t
                t += CENT


@settings(max_examples=300, deadline=None)
@given(pcts | st.decimals(min_value=-5, max_value=120, places=4), cents.filter(lambda c: c > 0))
def test_min_total_for_percent_is_the_first_cent_that_reaches(
    min_pct: Decimal, total_points: Decimal
) -> None:
    total = min_total_for_percent(min_pct, total_points)
    assert total >= 0
    assert percent_of(total, total_points) >= min_pct
    if total > 0:
        assert percent_of(total - CENT, total_points) < min_pct
