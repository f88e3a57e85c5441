"""``SeriesApp.jobs``: what a person (web, CLI, a script) does with jobs and schedules.

    jobs = await app.jobs.list(states=[JobState.RUNNING])
    await app.jobs.cancel(jobs[0].id)
    await app.jobs.run_schedule("rescan")

Every argument is checked here (:class:`InvalidInput` naming the field); unknown ids and names
raise :class:`JobNotFound`.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Mapping
from typing import Any

from aniworld_core.errors import InvalidInput
from aniworld_core.jobs.engine import Engine
from aniworld_core.jobs.model import Job, JobRun, JobState, Schedule

#: The most jobs one listing returns.
MAX_LIST = 500


#: The largest job id the database can hold (its ids are 32-bit integers).
MAX_JOB_ID = 2**31 - 1


def check_job_id(value: object) -> int:
    """A job id from the edge (``"17"`` or ``17``): 1 to :data:`MAX_JOB_ID`."""
    if isinstance(value, bool):
        raise InvalidInput("A job id is a positive whole number.", field="id")
    try:
        number = int(str(value).strip()) if isinstance(value, str) else int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        raise InvalidInput("A job id is a positive whole number.", field="id") from None
    if number < 1:
        raise InvalidInput("A job id is a positive whole number.", field="id")
    if number > MAX_JOB_ID:
        raise InvalidInput(f"A job id is a positive whole number, at most {MAX_JOB_ID}.",
                           field="id")
    return number


def check_states(values: Iterable[object]) -> builtins.list[JobState]:
    states = []
    for value in values:
        try:
            states.append(JobState(str(value)))
        except ValueError:
            raise InvalidInput(f"Unknown job state {value!r}; one of "
                               f"{', '.join(state.value for state in JobState)}.",
                               field="state") from None
    return states


class Jobs:
    """Jobs and schedules as people see them (the engine runs them)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @property
    def kinds(self) -> builtins.list[str]:
        """The registered kinds of job."""
        return sorted(self._engine.kinds)

    async def list(self, *, kind: str | None = None, states: Iterable[object] = (),
                   key: str | None = None, limit: int = 100,
                   before_id: int | None = None) -> builtins.list[Job]:
        """Jobs, newest first; running ones show their live progress when they run here."""
        if kind is not None:
            self._engine.kind(kind)
        if isinstance(limit, bool) or not isinstance(limit, int) or not 0 < limit <= MAX_LIST:
            raise InvalidInput(f"'limit' must be 1 to {MAX_LIST}.", field="limit")
        found = await self._engine.store.jobs(
            kind=kind, states=check_states(states), key=key, limit=limit,
            before_id=None if before_id is None else check_job_id(before_id))
        active = self._engine.active
        return [active.get(job.id, job) for job in found]

    async def get(self, job_id: object) -> Job:
        number = check_job_id(job_id)
        running = self._engine.active.get(number)
        return running if running is not None else await self._engine.get(number)

    async def runs(self, job_id: object, *, limit: int = 50) -> builtins.list[JobRun]:
        """The job's attempts, newest first."""
        job = await self.get(job_id)
        return await self._engine.store.runs(job_id=job.id, limit=limit)

    async def with_runs(self, job_id: object, *, limit: int = 50
                        ) -> tuple[Job, builtins.list[JobRun]]:
        """The job and its attempts (newest first), read in that order backwards: a run read
        as ended comes with the job as it was at that ending or later (read apart, the job
        could still say ``running`` beside its run's ending)."""
        number = check_job_id(job_id)
        runs = await self._engine.store.runs(job_id=number, limit=limit)
        running = self._engine.active.get(number)
        if running is not None and runs and runs[0].finished_at is None:
            return running, runs  # run here: its progress as of now
        return await self._engine.get(number), runs

    async def add(self, kind: str, payload: Mapping[str, Any] | None = None, *,
                  key: str | None = None, priority: int = 0) -> Job:
        """Queue a job (a person asked: it goes before background work by default)."""
        return await self._engine.add(kind, payload, key=key, priority=priority)

    async def cancel(self, job_id: object) -> Job:
        return await self._engine.cancel(check_job_id(job_id))

    async def retry(self, job_id: object) -> Job:
        return await self._engine.retry(check_job_id(job_id))

    async def schedules(self) -> builtins.list[Schedule]:
        return await self._engine.schedules.all()

    async def schedule(self, name: str) -> Schedule:
        return await self._engine.schedules.get(name)

    async def run_schedule(self, name: str) -> Job:
        """Add the schedule's job now (its next run stays as it was)."""
        return await self._engine.run_schedule_now(name)

    async def edit_schedule(self, name: str, *, every: float | None = None,
                            cron: str | None = None, timezone: str | None = None,
                            enabled: bool | None = None) -> Schedule:
        """Change a schedule's timing (``every`` seconds or ``cron``, in ``timezone``) or
        switch it on or off; the next run is computed from now."""
        if enabled is not None and not isinstance(enabled, bool):
            raise InvalidInput("'enabled' must be true or false.", field="enabled")
        if every is not None and cron is not None:
            raise InvalidInput("Give 'every' or 'cron', not both.", field="cron")
        return await self._engine.change_schedule(name, every=every, cron=cron,
                                                  timezone=timezone, enabled=enabled)
