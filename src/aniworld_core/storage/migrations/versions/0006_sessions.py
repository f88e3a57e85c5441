"""Sessions kept server-side and login attempts counted in the database (shared by processes).

Revision ID: 0006_sessions
Revises: 0005_seasons
"""

from __future__ import annotations

revision = "0006_sessions"
down_revision = "0005_seasons"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
