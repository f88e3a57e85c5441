"""The durable jobs engine: every background task is a job of a registered kind.

Jobs are rows (``pending → running → completed | failed | cancelled``) with one run per
attempt, claimed under leases by any process on the database, retried with backoff unless an
error is permanent, cancellable, and fired by recurring schedules. The engine never imports
what runs on it: handlers register a :class:`Kind`.
"""

from aniworld_core.jobs.engine import Engine
from aniworld_core.jobs.kinds import JobContext, JobError, Kind, Postpone
from aniworld_core.jobs.model import (
    Job,
    JobProgress,
    JobRun,
    JobState,
    JobUpdate,
    RetryPolicy,
    RunState,
    Schedule,
)
from aniworld_core.jobs.timing import Timing

__all__ = [
    "Engine",
    "Job",
    "JobContext",
    "JobError",
    "JobProgress",
    "JobRun",
    "JobState",
    "JobUpdate",
    "Kind",
    "Postpone",
    "RetryPolicy",
    "RunState",
    "Schedule",
    "Timing",
]
