"""The work queue, which is the ``series`` table itself.

A series is queued while ``queued_at`` is set; workers claim due rows in ``(priority,
queued_at)`` order by writing a lease (``lease_owner``, ``lease_expires_at``). A lease that
expires — its process died — is free to claim again, so nothing is lost when a process is killed.
On PostgreSQL the claim uses ``FOR UPDATE SKIP LOCKED`` so several processes can share the work.

Every claim begins an attempt (``attempts`` counts it whether or not the attempt lives to say how
it ended), so a series whose load keeps killing its process, or whose results cannot be saved,
fails after ``loader.max_attempts`` instead of being taken up again forever. Every load run ends
with a result: completed, failed, cancelled, or interrupted (by a shutdown, a provider that is
down, or taken over after its process stopped renewing its lease). Start-up and monitoring of
the queue are in :mod:`.work_queue`.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import socket
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import attrs
from sqlalchemy import Update, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from aniworld_core.models import LoadingStatus, Series
from aniworld_core.storage import work_queue
from aniworld_core.storage.convert import evolve_series, to_series
from aniworld_core.storage.database import Database
from aniworld_core.storage.tables import Base, LoadRunRow, SeriesRow
from aniworld_core.storage.types import utcnow


class LeaseLost(Exception):
    """The series is no longer leased to this worker (removed, or taken over)."""


class FolderTaken(Exception):
    """Every folder name offered for a series is another series' already."""


def new_owner() -> str:
    """A lease owner id: host, pid and a random part (a pid can be reused)."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{os.urandom(3).hex()}"


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
#: Columns the queue keeps that ``Series`` does not show.
_ROW_ONLY = frozenset({"waiting_for", "failed_inputs", "folder_error"})
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

    async def begin_runs(self, series_ids: Sequence[str], owner: str, *,
                         max_attempts: int | None = None) -> Begun:
        """Begin an attempt for each claimed series (one transaction): count it, record a load
        run, and put the series in the status its progress calls for. Runs of these series
        still open were left by a process that stopped renewing its lease: they end
        ``interrupted``. A series whose ``max_attempts`` attempts are used up already (they
        all ended without a result: its process died each time, or could not save) fails here
        instead. Series no longer leased to ``owner`` are left out."""

        def work(session: Session) -> Begun:
            now = utcnow()
            rows = session.scalars(
                select(SeriesRow).where(SeriesRow.id.in_(list(series_ids)),
                                        SeriesRow.lease_owner == owner)
            ).all()
            by_id = {row.id: row for row in rows}
            leased = [by_id[series_id] for series_id in series_ids if series_id in by_id]
            if not leased:
                return Begun()
            last_errors = _end_open_runs(session, [row.id for row in leased], now)
            started: list[SeriesRow] = []
            exhausted: list[Series] = []
            for row in leased:
                row.updated_at = now
                if max_attempts is not None and row.attempts >= max_attempts:
                    _fail_exhausted(row, last_errors.get(row.id), now)
                    exhausted.append(to_series(row))
                    continue
                row.attempts += 1
                row.loading_status = status_for(row).value
                row.waiting_for = None
                if row.loading_started_at is None or row.attempts == 1:
                    row.loading_started_at = now
                row.loading_completed_at = None
                started.append(row)
            if not started:
                return Begun((), tuple(exhausted))
            # One INSERT for every run (a statement per series held the thread five times as long).
            run_ids = session.scalars(
                insert(LoadRunRow).returning(LoadRunRow.id, sort_by_parameter_order=True),
                [{"series_id": row.id, "status": row.loading_status, "started_at": now}
                 for row in started],
            ).all()
            return Begun(tuple((run_id, to_series(row))
                               for run_id, row in zip(run_ids, started, strict=True)),
                         tuple(exhausted))

        return await self._db.session(work)

    async def save(self, series: Series, owner: str, **changes: Any) -> Series:
        """Persist a finished step of ``series`` (as the worker holds it): column values in
        ``changes``; the status follows the progress flags. One UPDATE, no read."""
        updated = evolve_series(series, changes)
        values = {**changes, "loading_status": status_for(updated).value}
        return await self._update_leased(series, owner, values)

    async def finish(self, series: Series, owner: str, run_id: int, status: LoadingStatus,
                     *, error: str | None = None, attempts: int | None = None,
                     failed_inputs: str | None = None) -> Series:
        """End the attempt with a final status; the series leaves the queue. A failure trying
        again cannot fix names what it was tried with (``failed_inputs``)."""
        now = utcnow()
        values: dict[str, Any] = {
            "loading_status": status.value, "loading_error": error,
            "loading_completed_at": now, "queued_at": None, "next_attempt_at": None,
            "lease_owner": None, "lease_expires_at": None, "waiting_for": None,
            "failed_inputs": failed_inputs,
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

    async def interrupt(self, series: Series, owner: str, run_id: int, reason: str, *,
                        waiting_for: str | None = None,
                        until: dt.datetime | None = None) -> Series:
        """End an attempt that was cut short through no fault of the series (a shutdown, a
        provider that is down): the run ends ``interrupted``, the attempt does not count, and
        the series goes back to the queue as ``queued`` with ``reason``; due again at
        ``until`` (at once when ``None``), waiting for provider ``waiting_for`` if given."""
        values: dict[str, Any] = {
            "loading_status": LoadingStatus.QUEUED.value, "loading_error": reason,
            "attempts": max(0, series.attempts - 1), "lease_owner": None,
            "lease_expires_at": None, "next_attempt_at": until, "waiting_for": waiting_for,
        }
        return await self._update_leased(series, owner, values,
                                         run=(run_id, LoadingStatus.INTERRUPTED, reason))

    async def take_folder(self, series: Series, owner: str, root_key: str,
                          names: Iterable[str], make: Callable[[str], None]) -> str:
        """Give ``series`` the first of ``names`` no other series under ``root_key`` has, and
        make that folder (``make(name)``), in one transaction: two series whose titles make
        the same name never both get it, whatever runs at the same time (the unique
        constraint decides, and the next name is tried). The folder is made before the name
        is committed, so a crash leaves at worst an empty folder, which the next attempt finds
        by the same name and takes over. Raises :class:`FolderTaken` when every name is
        taken, :class:`LeaseLost` when the series is no longer ``owner``'s."""

        def work(session: Session) -> str:
            for name in names:
                taken = session.scalar(select(SeriesRow.id).where(
                    SeriesRow.library_root == root_key, SeriesRow.folder == name,
                    SeriesRow.id != series.id))
                if taken is not None:
                    continue
                try:
                    with session.begin_nested():
                        written = session.execute(
                            update(SeriesRow)
                            .where(SeriesRow.id == series.id, SeriesRow.lease_owner == owner)
                            .values(folder=name, library_root=root_key, updated_at=utcnow())
                        )
                except IntegrityError:
                    continue  # another series took it meanwhile
                if not written.rowcount:  # type: ignore[attr-defined]
                    raise LeaseLost(series.id)
                make(name)
                return name
            raise FolderTaken(series.id)

        return await self._db.session(work)

    async def _update_leased(self, series: Series, owner: str, values: dict[str, Any], *,
                             run: tuple[int, LoadingStatus, str | None] | None = None
                             ) -> Series:
        """Write ``values`` to the row if ``owner`` still holds its lease (else
        :class:`LeaseLost`), end the load run when given, and return the series as written."""
        values = {**values, "updated_at": utcnow()}
        await self._db.write_merged(_apply_leased, _LeasedUpdate(series.id, owner, values, run))
        return evolve_series(series, {column: value for column, value in values.items()
                                      if column not in _ROW_ONLY})

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
            row.waiting_for = None
            row.failed_inputs = None
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
                        waiting_for=None, loading_completed_at=now, updated_at=now)
                .returning(SeriesRow)
                .execution_options(synchronize_session=False)
            ).first()
            return to_series(row) if row is not None else None

        return await self._db.write(work)

    # -- start-up and monitoring (see work_queue) ---------------------------------------------

    async def prepare_startup(self, *, max_attempts: int,
                              inputs_key: work_queue.InputsKey | None = None) -> int:
        """Make incomplete work resumable and return how many series are queued (see
        :func:`.work_queue.prepare_startup`)."""
        return await self._db.session(functools.partial(
            work_queue.prepare_startup, max_attempts=max_attempts, inputs_key=inputs_key))

    async def retry_changed(self, inputs_key: work_queue.InputsKey) -> list[Series]:
        """Queue again the series that failed for good if what they were tried with changed
        (see :func:`.work_queue.retry_changed`)."""
        return await self._db.session(functools.partial(work_queue.retry_changed,
                                                        inputs_key=inputs_key))

    async def next_due(self) -> work_queue.Due:
        """When queued work becomes claimable: any of it, and work that waits for no provider."""
        return await self._db.session(work_queue.next_due)

    async def waiting_for_providers(self) -> dict[str, work_queue.Waiting]:
        """Per provider that queued series wait for: why, since when, until when."""
        return await self._db.session(work_queue.waiting_for_providers)

    async def queue_depth(self) -> dict[int, int]:
        """Queued series per priority."""
        return await self._db.session(work_queue.queue_depth)


