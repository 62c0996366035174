"""One indicator of a submission: its page, evidence links, suggestions and decisions, search.

Access is resolved once per request (access.indicator_for / access.link_for) and passed on;
who may *change* evidence or scores is the services' rule, shared with the command line.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_login import current_user, login_required
from werkzeug.datastructures import MultiDict

from ..converters import id_arg, int_arg, parse_id, parse_int
from ..models import (
    Assignment,
    Claim,
    EvidenceLink,
    Indicator,
    IndicatorKind,
    Role,
    Score,
    Submission,
)
from ..services import access, claims, evidence, indicators, scoring
from ..services import search as evidence_search
from ..services import suggestions as suggest
from ..services.errors import Conflict, Invalid
from ._responses import is_htmx
from .search import search_filters

bp = Blueprint("indicators", __name__)
PREFIX = "/submissions/<id:submission_id>/indicators/<code>"


def _back(submission: Submission, indicator: Indicator) -> Any:
    return redirect(url_for("indicators.page", submission_id=submission.id, code=indicator.code))


def _can_decide(submission: Submission) -> bool:
    return current_user.role == Role.EVALUATOR and any(
        a.evaluator_id == current_user.id for a in submission.assignments
    )


def _hits(submission: Submission, indicator: Indicator) -> evidence_search.SearchResults:
    query = request.args.get("q") or indicators.keyword_query(indicator)
    results = evidence_search.search(
        query, search_filters(submission.id), access.visible_submission_ids(current_user)
    )
    results.linked_chunks = evidence.linked_chunk_ids(current_user.id, submission.id, indicator.id)
    return results


@bp.route(PREFIX)
@login_required
def page(submission_id: int, code: str) -> Any:
    submission, indicator = access.indicator_for(current_user, submission_id, code)
    return _page(submission, indicator, _score_card(submission, indicator))


TABS = ("linked", "suggested", "search", "questions")


def _page(submission: Submission, indicator: Indicator, card: ScoreCard) -> str:
    """The workbench. The search hits are a fragment loaded after the page (htmx), unless the
    search form was sent without JavaScript (?q=...), which gets them in the page."""
    results = _hits(submission, indicator) if "q" in request.args else None
    tab = request.args.get("tab", "")
    return render_template(
        "indicators/page.html",
        submission=submission,
        indicator=indicator,
        query=request.args.get("q") or indicators.keyword_query(indicator),
        mode=request.args.get("mode", "hybrid"),
        results=results,
        tab=tab if tab in TABS else ("search" if results is not None else "linked"),
        around=indicators.neighbours(submission, indicator, current_user.id),
        questions_url=url_for(
            "answering.indicator_panel", submission_id=submission.id, code=indicator.code
        ),
        links=evidence.links_for(current_user, submission.id, indicator.id),
        can_decide=_can_decide(submission),
        card=card,
        indicator_claims=card.claims,
        can_review=claims.can_review(current_user, submission),
        finalized=card.finalized,
        reviews_of=lambda claim: claims.reviews_visible(current_user, claim),
    )


@bp.route(PREFIX + "/hits")
@login_required
def hits(submission_id: int, code: str) -> Any:
    submission, indicator = access.indicator_for(current_user, submission_id, code)
    return render_template(
        "search/_results.html",
        results=_hits(submission, indicator),
        indicator=indicator,
        submission=submission,
        can_decide=_can_decide(submission),
    )


def _links_fragment(submission: Submission, indicator: Indicator) -> str:
    return render_template(
        "indicators/_links.html",
        submission=submission,
        indicator=indicator,
        links=evidence.links_for(current_user, submission.id, indicator.id),
        can_decide=_can_decide(submission),
    )


@bp.route(PREFIX + "/links")
@login_required
def links(submission_id: int, code: str) -> Any:
    submission, indicator = access.indicator_for(current_user, submission_id, code)
    return _links_fragment(submission, indicator)


@bp.route(PREFIX + "/links", methods=["POST"])
@login_required
def link(submission_id: int, code: str) -> Any:
    submission, indicator = access.indicator_for(current_user, submission_id, code)
    chunk_id = id_arg("chunk_id", source="form") or abort(400)
    evidence.link_passage(
        current_user.id, submission.id, indicator.id, chunk_id, note=request.form.get("note", "")
    )
    if is_htmx():
        fragment = render_template(
            "indicators/_link_button.html",
            submission=submission,
            indicator=indicator,
            chunk_id=chunk_id,
            linked=True,
            can_decide=True,
        )
        return fragment, 200, {"HX-Trigger": "evidence-changed"}
    return _back(submission, indicator)


@bp.route(PREFIX + "/suggestions")
@login_required
def suggestions(submission_id: int, code: str) -> Any:
    submission, indicator = access.indicator_for(current_user, submission_id, code)
    return _suggestions_fragment(submission, indicator)


def _suggestions_fragment(submission: Submission, indicator: Indicator) -> str:
    can_decide = _can_decide(submission)
    limit = int_arg("limit", 10, lo=1, hi=200) or 10
    return render_template(
        "indicators/_suggestions.html",
        submission=submission,
        limit=limit,
        result=suggest.for_indicator(current_user, submission, indicator, limit=limit),
        rejected=(
            evidence.rejected_passages(current_user.id, submission.id, indicator.id)
            if can_decide
            else []
        ),
        can_decide=can_decide,
    )


@bp.route(PREFIX + "/suggestions", methods=["POST"])
@login_required
def decide(submission_id: int, code: str) -> Any:
    """Accept, reject or undo (``decision`` = accepted | rejected | undo) one passage."""
    submission, indicator = access.indicator_for(current_user, submission_id, code)
    chunk_id = id_arg("chunk_id", source="form") or abort(400)
    evidence.decide(
        current_user.id, submission.id, indicator.id, chunk_id, request.form.get("decision", "")
    )
    if is_htmx():
        return (
            _suggestions_fragment(submission, indicator),
            200,
            {"HX-Trigger": "suggestion-decided"},
        )
    return _back(submission, indicator)


@bp.route("/links/<id:link_id>/delete", methods=["POST"])
@login_required
def unlink(link_id: int) -> Any:
    link = access.link_for(current_user, link_id)
    submission = access.submission_for(current_user, link.submission_id)
    removed = evidence.unlink(current_user.id, link.id)
    indicator = indicators.indicator_for(submission, removed.indicator_code)
    if is_htmx():
        return _links_fragment(submission, indicator), 200, {"HX-Trigger": "evidence-changed"}
    return _back(submission, indicator)


# --- the score card -------------------------------------------------------------------------

KST = timezone(timedelta(hours=9), "KST")


@bp.app_template_filter("kst")
def kst(value: datetime | None) -> str:
    """A stored UTC time as Korean time (KST, UTC+9), e.g. "2026-03-02 14:05 KST"."""
    if value is None:
        return ""
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return aware.astimezone(KST).strftime("%Y-%m-%d %H:%M KST")


@bp.app_template_filter("points")
def points_text(value: Decimal | None) -> str:
    """Exact points as a person writes them: 12.50 -> "12.5", 40.00 -> "40"."""
    if value is None:
        return ""
    return format(Decimal(value).normalize(), "f")


@dataclass(frozen=True)
class StageForm:
    """One stage's form as the card shows it: saved score, values in the fields, errors."""

    code: str
    name: str
    score: Score | None
    values: Mapping[str, Any]
    errors: Mapping[str, str]
    others: list[Score]  # other evaluators' scores here: empty until one's own is saved
    message: str = ""  # a refusal of the last post (stale form, finalized round)
    just_saved: bool = False


