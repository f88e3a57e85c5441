"""Downloads (each the row beside its ``episode.download`` job), what a user set for a source
on one series, and the files of the downloads folder seen by the importer.

Revision ID: 0013_downloads
Revises: 0012_airing
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from aniworld_core.storage.types import UTCDateTime

revision = "0013_downloads"
down_revision = "0012_airing"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "downloads",
        sa.Column("job_id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("series_id", sa.String(36), nullable=False),
        sa.Column("season", sa.Integer(), nullable=False),
        sa.Column("episodes", sa.JSON(), nullable=False),
        sa.Column("absolute", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("offer", sa.JSON(), nullable=False),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("bytes_done", sa.BigInteger(), nullable=False),
        sa.Column("bytes_total", sa.BigInteger(), nullable=True),
        sa.Column("part_path", sa.Text(), nullable=True),
        sa.Column("path", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_downloads_series_id", "downloads", ["series_id"])
    op.create_table(
        "series_sources",
        sa.Column("series_id", sa.String(36), primary_key=True),
        sa.Column("source", sa.String(32), primary_key=True),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "imports",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("mtime_ns", sa.BigInteger(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("series_id", sa.String(36), nullable=True),
        sa.Column("target", sa.Text(), nullable=True),
        sa.Column("guess", sa.JSON(), nullable=True),
        sa.Column("seen_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_imports_path", "imports", ["path"])


def downgrade() -> None:
    op.drop_table("imports")
    op.drop_table("series_sources")
    op.drop_index("ix_downloads_series_id", "downloads")
    op.drop_table("downloads")
