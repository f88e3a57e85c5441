"""Two apps on one PostgreSQL database: events, queued work and cancels cross between them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio
import anyio.abc
import attrs
import pytest

import aniworld_core.app as app_module
from aniworld_core import LoadingStatus, Progress, SeriesApp, Settings, builtin_jobs
from aniworld_core.download_events import DownloadUpdate
from aniworld_core.downloads.model import Download as DownloadModel
from aniworld_core.downloads.model import DownloadState, Offer
from aniworld_core.event_bridge import RemoteEvent
from aniworld_core.events import Event, EventHub, ProviderWaiting, SeriesLoadingUpdate
from aniworld_core.jobs import Engine, JobContext, JobState, JobUpdate, Kind
from aniworld_core.jobs.model import JobProgress
from aniworld_core.jobs.wake import WakingEngine

pytestmark = pytest.mark.anyio

#: How long a test waits for the other app at most (a hang guard, not a measurement).
PATIENCE = 20.0
#: The events compared between the apps (an app may publish others on its own).
COMPARED = {"series_added", "series_loading_update", "download_update", "job_update",
            "provider_waiting"}


class Seen:
    """Every event one subscriber of a hub received, in order; :meth:`until` waits for more."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self._arrived = anyio.Event()

    async def collect(self, hub: EventHub, *,
                      task_status: anyio.abc.TaskStatus[None] = anyio.TASK_STATUS_IGNORED
                      ) -> None:
        async with hub.subscribe(snapshot=False, max_buffer=100_000) as events:
            task_status.started()
            async for event in events:
                self.events.append(event)
                self._arrived.set()

    async def until(self, done: Callable[[], bool]) -> None:
        with anyio.fail_after(PATIENCE):
            while not done():
                self._arrived = anyio.Event()
                await self._arrived.wait()

    def local(self) -> list[Event]:
        """What this process published itself."""
        return [e for e in self.events if not isinstance(e, RemoteEvent) and e.type in COMPARED]

    def remote(self) -> list[Event]:
        """What came from the other process."""
        return [e for e in self.events if isinstance(e, RemoteEvent) and e.type in COMPARED]

    def has(self, event_type: str, **fields: object) -> bool:
        return any(e.type == event_type and all(e.to_json().get(k) == v for k, v in fields.items())
                   for e in self.events)

    def job_states(self, job_id: int) -> list[str]:
        return [e.to_json()["state"] for e in self.events
                if e.type == "job_update" and e.to_json()["job_id"] == job_id]


@pytest.fixture
def anyio_backend() -> str:
    """Both backends are covered by the hub's tests; here the database does the work."""
    return "asyncio"


def on_postgres(settings: Settings) -> None:
    if not settings.resolved_database_url.startswith("postgres"):
        pytest.skip("events across processes: on PostgreSQL (ANIWORLD_TEST_DATABASE_URL)")


def second(settings: Settings, tmp_path: Path) -> Settings:
    """Another process's settings: its own data dir, the same database."""
    return attrs.evolve(settings, data_dir=tmp_path / "data-b")


def download(download_id: int, series_id: str, state: DownloadState) -> DownloadUpdate:
    offer = Offer(source="http", title="Show - 01", url="http://files.invalid/1.mkv")
    return DownloadUpdate(DownloadModel(id=download_id, series_id=series_id,
                                        series_title="Show", season=1, episodes=(1,),
                                        source="http", offer=offer, state=state))


