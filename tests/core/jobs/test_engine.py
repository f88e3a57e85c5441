"""The engine running jobs: order, cancelling, timeouts, errors, postponing, shutdown."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import anyio
import pytest
from sqlalchemy import update

from aniworld_core.errors import InvalidInput
from aniworld_core.jobs import (
    Engine,
    JobContext,
    JobError,
    JobState,
    Kind,
    Postpone,
    RetryPolicy,
    RunState,
)
from aniworld_core.storage import Database
from aniworld_core.storage.job_tables import JobRow
from aniworld_core.storage.leases import LeaseLost
from aniworld_core.storage.types import utcnow

from .conftest import PATIENCE, Published, running

pytestmark = pytest.mark.anyio

#: Retries after 5 to 15 ms: a test sees every attempt without waiting.
QUICK = RetryPolicy(max_attempts=3, base=0.01, cap=0.01)


class Blocker:
    """A handler that says when it started and then waits until it is cancelled."""

    def __init__(self) -> None:
        self.started = anyio.Event()
        self.cancelled = False

    async def __call__(self, context: JobContext) -> None:
        self.started.set()
        try:
            await anyio.Event().wait()
        except anyio.get_cancelled_exc_class():
            self.cancelled = True
            raise


async def test_jobs_run_by_priority_then_first_queued(engine: Engine) -> None:
    """One at a time (concurrency 1): the most urgent first, then in the order queued."""
    order: list[str] = []

    async def record(context: JobContext) -> None:
        order.append(context.payload["name"])

    engine.register(Kind("test.ordered", record, concurrency=1))
    for priority, name in [(20, "a"), (30, "b"), (10, "c"), (20, "d"), (10, "e")]:
        await engine.add("test.ordered", {"name": name}, priority=priority)
    async with running(engine):
        with anyio.fail_after(PATIENCE):
            await engine.wait_idle()
    assert order == ["c", "e", "a", "d", "b"]


async def test_a_duplicate_add_returns_the_live_job_and_publishes_nothing(
        engine: Engine, published: Published) -> None:
    engine.register(Kind("test.noop", _noop))
    job = await engine.add("test.noop", {"n": 1}, key="k", priority=20)
    again = await engine.add("test.noop", {"n": 2}, key="k", priority=3)
    assert (again.id, again.payload, again.priority) == (job.id, {"n": 1}, 3)
    assert published.states(job.id) == [JobState.PENDING]
    async with running(engine):
        assert await published.final(job.id) is JobState.COMPLETED
        newer = await engine.add("test.noop", {"n": 3}, key="k")
    assert newer.id != job.id
    assert newer.state is JobState.PENDING


async def test_cancelling_a_pending_job_cancels_it_at_once(engine: Engine,
                                                           published: Published) -> None:
    engine.register(Kind("test.noop", _noop))
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    async with running(engine):
        job = await engine.add("test.noop", key="k", not_before=later)
        cancelled = await engine.cancel(job.id)
    assert (cancelled.state, cancelled.error) == (JobState.CANCELLED, "Cancelled by the user.")
    assert published.states(job.id) == [JobState.PENDING, JobState.CANCELLED]
    assert await engine.store.runs(job_id=job.id) == []
    assert (await engine.get(job.id)).state is JobState.CANCELLED
    assert (await engine.add("test.noop", key="k")).id != job.id  # the key is free again


async def test_cancelling_a_running_job_stops_its_handler(engine: Engine,
                                                          published: Published) -> None:
    blocker = Blocker()
    engine.register(Kind("test.block", blocker))
    async with running(engine):
        job = await engine.add("test.block")
        with anyio.fail_after(PATIENCE):
            await blocker.started.wait()
        await engine.cancel(job.id)
        assert await published.final(job.id) is JobState.CANCELLED
    assert blocker.cancelled
    stored = await engine.get(job.id)
    assert (stored.state, stored.error, stored.attempts) == (
        JobState.CANCELLED, "Cancelled by the user.", 1)
    (run,) = await engine.store.runs(job_id=job.id)
    assert (run.state, run.error) == (RunState.CANCELLED, "Cancelled by the user.")


async def test_a_cancel_asked_in_another_process_stops_the_job(
        engine: Engine, published: Published, database_url: str) -> None:
    """The owner sees a cancel asked through another engine on the database (within a
    second: it looks for them while it runs jobs)."""
    blocker = Blocker()
    engine.register(Kind("test.block", blocker))
    other_database = await Database.open(database_url)
    try:
        other = Engine(other_database, lambda event: None, owner="test-host:2:def")
        async with running(engine):
            job = await engine.add("test.block")
            with anyio.fail_after(PATIENCE):
                await blocker.started.wait()
            asked = await other.cancel(job.id)
            assert asked.state is JobState.RUNNING
            assert await published.final(job.id) is JobState.CANCELLED
    finally:
        await other_database.close()
    assert blocker.cancelled
    (run,) = await engine.store.runs(job_id=job.id)
    assert run.state is RunState.CANCELLED


async def test_a_job_that_runs_too_long_times_out_and_is_retried(
        engine: Engine, published: Published) -> None:
    blocker = Blocker()
    engine.register(Kind("test.slow", blocker, timeout=0.05, retry=QUICK))
    async with running(engine):
        job = await engine.add("test.slow")
        assert await published.final(job.id) is JobState.FAILED
    stored = await engine.get(job.id)
    assert (stored.attempts, stored.error) == (3, "timed out after 0.05 s")
    runs = await engine.store.runs(job_id=job.id)
    assert [(run.attempt, run.state, run.error) for run in runs] == [
        (attempt, RunState.FAILED, "timed out after 0.05 s") for attempt in (3, 2, 1)]


async def test_a_permanent_error_fails_the_job_at_once(engine: Engine,
                                                       published: Published) -> None:
    async def refuse(context: JobContext) -> None:
        raise JobError("The folder is gone.", permanent=True)

    engine.register(Kind("test.refuse", refuse, retry=QUICK))
    async with running(engine):
        job = await engine.add("test.refuse")
        assert await published.final(job.id) is JobState.FAILED
    stored = await engine.get(job.id)
    assert (stored.attempts, stored.error) == (1, "The folder is gone.")
    (run,) = await engine.store.runs(job_id=job.id)
    assert (run.state, run.error) == (RunState.FAILED, "The folder is gone.")


async def test_invalid_input_raised_by_a_handler_is_permanent(engine: Engine,
                                                              published: Published) -> None:
    async def reject(context: JobContext) -> None:
        raise InvalidInput("No such root.", field="roots")

    engine.register(Kind("test.reject", reject, retry=QUICK))
    async with running(engine):
        job = await engine.add("test.reject")
        assert await published.final(job.id) is JobState.FAILED
    assert len(await engine.store.runs(job_id=job.id)) == 1


async def test_a_transient_error_is_retried_until_attempts_are_used(
        engine: Engine, published: Published) -> None:
    async def flaky(context: JobContext) -> None:
        raise JobError("The provider did not answer.")

    engine.register(Kind("test.flaky", flaky, retry=QUICK))
    async with running(engine):
        job = await engine.add("test.flaky")
        assert await published.final(job.id) is JobState.FAILED
    stored = await engine.get(job.id)
    assert (stored.attempts, stored.error) == (3, "The provider did not answer.")
    runs = await engine.store.runs(job_id=job.id)
    assert [(run.attempt, run.state) for run in runs] == [
        (3, RunState.FAILED), (2, RunState.FAILED), (1, RunState.FAILED)]
    # Between attempts it waited as pending, due again after its backoff.
    assert published.states(job.id) == [
        JobState.PENDING, JobState.RUNNING, JobState.PENDING, JobState.RUNNING,
        JobState.PENDING, JobState.RUNNING, JobState.FAILED]
    assert engine.counters["test.flaky"].retries == 2


async def test_a_retry_that_succeeds_completes_the_job(engine: Engine,
                                                       published: Published) -> None:
    calls = 0

    async def once_flaky(context: JobContext) -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise JobError("Try again.")

    engine.register(Kind("test.once", once_flaky, retry=QUICK))
    async with running(engine):
        job = await engine.add("test.once")
        assert await published.final(job.id) is JobState.COMPLETED
    runs = await engine.store.runs(job_id=job.id)
    assert [(run.state, run.error) for run in runs] == [
        (RunState.COMPLETED, None), (RunState.FAILED, "Try again.")]
    stored = await engine.get(job.id)
    assert (stored.attempts, stored.error) == (2, None)


async def test_an_unexpected_exception_fails_that_job_only(engine: Engine,
                                                           published: Published) -> None:
    """A handler's bug fails its job (retried like any error it did not call permanent)
    with the exception's text; other jobs, and later ones, still run."""

    async def divide(context: JobContext) -> None:
        context.state = 1 / context.payload["by"]

    engine.register(Kind("test.divide", divide, concurrency=8, retry=QUICK))
    async with running(engine):
        good = [await engine.add("test.divide", {"by": n}) for n in (1, 2)]
        bad = await engine.add("test.divide", {"by": 0})
        more = [await engine.add("test.divide", {"by": n}) for n in (3, 4)]
        assert await published.final(bad.id) is JobState.FAILED
        late = await engine.add("test.divide", {"by": 5})
        for job in [*good, *more, late]:
            assert await published.final(job.id) is JobState.COMPLETED
        assert engine.running
    stored = await engine.get(bad.id)
    assert stored.error == "unexpected error: ZeroDivisionError: division by zero"
    assert stored.attempts == 3
    assert engine.counters["test.divide"].completed == 5


