"""A loader on the real database with steps the test controls through events."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any, ClassVar

import anyio
import attrs
import pytest

from aniworld_core.events import EventHub
from aniworld_core.jobs import Engine
from aniworld_core.jobs import Job as EngineJob
from aniworld_core.jobs.owners import new_owner
from aniworld_core.jobs.store import JobStore
from aniworld_core.loader.job import Job, Step
from aniworld_core.loader.loader import Loader
from aniworld_core.metadata import Capability, ProviderRef, SeriesInfo
from aniworld_core.models import Part, Series, StepResult
from aniworld_core.providers.base import MetadataProvider
from aniworld_core.settings import LoaderSettings
from aniworld_core.storage import Database, NewSeries, SeriesStore
from aniworld_core.storage.work import WorkStore
from tests.conftest import FAST


class NoProviders:
    """The steps under test here use no provider."""

    def with_capability(self, capability: Capability) -> Sequence[MetadataProvider]:
        return ()

    async def wait_ready(self, provider: str) -> None:
        return None

    async def fetch_series(self, provider: MetadataProvider, ref: ProviderRef
                           ) -> SeriesInfo | None:
        return None

    async def fetch_image(self, url: str) -> tuple[bytes, str | None]:
        raise AssertionError("not used")

    @asynccontextmanager
    async def turn(self, provider: str, priority: int, ticket: int) -> AsyncIterator[None]:
        yield

    def stop_waiting(self) -> None:
        return None

    def names(self) -> Sequence[str]:
        return ()

    def closed_gates(self) -> frozenset[str]:
        return frozenset()


@attrs.define
class Script:
    """What the scripted steps do: gates to hold series, failures to raise, a log of starts."""

    gates: dict[str, anyio.Event] = attrs.field(factory=dict)
    failures: dict[str, list[Exception]] = attrs.field(factory=dict)
    hang: set[str] = attrs.field(factory=set)
    started: list[str] = attrs.field(factory=list)
    running: set[str] = attrs.field(factory=set)
    max_running: int = 0
    step_started: anyio.Event = attrs.field(factory=anyio.Event)

    def gate(self, title: str) -> anyio.Event:
        return self.gates.setdefault(title, anyio.Event())


@attrs.define
class ScriptedEpisodes:
    """Stands in for the episodes step: waits at its gate, fails as scripted, uses a slot."""

    script: Script
    name: ClassVar[str] = "episodes"
    label: ClassVar[str] = "Episodes"
    message: ClassVar[str] = "Loading episodes..."

    def needed(self, job: Job) -> bool:
        return not job.series.episodes_loaded

    async def run(self, job: Job) -> StepResult:
        title = job.series.title
        async with job.slot():
            self.script.started.append(title)
            self.script.running.add(title)
            self.script.max_running = max(self.script.max_running, len(self.script.running))
            self.script.step_started.set()
            self.script.step_started = anyio.Event()
            try:
                if title in self.script.hang:
                    await anyio.sleep_forever()
                if title in self.script.gates:
                    await self.script.gates[title].wait()
                failures = self.script.failures.get(title)
                if failures:
                    raise failures.pop(0)
            finally:
                self.script.running.discard(title)
        return StepResult.completed(Part.EPISODES)


@attrs.define
class SetFlag:
    """A step that only completes one part."""

    part: Part
    name: ClassVar[str] = "flag"
    label: ClassVar[str] = "Flag"
    message: ClassVar[str] = "Working..."

    def needed(self, job: Job) -> bool:
        return not self.part.loaded(job.series)

    async def run(self, job: Job) -> StepResult:
        return StepResult.completed(self.part)


@attrs.define
class Harness:
    database: Database
    work: WorkStore
    series: SeriesStore
    events: EventHub
    script: Script

    def loader(self, *, largest_batch: int = 1, steps: Sequence[Step] | None = None,
               **settings: Any) -> Loader:
        """A loader with the scripted steps (or ``steps``); ``largest_batch`` claims that many
        series per batch ahead of the running ones."""
        if steps is None:
            steps = [ScriptedEpisodes(self.script), SetFlag(Part.NFO), SetFlag(Part.LOGO),
                     SetFlag(Part.IMAGES)]
        options = {"concurrency": 4, "retry_base_delay": 0.01, "retry_max_delay": 0.05,
                   "max_attempts": 3, "shutdown_grace": 2.0, **settings}
        loader_settings = LoaderSettings(**options)
        engine = Engine(self.database, self.events.publish, owner=new_owner(),
                        lease_seconds=loader_settings.lease_seconds,
                        shutdown_grace=loader_settings.shutdown_grace)
        return Loader(self.work, self.events, NoProviders(), steps, loader_settings, engine,
                      largest_batch=largest_batch)

    async def load_job(self, series_id: str) -> EngineJob:
        """The series' newest load job."""
        jobs = await JobStore(self.database).jobs(kind="series.load",
                                                  key=f"series:{series_id}", limit=1)
        return jobs[0]

    async def add(self, *titles: str, priority: int = 0) -> list[Series]:
        return [await self.series.add(NewSeries(title=t, priority=priority)) for t in titles]


@pytest.fixture
async def harness(database_url: str) -> AsyncIterator[Harness]:
    database = await Database.open(database_url)
    try:
        yield Harness(database, WorkStore(database), SeriesStore(database), EventHub(), Script())
    finally:
        await database.close()


RunLoader = Callable[[Loader], Any]


@asynccontextmanager
async def running(loader: Loader) -> AsyncIterator[Loader]:
    """The loader's engine runs (unfinished loads resumed first) until the block ends."""
    async with anyio.create_task_group() as task_group:
        await loader.prepare()
        await task_group.start(loader.engine.run)
        try:
            yield loader
        finally:
            with anyio.CancelScope(shield=True):
                await loader.engine.stop()


# -- the whole app against the fake provider servers --------------------------------------------


def settings_for(fakes: Any, tmp_path: Any, database_url: str, *, scale: float = FAST,
                 **extra: Any) -> Any:
    """Settings pointing at the fake servers (whose limits run ``scale`` times faster), with
    a library root and quick retries."""
    from aniworld_core.settings import Settings

    overrides = {
        **fakes.settings_overrides(),
        **{f"providers.{name}.rate_scale": scale for name in fakes.fakes if name != "images"},
        "data_dir": str(tmp_path / "data"),
        "database_url": database_url,
        "library": [str(tmp_path / "library")],
        "loader.retry_base_delay": 0.01,
        "loader.retry_max_delay": 0.05,
        **extra,
    }
    (tmp_path / "library").mkdir(exist_ok=True)
    return Settings.load(env={"ANIWORLD_LOAD_ENTRY_POINTS": "0"}, overrides=overrides)


@pytest.fixture
def app_settings(fakes: Any, tmp_path: Any, database_url: str) -> Any:
    return settings_for(fakes, tmp_path, database_url)
