"""One attempt of a job: run its handler under the kind's timeout and say how it ended
(completed; failed, to retry or for good; cancelled; interrupted by a shutdown or postponed),
and the counts of endings per kind."""

from __future__ import annotations

import datetime as dt
import logging
import math

import anyio
import attrs

from aniworld_core.jobs.kinds import JobContext, Kind, Postpone
from aniworld_core.jobs.model import JobState, RunState
from aniworld_core.jobs.store import Ending
from aniworld_core.storage.leases import LeaseLost
from aniworld_core.storage.types import utcnow

log = logging.getLogger("aniworld.jobs")
SHUTDOWN = "Interrupted by shutdown; resumes at next start."
CANCELLED = "Cancelled by the user."


@attrs.define
class KindCounters:
    completed: int = 0
    failed: int = 0
    cancelled: int = 0
    retries: int = 0
    interrupted: int = 0
    postponed: int = 0

    def count(self, ending: Ending) -> None:
        """Count how an attempt ended."""
        if ending.state is JobState.COMPLETED:
            self.completed += 1
        elif ending.state is JobState.FAILED:
            self.failed += 1
        elif ending.state is JobState.CANCELLED:
            self.cancelled += 1
        elif ending.run_state is RunState.FAILED:
            self.retries += 1
        elif ending.error != SHUTDOWN:
            self.postponed += 1
        else:
            self.interrupted += 1


async def attempt(kind: Kind, context: JobContext) -> Ending:
    """Run the handler once; how it went, as the ending to record."""
    job = context.job
    timeout = job.timeout if job.timeout is not None else kind.timeout
    try:
        with context.scope as scope:
            with anyio.move_on_after(math.inf if timeout is None else timeout) as deadline:
                await kind.run(context)
        if scope.cancel_called:
            if context.cancel_requested:
                return Ending(JobState.CANCELLED, RunState.CANCELLED, CANCELLED)
            return Ending(JobState.PENDING, RunState.INTERRUPTED, SHUTDOWN, refund=True)
        if deadline.cancelled_caught:  # the kind's own timeout, not one of the handler's
            return failure(kind, context, f"timed out after {timeout:g} s",
                                 permanent=False)
        return Ending(JobState.COMPLETED, RunState.COMPLETED)
    except Postpone as postpone:
        return Ending(JobState.PENDING, RunState.INTERRUPTED, postpone.reason,
                      not_before=utcnow() + dt.timedelta(seconds=postpone.seconds),
                      gate=postpone.gate, refund=True)
    except LeaseLost:
        raise  # the job is no longer this process's: nothing of it is recorded here
    except Exception as error:
        reason = kind.describe(error)
        if reason.startswith("unexpected error"):
            log.error("job %s (%s) raised", job.id, job.kind, exc_info=error)
        return failure(kind, context, reason, permanent=kind.is_permanent(error))

def failure(kind: Kind, context: JobContext, reason: str, *, permanent: bool) -> Ending:
    job = context.job
    if permanent or job.attempts >= job.max_attempts:
        log.warning("job %s (%s) failed: %s", job.id, job.kind, reason)
        return Ending(JobState.FAILED, RunState.FAILED, reason)
    delay = kind.retry.delay(job.attempts)
    log.info("job %s (%s): %s; retry %d of %d in %.0f s", job.id, job.kind, reason,
             job.attempts, job.max_attempts - 1, delay)
    return Ending(JobState.PENDING, RunState.FAILED, reason,
                  not_before=utcnow() + dt.timedelta(seconds=delay))
