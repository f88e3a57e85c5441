"""An engine on the test database, with the events it published collected, and ways to wait
for what it does without sleeping."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import anyio
import pytest

from aniworld_core.jobs import Engine, JobState, JobUpdate
from aniworld_core.storage import Database

#: How long a test waits for the engine at most (a hang guard, not a measurement).
PATIENCE = 20.0


class Published(list[Any]):
    """The events an engine published, in order; :meth:`until` waits for one to arrive."""

    def __init__(self) -> None:
        super().__init__()
        self._waiting: list[anyio.Event] = []

    def append(self, event: Any) -> None:
        super().append(event)
        waiting, self._waiting = self._waiting, []
        for arrived in waiting:
            arrived.set()

    async def until(self, done: Callable[[], bool]) -> None:
        """Return once ``done()`` holds, checked after every event (a hang guard fails it
        after :data:`PATIENCE` seconds)."""
        with anyio.fail_after(PATIENCE):
            while not done():
                arrived = anyio.Event()
                self._waiting.append(arrived)
                await arrived.wait()

    def states(self, job_id: int) -> list[JobState]:
        """The states published for a job, in order."""
        return [event.state for event in self
                if isinstance(event, JobUpdate) and event.job_id == job_id]

    async def final(self, job_id: int) -> JobState:
        """Wait until the job was published in a final state; that state."""
        await self.until(lambda: any(state.is_final for state in self.states(job_id)))
        return next(state for state in self.states(job_id) if state.is_final)


@asynccontextmanager
async def running(engine: Engine) -> AsyncIterator[Engine]:
    """The engine running in a task group; stopped at once on the way out (jobs it interrupts
    go back to pending)."""
    async with anyio.create_task_group() as task_group:
        await task_group.start(engine.run)
        try:
            yield engine
        finally:
            with anyio.fail_after(PATIENCE):
                await engine.stop(grace=0)


@pytest.fixture
def published() -> Published:
    return Published()


@pytest.fixture
def engine(database: Database, published: Published) -> Engine:
    return Engine(database, published.append, owner="test-host:1:abc", lease_seconds=30)
