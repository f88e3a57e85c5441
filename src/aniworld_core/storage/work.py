"""What a series load writes while it runs as a ``series.load`` job, and how the series row
follows its job.

Every write of a running load checks that its job is still leased to the writer (else
:class:`LeaseLost`): a load taken over after its process stopped renewing, or cancelled and
removed, writes nothing more. :func:`follow_job` keeps the series' loading status, error and
times in step with its job, inside the transaction of every change of the job's state.
Start-up and monitoring of the queue are in :mod:`.work_queue`.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import attrs
from sqlalchemy import Update, bindparam, exists, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from aniworld_core.models import LoadingStatus, Priority, Progress, Series, StepResult
from aniworld_core.storage import work_queue
from aniworld_core.storage.convert import evolve_series, result_columns, to_series
from aniworld_core.storage.database import Database
from aniworld_core.storage.job_tables import JobRow
from aniworld_core.storage.leases import LeaseLost
from aniworld_core.storage.load_queue import load_key, queue_loads
from aniworld_core.storage.tables import Base, SeriesRow
from aniworld_core.storage.types import utcnow

__all__ = ["FolderTaken", "Followed", "LeaseLost", "WorkStore", "follow_job", "status_for"]


class FolderTaken(Exception):
    """Every folder name offered for a series is another series' already."""


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
JOBS = Base.metadata.tables[JobRow.__tablename__]
_HELD = exists().where(JOBS.c.id == bindparam("_job"), JOBS.c.lease_owner == bindparam("_owner"))


@functools.lru_cache(maxsize=64)
def _leased_update(columns: frozenset[str]) -> Update:
    """``UPDATE series SET <columns> WHERE id = :_id AND <its job is :_owner's>``, built once
    per set of columns (the steps use a handful), so each save skips building SQL."""
    return (
        update(SERIES)
        .where(SERIES.c.id == bindparam("_id"), _HELD)
        .values({column: bindparam(column) for column in sorted(columns)})
    )


@attrs.frozen
class _LeasedUpdate:
    series_id: str
    job_id: int
    owner: str
    values: dict[str, Any]


def _apply_leased(session: Session, updates: Sequence[_LeasedUpdate]) -> list[None]:
    """Leased updates made together: one ``executemany`` per set of columns. A row its writer
    no longer holds fails the call; alone that is the writer's :class:`LeaseLost`, merged the
    database then applies each update alone to find it."""
    conn = session.connection()
    groups: dict[frozenset[str], list[_LeasedUpdate]] = {}
    for change in updates:
        groups.setdefault(frozenset(change.values), []).append(change)
    counted = conn.dialect.supports_sane_multi_rowcount
    for columns, group in groups.items():
        statement = _leased_update(columns)
        params = [{**change.values, "_id": change.series_id, "_job": change.job_id,
                   "_owner": change.owner} for change in group]
        if len(group) > 1 and counted:
            if conn.execute(statement, params).rowcount != len(group):
                raise LeaseLost(f"one of {len(group)} series")
            continue
        for change, row in zip(group, params, strict=True):
            if conn.execute(statement, row).rowcount != 1:
                raise LeaseLost(change.series_id)
    return [None] * len(updates)


@attrs.frozen
class Followed:
    """The series' loading state as its job's change left it (what an update event says),
    the status line to publish (``None``: the status's own), and, when its job was claimed,
    the whole series for the load to begin with."""

    series_id: str
    title: str
    status: LoadingStatus
    progress: Progress
    error: str | None
    needs_choice: bool
    message: str | None = None
    series: Series | None = None


_STATE_COLUMNS = (SERIES.c.id, SERIES.c.title, SERIES.c.loading_status, SERIES.c.episodes_loaded,
                  SERIES.c.nfo_loaded, SERIES.c.logo_loaded, SERIES.c.images_loaded,
                  SERIES.c.loading_error, SERIES.c.needs_choice)