async def test_every_event_reaches_the_other_process_once_in_order(
        settings: Settings, tmp_path: Path) -> None:
    """What app A publishes reaches a subscriber of app B once each, in A's order, with the
    same type, JSON and coalesce key; A's own subscriber sees each of its events once; the
    same holds the other way; and a page that subscribes to B again gets the snapshot first,
    with A's series in it."""
    on_postgres(settings)
    in_a, in_b = Seen(), Seen()
    async with SeriesApp.open(settings, loader=False) as a, \
            SeriesApp.open(second(settings, tmp_path), loader=False) as b, \
            anyio.create_task_group() as task_group:
        await task_group.start(in_a.collect, a.events)
        await task_group.start(in_b.collect, b.events)
        shows = [await a.add_series(f"Show {n}") for n in range(3)]
        for status in (LoadingStatus.LOADING_EPISODES, LoadingStatus.COMPLETED):
            for show in shows:
                a.events.publish(SeriesLoadingUpdate.of_parts(
                    show.id, show.title, status, Progress(), None))
        for state in (DownloadState.DOWNLOADING, DownloadState.COMPLETED):
            a.events.publish(download(7, shows[0].id, state))
        for job_state in (JobState.RUNNING, JobState.COMPLETED):
            a.events.publish(JobUpdate(41, "test.kind", None, job_state, JobProgress()))
        a.events.publish(ProviderWaiting("end-of-a", 0.0, "done"))
        await in_b.until(lambda: in_b.has("provider_waiting", provider="end-of-a"))

        from_b = await b.add_series("From B")
        b.events.publish(ProviderWaiting("end-of-b", 0.0, "done"))
        await in_a.until(lambda: in_a.has("provider_waiting", provider="end-of-b"))
        async with b.events.subscribe() as page_again:  # a page that reconnects to B
            with anyio.fail_after(PATIENCE):
                snapshot = [await page_again.__anext__() for _ in range(4)]
        task_group.cancel_scope.cancel()

    for sender, receiver in ((in_a, in_b), (in_b, in_a)):
        sent, heard = sender.local(), receiver.remote()
        assert [e.to_json() for e in heard] == [e.to_json() for e in sent]
        assert [(e.type, e.coalesce_key) for e in heard] == [
            (e.type, e.coalesce_key) for e in sent]
    assert len(in_a.local()) == 3 * 2 + 3 * 2 + 2 + 2 + 1  # each once, none echoed back
    assert [e.to_json()["series_id"] for e in in_b.local() if e.type == "series_added"] == [
        from_b.id]
    # The snapshot comes first and holds every process's series (it is read from the database).
    assert {e.to_json()["series_id"] for e in snapshot
            if e.type == "series_loading_update"} == {show.id for show in [*shows, from_b]}


@pytest.fixture
def kinds(monkeypatch: pytest.MonkeyPatch) -> list[Kind]:
    """Job kinds every app the test opens registers with the built-in ones (before its engine
    starts)."""
    extra: list[Kind] = []
    builtin = builtin_jobs.register_builtin_kinds

    def register(engine: Engine, *args: Any) -> None:
        builtin(engine, *args)
        for kind in extra:
            engine.register(kind)

    monkeypatch.setattr(app_module, "register_builtin_kinds", register)
    return extra


def _jobs_settings(settings: Settings) -> Settings:
    """A long lease: the engine polls the database every 20 minutes, so a job that starts
    within the test's patience was started by the wake."""
    return attrs.evolve(settings, loader=attrs.evolve(settings.loader, lease_seconds=3600.0))


async def test_a_job_queued_in_one_process_starts_at_once_in_the_process_that_runs_jobs(
        fake_settings: Settings, tmp_path: Path, kinds: list[Kind]) -> None:
    """A job added through app B (which runs no jobs) wakes app A's idle engine, which runs
    it long before its next poll; B's subscribers see it run and finish in A."""
    on_postgres(fake_settings)
    ran: list[int] = []

    async def quick(context: JobContext) -> None:
        ran.append(context.job.id)

    kinds.append(Kind("test.quick", quick))
    in_b = Seen()
    async with SeriesApp.open(_jobs_settings(fake_settings)) as a, \
            SeriesApp.open(second(fake_settings, tmp_path), loader=False) as b, \
            anyio.create_task_group() as task_group:
        await task_group.start(in_b.collect, b.events)
        with anyio.fail_after(PATIENCE):
            await a._engine.wait_idle()
        job = await b.jobs.add("test.quick")
        await in_b.until(lambda: "completed" in in_b.job_states(job.id))
        task_group.cancel_scope.cancel()
    assert ran == [job.id]
    assert in_b.job_states(job.id) == ["pending", "running", "completed"]


