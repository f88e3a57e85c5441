"""Server-side rate limiting over sliding windows, as the real services enforce it."""

from __future__ import annotations

import collections
import math
import threading
import time
from collections.abc import Iterator

import attrs

from aniworld_core.providers.base import RateLimit
from aniworld_testing._options import FakeOptions


@attrs.frozen
class Admission:
    """The verdict on one request.

    ``retry_after`` (whole seconds, at least 1) and ``reset_at`` (unix time) are set when the
    request is refused. ``limit``/``remaining`` are what the rate-limit headers report; they
    are ``None`` when no limit is configured.
    """

    allowed: bool
    limit: int | None = None
    remaining: int | None = None
    retry_after: int = 0
    reset_at: int = 0


def _windows(limits: tuple[RateLimit, ...]) -> Iterator[tuple[int, float]]:
    for limit in limits:
        yield limit.requests, limit.per_seconds
        if limit.burst is not None:
            yield limit.burst, limit.per_seconds * limit.burst / limit.requests


class Limiter:
    """Counts accepted requests and refuses those over any configured window."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._accepted: collections.deque[float] = collections.deque()
        self._blocked_until = 0.0

    def reset(self) -> None:
        with self._lock:
            self._accepted.clear()
            self._blocked_until = 0.0

    def admit(self, options: FakeOptions, now: float) -> Admission:
        """Accept (and count) the request arriving at ``now``, or say how long to wait."""
        windows = list(_windows(options.rate_limits))
        if not windows:
            return Admission(allowed=True)
        shown = options.advertised_limit or windows[0][0]
        with self._lock:
            longest = max(seconds for _, seconds in windows)
            while self._accepted and self._accepted[0] <= now - longest:
                self._accepted.popleft()
            wait = self._blocked_until - now
            if wait <= 0:
                wait = max(self._wait_for(requests, seconds, now) for requests, seconds in windows)
                if wait > 0 and options.penalty > 0:
                    self._blocked_until = now + options.penalty
                    wait = options.penalty
            if wait > 0:
                used = self._in_window(windows[0][1], now)
                return Admission(allowed=False, limit=shown, remaining=max(0, shown - used),
                                 retry_after=max(1, math.ceil(wait)),
                                 reset_at=math.ceil(time.time() + wait))
            self._accepted.append(now)
            used = self._in_window(windows[0][1], now)
        return Admission(allowed=True, limit=shown, remaining=max(0, shown - used))

    def _in_window(self, seconds: float, now: float) -> int:
        count = 0
        for accepted in reversed(self._accepted):
            if accepted <= now - seconds:
                break
            count += 1
        return count

    def _wait_for(self, requests: int, seconds: float, now: float) -> float:
        """Seconds until the window ``requests`` per ``seconds`` has room (0 if it has now)."""
        used = self._in_window(seconds, now)
        if used < requests:
            return 0.0
        # The window has room once the request `requests` places from the newest has left it.
        oldest_that_must_leave = self._accepted[len(self._accepted) - requests]
        return oldest_that_must_leave + seconds - now
