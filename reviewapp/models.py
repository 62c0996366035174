"""The domain model of DESIGN.md: frameworks, rounds, submissions, evidence, scores, audit."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from .extensions import db

# Points and percentages: exact decimals with 2 places (never floats), so that totals,
# percentages and grade boundaries come out to the cent (issue 11; reviewapp/grading.py).
Points = Numeric(10, 2, asdecimal=True)


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class Role(enum.StrEnum):
    ADMIN = "admin"
    COORDINATOR = "coordinator"
    EVALUATOR = "evaluator"


class DocumentType(enum.StrEnum):
    APPLICATION = "application"
    QUANTITATIVE = "quantitative"
    SELF_EVALUATION = "self_evaluation"
    EVIDENCE = "evidence"
    # laws, national plans, standards: context for the committee, not proof about the city
    REFERENCE = "reference"
    OTHER = "other"


class DocumentStatus(enum.StrEnum):
    QUEUED = "queued"
    EXTRACTING = "extracting"
    INDEXING = "indexing"
    READY = "ready"
    FAILED = "failed"


class IndicatorKind(enum.StrEnum):
    QUANTITATIVE = "quantitative"
    QUALITATIVE = "qualitative"


class Decision(enum.StrEnum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = {"sqlite_autoincrement": True}
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(120), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20), default=Role.EVALUATOR.value)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # Stored in the session at login and compared on every request: bumping it (logout,
    # password change or reset, deactivation) ends every session of this user.
    session_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # The user's settings (accounts.set_keyboard_shortcuts): the workbench's single-key
    # shortcuts act only when on (WCAG 2.1.4 asks that they can be turned off).
    keyboard_shortcuts: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    def has_role(self, *roles: str) -> bool:
        return self.role in roles


class Framework(db.Model):
    """An indicator set, versioned; a round pins one framework row."""

    __tablename__ = "frameworks"
    __table_args__ = (UniqueConstraint("code", "version"), {"sqlite_autoincrement": True})
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(80))
    version: Mapped[str] = mapped_column(String(40))
    name_ko: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    scheme: Mapped[str] = mapped_column(String(40), default="city")
    total_points: Mapped[Decimal] = mapped_column(Points)
    certification_threshold_pct: Mapped[Decimal] = mapped_column(Points, default=Decimal(70))
    # tracks, stages, grade_bands, certified_grades as loaded from the file
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    source_name: Mapped[str] = mapped_column(String(255), default="")
    source_sha256: Mapped[str] = mapped_column(String(64), default="")
    imported_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    areas: Mapped[list[Area]] = relationship(
        back_populates="framework", order_by="Area.position", cascade="all, delete-orphan"
    )
    indicators: Mapped[list[Indicator]] = relationship(
        back_populates="framework", order_by="Indicator.position", cascade="all, delete-orphan"
    )


class Area(db.Model):
    __tablename__ = "areas"
    __table_args__ = (UniqueConstraint("framework_id", "code"), {"sqlite_autoincrement": True})
    id: Mapped[int] = mapped_column(primary_key=True)
    framework_id: Mapped[int] = mapped_column(ForeignKey("frameworks.id"))
    code: Mapped[str] = mapped_column(String(40))
    title_ko: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)

    framework: Mapped[Framework] = relationship(back_populates="areas")
    indicators: Mapped[list[Indicator]] = relationship(
        back_populates="area", order_by="Indicator.position"
    )


class Indicator(db.Model):
    __tablename__ = "indicators"
    __table_args__ = (UniqueConstraint("framework_id", "code"), {"sqlite_autoincrement": True})
    id: Mapped[int] = mapped_column(primary_key=True)
    framework_id: Mapped[int] = mapped_column(ForeignKey("frameworks.id"))
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))
    code: Mapped[str] = mapped_column(String(40))
    title_ko: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str] = mapped_column(String(300), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    guidance: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(20))
    max_points: Mapped[Decimal] = mapped_column(Points)
    unit: Mapped[str] = mapped_column(String(40), default="")
    rubric: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    search_hints: Mapped[list[str]] = mapped_column(JSON, default=list)
    position: Mapped[int] = mapped_column(Integer, default=0)

    framework: Mapped[Framework] = relationship(back_populates="indicators")
    area: Mapped[Area] = relationship(back_populates="indicators")


class Round(db.Model):
    """One certification contest; pins a framework version and its grading rules."""

    __tablename__ = "rounds"
    __table_args__ = {"sqlite_autoincrement": True}
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    framework_id: Mapped[int] = mapped_column(ForeignKey("frameworks.id"))
    status: Mapped[str] = mapped_column(String(20), default="open")  # open | finalized
    tracks: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    stages: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    grade_bands: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    certified_grades: Mapped[list[int]] = mapped_column(JSON, default=list)
    certification_threshold_pct: Mapped[Decimal] = mapped_column(Points, default=Decimal(70))
    aggregation_rule: Mapped[str] = mapped_column(String(40), default="mean")  # | trimmed_mean
    # trimmed_mean drops the highest and lowest score from this many scores on
    trim_min_evaluators: Mapped[int] = mapped_column(Integer, default=5, server_default="5")
    # an indicator is flagged when one stage's scores spread more than this % of max_points
    disagreement_pct: Mapped[Decimal] = mapped_column(
        Points, default=Decimal(20), server_default="20"
    )
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    finalized_at: Mapped[datetime | None] = mapped_column(DateTime)

    framework: Mapped[Framework] = relationship()
    submissions: Mapped[list[Submission]] = relationship(
        back_populates="round", order_by="Submission.id"
    )


class Applicant(db.Model):
    """A local government; the same applicant may enter several rounds."""

    __tablename__ = "applicants"
    __table_args__ = {"sqlite_autoincrement": True}
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    region: Mapped[str] = mapped_column(String(200), default="")
    population: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Submission(db.Model):
    __tablename__ = "submissions"
    __table_args__ = (UniqueConstraint("round_id", "applicant_id"), {"sqlite_autoincrement": True})
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"))
    applicant_id: Mapped[int] = mapped_column(ForeignKey("applicants.id"))
    track: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20), default="open")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    round: Mapped[Round] = relationship(back_populates="submissions")
    applicant: Mapped[Applicant] = relationship()
    documents: Mapped[list[Document]] = relationship(
        back_populates="submission", order_by="Document.id"
    )
    assignments: Mapped[list[Assignment]] = relationship(back_populates="submission")


class Assignment(db.Model):
    """Evaluator <-> submission, with the conflict-of-interest declaration."""

    __tablename__ = "assignments"
    __table_args__ = (
        UniqueConstraint("submission_id", "evaluator_id"),
        {"sqlite_autoincrement": True},
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"))
    evaluator_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    conflict_declared: Mapped[bool] = mapped_column(Boolean, default=False)
    conflict_note: Mapped[str] = mapped_column(Text, default="")
    # when the evaluator answered the conflict-of-interest question (None: not yet)
    conflict_declared_at: Mapped[datetime | None] = mapped_column(DateTime)
    assigned_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    submission: Mapped[Submission] = relationship(back_populates="assignments")
    evaluator: Mapped[User] = relationship(foreign_keys=[evaluator_id])


class Document(db.Model):
    """An uploaded original (kept byte for byte under its sha256) and its processing state."""

    __tablename__ = "documents"
    __table_args__ = {"sqlite_autoincrement": True}
    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), index=True)
    filename: Mapped[str] = mapped_column(String(500))
    folder: Mapped[str] = mapped_column(String(500), default="")
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(Integer, default=0)
    detected_type: Mapped[str] = mapped_column(String(20), default="")
    doc_type: Mapped[str] = mapped_column(String(30), default=DocumentType.EVIDENCE.value)
    status: Mapped[str] = mapped_column(String(20), default=DocumentStatus.QUEUED.value)
    error_code: Mapped[str] = mapped_column(String(40), default="")
    error: Mapped[str] = mapped_column(Text, default="")
    error_ko: Mapped[str] = mapped_column(Text, default="")
    page_count: Mapped[int] = mapped_column(Integer, default=0)
    pages_estimated: Mapped[bool] = mapped_column(Boolean, default=False)
    embedded: Mapped[bool] = mapped_column(Boolean, default=False)
    doc_metadata: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    batch: Mapped[str] = mapped_column(String(40), default="")  # one bulk upload
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    submission: Mapped[Submission] = relationship(back_populates="documents")
    pages: Mapped[list[Page]] = relationship(
        back_populates="document", order_by="Page.number", cascade="all, delete-orphan"
    )
    chunks: Mapped[list[Chunk]] = relationship(
        back_populates="document", order_by="Chunk.position", cascade="all, delete-orphan"
    )


class Page(db.Model):
    __tablename__ = "pages"
    __table_args__ = (UniqueConstraint("document_id", "number"), {"sqlite_autoincrement": True})
    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"))
    number: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text, default="")
    ocr: Mapped[bool] = mapped_column(Boolean, default=False)
    # Why the text may not be what the page prints ("" = fine): an extractors.SUSPECT_REASONS
    # code, e.g. "scan" for a scanned page that was not OCR'd.
    suspect_reason: Mapped[str] = mapped_column(String(20), default="", server_default="")

    document: Mapped[Document] = relationship(back_populates="pages")


class Chunk(db.Model):
    """A passage: page number plus character offsets into that page's text."""

    __tablename__ = "chunks"
    __table_args__ = {"sqlite_autoincrement": True}
    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    page: Mapped[int] = mapped_column(Integer)
    start_char: Mapped[int] = mapped_column(Integer)
    end_char: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)

    document: Mapped[Document] = relationship(back_populates="chunks")


