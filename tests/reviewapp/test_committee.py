"""The committee's records and read model through the services: the per-indicator sheet (scores,
comments, citations, spread, flags), the disagreement order, each evaluator's progress,
adjudication notes and opinions (audited, refused when finalized or malformed).

Figures come from `scored_round` (tests/reviewapp/helpers.py), whose docstring gives them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from flask_babel import force_locale
from sqlalchemy import select

from reviewapp.extensions import db
from reviewapp.models import Adjudication, AuditEvent, CommitteeOpinion, Indicator
from reviewapp.services import committee, results, rounds
from reviewapp.services.errors import Conflict, Forbidden, Invalid, NotFound
from tests.conftest import World
from tests.reviewapp.helpers import ScoredRound, count, scored_round, user


@pytest.fixture(autouse=True)
def english(app: Flask) -> Iterator[None]:
    with force_locale("en"):
        yield


@pytest.fixture()
def scored(world: World) -> ScoredRound:
    return scored_round(world)


def _sheet(scored: ScoredRound, name: str) -> results.SubmissionSheet:
    found = results.round_results(scored.world.round_id)
    return next(s for s in found.sheets if s.submission.applicant.name == name)


def _row(sheet: results.SubmissionSheet, code: str) -> results.IndicatorRow:
    return next(row for row in sheet.rows if row.code == code)


def test_sheet_rows_hold_scores_comments_and_citations(scored: ScoredRound) -> None:
    sheet = _sheet(scored, "한빛시")
    assert [name for _, name in sheet.evaluators] == ["eva", "evb"]
    inn01 = _row(sheet, "INN-01")
    assert inn01.result.score == Decimal("24.00") and inn01.result.flagged
    assert (inn01.spread, inn01.spread_pct) == (Decimal("32.00"), Decimal("80.00"))
    assert inn01.link_count == 2
    lines = [(s.evaluator, s.points, s.level, s.comment) for s in inn01.scores]
    assert lines == [
        ("eva", Decimal("40.00"), 5, "시민참여 운영이 우수함"),
        ("evb", Decimal("8.00"), 1, "실적 근거 부족"),
    ]
    (cited,) = inn01.scores[0].citations
    assert (cited.link_id, cited.document, cited.page, cited.quote) == (
        scored.eva_link,
        "데이터기반행정법.md",
        1,
        scored.eva_quote,
    )
    assert cited.sheet is None
    inn02 = _row(sheet, "INN-02")
    assert inn02.result.score == Decimal("29.00") and not inn02.result.flagged
    assert [s.no_evidence_reason for s in inn02.scores] == ["제출 자료 없음"] * 2
    assert all(not s.citations for s in inn02.scores)
    unscored = _row(sheet, "INN-03")
    assert (unscored.scores, unscored.spread, unscored.result.stage_used) == ([], None, None)
    # the sheet's totals are the grades' totals (one computation)
    assert sheet.result.total == Decimal("53.00")
    assert sum(row.result.score for row in sheet.rows) == sheet.result.total


def test_one_submission_sheet_keeps_the_round_ranks(scored: ScoredRound) -> None:
    whole = results.round_results(scored.world.round_id)
    one = results.round_results(scored.world.round_id, submission_id=scored.world.small)
    assert [s.submission.id for s in one.sheets] == [scored.world.small]
    rank = {s.submission.id: s.grade.rank for s in whole.sheets}
    assert one.sheets[0].grade.rank == rank[scored.world.small]
    assert one.stages == [("document", "서면평가"), ("onsite", "현장실사")]


def test_conflicted_evaluator_leaves_the_sheet(scored: ScoredRound) -> None:
    world = scored.world
    rounds.declare_conflict(world.large, user("evb").id, conflict=True, note="가족이 재직")
    sheet = _sheet(scored, "한빛시")
    inn01 = _row(sheet, "INN-01")
    assert [s.evaluator for s in inn01.scores] == ["eva"]
    assert inn01.result.score == Decimal("40.00") and not inn01.result.flagged
    assert inn01.spread is None
    assert [name for _, name in sheet.evaluators] == ["eva"]
    progress = {
        (p.submission.id, p.evaluator): p
        for p in results.progress(results.round_results(world.round_id))
    }
    assert progress[(world.large, "evb")].conflict
    assert not progress[(world.large, "eva")].conflict


def test_disagreements_widest_spread_first(scored: ScoredRound, world: World) -> None:
    from reviewapp.services import scoring

    inn05 = db.session.scalar(
        select(Indicator).where(
            Indicator.framework_id == world.framework_id, Indicator.code == "INN-05"
        )
    )
    assert inn05 is not None and inn05.max_points == 30
    # INN-05 (quantitative) max 30: 30 vs 20 -> spread 10 = 33.33 % (> 20 %, flagged, narrower than INN-01's 80 %)
    for name, points in (("eva", "30"), ("evb", "20")):
        scoring.save_score(
            user(name).id, world.large, inn05.id, "document",
            scoring.ScoreForm(points=points, no_evidence_reason="제출 자료 없음"),
        )  # fmt: skip
    found = results.disagreements(results.round_results(world.round_id))
    assert [
        (sheet.submission.applicant.name, row.code, row.spread_pct) for sheet, row in found
    ] == [
        ("한빛시", "INN-01", Decimal("80.00")),
        ("한빛시", "INN-05", Decimal("33.33")),
    ]


def test_progress_counts_per_stage(scored: ScoredRound) -> None:
    world = scored.world
    rows = results.progress(results.round_results(world.round_id))
    seen = {(p.submission.applicant.name, p.evaluator): p for p in rows}
    assert list(seen) == [("솔내시", "evb"), ("한빛시", "eva"), ("한빛시", "evb")]
    eva = seen[("한빛시", "eva")]
    total = len(
        db.session.scalars(
            select(Indicator).where(Indicator.framework_id == world.framework_id)
        ).all()
    )
    assert (eva.stages["document"].scored, eva.stages["document"].total) == (2, total)
    assert eva.stages["document"].unscored[0] == "INN-03"
    assert eva.stages["onsite"].scored == 0 and eva.stages["onsite"].unscored[0] == "INN-01"
    assert eva.no_evidence == ["INN-02"]
    assert eva.flagged == ["INN-01"]
    small = seen[("솔내시", "evb")]
    assert (small.stages["document"].scored, small.no_evidence, small.flagged) == (
        1,
        ["INN-01"],
        [],
    )


# ---------------------------------------------------------------- adjudication


def _unchanged(call: Callable[[], Any], error: type[Exception], *words: str) -> None:
    before = (count(Adjudication), count(CommitteeOpinion), count(AuditEvent))
    with pytest.raises(error) as info:
        call()
    db.session.rollback()
    for word in words:
        assert word in str(info.value), (word, str(info.value))
    assert (count(Adjudication), count(CommitteeOpinion), count(AuditEvent)) == before


def test_adjudication_is_recorded_audited_and_listed(scored: ScoredRound) -> None:
    world, coord = scored.world, user("coord")
    committee.record_adjudication(
        coord.id, world.large, scored.inn01, "  위원회 논의 결과 24점 유지  "
    )
    committee.record_adjudication(coord.id, world.large, scored.inn01, "현장실사에서 재확인")
    notes = _row(_sheet(scored, "한빛시"), "INN-01").adjudications
    assert [n.note for n in notes] == ["현장실사에서 재확인", "위원회 논의 결과 24점 유지"]
    assert notes[0].author.username == "coord"
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "adjudication.add")
    ).all()
    assert [(e.round_id, e.data["indicator"], e.data["note"]) for e in events] == [
        (world.round_id, "INN-01", "위원회 논의 결과 24점 유지"),
        (world.round_id, "INN-01", "현장실사에서 재확인"),
    ]


def test_adjudication_bad_input_changes_nothing(scored: ScoredRound, world: World) -> None:
    coord, eva = user("coord"), user("eva")
    _unchanged(
        lambda: committee.record_adjudication(coord.id, world.large, scored.inn01, " "),
        Invalid,
        "note",
    )
    _unchanged(
        lambda: committee.record_adjudication(coord.id, world.large, scored.inn01, "가" * 5001),
        Invalid,
        "5,000",
    )
    _unchanged(
        lambda: committee.record_adjudication(coord.id, world.large, scored.inn01, "a\x00b"),
        Invalid,
    )
    _unchanged(
        lambda: committee.record_adjudication(eva.id, world.large, scored.inn01, "평가위원 메모"),
        Forbidden,
    )
    _unchanged(lambda: committee.record_adjudication(coord.id, 999, scored.inn01, "없음"), NotFound)
    _unchanged(
        lambda: committee.record_adjudication(coord.id, world.large, 99999, "없음"), NotFound
    )
    rounds.finalize(world.round_id, actor_id=coord.id)
    _unchanged(
        lambda: committee.record_adjudication(coord.id, world.large, scored.inn01, "확정 후"),
        Conflict,
        "finalized",
    )


# ---------------------------------------------------------------- opinions


def test_opinions_save_only_what_changed_and_audit_before_after(scored: ScoredRound) -> None:
    world, coord = scored.world, user("coord")
    saved = committee.save_opinions(
        coord.id,
        world.large,
        overall="스마트도시 추진 기반이 우수함",
        areas={"INN": "혁신 우수", "GOV": ""},
    )
    assert saved == committee.Opinions(
        overall="스마트도시 추진 기반이 우수함", areas={"INN": "혁신 우수"}
    )
    committee.save_opinions(
        coord.id,
        world.large,
        overall="스마트도시 추진 기반이 우수함",
        areas={"INN": "혁신 매우 우수"},
    )
    assert committee.opinions_of(world.large).areas == {"INN": "혁신 매우 우수"}
    assert committee.opinions_of(world.small) == committee.Opinions(overall="", areas={})
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "opinion.save").order_by(AuditEvent.id)
    ).all()
    assert [(e.data["area"], e.data["before"], e.data["after"]) for e in events] == [
        ("overall", "", "스마트도시 추진 기반이 우수함"),
        ("INN", "", "혁신 우수"),
        ("INN", "혁신 우수", "혁신 매우 우수"),
    ]
    assert _sheet(scored, "한빛시").opinions.areas == {"INN": "혁신 매우 우수"}


def test_opinions_bad_input_changes_nothing(scored: ScoredRound, world: World) -> None:
    coord, eva = user("coord"), user("eva")

    def save(actor: int = coord.id, **kw: Any) -> Callable[[], Any]:
        args = {"overall": "종합", "areas": {}} | kw
        return lambda: committee.save_opinions(actor, world.large, **args)

    _unchanged(save(overall="가" * 5001), Invalid, "overall")
    _unchanged(save(areas={"INN": "가" * 1001}), Invalid, "area-INN", "1,000")
    _unchanged(save(areas={"NOPE": "x"}), Invalid, "area-NOPE")
    _unchanged(save(eva.id), Forbidden)
    _unchanged(lambda: committee.save_opinions(coord.id, 999, overall="x", areas={}), NotFound)
    rounds.finalize(world.round_id, actor_id=coord.id)
    _unchanged(save(), Conflict, "finalized")


# ---------------------------------------------------------------- notes once settled


def _agree_on_inn01(scored: ScoredRound) -> None:
    """evb revises INN-01 of 한빛시 to level 5 like eva: 40 and 40, no longer flagged."""
    from reviewapp.services import scoring

    scoring.save_score(
        user("evb").id, scored.world.large, scored.inn01, "document",
        scoring.ScoreForm(level=5, comment="재검토 후 상향", link_ids=[scored.evb_link]),
    )  # fmt: skip


def test_notes_stay_listed_once_the_indicator_is_no_longer_flagged(scored: ScoredRound) -> None:
    world, coord = scored.world, user("coord")
    committee.record_adjudication(coord.id, world.large, scored.inn01, "위원회 논의로 재검토 요청")
    _agree_on_inn01(scored)
    found = results.disagreements(results.round_results(world.round_id))
    assert [(sheet.submission.id, row.code, row.result.flagged) for sheet, row in found] == [
        (world.large, "INN-01", False)
    ]
    (_sheet_, row) = found[0]
    assert [n.note for n in row.adjudications] == ["위원회 논의로 재검토 요청"]
    # a further note on the settled indicator is still taken (it has notes)
    committee.record_adjudication(coord.id, world.large, scored.inn01, "재검토 결과 40점 확인")
    assert count(Adjudication) == 2


def test_a_note_needs_a_flagged_or_adjudicated_indicator(scored: ScoredRound) -> None:
    world, coord = scored.world, user("coord")
    # INN-02 (30 and 28) was never flagged and has no note: nothing to settle
    _unchanged(
        lambda: committee.record_adjudication(coord.id, world.large, scored.inn02, "메모"),
        Conflict,
        "INN-02",
    )
    with force_locale("ko"):
        with pytest.raises(Conflict) as info:
            committee.record_adjudication(coord.id, world.large, scored.inn02, "메모")
        db.session.rollback()
    assert "이견" in str(info.value) and "INN-02" in str(info.value)
    # the empty note is still the first thing said
    _unchanged(
        lambda: committee.record_adjudication(coord.id, world.large, scored.inn02, " "),
        Invalid,
        "note",
    )


def test_the_same_note_posted_twice_in_a_row_is_stored_once(scored: ScoredRound) -> None:
    world, coord = scored.world, user("coord")
    first = committee.record_adjudication(coord.id, world.large, scored.inn01, "24점 유지")
    again = committee.record_adjudication(coord.id, world.large, scored.inn01, " 24점 유지 ")
    assert again.id == first.id
    assert count(Adjudication) == 1
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "adjudication.add")
    ).all()
    assert len(events) == 1
    # another text, or the same text after another note, is a new note
    committee.record_adjudication(coord.id, world.large, scored.inn01, "현장실사 후 재논의")
    committee.record_adjudication(coord.id, world.large, scored.inn01, "24점 유지")
    assert count(Adjudication) == 3
    # the same text by another coordinator is their own note
    admin = user("admin")
    committee.record_adjudication(admin.id, world.large, scored.inn01, "24점 유지")
    assert count(Adjudication) == 4


# ---------------------------------------------------------------- opinion versions


def test_opinion_versions_grow_per_field(scored: ScoredRound) -> None:
    world, coord = scored.world, user("coord")
    assert committee.opinions_of(world.large).versions == {}
    committee.save_opinions(
        coord.id, world.large, overall="종합", areas={"INN": "혁신"}, versions={"": 0, "INN": 0}
    )
    assert committee.opinions_of(world.large).versions == {"": 1, "INN": 1}
    committee.save_opinions(
        coord.id, world.large, overall="종합 수정", areas={"INN": "혁신"},
        versions={"": 1, "INN": 1},
    )  # fmt: skip
    assert committee.opinions_of(world.large).versions == {"": 2, "INN": 1}


def test_a_stale_opinion_form_is_refused_naming_its_fields(scored: ScoredRound) -> None:
    world, coord, admin = scored.world, user("coord"), user("admin")
    # both open the empty form; the administrator saves first
    committee.save_opinions(
        admin.id, world.large, overall="관리자 종합의견", areas={"INN": "관리자 혁신"},
        versions={"": 0, "INN": 0, "GOV": 0},
    )  # fmt: skip
    with pytest.raises(committee.StaleOpinions) as info:
        committee.save_opinions(
            coord.id, world.large, overall="조정자 종합의견", areas={"INN": "조정자 혁신", "GOV": "거버넌스"},
            versions={"": 0, "INN": 0, "GOV": 0},
        )  # fmt: skip
    db.session.rollback()
    assert isinstance(info.value, Conflict)
    assert info.value.fields == ["overall", "area-INN"]
    assert "Overall opinion" in str(info.value)
    # nothing of the stale form was saved, not even its fresh field (GOV)
    assert committee.opinions_of(world.large) == committee.Opinions(
        overall="관리자 종합의견", areas={"INN": "관리자 혁신"}
    )
    # with the current versions the coordinator's text replaces the administrator's
    committee.save_opinions(
        coord.id, world.large, overall="조정자 종합의견", areas={"INN": "조정자 혁신"},
        versions={"": 1, "INN": 1},
    )  # fmt: skip
    assert committee.opinions_of(world.large).overall == "조정자 종합의견"


def test_opinions_without_overall_keep_it(scored: ScoredRound) -> None:
    world, coord = scored.world, user("coord")
    committee.save_opinions(coord.id, world.large, overall="남는 종합의견", areas={})
    committee.save_opinions(coord.id, world.large, overall=None, areas={"INN": "혁신"})
    assert committee.opinions_of(world.large) == committee.Opinions(
        overall="남는 종합의견", areas={"INN": "혁신"}
    )