@dataclass(frozen=True)
class ScoreCard:
    """What the score card shows to the current user for one indicator."""

    mode: str  # "evaluator" (assigned), "manager" (coordinator/admin: read only), "none"
    stages: list[StageForm]
    assignment: Assignment | None = None
    finalized: bool = False
    levels: list[tuple[dict[str, Any], Decimal]] = field(default_factory=list)
    own_links: list[EvidenceLink] = field(default_factory=list)
    message: str = ""  # errors that belong to no stage of the round (an unknown stage)
    claims: list[Claim] = field(default_factory=list)  # the applicant's, shown by the field


def _stage_name(stage: Mapping[str, Any], locale: str) -> str:
    if locale == "ko":
        return str(stage.get("name_ko") or stage["code"])
    return str(stage.get("name_en") or stage.get("name_ko") or stage["code"])


def _saved_values(score: Score | None) -> dict[str, Any]:
    if score is None:
        return {"points": "", "level": "", "comment": "", "link_ids": set(), "reason": ""}
    return {
        "points": points_text(score.points) if score.level is None else "",
        "level": str(score.level) if score.level is not None else "",
        "comment": score.comment,
        "link_ids": {link.id for link in score.links},
        "reason": score.no_evidence_reason,
    }


def _score_card(
    submission: Submission,
    indicator: Indicator,
    *,
    stage: str | None = None,
    draft: Mapping[str, Any] | None = None,
    errors: Mapping[str, str] | None = None,
    message: str = "",
    saved: bool = False,
) -> ScoreCard:
    """The card's state; ``stage`` names the stage the last post was for, with what was typed
    (``draft``), the field errors, a refusal message, or ``saved``."""
    locale = str(get_locale())
    assignment = None
    if current_user.role == Role.EVALUATOR:
        assignment = next(
            (a for a in submission.assignments if a.evaluator_id == current_user.id), None
        )
    mode = (
        "evaluator"
        if assignment is not None
        else "manager"
        if access.can_manage(current_user)
        else "none"
    )
    visible = scoring.visible_scores(current_user, submission.id, indicator.id)
    stages = []
    known = [s["code"] for s in submission.round.stages or []]
    for row in submission.round.stages or []:
        code = row["code"]
        here = [s for s in visible if s.stage == code]
        mine = next((s for s in here if s.evaluator_id == current_user.id), None)
        others = [s for s in here if s.evaluator_id != current_user.id]
        if mode == "evaluator" and mine is None:
            others = []  # blind first (visible_scores holds this rule; this view keeps it)
        posted = stage == code
        values = _saved_values(mine)
        values["version"] = mine.version if mine is not None else 0
        if posted and draft is not None:
            # a refused form keeps what was typed; after a stale-form refusal (version None)
            # it carries the current version, so saving it again is a deliberate overwrite
            values = {**draft, "version": draft.get("version", values["version"])}
            if values["version"] is None:
                values["version"] = mine.version if mine is not None else 0
        stages.append(
            StageForm(
                code=code,
                name=_stage_name(row, locale),
                score=mine,
                values=values,
                errors=dict(errors or {}) if posted else {},
                others=others if mode == "evaluator" else here,
                message=message if posted else "",
                just_saved=saved and posted,
            )
        )
    stray = ""
    if stage is not None and stage not in known:
        stray = " ".join([*(errors or {}).values(), message]).strip()
    levels = []
    if indicator.kind == IndicatorKind.QUALITATIVE:
        levels = [
            (row, scoring.level_points(indicator, row["level"])[1]) for row in indicator.rubric
        ]
    own_links = []
    if mode == "evaluator":
        own_links = [
            link
            for link in evidence.links_for(current_user, submission.id, indicator.id)
            if link.evaluator_id == current_user.id
        ]
    return ScoreCard(
        mode=mode,
        stages=stages,
        assignment=assignment,
        finalized=submission.round.status == "finalized",
        levels=levels,
        own_links=own_links,
        message=stray,
        claims=claims.for_indicator(submission.id, indicator.id),
    )


