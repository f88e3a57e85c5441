"""A record of every request a fake received, for tests that prove a client kept its limits."""

from __future__ import annotations

import threading
from collections.abc import Container

import attrs


@attrs.frozen
class RequestRecord:
    """One request: when it arrived (``time.monotonic()``), what it asked, how it ended.

    ``status`` is 0 when no response was sent (the client gave up during an injected timeout).
    ``fault`` names an injected fault (``"error"``, ``"timeout"``, ``"malformed"``,
    ``"forced_429"``, ``"image"``), ``"rate_limited"`` for a 429 the limits caused, or ``None``.
    """

    time: float
    method: str
    path: str
    query: str
    status: int
    fault: str | None = None


class RequestStats:
    """Thread-safe list of :class:`RequestRecord` (served fakes record from their own thread)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: list[RequestRecord] = []

    def add(self, record: RequestRecord) -> None:
        with self._lock:
            self._records.append(record)

    def clear(self) -> None:
        with self._lock:
            self._records.clear()

    @property
    def records(self) -> tuple[RequestRecord, ...]:
        """Every request so far, in arrival order."""
        with self._lock:
            return tuple(sorted(self._records, key=lambda r: r.time))

    @property
    def count(self) -> int:
        with self._lock:
            return len(self._records)

    @property
    def count_429(self) -> int:
        return self.count_status(429)

    def count_status(self, status: int) -> int:
        with self._lock:
            return sum(1 for r in self._records if r.status == status)

    def faults(self) -> list[str | None]:
        """The fault of each request in arrival order (``None`` for a normal one)."""
        return [r.fault for r in self.records]

    def max_requests_in_any_window(
        self, seconds: float, *, statuses: Container[int] | None = None
    ) -> int:
        """The most requests that arrived within any ``seconds``-long window (half-open, so
        requests exactly ``seconds`` apart are in different windows). ``statuses`` limits the
        count to those responses."""
        times = [r.time for r in self.records if statuses is None or r.status in statuses]
        best = start = 0
        for end, arrived in enumerate(times):
            while arrived - times[start] >= seconds:
                start += 1
            best = max(best, end - start + 1)
        return best
