"""Series, episodes and load runs.

Revision ID: 0001_initial
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from aniworld_core.storage.types import UTCDateTime

revision = "0001_initial"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "series",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("title", sa.String(255), nullable=False),
        sa.Column("library_root", sa.Text(), nullable=True),
        sa.Column("folder", sa.Text(), nullable=True),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("anilist_id", sa.String(32), nullable=True),
        sa.Column("mal_id", sa.String(32), nullable=True),
        sa.Column("anidb_id", sa.String(32), nullable=True),
        sa.Column("tvdb_id", sa.String(32), nullable=True),
        sa.Column("tmdb_id", sa.String(32), nullable=True),
        sa.Column("imdb_id", sa.String(32), nullable=True),
        sa.Column("extra_ids", sa.JSON(), nullable=False),
        sa.Column("series_metadata", sa.JSON(), nullable=True),
        sa.Column("loading_status", sa.String(20), nullable=False),
        sa.Column("episodes_loaded", sa.Boolean(), nullable=False),
        sa.Column("nfo_loaded", sa.Boolean(), nullable=False),
        sa.Column("logo_loaded", sa.Boolean(), nullable=False),
        sa.Column("images_loaded", sa.Boolean(), nullable=False),
        sa.Column("loading_started_at", UTCDateTime(), nullable=True),
        sa.Column("loading_completed_at", UTCDateTime(), nullable=True),
        sa.Column("loading_error", sa.Text(), nullable=True),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("queued_at", UTCDateTime(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=True),
        sa.Column("lease_owner", sa.String(64), nullable=True),
        sa.Column("lease_expires_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("library_root", "folder", name="uq_series_folder"),
    )
    op.create_index("ix_series_queue", "series", ["priority", "queued_at"])
    op.create_index("ix_series_loading_status", "series", ["loading_status"])
    op.create_index("ix_series_anilist_id", "series", ["anilist_id"])
    op.create_index("ix_series_mal_id", "series", ["mal_id"])

    op.create_table(
        "episodes",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "series_id",
            sa.String(36),
            sa.ForeignKey("series.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("season", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("absolute_number", sa.Integer(), nullable=True),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("air_date", sa.Date(), nullable=True),
        sa.Column("plot", sa.Text(), nullable=True),
        sa.Column("file_path", sa.Text(), nullable=True),
        sa.UniqueConstraint("series_id", "season", "number", name="uq_episode_number"),
    )

    op.create_table(
        "load_runs",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "series_id",
            sa.String(36),
            sa.ForeignKey("series.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
    )
    op.create_index("ix_load_runs_series_id", "load_runs", ["series_id"])


def downgrade() -> None:
    op.drop_table("load_runs")
    op.drop_table("episodes")
    op.drop_index("ix_series_mal_id", "series")
    op.drop_index("ix_series_anilist_id", "series")
    op.drop_index("ix_series_loading_status", "series")
    op.drop_index("ix_series_queue", "series")
    op.drop_table("series")