class Claim(db.Model):
    """One row of an applicant's self-evaluation (or quantitative) table: what it claims for an
    indicator, and how that claim stands against the submitted evidence (issue 14).

    ``indicator_id`` is None for a row whose indicator could not be matched (``indicator_ref``
    keeps what the row said); such rows are listed as unmatched, never dropped.
    ``source_document_id`` is the table the row was imported from and ``source_reference``
    where in it ("시트 '자체평가' 5행"); ``cited_document``/``cited_page`` are what the row
    names as its evidence, as written. ``problems`` lists what could not be read in the row.
    The check (``status``: pending | supported | contradicted | weak | no_evidence | unmatched)
    keeps its deciding passages and values in ``evidence`` (JSON list) and the normalized
    claimed values in ``normalized``.
    """

    __tablename__ = "claims"
    __table_args__ = {"sqlite_autoincrement": True}
    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), index=True)
    indicator_id: Mapped[int | None] = mapped_column(ForeignKey("indicators.id"))
    indicator_ref: Mapped[str] = mapped_column(String(300), default="")
    kind: Mapped[str] = mapped_column(String(20), default="self_evaluation")
    claimed_points: Mapped[Decimal | None] = mapped_column(Points)
    claimed_value: Mapped[str] = mapped_column(String(200), default="")
    text: Mapped[str] = mapped_column(Text, default="")
    source_document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    source_reference: Mapped[str] = mapped_column(String(300), default="")
    cited_document: Mapped[str] = mapped_column(String(300), default="")
    cited_page: Mapped[str] = mapped_column(String(40), default="")
    problems: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    cited_document_missing: Mapped[bool] = mapped_column(Boolean, default=False)
    normalized: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    evidence: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    checked_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    indicator: Mapped[Indicator | None] = relationship()
    reviews: Mapped[list[ClaimReview]] = relationship(
        back_populates="claim", order_by="ClaimReview.id.desc()"
    )


