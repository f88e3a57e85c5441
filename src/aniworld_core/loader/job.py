"""What a step of a series load works with, and what a step is."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any, ClassVar, Protocol

import anyio
import attrs

from aniworld_core.metadata import Artwork, Capability, ProviderIds, ProviderRef, SeriesInfo
from aniworld_core.models import Episode, Series, StepResult
from aniworld_core.providers.base import MetadataProvider
from aniworld_core.storage.show_reads import ShowOutline


class ProviderPool(Protocol):
    """The providers as the loader needs them (implemented over the provider registry)."""

    def with_capability(self, capability: Capability) -> Sequence[MetadataProvider]:
        """Available providers that can answer ``capability``, in the configured order."""
        ...

    async def wait_ready(self, provider: str) -> None:
        """Return when ``provider``'s limiter would let a request through (never spins)."""
        ...

    def turn(self, provider: str, priority: int, ticket: int) -> AbstractAsyncContextManager[None]:
        """One of ``provider``'s request turns (``"images"``: the image host), served by
        priority, then ticket: work a user asked for goes first in every provider's queue."""
        ...

    async def fetch_series(self, provider: MetadataProvider, ref: ProviderRef
                           ) -> SeriesInfo | None:
        """Series metadata through the provider's batcher."""
        ...

    async def fetch_image(self, url: str) -> tuple[bytes, str | None]:
        """An artwork file and its content type."""
        ...

    def stop_waiting(self) -> None:
        """Shutting down: requests waiting for a rate limit or for a down provider's check
        fail at once; requests on the wire go on."""
        ...

    def names(self) -> Sequence[str]:
        """The available providers' names, in the configured order."""
        ...

    def closed_gates(self) -> frozenset[str]:
        """``provider:<name>`` of every provider that is down and not due for a check yet:
        loads waiting for it are not claimed meanwhile."""
        ...


def ref_for(provider: MetadataProvider, ids: ProviderIds) -> ProviderRef | None:
    """The provider's ref for a series with ``ids``, when the series has that kind of id."""
    value = ids.get(type(provider).id_type)
    return ProviderRef(type(provider).name, value) if value else None


@attrs.define
class Job:
    """One series being loaded in this process (one attempt of its ``series.load`` job)."""

    series: Series
    owner: str
    providers: ProviderPool
    slots: Any  # PrioritySlots; typed loosely to keep this module free of the loader
    stopping: Callable[[], bool] = lambda: False
    #: Save part of a result at once, before the step ends (what must be recorded before a
    #: side effect).
    persist: Callable[[StepResult], Awaitable[None]] | None = None
    #: Give the series the first free folder name of those offered under a library root and
    #: make the folder, in one transaction (``(root_key, names, make) -> name``; see
    #: ``WorkStore.take_folder``).
    take_folder: Callable[[str, Iterable[str], Callable[[str], None]],
                          Awaitable[str]] | None = None
    ticket: int = 0
    #: The ``series.load`` job this load runs as, and its priority.
    job_id: int = 0
    priority: int = 20
    scope: anyio.CancelScope | None = None
    #: Artwork found during this run, one list per source in provider order, and the
    #: providers already asked: shared by the logo and images steps.
    artwork: list[list[Artwork]] | None = None
    artwork_asked: set[str] = attrs.field(factory=set)
    #: The stored episode list, once this run saved it (the NFO step writes from it).
    episodes: list[Episode] | None = None
    info: SeriesInfo | None = None
    #: The series folder once a step found (or made) it during this run.
    directory: Path | None = None
    #: How the folder holds the show and each season's first entry, once known this run.
    outline: ShowOutline | None = None
    #: Slots and turns waited for right now: a shutdown stops a job that only waits at once
    #: instead of giving it the grace period.
    waiting: int = 0
    #: The label of the step being run or saved ("Episodes"), for errors outside a step.
    label: str = "Loading"
    #: An episodes-only refresh (an airing show's new episode, an entry that changed):
    #: entries that finished and did not change keep their stored episodes, and no ids are
    #: looked for again.
    episodes_only: bool = False
    #: The airing check this load answers (``{"entry", "episode", "tries"}``), if any.
    airing: dict[str, Any] | None = None

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold one of the loader's slots for local work (writing files), by priority."""
        async with self._granted(self.slots.hold(self.priority, self.ticket)):
            yield

    @asynccontextmanager
    async def turn(self, provider: str) -> AsyncIterator[None]:
        """Take a turn at ``provider`` (or ``"images"``) for one request, by priority. Waiting
        for a rate-limited provider holds no slot other work needs."""
        async with self._granted(self.providers.turn(provider, self.priority, self.ticket)):
            yield

    @asynccontextmanager
    async def _granted(self, holding: AbstractAsyncContextManager[None]
                       ) -> AsyncIterator[None]:
        # A slot or turn granted after shutdown began is not used: the job cancels itself, so
        # only steps already doing I/O get the grace period.
        await self._stop_if_shutting_down()
        async with AsyncExitStack() as stack:
            self.waiting += 1
            try:
                await stack.enter_async_context(holding)
            finally:
                self.waiting -= 1
            await self._stop_if_shutting_down()
            yield

    async def _stop_if_shutting_down(self) -> None:
        if self.stopping() and self.scope is not None:
            self.scope.cancel()
            await anyio.lowlevel.checkpoint()


class Step(Protocol):
    """One idempotent step of a series load."""

    #: Short name for metrics ("episodes").
    name: ClassVar[str]
    #: Prefix of error messages ("Episodes").
    label: ClassVar[str]
    #: What the status line says while it runs.
    message: ClassVar[str]

    def needed(self, job: Job) -> bool:
        """Whether the step still has work to do for ``job.series``."""
        ...

    async def run(self, job: Job) -> StepResult:
        """Do the step; return what it found (the part it completed among it)."""
        ...


class PermanentStepError(Exception):
    """A failure retrying cannot fix (the user must act); the series fails at once, and is
    tried again by itself only once what it was tried with changes (its folder, title, ids,
    the providers)."""