def _score_form(form: MultiDict[str, str]) -> tuple[scoring.ScoreForm, dict[str, Any]]:
    """The posted fields as a ScoreForm, and as typed (to put back into the form)."""
    raw_ids = form.getlist("link_ids")
    # an id that is not a number is kept as 0: refused as "not one of your links", never dropped
    link_ids = [parse_id(value) or 0 for value in raw_ids]
    version = parse_int(form.get("version", ""))
    points, level = form.get("points", ""), form.get("level", "")
    comment, reason = form.get("comment", ""), form.get("no_evidence_reason", "")
    values: dict[str, Any] = {
        "points": points,
        "level": level,
        "comment": comment,
        "link_ids": set(link_ids),
        "reason": reason,
        "version": version if version is not None else 0,
    }
    return (
        scoring.ScoreForm(
            points=points or None,
            level=level or None,
            comment=comment,
            link_ids=link_ids,
            no_evidence_reason=reason,
            # a form without a readable version is stale by definition (-1 matches nothing)
            version=version if version is not None else -1,
        ),
        values,
    )


def _score_fragment(submission: Submission, indicator: Indicator, card: ScoreCard) -> str:
    return render_template(
        "indicators/_score.html", submission=submission, indicator=indicator, card=card
    )


@bp.route(PREFIX + "/score")
@login_required
def score_card(submission_id: int, code: str) -> Any:
    """The score card alone (htmx), as the page shows it."""
    submission, indicator = access.indicator_for(current_user, submission_id, code)
    return _score_fragment(submission, indicator, _score_card(submission, indicator))


