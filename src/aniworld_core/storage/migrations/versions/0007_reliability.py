"""What the loader needs to fail and retry honestly.

Revision ID: 0007_reliability
Revises: 0006_sessions
"""

from __future__ import annotations

revision = "0007_reliability"
down_revision = "0006_sessions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
