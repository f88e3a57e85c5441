"""What identification and matching need to keep their promises.

Revision ID: 0008_contracts
Revises: 0007_reliability
"""

from __future__ import annotations

revision = "0008_contracts"
down_revision = "0007_reliability"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
