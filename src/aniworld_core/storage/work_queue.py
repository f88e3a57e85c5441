"""Series loads at start-up and as operators see them: making unfinished loads resumable,
loads that failed for good tried again once what they were tried with changed, what waits for
a provider that is down, how deep the queue is.

Each function runs inside a database session (``Database.session``); ``WorkStore`` calls them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

import attrs
from sqlalchemy import func, literal, select, update
from sqlalchemy.orm import Session

from aniworld_core.models import LoadingStatus, Priority, Series
from aniworld_core.storage.convert import to_series
from aniworld_core.storage.job_tables import JobRow
from aniworld_core.storage.load_queue import SERIES_LOAD, queue_loads
from aniworld_core.storage.tables import SeriesRow
from aniworld_core.storage.types import utcnow

_UNFINISHED = (
    LoadingStatus.PENDING,
    LoadingStatus.LOADING_EPISODES,
    LoadingStatus.LOADING_NFO,
    LoadingStatus.LOADING_LOGO,
    LoadingStatus.LOADING_IMAGES,
    LoadingStatus.QUEUED,
)
#: What a series that failed for good was tried with, as a short key (see
#: ``series.failed_inputs``): the loader's function of the series.
InputsKey = Callable[[Series], str]
#: How the error of a load waiting for a provider begins (the cause follows).
WAITING_PREFIX = "Waiting: "
#: The gate of a load waiting for a provider (``provider:jikan``).
GATE_PREFIX = "provider:"


def prepare_startup(session: Session, *, inputs_key: InputsKey) -> int:
    """Make unfinished loads resumable and return how many are queued.

    Queued loads from earlier runs drop to resume priority (user work overtakes them) and those
    waiting for a provider are due at once (this process checks it afresh); a series whose
    load is unfinished but has no job (its process died between the two) is queued again. A
    series that failed is not: only once what it was tried with changed (``inputs_key``), or a
    person asks.
    """
    live = (JobRow.kind == SERIES_LOAD) & (JobRow.state == "pending")
    session.execute(update(JobRow).where(live, JobRow.priority < Priority.RESUME)
                    .values(priority=int(Priority.RESUME)))
    session.execute(update(JobRow).where(live, JobRow.gate.is_not(None))
                    .values(gate=None, not_before=None))
    unfinished = session.scalars(select(SeriesRow.id).where(
        SeriesRow.loading_status.in_([status.value for status in _UNFINISHED]),
        ~select(JobRow.id).where(JobRow.live_key == literal("series:").concat(SeriesRow.id))
        .exists())).all()
    queue_loads(session, unfinished, priority=Priority.RESUME)
    retry_changed(session, inputs_key=inputs_key, priority=Priority.RESUME)
    return session.scalar(select(func.count()).select_from(JobRow).where(live)) or 0


def retry_changed(session: Session, *, inputs_key: InputsKey,
                  priority: int = Priority.SCHEDULED) -> list[Series]:
    """Queue again every series that failed for good whose folder, title, year, ids or
    providers changed since (``inputs_key`` of it differs from the key stored at the
    failure); the others stay failed until a person acts (identify, refresh, retry)."""
    changed = [row for row in session.scalars(
        select(SeriesRow).where(SeriesRow.failed_inputs.is_not(None),
                                SeriesRow.loading_status == LoadingStatus.FAILED.value)
    ) if inputs_key(to_series(row)) != row.failed_inputs]
    return queue_again(session, changed, priority=priority)


def queue_again(session: Session, rows: Iterable[SeriesRow], *,
                priority: int) -> list[Series]:
    """These series load again: pending, their last error and failure forgotten, their load
    queued at ``priority``. Returns them as they are now."""
    now = utcnow()
    requeued = []
    for row in rows:
        row.failed_inputs = None
        row.loading_status = LoadingStatus.PENDING.value
        row.loading_error = None
        row.loading_completed_at = None
        row.updated_at = now
        requeued.append(to_series(row))
    session.flush()
    queue_loads(session, [series.id for series in requeued], priority=priority)
    return requeued


@attrs.frozen
class Waiting:
    """Queued loads wait for a provider that is down: why (the cause their last attempt
    got), since when, until when (the next check), and how many."""

    cause: str
    since: dt.datetime
    until: dt.datetime
    series: int


def waiting_for_providers(session: Session) -> dict[str, Waiting]:
    found: dict[str, Waiting] = {}
    for gate, error, since, until, count in session.execute(
        select(JobRow.gate, func.max(JobRow.error), func.min(JobRow.updated_at),
               func.max(JobRow.not_before), func.count())
        .where(JobRow.kind == SERIES_LOAD, JobRow.state == "pending",
               JobRow.gate.like(f"{GATE_PREFIX}%"))
        .group_by(JobRow.gate)
    ):
        cause = str(error or "down").removeprefix(WAITING_PREFIX)
        found[str(gate).removeprefix(GATE_PREFIX)] = Waiting(cause, since, until or since,
                                                             int(count))
    return found


def queue_depth(session: Session) -> dict[int, int]:
    """Loads not finished (queued or running), per priority."""
    rows = session.execute(
        select(JobRow.priority, func.count())
        .where(JobRow.kind == SERIES_LOAD, JobRow.state.in_(("pending", "running")))
        .group_by(JobRow.priority)
    ).all()
    return {int(priority): int(count) for priority, count in rows}


