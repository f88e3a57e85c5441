"""What the loader needs to fail and retry honestly.

``series.waiting_for``: the provider a queued series waits for while that provider is down
(its circuit breaker is open); ``series.failed_inputs``: what a load that failed for good was
tried with, so it is tried again only when one of them changed; ``series.folder_error``: why
the last scan could not read the series' folder (its missing episodes are unknown meanwhile).
Load runs left open by a process that is gone end ``interrupted``.

Revision ID: 0007_reliability
Revises: 0006_sessions
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import op

from aniworld_core.storage.types import UTCDateTime

revision = "0007_reliability"
down_revision = "0006_sessions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("series", sa.Column("waiting_for", sa.String(64), nullable=True))
    op.add_column("series", sa.Column("failed_inputs", sa.String(64), nullable=True))
    op.add_column("series", sa.Column("folder_error", sa.Text(), nullable=True))
    series = sa.table("series", sa.column("id", sa.String), sa.column("lease_owner", sa.String))
    # Runs whose series nobody holds were left by a process that is gone: they end now.
    unheld = sa.select(series.c.id).where(series.c.lease_owner.is_(None))
    load_runs = sa.table("load_runs", sa.column("series_id", sa.String),
                         sa.column("status", sa.String), sa.column("error", sa.Text),
                         sa.column("finished_at", UTCDateTime()))
    op.execute(load_runs.update()
               .where(load_runs.c.finished_at.is_(None), load_runs.c.series_id.in_(unheld))
               .values(status="interrupted", finished_at=dt.datetime.now(dt.UTC),
                       error="Interrupted: the process loading it stopped."))


def downgrade() -> None:
    with op.batch_alter_table("series") as batch:
        batch.drop_column("folder_error")
        batch.drop_column("failed_inputs")
        batch.drop_column("waiting_for")
