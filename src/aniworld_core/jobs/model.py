"""What the jobs engine hands out: jobs, their runs, schedules, and the ``job_update`` event.

All are frozen attrs values; ``to_dict`` is the JSON shape the web API and ``--json`` share.
"""

from __future__ import annotations

import datetime as dt
import enum
import random
from collections.abc import Callable, Hashable
from typing import Any, ClassVar

import attrs

from aniworld_core._event_time import event_timestamp


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class JobState(enum.StrEnum):
    """``pending → running → completed | failed | cancelled``; the values are the wire format.

    A running job whose attempt fails with an error trying again can fix goes back to
    ``pending`` (due again after its backoff), as does one interrupted by a shutdown.
    """

    PENDING = "pending"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def is_final(self) -> bool:
        return self in _FINAL


_FINAL = frozenset({JobState.COMPLETED, JobState.FAILED, JobState.CANCELLED})
LIVE_STATES = (JobState.PENDING.value, JobState.RUNNING.value)


class RunState(enum.StrEnum):
    """How one attempt of a job ended (``running`` while it runs)."""

    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"
    #: Cut short through no fault of the job (a shutdown, a gate that closed, its process
    #: gone); the attempt does not count.
    INTERRUPTED = "interrupted"


@attrs.frozen
class RetryPolicy:
    """Exponential backoff with jitter: ``base·2^(attempt-1)``, capped at ``cap``, times
    0.5–1.5; a job fails for good after ``max_attempts`` attempts."""

    max_attempts: int = 5
    base: float = 30.0
    cap: float = 3600.0

    def delay(self, attempt: int, *, rng: Callable[[], float] = random.random) -> float:
        exponent = min(max(attempt, 1) - 1, 30)
        delay: float = min(self.cap, self.base * 2**exponent)
        return delay * (0.5 + rng())


@attrs.frozen
class JobProgress:
    """How far a running job is: ``done`` of ``total`` (``None``: not known) and what it does."""

    done: int = 0
    total: int | None = None
    message: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"done": self.done, "total": self.total, "message": self.message}


@attrs.frozen
class Job:
    """One unit of background work of a registered kind."""

    id: int
    kind: str
    key: str | None
    priority: int
    state: JobState
    attempts: int
    max_attempts: int
    payload: dict[str, Any]
    progress: JobProgress
    error: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    started_at: dt.datetime | None = None
    finished_at: dt.datetime | None = None
    not_before: dt.datetime | None = None
    timeout: float | None = None
    parent_id: int | None = None
    lease_owner: str | None = None
    #: The gate (``provider:jikan``) the job waits on while it is closed, if any.
    gate: str | None = None
    cancel_requested: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "key": self.key,
            "priority": self.priority,
            "state": self.state.value,
            "attempts": self.attempts,
            "max_attempts": self.max_attempts,
            "payload": self.payload,
            "progress": self.progress.to_dict(),
            "error": self.error,
            "created_at": _iso(self.created_at),
            "updated_at": _iso(self.updated_at),
            "started_at": _iso(self.started_at),
            "finished_at": _iso(self.finished_at),
            "not_before": _iso(self.not_before),
            "timeout": self.timeout,
            "parent_id": self.parent_id,
            "waiting_for": self.gate,
            "owner": self.lease_owner,
        }


@attrs.frozen
class JobRun:
    """One attempt of a job."""

    id: int
    job_id: int
    attempt: int
    state: RunState
    owner: str | None
    started_at: dt.datetime
    finished_at: dt.datetime | None
    error: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "job_id": self.job_id,
            "attempt": self.attempt,
            "state": self.state.value,
            "owner": self.owner,
            "started_at": _iso(self.started_at),
            "finished_at": _iso(self.finished_at),
            "error": self.error,
        }


@attrs.frozen
class Schedule:
    """A recurring job: every ``every`` seconds or by ``cron`` in ``timezone``."""

    name: str
    kind: str
    payload: dict[str, Any]
    every: float | None
    cron: str | None
    timezone: str
    enabled: bool
    next_run_at: dt.datetime | None
    last_run_at: dt.datetime | None
    last_job_id: int | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "payload": self.payload,
            "every": self.every,
            "cron": self.cron,
            "timezone": self.timezone,
            "enabled": self.enabled,
            "next_run_at": _iso(self.next_run_at),
            "last_run_at": _iso(self.last_run_at),
            "last_job_id": self.last_job_id,
        }


@attrs.frozen
class JobUpdate:
    """A job was added, or its state or progress changed (event ``job_update``)."""

    type: ClassVar[str] = "job_update"
    job_id: int
    kind: str
    key: str | None
    state: JobState
    progress: JobProgress
    error: str | None = None
    timestamp: dt.datetime = attrs.field(factory=_now)

    @classmethod
    def of(cls, job: Job) -> JobUpdate:
        return cls(job.id, job.kind, job.key, job.state, job.progress, job.error)

    @property
    def coalesce_key(self) -> Hashable:
        return ("job", self.job_id)

    def to_json(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "job_id": self.job_id,
            "kind": self.kind,
            "key": self.key,
            "state": self.state.value,
            "progress": self.progress.to_dict(),
            "error": self.error,
            "timestamp": event_timestamp(self.timestamp),
        }
