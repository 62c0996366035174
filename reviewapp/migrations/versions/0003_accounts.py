"""Accounts: revocable sessions, login throttling.

Revision ID: 0003_accounts
Revises: 0002_evidence_owner
"""

from __future__ import annotations

revision = "0003_accounts"
down_revision = "0002_evidence_owner"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
