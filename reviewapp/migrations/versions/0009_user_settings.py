"""The user's own settings (issue 17): ``users.keyboard_shortcuts``, whether the workbench's
single-key shortcuts act (WCAG 2.1.4: a user can turn them off, and it stays off on every
browser they log in from).

Revision ID: 0009_user_settings
Revises: 0008_questions
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_user_settings"
down_revision = "0008_questions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("keyboard_shortcuts", sa.Boolean(), nullable=False, server_default=sa.true())
        )


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("keyboard_shortcuts")