def follow_job(session: Session, series_id: str, state: str, run: str | None, *,
               attempts: int, error: str | None, not_before: dt.datetime | None,
               inputs_key: work_queue.InputsKey) -> Followed | None:
    """Put the series in the state its load job's change calls for (``state``: the job's,
    ``run``: how its run went, ``None`` when none began or ended). ``None``: the series is
    gone. One read of the few columns it needs and one write (the whole series is read only
    when its load begins, for the load, and when it fails, for what it was tried with)."""
    if state in ("running", "failed"):
        return _follow_whole(session, series_id, state, attempts=attempts, error=error,
                             inputs_key=inputs_key)
    found = session.execute(select(*_STATE_COLUMNS).where(SERIES.c.id == series_id)).first()
    if found is None:
        return None
    now = utcnow()
    progress = Progress(*found[3:7])
    values: dict[str, Any] = {"updated_at": now}
    message: str | None = None
    if state == "pending" and run == "failed":
        values["loading_error"] = error
        seconds = 0.0 if not_before is None else max(0.0, (not_before - now).total_seconds())
        message = f"Retrying in {int(-(-seconds // 1))} s: {error}"
    elif state == "pending" and run == "interrupted":
        values.update(loading_status=LoadingStatus.QUEUED.value, loading_error=error)
    elif state == "pending":  # queued again (retried by a person)
        values.update(loading_status=LoadingStatus.PENDING.value, loading_error=None,
                      loading_completed_at=None, failed_inputs=None)
    elif state == "completed":
        values.update(loading_status=LoadingStatus.COMPLETED.value, loading_error=None,
                      loading_completed_at=now, failed_inputs=None)
    elif state == "cancelled":
        # What earlier runs loaded stays: a cancelled refresh of a loaded series is loaded.
        loaded = all(progress.to_dict().values())
        values.update(loading_status=(LoadingStatus.COMPLETED if loaded
                                      else LoadingStatus.CANCELLED).value,
                      loading_error=None, loading_completed_at=now)
    session.execute(update(SERIES).where(SERIES.c.id == series_id).values(values))
    return Followed(found[0], found[1],
                    LoadingStatus(values.get("loading_status", found[2])), progress,
                    values.get("loading_error", found[7]), bool(found[8]), message)


def _follow_whole(session: Session, series_id: str, state: str, *, attempts: int,
                  error: str | None, inputs_key: work_queue.InputsKey) -> Followed | None:
    row = session.get(SeriesRow, series_id)
    if row is None:
        return None
    now = utcnow()
    row.updated_at = now
    message: str | None = None
    if state == "running":
        row.loading_status = status_for(row).value
        if row.loading_started_at is None or attempts <= 1:
            row.loading_started_at = now
        row.loading_completed_at = None
        message = "Starting..."
    else:
        # A refresh that failed leaves what earlier loads loaded: the series stays loaded,
        # with the error to see.
        loaded = row.episodes_loaded and row.nfo_loaded and row.logo_loaded and row.images_loaded
        row.loading_status = (LoadingStatus.COMPLETED if loaded else LoadingStatus.FAILED).value
        row.loading_error = f"Loading: {error}" if error and error.startswith("tried ") else error
        row.loading_completed_at = now
        row.failed_inputs = inputs_key(to_series(row))
    session.flush()
    return Followed(row.id, row.title, LoadingStatus(row.loading_status),
                    Progress(row.episodes_loaded, row.nfo_loaded, row.logo_loaded,
                             row.images_loaded),
                    row.loading_error, bool(row.needs_choice), message,
                    to_series(row) if state == "running" else None)


