"""A loader on the real database with steps the test controls through events."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any, ClassVar

import anyio
import attrs
import pytest

from aniworld_core.events import EventHub
from aniworld_core.loader.job import Job, Step
from aniworld_core.loader.loader import Loader
from aniworld_core.metadata import Capability, ProviderRef, SeriesInfo
from aniworld_core.models import Series
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

    async def run(self, job: Job) -> dict[str, Any]:
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
        return {"episodes_loaded": True}


@attrs.define
class SetFlag:
    """A step that only sets one progress flag."""

    flag: str
    name: ClassVar[str] = "flag"
    label: ClassVar[str] = "Flag"
    message: ClassVar[str] = "Working..."

    def needed(self, job: Job) -> bool:
        return not getattr(job.series, self.flag)

    async def run(self, job: Job) -> dict[str, Any]:
        return {self.flag: True}


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
            steps = [ScriptedEpisodes(self.script), SetFlag("nfo_loaded"),
                     SetFlag("logo_loaded"), SetFlag("images_loaded")]
        options = {"concurrency": 4, "retry_base_delay": 0.01, "retry_max_delay": 0.05,
                   "max_attempts": 3, "shutdown_grace": 2.0, **settings}
        return Loader(self.work, self.events, NoProviders(), steps, LoaderSettings(**options),
                      largest_batch=largest_batch)

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
