"""What a handler registers (a :class:`Kind`), what it gets (a :class:`JobContext`), and how it
says an attempt went (return, or raise :class:`JobError` / :class:`Postpone`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import anyio
import attrs

from aniworld_core.errors import AniworldError, InvalidInput
from aniworld_core.jobs.model import Job, JobProgress, RetryPolicy
from aniworld_core.jobs.store import Hook

#: How often a running job's progress is written to the database, at most (events are sent
#: for every change; the event stream coalesces them for slow readers).
PROGRESS_WRITE_INTERVAL = 1.0


class JobError(Exception):
    """An attempt failed with a message for people; ``permanent``: trying again cannot help
    (the user must act), so the job fails at once instead of being retried."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent


class Postpone(Exception):
    """Put the job back as pending without counting the attempt: due again in ``seconds``,
    and not claimed while ``gate`` is closed (a provider that is down). ``reason`` is shown."""

    def __init__(self, reason: str, *, seconds: float = 0.0, gate: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.seconds = seconds
        self.gate = gate


def _no_check(payload: Mapping[str, Any]) -> dict[str, Any]:
    return dict(payload)


def describe_error(error: BaseException) -> str:
    """What a failed attempt's error says: our own errors as they are, anything else with its
    type."""
    if isinstance(error, JobError | AniworldError):
        return str(error)
    return f"unexpected error: {type(error).__name__}: {error}"


@attrs.frozen
class Kind:
    """A kind of job and its policy.

    ``run`` does one attempt. ``check_payload`` validates a payload at the edge (raise
    :class:`InvalidInput` naming the field) and returns it normalised. ``concurrency``: jobs of
    the kind running at once in one process; beyond it, up to ``urgent_extra`` more whose
    priority number is at most ``urgent_priority`` (work a person waits for never queues behind
    background work). ``hook``: see :data:`.store.Hook`; what it returns goes to ``on_hooked``
    once committed (without one, it is published as an event), and the claim's to the
    handler (``JobContext.hooked``). ``on_idle``: called when nothing is pending (but gated
    work) or running here. ``on_stop``: a shutdown began (stop waiting for things).
    """

    name: str
    run: Callable[[JobContext], Awaitable[None]]
    check_payload: Callable[[Mapping[str, Any]], dict[str, Any]] = _no_check
    concurrency: int = 4
    urgent_extra: int = 0
    urgent_priority: int = 0
    claim_round: int = 50
    #: Claim in whole multiples of this while there is room (a handler that batches its
    #: requests fills whole batches).
    claim_multiple: int = 1
    retry: RetryPolicy = RetryPolicy()
    timeout: float | None = None
    max_pending: int = 10_000
    hook: Hook | None = None
    is_permanent: Callable[[BaseException], bool] = lambda error: isinstance(
        error, InvalidInput) or (isinstance(error, JobError) and error.permanent)
    describe: Callable[[BaseException], str] = describe_error
    on_idle: Callable[[], None] | None = None
    on_hooked: Callable[[Any], None] | None = None
    on_stop: Callable[[], None] | None = None
    #: Called by the dispatcher before it claims jobs of the kind.
    before_claim: Callable[[], Awaitable[None]] | None = None
    #: Jobs planned for a moment ahead (an airing check next Saturday): until then they do
    #: not keep the engine from being idle (``wait_idle``), as retries due later do.
    planned: bool = False


@attrs.define
class JobContext:
    """One attempt of a job, as its handler sees it."""

    job: Job
    run_id: int
    owner: str
    _save: Callable[[JobProgress], Awaitable[None]]
    _publish: Callable[[Job], None]
    _stopping: Callable[[], bool]
    #: What the kind's hook returned when the job was claimed.
    hooked: Any = None
    #: The job's place among those this process began, in claim order (tasks start in any
    #: order; a handler that queues for something by arrival uses this instead).
    sequence: int = 0
    scope: anyio.CancelScope = attrs.field(factory=anyio.CancelScope)
    cancel_requested: bool = False
    _written_at: float = -1e9
    #: Anything the handler keeps for this attempt.
    state: Any = None

    @property
    def payload(self) -> dict[str, Any]:
        return self.job.payload

    @property
    def stopping(self) -> bool:
        """A shutdown began: stop at the next point where nothing is lost."""
        return self._stopping()

    async def progress(self, done: int, total: int | None = None,
                       message: str | None = None) -> None:
        """Report progress: published at once, written at most once a second."""
        progress = JobProgress(done, total, message)
        self.job = attrs.evolve(self.job, progress=progress, updated_at=dt.datetime.now(dt.UTC))
        self._publish(self.job)
        now = anyio.current_time()
        if now - self._written_at >= PROGRESS_WRITE_INTERVAL or (
                total is not None and done >= total):
            self._written_at = now
            await self._save(progress)
