"""Evidence links and suggestion decisions belong to their evaluator; audited ids never reused.

- ``suggestions`` becomes ``suggestion_decisions`` (evaluator, submission, indicator, passage,
  decision, when) without the never-written ``similarity`` and ``rank``; each decided row
  moves to the evaluator who decided it, undecided rows are dropped (suggestions are
  computed, not stored).
- ``evidence_links.created_by_id`` becomes ``evaluator_id`` (the link's owner, its creator),
  gains ``quote_sha256`` and two unique keys: one link per (evaluator, submission, indicator,
  passage) and per (evaluator, submission, indicator, document, page, quote). Duplicates left
  by concurrent clicks are merged into the earliest link first.
- On SQLite every table is rebuilt with AUTOINCREMENT, so that an id deleted is never handed
  out again and the audit log never points at the wrong row (PostgreSQL sequences never
  reuse ids already).

Revision ID: 0002_evidence_owner
Revises: f34b41e94f7d
"""

from __future__ import annotations

import hashlib

import sqlalchemy as sa
from alembic import op

revision = "0002_evidence_owner"
down_revision = "f34b41e94f7d"
branch_labels = None
depends_on = None

TABLES = (
    "users",
    "frameworks",
    "areas",
    "indicators",
    "rounds",
    "applicants",
    "submissions",
    "assignments",
    "documents",
    "pages",
    "chunks",
    "claims",
    "scores",
    "audit_events",
)  # evidence_links is rebuilt with its new keys below


def _merge_duplicate_links(bind: sa.engine.Connection) -> None:
    rows = bind.execute(
        sa.text(
            "SELECT id, created_by_id, submission_id, indicator_id, document_id, page, chunk_id,"
            " quote FROM evidence_links ORDER BY id"
        )
    ).all()
    seen: dict[tuple[object, ...], int] = {}
    for id_, user, sub, ind, doc, page, chunk, quote in rows:
        sha = hashlib.sha256((quote or "").encode("utf-8")).hexdigest()
        keys = [(user, sub, ind, "c", chunk)] if chunk is not None else []
        keys.append((user, sub, ind, "q", doc, page, sha))
        first = next((seen[k] for k in keys if k in seen), None)
        if first is not None:
            bind.execute(
                sa.text(
                    "UPDATE score_links SET link_id = :first WHERE link_id = :dup AND NOT EXISTS"
                    " (SELECT 1 FROM score_links s2 WHERE s2.score_id = score_links.score_id"
                    " AND s2.link_id = :first)"
                ),
                {"first": first, "dup": id_},
            )
            bind.execute(sa.text("DELETE FROM score_links WHERE link_id = :dup"), {"dup": id_})
            bind.execute(sa.text("DELETE FROM evidence_links WHERE id = :dup"), {"dup": id_})
            continue
        for k in keys:
            seen[k] = id_
        bind.execute(
            sa.text("UPDATE evidence_links SET quote_sha256 = :sha WHERE id = :id"),
            {"sha": sha, "id": id_},
        )


def upgrade() -> None:
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"

    op.create_table(
        "suggestion_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("evaluator_id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("indicator_id", sa.Integer(), nullable=False),
        sa.Column("chunk_id", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(length=20), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["chunk_id"], ["chunks.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["evaluator_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["indicator_id"], ["indicators.id"]),
        sa.ForeignKeyConstraint(["submission_id"], ["submissions.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("evaluator_id", "submission_id", "indicator_id", "chunk_id"),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_decisions_sub_ind", "suggestion_decisions", ["submission_id", "indicator_id"]
    )
    op.execute(
        "INSERT INTO suggestion_decisions"
        " (evaluator_id, submission_id, indicator_id, chunk_id, decision, decided_at)"
        " SELECT decided_by_id, submission_id, indicator_id, chunk_id, decision,"
        " COALESCE(decided_at, CURRENT_TIMESTAMP) FROM suggestions"
        " WHERE decision IS NOT NULL AND decided_by_id IS NOT NULL"
    )
    op.drop_index("ix_suggestions_sub_ind", table_name="suggestions")
    op.drop_table("suggestions")

    with op.batch_alter_table("evidence_links") as batch:
        batch.add_column(
            sa.Column("quote_sha256", sa.String(length=64), nullable=False, server_default="")
        )
    _merge_duplicate_links(bind)
    with op.batch_alter_table(
        "evidence_links",
        recreate="always" if sqlite else "auto",
        table_kwargs={"sqlite_autoincrement": True} if sqlite else {},
    ) as batch:
        batch.alter_column(
            "created_by_id",
            new_column_name="evaluator_id",
            existing_type=sa.Integer(),
            existing_nullable=False,
        )
        pass
    op.create_index(
        "uq_link_passage",
        "evidence_links",
        ["evaluator_id", "submission_id", "indicator_id", "chunk_id"],
        unique=True,
    )
    op.create_index(
        "uq_link_citation",
        "evidence_links",
        ["evaluator_id", "submission_id", "indicator_id", "document_id", "page", "quote_sha256"],
        unique=True,
    )

    if sqlite:  # foreign keys are off during migrations (env.py), so rebuilding is safe
        for table in TABLES:
            with op.batch_alter_table(
                table, recreate="always", table_kwargs={"sqlite_autoincrement": True}
            ):
                pass


def downgrade() -> None:
    op.drop_index("uq_link_citation", table_name="evidence_links")
    op.drop_index("uq_link_passage", table_name="evidence_links")
    with op.batch_alter_table("evidence_links") as batch:
        batch.alter_column(
            "evaluator_id",
            new_column_name="created_by_id",
            existing_type=sa.Integer(),
            existing_nullable=False,
        )
        batch.drop_column("quote_sha256")
    op.create_table(
        "suggestions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("indicator_id", sa.Integer(), nullable=False),
        sa.Column("chunk_id", sa.Integer(), nullable=False),
        sa.Column("similarity", sa.Float(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(length=20), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["chunk_id"], ["chunks.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["decided_by_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["indicator_id"], ["indicators.id"]),
        sa.ForeignKeyConstraint(["submission_id"], ["submissions.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("submission_id", "indicator_id", "chunk_id"),
    )
    op.create_index("ix_suggestions_sub_ind", "suggestions", ["submission_id", "indicator_id"])
    # several evaluators' decisions on one passage collapse to the latest one
    op.execute(
        "INSERT INTO suggestions (submission_id, indicator_id, chunk_id, similarity, rank,"
        " decision, decided_by_id, decided_at)"
        " SELECT submission_id, indicator_id, chunk_id, 0, 0, decision, evaluator_id, decided_at"
        " FROM suggestion_decisions d WHERE d.id = (SELECT MAX(id) FROM suggestion_decisions d2"
        " WHERE d2.submission_id = d.submission_id AND d2.indicator_id = d.indicator_id"
        " AND d2.chunk_id = d.chunk_id)"
    )
    op.drop_index("ix_decisions_sub_ind", table_name="suggestion_decisions")
    op.drop_table("suggestion_decisions")
