"""The loader's view of the providers: the registry plus one metadata batcher per provider."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

import anyio
import anyio.abc

from aniworld_core._priority import PrioritySlots
from aniworld_core.loader.batcher import SeriesBatcher, quiet_period
from aniworld_core.metadata import Capability, ProviderRef, SeriesInfo
from aniworld_core.providers.base import MetadataProvider
from aniworld_core.providers.http import MAX_CONNECTIONS
from aniworld_core.providers.registry import ProviderRegistry
from aniworld_core.storage.work_queue import GATE_PREFIX


class RegistryPool:
    """Implements :class:`~aniworld_core.loader.job.ProviderPool`; run :meth:`run` in a task
    group to start the batchers."""

    def __init__(self, registry: ProviderRegistry, *, batching: bool = True,
                 turns: int = MAX_CONNECTIONS) -> None:
        self._registry = registry
        self._turns = turns
        self._queues: dict[str, PrioritySlots] = {}
        self._batchers = {
            type(provider).name: SeriesBatcher(
                provider, functools.partial(self.wait_ready, type(provider).name),
                batch_size=None if batching else 1,
                quiet=quiet_period(registry.limiter(type(provider).name).limits),
            )
            for provider in registry.available(Capability.SERIES)
        }

    @property
    def largest_batch(self) -> int:
        return max((batcher.batch_size for batcher in self._batchers.values()), default=1)

    def batch_requests(self) -> dict[str, int]:
        """``fetch_series`` requests sent per provider (for benchmarks and metrics)."""
        return {name: batcher.requests_sent for name, batcher in self._batchers.items()}

    async def run(self, *, task_status: anyio.abc.TaskStatus[None] = anyio.TASK_STATUS_IGNORED
                  ) -> None:
        async with anyio.create_task_group() as task_group:
            for batcher in self._batchers.values():
                await task_group.start(batcher.run)
            task_status.started()

    def with_capability(self, capability: Capability) -> Sequence[MetadataProvider]:
        return self._registry.available(capability)

    def names(self) -> Sequence[str]:
        return [type(provider).name for provider in self._registry.available()]

    def closed_gates(self) -> frozenset[str]:
        now = dt.datetime.now(dt.UTC)
        closed = set()
        for provider in self._registry.available():
            name = type(provider).name
            state = self._registry.breaker(name).state()
            if state.down and state.next_check_at is not None and state.next_check_at > now:
                closed.add(f"{GATE_PREFIX}{name}")
        return frozenset(closed)

    def stop_waiting(self) -> None:
        self._registry.stop_waiting("not sent: aniworld is shutting down")

    async def wait_ready(self, provider: str) -> None:
        await self._registry.limiter(provider).wait_ready()

    @asynccontextmanager
    async def turn(self, provider: str, priority: int, ticket: int) -> AsyncIterator[None]:
        queue = self._queues.get(provider)
        if queue is None:
            # Artwork comes from CDNs without rate limits: twice the turns (and connections).
            turns = 2 * self._turns if provider == "images" else self._turns
            queue = self._queues[provider] = PrioritySlots(turns)
        async with queue.hold(priority, ticket):
            yield

    async def fetch_series(self, provider: MetadataProvider, ref: ProviderRef
                           ) -> SeriesInfo | None:
        return await self._batchers[type(provider).name].fetch(ref)

    async def fetch_image(self, url: str) -> tuple[bytes, str | None]:
        image = await self._registry.images.fetch(url)
        return image.content, image.content_type
