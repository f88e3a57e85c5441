"""A per-provider rate limiter, anyio-native, that never busy-waits.

Each :class:`~aniworld_core.providers.base.RateLimit` becomes a sliding-window log: a request may
go when fewer than ``requests`` were sent in the last ``per_seconds``. A ``burst`` adds a second,
shorter window (see ``RateLimit``). On top of the windows, :meth:`ProviderLimiter.pause` stops
the whole provider until a moment the server named (``Retry-After``, ``X-RateLimit-Reset``).

A turn taken as its request is written (``take(until_sent=True)``) counts as a request leaving
*now* until :meth:`ProviderLimiter.restamp` says when it left, so a stall between the two never
lets later requests through early.

With a :class:`~aniworld_core.providers.budget.SharedBudget` (several processes on one
database) a request also needs a turn from the budget, which every process draws from: the
limiter takes a few turns at a time (as many as requests wait), uses each between its moment and
its expiry, and drops a turn it could not use by then (see :mod:`.budget`). A pause is written
to the budget too (:meth:`ProviderLimiter.pause_everywhere`), so it stops every process.

Waiters queue in arrival order behind one lock; only the first sleeps, exactly until the moment it
may go, then re-checks (a pause may have come in meanwhile). The clock and the sleep are
injectable, so tests can run the limiter on simulated time. :meth:`ProviderLimiter.stop_waiting`
ends every wait at once (shutting down: a request that has not gone yet is not worth waiting
for).
"""

from __future__ import annotations

import bisect
import collections
import logging
import math
import time
from collections.abc import Awaitable, Callable, Iterable

import anyio

from aniworld_core.errors import ProviderError
from aniworld_core.providers.base import RateLimit
from aniworld_core.providers.budget import MAX_BATCH, TURN_EXPIRY, SharedBudget, shared_windows

log = logging.getLogger(__name__)

#: ``on_wait(provider, seconds, reason)``: told when a provider pauses or a request waits long.
WaitCallback = Callable[[str, float, str], None]
Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]

#: Waits up to this long are routine pacing and not reported through ``on_wait``.
WAIT_NOTICE_SECONDS = 1.0
#: ``(fraction, seconds)`` by which windows are kept longer than declared: a server counts
#: requests when they *arrive*, and two requests sent exactly one window apart can arrive closer
#: together (network and scheduling jitter), which the server would count as one too many.
ARRIVAL_MARGIN = (0.02, 0.025)
#: No margin: windows exactly as declared (for reasoning about the arithmetic in tests).
EXACT = (0.0, 0.0)


class SlidingWindow:
    """At most ``limit`` events in any half-open window of ``seconds``."""

    def __init__(self, limit: int, seconds: float) -> None:
        if limit < 1 or seconds <= 0:
            raise ValueError(f"a window needs limit >= 1 and seconds > 0, got {limit}/{seconds}")
        self.limit = limit
        self.seconds = seconds
        self._log: list[float] = []  # sorted; a few dozen entries at most

    def free_at(self, now: float, unsent: int = 0) -> float:
        """The earliest moment (``<= now`` when already) the next event may happen, with
        ``unsent`` more events counted as happening ``now`` (see ``ProviderLimiter.take``)."""
        expired = bisect.bisect_right(self._log, now - self.seconds)
        if expired:
            del self._log[:expired]
        if len(self._log) + unsent < self.limit:
            return now
        if unsent >= self.limit:
            return now + self.seconds
        # The same expression decides pruning and waiting, so a waiter woken at this moment
        # always finds the slot free (no float drift that could make it spin).
        return self._log[unsent - self.limit] + self.seconds

    def record(self, moment: float) -> None:
        bisect.insort(self._log, moment)

    def forget(self, moment: float) -> None:
        """An event recorded at ``moment`` did not happen after all."""
        index = bisect.bisect_left(self._log, moment)
        if index < len(self._log) and self._log[index] == moment:
            del self._log[index]

    def move(self, old: float, new: float) -> None:
        """An event recorded at ``old`` really happened at ``new`` (later): move it."""
        index = bisect.bisect_left(self._log, old)
        if new > old and index < len(self._log) and self._log[index] == old:
            del self._log[index]
            bisect.insort(self._log, new)


def windows_for(limits: Iterable[RateLimit], *,
                margin: tuple[float, float] = ARRIVAL_MARGIN) -> list[SlidingWindow]:
    """One window per limit, plus the shorter burst window where a limit has a burst; each
    lengthened by ``margin`` (fraction, seconds)."""
    fraction, extra = margin
    windows = []
    for limit in limits:
        spans = [(limit.requests, limit.per_seconds)]
        if limit.burst is not None and limit.burst < limit.requests:
            spans.append((limit.burst, limit.per_seconds * limit.burst / limit.requests))
        windows += [SlidingWindow(count, seconds * (1 + fraction) + extra)
                    for count, seconds in spans]
    return windows


