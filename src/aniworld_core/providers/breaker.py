"""A circuit breaker per provider: a provider that keeps failing is marked down, work that needs
it waits instead of hammering it, and one probe at a time checks whether it is back.

*Up* (closed): requests go out. Every try that ends in a transient failure (a 5xx, a timeout,
no connection) counts; any other answer (2xx to 4xx, a 429 too: the server is there) resets the
count. After ``failures`` failures in a row the provider is *down*, and at once when a whole
round of retries never reached the server ("cannot reach AniList (network down?)").

*Down* (open): nothing is sent. A request of background work fails at once with
:class:`~aniworld_core.errors.ProviderDown`, which says when the provider is asked again, so
the loader can put the series back in the queue until then instead of holding a worker; a
request a person waits for (outside :func:`~aniworld_core._priority.in_background`) does not
wait for the check and becomes the probe itself. Once the cool-down has passed, the next
request is the probe; the others wait for its outcome. A probe that gets an answer brings the
provider back up; one that fails keeps it down with twice the cool-down, up to ``max_cooldown``.

The clock and the sleep are injectable, as the limiter's are, so tests run on simulated time.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import math
import time
from collections.abc import Awaitable, Callable

import anyio
import attrs

from aniworld_core.errors import ProviderDown, ProviderError

log = logging.getLogger(__name__)

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]
#: ``on_change(provider, state)``: told when a provider goes down, is checked again, comes back.
ChangeCallback = Callable[[str, "BreakerState"], None]

#: Transient failures in a row that mark a provider down (``loader.breaker_failures``). Random
#: faults do not add up to it: at a 25 % failure rate, eight in a row happen once in 65,000.
FAILURES = 8
#: Seconds from going down to the first probe (``loader.breaker_cooldown``); doubled after
#: each failed probe up to :data:`MAX_COOLDOWN`.
COOLDOWN = 30.0
MAX_COOLDOWN = 600.0
#: A probe due this soon is waited for rather than reported as down.
SHORT_WAIT = 1.0


@attrs.frozen
class BreakerState:
    """Whether a provider is down, why, since when and when it is checked again."""

    down: bool = False
    #: Why it is down ("cannot reach AniList (network down?)").
    cause: str | None = None
    since: dt.datetime | None = None
    #: When the next probe may go (wall-clock time, UTC); ``None`` while up.
    next_check_at: dt.datetime | None = None
    #: How often it went down since the app opened.
    times_down: int = 0


@attrs.define
class _Down:
    cause: str
    since: dt.datetime
    probe_at: float
    cooldown: float


class CircuitBreaker:
    """The breaker of one provider; shared by all its requests."""

    def __init__(self, provider: str, *, label: str | None = None, failures: int = FAILURES,
                 cooldown: float = COOLDOWN, max_cooldown: float = MAX_COOLDOWN,
                 on_change: ChangeCallback | None = None, clock: Clock = time.monotonic,
                 sleep: Sleep = anyio.sleep) -> None:
        self.provider = provider
        self.label = label or provider
        self.failures = max(1, failures)
        self.cooldown = cooldown
        self.max_cooldown = max(cooldown, max_cooldown)
        self._on_change = on_change
        self._clock = clock
        self._sleep = sleep
        self._in_a_row = 0
        #: Of those, how many never reached the server (at the end of the row).
        self._unreached_in_a_row = 0
        self._down: _Down | None = None
        #: Set when the probe in flight has an outcome; ``None`` while no probe is out.
        self._probe: anyio.Event | None = None
        self._times_down = 0
        self._stopped: str | None = None
        self._waits: set[anyio.CancelScope] = set()

    # -- what it says --------------------------------------------------------------------------

    @property
    def is_down(self) -> bool:
        return self._down is not None

    def state(self) -> BreakerState:
        down = self._down
        if down is None:
            return BreakerState(times_down=self._times_down)
        return BreakerState(True, down.cause, down.since, self._wall(down.probe_at),
                            self._times_down)

    # -- before a request -----------------------------------------------------------------------

    async def admit(self, request: str, *, foreground: bool) -> bool:
        """Let a request go: returns whether it is the probe (then it gets one try, and
        :meth:`probe_done` must follow). Raises :class:`ProviderDown` when the provider is
        down and this request is not to check it."""
        while (down := self._down) is not None:
            if self._probe is not None:  # a probe is out: its outcome decides
                await self._wait(self._probe.wait, request)
                continue
            wait = down.probe_at - self._clock()
            if wait <= 0 or foreground:
                self._probe = anyio.Event()
                log.info("%s is down (%s); checking whether it is back", self.label, down.cause)
                return True
            if wait > SHORT_WAIT:
                raise ProviderDown(self.provider, request, down.cause, retry_in=wait)
            await self._wait(functools.partial(self._sleep, wait), request)
        return False

    def check(self, request: str) -> None:
        """Between the tries of one request: stop retrying once the provider is down."""
        down = self._down
        if down is not None:
            raise ProviderDown(self.provider, request, down.cause,
                               retry_in=max(0.0, down.probe_at - self._clock()))

    # -- after a try ---------------------------------------------------------------------------

    def answered(self) -> None:
        """The server answered (anything but a 5xx): it is there."""
        self._in_a_row = self._unreached_in_a_row = 0
        if self._down is not None:
            since = self._down.since
            self._down = None
            log.warning("%s is back (down since %s)", self.label, f"{since:%H:%M:%S} UTC")
            self._changed()
        self._end_probe()

    def failed(self, reason: str, *, unreached: bool = False) -> None:
        """A try failed transiently (``reason``: "HTTP 503 Service Unavailable", "timed
        out"...); ``unreached``: it never reached the server (no connection)."""
        self._in_a_row += 1
        self._unreached_in_a_row = self._unreached_in_a_row + 1 if unreached else 0
        if self._down is not None:
            if self._probe is not None:  # the probe failed: wait longer before the next
                self._down.cooldown = min(self.max_cooldown, 2 * self._down.cooldown)
                self._down.probe_at = self._clock() + self._down.cooldown
                log.warning("%s is still down (%s); next check in %.0f s", self.label, reason,
                            self._down.cooldown)
                self._changed()
            self._end_probe()
        elif self._unreached_in_a_row >= self.failures:
            self.unreachable()
        elif self._in_a_row >= self.failures:
            self._go_down(f"{self.label} keeps failing ({reason}, {self._in_a_row} times in "
                          "a row)")

    def unreachable(self) -> None:
        """A whole round of tries never reached the server: no point in another round."""
        if self._down is None:
            self._go_down(self.unreachable_cause)

    @property
    def unreachable_cause(self) -> str:
        return f"cannot reach {self.label} (network down?)"

    def probe_done(self) -> None:
        """The probe's request is over; without an outcome (it was cancelled, say) the next
        request may probe."""
        self._end_probe()

    def down_for(self, request: str) -> ProviderDown | None:
        """The error for ``request`` while down (after :meth:`unreachable`, say)."""
        down = self._down
        if down is None:
            return None
        return ProviderDown(self.provider, request, down.cause,
                            retry_in=max(0.0, down.probe_at - self._clock()))

    # -- from outside --------------------------------------------------------------------------

    def seed(self, cause: str, since: dt.datetime, retry_in: float) -> None:
        """Start down, as another process found it (series still wait for it): checked again
        in ``retry_in`` seconds rather than hammered at once."""
        if self._down is None:
            self._down = _Down(cause, since, self._clock() + max(0.0, retry_in),
                               self.cooldown)

    def stop_waiting(self, reason: str) -> None:
        """Shutting down: requests waiting for a probe fail at once, and so do later ones."""
        self._stopped = reason
        for scope in list(self._waits):
            scope.cancel()

    # -- inside --------------------------------------------------------------------------------

    def _go_down(self, cause: str) -> None:
        self._times_down += 1
        self._down = _Down(cause, dt.datetime.now(dt.UTC), self._clock() + self.cooldown,
                           self.cooldown)
        log.warning("%s is down: %s; next check in %.0f s", self.label, cause, self.cooldown)
        self._changed()

    def _end_probe(self) -> None:
        if self._probe is not None:
            self._probe.set()
            self._probe = None

    async def _wait(self, waiting: Callable[[], Awaitable[object]], request: str) -> None:
        if self._stopped is not None:
            raise ProviderError(self.provider, request, self._stopped)
        with anyio.CancelScope() as scope:
            self._waits.add(scope)
            try:
                await waiting()
            finally:
                self._waits.discard(scope)
        if scope.cancel_called:
            raise ProviderError(self.provider, request, self._stopped or "stopped")

    def _wall(self, moment: float) -> dt.datetime:
        seconds = moment - self._clock()
        return dt.datetime.now(dt.UTC) + dt.timedelta(seconds=seconds if math.isfinite(seconds)
                                                      else 0.0)

    def _changed(self) -> None:
        if self._on_change is None:
            return
        try:
            self._on_change(self.provider, self.state())
        except Exception:  # a broken listener must not stop the requests
            log.exception("on_change callback failed for %s", self.provider)


__all__ = ["COOLDOWN", "FAILURES", "BreakerState", "CircuitBreaker"]
