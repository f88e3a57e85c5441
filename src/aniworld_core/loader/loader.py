"""The background loader: claims queued series, runs their steps, persists and publishes.

One task per claimed series (at most ``concurrency + 4 * largest batch`` in memory, the rest
waits in the database, so 10,000 queued series cost nothing until their turn). Steps that do
I/O hold one of ``concurrency`` priority slots; metadata fetches go through per-provider batchers.
Every state change is saved, then published on the event hub.

Every attempt ends with a result. A step that fails is tried again with backoff, up to
``max_attempts``, unless trying again cannot help (see ``outcomes.is_permanent``): then the
series fails at once, and is tried again by itself only once its folder, title, ids or the
providers change. An error outside a step (its result cannot be saved) fails the series the
same way. A step that needs a provider that is down (``ProviderDown``) puts its series back in
the queue until the provider's next check, without counting an attempt or holding a worker;
a shutdown puts interrupted series back as ``queued``, their runs ``interrupted``.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import math
from collections.abc import Callable, Iterable, Sequence

import anyio
import anyio.abc
import attrs

from aniworld_core._priority import PrioritySlots, in_background
from aniworld_core.errors import ProviderDown, StateConflict
from aniworld_core.events import EventHub, LoaderIdle, SeriesLoadingUpdate
from aniworld_core.loader import outcomes
from aniworld_core.loader.job import Job, ProviderPool, Step
from aniworld_core.loader.metrics import Histogram, LoaderMetrics
from aniworld_core.loader.outcomes import retry_delay
from aniworld_core.models import LoadingStatus, Priority, Series
from aniworld_core.settings import LoaderSettings
from aniworld_core.storage.types import utcnow
from aniworld_core.storage.work import LeaseLost, WorkStore, new_owner
from aniworld_core.storage.work_queue import WAITING_PREFIX

log = logging.getLogger("aniworld.loader")
#: Series claimed (and their attempts begun) per database round trip, at most (rounded down to
#: whole batches, and at least one batch).
CLAIM_ROUND = 50
#: Why an attempt stopped when the process shut down (the series stays queued).
SHUTDOWN = "Interrupted by shutdown; resumes at next start."
#: What requests waiting for a provider get once shutdown began.
STOPPING = "not sent: aniworld is shutting down"
#: The shortest wait for a provider that is down (a check due sooner is waited for in place).
MIN_PROVIDER_WAIT = 1.0

__all__ = ["SHUTDOWN", "Loader", "retry_delay"]


class Loader:
    """Run with ``await task_group.start(loader.run)``; stop with :meth:`stop`."""

    def __init__(self, work: WorkStore, events: EventHub, providers: ProviderPool,
                 steps: Sequence[Step], settings: LoaderSettings, *,
                 largest_batch: int = 1) -> None:
        self._work = work
        self._events = events
        self._providers = providers
        self._steps = tuple(steps)
        self.settings = settings
        self.owner = new_owner()
        self._slots = PrioritySlots(settings.concurrency)
        # Beyond the running series, four batches' worth are claimed ahead so their metadata
        # requests fill whole batches and the next batch's metadata is in before the slowest
        # provider runs out of work (with two, Jikan idled while AniList's next batch came in);
        # without batching nothing is claimed ahead.
        self._chunk = max(1, largest_batch)
        ahead = 4 * self._chunk if self._chunk > 1 else 0
        # A whole number of batches, so claims fill whole metadata requests.
        self._window = math.ceil((settings.concurrency + ahead) / self._chunk) * self._chunk
        self._active: dict[str, Job] = {}
        self._accepting = True
        self._wake = anyio.Event()
        self._idle = anyio.Event()
        self._all_done = anyio.Event()  # set whenever no series task is running
        self._all_done.set()
        self._task_group: anyio.abc.TaskGroup | None = None
        self.running = False
        self._completed = self._failed = self._cancelled = self._retries = 0
        self._interrupted = self._waits = 0
        self._durations: dict[str, Histogram] = {}
        self._steps_in_flight = 0
        self.queued_at_start = 0
        #: Something was queued: series that failed for good are checked for changes.
        self._recheck = False

    # -- lifecycle ----------------------------------------------------------------------------

    async def run(self, *, task_status: anyio.abc.TaskStatus[None] = anyio.TASK_STATUS_IGNORED
                  ) -> None:
        """Prepare the queue for resuming, report ready, then dispatch until stopped. Its work
        is background work: the database serves requests people wait for first."""
        with in_background():
            await self._run(task_status)

    async def _run(self, task_status: anyio.abc.TaskStatus[None]) -> None:
        self.queued_at_start = await self._work.prepare_startup(
            max_attempts=self.settings.max_attempts, inputs_key=self.inputs_key
        )
        log.info("%d series with missing data queued", self.queued_at_start)
        async with anyio.create_task_group() as task_group:
            self._task_group = task_group
            self.running = True
            task_group.start_soon(self._renew_leases)
            task_status.started()
            await self._dispatch()
            # ``stop()`` lets the series tasks finish (or cancels them after the grace period).
            await self._all_done.wait()
            task_group.cancel_scope.cancel()

    async def stop(self, grace: float | None = None) -> None:
        """Stop claiming; stop at once the series that only wait (for a slot, a provider's
        turn, a rate limit, a down provider's check); give steps doing I/O ``grace`` seconds;
        then cancel them. Every series stopped goes back to the queue as ``queued``."""
        grace = self.settings.shutdown_grace if grace is None else grace
        if self._accepting:
            self._accepting = False
            self._providers.stop_waiting()
        self._wake.set()
        for job in list(self._active.values()):
            if job.waiting and job.scope is not None:
                job.scope.cancel()
        with anyio.move_on_after(grace):
            await self._all_done.wait()
        for job in list(self._active.values()):
            if job.scope is not None:
                job.scope.cancel()
        with anyio.CancelScope(shield=True):
            await self._all_done.wait()

    def work_added(self) -> None:
        """Something was queued: wake the dispatcher; ``wait_idle`` waits again."""
        if self._idle.is_set():
            self._idle = anyio.Event()
        self._recheck = True
        self._wake.set()

    def inputs_key(self, series: Series) -> str:
        """What a load of ``series`` is tried with (see ``outcomes.inputs_key``)."""
        return outcomes.inputs_key(series, self._providers.names())

    async def wait_idle(self) -> None:
        """Return once nothing is queued (retries included) or running, but series that wait
        for a provider that is down: they stay queued for its next check."""
        if not self.running:
            raise StateConflict("Nothing loads in this process: it was opened with loader=False.")
        await self._idle.wait()

    # -- user requests ------------------------------------------------------------------------

    async def cancel(self, series_id: str, *, removed: bool = False) -> bool:
        """Cancel a series' load; ``False`` when nothing was loading or queued for it here."""
        job = self._active.get(series_id)
        if job is not None and job.scope is not None:
            job.cancel_requested = True
            job.removed = removed
            job.scope.cancel()
            return True
        if removed:
            return False
        series = await self._work.cancel_unleased(series_id)
        if series is None:
            return False
        self._cancelled += 1
        self._events.publish(SeriesLoadingUpdate.of(series))
        self._wake.set()
        return True

    def is_active(self, series_id: str) -> bool:
        return series_id in self._active

    async def metrics(self) -> LoaderMetrics:
        return LoaderMetrics(
            queue_depth=await self._work.queue_depth(),
            series_in_flight=len(self._active),
            steps_in_flight=self._steps_in_flight,
            completed=self._completed,
            failed=self._failed,
            cancelled=self._cancelled,
            retries_scheduled=self._retries,
            interrupted=self._interrupted,
            waits_for_providers=self._waits,
            step_durations={name: h.snapshot() for name, h in self._durations.items()},
        )

    # -- dispatching --------------------------------------------------------------------------

    async def _dispatch(self) -> None:
        """Claim work until stopped; a failing database is retried with backoff, never fatal
        (work in the database waits; nothing is lost)."""
        failures = 0
        while self._accepting:
            try:
                await self._dispatch_until_stopped()
                return
            except Exception:
                failures += 1
                delay = min(30.0, 0.5 * 2 ** min(failures, 6))
                log.exception("The loader cannot reach the database; trying again in %.0f s",
                              delay)
                with anyio.move_on_after(delay):
                    self._wake = anyio.Event()
                    while self._accepting:
                        await self._wake.wait()
                        self._wake = anyio.Event()

    async def _dispatch_until_stopped(self) -> None:
        assert self._task_group is not None
        while self._accepting:
            self._wake = anyio.Event()
            if self._recheck:
                self._recheck = False
                for series in await self._work.retry_changed(self.inputs_key):
                    self._publish(series)
            claimed: list[Series] = []
            wanted = self._claim_size()
            if wanted:
                count, max_priority = wanted
                claimed = await self._work.claim(
                    self.owner, count, lease_seconds=self.settings.lease_seconds,
                    exclude=list(self._active), max_priority=max_priority,
                )
                if claimed and self._stopping():
                    await self._work.release(self.owner, [s.id for s in claimed])
                    break
                if claimed and self._idle.is_set():
                    self._idle = anyio.Event()  # a provider's check came: busy again
                await self._begin([s.id for s in claimed])
            timeout = self.settings.lease_seconds / 3
            if not claimed and not self._active:
                due = await self._work.next_due()
                if due.unblocked is None and not self._wake.is_set():
                    # Work queued while this loop asked the database sets ``_wake``: it is
                    # claimed on the next turn instead of being declared idle behind it.
                    # Series waiting for a provider that is down do not keep it busy.
                    self._become_idle()
                if due.any is not None:
                    timeout = min(timeout, max(0.0, (due.any - utcnow()).total_seconds()))
            if wanted and claimed and len(claimed) == wanted[0]:
                continue  # there may be more
            with anyio.move_on_after(timeout):
                await self._wake.wait()

    def _claim_size(self) -> tuple[int, int | None] | None:
        """How many series to claim now (and up to which priority), or ``None``.

        Whole batches when there is room for them; fewer only while steps could run and
        nothing does. A full window still takes user work, up to ``concurrency`` more, so it
        never waits behind resumed work.
        """
        active = len(self._active)
        free = self._window - active
        if free >= self._chunk:
            # A round at a time: between rounds, users' database work gets its turn (claiming
            # the whole window at startup held the database thread for 150 ms).
            most = max(self._chunk, CLAIM_ROUND - CLAIM_ROUND % self._chunk)
            return min(free - free % self._chunk, most), None
        if free > 0 and active < self.settings.concurrency:
            return free, None
        beyond = self._window + self.settings.concurrency - active
        if free <= 0 and beyond > 0:
            return beyond, Priority.USER
        return None

    async def _begin(self, series_ids: list[str]) -> None:
        begun = await self._work.begin_runs(series_ids, self.owner,
                                            max_attempts=self.settings.max_attempts)
        for series in begun.exhausted:
            self._failed += 1
            log.warning("series %r failed: %s", series.title, series.loading_error)
            self._publish(series)
        for run_id, series in begun.started:
            self._start(series, run_id)

    def _start(self, series: Series, run_id: int) -> None:
        assert self._task_group is not None
        job = Job(series=series, owner=self.owner, providers=self._providers, slots=self._slots,
                  stopping=self._stopping, ticket=self._slots.ticket(), run_id=run_id,
                  scope=anyio.CancelScope())
        job.persist = functools.partial(self._persist, job)
        job.take_folder = functools.partial(self._take_folder, job)
        self._active[series.id] = job
        if self._all_done.is_set():
            self._all_done = anyio.Event()
        self._task_group.start_soon(self._run_job, job, name=f"load {series.id}")
        self._publish(series, message="Starting...")

    def _become_idle(self) -> None:
        if not self._idle.is_set():
            self._idle.set()
            self._events.publish(LoaderIdle(completed=self._completed, failed=self._failed))

    async def _renew_leases(self) -> None:
        while True:
            await anyio.sleep(self.settings.lease_seconds / 3)
            if self._active:
                try:
                    await self._work.renew(self.owner, lease_seconds=self.settings.lease_seconds)
                except Exception:
                    log.exception("Cannot renew the loader's leases; trying again later")

    # -- one series ---------------------------------------------------------------------------

    async def _run_job(self, job: Job) -> None:
        assert job.scope is not None
        try:
            # Created in ``_start``: a cancel that comes before the task runs still counts.
            with job.scope as scope:
                await self._load(job)
            if scope.cancel_called:
                with anyio.CancelScope(shield=True):
                    await self._after_cancel(job)
        except LeaseLost:
            log.info("series %s was removed or taken over while loading", job.series.id)
        except Exception as error:
            # Outside a step: its result (or the attempt's outcome) could not be saved.
            log.exception("Loading series %s stopped on an error outside its steps",
                          job.series.id)
            with anyio.CancelScope(shield=True):
                await self._failed_outside_step(job, error)
        finally:
            # ``persist`` refers back to the job: without this the finished job, its series and
            # episodes wait as a reference cycle for a full garbage collection, which then stops
            # the event loop for tens of ms to free them.
            job.persist = job.take_folder = None
            del self._active[job.series.id]
            self._wake.set()
            if not self._active:
                self._all_done.set()

    def _stopping(self) -> bool:
        return not self._accepting

    async def _load(self, job: Job) -> None:
        for step in self._steps:
            if not step.needed(job):
                continue
            if self._stopping():
                with anyio.CancelScope(shield=True):
                    await self._interrupt(job)
                return
            job.label = step.label
            self._publish(job.series, message=step.message)
            started = anyio.current_time()
            self._steps_in_flight += 1
            try:
                with anyio.fail_after(self.settings.step_timeout):
                    changes = await step.run(job)
            except Exception as error:
                with anyio.CancelScope(shield=True):
                    await self._step_failed(job, step, error)
                return
            finally:
                self._steps_in_flight -= 1
                self._durations.setdefault(step.name, Histogram()).observe(
                    anyio.current_time() - started
                )
            job.series = await self._work.save(job.series, job.owner, **changes)
            self._publish(job.series)
        job.label = "Loading"
        job.series = await self._work.finish(job.series, job.owner, job.run_id,
                                             LoadingStatus.COMPLETED)
        self._completed += 1
        self._publish(job.series)

    async def _step_failed(self, job: Job, step: Step, error: Exception) -> None:
        if self._stopping():  # its provider's waits were ended by the shutdown
            await self._interrupt(job)
            return
        if isinstance(error, ProviderDown):
            await self._wait_for_provider(job, error)
            return
        reason = outcomes.describe(step.label, error, step_timeout=self.settings.step_timeout)
        if reason.startswith(f"{step.label}: unexpected error"):
            log.error("unexpected error in step %s", step.name, exc_info=error)
        await self._attempt_failed(job, reason, permanent=outcomes.is_permanent(error))

    async def _failed_outside_step(self, job: Job, error: Exception) -> None:
        """An error raised outside a step (a step's result the database refused, say) fails
        the attempt like a step's error; if even that cannot be saved, the attempt (counted
        when claimed) ends when its lease expires, and the series fails once its attempts are
        used up."""
        reason = outcomes.describe_unsaved(job.label, error)
        try:
            await self._attempt_failed(job, reason, permanent=False)
        except LeaseLost:
            pass
        except Exception:
            log.exception("Cannot record that series %s failed; it is tried again once its "
                          "lease expires", job.series.id)

    async def _attempt_failed(self, job: Job, reason: str, *, permanent: bool) -> None:
        # The attempt was counted when the series was claimed.
        attempts = max(1, job.series.attempts)
        if permanent or attempts >= self.settings.max_attempts:
            job.series = await self._work.finish(
                job.series, job.owner, job.run_id, LoadingStatus.FAILED, error=reason,
                attempts=attempts, failed_inputs=self.inputs_key(job.series) if permanent
                else None)
            self._failed += 1
            log.warning("series %r failed: %s", job.series.title, reason)
            self._publish(job.series)
            return
        delay = retry_delay(attempts, self.settings)
        job.series = await self._work.retry_later(
            job.series, job.owner, job.run_id, attempts=attempts,
            next_attempt_at=utcnow() + dt.timedelta(seconds=delay), error=reason,
        )
        self._retries += 1
        log.info("series %r: %s; retry %d of %d in %.0f s", job.series.title, reason,
                 attempts, self.settings.max_attempts - 1, delay)
        self._publish(job.series, message=f"Retrying in {math.ceil(delay)} s: {reason}")

    async def _wait_for_provider(self, job: Job, error: ProviderDown) -> None:
        """Back to the queue until the provider's next check, holding nothing meanwhile; the
        attempt does not count."""
        reason = outcomes.cleaned(f"{WAITING_PREFIX}{error.cause}")
        wait = max(MIN_PROVIDER_WAIT, error.retry_in)
        job.series = await self._work.interrupt(
            job.series, job.owner, job.run_id, reason, waiting_for=error.provider,
            until=utcnow() + dt.timedelta(seconds=wait))
        self._waits += 1
        log.info("series %r waits for %s: %s", job.series.title, error.provider, error.cause)
        self._publish(job.series, message=f"{reason}; it stays queued (next check in "
                                          f"{math.ceil(wait)} s)")

    async def _interrupt(self, job: Job) -> None:
        try:
            job.series = await self._work.interrupt(job.series, job.owner, job.run_id, SHUTDOWN)
        except LeaseLost:
            return
        self._interrupted += 1
        self._publish(job.series)

    async def _after_cancel(self, job: Job) -> None:
        if job.removed:
            return
        if job.cancel_requested:
            job.series = await self._work.finish(job.series, job.owner, job.run_id,
                                                 LoadingStatus.CANCELLED,
                                                 error="Cancelled by the user.")
            self._cancelled += 1
            self._publish(job.series)
        else:
            await self._interrupt(job)

    async def _persist(self, job: Job, **changes: object) -> None:
        job.series = await self._work.save(job.series, job.owner, **changes)
        self._publish(job.series)

    async def _take_folder(self, job: Job, root_key: str, names: Iterable[str],
                           make: Callable[[str], None]) -> str:
        name = await self._work.take_folder(job.series, job.owner, root_key, names, make)
        job.series = attrs.evolve(job.series, folder=name, library_root=root_key)
        self._publish(job.series)
        return name

    def _publish(self, series: Series, *, message: str | None = None) -> None:
        self._events.publish(SeriesLoadingUpdate.of(series, message=message))

