"""Pages whose text may not be what they print: ``pages.suspect_reason`` ("" = fine), e.g.
"scan" for a scanned page that was not OCR'd or "garbled" for a font without a character map.

Revision ID: 0006_page_suspect
Revises: 0005_committee
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_page_suspect"
down_revision = "0005_committee"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("pages") as batch_op:
        batch_op.add_column(
            sa.Column("suspect_reason", sa.String(length=20), nullable=False, server_default="")
        )


def downgrade() -> None:
    with op.batch_alter_table("pages") as batch_op:
        batch_op.drop_column("suspect_reason")