async def test_work_queued_by_a_process_that_closes_at_once_still_wakes_the_worker(
        fake_settings: Settings, tmp_path: Path, kinds: list[Kind]) -> None:
    """A command that queues a job and exits right away (the CLI's way) still wakes the
    process that runs jobs: what waits to be sent goes out as the app closes."""
    on_postgres(fake_settings)

    async def quick(context: JobContext) -> None:
        pass

    kinds.append(Kind("test.quick", quick))
    in_a = Seen()
    async with SeriesApp.open(_jobs_settings(fake_settings)) as a, \
            anyio.create_task_group() as task_group:
        await task_group.start(in_a.collect, a.events)
        with anyio.fail_after(PATIENCE):
            await a._engine.wait_idle()
        async with SeriesApp.open(second(fake_settings, tmp_path), loader=False) as b:
            job = await b.jobs.add("test.quick")
        await in_a.until(lambda: "completed" in in_a.job_states(job.id))
        task_group.cancel_scope.cancel()


def blocking_kind(kinds: list[Kind]) -> tuple[anyio.Event, list[bool]]:
    """Register ``test.block``, whose job runs until cancelled: set once it started, and
    ``[True]`` once it stopped."""
    started = anyio.Event()
    stopped: list[bool] = []

    async def block(context: JobContext) -> None:
        started.set()
        try:
            await anyio.sleep_forever()
        finally:
            stopped.append(True)

    kinds.append(Kind("test.block", block))
    return started, stopped


async def test_cancelling_through_one_process_stops_a_job_running_in_another(
        fake_settings: Settings, tmp_path: Path, kinds: list[Kind]) -> None:
    """A job runs in app A; cancelling it through app B stops it in A (A hears of it, or finds
    it at its next poll), and B's subscribers see it cancelled."""
    on_postgres(fake_settings)
    started, stopped = blocking_kind(kinds)
    in_a, in_b = Seen(), Seen()
    async with SeriesApp.open(_jobs_settings(fake_settings)) as a, \
            SeriesApp.open(second(fake_settings, tmp_path), loader=False) as b, \
            anyio.create_task_group() as task_group:
        await task_group.start(in_a.collect, a.events)
        await task_group.start(in_b.collect, b.events)
        job = await b.jobs.add("test.block")
        with anyio.fail_after(PATIENCE):
            await started.wait()
        assert job.id in a._engine.active
        asked = await b.jobs.cancel(job.id)
        assert asked.state is JobState.RUNNING  # it runs elsewhere: A stops it
        await in_b.until(lambda: "cancelled" in in_b.job_states(job.id))
        task_group.cancel_scope.cancel()
    assert stopped == [True]
    assert in_a.job_states(job.id).count("cancelled") == 1
    assert in_b.job_states(job.id).count("cancelled") == 1


class RarelyPolling(WakingEngine):
    """An engine that looks for cancels asked elsewhere once an hour (with the long lease of
    :func:`_jobs_settings`): a cancel it acts on within the test's patience was heard."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, cancel_poll=3600.0, **kwargs)


async def test_a_cancel_asked_in_a_process_that_runs_no_jobs_is_heard_by_the_owner(
        fake_settings: Settings, tmp_path: Path, kinds: list[Kind],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Cancelling through app B (a web process: it runs no jobs) a job that runs in app A, whose
    poll for cancels would come only after an hour: B's notification makes A stop it at once;
    the job ends cancelled, its run too, and both apps' subscribers see it."""
    on_postgres(fake_settings)
    monkeypatch.setattr(app_module, "WakingEngine", RarelyPolling)
    started, stopped = blocking_kind(kinds)
    in_a, in_b = Seen(), Seen()
    async with SeriesApp.open(_jobs_settings(fake_settings)) as a, \
            SeriesApp.open(second(fake_settings, tmp_path), loader=False) as b, \
            anyio.create_task_group() as task_group:
        assert isinstance(a._engine, RarelyPolling)
        await task_group.start(in_a.collect, a.events)
        await task_group.start(in_b.collect, b.events)
        job = await b.jobs.add("test.block")
        with anyio.fail_after(PATIENCE):
            await started.wait()
        asked = await b.jobs.cancel(job.id)
        assert asked.state is JobState.RUNNING  # it runs in A, which was told
        await in_b.until(lambda: "cancelled" in in_b.job_states(job.id))
        await in_a.until(lambda: "cancelled" in in_a.job_states(job.id))
        runs = await b.jobs.runs(job.id)
        task_group.cancel_scope.cancel()
    assert stopped == [True]
    assert [(run.state.value, run.error) for run in runs] == [
        ("cancelled", "Cancelled by the user.")]
