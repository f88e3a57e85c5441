"""The jobs engine: the one place that claims, leases, retries, cancels and schedules.

    engine = Engine(database, publish)
    engine.register(Kind("library.rescan", rescan))
    await task_group.start(engine.run)
    job = await engine.add("library.rescan", {"root": "/anime"}, key="rescan:/anime")

It knows nothing about series or downloads: handlers register per kind (:class:`.kinds.Kind`).
One dispatcher claims due jobs of every kind with room, a batch per statement; each job runs in
its own task until it returns or raises. Leases are renewed while jobs run, and the jobs are
stopped in time when the database cannot be reached (:mod:`.leases`); a job someone asked to
cancel (in any process) is stopped within a second. Due schedules are fired by whichever
process moves them first. A shutdown puts the jobs it interrupts back as pending.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from typing import Any

import anyio
import anyio.abc

from aniworld_core._priority import in_background
from aniworld_core.errors import InvalidInput, JobNotFound, StateConflict
from aniworld_core.jobs.attempts import KindCounters, attempt
from aniworld_core.jobs.kinds import JobContext, Kind
from aniworld_core.jobs.leases import CANCEL_POLL, Leases
from aniworld_core.jobs.model import Job, JobState, JobUpdate, Schedule
from aniworld_core.jobs.owners import owner_is_dead_local_process
from aniworld_core.jobs.schedules import ScheduleStore
from aniworld_core.jobs.store import JobStore, NewJob
from aniworld_core.jobs.timing import Timing
from aniworld_core.storage.database import Database
from aniworld_core.storage.leases import LeaseLost
from aniworld_core.storage.types import utcnow

log = logging.getLogger("aniworld.jobs")
Publish = Callable[[Any], None]


class Engine:
    """Run with ``await task_group.start(engine.run)``; stop with :meth:`stop`."""

    def __init__(self, database: Database, publish: Publish, *, owner: str,
                 lease_seconds: float = 60.0, shutdown_grace: float = 5.0,
                 closed_gates: Callable[[], Collection[str]] = frozenset,
                 cancel_poll: float = CANCEL_POLL) -> None:
        self.store = JobStore(database)
        self.schedules = ScheduleStore(database, self.store)
        self._publish_event = publish
        self.owner = owner
        self.lease_seconds = lease_seconds
        self.shutdown_grace = shutdown_grace
        self._closed_gates = closed_gates
        self.kinds: dict[str, Kind] = {}
        self.counters: dict[str, KindCounters] = {}
        self._active: dict[int, tuple[Kind, JobContext]] = {}
        self._by_kind: dict[str, int] = {}
        self._accepting = True
        self._wake = anyio.Event()
        self._idle = anyio.Event()
        self._all_done = anyio.Event()
        self._all_done.set()
        self._task_group: anyio.abc.TaskGroup | None = None
        self.running = False
        #: Jobs begun by this process, in claim order (``JobContext.sequence``).
        self._begun = 0
        #: Kinds that may have due work (the others are not asked until something is added,
        #: a job of theirs ends, or a timeout passes).
        self._maybe: set[str] = set()
        #: Per kind, when the soonest job this process put back (a retry, a wait) is due.
        self._due_at: dict[str, dt.datetime] = {}
        #: When the next schedule is due (``_UNKNOWN``: ask the database).
        self._schedule_due: dt.datetime | None = _UNKNOWN
        self._leases = Leases(database, self.store, owner, lease_seconds=lease_seconds,
                              poll=cancel_poll, cancel=self.stop_cancelled,
                              running=lambda: {i: c for i, (_, c) in self._active.items()},
                              on_back=self._given_back)

    # -- registering and adding ---------------------------------------------------------------

    def register(self, kind: Kind) -> None:
        if kind.name in self.kinds:
            raise ValueError(f"job kind {kind.name!r} is registered already")
        self.kinds[kind.name] = kind
        self.counters[kind.name] = KindCounters()
        self._by_kind[kind.name] = 0
        if kind.hook is not None:
            self.store.hooks[kind.name] = kind.hook
        self._maybe.add(kind.name)

    @property
    def _planned(self) -> list[str]:
        return [name for name, kind in self.kinds.items() if kind.planned]

    def kind(self, name: object) -> Kind:
        if not isinstance(name, str) or name not in self.kinds:
            raise InvalidInput(f"Unknown job kind {name!r}; known: "
                               f"{', '.join(sorted(self.kinds))}.", field="kind")
        return self.kinds[name]

    def new_job(self, kind_name: str, payload: Mapping[str, Any] | None = None, *,
                key: str | None = None, priority: int = 20,
                not_before: dt.datetime | None = None, parent_id: int | None = None) -> NewJob:
        """A job checked against its kind (:class:`InvalidInput` naming the field)."""
        kind = self.kind(kind_name)
        if payload is not None and not isinstance(payload, Mapping):
            raise InvalidInput("'payload' must be an object.", field="payload")
        checked = kind.check_payload(dict(payload or {}))
        if key is not None and (not isinstance(key, str) or not 0 < len(key) <= 200):
            raise InvalidInput("'key' must be text of 1 to 200 characters.", field="key")
        return NewJob(kind=kind.name, payload=checked, key=key, priority=int(priority),
                      max_attempts=kind.retry.max_attempts, timeout=kind.timeout,
                      not_before=not_before, parent_id=parent_id)

    async def add(self, kind_name: str, payload: Mapping[str, Any] | None = None, *,
                  key: str | None = None, priority: int = 20,
                  not_before: dt.datetime | None = None, parent_id: int | None = None) -> Job:
        """Queue a job; a live job with the same ``key`` is returned instead. Raises
        :class:`QueueFull` when the kind's queue is full, :class:`InvalidInput` for a bad kind
        or payload (nothing stored)."""
        new = self.new_job(kind_name, payload, key=key, priority=priority,
                           not_before=not_before, parent_id=parent_id)
        added = await self.store.add(new, max_pending=self.kinds[new.kind].max_pending)
        if added.created:
            self._announce(added.job, added.event)
            self.work_added(new.kind)
        return added.job

    def work_added(self, kind: str | None = None) -> None:
        """Something was queued (here or by a store call inside another transaction): of
        ``kind``, or of any kind."""
        self._maybe.update(self.kinds if kind is None else (kind,))
        if self._idle.is_set():
            self._idle = anyio.Event()
        self._wake.set()

    # -- people -------------------------------------------------------------------------------

    async def get(self, job_id: int) -> Job:
        job = await self.store.get(job_id)
        if job is None:
            raise JobNotFound(f"No job with id {job_id}.")
        return job

    async def cancel(self, job_id: int) -> Job:
        """Cancel a pending job, or stop a running one (here at once; in another process when
        it hears of it (:mod:`.wake`), or within a second). A finished job is returned as is."""
        active = self._active.get(job_id)
        self.stop_cancelled([job_id])
        answer = await self.store.request_cancel(job_id)
        if answer is None:
            raise JobNotFound(f"No job with id {job_id}.")
        job, event = answer
        if job.state is JobState.CANCELLED and active is None:
            self.counters.setdefault(job.kind, KindCounters()).cancelled += 1
            self._announce(job, event)
            self._wake.set()
        return job

    def stop_cancelled(self, job_ids: Iterable[int]) -> None:
        """Stop those of ``job_ids`` that run here: someone asked to cancel them."""
        for job_id in job_ids:
            active = self._active.get(job_id)
            if active is not None:
                active[1].cancel_requested = True
                active[1].scope.cancel()

    async def retry(self, job_id: int) -> Job:
        """Queue a failed or cancelled job again (its attempts start afresh)."""
        answer = await self.store.retry(job_id)
        if answer is None:
            raise JobNotFound(f"No job with id {job_id}.")
        job, event = answer
        if event is not None or job.state is JobState.PENDING:
            self._announce(job, event)
            self.work_added()
        return job

    async def define_schedule(self, name: str, kind_name: str,
                              payload: Mapping[str, Any] | None = None, *,
                              every: float | None = None, cron: str | None = None,
                              timezone: str = "UTC", enabled: bool = True,
                              replace: bool = True) -> Schedule:
        """Create or change a schedule (:class:`InvalidInput` naming the field; nothing stored)."""
        if not isinstance(name, str) or not 0 < len(name) <= 64:
            raise InvalidInput("A schedule's name is text of 1 to 64 characters.", field="name")
        timing = Timing.check(every=every, cron=cron, timezone=timezone)
        checked = self.new_job(kind_name, payload)
        schedule = await self.schedules.define(name, checked.kind, checked.payload, timing,
                                               enabled=enabled, replace=replace)
        self._schedule_due = _UNKNOWN
        self._wake.set()
        return schedule

    async def change_schedule(self, name: str, *, every: float | None = None,
                              cron: str | None = None, timezone: str | None = None,
                              enabled: bool | None = None) -> Schedule:
        current = await self.schedules.get(name)
        timing = None
        if every is not None or cron is not None or timezone is not None:
            if every is None and cron is None:
                every, cron = current.every, current.cron
            timing = Timing.check(every=every, cron=cron,
                                  timezone=timezone or current.timezone)
        schedule = await self.schedules.change(name, timing=timing, enabled=enabled)
        self._schedule_due = _UNKNOWN
        self._wake.set()
        return schedule

    async def run_schedule_now(self, name: str) -> Job:
        fired = await self.schedules.run_now(name, self._schedule_job, limit=self._limit)
        if fired.added.created:
            self._announce(fired.added.job, fired.added.event)
            self.work_added()
        return fired.added.job

    def _limit(self, kind_name: str) -> int | None:
        kind = self.kinds.get(kind_name)
        return None if kind is None else kind.max_pending

    def _schedule_job(self, kind_name: str, payload: Mapping[str, Any]) -> NewJob:
        kind = self.kinds.get(kind_name)
        return NewJob(kind=kind_name, payload=dict(payload),
                      key=f"schedule:{kind_name}:{_payload_key(payload)}",
                      max_attempts=kind.retry.max_attempts if kind else 5,
                      timeout=kind.timeout if kind else None)

    # -- lifecycle ----------------------------------------------------------------------------

    @property
    def active(self) -> Mapping[int, Job]:
        """The jobs running in this process."""
        return {job_id: context.job for job_id, (_, context) in self._active.items()}

    def active_context(self, job_id: int) -> JobContext | None:
        found = self._active.get(job_id)
        return None if found is None else found[1]

    async def run(self, *, task_status: anyio.abc.TaskStatus[None] = anyio.TASK_STATUS_IGNORED
                  ) -> None:
        """Take back the jobs of dead local processes, report ready, then dispatch until
        stopped. Jobs are background work: the database and the providers serve requests
        people wait for first."""
        with in_background():
            await self._run(task_status)

    async def _run(self, task_status: anyio.abc.TaskStatus[None]) -> None:
        pending = await self.store.prepare_startup(owner_is_dead_local_process)
        log.info("%d jobs pending", pending)
        async with anyio.create_task_group() as task_group:
            self._task_group = task_group
            self.running = True
            task_group.start_soon(self._leases.run)
            task_status.started()
            await self._dispatch()
            await self._all_done.wait()
            task_group.cancel_scope.cancel()
        self.running = False

    async def stop(self, grace: float | None = None) -> None:
        """Stop claiming; give running jobs ``grace`` seconds; then cancel them. Every job
        stopped goes back to pending (its run ``interrupted``)."""
        grace = self.shutdown_grace if grace is None else grace
        if self._accepting:
            self._accepting = False
            for kind in self.kinds.values():
                if kind.on_stop is not None:
                    kind.on_stop()
        self._wake.set()
        with anyio.move_on_after(grace):
            await self._all_done.wait()
        for _, context in list(self._active.values()):
            context.scope.cancel()
        with anyio.CancelScope(shield=True):
            await self._all_done.wait()

    def stopping(self) -> bool:
        return not self._accepting

    async def wait_idle(self) -> None:
        """Return once nothing is pending and due (but work waiting on a closed gate) and
        nothing runs here."""
        if not self.running:
            raise StateConflict("No jobs run in this process: it was opened without them.")
        await self._idle.wait()

    # -- dispatching --------------------------------------------------------------------------

    async def _dispatch(self) -> None:
        failures = 0
        while self._accepting:
            try:
                await self._dispatch_until_stopped()
                return
            except Exception:
                failures += 1
                delay = min(30.0, 0.5 * 2 ** min(failures, 6))
                log.exception("The jobs engine cannot reach the database; trying again in "
                              "%.0f s", delay)
                recoveries = self._leases.recoveries  # or as soon as it answers again
                with anyio.move_on_after(delay):
                    self._wake = anyio.Event()
                    while self._accepting and self._leases.recoveries == recoveries:
                        await self._wake.wait()
                        self._wake = anyio.Event()

    async def _dispatch_until_stopped(self) -> None:
        woken = True
        while self._accepting:
            self._wake = anyio.Event()
            if self._leases.cut_off:  # nothing is claimed until the database answers again
                await self._wake.wait()
                continue
            if not woken:  # a timeout: other processes may have added work
                self._maybe.update(self.kinds)
                self._schedule_due = _UNKNOWN
            timeout = self.lease_seconds / 3
            now = utcnow()
            for name, due in list(self._due_at.items()):  # retries and waits of this process
                if due <= now:
                    self._maybe.add(name)
                    del self._due_at[name]
                else:
                    timeout = min(timeout, (due - now).total_seconds())
            if self._schedule_due is _UNKNOWN:
                self._schedule_due = await self.schedules.next_due()
            if self._schedule_due is not None and self._schedule_due <= utcnow():
                for fired in await self.schedules.fire_due(self._schedule_job,
                                                           limit=self._limit):
                    if fired.added.created:
                        self._maybe.add(fired.added.job.kind)
                        self._announce(fired.added.job, fired.added.event)
                self._schedule_due = await self.schedules.next_due()
            if self._schedule_due is not None:
                timeout = min(timeout,
                              max(0.0, (self._schedule_due - utcnow()).total_seconds()))
            more = False
            claimed_any = False
            for kind in list(self.kinds.values()):  # a kind may be registered meanwhile
                if kind.name not in self._maybe:
                    continue
                if kind.before_claim is not None:
                    await kind.before_claim()
                want = self._claim_size(kind)
                if want is None:
                    continue
                count, max_priority = want
                asked_at = anyio.current_time()  # the leases written are at least this new
                claimed = await self.store.claim(
                    self.owner, kind.name, count, lease_seconds=self.lease_seconds,
                    closed_gates=self._closed_gates(), max_priority=max_priority,
                    max_attempts=kind.retry.max_attempts)
                if claimed.started and self.stopping():
                    await self.store.release(self.owner, [job.id for job, _ in claimed.started])
                    return
                for job, event in claimed.exhausted:
                    self.counters[kind.name].failed += 1
                    log.warning("job %s (%s) failed: %s", job.id, job.kind, job.error)
                    self._announce(job, event)
                for (job, run_id), event in zip(claimed.started, claimed.events, strict=True):
                    self._start(kind, job, run_id, event, asked_at)
                claimed_any = claimed_any or bool(claimed.started or claimed.exhausted)
                if len(claimed.started) + len(claimed.exhausted) == count:
                    more = True  # there may be more
                else:
                    self._maybe.discard(kind.name)
            if claimed_any and self._idle.is_set():
                self._idle = anyio.Event()
            if not claimed_any and not self._active:
                due_any, due_free = await self.store.next_due(list(self.kinds),
                                                               self._closed_gates(),
                                                               self._planned)
                if due_free is None and not self._wake.is_set():
                    # Work queued while this loop asked the database sets ``_wake``: it is
                    # claimed on the next turn instead of being declared idle behind it.
                    # Retries due later keep the engine busy; gated work does not.
                    self._become_idle()
                if due_any is not None:
                    timeout = min(timeout, max(0.05, (due_any - utcnow()).total_seconds()))
            elif not claimed_any:
                due_any, _ = await self.store.next_due(list(self.kinds), self._closed_gates(),
                                                       self._planned)
                if due_any is not None:
                    timeout = min(timeout, max(0.05, (due_any - utcnow()).total_seconds()))
            if more:
                continue
            woken = False
            with anyio.move_on_after(timeout):
                await self._wake.wait()
                woken = True

    def _claim_size(self, kind: Kind) -> tuple[int, int | None] | None:
        """How many jobs of ``kind`` to claim now (and up to which priority), or ``None``:
        whole multiples of ``kind.claim_multiple`` while there is room for one; fewer only
        while nothing of the kind runs; beyond ``concurrency``, urgent work only."""
        running = self._by_kind[kind.name]
        free = kind.concurrency - running
        multiple = kind.claim_multiple
        if free >= multiple:
            most = max(multiple, kind.claim_round - kind.claim_round % multiple)
            return min(free - free % multiple, most), None
        if free > 0 and running == 0:
            return free, None
        beyond = kind.concurrency + kind.urgent_extra - running
        if beyond > 0:
            return beyond, kind.urgent_priority
        return None

    def _become_idle(self) -> None:
        if not self._idle.is_set():
            self._idle.set()
            for kind in self.kinds.values():
                if kind.on_idle is not None:
                    kind.on_idle()

    def _start(self, kind: Kind, job: Job, run_id: int, event: Any, leased_at: float) -> None:
        assert self._task_group is not None
        self._begun += 1
        context = JobContext(job, run_id, self.owner,
                             lambda progress: self.store.progress(job.id, self.owner, progress),
                             self._announce, self.stopping, hooked=event,
                             sequence=self._begun)
        self._active[job.id] = (kind, context)
        self._leases.began(job.id, leased_at)
        self._by_kind[kind.name] += 1
        if self._all_done.is_set():
            self._all_done = anyio.Event()
        self._announce(job, event)
        self._task_group.start_soon(self._run_job, kind, context, name=f"job {job.id}")

    # -- one job ------------------------------------------------------------------------------

    async def _run_job(self, kind: Kind, context: JobContext) -> None:
        job = context.job
        try:
            ending = await attempt(kind, context)
            if self._leases.stopped(job.id) and ending.state is not JobState.COMPLETED:
                self.counters[kind.name].count(ending)
                self._leases.hold(job.id, context.run_id)  # given back once the database answers
                return
            with anyio.CancelScope(shield=True):
                written, event = await self.store.end(job.id, self.owner, context.run_id,
                                                      ending)
                if ending.state is JobState.PENDING and ending.not_before is not None:
                    due = self._due_at.get(kind.name)
                    self._due_at[kind.name] = (ending.not_before if due is None
                                               else min(due, ending.not_before))
                self.counters[kind.name].count(ending)
                self._announce(written, event)
        except LeaseLost:
            log.info("job %s (%s) was taken over or removed while it ran", job.id, job.kind)
        except Exception:
            log.exception("Cannot record how job %s (%s) ended; it is queued again once the "
                          "database answers", job.id, job.kind)
            self._leases.hold(job.id, context.run_id)
        finally:
            del self._active[job.id]
            self._leases.ended(job.id)
            self._by_kind[kind.name] -= 1
            self._maybe.add(kind.name)
            self._wake.set()
            if not self._active:
                self._all_done.set()

    def _given_back(self, given: Sequence[tuple[Job, Any]]) -> None:
        """Jobs held here went back to pending (or were cancelled), or the database answers
        again: claim again, of every kind (what was queued meanwhile went unheard)."""
        for job, event in given:
            self._announce(job, event)
        self.work_added()

    def _announce(self, job: Job, hooked: Any = None) -> None:
        self._publish_event(JobUpdate.of(job))
        if hooked is None:
            return
        kind = self.kinds.get(job.kind)
        if kind is not None and kind.on_hooked is not None:
            kind.on_hooked(hooked)
        else:
            self._publish_event(hooked)


#: ``Engine._schedule_due`` before the database was asked.
_UNKNOWN = dt.datetime.min.replace(tzinfo=dt.UTC)


def _payload_key(payload: Mapping[str, Any]) -> str:
    import json

    return json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)[:150]


__all__ = ["Engine", "KindCounters"]
