"""Series loading as the ``series.load`` kind of the jobs engine.

The engine claims load jobs (best first, in rounds), leases them, counts attempts, retries and
cancels; this module runs one attempt: the steps of a series (identify, metadata, ids, episodes,
NFO, logo, images), each saved as it finishes, then published. Steps that do I/O hold one of
``concurrency`` priority slots; metadata fetches go through per-provider batchers. Beyond the
running series, four batches' worth are claimed ahead (the engine's concurrency for the kind is
that window) so metadata requests fill whole batches.

An attempt ends one way: completed; failed (a step's error, retried with backoff unless trying
again cannot help, see ``outcomes.is_permanent``: then the series fails at once, and is tried
again by itself only once its folder, title, ids or the providers change); or postponed without
counting (a provider that is down: the job waits, holding nothing, until the provider's next
check; a shutdown). The series row follows its job (``storage.work.follow_job``).
"""

from __future__ import annotations

import functools
import logging
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import anyio
import attrs
from sqlalchemy.orm import Session

from aniworld_core._priority import PrioritySlots
from aniworld_core.errors import InvalidInput, ProviderDown, SeriesNotFound, StateConflict
from aniworld_core.events import EventHub, LoaderIdle, SeriesLoadingUpdate
from aniworld_core.jobs import Engine, JobContext, JobError, Kind, Postpone, RetryPolicy, RunState
from aniworld_core.jobs import Job as EngineJob
from aniworld_core.loader import outcomes
from aniworld_core.loader.job import Job, ProviderPool, Step
from aniworld_core.loader.metrics import Histogram, LoaderMetrics
from aniworld_core.models import Priority, Series, StepResult
from aniworld_core.settings import LoaderSettings
from aniworld_core.storage.leases import LeaseLost
from aniworld_core.storage.load_queue import (
    EPISODES_ONLY,
    SERIES_LOAD,
    checked_airing,
    load_key,
    series_of,
)
from aniworld_core.storage.work import Followed, WorkStore, follow_job
from aniworld_core.storage.work_queue import GATE_PREFIX, WAITING_PREFIX

log = logging.getLogger("aniworld.loader")
#: Series claimed per database round trip, at most (rounded down to whole batches).
CLAIM_ROUND = 50
#: Why an attempt stopped when the process shut down (the series stays queued).
SHUTDOWN = "Interrupted by shutdown; resumes at next start."
#: The shortest wait for a provider that is down (a check due sooner is waited for in place).
MIN_PROVIDER_WAIT = 1.0

__all__ = ["SHUTDOWN", "Loader"]


def _check_payload(payload: Mapping[str, Any]) -> dict[str, Any]:
    series_id = payload.get("series_id")
    if not isinstance(series_id, str) or not series_id:
        raise InvalidInput("A series.load job needs 'series_id'.", field="payload")
    refresh = payload.get("refresh", False)
    if refresh not in (True, False, EPISODES_ONLY):
        raise InvalidInput(f"'refresh' must be true, false or {EPISODES_ONLY!r}.",
                           field="payload")
    airing = payload.get("airing")
    if airing is not None:
        if not isinstance(airing, Mapping):
            raise InvalidInput("'airing' must be an object.", field="payload")
        airing = checked_airing(airing)
    return {"series_id": series_id, **({"refresh": refresh} if refresh else {}),
            **({"airing": airing} if airing else {})}


