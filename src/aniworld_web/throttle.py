"""Login throttling: at most five failed logins a minute from one address.

An attempt counts as a failure from the moment it starts and is forgiven when it succeeds, so
parallel guesses cannot slip past the limit while their hashes are being checked. Memory is
bounded: beyond ``max_addresses`` the oldest addresses are forgotten.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable

LIMIT = 5
WINDOW_SECONDS = 60.0


class LoginThrottle:
    """Counts failed logins per client address in a sliding window."""

    def __init__(self, *, limit: int = LIMIT, window: float = WINDOW_SECONDS,
                 clock: Callable[[], float] = time.monotonic,
                 max_addresses: int = 10_000) -> None:
        self._limit = limit
        self._window = window
        self._clock = clock
        self._max_addresses = max_addresses
        self._failures: dict[str, deque[float]] = {}

    def attempt(self, address: str) -> int | None:
        """Start an attempt: ``None`` if it may go ahead (it counts as failed until
        :meth:`succeeded`), else the whole seconds to wait before the next one."""
        now = self._clock()
        failures = self._failures.pop(address, None) or deque()
        while failures and failures[0] <= now - self._window:
            failures.popleft()
        self._failures[address] = failures  # re-inserted: the dict is ordered by last use
        if len(failures) >= self._limit:
            return max(1, math.ceil(failures[0] + self._window - now))
        failures.append(now)
        while len(self._failures) > self._max_addresses:
            del self._failures[next(iter(self._failures))]
        return None

    def __len__(self) -> int:
        """How many addresses are tracked."""
        return len(self._failures)

    def succeeded(self, address: str) -> None:
        """The attempt was right: forget this address's failures."""
        self._failures.pop(address, None)