class WorkStore:
    """Writes of running loads and requests to load again, each one short transaction."""

    def __init__(self, database: Database) -> None:
        self._db = database

    async def save(self, series: Series, owner: str, job_id: int, result: StepResult
                   ) -> Series:
        """Persist what a step of ``series`` (as the worker holds it) found; the status
        follows the progress flags. One UPDATE, no read."""
        changes = result_columns(result)
        updated = evolve_series(series, changes)
        values = {**changes, "loading_status": status_for(updated).value, "updated_at": utcnow()}
        await self._db.write_merged(_apply_leased,
                                    _LeasedUpdate(series.id, job_id, owner, values))
        return evolve_series(series, values)

    async def take_folder(self, series: Series, owner: str, job_id: int, root_key: str,
                          names: Iterable[str], make: Callable[[str], None]) -> str:
        """Give ``series`` the first of ``names`` no other series under ``root_key`` has, and
        make that folder (``make(name)``), in one transaction: two series whose titles make
        the same name never both get it, whatever runs at the same time (the unique
        constraint decides, and the next name is tried). The folder is made before the name
        is committed, so a crash leaves at worst an empty folder, which the next attempt finds
        by the same name and takes over. Raises :class:`FolderTaken` when every name is
        taken, :class:`LeaseLost` when the series' job is no longer ``owner``'s."""

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
                            update(SERIES)
                            .where(SERIES.c.id == series.id, _HELD)
                            .values(folder=name, library_root=root_key, updated_at=utcnow()),
                            {"_job": job_id, "_owner": owner})
                except IntegrityError:
                    continue  # another series took it meanwhile
                if not written.rowcount:  # type: ignore[attr-defined]
                    raise LeaseLost(series.id)
                make(name)
                return name
            raise FolderTaken(series.id)

        return await self._db.session(work)

    async def requeue(self, series_id: str, *, priority: int = Priority.USER,
                      reset_progress: bool = False, refresh: bool = False,
                      changes: dict[str, Any] | None = None) -> Series | None:
        """Queue the series to load again; ``None`` if it does not exist.

        ``refresh``: every step runs again, and what is loaded stays until its replacement is
        saved (a cancelled refresh leaves the series as it was). ``reset_progress`` forgets
        what was loaded at once (a new identity). A series whose load runs right now only has
        its priority raised: the running load is the one task for it.
        """

        def work(session: Session) -> Series | None:
            row = session.get(SeriesRow, series_id)
            if row is None:
                return None
            now = utcnow()
            running = session.scalar(select(JobRow.id).where(
                JobRow.live_key == load_key(series_id), JobRow.state == "running",
                JobRow.lease_expires_at >= now))
            if running is None:
                for name, value in (changes or {}).items():
                    setattr(row, name, value)
                if reset_progress:
                    row.episodes_loaded = row.nfo_loaded = False
                    row.logo_loaded = row.images_loaded = False
                row.failed_inputs = None
                row.loading_error = None
                row.loading_completed_at = None
                row.loading_status = LoadingStatus.PENDING.value
                row.updated_at = now
            session.flush()
            queue_loads(session, [series_id], priority=priority, refresh=refresh)
            return to_series(row)

        return await self._db.write(work)

    # -- start-up and monitoring (see work_queue) ---------------------------------------------

    async def prepare_startup(self, *, inputs_key: work_queue.InputsKey) -> int:
        """Make incomplete loads resumable and return how many are queued (see
        :func:`.work_queue.prepare_startup`)."""
        return await self._db.session(functools.partial(work_queue.prepare_startup,
                                                        inputs_key=inputs_key))

    async def retry_changed(self, inputs_key: work_queue.InputsKey) -> list[Series]:
        """Queue again the series that failed for good if what they were tried with changed
        (see :func:`.work_queue.retry_changed`)."""
        return await self._db.session(functools.partial(work_queue.retry_changed,
                                                        inputs_key=inputs_key))

    async def waiting_for_providers(self) -> dict[str, work_queue.Waiting]:
        """Per provider that queued loads wait for: why, since when, until when."""
        return await self._db.session(work_queue.waiting_for_providers)

    async def queue_depth(self) -> dict[int, int]:
        """Queued loads per priority."""
        return await self._db.session(work_queue.queue_depth)