async def test_postponing_does_not_count_and_a_closed_gate_holds_the_job(
        database: Database, published: Published) -> None:
    """``Postpone``: the job is pending again, its attempt not counted, due after the delay
    and held while its gate is closed; once the gate opens it runs."""
    closed: set[str] = set()
    engine = Engine(database, published.append, owner="test-host:1:abc",
                    closed_gates=lambda: frozenset(closed))
    calls = 0

    async def wait_for_provider(context: JobContext) -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            closed.add("provider:jikan")
            raise Postpone("Jikan is down.", seconds=0.01, gate="provider:jikan")

    engine.register(Kind("test.gated", wait_for_provider))
    async with running(engine):
        job = await engine.add("test.gated")
        await published.until(lambda: published.states(job.id)[-1:] == [JobState.PENDING]
                              and calls == 1 and len(published.states(job.id)) == 3)
        with anyio.fail_after(PATIENCE):
            await engine.wait_idle()  # gated work does not keep the engine busy
        held = await engine.get(job.id)
        assert (held.state, held.attempts, held.gate, held.error) == (
            JobState.PENDING, 0, "provider:jikan", "Jikan is down.")
        assert held.not_before is not None
        assert held.not_before > held.created_at
        assert (await engine.store.claim("someone", "test.gated", 5, lease_seconds=60,
                                         closed_gates=closed)).started == ()
        assert calls == 1

        closed.clear()
        engine.work_added()
        assert await published.final(job.id) is JobState.COMPLETED
    done = await engine.get(job.id)
    assert (done.attempts, done.gate, calls) == (1, None, 2)
    runs = await engine.store.runs(job_id=job.id)
    assert [(run.state, run.error) for run in runs] == [
        (RunState.COMPLETED, None), (RunState.INTERRUPTED, "Jikan is down.")]


