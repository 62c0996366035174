"""The applicant's claims against the evidence: the claims table of a submission and the
review marks (issue 14). The claim block of an indicator page is drawn by indicators.py.

Access is resolved once per request (access.submission_for / access.claim_for); who may mark
a claim checked is the service's rule (services/claims.py).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from markupsafe import Markup, escape

from ..models import Claim, Submission
from ..services import access, claims
from ._responses import is_htmx

bp = Blueprint("claims", __name__)


@bp.app_template_filter("marked")
def marked(snippet: str, marks: list[list[int]] | None) -> Markup:
    """A stored snippet with its marked spans (the values) in <mark>, everything escaped."""
    out, at = [], 0
    for start, end in sorted(tuple(m) for m in marks or [] if len(m) == 2):
        if start < at or end > len(snippet) or start >= end:
            continue
        out += [escape(snippet[at:start]), Markup("<mark>"), escape(snippet[start:end])]
        out.append(Markup("</mark>"))
        at = end
    out.append(escape(snippet[at:]))
    return Markup("").join(out)


@bp.app_template_global("claim_passage_url")
def claim_passage_url(entry: dict[str, Any]) -> str:
    """The document view at an evidence entry's passage (or its page)."""
    if entry.get("chunk_id"):
        url = url_for("documents.view", document_id=entry["document_id"], chunk=entry["chunk_id"])
        return f"{url}#chunk-{entry['chunk_id']}"
    return url_for("documents.view", document_id=entry["document_id"]) + f"#page-{entry['page']}"


def _context(submission: Submission) -> dict[str, Any]:
    return {
        "can_review": claims.can_review(current_user, submission),
        "finalized": submission.round.status == "finalized",
        "reviews_of": lambda claim: claims.reviews_visible(current_user, claim),
    }


@bp.route("/submissions/<id:submission_id>/claims")
@login_required
def table(submission_id: int) -> Any:
    """Every claim of the submission, contradictions first; ?status=, ?area=, ?indicator=."""
    submission = access.submission_for(current_user, submission_id)
    filters = {
        "status": request.args.get("status", "").strip() or None,
        "area": request.args.get("area", "").strip() or None,
        "indicator": request.args.get("indicator", "").strip().upper() or None,
    }
    rows = claims.of_submission(submission.id, **filters)
    framework = submission.round.framework
    return render_template(
        "claims/table.html",
        submission=submission,
        rows=rows,
        filters=filters,
        counts=claims.counts(submission.id),
        statuses=claims.STATUSES,
        areas=framework.areas,
        indicators=framework.indicators,
        **_context(submission),
    )


@bp.route("/claims/<id:claim_id>/review", methods=["POST"])
@login_required
def review(claim_id: int) -> Any:
    """The current evaluator marks the claim checked, with ``note``; back to the table or the
    indicator page (``back`` = indicator), or the claim's review marks for htmx."""
    claim = access.claim_for(current_user, claim_id)
    claims.mark_checked(current_user.id, claim.id, request.form.get("note", ""))
    submission = access.submission_for(current_user, claim.submission_id)
    claim = access.claim_for(current_user, claim_id)
    if is_htmx():
        return render_template(
            "claims/_reviews.html",
            claim=claim,
            submission=submission,
            back=request.form.get("back", "table"),
            **_context(submission),
        )
    return redirect(_back(claim), code=303)


def _back(claim: Claim) -> str:
    if request.form.get("back") == "indicator" and claim.indicator is not None:
        return (
            url_for("indicators.page", submission_id=claim.submission_id, code=claim.indicator.code)
            + f"#claim-{claim.id}"
        )
    return url_for("claims.table", submission_id=claim.submission_id) + f"#claim-{claim.id}"
