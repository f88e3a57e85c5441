"""The jobs engine's database side: adding, claiming, leases, runs and endings of jobs.

Each method is one short transaction. A job is claimed by writing a lease (owner and expiry) in
one statement per kind and batch (``FOR UPDATE SKIP LOCKED`` on PostgreSQL), and every claim
begins a run and counts an attempt, so a job whose attempts keep killing their process fails
after ``max_attempts`` instead of being taken up forever. A lease that expires (its process
died) is free to claim again: the run it left ends ``interrupted``. Writes of a job that is no
longer leased to the writer raise :class:`LeaseLost`.

``Hook``: a kind's function called inside the same transaction whenever one of its jobs changes
state, so what the kind keeps elsewhere (a series' loading status) never disagrees with its job.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any

import attrs
from sqlalchemy import case, delete, func, insert, literal, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from aniworld_core.errors import QueueFull
from aniworld_core.jobs.model import LIVE_STATES, Job, JobProgress, JobRun, JobState, RunState
from aniworld_core.storage.database import Database
from aniworld_core.storage.job_tables import JobRow, JobRunRow, new_job_values
from aniworld_core.storage.leases import LeaseLost
from aniworld_core.storage.types import UTCDateTime, utcnow

#: Called in the transaction of every state change of a job of its kind, with how its run went
#: (``None``: no run ended or began: the job was added, retried or cancelled while pending);
#: what it returns is handed back to the engine (an event to publish once committed).
Hook = Callable[[Session, Job, RunState | None], Any]
#: Kind name -> its hook.
Hooks = Mapping[str, Hook]
#: The error of a run whose process stopped renewing its lease.
TAKEN_OVER = "Interrupted: the process running it stopped (its lease expired); taken over."
#: The error of a run whose process is gone, found at start-up.
PROCESS_GONE = "Interrupted: the process running it stopped; resumed at the next start."


def to_job(row: JobRow) -> Job:
    return Job(
        id=row.id, kind=row.kind, key=row.key, priority=row.priority,
        state=JobState(row.state), attempts=row.attempts, max_attempts=row.max_attempts,
        payload=dict(row.payload or {}),
        progress=JobProgress(row.progress_done, row.progress_total, row.progress_message),
        error=row.error, created_at=row.created_at, updated_at=row.updated_at,
        started_at=row.started_at, finished_at=row.finished_at, not_before=row.not_before,
        timeout=row.timeout, parent_id=row.parent_id, lease_owner=row.lease_owner,
        gate=row.gate, cancel_requested=row.cancel_requested,
    )


def to_run(row: JobRunRow) -> JobRun:
    return JobRun(row.id, row.job_id, row.attempt, RunState(row.state), row.owner,
                  row.started_at, row.finished_at, row.error)


@attrs.frozen
class NewJob:
    """What :meth:`JobStore.add` stores (already checked by the engine)."""

    kind: str
    payload: dict[str, Any] = attrs.field(factory=dict)
    key: str | None = None
    priority: int = 20
    max_attempts: int = 5
    timeout: float | None = None
    not_before: dt.datetime | None = None
    parent_id: int | None = None


@attrs.frozen
class Added:
    """A job :meth:`JobStore.add` returns: the new one, or the live one with the same key."""

    job: Job
    created: bool
    event: Any = None


@attrs.frozen
class Claimed:
    """Jobs begun by a claim (with their run ids), and those that failed instead (their
    attempts used up by runs that ended without a result), with what their hooks returned."""

    started: tuple[tuple[Job, int], ...] = ()
    exhausted: tuple[tuple[Job, Any], ...] = ()
    events: tuple[Any, ...] = ()


@attrs.frozen
class Ending:
    """How an attempt ends: the job's new state, the run's, the error, and for a job that goes
    back to ``pending`` when it is due again and what it waits on."""

    state: JobState
    run_state: RunState
    error: str | None = None
    not_before: dt.datetime | None = None
    gate: str | None = None
    #: The attempt does not count (an interruption).
    refund: bool = False


class JobStore:
    """Jobs and their runs in the database; see the module's docstring."""

    def __init__(self, database: Database, hooks: Hooks | None = None) -> None:
        self._db = database
        self.hooks: dict[str, Hook] = dict(hooks or {})

    def _hook(self, session: Session, row: JobRow, run: RunState | None = None) -> Any:
        hook = self.hooks.get(row.kind)
        return None if hook is None else hook(session, to_job(row), run)

    # -- adding -------------------------------------------------------------------------------

    async def add(self, new: NewJob, *, max_pending: int | None = None) -> Added:
        """Store ``new`` as pending; a live job with the same key is returned instead (its
        priority raised to ``new``'s when that is more urgent). Raises :class:`QueueFull` when
        ``max_pending`` jobs of the kind wait already."""
        return await self._db.write(lambda session: self.add_in(session, new,
                                                                 max_pending=max_pending))

    def add_in(self, session: Session, new: NewJob, *, max_pending: int | None = None) -> Added:
        """:meth:`add` inside the caller's transaction (work queued with what it belongs to)."""
        if new.key is not None:
            live = _live(session, new.key)
            if live is not None:
                if new.priority < live.priority:
                    live.priority = new.priority
                    live.updated_at = utcnow()
                return Added(to_job(live), False)
        if max_pending is not None:
            waiting = session.scalar(select(func.count()).select_from(JobRow).where(
                JobRow.kind == new.kind, JobRow.state == JobState.PENDING.value)) or 0
            if waiting >= max_pending:
                raise QueueFull(new.kind, max_pending)
        row = JobRow(**new_job_values(new.kind, key=new.key, priority=new.priority,
                                      payload=dict(new.payload), now=utcnow(),
                                      max_attempts=new.max_attempts, timeout=new.timeout,
                                      not_before=new.not_before, parent_id=new.parent_id))
        try:
            with session.begin_nested():
                session.add(row)
                session.flush()
        except IntegrityError:  # another process added it meanwhile
            live = _live(session, new.key) if new.key is not None else None
            if live is None:
                raise
            return Added(to_job(live), False)
        return Added(to_job(row), True, self._hook(session, row))

    # -- claiming -----------------------------------------------------------------------------

    async def claim(self, owner: str, kind: str, limit: int, *, lease_seconds: float,
                    closed_gates: Collection[str] = (), max_priority: int | None = None,
                    max_attempts: int | None = None) -> Claimed:
        """Lease up to ``limit`` due jobs of ``kind`` to ``owner``, best first (priority, then
        first queued), and begin a run of each. Jobs waiting on a closed gate stay put; a
        running job whose lease expired is taken over. ``max_attempts`` (the kind's policy
        now) replaces what each job was stored with."""

        def work(session: Session) -> Claimed:
            now = utcnow()
            # Due pending, then expired running jobs: by the index, not an OR over the kind's jobs.
            chosen: list[Any] = []  # (priority, queued_at, id, taken over)
            pending = ((JobRow.state == JobState.PENDING.value)
                       & (JobRow.not_before.is_(None) | (JobRow.not_before <= now)))
            expired = ((JobRow.state == JobState.RUNNING.value) & (JobRow.lease_expires_at < now)
                       & (JobRow.lease_owner != owner))  # its own jobs it renews, never retakes
            for over, due in enumerate((pending, expired)):
                query = (select(JobRow.priority, JobRow.queued_at, JobRow.id)
                         .where(JobRow.kind == kind, due)
                         .order_by(JobRow.priority, JobRow.queued_at, JobRow.id).limit(limit))
                if closed_gates:
                    query = query.where(JobRow.gate.is_(None)
                                        | JobRow.gate.not_in(list(closed_gates)))
                if max_priority is not None:
                    query = query.where(JobRow.priority <= max_priority)
                if self._db.dialect == "postgresql":
                    query = query.with_for_update(skip_locked=True)
                chosen += [(*row, over) for row in session.execute(query)]
            ids = [job_id for _, _, job_id, _ in sorted(chosen)[:limit]]
            if not ids:
                return Claimed()
            if taken := [job_id for *_, job_id, over in sorted(chosen)[:limit] if over]:
                _end_open_runs(session, taken, now, TAKEN_OVER)  # pending jobs have none open
            ceiling = JobRow.max_attempts if max_attempts is None else max_attempts
            # One statement begins every job with attempts left; the rest failed (below).
            started = sorted(session.scalars(
                update(JobRow).where(JobRow.id.in_(ids), JobRow.attempts < ceiling)
                .values(lease_owner=owner, updated_at=now, max_attempts=ceiling,
                        lease_expires_at=now + dt.timedelta(seconds=lease_seconds),
                        state=JobState.RUNNING.value, attempts=JobRow.attempts + 1, gate=None,
                        started_at=now, finished_at=None)
                .returning(JobRow).execution_options(synchronize_session=False)).all(),
                key=lambda row: (row.priority, row.queued_at, row.id))
            exhausted: list[tuple[Job, Any]] = []
            left = set(ids) - {row.id for row in started}  # no attempts left: they fail
            for row in session.scalars(select(JobRow).where(JobRow.id.in_(left))) if left else ():
                row.updated_at = now
                if max_attempts is not None:
                    row.max_attempts = max_attempts
                last = _last_error(session, row.id)
                row.state = JobState.FAILED.value
                row.error = (f"tried {row.attempts} times, and the last attempt ended "
                             "without a result (its process stopped, or its result could "
                             "not be saved; see the log)"
                             + (f"; the last one: {last}" if last and last != TAKEN_OVER
                                else ""))
                _release(row, now, final=True)
                exhausted.append((to_job(row), self._hook(session, row, RunState.FAILED)))
            runs = list(session.scalars(insert(JobRunRow).returning(
                JobRunRow.id, sort_by_parameter_order=True), [
                {"job_id": row.id, "attempt": row.attempts, "state": RunState.RUNNING.value,
                 "owner": owner, "started_at": now} for row in started])) if started else []
            events = tuple(self._hook(session, row, RunState.RUNNING) for row in started)
            return Claimed(tuple((to_job(row), run) for row, run in zip(started, runs,
                                                                        strict=True)),
                           tuple(exhausted), events)

        return await self._db.session(work)

    async def renew(self, owner: str, job_ids: Collection[int], *, lease_seconds: float
                    ) -> list[int]:
        """Extend ``owner``'s leases of ``job_ids`` (those it still runs); returns the ids of
        its jobs someone asked to cancel."""

        def work(session: Session) -> list[int]:
            now = utcnow()
            session.execute(update(JobRow).where(JobRow.lease_owner == owner,
                                                 JobRow.id.in_(list(job_ids)),
                                                 JobRow.state == JobState.RUNNING.value)
                            .values(lease_expires_at=now + dt.timedelta(seconds=lease_seconds)))
            return list(session.scalars(select(JobRow.id).where(
                JobRow.lease_owner == owner, JobRow.cancel_requested.is_(True))))

        return await self._db.session(work)

    async def cancel_requested(self, owner: str) -> list[int]:
        """Ids of ``owner``'s running jobs someone (perhaps another process) asked to cancel."""
        return await self._db.session(lambda session: list(session.scalars(select(JobRow.id).where(
            JobRow.lease_owner == owner, JobRow.cancel_requested.is_(True),
            JobRow.state == JobState.RUNNING.value))))

    async def release(self, owner: str, job_ids: Sequence[int]) -> None:
        """Give claimed jobs back untouched (claimed as a shutdown began)."""

        def work(session: Session) -> None:
            now = utcnow()
            for row in session.scalars(select(JobRow).where(
                    JobRow.id.in_(list(job_ids)), JobRow.lease_owner == owner).with_for_update()):
                session.execute(delete(JobRunRow).where(  # it never started: no trace
                    JobRunRow.job_id == row.id, JobRunRow.finished_at.is_(None)))
                row.state = JobState.PENDING.value
                row.attempts = max(0, row.attempts - 1)
                _release(row, now, final=False)

        await self._db.session(work)

    # -- a running job ------------------------------------------------------------------------

    async def progress(self, job_id: int, owner: str, progress: JobProgress) -> None:
        def work(session: Session) -> None:
            written = session.execute(
                update(JobRow).where(JobRow.id == job_id, JobRow.lease_owner == owner)
                .values(progress_done=progress.done, progress_total=progress.total,
                        progress_message=progress.message, updated_at=utcnow()))
            if not written.rowcount:  # type: ignore[attr-defined]
                raise LeaseLost(str(job_id))

        await self._db.write(work)

    async def end(self, job_id: int, owner: str, run_id: int, ending: Ending
                  ) -> tuple[Job, Any]:
        """End the attempt ``run_id`` of a job ``owner`` holds (else :class:`LeaseLost`);
        returns the job as written and what its kind's hook returned. Endings made at the same
        time are written together: one read of their jobs, one statement for their runs."""
        return await self._db.write_merged(self._end_all, (job_id, owner, run_id, ending))

    def _end_all(self, session: Session, items: Sequence[tuple[int, str, int, Ending]]
                 ) -> list[tuple[Job, Any]]:
        now = utcnow()
        # The jobs are locked first (by id), then their runs, then what their hooks write: the
        # order every writer of a job keeps (removing one deletes the job, then its runs).
        rows = {row.id: row for row in session.scalars(
            select(JobRow).where(JobRow.id.in_([item[0] for item in items]))
            .order_by(JobRow.id).with_for_update())}
        for job_id, owner, _, _ in items:
            if job_id not in rows or rows[job_id].lease_owner != owner:
                raise LeaseLost(str(job_id))
        session.execute(update(JobRunRow), [  # one executemany, by primary key
            {"id": run, "state": ending.run_state.value, "finished_at": now,
             "error": ending.error} for _, _, run, ending in items])
        ended = []
        for job_id, _, _, ending in items:
            row = rows[job_id]
            row.state = ending.state.value
            row.error = ending.error
            if ending.refund:
                row.attempts = max(0, row.attempts - 1)
            if ending.state is JobState.COMPLETED:
                row.progress_message = None
            if ending.state is JobState.PENDING:
                row.not_before = ending.not_before
                row.gate = ending.gate
            _release(row, now, final=ending.state.is_final)
            ended.append((to_job(row), self._hook(session, row, ending.run_state)))
        return ended

    # -- people -------------------------------------------------------------------------------

    async def request_cancel(self, job_id: int) -> tuple[Job, Any] | None:
        """Cancel a pending job at once; mark a running one for its owner to stop. ``None``:
        no such job. A final job is returned as it is."""

        def work(session: Session) -> tuple[Job, Any] | None:
            # Locked: a claim committing meanwhile is waited for, not written over.
            row = session.get(JobRow, job_id, with_for_update=True, populate_existing=True)
            if row is None:
                return None
            now = utcnow()
            if row.state == JobState.PENDING.value:
                row.state = JobState.CANCELLED.value
                row.error = "Cancelled by the user."
                _release(row, now, final=True)
                return to_job(row), self._hook(session, row)
            if row.state == JobState.RUNNING.value:
                row.cancel_requested = True
                row.updated_at = now
            return to_job(row), None

        return await self._db.write(work)

    async def retry(self, job_id: int, *, priority: int | None = None) -> tuple[Job, Any] | None:
        """Queue a failed or cancelled job again, attempts reset (a live job is returned as it
        is; one whose key another live job holds returns that one)."""

        def work(session: Session) -> tuple[Job, Any] | None:
            row = session.get(JobRow, job_id)
            if row is None:
                return None
            if row.state in LIVE_STATES:
                return to_job(row), None
            if row.key is not None:
                live = _live(session, row.key)
                if live is not None:
                    return to_job(live), None
            now = utcnow()
            row.state = JobState.PENDING.value
            row.live_key = row.key
            row.attempts = 0
            row.error = None
            row.not_before = None
            row.gate = None
            row.cancel_requested = False
            row.finished_at = None
            row.queued_at = now
            row.updated_at = now
            row.progress_done, row.progress_total, row.progress_message = 0, None, None
            if priority is not None:
                row.priority = priority
            session.flush()
            return to_job(row), self._hook(session, row)

        return await self._db.write(work)

    async def get(self, job_id: int) -> Job | None:
        return await self._db.session(
            lambda session: (lambda row: None if row is None else to_job(row))(
                session.get(JobRow, job_id)))

    async def live(self, key: str) -> Job | None:
        """The pending or running job with ``key``, if any."""
        return await self._db.session(
            lambda session: (lambda row: None if row is None else to_job(row))(_live(session, key)))

    async def jobs(self, *, kind: str | None = None, states: Collection[JobState] = (),
                   key: str | None = None, limit: int = 100, before_id: int | None = None
                   ) -> list[Job]:
        """Jobs, newest first, filtered by kind, states and key."""

        def work(session: Session) -> list[Job]:
            query = select(JobRow).order_by(JobRow.id.desc()).limit(limit)
            if kind is not None:
                query = query.where(JobRow.kind == kind)
            if states:
                query = query.where(JobRow.state.in_([state.value for state in states]))
            if key is not None:
                query = query.where(JobRow.key == key)
            if before_id is not None:
                query = query.where(JobRow.id < before_id)
            return [to_job(row) for row in session.scalars(query)]

        return await self._db.session(work)

    async def runs(self, *, job_id: int | None = None, kind: str | None = None,
                   key: str | None = None, limit: int = 50) -> list[JobRun]:
        """Runs newest first: of one job, or of every job of ``kind`` with ``key``."""

        def work(session: Session) -> list[JobRun]:
            query = select(JobRunRow).order_by(JobRunRow.id.desc()).limit(limit)
            if job_id is not None:
                query = query.where(JobRunRow.job_id == job_id)
            if kind is not None or key is not None:
                query = query.join(JobRow, JobRow.id == JobRunRow.job_id)
                if kind is not None:
                    query = query.where(JobRow.kind == kind)
                if key is not None:
                    query = query.where(JobRow.key == key)
            return [to_run(row) for row in session.scalars(query)]

        return await self._db.session(work)

    async def counts(self) -> dict[tuple[str, str], int]:
        """Jobs per ``(kind, state)``."""
        return await self._db.session(lambda session: {
            (str(kind), str(state)): int(count) for kind, state, count in session.execute(
                select(JobRow.kind, JobRow.state, func.count()).group_by(JobRow.kind,
                                                                         JobRow.state))})

    async def next_due(self, kinds: Collection[str], closed_gates: Collection[str],
                       planned: Collection[str] = ()
                       ) -> tuple[dt.datetime | None, dt.datetime | None]:
        """When pending work of ``kinds`` becomes claimable: any of it, and the work that waits
        on no gate and is not of a ``planned`` kind (neither keeps the engine busy)."""

        def work(session: Session) -> tuple[dt.datetime | None, dt.datetime | None]:
            # The soonest lease end, ``not_before`` or now of live rows, found by the database.
            now = utcnow()
            moment = case((JobRow.state == JobState.RUNNING.value, JobRow.lease_expires_at),
                          else_=func.coalesce(JobRow.not_before, literal(now, UTCDateTime())))
            query = select(func.min(moment)).where(JobRow.kind.in_(list(kinds)),
                                                   JobRow.state.in_(LIVE_STATES))
            free = query.where(JobRow.gate.is_(None), JobRow.kind.not_in(list(planned)))
            return (session.scalar(query.where(JobRow.gate.is_(None)
                                               | JobRow.gate.not_in(list(closed_gates)))),
                    session.scalar(free))

        return await self._db.session(work)

    async def prepare_startup(self, dead: Callable[[str], bool]) -> int:
        """Take back the jobs of owners ``dead`` says are gone (their runs end
        ``interrupted``; they are pending again); returns how many jobs are pending."""

        def work(session: Session) -> int:
            now = utcnow()
            owners = session.scalars(select(JobRow.lease_owner).where(
                JobRow.lease_owner.is_not(None)).distinct()).all()
            gone = [owner for owner in owners if owner and dead(owner)]
            if gone:
                for row in session.scalars(select(JobRow).where(  # jobs locked before runs
                        JobRow.lease_owner.in_(gone)).with_for_update()):
                    _end_open_runs(session, [row.id], now, PROCESS_GONE)
                    if row.state == JobState.RUNNING.value:
                        # The attempt counts: a job that kills its process every time fails
                        # once its attempts are used up instead of being run forever.
                        row.state = JobState.PENDING.value
                    _release(row, now, final=False)
                    self._hook(session, row, RunState.INTERRUPTED)
            return session.scalar(select(func.count()).select_from(JobRow).where(
                JobRow.state == JobState.PENDING.value)) or 0

        return await self._db.session(work)


def _live(session: Session, key: str) -> JobRow | None:
    return session.scalars(select(JobRow).where(JobRow.live_key == key)).first()


def _release(row: JobRow, now: dt.datetime, *, final: bool) -> None:
    row.lease_owner = None
    row.lease_expires_at = None
    row.updated_at = now
    if final:
        row.live_key = None
        row.finished_at = now
        row.cancel_requested = False
        row.gate = None
        row.not_before = None


def _end_open_runs(session: Session, job_ids: Sequence[int], now: dt.datetime,
                   reason: str) -> None:
    session.execute(
        update(JobRunRow)
        .where(JobRunRow.job_id.in_(list(job_ids)), JobRunRow.finished_at.is_(None))
        .values(state=RunState.INTERRUPTED.value, finished_at=now, error=reason)
        .execution_options(synchronize_session=False))


def _last_error(session: Session, job_id: int) -> str | None:
    return session.scalar(select(JobRunRow.error).where(JobRunRow.job_id == job_id)
                          .order_by(JobRunRow.id.desc()).limit(1))
