"""Claims: optional indicator (unmatched rows are kept), what the row cites, what could not be
read, the check's status and evidence; evaluators' review marks; saved column mappings.

Revision ID: 0007_claims
Revises: 0006_page_suspect
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_claims"
down_revision = "0006_page_suspect"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("claims") as batch_op:
        batch_op.alter_column("indicator_id", existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(
            sa.Column("indicator_ref", sa.String(300), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("cited_document", sa.String(300), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("cited_page", sa.String(40), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("problems", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.add_column(
            sa.Column("status", sa.String(20), nullable=False, server_default="pending")
        )
        batch_op.add_column(
            sa.Column(
                "cited_document_missing", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
        batch_op.add_column(sa.Column("normalized", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.add_column(sa.Column("evidence", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.add_column(sa.Column("checked_at", sa.DateTime(), nullable=True))
    op.create_table(
        "claim_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("evaluator_id", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["claim_id"], ["claims.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["evaluator_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_claim_reviews_claim_id", "claim_reviews", ["claim_id"])
    op.create_table(
        "claim_mappings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("header", sa.JSON(), nullable=False),
        sa.Column("columns", sa.JSON(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["round_id"], ["rounds.id"]),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_claim_mappings_round_id", "claim_mappings", ["round_id"])


def downgrade() -> None:
    op.drop_index("ix_claim_mappings_round_id", table_name="claim_mappings")
    op.drop_table("claim_mappings")
    op.drop_index("ix_claim_reviews_claim_id", table_name="claim_reviews")
    op.drop_table("claim_reviews")
    with op.batch_alter_table("claims") as batch_op:
        for column in (
            "checked_at", "evidence", "normalized", "cited_document_missing", "status",
            "problems", "cited_page", "cited_document", "indicator_ref",
        ):  # fmt: skip
            batch_op.drop_column(column)
        batch_op.alter_column("indicator_id", existing_type=sa.Integer(), nullable=False)
