"""Series loads become jobs of the engine: the queue leaves the ``series`` table.

Every queued series becomes a pending ``series.load`` job (key ``series:<id>``) with its
priority, place in the queue, attempts, next attempt and the provider it waits for; every load
run becomes a run of its series' job (a series whose load is not queued gets a finished job to
hold its history). Then ``load_runs`` and the queue columns of ``series`` go.

Revision ID: 0010_series_jobs
Revises: 0009_jobs
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from alembic import op

from aniworld_core.storage.types import UTCDateTime

revision = "0010_series_jobs"
down_revision = "0009_jobs"
branch_labels = None
depends_on = None

_FINAL = {"completed": "completed", "failed": "failed", "cancelled": "cancelled"}
_RUN_STATES = {"completed", "failed", "cancelled", "interrupted"}
_CHUNK = 500


def _job(series: Any, *, state: str, now: dt.datetime) -> dict[str, Any]:
    key = f"series:{series.id}"
    live = state == "pending"
    return {
        "kind": "series.load", "key": key, "live_key": key if live else None,
        "priority": series.priority if live else 20, "state": state,
        "attempts": series.attempts if live else 0, "max_attempts": 5,
        "queued_at": series.queued_at or series.created_at,
        "not_before": series.next_attempt_at if live else None, "timeout": None,
        "lease_owner": None, "lease_expires_at": None,
        "payload": {"series_id": series.id}, "progress_done": 0, "progress_total": None,
        "progress_message": None, "error": None if live else series.loading_error,
        "gate": f"provider:{series.waiting_for}" if live and series.waiting_for else None,
        "cancel_requested": False, "parent_id": None, "created_at": series.created_at,
        "updated_at": now, "started_at": series.loading_started_at,
        "finished_at": None if live else (series.loading_completed_at or now),
    }


def upgrade() -> None:
    now = dt.datetime.now(dt.UTC)
    conn = op.get_bind()
    series = sa.table(
        "series", sa.column("id", sa.String), sa.column("priority", sa.Integer),
        sa.column("queued_at", UTCDateTime()), sa.column("attempts", sa.Integer),
        sa.column("next_attempt_at", UTCDateTime()), sa.column("waiting_for", sa.String),
        sa.column("loading_status", sa.String), sa.column("loading_error", sa.Text),
        sa.column("loading_started_at", UTCDateTime()),
        sa.column("loading_completed_at", UTCDateTime()),
        sa.column("created_at", UTCDateTime()))
    load_runs = sa.table(
        "load_runs", sa.column("id", sa.Integer), sa.column("series_id", sa.String),
        sa.column("status", sa.String), sa.column("started_at", UTCDateTime()),
        sa.column("finished_at", UTCDateTime()), sa.column("error", sa.Text))
    jobs = sa.table(
        "jobs", *(sa.column(name) for name in (
            "id", "kind", "key", "live_key", "priority", "state", "attempts", "max_attempts",
            "timeout", "lease_owner", "lease_expires_at", "progress_done",
            "progress_total", "progress_message", "error", "gate", "cancel_requested",
            "parent_id")),
        sa.column("payload", sa.JSON), *(sa.column(name, UTCDateTime()) for name in (
            "queued_at", "not_before", "created_at", "updated_at", "started_at",
            "finished_at")))
    job_runs = sa.table(
        "job_runs", sa.column("job_id", sa.Integer), sa.column("attempt", sa.Integer),
        sa.column("state", sa.String), sa.column("owner", sa.String),
        sa.column("started_at", UTCDateTime()), sa.column("finished_at", UTCDateTime()),
        sa.column("error", sa.Text))

    with_runs = set(conn.execute(sa.select(load_runs.c.series_id).distinct()).scalars())
    rows = conn.execute(sa.select(series).where(
        series.c.queued_at.is_not(None) | series.c.id.in_(sa.select(load_runs.c.series_id))
    )).all()
    values = []
    for row in rows:
        if row.queued_at is not None:
            values.append(_job(row, state="pending", now=now))
        elif row.id in with_runs:
            values.append(_job(row, state=_FINAL.get(row.loading_status, "cancelled"), now=now))
    for start in range(0, len(values), _CHUNK):
        conn.execute(sa.insert(jobs), values[start:start + _CHUNK])
    job_of: dict[str, int] = {row.key: row.id for row in conn.execute(
        sa.select(jobs.c.key, jobs.c.id).where(jobs.c.kind == "series.load"))}
    attempt: dict[str, int] = {}
    runs = []
    for run in conn.execute(sa.select(load_runs).order_by(load_runs.c.id)):
        job_id = job_of.get(f"series:{run.series_id}")
        if job_id is None:
            continue
        attempt[run.series_id] = attempt.get(run.series_id, 0) + 1
        finished = run.finished_at is not None
        runs.append({"job_id": job_id, "attempt": attempt[run.series_id],
                     "state": run.status if finished and run.status in _RUN_STATES
                     else "interrupted",
                     "owner": None, "started_at": run.started_at,
                     "finished_at": run.finished_at or now,
                     "error": run.error if finished else
                     "Interrupted: the process running it stopped."})
    for start in range(0, len(runs), _CHUNK):
        conn.execute(sa.insert(job_runs), runs[start:start + _CHUNK])

    op.drop_table("load_runs")
    with op.batch_alter_table("series") as batch:
        batch.drop_index("ix_series_queue")
        for column in ("priority", "queued_at", "attempts", "next_attempt_at", "lease_owner",
                       "lease_expires_at", "waiting_for"):
            batch.drop_column(column)


def downgrade() -> None:
    with op.batch_alter_table("series") as batch:
        batch.add_column(sa.Column("priority", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("queued_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("next_attempt_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("lease_owner", sa.String(64), nullable=True))
        batch.add_column(sa.Column("lease_expires_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("waiting_for", sa.String(64), nullable=True))
        batch.create_index("ix_series_queue", ["priority", "queued_at"])
    op.create_table(
        "load_runs",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("series_id", sa.String(36), sa.ForeignKey("series.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
    )
    op.create_index("ix_load_runs_series_id", "load_runs", ["series_id"])
