"""The metadata batcher: many series, few requests."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import ClassVar

import anyio
import pytest

from aniworld_core.errors import ProviderError
from aniworld_core.loader.batcher import SeriesBatcher
from aniworld_core.metadata import Capability, ProviderRef, SeriesInfo
from aniworld_core.providers.base import RateLimit

pytestmark = pytest.mark.anyio


class CountingProvider:
    """A provider whose batch call answers every id but 404 and records each call."""

    name: ClassVar[str] = "counting"
    display_name: ClassVar[str] = "Counting"
    id_type: ClassVar[str] = "anilist"
    capabilities: ClassVar[frozenset[Capability]] = frozenset({Capability.SERIES})
    rate_limits: ClassVar[tuple[RateLimit, ...]] = (RateLimit(100, 1.0),)
    batch_size: ClassVar[int] = 50
    default_url: ClassVar[str] = "http://counting.invalid"
    requires_api_key: ClassVar[bool] = False

    def __init__(self, fail: bool = False) -> None:
        self.calls: list[int] = []
        self.fail = fail

    async def fetch_series(self, refs: Sequence[ProviderRef]) -> Mapping[str, SeriesInfo]:
        self.calls.append(len(refs))
        await anyio.lowlevel.checkpoint()
        if self.fail:
            raise ProviderError("counting", f"fetch {len(refs)} series", "HTTP 503")
        return {ref.id: SeriesInfo(ref=ref, title=f"Series {ref.id}")
                for ref in refs if ref.id != "404"}


async def ready() -> None:
    await anyio.lowlevel.checkpoint()


async def fetch_all(batcher: SeriesBatcher, ids: Sequence[str]) -> dict[str, object]:
    results: dict[str, object] = {}

    async def one(ref_id: str) -> None:
        try:
            results[ref_id] = await batcher.fetch(ProviderRef("counting", ref_id))
        except ProviderError as error:
            results[ref_id] = error

    async with anyio.create_task_group() as task_group:
        await task_group.start(batcher.run)
        async with anyio.create_task_group() as fetches:
            for ref_id in ids:
                fetches.start_soon(one, ref_id)
        task_group.cancel_scope.cancel()
    return results


async def test_refs_asked_together_share_requests() -> None:
    """120 series asked at once cost three requests of at most 50."""
    provider = CountingProvider()
    with anyio.fail_after(5):
        results = await fetch_all(SeriesBatcher(provider, ready),  # type: ignore[arg-type]
                                  [str(n) for n in range(1, 121)])
    assert sorted(provider.calls) == [20, 50, 50]
    assert results["7"] == SeriesInfo(ref=ProviderRef("counting", "7"), title="Series 7")


async def test_a_single_ref_goes_out_alone() -> None:
    """One series asked alone is fetched in one request after a short quiet period."""
    provider = CountingProvider()
    with anyio.fail_after(5):
        results = await fetch_all(SeriesBatcher(provider, ready), ["5"])  # type: ignore[arg-type]
    assert provider.calls == [1]
    assert isinstance(results["5"], SeriesInfo)


async def test_unknown_ids_get_none() -> None:
    """An id the provider does not know gives ``None`` to its series only."""
    provider = CountingProvider()
    with anyio.fail_after(5):
        results = await fetch_all(SeriesBatcher(provider, ready),  # type: ignore[arg-type]
                                  ["1", "404"])
    assert results["404"] is None
    assert isinstance(results["1"], SeriesInfo)


async def test_a_failed_batch_fails_each_of_its_series() -> None:
    """When the batch request fails, every series in it gets the provider's error."""
    provider = CountingProvider(fail=True)
    with anyio.fail_after(5):
        results = await fetch_all(SeriesBatcher(provider, ready),  # type: ignore[arg-type]
                                  ["1", "2", "3"])
    assert all(isinstance(result, ProviderError) for result in results.values())
    assert provider.calls == [3]


async def test_refs_arriving_while_the_provider_is_paused_join_the_batch() -> None:
    """While the limiter has no room, new refs wait in the same batch instead of in many."""
    provider = CountingProvider()
    gate = anyio.Event()
    asked = anyio.Event()

    async def paused() -> None:
        asked.set()
        await gate.wait()

    batcher = SeriesBatcher(provider, paused)  # type: ignore[arg-type]
    with anyio.fail_after(5):
        async with anyio.create_task_group() as task_group:
            await task_group.start(batcher.run)
            async with anyio.create_task_group() as fetches:
                fetches.start_soon(batcher.fetch, ProviderRef("counting", "1"))
                await asked.wait()
                for ref_id in range(2, 31):
                    fetches.start_soon(batcher.fetch, ProviderRef("counting", str(ref_id)))
                await anyio.wait_all_tasks_blocked()  # every ref queued behind the pause
                gate.set()
            task_group.cancel_scope.cancel()
    assert provider.calls == [30]


async def test_batching_off_sends_one_ref_per_request() -> None:
    """With batching switched off (``batch_size=1``) every series costs its own request."""
    provider = CountingProvider()
    with anyio.fail_after(5):
        await fetch_all(SeriesBatcher(provider, ready, batch_size=1),  # type: ignore[arg-type]
                        [str(n) for n in range(1, 6)])
    assert provider.calls == [1, 1, 1, 1, 1]
