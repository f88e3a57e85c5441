"""Shows with seasons: the provider entries behind each season, each episode's entry, how a
folder holds its show, files that could not be placed, folders gone missing.

Revision ID: 0005_seasons
Revises: 0004_merge
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from aniworld_core.storage.types import UTCDateTime

revision = "0005_seasons"
down_revision = "0004_merge"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "series_entries",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("series_id", sa.String(36), sa.ForeignKey("series.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("entry", sa.String(64), nullable=False),
        sa.Column("season", sa.Integer(), nullable=False),
        sa.Column("part_offset", sa.Integer(), nullable=False),
        sa.Column("episodes", sa.Integer(), nullable=False),
        sa.Column("continues", sa.Boolean(), nullable=False),
        sa.Column("info", sa.JSON(), nullable=False),
        sa.UniqueConstraint("series_id", "position", name="uq_series_entry"),
    )
    op.create_index("ix_series_entries_entry", "series_entries", ["entry"])
    op.add_column("episodes", sa.Column("entry", sa.String(64), nullable=True))
    op.add_column("episodes", sa.Column("entry_number", sa.Integer(), nullable=True))
    op.add_column("library_series", sa.Column("layout", sa.String(16), nullable=True))
    op.add_column("library_series", sa.Column("chain_note", sa.Text(), nullable=True))
    op.add_column("library_series", sa.Column("unplaced", sa.JSON(), nullable=True))
    op.add_column("series", sa.Column("folder_missing_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("series") as batch:
        batch.drop_column("folder_missing_at")
    with op.batch_alter_table("library_series") as batch:
        batch.drop_column("unplaced")
        batch.drop_column("chain_note")
        batch.drop_column("layout")
    with op.batch_alter_table("episodes") as batch:
        batch.drop_column("entry_number")
        batch.drop_column("entry")
    op.drop_index("ix_series_entries_entry", "series_entries")
    op.drop_table("series_entries")