@attrs.frozen
class Begun:
    """What :meth:`WorkStore.begin_runs` began: ``(run id, series)`` per attempt begun, and
    the series that failed instead (their attempts used up)."""

    started: tuple[tuple[int, Series], ...] = ()
    exhausted: tuple[Series, ...] = ()


def _end_open_runs(session: Session, series_ids: Sequence[str],
                   now: dt.datetime) -> dict[str, str | None]:
    """End the runs of ``series_ids`` still open (their process stopped renewing the lease):
    ``interrupted``. Returns each series' last run's error, for a series that fails now."""
    open_runs = select(LoadRunRow.id).where(LoadRunRow.series_id.in_(list(series_ids)),
                                            LoadRunRow.finished_at.is_(None))
    session.execute(
        update(LoadRunRow).where(LoadRunRow.id.in_(open_runs.scalar_subquery()))
        .values(status=LoadingStatus.INTERRUPTED.value, finished_at=now,
                error=TAKEN_OVER)
        .execution_options(synchronize_session=False)
    )
    last: dict[str, str | None] = {}
    for series_id, error in session.execute(
        select(LoadRunRow.series_id, LoadRunRow.error)
        .where(LoadRunRow.series_id.in_(list(series_ids)))
        .order_by(LoadRunRow.id)
    ):
        last[series_id] = error
    return last


#: The error of a run whose series another attempt took over.
TAKEN_OVER = ("Interrupted: the process loading it stopped (its lease expired); taken over "
              "by a new attempt.")


def _fail_exhausted(row: SeriesRow, last_error: str | None, now: dt.datetime) -> None:
    reason = (f"tried {row.attempts} times, and the last attempt ended without a result (the "
              "process stopped, or what was loaded could not be saved; see the log)")
    if last_error and last_error != TAKEN_OVER:
        reason += f"; the last one: {last_error}"
    row.loading_status = LoadingStatus.FAILED.value
    row.loading_error = f"Loading: {reason}"
    row.loading_completed_at = now
    row.queued_at = row.next_attempt_at = None
    row.lease_owner = row.lease_expires_at = None
    row.waiting_for = None
