"""Scoring: exact points, score versions and rubric levels, round rules, conflict answers,
audit events by round.

Revision ID: 0004_scoring
Revises: 0003_accounts
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_scoring"
down_revision = "0003_accounts"
branch_labels = None
depends_on = None

POINTS = sa.Numeric(10, 2)


def upgrade() -> None:
    with op.batch_alter_table("frameworks") as batch_op:
        batch_op.alter_column("total_points", type_=POINTS, existing_nullable=False)
        batch_op.alter_column("certification_threshold_pct", type_=POINTS, existing_nullable=False)
    with op.batch_alter_table("indicators") as batch_op:
        batch_op.alter_column("max_points", type_=POINTS, existing_nullable=False)
    with op.batch_alter_table("rounds") as batch_op:
        batch_op.alter_column("certification_threshold_pct", type_=POINTS, existing_nullable=False)
        batch_op.add_column(
            sa.Column("trim_min_evaluators", sa.Integer(), nullable=False, server_default="5")
        )
        batch_op.add_column(
            sa.Column("disagreement_pct", POINTS, nullable=False, server_default="20")
        )
    with op.batch_alter_table("assignments") as batch_op:
        batch_op.add_column(sa.Column("conflict_declared_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("claims") as batch_op:
        batch_op.alter_column("claimed_points", type_=POINTS, existing_nullable=True)
    with op.batch_alter_table("scores") as batch_op:
        batch_op.alter_column("value", new_column_name="points", type_=POINTS, existing_nullable=False)
        batch_op.add_column(sa.Column("level", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
    with op.batch_alter_table("audit_events") as batch_op:
        batch_op.add_column(sa.Column("round_id", sa.Integer(), nullable=True))
        batch_op.create_index("ix_audit_events_round_id", ["round_id"])


def downgrade() -> None:
    with op.batch_alter_table("audit_events") as batch_op:
        batch_op.drop_index("ix_audit_events_round_id")
        batch_op.drop_column("round_id")
    with op.batch_alter_table("scores") as batch_op:
        batch_op.drop_column("version")
        batch_op.drop_column("level")
        batch_op.alter_column("points", new_column_name="value", type_=sa.Float())
    with op.batch_alter_table("claims") as batch_op:
        batch_op.alter_column("claimed_points", type_=sa.Float())
    with op.batch_alter_table("assignments") as batch_op:
        batch_op.drop_column("conflict_declared_at")
    with op.batch_alter_table("rounds") as batch_op:
        batch_op.drop_column("disagreement_pct")
        batch_op.drop_column("trim_min_evaluators")
        batch_op.alter_column("certification_threshold_pct", type_=sa.Float())
    with op.batch_alter_table("indicators") as batch_op:
        batch_op.alter_column("max_points", type_=sa.Float())
    with op.batch_alter_table("frameworks") as batch_op:
        batch_op.alter_column("total_points", type_=sa.Float())
        batch_op.alter_column("certification_threshold_pct", type_=sa.Float())
