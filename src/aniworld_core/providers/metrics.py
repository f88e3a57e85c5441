"""Per-provider counters for operators: plain data, read through ``SeriesApp``."""

from __future__ import annotations

import bisect
import math
from typing import Any

import attrs

#: Upper bounds (seconds) of the latency buckets; the last catches everything slower.
LATENCY_BUCKETS: tuple[float, ...] = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, math.inf)


@attrs.define
class ProviderMetrics:
    """What one provider's HTTP client did since the ``SeriesApp`` opened.

    ``requests`` counts every request sent (retries included); ``rate_limited`` the 429 answers;
    ``retries`` the attempts repeated after a 5xx, a timeout or a connection error; ``errors`` the
    :class:`~aniworld_core.errors.ProviderError` raised to callers; ``waited_seconds`` the time
    spent waiting for the rate limiter; ``down`` whether it is down right now (its circuit
    breaker is open) and ``times_down`` how often it went down. Latency covers requests that got
    an answer;
    ``latency_buckets[i]`` counts those no slower than ``LATENCY_BUCKETS[i]`` but slower than the
    bucket before (not cumulative).
    """

    provider: str
    requests: int = 0
    rate_limited: int = 0
    retries: int = 0
    errors: int = 0
    waited_seconds: float = 0.0
    latency_sum: float = 0.0
    latency_count: int = 0
    latency_buckets: list[int] = attrs.field(factory=lambda: [0] * len(LATENCY_BUCKETS))
    down: bool = False
    times_down: int = 0
    #: Answers ``304 Not Modified`` to conditional requests (what was kept was the answer).
    not_modified: int = 0

    def observe_latency(self, seconds: float) -> None:
        self.latency_sum += seconds
        self.latency_count += 1
        self.latency_buckets[bisect.bisect_left(LATENCY_BUCKETS, seconds)] += 1

    def copy(self) -> ProviderMetrics:
        """A snapshot that later requests don't change."""
        return attrs.evolve(self, latency_buckets=list(self.latency_buckets))

    def to_dict(self) -> dict[str, Any]:
        return {
            "provider": self.provider,
            "requests": self.requests,
            "rate_limited": self.rate_limited,
            "retries": self.retries,
            "errors": self.errors,
            "waited_seconds": self.waited_seconds,
            "down": self.down,
            "times_down": self.times_down,
            "not_modified": self.not_modified,
            "latency_sum": self.latency_sum,
            "latency_count": self.latency_count,
            "latency_buckets": {
                ("+Inf" if math.isinf(bound) else f"{bound:g}"): count
                for bound, count in zip(LATENCY_BUCKETS, self.latency_buckets, strict=True)
            },
        }


__all__ = ["LATENCY_BUCKETS", "ProviderMetrics"]
