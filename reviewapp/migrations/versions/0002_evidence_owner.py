"""Evidence links and suggestion decisions belong to their evaluator; audited ids never reused.

Revision ID: 0002_evidence_owner
Revises: f34b41e94f7d
"""

from __future__ import annotations

revision = "0002_evidence_owner"
down_revision = "f34b41e94f7d"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
