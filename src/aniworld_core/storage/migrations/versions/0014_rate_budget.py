"""The rate budget shared by every process on one database: turns handed out, pauses.

Revision ID: 0014_rate_budget
Revises: 0013_downloads
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_rate_budget"
down_revision = "0013_downloads"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rate_turns",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("provider", sa.String(64), nullable=False),
        sa.Column("at", sa.Float(), nullable=False),
    )
    op.create_index("ix_rate_turns_provider_at", "rate_turns", ["provider", "at"])
    op.create_table(
        "rate_pauses",
        sa.Column("provider", sa.String(64), primary_key=True),
        sa.Column("until", sa.Float(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("rate_pauses")
    op.drop_index("ix_rate_turns_provider_at", table_name="rate_turns")
    op.drop_table("rate_turns")
