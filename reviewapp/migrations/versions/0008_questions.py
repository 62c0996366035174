"""Ask the evidence (issue 16): saved questions and answers, cached indicator summaries.

Revision ID: 0008_questions
Revises: 0007_claims
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_questions"
down_revision = "0007_claims"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "questions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("submission_id", sa.Integer(), sa.ForeignKey("submissions.id"), nullable=False),
        sa.Column("indicator_id", sa.Integer(), sa.ForeignKey("indicators.id"), nullable=True),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("query", sa.Text(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("found", sa.Boolean(), nullable=False),
        sa.Column("mode", sa.String(20), nullable=False),
        sa.Column("notice", sa.Text(), nullable=False, server_default=""),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("citations", sa.JSON(), nullable=False),
        sa.Column("asked_at", sa.DateTime(), nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_questions_user_sub", "questions", ["user_id", "submission_id"])
    op.create_table(
        "indicator_summaries",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("submission_id", sa.Integer(), sa.ForeignKey("submissions.id"), nullable=False),
        sa.Column("indicator_id", sa.Integer(), sa.ForeignKey("indicators.id"), nullable=False),
        sa.Column("evaluator_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("sentences", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_summaries_key",
        "indicator_summaries",
        ["submission_id", "indicator_id", "evaluator_id"],
    )


def downgrade() -> None:
    op.drop_index("ix_summaries_key", table_name="indicator_summaries")
    op.drop_table("indicator_summaries")
    op.drop_index("ix_questions_user_sub", table_name="questions")
    op.drop_table("questions")
