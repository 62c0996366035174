"""Scores and the round's life through the services: bad input is refused with a message that
names the problem and changes nothing; versions, audit before/after, blind reading,
finalization, reopening, cited links and the append-only audit trail.

The sample framework (tests/conftest.py ``world``): INN-01 is qualitative (max 40, levels 5-1
= 100/80/60/40/20 %), INN-02 quantitative (max 40). eva is assigned to the large city, evb to
the small one.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from flask_babel import force_locale
from sqlalchemy import select

from reviewapp.extensions import db
from reviewapp.models import AuditEvent, Document, EvidenceLink, Indicator, Score, User
from reviewapp.services import documents, evidence, grades, rounds, scoring, uploads
from reviewapp.services.audit import AuditIsAppendOnly
from reviewapp.services.errors import Conflict, Forbidden, Invalid
from reviewapp.services.scoring import ScoreForm
from tests.conftest import World
from tests.reviewapp.helpers import count, indicators_of, user

NOTE = """\
# 근거 자료

시민참여단은 상설 기구로 운영되며 분기마다 정기 회의를 연다.

리빙랩 과제는 최근 3년간 모두 열한 건이 수행되었다.
"""


@pytest.fixture(autouse=True)
def english(app: Flask) -> Iterator[None]:
    """Messages are checked in English (their msgids); Korean is the default (see below)."""
    with force_locale("en"):
        yield


def _doc(submission_id: int, name: str = "근거.md") -> Document:
    (outcome,) = uploads.add_upload(submission_id, name, io.BytesIO(NOTE.encode())).outcomes
    document = db.session.get(Document, outcome.document_id)
    assert document is not None and document.status == "ready", outcome
    return document


def _state() -> tuple[int, int, int, int]:
    """What a refused write must leave as it was."""
    db.session.expire_all()
    return count(Score), count(AuditEvent), count(EvidenceLink), count(Document)


def _refused(
    error: type[Exception], call: Callable[[], Any], *words: str
) -> pytest.ExceptionInfo[Any]:
    """``call`` raises ``error`` whose message holds every word, and nothing changes."""
    before = _state()
    with pytest.raises(error) as info:
        call()
    db.session.rollback()
    message = str(info.value)
    for word in words:
        assert word in message, (word, message)
    assert _state() == before
    return info


@pytest.fixture()
def ctx(world: World) -> dict[str, Any]:
    inds = indicators_of(world)
    qual, quant = inds[0], inds[1]
    assert (qual.code, qual.kind, qual.max_points) == ("INN-01", "qualitative", 40)
    assert (quant.code, quant.kind, quant.max_points) == ("INN-02", "quantitative", 40)
    return {
        "world": world,
        "qual": qual,
        "quant": quant,
        "eva": user("eva"),
        "evb": user("evb"),
        "coord": user("coord"),
    }


def _save(actor: User, submission: int, ind: Indicator, stage: str = "document", **form: Any):  # type: ignore[no-untyped-def]
    form.setdefault("no_evidence_reason", "" if form.get("link_ids") else "제출 자료 없음")
    return scoring.save_score(actor.id, submission, ind.id, stage, ScoreForm(**form))


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("points", "words"),
    [
        ("41", ["between 0 and 40", "41"]),
        ("-1", ["between 0 and 40", "-1"]),
        ("40.01", ["between 0 and 40"]),
        ("abc", ["must be a number", "abc"]),
        ("NaN", ["must be a number"]),
        ("Infinity", ["must be a number"]),
        ("12.345", ["at most 2 decimals", "12.345"]),
        ("40.005", ["between 0 and 40"]),
        # exponents, separators and non-ASCII digits are not points as a person types them
        ("1e30", ["number such as", "1e30"]),
        ("-1e30", ["number such as"]),
        ("1,000", ["number such as", "1,000"]),  # a Korean thousands separator: not 1.00
        ("0,5", ["number such as"]),
        ("1_0", ["number such as"]),
        ("\u0663", ["number such as"]),  # Arabic-Indic three
        ("9" * 29, ["between 0 and 40"]),
        ("", ["Enter the points"]),
        ("  ", ["Enter the points"]),
    ],
)
def test_bad_points_are_refused(ctx: dict[str, Any], points: str, words: list[str]) -> None:
    world = ctx["world"]
    info = _refused(
        Invalid, lambda: _save(ctx["eva"], world.large, ctx["quant"], points=points), *words
    )
    assert set(info.value.fields) == {"points"}


def test_default_locale_names_field_and_values(ctx: dict[str, Any]) -> None:
    world = ctx["world"]
    with force_locale("ko"):
        info = _refused(
            Invalid, lambda: _save(ctx["eva"], world.large, ctx["quant"], points="41"), "41", "40"
        )
    assert set(info.value.fields) == {"points"}
    assert str(info.value).startswith("points: ")  # Korean once the catalog is compiled


def test_points_edges_are_accepted(ctx: dict[str, Any]) -> None:
    world = ctx["world"]
    assert _save(ctx["eva"], world.large, ctx["quant"], points="40").points == Decimal("40.00")
    score = _save(ctx["eva"], world.large, ctx["quant"], "onsite", points=" 0.5 ")
    assert score.points == Decimal("0.50") and score.level is None


def test_levels_and_kinds(ctx: dict[str, Any]) -> None:
    world, eva = ctx["world"], ctx["eva"]
    info = _refused(
        Invalid,
        lambda: _save(eva, world.large, ctx["qual"], level="9"),
        "Level 9",
        "rubric",
        "5, 4, 3, 2, 1",
    )
    assert set(info.value.fields) == {"level"}
    _refused(Invalid, lambda: _save(eva, world.large, ctx["qual"], level=""), "rubric level")
    # points typed for a qualitative indicator, a level for a quantitative one
    _refused(Invalid, lambda: _save(eva, world.large, ctx["qual"], points="30"), "qualitative")
    _refused(Invalid, lambda: _save(eva, world.large, ctx["quant"], level="3"), "quantitative")
    # a known level: max_points x points_pct / 100 = 40 x 60 % = 24.00
    score = _save(eva, world.large, ctx["qual"], level="3")
    assert (score.level, score.points) == (3, Decimal("24.00"))


def test_unknown_stage_is_refused(ctx: dict[str, Any]) -> None:
    world = ctx["world"]
    info = _refused(
        Invalid,
        lambda: _save(ctx["eva"], world.large, ctx["quant"], "final", points="10"),
        "final",
        "document, onsite",
    )
    assert set(info.value.fields) == {"stage"}


def test_evidence_or_reason_exactly_one(ctx: dict[str, Any]) -> None:
    world, eva, quant = ctx["world"], ctx["eva"], ctx["quant"]
    doc = _doc(world.large)
    link = evidence.link_citation(eva.id, world.large, quant.id, doc.id, 1)
    _refused(
        Invalid,
        lambda: _save(eva, world.large, quant, points="10", no_evidence_reason="  "),
        "evidence links",
    )
    _refused(
        Invalid,
        lambda: _save(
            eva, world.large, quant, points="10", link_ids=[link.id], no_evidence_reason="x"
        ),
        "not both",
    )
    score = _save(eva, world.large, quant, points="10", link_ids=[link.id])
    assert [cited.id for cited in score.links] == [link.id]


def test_links_must_be_own_for_this_submission_and_indicator(ctx: dict[str, Any]) -> None:
    world, eva, evb = ctx["world"], ctx["eva"], ctx["evb"]
    qual, quant = ctx["qual"], ctx["quant"]
    rounds.assign(world.large, "evb")
    rounds.assign(world.small, "eva")
    large_doc, small_doc = _doc(world.large), _doc(world.small)
    others = evidence.link_citation(evb.id, world.large, quant.id, large_doc.id, 1)
    elsewhere = evidence.link_citation(eva.id, world.small, quant.id, small_doc.id, 1)
    wrong_indicator = evidence.link_citation(eva.id, world.large, qual.id, large_doc.id, 1)
    for link in (others, elsewhere, wrong_indicator):
        info = _refused(
            Invalid,
            lambda link=link: _save(eva, world.large, quant, points="10", link_ids=[link.id]),
            f"Link {link.id} is not one of your evidence links",
        )
        assert set(info.value.fields) == {"links"}
    _refused(
        Invalid,
        lambda: _save(eva, world.large, quant, points="10", link_ids=[987654]),
        "Link 987654",
    )


def test_unassigned_and_conflicted_evaluators_cannot_score(ctx: dict[str, Any]) -> None:
    world, eva, evb, quant = ctx["world"], ctx["eva"], ctx["evb"], ctx["quant"]
    _refused(
        Forbidden,
        lambda: _save(evb, world.large, quant, points="10"),
        "Only evaluators assigned",
    )
    _refused(
        Forbidden,
        lambda: _save(ctx["coord"], world.large, quant, points="10"),
        "Only evaluators assigned",
    )
    # a conflict needs a note, and is audited
    _refused(
        Invalid,
        lambda: rounds.declare_conflict(world.large, eva.id, conflict=True, note=" "),
        "conflict of interest",
    )
    events = count(AuditEvent)
    rounds.declare_conflict(world.large, eva.id, conflict=True, note="가족이 담당 공무원")
    assert count(AuditEvent) == events + 1
    _refused(
        Forbidden,
        lambda: _save(eva, world.large, quant, points="10"),
        "conflict of interest",
    )
    # a declared conflict stands: answering "no conflict" afterwards is refused
    _refused(
        Forbidden,
        lambda: rounds.declare_conflict(world.large, eva.id, conflict=False),
        "cannot be withdrawn",
    )


# ---------------------------------------------------------------- versions and audit


def _events(action: str, score_id: int) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == action, AuditEvent.entity_id == score_id)
            .order_by(AuditEvent.id)
        )
    )


def test_update_bumps_version_and_audits_before_and_after(ctx: dict[str, Any]) -> None:
    world, eva, quant = ctx["world"], ctx["eva"], ctx["quant"]
    score = _save(eva, world.large, quant, points="20", version=0)
    assert score.version == 1
    (created,) = _events("score.create", score.id)
    assert created.data["before"] is None and created.data["after"]["points"] == "20.00"
    assert created.round_id == world.round_id and created.actor_id == eva.id

    updated = _save(eva, world.large, quant, points="25.5", comment="현장 확인", version=1)
    assert updated.id == score.id and updated.version == 2
    (event,) = _events("score.update", score.id)
    assert event.data["before"]["points"] == "20.00" and event.data["before"]["version"] == 1
    assert event.data["after"]["points"] == "25.50" and event.data["after"]["version"] == 2
    assert event.data["after"]["comment"] == "현장 확인"
    assert event.data["submission"] == world.large and event.data["indicator"] == "INN-02"
    assert event.round_id == world.round_id

    # the same values again: no new version, no event
    events = count(AuditEvent)
    same = _save(eva, world.large, quant, points="25.50", comment="현장 확인 ", version=2)
    db.session.expire_all()
    assert same.version == 2 and db.session.get(Score, score.id).version == 2
    assert count(AuditEvent) == events

    # a stale form (loaded at version 1) is refused and names both versions
    _refused(
        Conflict,
        lambda: _save(eva, world.large, quant, points="30", version=1),
        "version 2",
        "your form has 1",
    )
    # a form for "no score yet" when one exists is stale too
    _refused(Conflict, lambda: _save(eva, world.large, quant, points="30", version=0), "version 2")
    db.session.expire_all()
    assert db.session.get(Score, score.id).points == Decimal("25.50")


def test_settings_fixed_after_first_score(ctx: dict[str, Any]) -> None:
    world = ctx["world"]
    rounds.update_settings(world.round_id, aggregation="trimmed_mean", trim_min=3)
    _refused(
        Invalid,
        lambda: rounds.update_settings(world.round_id, aggregation="median"),
        "mean or trimmed_mean",
    )
    _save(ctx["eva"], world.large, ctx["quant"], points="10")
    _refused(
        Conflict,
        lambda: rounds.update_settings(world.round_id, aggregation="mean"),
        "Scores exist",
    )
    db.session.expire_all()
    assert rounds.get_round(world.round_id).aggregation_rule == "trimmed_mean"


def test_settings_fixed_by_a_score_in_any_submission(ctx: dict[str, Any]) -> None:
    """A score in the round's second submission only fixes the rules too (has_scores once
    answered for the first submission alone)."""
    world = ctx["world"]
    _save(ctx["evb"], world.small, ctx["quant"], points="10")
    assert rounds.has_scores(world.round_id)
    _refused(
        Conflict,
        lambda: rounds.update_settings(world.round_id, aggregation="trimmed_mean"),
        "Scores exist",
    )


def test_cited_link_cannot_be_removed(ctx: dict[str, Any]) -> None:
    world, eva, quant = ctx["world"], ctx["eva"], ctx["quant"]
    doc = _doc(world.large)
    link = evidence.link_citation(
        eva.id, world.large, quant.id, doc.id, 1, quote="시민참여단은 상설 기구로 운영되며"
    )
    assert link.chunk_id is not None  # the quote lies in one passage: its accepted link
    _save(eva, world.large, quant, points="12", link_ids=[link.id])
    _refused(
        Conflict,
        lambda: evidence.unlink(eva.id, link.id),
        "Document review score for INN-02 (12 points)",  # the stage by name, plain points
    )
    # rejecting the passage would drop the link too: refused the same way
    _refused(
        Conflict,
        lambda: evidence.decide(eva.id, world.large, quant.id, link.chunk_id, "rejected"),
        "score for INN-02",
    )
    # untick it in the score first (cite a reason instead), then it can go
    _save(eva, world.large, quant, points="12", no_evidence_reason="근거 재검토")
    evidence.unlink(eva.id, link.id)
    assert db.session.get(EvidenceLink, link.id) is None


def test_audit_events_are_append_only(ctx: dict[str, Any]) -> None:
    _save(ctx["eva"], ctx["world"].large, ctx["quant"], points="10")
    event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert event is not None
    event_id, action = event.id, event.action
    event.action = "score.forged"
    with pytest.raises(AuditIsAppendOnly):
        db.session.commit()
    db.session.rollback()
    db.session.delete(db.session.get(AuditEvent, event_id))
    with pytest.raises(AuditIsAppendOnly):
        db.session.commit()
    db.session.rollback()
    db.session.expire_all()
    assert db.session.get(AuditEvent, event_id).action == action


# ---------------------------------------------------------------- finalized rounds


def test_finalized_round_refuses_every_write(ctx: dict[str, Any]) -> None:
    world, eva, coord = ctx["world"], ctx["eva"], ctx["coord"]
    qual, quant = ctx["qual"], ctx["quant"]
    doc = _doc(world.large)
    link = evidence.link_citation(eva.id, world.large, quant.id, doc.id, 1)
    _save(eva, world.large, quant, points="10", link_ids=[link.id])
    spare = _doc(world.large, "다른 근거.md")  # not cited: deletable while open
    chunk = doc.chunks[0]

    _refused(Forbidden, lambda: rounds.finalize(world.round_id, actor_id=eva.id), "coordinator")
    rounds.finalize(world.round_id, actor_id=coord.id)
    _refused(Conflict, lambda: rounds.finalize(world.round_id, actor_id=coord.id), "finalized")

    writes: dict[str, Callable[[], Any]] = {
        "score": lambda: _save(eva, world.large, quant, points="11", link_ids=[link.id]),
        "new score": lambda: _save(eva, world.large, qual, level="3"),
        "link": lambda: evidence.link_citation(eva.id, world.large, qual.id, doc.id, 1),
        "passage": lambda: evidence.link_passage(eva.id, world.large, qual.id, chunk.id),
        "decide": lambda: evidence.decide(eva.id, world.large, qual.id, chunk.id, "accepted"),
        "unlink": lambda: evidence.unlink(eva.id, link.id),
        "upload": lambda: uploads.add_upload(world.large, "새.md", io.BytesIO(b"# new\n\ntext")),
        "retry": lambda: documents.retry(spare.id),
        "delete": lambda: documents.delete_document(spare.id),
        "conflict": lambda: rounds.declare_conflict(world.large, eva.id, conflict=True, note="x"),
        "applicant": lambda: rounds.add_applicant(world.round_id, "새도시", 10_000),
        "settings": lambda: rounds.update_settings(world.round_id, disagreement_pct="10"),
    }
    for name, write in writes.items():
        try:
            _refused(Conflict, write, "finalized", "reopen")
        except AssertionError as exc:  # pragma: no cover - names the write that got through
            raise AssertionError(f"{name}: {exc}") from exc

    # reopening needs a reason, and a manager
    info = _refused(
        Invalid,
        lambda: rounds.reopen(world.round_id, actor_id=coord.id, reason="  "),
        "reopened",
    )
    assert set(info.value.fields) == {"reason"}
    _refused(
        Forbidden,
        lambda: rounds.reopen(world.round_id, actor_id=eva.id, reason="정정"),
        "coordinator",
    )
    rounds.reopen(world.round_id, actor_id=coord.id, reason="점수 입력 오류 정정")
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "round.reopen")).one()
    assert event.data["reason"] == "점수 입력 오류 정정" and event.round_id == world.round_id
    assert _save(eva, world.large, quant, points="11", link_ids=[link.id]).version == 2
    _refused(
        Conflict,
        lambda: rounds.reopen(world.round_id, actor_id=coord.id, reason="again"),
        "not finalized",
    )


def test_cli_refuses_finalized_writes_and_bad_points(app: Flask, ctx: dict[str, Any]) -> None:
    world = ctx["world"]
    runner = app.test_cli_runner()
    base = ["score", str(world.large), "INN-02", "--evaluator", "eva", "--stage", "document"]
    reason = ["--no-evidence-reason", "없음"]

    before = _state()
    bad = runner.invoke(args=[*base, "--points", "41", *reason])
    assert bad.exit_code == 1 and bad.stdout == ""
    assert bad.stderr.startswith("error: ") and "between 0 and 40" in bad.stderr
    both = runner.invoke(args=[*base, "--points", "4", "--level", "3", *reason])
    assert both.exit_code == 2 and both.stderr.startswith("error: ")
    assert _state() == before

    ok = runner.invoke(args=[*base, "--points", "12.5", *reason])
    assert ok.exit_code == 0, ok.output
    final = runner.invoke(args=["finalize", str(world.round_id), "--by", "coord"])
    assert final.exit_code == 0, final.output

    before = _state()
    for args in (
        [*base, "--points", "13", *reason],
        ["set-round", str(world.round_id), "--aggregation", "trimmed_mean"],
        ["finalize", str(world.round_id), "--by", "coord"],
    ):
        refused = runner.invoke(args=args)
        assert refused.exit_code == 1, (args, refused.output)
        assert refused.stderr.startswith("error: ") and "finalized" in refused.stderr
        assert refused.stdout == ""
    no_reason = runner.invoke(args=["reopen", str(world.round_id), "--by", "coord", "--reason", ""])
    assert no_reason.exit_code == 1 and no_reason.stderr.startswith("error: reason:")
    assert _state() == before


# ---------------------------------------------------------------- blind first


def test_blind_until_own_score_at_that_stage(ctx: dict[str, Any]) -> None:
    world, eva, evb, coord = ctx["world"], ctx["eva"], ctx["evb"], ctx["coord"]
    quant = ctx["quant"]
    rounds.assign(world.large, "evb")

    def seen(viewer: User) -> list[tuple[str, str]]:
        return [
            (s.stage, s.evaluator.username)
            for s in scoring.visible_scores(viewer, world.large, quant.id)
        ]

    _save(eva, world.large, quant, points="30")
    assert seen(evb) == []
    assert seen(eva) == [("document", "eva")]
    assert seen(coord) == [("document", "eva")]
    assert seen(user("admin")) == [("document", "eva")]

    # evb scores on site only: eva's document score stays hidden
    _save(evb, world.large, quant, "onsite", points="20")
    assert seen(evb) == [("onsite", "evb")]
    assert seen(eva) == [("document", "eva")]
    # once evb saves at the document stage, both see each other's there (own first)
    _save(evb, world.large, quant, points="25")
    assert seen(evb) == [("document", "evb"), ("document", "eva"), ("onsite", "evb")]
    assert seen(eva) == [("document", "eva"), ("document", "evb")]
    assert seen(coord) == [("document", "eva"), ("document", "evb"), ("onsite", "evb")]


def test_a_declared_conflict_takes_the_scores_out_and_stands(ctx: dict[str, Any]) -> None:
    """An evaluator who declares a conflict after scoring no longer counts in the results,
    cannot score again and cannot withdraw the declaration alone."""

    world, eva = ctx["world"], ctx["eva"]
    rounds.assign(world.large, "evb")
    _save(eva, world.large, ctx["quant"], points="40")
    _save(ctx["evb"], world.large, ctx["quant"], points="20")

    def inn02() -> Any:
        (row,) = [
            r
            for r in grades.round_grades(world.round_id).submissions
            if r.submission.id == world.large
        ]
        return next(i for i in row.result.indicators if i.code == "INN-02")

    assert (inn02().score, inn02().n_scores) == (Decimal("30.00"), 2)
    rounds.declare_conflict(world.large, eva.id, conflict=True, note="배우자가 해당 시 공무원")
    assert (inn02().score, inn02().n_scores) == (Decimal("20.00"), 1)
    _refused(Forbidden, lambda: _save(eva, world.large, ctx["quant"], points="30"), "conflict")
    _refused(
        Forbidden,
        lambda: rounds.declare_conflict(world.large, eva.id, conflict=False),
        "cannot be withdrawn",
    )


def test_no_assignment_in_a_finalized_round(ctx: dict[str, Any]) -> None:
    world = ctx["world"]
    rounds.finalize(world.round_id, actor_id=ctx["coord"].id)
    _refused(Conflict, lambda: rounds.assign(world.large, "evb"), "finalized")


def test_text_limits_and_negative_zero(ctx: dict[str, Any]) -> None:
    world, eva = ctx["world"], ctx["eva"]
    long = "가" * (scoring.MAX_COMMENT_CHARS + 1)
    _refused(
        Invalid, lambda: _save(eva, world.large, ctx["quant"], points="1", comment=long), "5,000"
    )
    _refused(
        Invalid, lambda: _save(eva, world.large, ctx["quant"], points="1", comment="a\x00b"), "NUL"
    )
    _refused(
        Invalid,
        lambda: _save(eva, world.large, ctx["quant"], points="1", no_evidence_reason=long),
        "5,000",
    )
    assert str(_save(eva, world.large, ctx["quant"], points="-0").points) == "0.00"
    rounds.finalize(world.round_id, actor_id=ctx["coord"].id)
    _refused(
        Invalid,
        lambda: rounds.reopen(world.round_id, actor_id=ctx["coord"].id, reason="x" * 2001),
        "2,000",
    )


@pytest.mark.parametrize("typed", ["1e2", "-0", "70,5", "100.001", "101"])
def test_round_percentages_as_a_person_types_them(ctx: dict[str, Any], typed: str) -> None:
    world = ctx["world"]
    info = _refused(
        Invalid,
        lambda: rounds.update_settings(world.round_id, threshold_pct=typed),
        "percentage from 0 to 100",
    )
    assert set(info.value.fields) == {"threshold_pct"}