async def test_a_postponed_job_waits_for_its_delay(engine: Engine,
                                                   published: Published) -> None:
    calls = 0

    async def later(context: JobContext) -> None:
        nonlocal calls
        calls += 1
        raise Postpone("Not yet.", seconds=3600)

    engine.register(Kind("test.later", later))
    async with running(engine):
        job = await engine.add("test.later")
        await published.until(lambda: len(published.states(job.id)) == 3)
        stored = await engine.get(job.id)
        assert (stored.state, stored.attempts, stored.error) == (
            JobState.PENDING, 0, "Not yet.")
        assert stored.not_before is not None
        assert stored.not_before > dt.datetime.now(dt.UTC) + dt.timedelta(minutes=59)
        assert (await engine.store.claim("someone", "test.later", 5,
                                         lease_seconds=60)).started == ()
    assert calls == 1


async def test_a_shutdown_puts_running_jobs_back(engine: Engine, published: Published,
                                                 database_url: str) -> None:
    """A job interrupted by a shutdown is pending again, its attempt not counted, and the
    next start runs it to the end."""
    blocker = Blocker()
    engine.register(Kind("test.block", blocker))
    async with running(engine):
        job = await engine.add("test.block")
        with anyio.fail_after(PATIENCE):
            await blocker.started.wait()
    assert blocker.cancelled
    stopped = await engine.get(job.id)
    assert (stopped.state, stopped.attempts, stopped.lease_owner) == (
        JobState.PENDING, 0, None)

    database = await Database.open(database_url)
    try:
        again = Engine(database, published.append, owner="test-host:3:ghi")
        again.register(Kind("test.block", _noop))
        async with running(again):
            assert await published.final(job.id) is JobState.COMPLETED
    finally:
        await database.close()
    runs = await engine.store.runs(job_id=job.id)
    assert [run.state for run in runs] == [RunState.COMPLETED, RunState.INTERRUPTED]
    assert (await engine.get(job.id)).attempts == 1