class Loader:
    """Registers ``series.load`` with the engine and runs its attempts."""

    def __init__(self, work: WorkStore, events: EventHub, providers: ProviderPool,
                 steps: Sequence[Step], settings: LoaderSettings, engine: Engine, *,
                 largest_batch: int = 1) -> None:
        self._work = work
        self._events = events
        self._providers = providers
        self._steps = tuple(steps)
        self._engine = engine
        self.settings = settings
        self._slots = PrioritySlots(settings.concurrency)
        self._chunk = max(1, largest_batch)
        ahead = 4 * self._chunk if self._chunk > 1 else 0
        # A whole number of batches, so claims fill whole metadata requests.
        window = math.ceil((settings.concurrency + ahead) / self._chunk) * self._chunk
        self._active: dict[str, Job] = {}
        self._durations: dict[str, Histogram] = {}
        self._steps_in_flight = 0
        self.queued_at_start = 0
        self._recheck = False
        engine.register(Kind(
            SERIES_LOAD, self._run, check_payload=_check_payload, concurrency=window,
            urgent_extra=settings.concurrency, urgent_priority=Priority.USER,
            claim_round=CLAIM_ROUND, claim_multiple=self._chunk,
            retry=RetryPolicy(settings.max_attempts, settings.retry_base_delay,
                              settings.retry_max_delay),
            hook=self._follow, on_hooked=self._published, on_idle=self._idle,
            on_stop=self._on_stop, before_claim=self.recheck_failed,
        ))

    # -- what the app asks --------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._engine.running

    @property
    def engine(self) -> Engine:
        """The engine its jobs run on."""
        return self._engine

    async def prepare(self) -> None:
        """Before the engine starts: make unfinished loads resumable."""
        self.queued_at_start = await self._work.prepare_startup(inputs_key=self.inputs_key)
        log.info("%d series with missing data queued", self.queued_at_start)

    def work_added(self) -> None:
        """Series were queued: wake the engine; failed series are checked for changes."""
        self._recheck = True
        self._engine.work_added()

    async def recheck_failed(self) -> None:
        """Queue again the series that failed for good if what they were tried with changed
        (the engine asks before it claims loads, once something was queued)."""
        if not self._recheck:
            return
        self._recheck = False
        for series in await self._work.retry_changed(self.inputs_key):
            self._publish(series)

    def inputs_key(self, series: Series) -> str:
        """What a load of ``series`` is tried with (see ``outcomes.inputs_key``)."""
        return outcomes.inputs_key(series, self._providers.names())

    def is_active(self, series_id: str) -> bool:
        return series_id in self._active

    async def cancel(self, series_id: str) -> bool:
        """Cancel a series' live load (here at once, in another process within a second);
        ``False`` when none is queued or running."""
        live = await self._engine.store.live(load_key(series_id))
        if live is None:
            return False
        await self._engine.cancel(live.id)
        return True

    def forget(self, series_id: str) -> None:
        """The series is being removed: stop its load here at once (its job goes with it; a
        load in another process finds its lease gone at its next write)."""
        job = self._active.get(series_id)
        if job is not None and job.scope is not None:
            job.scope.cancel()

    async def wait_idle(self) -> None:
        """Return once nothing is queued (retries included) or running, but loads that wait
        for a provider that is down: they stay queued for its next check."""
        if not self._engine.running:
            raise StateConflict("Nothing loads in this process: it was opened with loader=False.")
        await self._engine.wait_idle()

    async def metrics(self) -> LoaderMetrics:
        counters = self._engine.counters[SERIES_LOAD]
        return LoaderMetrics(
            queue_depth=await self._work.queue_depth(),
            series_in_flight=len(self._active),
            steps_in_flight=self._steps_in_flight,
            completed=counters.completed,
            failed=counters.failed,
            cancelled=counters.cancelled,
            retries_scheduled=counters.retries,
            interrupted=counters.interrupted,
            waits_for_providers=counters.postponed,
            step_durations={name: h.snapshot() for name, h in self._durations.items()},
        )

    # -- the engine's side --------------------------------------------------------------------

    def _follow(self, session: Session, job: EngineJob, run: RunState | None
                ) -> Followed | None:
        series_id = series_of(job.key) or str(job.payload.get("series_id", ""))
        return follow_job(session, series_id, job.state.value,
                          None if run is None else run.value, attempts=job.attempts,
                          error=job.error, not_before=job.not_before,
                          inputs_key=self.inputs_key)

    def _published(self, followed: Followed) -> None:
        self._events.publish(SeriesLoadingUpdate.of_parts(
            followed.series_id, followed.title, followed.status, followed.progress,
            followed.error, message=followed.message, needs_choice=followed.needs_choice))

    def _idle(self) -> None:
        counters = self._engine.counters[SERIES_LOAD]
        self._events.publish(LoaderIdle(completed=counters.completed, failed=counters.failed))

    def _on_stop(self) -> None:
        """Shutting down: requests waiting for a rate limit or a down provider's check fail at
        once, and loads that only wait (for a slot or a turn) stop at once."""
        self._providers.stop_waiting()
        for job in list(self._active.values()):
            if job.waiting and job.scope is not None:
                job.scope.cancel()

    # -- one attempt --------------------------------------------------------------------------

    async def _run(self, context: JobContext) -> None:
        followed = context.hooked
        if not isinstance(followed, Followed) or followed.series is None:
            raise JobError("the series is gone", permanent=True)
        series = followed.series
        refresh = context.payload.get("refresh")
        if refresh == EPISODES_ONLY:
            # The entry's metadata and episode list again (the rest of what is loaded stays).
            series = attrs.evolve(series, episodes_loaded=False, metadata=None)
        elif refresh:
            # Every step runs again; what is stored stays until its replacement is saved.
            series = attrs.evolve(series, episodes_loaded=False, nfo_loaded=False,
                                  logo_loaded=False, images_loaded=False, metadata=None)
        job = Job(series=series, owner=context.owner, providers=self._providers,
                  slots=self._slots, stopping=self._engine.stopping,
                  ticket=context.sequence, job_id=context.job.id,
                  priority=context.job.priority, scope=context.scope,
                  episodes_only=refresh == EPISODES_ONLY, airing=context.payload.get("airing"))
        job.persist = functools.partial(self._persist, job)
        job.take_folder = functools.partial(self._take_folder, job)
        self._active[series.id] = job
        try:
            await self._load(job)
        except SeriesNotFound:
            raise JobError("the series was removed", permanent=True) from None
        finally:
            # ``persist`` refers back to the job: without this the finished job, its series and
            # episodes wait as a reference cycle for a full garbage collection.
            job.persist = job.take_folder = None
            del self._active[series.id]

    async def _load(self, job: Job) -> None:
        for step in self._steps:
            if not step.needed(job):
                continue
            if self._engine.stopping():
                raise Postpone(SHUTDOWN)
            job.label = step.label
            self._publish(job.series, message=step.message)
            started = anyio.current_time()
            self._steps_in_flight += 1
            try:
                with anyio.fail_after(self.settings.step_timeout):
                    result = await step.run(job)
            except LeaseLost:
                raise  # taken over by another process (or removed): not this step's failure
            except Exception as error:
                raise self._step_failed(step, error) from error
            finally:
                self._steps_in_flight -= 1
                self._durations.setdefault(step.name, Histogram()).observe(
                    anyio.current_time() - started)
            try:
                job.series = await self._work.save(job.series, job.owner, job.job_id, result)
            except Exception as error:
                raise JobError(outcomes.describe_unsaved(job.label, error)) from error
            self._publish(job.series)
        job.label = "Loading"

    def _step_failed(self, step: Step, error: Exception) -> Exception:
        """What the engine is told of a step's error."""
        if self._engine.stopping():  # its provider's waits were ended by the shutdown
            return Postpone(SHUTDOWN)
        if isinstance(error, ProviderDown):
            reason = outcomes.cleaned(f"{WAITING_PREFIX}{error.cause}")
            wait = max(MIN_PROVIDER_WAIT, error.retry_in)
            log.info("a series waits for %s: %s", error.provider, error.cause)
            return Postpone(reason, seconds=wait, gate=f"{GATE_PREFIX}{error.provider}")
        reason = outcomes.describe(step.label, error, step_timeout=self.settings.step_timeout)
        if reason.startswith(f"{step.label}: unexpected error"):
            log.error("unexpected error in step %s", step.name, exc_info=error)
        return JobError(reason, permanent=outcomes.is_permanent(error))

    async def _persist(self, job: Job, result: StepResult) -> None:
        job.series = await self._work.save(job.series, job.owner, job.job_id, result)
        self._publish(job.series)

    async def _take_folder(self, job: Job, root_key: str, names: Iterable[str],
                           make: Callable[[str], None]) -> str:
        name = await self._work.take_folder(job.series, job.owner, job.job_id, root_key,
                                            names, make)
        job.series = attrs.evolve(job.series, folder=name, library_root=root_key)
        self._publish(job.series)
        return name

    def _publish(self, series: Series, *, message: str | None = None) -> None:
        self._events.publish(SeriesLoadingUpdate.of(series, message=message))