class ProviderLimiter:
    """Paces one provider's requests; shared by every request of that provider."""

    def __init__(
        self,
        provider: str,
        limits: Iterable[RateLimit],
        *,
        label: str | None = None,
        on_wait: WaitCallback | None = None,
        clock: Clock = time.monotonic,
        sleep: Sleep = anyio.sleep,
        margin: tuple[float, float] = ARRIVAL_MARGIN,
        budget: SharedBudget | None = None,
        wall_clock: Clock = time.time,
    ) -> None:
        self.provider = provider
        self.label = label or provider
        self.limits = tuple(limits)
        self._windows = windows_for(self.limits, margin=margin)
        self._on_wait = on_wait
        self._clock = clock
        self._sleep = sleep
        self._lock = anyio.Lock()
        self._paused_until = -math.inf
        self._waiting = 0
        #: Moments turns were taken at whose requests have not been written yet.
        self._unsent: list[float] = []
        self._stopped: str | None = None
        self._naps: set[anyio.CancelScope] = set()
        self._budget = budget
        self._shared = shared_windows(self.limits, margin)
        self._wall_clock = wall_clock
        #: Turns the shared budget gave (wall clock, ascending), not used yet.
        self._turns: collections.deque[float] = collections.deque()
        #: When to ask the shared budget again, having been given no turn (wall clock).
        self._ask_at = -math.inf
        #: How often this limiter asked the shared budget, and turns it dropped unused.
        self.budget_asks = 0
        self.turns_expired = 0
        #: For turns taken from the shared budget: counted-at moment -> the moment (on
        #: :meth:`now`'s clock) by which its request must have been written.
        self._deadlines: dict[float, float] = {}

    def now(self) -> float:
        """The limiter's clock (``time.monotonic`` unless a test injected another)."""
        return self._clock()

    async def acquire(self) -> float:
        """Wait until a request may be sent, count it as sent, and return the seconds waited."""
        started = self._clock()
        return await self.take() - started

    async def take(self, *, until_sent: bool = False) -> float:
        """Wait until a request may be sent and count it as sent now; returns the moment it
        was counted at (pass it to :meth:`restamp` once the request really leaves).

        With ``until_sent`` the request counts as leaving *now*, at every moment, until
        :meth:`restamp` says when it left: a request held up between its turn and the network
        (a stalled event loop) then never lets later requests through before it has gone."""
        self._waiting += 1
        try:
            async with self._lock:
                return await self._take_slot(until_sent)
        finally:
            self._waiting -= 1

    def restamp(self, counted_at: float, sent_at: float) -> None:
        """The request counted at ``counted_at`` was written to the network at ``sent_at``.

        Servers count requests when they arrive. Between taking a slot and writing the
        request a process can stall (a new connection, a busy event loop); counting the
        request from when it really left keeps such delays from squeezing requests into one
        of the server's windows. Never moves a request earlier than it was counted."""
        self._deadlines.pop(counted_at, None)
        if counted_at in self._unsent:
            self._unsent.remove(counted_at)
            for window in self._windows:
                window.record(max(counted_at, sent_at))
            return
        for window in self._windows:
            window.move(counted_at, sent_at)

    def forget(self, counted_at: float) -> None:
        """The request counted at ``counted_at`` never reached the server (no connection):
        it does not count against the provider's limits (a shared budget's turn stays
        counted there: it may not be used later)."""
        self._deadlines.pop(counted_at, None)
        if counted_at in self._unsent:
            self._unsent.remove(counted_at)
            return
        for window in self._windows:
            window.forget(counted_at)

    def stale(self, counted_at: float) -> bool:
        """Whether the shared budget's turn counted at ``counted_at`` has expired unused (its
        request was not written in time): the request must not go on it, but on a new turn
        (``forget`` this one first)."""
        deadline = self._deadlines.get(counted_at)
        return deadline is not None and self._clock() > deadline

    def stop_waiting(self, reason: str) -> None:
        """Shutting down: every wait for a turn, now and later, fails with a
        :class:`ProviderError` saying ``reason``."""
        self._stopped = reason
        for scope in list(self._naps):
            scope.cancel()

    async def _take_slot(self, until_sent: bool) -> float:
        reported = False
        while True:
            if self._stopped is not None:
                raise ProviderError(self.provider, "a request", self._stopped)
            now = self._clock()
            free_at = self._free_at(now)
            if free_at <= now and self._budget is not None:
                wait = self._shared_wait(drop=True)
                if wait is None:
                    await self._ask_budget()
                    continue
                free_at = now + wait
            if free_at <= now:
                if self._budget is not None:
                    self._note_deadline(now, self._turns.popleft())
                if until_sent:
                    self._unsent.append(now)
                else:
                    for window in self._windows:
                        window.record(now)
                return now
            # A pause was reported when it began; a long wait for a window is reported here.
            long_wait = free_at - now > WAIT_NOTICE_SECONDS
            if long_wait and not reported and free_at > self._paused_until:
                reported = True
                self._notify(free_at - now, f"{self.label} rate limit")
            await self._nap(free_at - now)

    def pause(self, seconds: float, reason: str) -> None:
        """Send nothing for ``seconds`` from now (a pause never shortens an earlier one)."""
        if not seconds > 0:
            return
        until = self._clock() + seconds
        if until <= self._paused_until:
            return
        self._paused_until = until
        log.warning("%s paused for %.1f s: %s", self.label, seconds, reason)
        self._notify(seconds, reason)

    async def pause_everywhere(self, seconds: float, reason: str) -> None:
        """:meth:`pause`, and with a shared budget the same pause for every process."""
        self.pause(seconds, reason)
        if self._budget is None or not seconds > 0:
            return
        try:
            await self._budget.pause(self.provider, self._wall_clock() + seconds, reason)
        except Exception:  # this process pauses anyway; the others find out at a 429
            log.exception("Could not share the pause of %s", self.label)

    async def wait_ready(self, *, lead: float = 0.0) -> None:
        """Return once a request could be sent within ``lead`` seconds (at once by default;
        nothing is reserved: a scheduler calls this before taking a slot for a request).
        Sleeps, never polls."""
        while (ready_at := self.next_free_at() - lead) > (now := self._clock()):
            await self._nap(ready_at - now)
        if self._stopped is not None:
            raise ProviderError(self.provider, "a request", self._stopped)

    def next_free_at(self) -> float:
        """When the next request could go, on :meth:`now`'s clock (``<= now()`` if at once).

        A scheduler asks this to sleep until a paused provider is free instead of polling; it
        does not count requests already queued in :meth:`acquire` (see :attr:`waiting`).
        """
        now = self._clock()
        free_at = self._free_at(now)
        if self._budget is not None:
            free_at = max(free_at, now + (self._shared_wait(drop=False) or 0.0))
        return free_at

    @property
    def paused_until(self) -> float | None:
        """The end of the current pause, or ``None`` when not paused."""
        return self._paused_until if self._paused_until > self._clock() else None

    @property
    def waiting(self) -> int:
        """Requests waiting in :meth:`acquire` right now."""
        return self._waiting

    def _free_at(self, now: float) -> float:
        unsent = len(self._unsent)
        return max(self._paused_until, *(window.free_at(now, unsent) for window in self._windows),
                   now)

    def _shared_wait(self, *, drop: bool) -> float | None:
        """Seconds until the shared budget lets a request go: until the next turn held, or
        until it is worth asking again; ``None`` when it must be asked now. ``drop``: turns
        past their expiry are dropped (a stalled process never uses a turn late)."""
        wall = self._wall_clock()
        turns = self._turns
        while turns and turns[0] + TURN_EXPIRY < wall:
            if not drop:
                return next((max(0.0, turn - wall) for turn in turns
                             if turn + TURN_EXPIRY >= wall), None)
            turns.popleft()
            self.turns_expired += 1
        if turns:
            return max(0.0, turns[0] - wall)
        if self._ask_at > wall:
            return self._ask_at - wall
        return None

    def _note_deadline(self, counted_at: float, turn: float) -> None:
        """The request counted at ``counted_at`` (on :meth:`now`'s clock) goes on the shared
        ``turn`` (wall clock): it must be written before the turn expires."""
        if len(self._deadlines) > 4 * MAX_BATCH:  # requests never reported written (no trace)
            self._deadlines = {at: deadline for at, deadline in self._deadlines.items()
                               if deadline > counted_at - 60.0}
        self._deadlines[counted_at] = counted_at + turn + TURN_EXPIRY - self._wall_clock()

    async def _ask_budget(self) -> None:
        assert self._budget is not None
        self.budget_asks += 1
        count = min(MAX_BATCH, max(1, self._waiting))
        try:
            grant = await self._budget.take(self.provider, self._shared, count,
                                            self._wall_clock())
        except Exception as error:
            log.warning("The shared rate budget of %s cannot be read: %s", self.label, error)
            raise ProviderError(self.provider, "a request",
                                f"the shared rate budget cannot be read ({error})") from None
        wall = self._wall_clock()
        self._turns.extend(grant.turns)
        self._ask_at = -math.inf if grant.turns else grant.retry_at
        if grant.paused_until is not None and grant.paused_until > wall:
            self.pause(grant.paused_until - wall, f"{self.label} paused by another process")

    async def _nap(self, seconds: float) -> None:
        """Sleep ``seconds``, unless :meth:`stop_waiting` ends it."""
        if self._stopped is None:
            with anyio.CancelScope() as scope:
                self._naps.add(scope)
                try:
                    await self._sleep(seconds)
                finally:
                    self._naps.discard(scope)
        if self._stopped is not None:
            raise ProviderError(self.provider, "a request", self._stopped)

    def _notify(self, seconds: float, reason: str) -> None:
        if self._on_wait is None:
            return
        try:
            self._on_wait(self.provider, seconds, reason)
        except Exception:  # a broken listener must not stop the requests
            log.exception("on_wait callback failed for %s", self.provider)


__all__ = ["Clock", "ProviderLimiter", "SlidingWindow", "WaitCallback", "windows_for"]
