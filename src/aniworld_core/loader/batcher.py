"""Coalesce single-series metadata requests into the provider's batch calls.

Every series that needs metadata from a provider asks the provider's batcher for its ref. The
batcher sends one ``fetch_series`` per ``batch_size`` refs: at once when a batch is full,
otherwise once refs stop arriving for a quiet period (at most four of them after the first),
and never before the provider's limiter has room (while it waits, more refs join the batch).
The quiet period is the provider's average spacing between requests (AniList: 2 s, from 30 a
minute), at least 10 ms and at most 1 s: a request it may only send that rarely is worth
filling. 500 series cost ten AniList requests.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

import anyio
import attrs

from aniworld_core.metadata import ProviderRef, SeriesInfo
from aniworld_core.providers.base import MetadataProvider, RateLimit


@attrs.define
class _Request:
    ref: ProviderRef
    done: anyio.Event = attrs.field(factory=anyio.Event)
    result: SeriesInfo | None = None
    error: Exception | None = None
    abandoned: bool = False


def quiet_period(limits: Sequence[RateLimit]) -> float:
    """How long a partial batch waits for more refs: the average spacing between requests
    under the tightest sustained limit, from 10 ms to 1 s."""
    spacings = [limit.per_seconds / limit.requests for limit in limits]
    return min(1.0, max(0.01, max(spacings, default=0.0)))


class SeriesBatcher:
    """Batches ``fetch_series`` for one provider; run :meth:`run` in a task group."""

    def __init__(self, provider: MetadataProvider, ready: Callable[[], Awaitable[None]], *,
                 batch_size: int | None = None, quiet: float | None = None) -> None:
        self.provider = provider
        self.batch_size = max(1, min(batch_size or type(provider).batch_size,
                                     type(provider).batch_size))
        self._ready = ready
        self._quiet = quiet if quiet is not None else quiet_period(type(provider).rate_limits)
        self._max_linger = 4 * self._quiet
        self._queue: list[_Request] = []
        self._arrived = anyio.Event()
        self.requests_sent = 0

    async def fetch(self, ref: ProviderRef) -> SeriesInfo | None:
        """Metadata for ``ref`` (``None`` when the provider does not know it)."""
        request = _Request(ref)
        self._queue.append(request)
        self._arrived.set()
        try:
            await request.done.wait()
        except BaseException:
            request.abandoned = True
            raise
        if request.error is not None:
            raise request.error
        return request.result

    async def run(self, *, task_status: anyio.abc.TaskStatus[None] = anyio.TASK_STATUS_IGNORED
                  ) -> None:
        async with anyio.create_task_group() as task_group:
            task_status.started()
            while True:
                await self._wait_for_requests()
                await self._linger()
                try:
                    await self._ready()
                except Exception as error:  # the limiter stopped waiting (shutting down)
                    self._fail(self._take(), error)
                    continue
                batch = self._take()
                if batch:
                    self.requests_sent += 1
                    task_group.start_soon(self._send, batch)

    async def _wait_for_requests(self) -> None:
        while not self._pending():
            self._arrived = anyio.Event()
            await self._arrived.wait()

    async def _linger(self) -> None:
        """Wait while refs keep arriving, until the batch is full or they pause."""
        with anyio.move_on_after(self._max_linger):
            while self._pending() < self.batch_size:
                self._arrived = anyio.Event()
                with anyio.move_on_after(self._quiet) as quiet:
                    await self._arrived.wait()
                if quiet.cancelled_caught:
                    return

    def _pending(self) -> int:
        self._queue = [request for request in self._queue if not request.abandoned]
        return len(self._queue)

    def _take(self) -> list[_Request]:
        self._pending()
        batch, self._queue = self._queue[: self.batch_size], self._queue[self.batch_size:]
        return batch

    @staticmethod
    def _fail(batch: list[_Request], error: Exception) -> None:
        for request in batch:
            request.error = error
            request.done.set()

    async def _send(self, batch: list[_Request]) -> None:
        refs = list(dict.fromkeys(request.ref for request in batch))
        try:
            found = await self.provider.fetch_series(refs)
        except Exception as error:  # delivered to every waiting series, each decides
            self._fail(batch, error)
            return
        for request in batch:
            request.result = found.get(request.ref.id)
            request.done.set()