class ClaimReview(db.Model):
    """An evaluator's mark that a claim was checked, with a note (audited)."""

    __tablename__ = "claim_reviews"
    __table_args__ = {"sqlite_autoincrement": True}
    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"), index=True)
    evaluator_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    claim: Mapped[Claim] = relationship(back_populates="reviews")
    evaluator: Mapped[User] = relationship()


class ClaimMapping(db.Model):
    """A coordinator's column mapping for a claims table layout the importer did not know,
    saved per round and reused for tables with the same header row (``header``: the header
    cells as read; ``columns``: field -> column index, fields being indicator, value,
    points, document, page)."""

    __tablename__ = "claim_mappings"
    __table_args__ = {"sqlite_autoincrement": True}
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    header: Mapped[list[str]] = mapped_column(JSON, default=list)
    columns: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class SuggestionDecision(db.Model):
    """One evaluator's decision on a suggested passage for an indicator.

    It belongs to that evaluator (blind review): an accepted decision always has the same
    evaluator's evidence link on that passage beside it, a rejection hides the passage from
    that evaluator's suggestions; both are changed only through services/evidence.py.
    """

    __tablename__ = "suggestion_decisions"
    __table_args__ = (
        UniqueConstraint("evaluator_id", "submission_id", "indicator_id", "chunk_id"),
        Index("ix_decisions_sub_ind", "submission_id", "indicator_id"),
        {"sqlite_autoincrement": True},
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    evaluator_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"))
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicators.id"))
    chunk_id: Mapped[int] = mapped_column(ForeignKey("chunks.id", ondelete="CASCADE"))
    decision: Mapped[str] = mapped_column(String(20))
    decided_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    chunk: Mapped[Chunk] = relationship()


score_links = Table(
    "score_links",
    db.metadata,
    Column("score_id", ForeignKey("scores.id", ondelete="CASCADE"), primary_key=True),
    Column("link_id", ForeignKey("evidence_links.id", ondelete="CASCADE"), primary_key=True),
)


class EvidenceLink(db.Model):
    """A page of a document cited by one evaluator as evidence for one indicator.

    One link per (evaluator, submission, indicator, passage), and per (evaluator, submission,
    indicator, document, page, quote) for a link whose passage is gone (re-extraction sets
    ``chunk_id`` to NULL until the same passage is found again): both unique, so a second
    click finds the first link instead of adding another.
    """

    __tablename__ = "evidence_links"
    __table_args__ = (
        Index("ix_links_sub_ind", "submission_id", "indicator_id"),
        Index(
            "uq_link_passage",
            "evaluator_id",
            "submission_id",
            "indicator_id",
            "chunk_id",
            unique=True,
        ),
        Index(
            "uq_link_citation",
            "evaluator_id",
            "submission_id",
            "indicator_id",
            "document_id",
            "page",
            "quote_sha256",
            unique=True,
        ),
        {"sqlite_autoincrement": True},
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"))
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicators.id"))
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"))
    chunk_id: Mapped[int | None] = mapped_column(ForeignKey("chunks.id", ondelete="SET NULL"))
    page: Mapped[int] = mapped_column(Integer)
    quote: Mapped[str] = mapped_column(Text, default="")
    quote_sha256: Mapped[str] = mapped_column(String(64), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    evaluator_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    document: Mapped[Document] = relationship()
    indicator: Mapped[Indicator] = relationship()
    evaluator: Mapped[User] = relationship()
    # the saved scores that cite this link (it cannot be removed while any does)
    citing_scores: Mapped[list[Score]] = relationship(secondary=score_links, viewonly=True)


class Score(db.Model):
    """One evaluator's score for one indicator of one submission at one stage.

    ``points`` is exact (2 decimals); for a qualitative indicator it is derived from the rubric
    ``level`` (max_points x points_pct / 100). ``version`` grows with every save: a form
    carries the version it was loaded with, and a stale one is refused (services/scoring.py).
    """

    __tablename__ = "scores"
    __table_args__ = (
        UniqueConstraint("submission_id", "indicator_id", "evaluator_id", "stage"),
        {"sqlite_autoincrement": True},
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"))
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicators.id"))
    evaluator_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    stage: Mapped[str] = mapped_column(String(40))
    points: Mapped[Decimal] = mapped_column(Points)
    level: Mapped[int | None] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    comment: Mapped[str] = mapped_column(Text, default="")
    no_evidence_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    links: Mapped[list[EvidenceLink]] = relationship(
        secondary=score_links, order_by="EvidenceLink.id"
    )
    indicator: Mapped[Indicator] = relationship()
    evaluator: Mapped[User] = relationship()


class Adjudication(db.Model):
    """The coordinator's note on how the committee settled a flagged indicator (issue 12).

    Notes are only added (a later note supersedes an earlier one on screen; both stay), and
    each is audited.
    """

    __tablename__ = "adjudications"
    __table_args__ = (
        Index("ix_adjudications_submission_indicator", "submission_id", "indicator_id"),
        {"sqlite_autoincrement": True},
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"))
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicators.id"))
    note: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    author: Mapped[User] = relationship()
    indicator: Mapped[Indicator] = relationship()


class CommitteeOpinion(db.Model):
    """The committee's opinion of one submission: the overall opinion (종합의견, ``area_code``
    "") or a short one on one area. Edited by coordinators while the round is open.

    ``version`` is 1 when the row is created and grows with every change; the opinion form
    carries the version each field was loaded with (0 where no row exists yet), and a stale
    one is refused (services/committee.py), so two coordinators cannot overwrite each other.
    """

    __tablename__ = "committee_opinions"
    __table_args__ = (
        UniqueConstraint("submission_id", "area_code"),
        {"sqlite_autoincrement": True},
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"))
    area_code: Mapped[str] = mapped_column(String(40), default="")  # "" = overall opinion
    text: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class AuditEvent(db.Model):
    """Who changed what, when: scores, links, decisions, grades, uploads, assignments."""

    __tablename__ = "audit_events"
    __table_args__ = {"sqlite_autoincrement": True}
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # the round the change belongs to, for `reviewapp audit --round` (None: not in a round)
    round_id: Mapped[int | None] = mapped_column(Integer, index=True)
    action: Mapped[str] = mapped_column(String(80))
    entity_type: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int | None] = mapped_column(Integer)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class LoginThrottle(db.Model):
    """Failed logins per (scope, key): scope "account" (normalized username) or "address".

    Kept in the database so that counts and locks hold across processes and restarts; the
    Redis backend of services/throttle.py replaces this table when REDIS_URL is set.
    """

    __tablename__ = "login_throttle"
    scope: Mapped[str] = mapped_column(String(20), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_start: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime)


class Question(db.Model):
    """One question an evaluator (or coordinator) asked of a submission's evidence, and the
    answer it got (issue 16). A conversation is one user's questions of one submission
    (``indicator_id`` set when asked from an indicator page); visible to that user and to
    coordinators and admins only."""

    __tablename__ = "questions"
    __table_args__ = (
        Index("ix_questions_user_sub", "user_id", "submission_id"),
        {"sqlite_autoincrement": True},
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"))
    indicator_id: Mapped[int | None] = mapped_column(ForeignKey("indicators.id"))
    question: Mapped[str] = mapped_column(Text)
    query: Mapped[str] = mapped_column(Text, default="")  # what was searched (follow-ups)
    answer: Mapped[str] = mapped_column(Text, default="")
    found: Mapped[bool] = mapped_column(Boolean, default=False)
    mode: Mapped[str] = mapped_column(String(20), default="extractive")
    # why the generative mode was not used (refused, failed, timed out), or ""
    notice: Mapped[str] = mapped_column(Text, default="")
    confidence: Mapped[float] = mapped_column(Float, default=0.0)
    citations: Mapped[list[Any]] = mapped_column(JSON, default=list)
    asked_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    user: Mapped[User] = relationship()


class IndicatorSummary(db.Model):
    """A cached extractive summary of one indicator's evidence in one submission (issue 16):
    per evaluator (their own links), or ``evaluator_id`` NULL for everyone's links (what
    coordinators see). Written by the background job when links change, never on a page
    request. ``sentences``: [{"text", "document", "document_id", "page", "chunk_id"}]."""

    __tablename__ = "indicator_summaries"
    __table_args__ = (
        Index("ix_summaries_key", "submission_id", "indicator_id", "evaluator_id"),
        {"sqlite_autoincrement": True},
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"))
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicators.id"))
    evaluator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    source: Mapped[str] = mapped_column(String(20), default="links")  # links | suggestions
    sentences: Mapped[list[Any]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
