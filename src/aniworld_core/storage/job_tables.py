"""Tables of the jobs engine: jobs, one run per attempt, and recurring schedules. Part of
``Base.metadata`` (``tables.py`` imports this). Only ``aniworld_core.jobs`` writes them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from aniworld_core.storage.tables import Base


class JobRow(Base):
    """A job. ``live_key`` is its key while it is pending or running (null once final): the
    unique index on it keeps one live job per key on every database."""

    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(64))
    key: Mapped[str | None] = mapped_column(String(200), index=True)
    live_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    priority: Mapped[int] = mapped_column(Integer, default=20)
    state: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=5)
    #: When it was (last) queued: first in first out within a priority.
    queued_at: Mapped[dt.datetime]
    not_before: Mapped[dt.datetime | None]
    timeout: Mapped[float | None] = mapped_column(Float)
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_expires_at: Mapped[dt.datetime | None]
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    progress_done: Mapped[int] = mapped_column(Integer, default=0)
    progress_total: Mapped[int | None] = mapped_column(Integer)
    progress_message: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    #: The gate (``provider:jikan``) a pending job waits on: not claimed while it is closed.
    gate: Mapped[str | None] = mapped_column(String(64))
    cancel_requested: Mapped[bool] = mapped_column(default=False)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]
    started_at: Mapped[dt.datetime | None]
    finished_at: Mapped[dt.datetime | None]

    __table_args__ = (
        Index("ix_jobs_claim", "state", "kind", "priority", "queued_at"),
        Index("ix_jobs_kind_key", "kind", "key"),
    )


class JobRunRow(Base):
    """One attempt of a job: who ran it, when, and how it ended."""

    __tablename__ = "job_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), index=True)
    attempt: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16))
    owner: Mapped[str | None] = mapped_column(String(64))
    started_at: Mapped[dt.datetime]
    finished_at: Mapped[dt.datetime | None]
    error: Mapped[str | None] = mapped_column(Text)


class ScheduleRow(Base):
    """A recurring job, fired by whichever process moves ``next_run_at`` first."""

    __tablename__ = "schedules"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    every_seconds: Mapped[float | None] = mapped_column(Float)
    cron: Mapped[str | None] = mapped_column(String(120))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    enabled: Mapped[bool] = mapped_column(default=True)
    next_run_at: Mapped[dt.datetime | None]
    last_run_at: Mapped[dt.datetime | None]
    last_job_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]


def new_job_values(kind: str, *, key: str | None, priority: int, payload: dict[str, Any],
                   now: dt.datetime, max_attempts: int = 5, timeout: float | None = None,
                   not_before: dt.datetime | None = None,
                   parent_id: int | None = None) -> dict[str, Any]:
    """The column values of a new pending job (for a Core ``INSERT``)."""
    return {
        "kind": kind, "key": key, "live_key": key, "priority": int(priority),
        "state": "pending", "attempts": 0, "max_attempts": max_attempts, "queued_at": now,
        "not_before": not_before, "timeout": timeout, "lease_owner": None,
        "lease_expires_at": None, "payload": payload, "progress_done": 0,
        "progress_total": None, "progress_message": None, "error": None, "gate": None,
        "cancel_requested": False, "parent_id": parent_id, "created_at": now,
        "updated_at": now, "started_at": None, "finished_at": None,
    }
