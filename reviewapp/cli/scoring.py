"""link, score, set-round, grades, finalize, reopen, audit: the committee's work on the
command line, through the same services as the UI (blind rules, finalization, audit)."""

from __future__ import annotations

import json
from typing import Any

import click

from ..services import accounts, audit, evidence, grades, indicators, rounds, scoring
from ..services.errors import ServiceError
from ._common import emit, fail, json_option, with_database


@click.command("link")
@click.argument("submission_id", type=int)
@click.argument("indicator_code")
@click.option("--document", "document_id", type=int, required=True)
@click.option("--page", type=int, required=True)
@click.option("--quote", default="", help="Text on that page; links its passage if found.")
@click.option("--by", "username", required=True, help="The evaluator who cites it.")
@json_option
@with_database
def link_cmd(
    submission_id: int,
    indicator_code: str,
    document_id: int,
    page: int,
    quote: str,
    username: str,
    as_json: bool,
) -> None:
    """Cite a page of a document as evidence for an indicator; prints {"link_id": ID}."""
    try:
        user = accounts.user_by_name(username)
        indicator = indicators.indicator_for(rounds.get_submission(submission_id), indicator_code)
        link = evidence.link_citation(
            user.id, submission_id, indicator.id, document_id, page, quote=quote
        )
    except ServiceError as exc:
        fail(exc)
    emit(True, {"link_id": link.id}, "")


@click.command("score")
@click.argument("submission_id", type=int)
@click.argument("indicator_code")
@click.option("--evaluator", "username", required=True)
@click.option("--stage", required=True, help="A stage of the round, e.g. document or onsite.")
@click.option("--points", default=None, help="Quantitative indicators: 0 to max, 2 decimals.")
@click.option("--level", default=None, help="Qualitative indicators: a rubric level number.")
@click.option("--comment", default="")
@click.option("--link", "link_ids", type=int, multiple=True, help="A link id the score cites.")
@click.option("--no-evidence-reason", default="", help="Instead of links: why there is none.")
@json_option
@with_database
def score_cmd(
    submission_id: int,
    indicator_code: str,
    username: str,
    stage: str,
    points: str | None,
    level: str | None,
    comment: str,
    link_ids: tuple[int, ...],
    no_evidence_reason: str,
    as_json: bool,
) -> None:
    """Save an evaluator's score; prints {"score_id": ID, "points": P, "version": V}."""
    if (points is None) == (level is None):
        fail("give exactly one of --points (quantitative) or --level (qualitative)", 2)
    try:
        user = accounts.user_by_name(username)
        indicator = indicators.indicator_for(rounds.get_submission(submission_id), indicator_code)
        score = scoring.save_score(
            user.id,
            submission_id,
            indicator.id,
            stage,
            scoring.ScoreForm(
                points=points,
                level=level,
                comment=comment,
                link_ids=link_ids,
                no_evidence_reason=no_evidence_reason,
            ),
        )
    except ServiceError as exc:
        fail(exc)
    emit(True, {"score_id": score.id, "points": score.points, "version": score.version}, "")


@click.command("set-round")
@click.argument("round_id", type=int)
@click.option("--aggregation", type=click.Choice(rounds.AGGREGATION_RULES), default=None)
@click.option("--trim-min", type=int, default=None, help="Trim from this many scores on.")
@click.option("--disagreement-pct", default=None, help="Flag spreads above this % of max.")
@click.option("--threshold-pct", default=None, help="Certification threshold in %.")
@click.option("--stage", "stages", multiple=True, help="Keep only these stages (repeat).")
@json_option
@with_database
def set_round_cmd(
    round_id: int,
    aggregation: str | None,
    trim_min: int | None,
    disagreement_pct: str | None,
    threshold_pct: str | None,
    stages: tuple[str, ...],
    as_json: bool,
) -> None:
    """Change a round's grading rules (until its first score); prints the settings."""
    try:
        if (
            any(v is not None for v in (aggregation, trim_min, disagreement_pct, threshold_pct))
            or stages
        ):
            round_ = rounds.update_settings(
                round_id,
                aggregation=aggregation,
                trim_min=trim_min,
                disagreement_pct=disagreement_pct,
                threshold_pct=threshold_pct,
                stages=list(stages) or None,
            )
        else:
            round_ = rounds.get_round(round_id)
    except ServiceError as exc:
        fail(exc)
    settings = rounds.settings_of(round_)
    emit(True, settings, "")


