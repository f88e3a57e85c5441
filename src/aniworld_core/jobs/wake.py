"""An engine that tells other processes when work was queued or a job of theirs should stop,
and can be woken by them."""

from __future__ import annotations

from collections.abc import Callable, Collection

from aniworld_core.jobs.engine import Engine
from aniworld_core.jobs.model import Job, JobState

#: Told of work queued in this process: its kind, or ``None`` for any kind.
OnWorkAdded = Callable[[str | None], None]
#: Told of a job running in another process that someone here asked to cancel: its id.
OnCancelAsked = Callable[[int], None]


class WakingEngine(Engine):
    """:class:`Engine` plus ``on_work_added``: every :meth:`work_added` of this process (a job
    added, a series queued, a retry...) is passed on, so processes that run jobs claim it at
    once instead of at their next poll. Work heard of from elsewhere comes in through
    :meth:`woken`, which is not passed on again.

    And ``on_cancel_asked``: a cancel asked here of a job another process runs is passed on,
    so that process stops it at once (:meth:`cancel_heard`) instead of at its next poll."""

    on_work_added: OnWorkAdded | None = None
    on_cancel_asked: OnCancelAsked | None = None

    def work_added(self, kind: str | None = None) -> None:
        super().work_added(kind)
        if self.on_work_added is not None:
            self.on_work_added(kind)

    def woken(self, kind: str | None = None) -> None:
        """Another process queued work of ``kind`` (``None``: any kind)."""
        super().work_added(kind)

    async def cancel(self, job_id: int) -> Job:
        job = await super().cancel(job_id)
        if (job.state is JobState.RUNNING and job.lease_owner not in (None, self.owner)
                and self.on_cancel_asked is not None):
            self.on_cancel_asked(job.id)
        return job

    def cancel_heard(self, job_ids: Collection[int]) -> None:
        """Another process asked to cancel ``job_ids``: if any runs here, the database is
        asked at once which of this process's jobs are to stop (it has the last word)."""
        if any(self.active_context(job_id) is not None for job_id in job_ids):
            self._leases.poll_now()


__all__ = ["OnCancelAsked", "OnWorkAdded", "WakingEngine"]