async def test_a_failed_job_can_be_retried(engine: Engine, published: Published) -> None:
    calls = 0

    async def fail_first(context: JobContext) -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise JobError("No.", permanent=True)

    engine.register(Kind("test.retry", fail_first))
    async with running(engine):
        job = await engine.add("test.retry", key="k")
        assert await published.final(job.id) is JobState.FAILED
        retried = await engine.retry(job.id)
        assert (retried.id, retried.state, retried.attempts, retried.error) == (
            job.id, JobState.PENDING, 0, None)
        await published.until(lambda: published.states(job.id)[-1] is JobState.COMPLETED)
    assert (await engine.get(job.id)).state is JobState.COMPLETED


async def test_progress_is_published_and_kept(engine: Engine, published: Published) -> None:
    async def count(context: JobContext) -> None:
        for done in range(1, 4):
            await context.progress(done, 3, f"step {done}")

    engine.register(Kind("test.count", count))
    async with running(engine):
        job = await engine.add("test.count")
        assert await published.final(job.id) is JobState.COMPLETED
    steps = [(event.progress.done, event.progress.message) for event in published
             if getattr(event, "job_id", None) == job.id
             and event.state is JobState.RUNNING]
    assert steps[1:] == [(1, "step 1"), (2, "step 2"), (3, "step 3")]
    stored = await engine.get(job.id)
    assert (stored.progress.done, stored.progress.total) == (3, 3)


async def _noop(context: JobContext) -> Any:
    return None


async def test_a_retry_comes_due_while_another_kind_keeps_the_engine_busy(
        engine: Engine, published: Published) -> None:
    """A busy kind (short jobs one after another, each end waking the dispatcher) does not
    hold back another kind's retry that came due: it runs while the busy kind goes on, which
    it does until the retry has run (however fast or slow the machine is: a retry held back
    shows as the deadline passing)."""
    retried = anyio.Event()

    async def busy(context: JobContext) -> None:
        if not retried.is_set():
            await engine.add("test.busy")  # the next one

    async def flaky_once(context: JobContext) -> None:
        if context.job.attempts == 1:
            raise JobError("Try again.")
        retried.set()

    engine.register(Kind("test.busy", busy, concurrency=1))
    engine.register(Kind("test.flaky", flaky_once,
                         retry=RetryPolicy(max_attempts=2, base=0.1, cap=0.1)))
    async with running(engine):
        await engine.add("test.busy")
        flaky = await engine.add("test.flaky")
        assert await published.final(flaky.id) is JobState.COMPLETED  # not held back for good


