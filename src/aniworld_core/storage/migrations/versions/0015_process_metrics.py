"""Where the processes on one database publish their metrics, so any of them can show all.

Revision ID: 0015_process_metrics
Revises: 0014_rate_budget
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from aniworld_core.storage.types import UTCDateTime

revision = "0015_process_metrics"
down_revision = "0014_rate_budget"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "process_metrics",
        sa.Column("process", sa.String(120), primary_key=True),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("leader", sa.Boolean(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("snapshot", sa.JSON(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("process_metrics")
