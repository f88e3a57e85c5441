"""The work queue at start-up and as operators see it: making incomplete work resumable, when
queued work is due, what waits for a provider that is down, how deep the queue is.

Each function runs inside a database session (``Database.session``); ``WorkStore`` calls them.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
from collections.abc import Callable

import attrs
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from aniworld_core.models import LoadingStatus, Priority, Series
from aniworld_core.storage.convert import to_series
from aniworld_core.storage.tables import LoadRunRow, SeriesRow
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
#: The error of a run whose process is gone, found at start-up.
PROCESS_GONE = "Interrupted: the process loading it stopped; resumed at the next start."


def owner_is_dead_local_process(owner: str) -> bool:
    """Whether ``owner`` names a process on this host that no longer exists."""
    try:
        host, pid_text, _ = owner.rsplit(":", 2)
        pid = int(pid_text)
    except ValueError:
        return False
    if host != socket.gethostname()[:40] or pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, owned by someone else
        return False
    return False


def prepare_startup(session: Session, *, max_attempts: int,
                    inputs_key: InputsKey | None = None) -> int:
    """Make incomplete work resumable and return how many series are queued.

    Queued work from earlier runs drops to resume priority (user work overtakes it) and is due
    at once, series waiting for a provider included (this process checks it afresh); leases of
    dead processes on this host are taken back (others expire) and their open runs end
    ``interrupted``; series marked loading but not queued, and failed ones with attempts left,
    are queued again. A series that failed for good (an error trying again cannot fix) is
    queued again only when what it was tried with changed (``inputs_key``).
    """
    now = utcnow()
    session.execute(
        update(SeriesRow)
        .where(SeriesRow.queued_at.is_not(None), SeriesRow.priority < Priority.RESUME)
        .values(priority=int(Priority.RESUME))
    )
    session.execute(
        update(SeriesRow)
        .where(SeriesRow.queued_at.is_not(None), SeriesRow.waiting_for.is_not(None))
        .values(waiting_for=None, next_attempt_at=None)
    )
    session.execute(
        update(SeriesRow)
        .where(
            SeriesRow.queued_at.is_(None),
            SeriesRow.loading_status.in_([status.value for status in _UNFINISHED])
            | (
                (SeriesRow.loading_status == LoadingStatus.FAILED.value)
                & (SeriesRow.attempts < max_attempts)
                & SeriesRow.failed_inputs.is_(None)
            ),
        )
        .values(queued_at=now, priority=int(Priority.RESUME))
    )
    if inputs_key is not None:
        retry_changed(session, inputs_key=inputs_key, priority=Priority.RESUME)
    owners = session.scalars(
        select(SeriesRow.lease_owner).where(SeriesRow.lease_owner.is_not(None)).distinct()
    ).all()
    dead = [owner for owner in owners if owner and owner_is_dead_local_process(owner)]
    if dead:
        session.execute(
            update(SeriesRow)
            .where(SeriesRow.lease_owner.in_(dead))
            .values(lease_owner=None, lease_expires_at=None)
        )
    # Attempts a dead process left open: nobody holds their series any more.
    unheld = select(SeriesRow.id).where(
        (SeriesRow.lease_owner.is_(None)) | (SeriesRow.lease_expires_at < now)
    )
    session.execute(
        update(LoadRunRow)
        .where(LoadRunRow.finished_at.is_(None), LoadRunRow.series_id.in_(unheld))
        .values(status=LoadingStatus.INTERRUPTED.value, finished_at=now, error=PROCESS_GONE)
    )
    return session.scalar(
        select(func.count()).select_from(SeriesRow).where(SeriesRow.queued_at.is_not(None))
    ) or 0


def retry_changed(session: Session, *, inputs_key: InputsKey,
                  priority: int = Priority.SCHEDULED) -> list[Series]:
    """Queue again every series that failed for good whose folder, title, year, ids or
    providers changed since (``inputs_key`` of it differs from the key stored at the
    failure); the others stay failed until a person acts (identify, refresh)."""
    now = utcnow()
    requeued = []
    for row in session.scalars(
        select(SeriesRow).where(SeriesRow.failed_inputs.is_not(None),
                                SeriesRow.queued_at.is_(None),
                                SeriesRow.loading_status == LoadingStatus.FAILED.value)
    ):
        if inputs_key(to_series(row)) == row.failed_inputs:
            continue
        row.failed_inputs = None
        row.loading_status = LoadingStatus.PENDING.value
        row.loading_error = None
        row.loading_completed_at = None
        row.attempts = 0
        row.next_attempt_at = None
        row.queued_at = now
        row.priority = int(priority)
        row.updated_at = now
        requeued.append(to_series(row))
    session.flush()
    return requeued


@attrs.frozen
class Due:
    """When queued work becomes claimable (``None``: nothing is queued): any of it, and the
    work that waits for no provider (what keeps a loader from being idle)."""

    any: dt.datetime | None
    unblocked: dt.datetime | None


def next_due(session: Session) -> Due:
    rows = session.execute(
        select(SeriesRow.next_attempt_at, SeriesRow.lease_expires_at, SeriesRow.waiting_for)
        .where(SeriesRow.queued_at.is_not(None))
    ).all()
    now = utcnow()
    moments = [(max(attempt or now, lease or now), waiting) for attempt, lease, waiting in rows]
    unblocked = [moment for moment, waiting in moments if waiting is None]
    return Due(min((moment for moment, _ in moments), default=None),
               min(unblocked, default=None))


@attrs.frozen
class Waiting:
    """Queued series wait for a provider that is down: why (the cause their last attempt
    got), since when, until when (the next check), and how many."""

    cause: str
    since: dt.datetime
    until: dt.datetime
    series: int


def waiting_for_providers(session: Session) -> dict[str, Waiting]:
    found: dict[str, Waiting] = {}
    for provider, error, since, until, count in session.execute(
        select(SeriesRow.waiting_for, func.max(SeriesRow.loading_error),
               func.min(SeriesRow.updated_at), func.max(SeriesRow.next_attempt_at), func.count())
        .where(SeriesRow.queued_at.is_not(None), SeriesRow.waiting_for.is_not(None))
        .group_by(SeriesRow.waiting_for)
    ):
        cause = str(error or "down").removeprefix(WAITING_PREFIX)
        found[str(provider)] = Waiting(cause, since, until or since, int(count))
    return found


#: How the loading error of a series waiting for a provider begins (the cause follows).
WAITING_PREFIX = "Waiting: "


def queue_depth(session: Session) -> dict[int, int]:
    rows = session.execute(
        select(SeriesRow.priority, func.count())
        .where(SeriesRow.queued_at.is_not(None))
        .group_by(SeriesRow.priority)
    ).all()
    return {int(priority): int(count) for priority, count in rows}
