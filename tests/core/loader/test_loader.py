"""The loader's scheduling: order, concurrency, failures, retries, cancellation, shutdown."""

from __future__ import annotations

import gc

import anyio
import pytest

from aniworld_core.errors import ProviderError
from aniworld_core.events import LoaderIdle, SeriesLoadingUpdate
from aniworld_core.jobs import JobState, RetryPolicy
from aniworld_core.loader.job import Job
from aniworld_core.models import LoadingStatus, Priority

from .conftest import Harness, running

pytestmark = pytest.mark.anyio


async def lease_of(harness: Harness, series_id: str) -> str | None:
    """Who holds the series' load job."""
    return (await harness.load_job(series_id)).lease_owner


async def statuses(harness: Harness) -> dict[str, LoadingStatus]:
    return {s.title: s.loading_status for s in await harness.series.all()}


async def test_starts_idle_and_stops(harness: Harness) -> None:
    """With nothing queued the loader is idle at once and stops cleanly."""
    with anyio.fail_after(10):
        async with running(harness.loader()) as loader:
            await loader.wait_idle()


async def test_queued_series_load_to_completed(harness: Harness) -> None:
    """Every queued series walks its steps to completed, with one load run each."""
    added = await harness.add("Akira", "Trigun", "Monster")
    with anyio.fail_after(10):
        async with running(harness.loader()) as loader:
            await loader.wait_idle()
    assert set((await statuses(harness)).values()) == {LoadingStatus.COMPLETED}
    for series in added:
        stored = await harness.series.get(series.id)
        assert stored.progress.to_dict() == {"episodes": True, "nfo": True, "logo": True,
                                             "images": True}
        assert stored.loading_started_at is not None
        assert stored.loading_completed_at is not None
        assert (await harness.load_job(series.id)).state is JobState.COMPLETED
        assert await lease_of(harness, series.id) is None
        runs = await harness.series.load_runs(series.id)
        assert [run.status for run in runs] == [LoadingStatus.COMPLETED]


async def test_a_finished_job_goes_without_waiting_for_the_garbage_collector(
        harness: Harness) -> None:
    """A finished job, with its series and episodes, is freed when it ends, not left in a
    reference cycle for a full collection (which stops a busy server's event loop for tens of
    ms). The collector is off while loading, so a cycle would still be there afterwards."""
    await harness.add("Akira", "Trigun")
    gc.collect()
    gc.disable()
    try:
        with anyio.fail_after(10):
            async with running(harness.loader()) as loader:
                await loader.wait_idle()
        left = [thing for thing in gc.get_objects() if isinstance(thing, Job)]
    finally:
        gc.enable()
    assert left == []


async def test_status_walks_through_the_steps_in_order(harness: Harness) -> None:
    """Events show pending → loading_episodes → … → completed for a series."""
    await harness.add("Akira")
    async with harness.events.subscribe(snapshot=False) as events:
        with anyio.fail_after(10):
            async with running(harness.loader()) as loader:
                await loader.wait_idle()
            seen = []
            while events.pending():
                event = await events.__anext__()
                if (isinstance(event, SeriesLoadingUpdate) and event.title == "Akira"
                        and (not seen or seen[-1] != event.status)):
                    seen.append(event.status)
    assert seen == [LoadingStatus.LOADING_EPISODES, LoadingStatus.LOADING_NFO,
                    LoadingStatus.LOADING_LOGO, LoadingStatus.LOADING_IMAGES,
                    LoadingStatus.COMPLETED]


async def test_fifo_within_a_priority(harness: Harness) -> None:
    """Series of one priority start in the order they were queued."""
    titles = [f"S{n}" for n in range(6)]
    await harness.add(*titles)
    with anyio.fail_after(10):
        async with running(harness.loader(concurrency=1)) as loader:
            await loader.wait_idle()
    assert harness.script.started == titles


