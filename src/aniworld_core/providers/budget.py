"""One rate budget per provider shared by every process on one database.

Rate limits are per client address, so two processes must together keep them. A
:class:`SharedBudget` hands out *turns*: wall-clock moments (``time.time()``) at which a request
may be sent, chosen so that every window of the provider holds, counting the turns of every
process. The limiter (:class:`~aniworld_core.providers.limiter.ProviderLimiter`) asks for a few
turns at a time, only as many as requests wait and only a short while ahead (:data:`HORIZON`),
and keeps its own windows too.

A turn is good from its moment until :data:`TURN_EXPIRY` seconds after it; a process that
stalled past that (a busy machine, SIGSTOP) drops the turn and asks again, so a request never
goes later than the budget counted it. The budget lengthens every window by that much
(:func:`shared_windows`), so requests sent anywhere within their turns' validity still fit
the server's windows. A turn not used (the process died or stalled) is lost, and only it.

A pause (``Retry-After``) seen by one process is written to the budget: no turn is given out
before it ends, to any process. Turns already handed out reach at most :data:`HORIZON` ahead.

The implementation for PostgreSQL lives in ``aniworld_core.storage.rate_budget``; providers only
know this protocol (``providers`` never imports ``storage``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

import attrs

from aniworld_core.providers.base import RateLimit

#: Seconds after its moment that a turn may still be used; later it is dropped unused.
TURN_EXPIRY = 0.15
#: Seconds ahead of now that turns are handed out; later moments are asked for later.
HORIZON = 1.0
#: The most turns one request to the budget takes.
MAX_BATCH = 8


@attrs.frozen
class Window:
    """At most ``limit`` turns in any half-open span of ``seconds``."""

    limit: int
    seconds: float


@attrs.frozen
class Grant:
    """What the budget gave: ``turns`` (wall-clock moments, ascending, maybe none) and, when
    none could be given within the horizon, ``retry_at``: when to ask again. ``paused_until``
    is the end of a pause in force (wall clock), if any."""

    turns: tuple[float, ...]
    retry_at: float
    paused_until: float | None = None


class SharedBudget(Protocol):
    """A rate budget shared across processes (see the module docstring)."""

    async def take(self, provider: str, windows: Sequence[Window], count: int,
                   now: float) -> Grant:
        """Up to ``count`` turns for ``provider`` at moments from ``now`` to ``now +
        HORIZON`` that keep every window, counting every process's turns."""
        ...

    async def pause(self, provider: str, until: float, reason: str) -> None:
        """No turn for ``provider`` before ``until`` (wall clock), in any process; never
        shortens a pause in force."""
        ...


def shared_windows(limits: Iterable[RateLimit], margin: tuple[float, float]) -> list[Window]:
    """The windows a shared budget keeps for ``limits``: those of the local limiter (burst
    windows, the arrival ``margin``), each lengthened by :data:`TURN_EXPIRY`."""
    fraction, extra = margin
    windows = []
    for limit in limits:
        spans = [(limit.requests, limit.per_seconds)]
        if limit.burst is not None and limit.burst < limit.requests:
            spans.append((limit.burst, limit.per_seconds * limit.burst / limit.requests))
        windows += [Window(count, seconds * (1 + fraction) + extra + TURN_EXPIRY)
                    for count, seconds in spans]
    return windows


def next_turns(taken: Sequence[float], windows: Sequence[Window], count: int, now: float,
               *, not_before: float = 0.0, horizon: float = HORIZON) -> Grant:
    """The turns to hand out given the turns already ``taken`` (ascending; every turn within
    the longest window before now, and any after it): new turns come after every taken one,
    each at the first moment that keeps every window. Pure arithmetic, for any implementation.
    """
    moments = list(taken)
    turns: list[float] = []
    start = max(now, not_before)
    for _ in range(max(0, count)):
        moment = max(start, moments[-1] if moments else start)
        for window in windows:
            if len(moments) >= window.limit:
                moment = max(moment, moments[-window.limit] + window.seconds)
        if moment > now + horizon:
            paused = not_before if not_before > now else None
            return Grant(tuple(turns), retry_at=moment, paused_until=paused)
        moments.append(moment)
        turns.append(moment)
    paused = not_before if not_before > now else None
    return Grant(tuple(turns), retry_at=turns[-1] if turns else start, paused_until=paused)


__all__ = ["HORIZON", "MAX_BATCH", "TURN_EXPIRY", "Grant", "SharedBudget", "Window",
           "next_turns", "shared_windows"]