@bp.route(PREFIX + "/score", methods=["POST"])
@login_required
def score(submission_id: int, code: str) -> Any:
    """Save the current evaluator's score for one stage (scoring.save_score).

    Field errors answer 400 and a stale form or a finalized round 409, each with the card
    showing why (htmx swaps these into the card: static/app.js); nothing is saved then.
    """
    submission, indicator = access.indicator_for(current_user, submission_id, code)
    stage = request.form.get("stage", "")
    form, typed = _score_form(request.form)
    try:
        scoring.save_score(current_user.id, submission.id, indicator.id, stage, form)
    except Invalid as exc:
        card = _score_card(submission, indicator, stage=stage, draft=typed, errors=exc.fields)
        return _score_answer(submission, indicator, card, 400)
    except Conflict as exc:
        draft = {**typed, "version": None}
        card = _score_card(submission, indicator, stage=stage, draft=draft, message=str(exc))
        return _score_answer(submission, indicator, card, 409)
    if is_htmx():
        card = _score_card(submission, indicator, stage=stage, saved=True)
        return _score_fragment(submission, indicator, card), 200, {"HX-Trigger": "score-saved"}
    return redirect(
        url_for("indicators.page", submission_id=submission.id, code=indicator.code)
        + f"#score-{stage}",
        code=303,
    )


def _score_answer(
    submission: Submission, indicator: Indicator, card: ScoreCard, status: int
) -> tuple[str, int]:
    if is_htmx():
        return _score_fragment(submission, indicator, card), status
    return _page(submission, indicator, card), status


@bp.route(PREFIX + "/score/links")
@login_required
def score_links(submission_id: int, code: str) -> Any:
    """One stage's evidence checkboxes, redrawn when the evaluator links or unlinks evidence
    below; the boxes ticked in the open form (sent along) stay ticked."""
    submission, indicator = access.indicator_for(current_user, submission_id, code)
    stage = request.args.get("stage", "")
    card = _score_card(submission, indicator)
    stage_form = next((s for s in card.stages if s.code == stage), None)
    if stage_form is None or card.mode != "evaluator":
        abort(404)
    ticked = {parse_id(v) for v in request.args.getlist("link_ids")}
    if "draft" in request.args:
        stage_form = replace(stage_form, values={**stage_form.values, "link_ids": ticked})
    return render_template(
        "indicators/_score_links.html",
        submission=submission,
        indicator=indicator,
        card=card,
        stage=stage_form,
    )