async def test_user_work_overtakes_startup_work(harness: Harness) -> None:
    """A series the user adds runs before series resumed at startup that still wait."""
    resumed = [f"R{n}" for n in range(5)]
    await harness.add(*resumed, priority=Priority.USER)
    gate = harness.script.gate("R0")
    await harness.work.prepare_startup(inputs_key=str)  # as after a restart: resume priority
    with anyio.fail_after(10):
        async with harness.events.subscribe(snapshot=False) as events, \
                running(harness.loader(concurrency=1)) as loader:
            while harness.script.started != ["R0"]:
                await harness.script.step_started.wait()
            await harness.add("User", priority=Priority.USER)
            loader.work_added()
            async for event in events:  # the user's series is claimed while R0 still runs
                if isinstance(event, SeriesLoadingUpdate) and event.title == "User":
                    break
            gate.set()
            await loader.wait_idle()
    assert harness.script.started == ["R0", "User", "R1", "R2", "R3", "R4"]


async def test_steps_run_concurrently_up_to_the_limit(harness: Harness) -> None:
    """With concurrency 3, three series are in their step at once, never a fourth."""
    titles = [f"S{n}" for n in range(7)]
    await harness.add(*titles)
    gates = [harness.script.gate(t) for t in titles]
    with anyio.fail_after(10):
        async with running(harness.loader(concurrency=3)) as loader:
            while len(harness.script.running) < 3:
                await harness.script.step_started.wait()
            assert sorted(harness.script.started) == titles[:3]
            for gate in gates:
                gate.set()
            await loader.wait_idle()
    assert harness.script.max_running == 3


async def test_a_failing_series_fails_with_the_step_named(harness: Harness) -> None:
    """After the last attempt a series fails naming the step; the others complete."""
    await harness.add("Bad", "Good1", "Good2")
    harness.script.failures["Bad"] = [
        ProviderError("jikan", "episodes 1", "HTTP 503") for _ in range(3)
    ]
    with anyio.fail_after(10):
        async with running(harness.loader(max_attempts=3)) as loader:
            await loader.wait_idle()
            metrics = await loader.metrics()
    bad = next(s for s in await harness.series.all() if s.title == "Bad")
    assert bad.loading_status is LoadingStatus.FAILED
    assert bad.loading_error == "Episodes: jikan: episodes 1: HTTP 503"
    assert (await harness.load_job(bad.id)).attempts == 3
    runs = await harness.series.load_runs(bad.id)
    assert [r.status for r in runs] == [LoadingStatus.FAILED] * 3
    assert (await statuses(harness))["Good1"] is LoadingStatus.COMPLETED
    assert (await statuses(harness))["Good2"] is LoadingStatus.COMPLETED
    assert (metrics.completed, metrics.failed, metrics.retries_scheduled) == (2, 1, 2)


async def test_a_transient_failure_is_retried(harness: Harness) -> None:
    """A step that fails once is retried after a backoff and the series completes."""
    [series] = await harness.add("Flaky")
    harness.script.failures["Flaky"] = [ProviderError("jikan", "episodes 1", "timed out")]
    with anyio.fail_after(10):
        async with running(harness.loader()) as loader:
            await loader.wait_idle()
    stored = await harness.series.get(series.id)
    assert stored.loading_status is LoadingStatus.COMPLETED
    assert stored.loading_error is None
    runs = await harness.series.load_runs(series.id)
    assert [r.status for r in runs] == [LoadingStatus.COMPLETED, LoadingStatus.FAILED]
    assert runs[1].error == "Episodes: jikan: episodes 1: timed out"


async def test_a_step_that_hangs_times_out(harness: Harness) -> None:
    """Every step has a timeout; a hanging step fails the series with a clear message."""
    [series] = await harness.add("Hangs")
    harness.script.hang.add("Hangs")
    with anyio.fail_after(10):
        async with running(harness.loader(step_timeout=0.05, max_attempts=1)) as loader:
            await loader.wait_idle()
    stored = await harness.series.get(series.id)
    assert stored.loading_status is LoadingStatus.FAILED
    assert stored.loading_error == "Episodes: timed out after 0.05 s"


