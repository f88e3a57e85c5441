"""A token bucket that every download of a process shares (``downloads.bandwidth``)."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

import anyio


class Bandwidth:
    """At most ``bytes_per_second`` on average over every caller of :meth:`take`, with bursts
    of a twentieth of a second; 0 means no limit (``take`` returns at once).

    Callers are served first come, first served: a large ``take`` is never overtaken by many
    small ones. A take larger than the burst is allowed and paid back by waiting afterwards, so
    a chunk of any size goes through and the average holds.
    """

    def __init__(self, bytes_per_second: int, *,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] = anyio.sleep) -> None:
        if bytes_per_second < 0:
            raise ValueError("bytes_per_second must be 0 (no limit) or more")
        self.bytes_per_second = bytes_per_second
        self._burst = bytes_per_second / 20
        self._clock = clock
        self._sleep = sleep
        self._tokens = self._burst
        self._updated = clock()
        self._lock: anyio.Lock | None = None

    async def take(self, n: int) -> None:
        """Wait until ``n`` more bytes may go through."""
        if not self.bytes_per_second or n <= 0:
            return
        if self._lock is None:
            self._lock = anyio.Lock()
        async with self._lock:
            now = self._clock()
            self._tokens = min(self._burst,
                               self._tokens + (now - self._updated) * self.bytes_per_second)
            self._updated = now
            self._tokens -= n
            if self._tokens < 0:
                await self._sleep(-self._tokens / self.bytes_per_second)
