"""The work queue, which is the ``series`` table itself.

A series is queued while ``queued_at`` is set; workers claim due rows in ``(priority,
queued_at)`` order by writing a lease (``lease_owner``, ``lease_expires_at``). A lease that
expires — its process died — is free to claim again, so nothing is lost when a process is killed.
On PostgreSQL the claim uses ``FOR UPDATE SKIP LOCKED`` so several processes can share the work.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import socket
from collections.abc import Sequence
from typing import Any

import attrs
from sqlalchemy import Update, bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from aniworld_core.models import LoadingStatus, Priority, Series
from aniworld_core.storage.convert import evolve_series, to_series
from aniworld_core.storage.database import Database
from aniworld_core.storage.tables import Base, LoadRunRow, SeriesRow
from aniworld_core.storage.types import utcnow

_LOADING = (
    LoadingStatus.LOADING_EPISODES,
    LoadingStatus.LOADING_NFO,
    LoadingStatus.LOADING_LOGO,
    LoadingStatus.LOADING_IMAGES,
)


class LeaseLost(Exception):
    """The series is no longer leased to this worker (removed, or taken over)."""


def new_owner() -> str:
    """A lease owner id: host, pid and a random part (a pid can be reused)."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{os.urandom(3).hex()}"


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


def status_for(series: Series | SeriesRow) -> LoadingStatus:
    """The loading status a series' progress flags put it in."""
    if not series.episodes_loaded:
        return LoadingStatus.LOADING_EPISODES
    if not series.nfo_loaded:
        return LoadingStatus.LOADING_NFO
    if not series.logo_loaded:
        return LoadingStatus.LOADING_LOGO
    if not series.images_loaded:
        return LoadingStatus.LOADING_IMAGES
    return LoadingStatus.COMPLETED


SERIES = Base.metadata.tables[SeriesRow.__tablename__]
RUNS = Base.metadata.tables[LoadRunRow.__tablename__]


@functools.lru_cache(maxsize=64)
def _leased_update(columns: frozenset[str]) -> Update:
    """``UPDATE series SET <columns> WHERE id = :_id AND lease_owner = :_owner``, built once per
    set of columns (the loader's steps use a handful), so each save skips building SQL."""
    return (
        update(SERIES)
        .where(SERIES.c.id == bindparam("_id"), SERIES.c.lease_owner == bindparam("_owner"))
        .values({column: bindparam(column) for column in sorted(columns)})
    )


_END_RUN = (
    update(RUNS).where(RUNS.c.id == bindparam("_run_id"))
    .values(status=bindparam("status"), finished_at=bindparam("finished_at"),
            error=bindparam("error"))
)


@attrs.frozen
class _LeasedUpdate:
    series_id: str
    owner: str
    values: dict[str, Any]
    #: The load run this write ends: its id, final status and error.
    run: tuple[int, LoadingStatus, str | None] | None


def _apply_leased(session: Session, updates: Sequence[_LeasedUpdate]) -> list[None]:
    """Leased updates made together: one ``executemany`` per set of columns, one for the load
    runs they end. A row its writer no longer holds fails the call; alone that is the writer's
    :class:`LeaseLost`, merged the database then applies each update alone to find it."""
    conn = session.connection()
    groups: dict[frozenset[str], list[_LeasedUpdate]] = {}
    for change in updates:
        groups.setdefault(frozenset(change.values), []).append(change)
    counted = conn.dialect.supports_sane_multi_rowcount
    for columns, group in groups.items():
        statement = _leased_update(columns)
        params = [{**change.values, "_id": change.series_id, "_owner": change.owner}
                  for change in group]
        if len(group) > 1 and counted:
            if conn.execute(statement, params).rowcount != len(group):
                raise LeaseLost(f"one of {len(group)} series")
            continue
        for change, row in zip(group, params, strict=True):
            if conn.execute(statement, row).rowcount != 1:
                raise LeaseLost(change.series_id)
    runs = [{"_run_id": change.run[0], "status": change.run[1].value,
             "finished_at": change.values["updated_at"], "error": change.run[2]}
            for change in updates if change.run is not None]
    if runs:
        conn.execute(_END_RUN, runs)
    return [None] * len(updates)