async def test_cancel_mid_step(harness: Harness) -> None:
    """Cancelling a series stops its step at once; the others go on."""
    cancelled, other = await harness.add("Cancel me", "Other")
    harness.script.hang.add("Cancel me")
    with anyio.fail_after(10):
        async with running(harness.loader()) as loader:
            while "Cancel me" not in harness.script.running:
                await harness.script.step_started.wait()
            assert await loader.cancel(cancelled.id)
            await loader.wait_idle()
    stored = await harness.series.get(cancelled.id)
    assert stored.loading_status is LoadingStatus.CANCELLED
    assert stored.loading_error is None  # a cancel is no error of the series
    assert (await harness.load_job(cancelled.id)).state is JobState.CANCELLED
    assert [r.status for r in await harness.series.load_runs(cancelled.id)] == [
        LoadingStatus.CANCELLED
    ]
    assert (await harness.series.get(other.id)).loading_status is LoadingStatus.COMPLETED


async def test_cancel_a_series_that_only_waits(harness: Harness) -> None:
    """A queued series nobody works on is cancelled without a load run."""
    await harness.add("Busy")
    [waiting] = await harness.add("Waiting")
    gate = harness.script.gate("Busy")
    with anyio.fail_after(10):
        async with running(harness.loader(concurrency=1)) as loader:
            await harness.script.step_started.wait()
            assert await loader.cancel(waiting.id)
            gate.set()
            await loader.wait_idle()
    assert (await harness.series.get(waiting.id)).loading_status is LoadingStatus.CANCELLED
    assert "Waiting" not in harness.script.started


async def test_shutdown_mid_load_resumes_on_next_start(harness: Harness) -> None:
    """Leaving mid-step cancels after the grace period and puts the series back in the queue
    as "queued, resumes at next start" (its attempt not counted), its run ended
    "interrupted"; the next loader finishes it."""
    [series] = await harness.add("Long")
    harness.script.hang.add("Long")
    with anyio.fail_after(10):
        async with running(harness.loader(shutdown_grace=0.05)):
            await harness.script.step_started.wait()
    stored = await harness.series.get(series.id)
    assert stored.loading_status is LoadingStatus.QUEUED
    assert stored.loading_error == "Interrupted by shutdown; resumes at next start."
    job = await harness.load_job(series.id)
    assert (job.state, job.attempts) == (JobState.PENDING, 0)
    runs = await harness.series.load_runs(series.id)
    assert [run.status for run in runs] == [LoadingStatus.INTERRUPTED]
    assert runs[0].error == "Interrupted by shutdown; resumes at next start."
    assert runs[0].finished_at is not None

    harness.script.hang.clear()
    with anyio.fail_after(10):
        async with running(harness.loader()) as loader:
            assert loader.queued_at_start == 1
            await loader.wait_idle()
    assert (await harness.series.get(series.id)).loading_status is LoadingStatus.COMPLETED


async def test_shutdown_lets_in_flight_steps_finish(harness: Harness) -> None:
    """A step that ends within the grace period is saved before the loader stops; the
    series waits in the queue for the rest."""
    [series] = await harness.add("Quick")
    gate = harness.script.gate("Quick")
    with anyio.fail_after(10):
        async with anyio.create_task_group() as task_group:
            loader = harness.loader(shutdown_grace=5)
            await loader.prepare()
            await task_group.start(loader.engine.run)
            await harness.script.step_started.wait()
            task_group.start_soon(loader.engine.stop)
            gate.set()
    stored = await harness.series.get(series.id)
    assert stored.episodes_loaded
    assert stored.loading_status is LoadingStatus.QUEUED
    assert (await harness.load_job(series.id)).state is JobState.PENDING


