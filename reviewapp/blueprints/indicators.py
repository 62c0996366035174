"""One indicator of a submission: its page, evidence links, suggestions and decisions, search.

Access is resolved once per request (access.indicator_for / access.link_for) and passed on;
who may *change* evidence is the evidence service's rule, shared with the command line.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ..converters import id_arg, int_arg
from ..models import Indicator, Role, Submission
from ..services import access, evidence, indicators
from ..services import search as evidence_search
from ..services import suggestions as suggest
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
    results = _hits(submission, indicator)
    return render_template(
        "indicators/page.html",
        submission=submission,
        indicator=indicator,
        query=results.query,
        mode=results.mode,
        results=results,
        links=evidence.links_for(current_user, submission.id, indicator.id),
        can_decide=_can_decide(submission),
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
    return render_template(
        "indicators/_suggestions.html",
        submission=submission,
        result=suggest.for_indicator(
            current_user,
            submission,
            indicator,
            limit=int_arg("limit", 10, lo=1) or 10,
        ),
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