@click.command("grades")
@click.option("--round", "round_id", type=int, required=True)
@json_option
@with_database
def grades_cmd(round_id: int, as_json: bool) -> None:
    """Totals, percentages, grades, certification and ranks of a round's submissions."""
    try:
        result = grades.round_grades(round_id)
    except ServiceError as exc:
        fail(exc)
    payload = grades.as_json(result)
    lines = [
        f"{row['rank']:>3}  {row['track']:<8} {row['applicant']:<20} {row['total']:>9} / "
        f"{row['max_total']}  {row['percent']:>6}%  grade {row['grade']}"
        f"{'  certified' if row['certified'] else ''}"
        f"{'' if row['complete'] else '  (provisional: ' + str(len(row['missing'])) + ' unscored)'}"
        for row in payload["submissions"]
    ]
    agreement = [
        f"alpha {stage}: {'n/a' if alpha is None else alpha} ({units} units)"
        for stage, (alpha, units) in result.alpha.items()
    ]
    emit(as_json, payload, "\n".join(lines + agreement) or "no submissions")


def _round_state(round_: Any) -> dict[str, Any]:
    return {"round": round_.id, "finalized": round_.status == "finalized"}


@click.command("finalize")
@click.argument("round_id", type=int)
@click.option("--by", "username", required=True)
@json_option
@with_database
def finalize_cmd(round_id: int, username: str, as_json: bool) -> None:
    """Finalize a round: every later write in it is refused. Prints "round N finalized"
    (--json: {"round": N, "finalized": true})."""
    try:
        round_ = rounds.finalize(round_id, actor_id=accounts.user_by_name(username).id)
    except ServiceError as exc:
        fail(exc)
    emit(as_json, _round_state(round_), f"round {round_.id} finalized")


@click.command("reopen")
@click.argument("round_id", type=int)
@click.option("--by", "username", required=True)
@click.option("--reason", required=True)
@json_option
@with_database
def reopen_cmd(round_id: int, username: str, reason: str, as_json: bool) -> None:
    """Reopen a finalized round, saying why. Prints "round N reopened" (--json: {"round": N,
    "finalized": false})."""
    try:
        round_ = rounds.reopen(round_id, actor_id=accounts.user_by_name(username).id, reason=reason)
    except ServiceError as exc:
        fail(exc)
    emit(as_json, _round_state(round_), f"round {round_.id} reopened")


@click.command("audit")
@click.option("--round", "round_id", type=int, required=True)
@json_option
@with_database
def audit_cmd(round_id: int, as_json: bool) -> None:
    """The round's audit trail, oldest first (times in UTC, ISO 8601)."""
    try:
        rounds.get_round(round_id)
    except ServiceError as exc:
        fail(exc)
    events = [
        {
            "id": e.id,
            "at": e.at.isoformat() + "Z",
            "actor_id": e.actor_id,
            "action": e.action,
            "entity_type": e.entity_type,
            "entity_id": e.entity_id,
            "data": e.data,
        }
        for e in audit.of_round(round_id)
    ]
    names = {user.id: user.username for user in accounts.list_users()}
    lines = [
        f"{e['at']}  {names.get(e['actor_id'], '-')}  {e['action']}  "
        f"{e['entity_type']} {e['entity_id']}  {json.dumps(e['data'], ensure_ascii=False)}"
        for e in events
    ]
    emit(as_json, {"round": round_id, "events": events}, "\n".join(lines) or "no events")


commands = [link_cmd, score_cmd, set_round_cmd, grades_cmd, finalize_cmd, reopen_cmd, audit_cmd]