class WorkStore:
    """Claims, leases, load runs and status changes, each one short transaction."""

    def __init__(self, database: Database) -> None:
        self._db = database

    # -- claiming -----------------------------------------------------------------------------

    async def claim(self, owner: str, limit: int, *, lease_seconds: float,
                    exclude: Sequence[str] = (), max_priority: int | None = None
                    ) -> list[Series]:
        """Lease up to ``limit`` due series to ``owner``, best first (only those with a
        priority number up to ``max_priority`` when given)."""

        def work(session: Session) -> list[Series]:
            now = utcnow()
            due = (
                select(SeriesRow.id)
                .where(
                    SeriesRow.queued_at.is_not(None),
                    (SeriesRow.next_attempt_at.is_(None)) | (SeriesRow.next_attempt_at <= now),
                    (SeriesRow.lease_owner.is_(None)) | (SeriesRow.lease_expires_at < now),
                )
                .order_by(SeriesRow.priority, SeriesRow.queued_at, SeriesRow.id)
                .limit(limit)
            )
            if exclude:
                due = due.where(SeriesRow.id.not_in(list(exclude)))
            if max_priority is not None:
                due = due.where(SeriesRow.priority <= max_priority)
            if self._db.dialect == "postgresql":
                due = due.with_for_update(skip_locked=True)
            rows = session.scalars(
                update(SeriesRow)
                .where(SeriesRow.id.in_(due.scalar_subquery()))
                .values(lease_owner=owner,
                        lease_expires_at=now + dt.timedelta(seconds=lease_seconds))
                .returning(SeriesRow)
                .execution_options(synchronize_session=False)
            ).all()
            claimed = [to_series(row) for row in rows]
            claimed.sort(key=lambda s: (s.priority, s.queued_at or now, s.id))
            return claimed

        return await self._db.session(work)

    async def renew(self, owner: str, *, lease_seconds: float) -> int:
        """Extend every lease ``owner`` holds; returns how many."""

        def work(session: Session) -> int:
            result = session.execute(
                update(SeriesRow)
                .where(SeriesRow.lease_owner == owner)
                .values(lease_expires_at=utcnow() + dt.timedelta(seconds=lease_seconds))
            )
            return int(result.rowcount or 0)  # type: ignore[attr-defined]

        return await self._db.session(work)

    async def release(self, owner: str, series_ids: Sequence[str]) -> None:
        """Give back leases without changing anything else (the series stays queued)."""
        if not series_ids:
            return

        def work(session: Session) -> None:
            session.execute(
                update(SeriesRow)
                .where(SeriesRow.id.in_(list(series_ids)), SeriesRow.lease_owner == owner)
                .values(lease_owner=None, lease_expires_at=None)
            )

        await self._db.session(work)

    # -- a load attempt -----------------------------------------------------------------------

    async def begin_runs(self, series_ids: Sequence[str], owner: str
                         ) -> list[tuple[int, Series]]:
        """Record a new attempt for each claimed series (one transaction) and put each in the
        status its progress calls for. Series no longer leased to ``owner`` are left out."""

        def work(session: Session) -> list[tuple[int, Series]]:
            now = utcnow()
            rows = session.scalars(
                select(SeriesRow).where(SeriesRow.id.in_(list(series_ids)),
                                        SeriesRow.lease_owner == owner)
            ).all()
            by_id = {row.id: row for row in rows}
            leased = [by_id[series_id] for series_id in series_ids if series_id in by_id]
            if not leased:
                return []
            for row in leased:
                row.loading_status = status_for(row).value
                if row.loading_started_at is None or row.attempts == 0:
                    row.loading_started_at = now
                row.loading_completed_at = None
                row.updated_at = now
            # One INSERT for every run (a statement per series held the thread five times as long).
            run_ids = session.scalars(
                insert(LoadRunRow).returning(LoadRunRow.id, sort_by_parameter_order=True),
                [{"series_id": row.id, "status": row.loading_status, "started_at": now}
                 for row in leased],
            ).all()
            return [(run_id, to_series(row)) for run_id, row in zip(run_ids, leased, strict=True)]

        return await self._db.session(work)

    async def save(self, series: Series, owner: str, **changes: Any) -> Series:
        """Persist a finished step of ``series`` (as the worker holds it): column values in
        ``changes``; the status follows the progress flags. One UPDATE, no read."""
        updated = evolve_series(series, changes)
        values = {**changes, "loading_status": status_for(updated).value}
        return await self._update_leased(series, owner, values)

    async def finish(self, series: Series, owner: str, run_id: int, status: LoadingStatus,
                     *, error: str | None = None, attempts: int | None = None) -> Series:
        """End the attempt with a final status; the series leaves the queue."""
        now = utcnow()
        values: dict[str, Any] = {
            "loading_status": status.value, "loading_error": error,
            "loading_completed_at": now, "queued_at": None, "next_attempt_at": None,
            "lease_owner": None, "lease_expires_at": None,
        }
        if status is LoadingStatus.COMPLETED:
            values["attempts"] = 0
        elif attempts is not None:
            values["attempts"] = attempts
        return await self._update_leased(series, owner, values,
                                         run=(run_id, status, error))

    async def retry_later(self, series: Series, owner: str, run_id: int, *, attempts: int,
                          next_attempt_at: dt.datetime, error: str) -> Series:
        """End a failed attempt; the series stays queued and is due again at
        ``next_attempt_at``."""
        values = {"attempts": attempts, "next_attempt_at": next_attempt_at,
                  "loading_error": error, "lease_owner": None, "lease_expires_at": None}
        return await self._update_leased(series, owner, values,
                                         run=(run_id, LoadingStatus.FAILED, error))

    async def _update_leased(self, series: Series, owner: str, values: dict[str, Any], *,
                             run: tuple[int, LoadingStatus, str | None] | None = None
                             ) -> Series:
        """Write ``values`` to the row if ``owner`` still holds its lease (else
        :class:`LeaseLost`), end the load run when given, and return the series as written."""
        values = {**values, "updated_at": utcnow()}
        await self._db.write_merged(_apply_leased, _LeasedUpdate(series.id, owner, values, run))
        return evolve_series(series, values)

    async def interrupt(self, series_id: str, owner: str, run_id: int, reason: str) -> None:
        """End an attempt cut short by shutdown; the series stays queued for the next start."""

        def work(session: Session) -> None:
            now = utcnow()
            session.execute(
                update(SeriesRow)
                .where(SeriesRow.id == series_id, SeriesRow.lease_owner == owner)
                .values(lease_owner=None, lease_expires_at=None, updated_at=now)
            )
            self._end_run(session, run_id, LoadingStatus.CANCELLED, reason, now)

        await self._db.write(work)

    # -- requests from users ------------------------------------------------------------------

    async def requeue(self, series_id: str, *, priority: int, reset_progress: bool,
                      changes: dict[str, Any] | None = None) -> Series | None:
        """Queue the series to load again (refresh, identify); ``None`` if it does not exist.

        A series being loaded right now only has its priority raised: the running load is the
        one task for it. A queued one keeps its place unless its priority rises.
        """

        def work(session: Session) -> Series | None:
            row = session.get(SeriesRow, series_id)
            if row is None:
                return None
            now = utcnow()
            leased = row.lease_owner is not None and (
                row.lease_expires_at is None or row.lease_expires_at >= now
            )
            if leased:
                row.priority = min(row.priority, priority)
                return to_series(row)
            for name, value in (changes or {}).items():
                setattr(row, name, value)
            if reset_progress:
                row.episodes_loaded = row.nfo_loaded = False
                row.logo_loaded = row.images_loaded = False
            if row.queued_at is None or priority < row.priority:
                row.queued_at = now
                row.priority = priority
            row.attempts = 0
            row.next_attempt_at = None
            row.loading_error = None
            row.loading_completed_at = None
            row.loading_status = LoadingStatus.PENDING.value
            row.updated_at = now
            return to_series(row)

        return await self._db.write(work)

    async def cancel_unleased(self, series_id: str) -> Series | None:
        """Cancel a queued series nobody is working on; ``None`` if someone holds a lease."""

        def work(session: Session) -> Series | None:
            now = utcnow()
            row = session.scalars(
                update(SeriesRow)
                .where(
                    SeriesRow.id == series_id,
                    SeriesRow.queued_at.is_not(None),
                    (SeriesRow.lease_owner.is_(None)) | (SeriesRow.lease_expires_at < now),
                )
                .values(loading_status=LoadingStatus.CANCELLED.value, queued_at=None,
                        next_attempt_at=None, lease_owner=None, lease_expires_at=None,
                        loading_completed_at=now, updated_at=now)
                .returning(SeriesRow)
                .execution_options(synchronize_session=False)
            ).first()
            return to_series(row) if row is not None else None

        return await self._db.write(work)

    # -- start-up and monitoring --------------------------------------------------------------

    async def prepare_startup(self, *, max_attempts: int) -> int:
        """Make incomplete work resumable and return how many series are queued.

        Queued work from earlier runs drops to resume priority (user work overtakes it); leases
        of dead processes on this host are taken back at once (others expire); series marked
        loading but not queued, and failed ones with attempts left, are queued again.
        """

        def work(session: Session) -> int:
            now = utcnow()
            session.execute(
                update(SeriesRow)
                .where(SeriesRow.queued_at.is_not(None), SeriesRow.priority < Priority.RESUME)
                .values(priority=int(Priority.RESUME))
            )
            session.execute(
                update(SeriesRow)
                .where(
                    SeriesRow.queued_at.is_(None),
                    SeriesRow.loading_status.in_(
                        [LoadingStatus.PENDING.value, *(s.value for s in _LOADING)]
                    )
                    | (
                        (SeriesRow.loading_status == LoadingStatus.FAILED.value)
                        & (SeriesRow.attempts < max_attempts)
                    ),
                )
                .values(queued_at=now, priority=int(Priority.RESUME))
            )
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
                .values(status=LoadingStatus.CANCELLED.value, finished_at=now,
                        error="Interrupted: the process stopped; resumed on the next start.")
            )
            return session.scalar(
                select(func.count()).select_from(SeriesRow).where(SeriesRow.queued_at.is_not(None))
            ) or 0

        return await self._db.session(work)

    async def next_due_at(self) -> dt.datetime | None:
        """When the earliest queued series becomes claimable (``None`` when none is queued)."""

        def work(session: Session) -> dt.datetime | None:
            rows = session.execute(
                select(SeriesRow.next_attempt_at, SeriesRow.lease_expires_at)
                .where(SeriesRow.queued_at.is_not(None))
                .order_by(SeriesRow.next_attempt_at)
            ).all()
            if not rows:
                return None
            now = utcnow()
            moments = [max(attempt or now, lease or now) for attempt, lease in rows]
            return min(moments)

        return await self._db.session(work)

    async def queue_depth(self) -> dict[int, int]:
        """Queued series per priority."""

        def work(session: Session) -> dict[int, int]:
            rows = session.execute(
                select(SeriesRow.priority, func.count())
                .where(SeriesRow.queued_at.is_not(None))
                .group_by(SeriesRow.priority)
            ).all()
            return {int(priority): int(count) for priority, count in rows}

        return await self._db.session(work)

    # -- helpers ------------------------------------------------------------------------------

    @staticmethod
    def _end_run(session: Session, run_id: int, status: LoadingStatus, error: str | None,
                 now: dt.datetime) -> None:
        session.execute(
            update(LoadRunRow)
            .where(LoadRunRow.id == run_id)
            .values(status=status.value, finished_at=now, error=error)
        )
