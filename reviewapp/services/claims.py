"""The applicant's claims against the evidence (issue 14): the check, the claims table, the
review marks and the command line's view.

``recheck`` checks each claim of a submission against its candidate evidence:

- the evaluators' evidence links for the claim's indicator (every evaluator's: the check is
  the committee's, and it names passages, never who linked them);
- the indicator's suggestions (the plain ranking, top ``SUGGESTIONS``);
- what the row cites: the passages of the cited page of the cited document, or of the whole
  document (at most ``CITED_PASSAGES``) when no page is named. The cited name is matched
  leniently against the submission's documents (file name without its extension, spaces,
  full-width characters, case and punctuation ignored); ``cited_document_missing`` is set
  when no document matches, or when a processed document has no such page.

Self-evaluation and application documents are the applicant's own claims, and reference
documents (statutes, national plans) say what is required, not what the city did: none of
them is ever evidence for a claim; nor is the document a claim was imported from (a
quantitative table's rows are not proved by that table). The figures are compared by
``reviewapp.claim_check.check_claim``; the points are compared with the indicator's rubric by
``reviewapp.claim_levels.level_doubt`` (a claim whose claimed level the evidence denies in
words is "weak" unless its figures are contradicted). A claim with no indicator is
"unmatched". The result is stored on the claim: ``status``, ``normalized`` (the claimed
values), ``evidence`` (the deciding passages: document, page, place, snippet with the value
marked, value) and ``checked_at``.

Rechecks run in the background (services/rechecks.py queues them when evidence, links or
documents change) and inline from `reviewapp claims`.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import exists, func, select
from sqlalchemy.orm import selectinload

from .. import claim_check, claim_levels
from ..extensions import db
from ..models import (
    Area,
    Assignment,
    Chunk,
    Claim,
    ClaimReview,
    Document,
    DocumentStatus,
    DocumentType,
    EvidenceLink,
    Indicator,
    IndicatorKind,
    Page,
    Role,
    Submission,
    User,
    utcnow,
)
from . import audit, evidence, places
from . import suggestions as suggest
from .errors import Forbidden, NotFound
from .rechecks import stale_ids
from .rounds import require_open_submission

SUGGESTIONS = 8
CITED_PASSAGES = 200
MAX_EVIDENCE = 6  # deciding passages kept per claim
RELEVANT = 2  # passages shown for a claim no value decided
SNIPPET_CONTEXT = 80  # characters of context either side of a marked value

NOT_EVIDENCE = frozenset(
    {
        DocumentType.SELF_EVALUATION.value,
        DocumentType.APPLICATION.value,
        DocumentType.REFERENCE.value,
    }
)

STATUSES = ("contradicted", "weak", "no_evidence", "unmatched", "pending", "supported")
"""Every status, in the order the claims table lists them (contradictions first)."""


# --- candidates ------------------------------------------------------------------------------


@dataclass
class Candidate:
    """One passage a claim is checked against. ``id``: the passage's chunk id, or minus the
    link id for a link whose passage is gone (its quote, or its page's text)."""

    id: int
    text: str
    document: Document
    page: int
    chunk_id: int | None
    source: str  # link | suggestion | cited


def _evidence_documents(submission_id: int) -> dict[int, Document]:
    """The submission's ready documents that can be evidence, by id."""
    rows = db.session.scalars(
        select(Document).where(
            Document.submission_id == submission_id,
            Document.status == DocumentStatus.READY.value,
            Document.doc_type.not_in(NOT_EVIDENCE),
        )
    )
    return {d.id: d for d in rows}


def _link_candidates(
    submission_id: int, indicator_id: int, docs: dict[int, Document]
) -> list[Candidate]:
    links = db.session.scalars(
        select(EvidenceLink)
        .where(
            EvidenceLink.submission_id == submission_id,
            EvidenceLink.indicator_id == indicator_id,
        )
        .order_by(EvidenceLink.id)
    ).all()
    chunk_ids = [link.chunk_id for link in links if link.chunk_id]
    chunks = {c.id: c for c in db.session.scalars(select(Chunk).where(Chunk.id.in_(chunk_ids)))}
    out = []
    for link in links:
        document = docs.get(link.document_id)
        if document is None:
            continue
        chunk = chunks.get(link.chunk_id or 0)
        if chunk is not None:
            out.append(Candidate(chunk.id, chunk.text, document, chunk.page, chunk.id, "link"))
            continue
        text = link.quote or db.session.scalar(
            select(Page.text).where(Page.document_id == document.id, Page.number == link.page)
        )
        if text:
            out.append(Candidate(-link.id, text, document, link.page, None, "link"))
    return out


def _suggested_candidates(
    submission: Submission, indicator: Indicator, docs: dict[int, Document]
) -> list[Candidate]:
    ranked = suggest.rank(submission, indicator, limit=SUGGESTIONS * 2)
    out = []
    for p in ranked.passages:
        document = docs.get(p.document_id)
        if document is not None:
            out.append(Candidate(p.chunk_id, p.text, document, p.page, p.chunk_id, "suggestion"))
        if len(out) == SUGGESTIONS:
            break
    return out


_EXTENSION = re.compile(r"\.[A-Za-z0-9]{1,5}$")
_NOISE = re.compile(r"[\s_\-.·,()\[\]{}「」『』<>《》〈〉\"'“”‘’]+")


def name_key(name: str) -> str:
    """A file name as the lenient match compares it: full-width folded (NFKC), case folded,
    folder and extension dropped, spaces and punctuation removed."""
    name = unicodedata.normalize("NFKC", name or "").strip()
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = _EXTENSION.sub("", name)
    return _NOISE.sub("", name.casefold())


def match_documents(cited: str, documents: Sequence[Document]) -> list[Document]:
    """The documents ``cited`` may name: those with the same key (see ``name_key``), else
    those whose key holds the cited key or is held by it (keys of 4 characters or more)."""
    key = name_key(cited)
    if not key:
        return []
    same = [d for d in documents if name_key(d.filename) == key]
    if same or len(key) < 4:
        return same
    return [
        d
        for d in documents
        if len(name_key(d.filename)) >= 4
        and (key in name_key(d.filename) or name_key(d.filename) in key)
    ]


_PAGE_NUMBERS = re.compile(r"(\d+)\s*(?:[-~–]\s*(\d+))?")
_PAGE_WORDS = re.compile(r"(?i)pages?|pp?\.?|쪽|페이지|면|[\s,.;/~\-–및]")


def cited_pages(text: str) -> list[int] | None:
    """The pages a citation names: "3" -> [3], "3-5" -> [3, 4, 5], "p.3, 7쪽" -> [3, 7];
    [] when it names none ("", "-"); None when it names something else (a sheet's name)."""
    text = unicodedata.normalize("NFKC", text or "").strip()
    pages: list[int] = []
    for m in _PAGE_NUMBERS.finditer(text):
        first = int(m.group(1))
        last = int(m.group(2) or first)
        if 1 <= first <= last <= first + 200:
            pages.extend(range(first, last + 1))
    if _PAGE_WORDS.sub("", _PAGE_NUMBERS.sub("", text)):
        return None
    return sorted(dict.fromkeys(pages))


@dataclass
class Citation:
    document: Document | None
    pages: list[int] | None
    missing: bool


def resolve_citation(claim: Claim, documents: Sequence[Document]) -> Citation:
    """What the claim's row cites, and whether it is missing from the submission. A name
    several documents answer to is not missing, but none of them is taken for it."""
    if not claim.cited_document.strip():
        return Citation(None, None, False)
    found = match_documents(claim.cited_document, documents)
    if len(found) != 1:
        return Citation(None, None, not found)
    document = found[0]
    pages = cited_pages(claim.cited_page)
    if pages and document.status == DocumentStatus.READY.value:
        present = set(
            db.session.scalars(select(Page.number).where(Page.document_id == document.id))
        )
        if any(p not in present for p in pages):
            return Citation(document, [p for p in pages if p in present], True)
    return Citation(document, pages, False)


def _cited_candidates(citation: Citation, docs: dict[int, Document]) -> list[Candidate]:
    """The cited pages' passages; the whole document's (at most CITED_PASSAGES) when the row
    names no page or not a page; none when none of the named pages exists."""
    document = citation.document
    if document is None or document.id not in docs:
        return []  # not evidence (the applicant's own tables), or not read yet
    query = select(Chunk).where(Chunk.document_id == document.id)
    if citation.pages:
        query = query.where(Chunk.page.in_(citation.pages))
    elif citation.missing:
        return []
    chunks = db.session.scalars(query.order_by(Chunk.position).limit(CITED_PASSAGES))
    return [Candidate(c.id, c.text, document, c.page, c.id, "cited") for c in chunks]


# --- the check -------------------------------------------------------------------------------


def _checker() -> Any:
    """The module that compares figures (tests put a stand-in here)."""
    return claim_check


def claim_text(claim: Claim) -> str:
    """What is checked: the row's text, with its value column when the text lacks it."""
    text, value = claim.text.strip(), claim.claimed_value.strip()
    if value and value not in text:
        return f"{value} {text}".strip()
    return text or value


def _plain(value: Any) -> Any:
    """A Decimal as a JSON number (int when whole)."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def normalized_value(q: Any) -> dict[str, Any]:
    """One claimed value as stored and printed: {"value", "unit", "period"}; a date's value
    is its ISO form to its granularity ("2024-04", "2024-09-30"), a range's "start/end"."""
    period = getattr(q, "period", None) or ""
    if getattr(q, "kind", "") == "date" or hasattr(q, "granularity"):
        granularity = getattr(q, "granularity", "day")
        start, end = getattr(q, "start", None), getattr(q, "end", None)
        value = _date_text(start, granularity)
        if getattr(q, "is_range", False) and end is not None:
            value = f"{value}/{_date_text(end, granularity)}"
        return {"value": value, "unit": "date", "period": period or value}
    return {
        "value": _plain(getattr(q, "value", q)),
        "unit": str(getattr(q, "unit", "") or ""),
        "period": str(period),
    }


def _date_text(day: Any, granularity: str) -> str:
    if not isinstance(day, dt.date):
        return str(day or "")
    if granularity == "year":
        return f"{day.year:04d}"
    if granularity == "month":
        return f"{day.year:04d}-{day.month:02d}"
    if granularity == "quarter":
        return f"{day.year:04d}-Q{(day.month - 1) // 3 + 1}"
    if granularity == "half":
        return f"{day.year:04d}-H{1 if day.month <= 6 else 2}"
    return day.isoformat()


def _text_of(value: Any) -> str:
    return str(getattr(value, "text", None) or value or "")


def snippet(text: str, span: tuple[int, int]) -> tuple[str, list[list[int]]]:
    """``text`` around ``span`` (``SNIPPET_CONTEXT`` characters each side, cut at spaces),
    with the span's offsets in the snippet."""
    start, end = max(0, span[0]), min(len(text), max(span[0], span[1]))
    a = max(0, start - SNIPPET_CONTEXT)
    b = min(len(text), end + SNIPPET_CONTEXT)
    if a > 0:
        space = text.find(" ", a, start)
        a = space + 1 if space != -1 else a
    if b < len(text):
        space = text.rfind(" ", end, b)
        b = space if space != -1 else b
    prefix = "…" if a > 0 else ""
    suffix = "…" if b < len(text) else ""
    body = " ".join(text[a:b].split(" ")).replace("\n", " ")
    offset = len(prefix) - a
    marks = [[start + offset, end + offset]] if end > start else []
    return prefix + body + suffix, marks


def _entry(candidate: Candidate, span: tuple[int, int], **extra: Any) -> dict[str, Any]:
    text, marks = snippet(candidate.text, span)
    document = candidate.document
    return {
        "document": document.filename,
        "document_id": document.id,
        "page": candidate.page,
        "chunk_id": candidate.chunk_id,
        "place": places.place_of(document, candidate.page, candidate.chunk_id).label,
        "snippet": text,
        "marks": marks,
        "source": candidate.source,
        **extra,
    }


@dataclass
class Outcome:
    status: str
    normalized: list[dict[str, Any]]
    evidence: list[dict[str, Any]]


def check(claim: Claim, indicator: Indicator | None, candidates: Sequence[Candidate]) -> Outcome:
    """One claim against its candidate passages: the figures (claim_check) and the points
    (claim_levels), combined as the module says."""
    module = _checker()
    text = claim_text(claim)
    passages = [
        module.Passage(
            id=c.id,
            text=c.text,
            document=c.document.filename,
            page=c.page,
            kind=c.document.doc_type,
        )
        for c in candidates
    ]
    result = _run_check(module, text, passages)
    normalized = [normalized_value(q) for q in result.quantities]
    if indicator is None:
        return Outcome("unmatched", normalized, [])
    by_id = {c.id: c for c in candidates}
    status = str(result.status)
    findings = list(result.findings)
    if status == "contradicted":
        deciding = [f for f in findings if not f.agrees]
    elif status == "supported":
        deciding = [f for f in findings if f.agrees]
    else:
        deciding = findings
    entries: list[dict[str, Any]] = []
    doubt = None
    if indicator.kind == IndicatorKind.QUALITATIVE.value and claim.claimed_points is not None:
        doubt = claim_levels.level_doubt(
            indicator.rubric or [],
            indicator.max_points,
            claim.claimed_points,
            indicator.title_ko,
            [(c.id, c.text) for c in candidates],
        )
    if doubt is not None and doubt.passage_id in by_id:
        entries.append(
            _entry(
                by_id[doubt.passage_id],
                doubt.span,
                role="level",
                agrees=False,
                value=doubt.clause.strip(),
                claim_value=_(
                    "%(p)s points: level %(level)s (%(label)s): %(requirement)s",
                    p=_plain(claim.claimed_points),
                    level=doubt.level,
                    label=doubt.label,
                    requirement=doubt.requirement,
                ),
                level=doubt.level,
                label=doubt.label,
                requirement=doubt.requirement,
            )
        )
        if status != "contradicted":
            status = "weak"
    seen: set[tuple[int, str]] = set()
    for finding in deciding:
        candidate = by_id.get(finding.passage_id)
        value = _text_of(finding.evidence_value)
        if candidate is None or (candidate.id, value) in seen:
            continue
        seen.add((candidate.id, value))
        span = tuple(finding.span) if finding.span else (0, 0)
        entries.append(
            _entry(
                candidate,
                (int(span[0]), int(span[1])),
                role="value",
                agrees=bool(finding.agrees),
                value=value,
                claim_value=_text_of(finding.claim_value),
            )
        )
    if not deciding and status in ("supported", "weak"):
        # no value decided: the passages that speak of the claim's subject
        for passage_id in list(getattr(result, "relevant", []) or [])[:RELEVANT]:
            candidate = by_id.get(passage_id)
            if candidate is not None:
                entries.append(_relevant_entry(candidate, getattr(result, "key_terms", ())))
    return Outcome(status, normalized, entries[:MAX_EVIDENCE])


def _relevant_entry(candidate: Candidate, terms: Sequence[str]) -> dict[str, Any]:
    """A passage relevant to the claim (its key words), with the first of them marked."""
    text = candidate.text
    found = sorted((i, i + len(t)) for t in terms if t and (i := text.find(t)) != -1)
    span = found[0] if found else (0, 0)
    return _entry(candidate, span, role="relevant", agrees=True, value="", claim_value="")


def _run_check(module: Any, text: str, passages: list[Any]) -> Any:
    parse = getattr(module, "parse_passages", None)
    parsed = parse(passages) if parse is not None and passages else None
    return module.check_claim(text, passages, parsed=parsed)


def recheck(submission_id: int, claim_ids: Iterable[int] | None = None) -> list[Claim]:
    """Check the submission's claims (all, or ``claim_ids``) again and store the results;
    returns the claims checked. Commits."""
    submission = db.session.get(Submission, submission_id)
    if submission is None:
        raise NotFound(f"no submission {submission_id}")
    query = (
        select(Claim)
        .where(Claim.submission_id == submission_id)
        .options(selectinload(Claim.indicator))
        .order_by(Claim.id)
    )
    if claim_ids is not None:
        query = query.where(Claim.id.in_(list(claim_ids)))
    claims = list(db.session.scalars(query))
    if not claims:
        return []
    started = utcnow()
    documents = list(
        db.session.scalars(
            select(Document).where(Document.submission_id == submission_id).order_by(Document.id)
        )
    )
    docs = _evidence_documents(submission_id)
    per_indicator: dict[int, list[Candidate]] = {}
    # Every claim is checked before any is changed: a change would be flushed by the next
    # claim's queries (autoflush) and hold the database's write lock (SQLite: the whole
    # file's) through the remaining checks, seconds to minutes on a busy machine, while
    # every login, link and score waits for it and fails after busy_timeout.
    results: list[tuple[Claim, Outcome, bool]] = []
    for claim in claims:
        indicator = claim.indicator
        citation = resolve_citation(claim, documents)
        candidates: list[Candidate] = []
        if indicator is not None:
            if indicator.id not in per_indicator:
                per_indicator[indicator.id] = _link_candidates(
                    submission_id, indicator.id, docs
                ) + _suggested_candidates(submission, indicator, docs)
            candidates = _unique(per_indicator[indicator.id] + _cited_candidates(citation, docs))
            # a table never proves its own rows (a quantitative table's claims)
            candidates = [c for c in candidates if c.document.id != claim.source_document_id]
        results.append((claim, check(claim, indicator, candidates), citation.missing))
    for claim, outcome, missing in results:
        claim.status = outcome.status
        claim.normalized = outcome.normalized
        claim.evidence = outcome.evidence
        claim.cited_document_missing = missing
        claim.checked_at = started
    db.session.commit()
    return claims


def _unique(candidates: Iterable[Candidate]) -> list[Candidate]:
    seen: dict[int, Candidate] = {}
    for c in candidates:
        seen.setdefault(c.id, c)
    return list(seen.values())


def recheck_stale(submission_id: int) -> int:
    """Check the claims never checked or marked stale; returns how many."""
    ids = stale_ids(submission_id)
    if ids:
        recheck(submission_id, ids)
    return len(ids)


# --- reading: the table, the indicator page, counts ------------------------------------------


def _order(claim: Claim) -> tuple[int, int, int, int]:
    """Contradictions first; within a status, claims whose points the evidence denies
    (a level doubt) first; then by indicator."""
    rank = STATUSES.index(claim.status) if claim.status in STATUSES else len(STATUSES)
    doubted = any(e.get("role") == "level" for e in claim.evidence or [])
    position = claim.indicator.position if claim.indicator is not None else 1 << 30
    return rank, 0 if doubted else 1, position, claim.id


def of_submission(
    submission_id: int,
    *,
    status: str | None = None,
    area: str | None = None,
    indicator: str | None = None,
) -> list[Claim]:
    """The submission's claims, contradictions first (see ``_order``), filtered by
    status, area code and indicator code (a claim with no indicator matches no area or
    indicator filter)."""
    query = (
        select(Claim)
        .where(Claim.submission_id == submission_id)
        .options(
            selectinload(Claim.indicator).selectinload(Indicator.area),
            selectinload(Claim.reviews).selectinload(ClaimReview.evaluator),
        )
    )
    if status:
        query = query.where(Claim.status == status)
    if area or indicator:
        query = query.join(Indicator, Indicator.id == Claim.indicator_id)
        if area:
            query = query.join(Area, Area.id == Indicator.area_id).where(Area.code == area)
        if indicator:
            query = query.where(Indicator.code == indicator)
    return sorted(db.session.scalars(query), key=_order)


def for_indicator(submission_id: int, indicator_id: int) -> list[Claim]:
    return list(
        db.session.scalars(
            select(Claim)
            .where(Claim.submission_id == submission_id, Claim.indicator_id == indicator_id)
            .options(selectinload(Claim.reviews).selectinload(ClaimReview.evaluator))
            .order_by(Claim.id)
        )
    )


def counts(submission_id: int) -> dict[str, int]:
    """Claims per status (every status, zeros included), and "total"."""
    found = dict(
        db.session.execute(
            select(Claim.status, func.count())
            .where(Claim.submission_id == submission_id)
            .group_by(Claim.status)
        ).all()
    )
    out = {s: int(found.get(s, 0)) for s in STATUSES}
    out["total"] = sum(found.values())
    return out


def status_by_indicator(submission_id: int) -> dict[int, str]:
    """indicator id -> the status of its most severe claim (for the coverage matrix)."""
    worst: dict[int, str] = {}
    for indicator_id, status in db.session.execute(
        select(Claim.indicator_id, Claim.status).where(
            Claim.submission_id == submission_id, Claim.indicator_id.is_not(None)
        )
    ):
        if indicator_id is None:
            continue
        rank = STATUSES.index(status) if status in STATUSES else len(STATUSES)
        current = worst.get(indicator_id)
        if current is None or rank < STATUSES.index(current):
            worst[indicator_id] = status if status in STATUSES else "pending"
    return worst


def reviews_visible(viewer: User, claim: Claim) -> list[ClaimReview]:
    """The claim's review marks ``viewer`` may see: coordinators and admins all; an evaluator
    their own, and the others' once they may see the others' evidence for the indicator
    (services/evidence.py: their own score saved)."""
    if viewer.role != Role.EVALUATOR:
        return list(claim.reviews)
    if claim.indicator_id is not None and evidence.sees_all_links(
        viewer, claim.submission_id, claim.indicator_id
    ):
        return list(claim.reviews)
    return [r for r in claim.reviews if r.evaluator_id == viewer.id]


def is_stale(claim: Claim) -> bool:
    return claim.checked_at is None


# --- review marks ----------------------------------------------------------------------------


def can_review(user: User, submission: Submission) -> bool:
    return user.role == Role.EVALUATOR and any(
        a.evaluator_id == user.id for a in submission.assignments
    )


def mark_checked(actor_id: int, claim_id: int, note: str = "") -> ClaimReview:
    """An assigned evaluator marks the claim checked, with a note (audited). Conflict when
    the round is finalized, Forbidden for anyone not assigned to the submission, NotFound
    for an unknown claim."""
    claim = db.session.get(Claim, claim_id)
    if claim is None:
        raise NotFound(f"no claim {claim_id}")
    require_open_submission(claim.submission_id)
    assigned = db.session.scalar(
        select(
            exists().where(
                Assignment.submission_id == claim.submission_id,
                Assignment.evaluator_id == actor_id,
            )
        )
    )
    if not assigned:
        raise Forbidden(_("Only evaluators assigned to this submission can mark its claims."))
    review = ClaimReview(claim_id=claim.id, evaluator_id=actor_id, note=note.strip())
    db.session.add(review)
    db.session.flush()
    audit.record(
        actor_id,
        "claim.review",
        "claim",
        claim.id,
        submission=claim.submission_id,
        indicator=claim.indicator.code if claim.indicator is not None else None,
        status=claim.status,
        note=review.note,
    )
    db.session.commit()
    return review


# --- the command line ------------------------------------------------------------------------


def as_json(claim: Claim) -> dict[str, Any]:
    """One claim as `reviewapp claims --json` prints it."""
    return {
        "id": claim.id,
        "indicator": claim.indicator.code if claim.indicator is not None else None,
        "text": claim.text,
        "claimed_value": claim.claimed_value,
        "claimed_points": _plain(claim.claimed_points)
        if claim.claimed_points is not None
        else None,
        "normalized": [
            {"value": n.get("value"), "unit": n.get("unit", ""), "period": n.get("period", "")}
            for n in claim.normalized or []
        ],
        "status": claim.status,
        "cited_document_missing": bool(claim.cited_document_missing),
        "evidence": [
            {
                "document": e.get("document", ""),
                "document_id": e.get("document_id"),
                "page": e.get("page"),
                "snippet": e.get("snippet", ""),
                "value": e.get("value", ""),
            }
            for e in claim.evidence or []
        ],
    }


@dataclass(frozen=True)
class ImportedFrom:
    """The claims imported from one table document: how many, how many unmatched, and the
    rows with what could not be read (``(source_reference, problems)``)."""

    claims: int
    unmatched: int
    problems: list[tuple[str, list[str]]]


def imported_from(document_id: int) -> ImportedFrom:
    """What the claims import made of ``document_id`` (for the CLI's ingest and import
    reports): counts and the rows whose cells could not all be read."""
    rows = db.session.scalars(
        select(Claim).where(Claim.source_document_id == document_id).order_by(Claim.id)
    ).all()
    return ImportedFrom(
        claims=len(rows),
        unmatched=sum(1 for c in rows if c.indicator_id is None),
        problems=[(c.source_reference, list(c.problems)) for c in rows if c.problems],
    )
