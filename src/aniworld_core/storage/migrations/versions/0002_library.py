"""Library scan: folders seen, video files found, provider episode lists.

Revision ID: 0002_library
Revises: 0001_initial
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from aniworld_core.storage.types import UTCDateTime

revision = "0002_library"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def _series_id() -> sa.Column[str]:
    return sa.Column(
        "series_id", sa.String(36), sa.ForeignKey("series.id", ondelete="CASCADE"),
        nullable=False,
    )


def upgrade() -> None:
    op.create_table(
        "library_series",
        sa.Column("series_id", sa.String(36), sa.ForeignKey("series.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("provider_episodes", sa.Boolean(), nullable=False),
        sa.Column("episodes_saved_at", UTCDateTime(), nullable=True),
    )
    op.create_table(
        "library_folders",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        _series_id(),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("mtime_ns", sa.BigInteger(), nullable=True),
        sa.UniqueConstraint("series_id", "path", name="uq_library_folder"),
    )
    op.create_table(
        "library_files",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        _series_id(),
        sa.Column("folder", sa.Text(), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("mtime_ns", sa.BigInteger(), nullable=False),
        sa.Column("season", sa.Integer(), nullable=True),
        sa.Column("episode", sa.Integer(), nullable=True),
        sa.Column("episode_end", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column("special", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_library_files_series_id", "library_files", ["series_id"])


def downgrade() -> None:
    op.drop_index("ix_library_files_series_id", "library_files")
    op.drop_table("library_files")
    op.drop_table("library_folders")
    op.drop_table("library_series")
