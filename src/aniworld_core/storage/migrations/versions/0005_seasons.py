"""Shows with seasons: the provider entries behind each season, each episode's entry, how a
folder holds its show, files that could not be placed, folders gone missing.

Episode lists saved before had one provider entry's numbers, so a folder with several seasons
had a wrong missing list. Every series with such a list loads its metadata (for AniList's
relations), seasons, episodes and NFOs again at the next start, as resumed work; until then
its missing episodes are unknown rather than wrong.

Revision ID: 0005_seasons
Revises: 0004_merge
"""

from __future__ import annotations

import datetime as dt

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
    _reload_episode_lists()


def _reload_episode_lists() -> None:
    flags = sa.table("library_series", sa.column("series_id", sa.String),
                     sa.column("provider_episodes", sa.Boolean))
    series = sa.table(
        "series", sa.column("id", sa.String), sa.column("loading_status", sa.String),
        sa.column("episodes_loaded", sa.Boolean), sa.column("nfo_loaded", sa.Boolean),
        sa.column("series_metadata", sa.JSON), sa.column("priority", sa.Integer),
        sa.column("queued_at", UTCDateTime()), sa.column("attempts", sa.Integer),
        sa.column("next_attempt_at", UTCDateTime()), sa.column("loading_error", sa.Text),
        sa.column("loading_completed_at", UTCDateTime()),
        sa.column("lease_owner", sa.String), sa.column("updated_at", UTCDateTime()))
    listed = sa.select(flags.c.series_id).where(flags.c.provider_episodes.is_(True))
    now = dt.datetime.now(dt.UTC)
    op.execute(series.update().where(series.c.id.in_(listed), series.c.lease_owner.is_(None))
               .values(loading_status="pending", episodes_loaded=False, nfo_loaded=False,
                       series_metadata=sa.null(), priority=10, queued_at=now, attempts=0,
                       next_attempt_at=None, loading_error=None, loading_completed_at=None,
                       updated_at=now))
    op.execute(flags.update().values(provider_episodes=False))


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
