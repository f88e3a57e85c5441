"""Priorities shared by the loader and storage: a capacity limiter that serves waiters by
priority, and a mark for work nobody is waiting for."""

from __future__ import annotations

import contextvars
import heapq
import itertools
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager

import anyio
import attrs


@attrs.define(order=False)
class _Waiter:
    key: tuple[int, int]
    event: anyio.Event = attrs.field(factory=anyio.Event)
    granted: bool = False
    abandoned: bool = False

    def __lt__(self, other: _Waiter) -> bool:
        return self.key < other.key


class PrioritySlots:
    """At most ``total`` holders at once, granted in ``(priority, ticket)`` order.

    Every request queues and yields once before slots are granted, so jobs that became
    runnable together (a claimed batch, a metadata batch that just arrived) are served in
    ticket order whatever order the event loop happens to run them in (trio shuffles).
    """

    def __init__(self, total: int) -> None:
        self.total = total
        self._free = total
        self._waiters: list[_Waiter] = []
        self._tickets = itertools.count()

    def ticket(self) -> int:
        """A number that orders requests within a priority: first come, first served."""
        return next(self._tickets)

    @property
    def in_use(self) -> int:
        return self.total - self._free

    @asynccontextmanager
    async def hold(self, priority: int, ticket: int) -> AsyncIterator[None]:
        await self.acquire(priority, ticket)
        try:
            yield
        finally:
            self.release()

    async def acquire(self, priority: int, ticket: int) -> None:
        waiter = _Waiter((priority, ticket))
        heapq.heappush(self._waiters, waiter)
        try:
            await anyio.lowlevel.checkpoint()
            self._grant()
            await waiter.event.wait()
        except BaseException:
            if waiter.granted:
                self.release()  # granted while being cancelled: pass the slot on
            else:
                waiter.abandoned = True
            raise

    def release(self) -> None:
        self._free += 1
        self._grant()

    def _grant(self) -> None:
        while self._free > 0 and self._waiters:
            waiter = heapq.heappop(self._waiters)
            if waiter.abandoned:
                continue
            self._free -= 1
            waiter.granted = True
            waiter.event.set()


#: True in the context of background work (the loader's tasks inherit it), so that shared
#: resources serve work a person is waiting for first.
_BACKGROUND: contextvars.ContextVar[bool] = contextvars.ContextVar("aniworld_background",
                                                                    default=False)
#: Priority numbers for shared resources: lower goes first.
FOREGROUND, BACKGROUND = 0, 1


def current_priority() -> int:
    """:data:`BACKGROUND` inside :func:`in_background`, else :data:`FOREGROUND`."""
    return BACKGROUND if _BACKGROUND.get() else FOREGROUND


@contextmanager
def in_background(background: bool = True) -> Iterator[None]:
    """Mark work started from here (tasks inherit the mark) as background work; with
    ``background=False``, as work that must not wait behind it (a job's lease)."""
    token = _BACKGROUND.set(background)
    try:
        yield
    finally:
        _BACKGROUND.reset(token)