async def test_a_handler_s_own_timeout_error_is_an_ordinary_failure(
        engine: Engine, published: Published) -> None:
    """A ``TimeoutError`` the handler raises itself (a request of its own that timed out), in
    a kind without a timeout, fails the attempt like any other error."""

    async def slow_provider(context: JobContext) -> None:
        raise TimeoutError("The provider did not answer in time.")

    engine.register(Kind("test.own_timeout", slow_provider,
                         retry=RetryPolicy(max_attempts=1)))
    async with running(engine):
        job = await engine.add("test.own_timeout")
        with anyio.fail_after(5):  # it fails at once; 5 s tells the bug apart faster
            assert await published.final(job.id) is JobState.FAILED
    stored = await engine.get(job.id)
    assert stored.error is not None
    assert "The provider did not answer in time." in stored.error


async def test_a_kind_registered_while_the_engine_dispatches_runs_too(
        engine: Engine, caplog: pytest.LogCaptureFixture) -> None:
    """A kind registered while the dispatcher goes through the kinds (here: from another
    kind's ``before_claim``, as a plugin started late would) neither breaks the dispatcher
    nor is left out: its job runs."""
    ran: list[str] = []

    async def record(context: JobContext) -> None:
        ran.append(context.job.kind)

    async def register_late() -> None:
        if "test.late" not in engine.kinds:
            engine.register(Kind("test.late", record))

    engine.register(Kind("test.first", record, before_claim=register_late))
    await engine.add("test.first")
    async with running(engine):
        with anyio.fail_after(PATIENCE):
            await engine.wait_idle()
        await engine.add("test.late")
        with anyio.fail_after(PATIENCE):
            await engine.wait_idle()
    assert ran == ["test.first", "test.late"]
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


async def test_a_job_taken_over_meanwhile_is_left_to_its_new_owner(
        engine: Engine, database: Database, caplog: pytest.LogCaptureFixture) -> None:
    """A handler whose writes find the job taken over by another process (its lease ran out
    while this one stalled) raises ``LeaseLost``: nothing is recorded here (no failure, no
    retry), and the new owner's run goes on untouched."""
    started, go_on = anyio.Event(), anyio.Event()

    async def stalls(context: JobContext) -> None:
        started.set()
        await go_on.wait()
        raise LeaseLost(str(context.job.id))  # what its next write would raise

    engine.register(Kind("test.stalls", stalls, retry=QUICK))
    caplog.set_level(logging.INFO, logger="aniworld.jobs")
    async with running(engine):
        job = await engine.add("test.stalls")
        with anyio.fail_after(PATIENCE):
            await started.wait()
        await database.session(lambda session: session.execute(
            update(JobRow).where(JobRow.id == job.id).values(lease_expires_at=utcnow())))
        assert len((await engine.store.claim("other:2:def", "test.stalls", 1,
                                             lease_seconds=60)).started) == 1
        go_on.set()
    stored = await engine.get(job.id)
    assert (stored.state, stored.lease_owner, stored.attempts) == (
        JobState.RUNNING, "other:2:def", 2)
    runs = await engine.store.runs(job_id=job.id)
    assert [(run.state, run.owner) for run in runs] == [
        (RunState.RUNNING, "other:2:def"), (RunState.INTERRUPTED, "test-host:1:abc")]
    assert engine.counters["test.stalls"].failed == 0
    messages = [record.getMessage() for record in caplog.records]
    assert f"job {job.id} (test.stalls) was taken over or removed while it ran" in messages
    assert not [message for message in messages if "retry" in message], messages
