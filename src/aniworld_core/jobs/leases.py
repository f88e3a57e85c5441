"""The leases of the jobs one process runs: renewed while they run, given up in time when the
database cannot be reached, and given back once it answers again.

A lease says which process runs a job until when; once it expires, another process may take the
job over. So a process that cannot renew its leases must stop its jobs before they expire, or
the same work would run twice at once (and the first process's final write would fail). When no
renewal has succeeded for :data:`LOSE_AFTER` of a lease, every job of the process is cancelled
(logged once, naming them), and it claims nothing until the database answers again. Then every
job it still holds but no longer runs goes back to ``pending`` at once (its run ends
``interrupted``; the attempt is not counted), or ``cancelled`` if someone asked for that meanwhile,
so it runs again here or elsewhere. A job another process took over meanwhile is left alone:
the takeover ended its run. Jobs whose ending could not be written are given back the same way,
but their attempt counts (an ending that can never be written fails the job in the end).

The database is asked before any background work waiting for it, and only a database that was
asked and did not answer stops the jobs (a process too busy to ask in time asks first). Only on
PostgreSQL: a SQLite library has one process, so no other could take its jobs over, and a slow
disk stops nothing.

The same loop looks for cancels asked in other processes (every :data:`CANCEL_POLL` seconds,
or at once when :meth:`Leases.poll_now` is called: a notification said so).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import anyio
from sqlalchemy import literal, select
from sqlalchemy.orm import Session

from aniworld_core._priority import in_background
from aniworld_core.jobs.kinds import JobContext
from aniworld_core.jobs.model import Job, JobState, RunState
from aniworld_core.jobs.store import JobStore, to_job
from aniworld_core.storage.database import Database
from aniworld_core.storage.job_tables import JobRow, JobRunRow
from aniworld_core.storage.types import utcnow

log = logging.getLogger("aniworld.jobs")
#: How often the owner looks for cancels asked in other processes while it runs jobs.
CANCEL_POLL = 1.0
#: The part of a lease after which a process that could not renew it stops the job.
LOSE_AFTER = 2 / 3
#: Seconds this process's own timers may wake late before its leases' loss is put down to
#: the process not running (SIGSTOP, a frozen machine) rather than to the database.
STALLED = 5.0
#: The error of a run stopped because its process could not reach the database.
LOST = ("Interrupted: its process could not reach the database for most of the job's lease; "
        "queued again.")
#: The error of a run whose ending could not be written.
UNSAVED = "Interrupted: how it ended could not be saved (see the log); queued again."
CANCELLED = "Cancelled by the user."
#: Given-back jobs (as written, with what their kinds' hooks returned) → the engine.
OnBack = Callable[[Sequence[tuple[Job, Any]]], None]


class Leases:
    """Keeps the leases of an engine's running jobs; run with ``task_group.start_soon(run)``.

    The engine tells it when a job begins (:meth:`began`, with the moment before its claim)
    and ends (:meth:`ended`), and hands it jobs it holds but no longer runs (:meth:`hold`).
    ``running`` gives the engine's running jobs, ``cancel`` stops those someone asked to
    cancel, ``on_back`` hears of jobs given back and of the database answering again."""

    def __init__(self, database: Database, store: JobStore, owner: str, *, lease_seconds: float,
                 poll: float, running: Callable[[], Mapping[int, JobContext]],
                 cancel: Callable[[Iterable[int]], None], on_back: OnBack) -> None:
        self._db = database
        self._store = store
        self._owner = owner
        self._lease = lease_seconds
        self._tick = min(poll, lease_seconds / 3)
        #: How soon a failed renewal is tried again, whatever the poll.
        self._retry = min(1.0, lease_seconds / 3)
        self._running = running
        self._cancel = cancel
        self._on_back = on_back
        #: Running job → when its lease was last written (monotonic, taken before the write).
        self._written: dict[int, float] = {}
        #: Jobs this process holds in the database but no longer runs → their open run, and
        #: whether they were stopped for want of the database (the attempt does not count).
        self._held: dict[int, tuple[int, bool]] = {}
        #: Jobs stopped because the database could not be reached.
        self._stopped: set[int] = set()
        self._cut_off = False
        #: The last question to the database failed; one is being asked.
        self._failing = False
        self._asking = False
        self._changed = anyio.Event()
        self._poll = anyio.Event()
        #: Times the database answered again after the jobs were stopped (tests, dispatcher).
        self.recoveries = 0
        #: How much later than asked the watch last woke: this process did not run meanwhile.
        self._late = 0.0

    @property
    def cut_off(self) -> bool:
        """The jobs were stopped for want of the database, which has not answered since."""
        return self._cut_off

    def began(self, job_id: int, leased_at: float) -> None:
        if self._cut_off:  # claimed just before the database went: stopped at once too
            self._stopped.add(job_id)
            self._running()[job_id].scope.cancel()
            return
        if not self._written:
            self._changed.set()
        self._written[job_id] = leased_at

    def ended(self, job_id: int) -> None:
        self._written.pop(job_id, None)
        self._stopped.discard(job_id)

    def stopped(self, job_id: int) -> bool:
        """Whether the job was stopped because the database could not be reached."""
        return job_id in self._stopped

    def hold(self, job_id: int, run_id: int) -> None:
        """The job's lease is still this process's, but it no longer runs here (it was
        stopped, or its ending could not be written): give it back once the database answers."""
        self._held[job_id] = (run_id, job_id in self._stopped)
        self._poll.set()

    def poll_now(self) -> None:
        """Look for cancels now (another process said it asked for one)."""
        self._poll.set()

    async def run(self) -> None:
        with in_background(False):  # a late renewal may cost a job
            async with anyio.create_task_group() as task_group:
                if self._db.dialect == "postgresql":  # SQLite has one process: none takes over
                    task_group.start_soon(self._watch)
                await self._keep()

    async def _keep(self) -> None:
        while True:
            wait = self._tick
            if self._written:  # each lease is renewed once a third of it has passed
                wait = min(wait, min(self._written.values()) + self._lease / 3
                           - anyio.current_time())
            if self._failing or self._held or self._cut_off:
                wait = min(wait, self._retry)
            with anyio.move_on_after(max(0.0, wait)):
                await self._poll.wait()
            self._poll = anyio.Event()
            started = anyio.current_time()
            ids = list(self._written)
            if not ids and not self._held and not self._cut_off:
                continue
            due = bool(ids) and (self._failing
                                 or min(self._written.values()) + self._lease / 3 <= started)
            cancel: list[int] = []
            self._asking = True
            try:
                if due:
                    cancel = await self._store.renew(self._owner, ids,
                                                     lease_seconds=self._lease)
                    for job_id in ids:
                        if job_id in self._written:
                            self._written[job_id] = max(self._written[job_id], started)
                elif ids:
                    cancel = await self._store.cancel_requested(self._owner)
                self._cancel(cancel)
                if self._held or self._cut_off:
                    await self._give_back()
            except Exception as error:
                if not self._failing:
                    self._failing = True
                    log.warning("Cannot reach the database to keep the jobs' leases (%s); "
                                "trying again every %g s", error, self._retry, exc_info=True)
                continue
            finally:
                self._asking = False
                self._changed.set()
            if self._failing:
                log.info("The jobs' leases are kept again")
                self._failing = False

    async def _watch(self) -> None:
        """Stop every job once the oldest lease went unrenewed for most of its time."""
        while True:
            self._changed = anyio.Event()
            wait = math.inf
            if self._written and not self._cut_off:
                wait = min(self._written.values()) + self._lease * LOSE_AFTER - anyio.current_time()
                if wait <= 0 and (self._failing or self._asking):  # asked, and no answer
                    self._lose()
                    continue
                if wait <= 0:  # not asked yet: ask, and look again once it answers
                    self._poll.set()
                    wait = self._lease / 6
            due = anyio.current_time() + wait
            with anyio.move_on_after(wait):
                await self._changed.wait()
            self._late = max(0.0, anyio.current_time() - due)

    def _lose(self) -> None:
        running = self._running()
        silent = anyio.current_time() - min(self._written.values())
        self._cut_off = True
        self._written.clear()
        self._stopped.update(running)
        cause = (f"This process itself was not running for {self._late:.1f} s (stopped, or "
                 f"starved of CPU), and its leases were not renewed for {silent:.1f} s"
                 if self._late > max(self._lease / 3, STALLED) else
                 f"The database has not answered for {silent:.1f} s")
        log.warning("%s, and a job's lease lasts %g s: stopped %s, so that no other process "
                    "runs the same work beside this one; nothing is claimed until the database "
                    "answers, then they are queued again", cause, self._lease,
                    ", ".join(f"job {job_id} ({context.job.kind})"
                              for job_id, context in sorted(running.items())) or "no jobs")
        for context in running.values():
            context.scope.cancel()

    async def _give_back(self) -> None:
        held = dict(self._held)
        given = await self._db.session(lambda session: self._give_back_in(session, held))
        for job_id, run in held.items():
            if self._held.get(job_id) == run:
                del self._held[job_id]
        back = self._cut_off
        if back:
            self._cut_off = self._failing = False
            self.recoveries += 1
            self._changed.set()
            log.info("The database answers again: %s; claiming again",
                     ", ".join(f"job {job.id} is {job.state.value}" for job, _ in given)
                     or "no job to give back")
        if given or back:
            self._on_back(given)

    def _give_back_in(self, session: Session, held: Mapping[int, tuple[int, bool]]
                      ) -> list[tuple[Job, Any]]:
        if not held:  # only asking whether the database answers
            session.execute(select(literal(1)))
            return []
        now = utcnow()
        given: list[tuple[Job, Any]] = []
        # Jobs are locked before their runs (the order every writer keeps); only those still
        # leased to this process, whose run is the one it began, are touched.
        for row in session.scalars(select(JobRow).where(
                JobRow.id.in_(list(held)), JobRow.lease_owner == self._owner,
                JobRow.state == JobState.RUNNING.value).order_by(JobRow.id).with_for_update()):
            run_id, lost = held[row.id]
            run = session.get(JobRunRow, run_id)
            if run is None or run.job_id != row.id or run.finished_at is not None:
                continue
            cancel = bool(row.cancel_requested)
            run.state = (RunState.CANCELLED if cancel else RunState.INTERRUPTED).value
            run.finished_at = now
            run.error = CANCELLED if cancel else LOST if lost else UNSAVED
            row.lease_owner = row.lease_expires_at = None
            row.updated_at = now
            if cancel:
                row.state, row.error = JobState.CANCELLED.value, CANCELLED
                row.live_key = row.gate = row.not_before = None
                row.finished_at, row.cancel_requested = now, False
            else:
                row.state = JobState.PENDING.value
                if lost:  # not the job's fault: the attempt does not count
                    row.attempts = max(0, row.attempts - 1)
            hook = self._store.hooks.get(row.kind)
            given.append((to_job(row), None if hook is None else hook(
                session, to_job(row), RunState(run.state))))
        return given


__all__ = ["CANCEL_POLL", "LOSE_AFTER", "LOST", "UNSAVED", "Leases"]