async def test_shutdown_stops_series_that_only_wait_at_once(harness: Harness) -> None:
    """Series claimed but waiting for a slot stop at once, not after the grace period (an
    hour here): they are back in the queue as queued while the one step doing I/O still
    runs; that one finishes, and every run ends interrupted."""
    titles = ["Busy", "Waits1", "Waits2", "Waits3"]
    added = await harness.add(*titles)
    gate = harness.script.gate("Busy")
    queued: set[str] = set()
    with anyio.fail_after(10):
        async with harness.events.subscribe(snapshot=False) as events, \
                anyio.create_task_group() as task_group:
            loader = harness.loader(concurrency=1, shutdown_grace=3600, largest_batch=2)
            await loader.prepare()
            await task_group.start(loader.engine.run)
            await harness.script.step_started.wait()
            task_group.start_soon(loader.engine.stop)
            async for event in events:
                if (isinstance(event, SeriesLoadingUpdate)
                        and event.status is LoadingStatus.QUEUED):
                    queued.add(event.title)
                    if len(queued) == 3:
                        break
            gate.set()
    assert queued == {"Waits1", "Waits2", "Waits3"}
    assert harness.script.started == ["Busy"]
    for series in added:
        stored = await harness.series.get(series.id)
        assert stored.loading_status is LoadingStatus.QUEUED, stored.title
        assert stored.episodes_loaded is (stored.title == "Busy")
        assert [run.status for run in await harness.series.load_runs(series.id)] == [
            LoadingStatus.INTERRUPTED]


async def test_slow_subscriber_does_not_slow_the_loader(harness: Harness) -> None:
    """A subscriber that never reads still ends up with every series' final state."""
    titles = [f"S{n}" for n in range(40)]
    await harness.add(*titles)
    async with harness.events.subscribe(snapshot=False, max_buffer=1) as stuck:
        with anyio.fail_after(20):
            async with running(harness.loader()) as loader:
                await loader.wait_idle()
        final = {}
        while stuck.pending():
            event = await stuck.__anext__()
            if isinstance(event, SeriesLoadingUpdate):
                final[event.title] = event.status
            last = event
    assert final == dict.fromkeys(titles, LoadingStatus.COMPLETED)
    assert isinstance(last, LoaderIdle)


async def test_wait_idle_waits_for_scheduled_retries(harness: Harness) -> None:
    """``wait_idle`` does not return while a failed step still has a retry scheduled."""
    [series] = await harness.add("Retry")
    harness.script.failures["Retry"] = [ProviderError("jikan", "episodes 1", "HTTP 502")]
    with anyio.fail_after(10):
        async with running(harness.loader(retry_base_delay=0.2, retry_max_delay=0.2)) as loader:
            await loader.wait_idle()
    assert (await harness.series.get(series.id)).loading_status is LoadingStatus.COMPLETED


def test_retry_delay_grows_exponentially_with_jitter() -> None:
    """Delays double per attempt, stay within ±50 % jitter and respect the cap."""
    policy = RetryPolicy(max_attempts=5, base=10, cap=60)
    assert policy.delay(1, rng=lambda: 0.5) == 10
    assert policy.delay(2, rng=lambda: 0.5) == 20
    assert policy.delay(3, rng=lambda: 0.0) == 20
    assert policy.delay(3, rng=lambda: 0.999) == pytest.approx(59.96)
    assert policy.delay(9, rng=lambda: 0.5) == 60


async def test_a_cancelled_refresh_leaves_a_loaded_series_loaded(harness: Harness) -> None:
    """Refreshing runs every step again; cancelling it midway keeps what the earlier load
    loaded (the series stays completed, with no error), and the run says cancelled."""
    [series] = await harness.add("Akira")
    with anyio.fail_after(10):
        async with running(harness.loader()) as loader:
            await loader.wait_idle()
    await harness.work.requeue(series.id, refresh=True)
    harness.script.hang.add("Akira")
    with anyio.fail_after(10):
        async with running(harness.loader()) as loader:
            while "Akira" not in harness.script.running:
                await harness.script.step_started.wait()
            assert await loader.cancel(series.id)
            await loader.wait_idle()
    stored = await harness.series.get(series.id)
    assert (stored.loading_status, stored.loading_error) == (LoadingStatus.COMPLETED, None)
    assert stored.progress.to_dict() == dict.fromkeys(["episodes", "nfo", "logo", "images"],
                                                      True)
    assert harness.script.started == ["Akira", "Akira"]
    assert [run.status for run in await harness.series.load_runs(series.id)] == [
        LoadingStatus.CANCELLED, LoadingStatus.COMPLETED]
