"""Per-provider counters for operators: plain data, read through ``SeriesApp``."""

from __future__ import annotations

import bisect
import math
from collections.abc import Mapping
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
    breaker is open) and ``times_down`` how often it went down. With several processes on one
    PostgreSQL database, ``budget_asks`` counts the transactions this process made with the
    shared rate budget and ``budget_turns_dropped`` the turns it was given but could not use
    in time (both stay 0 on SQLite). Latency covers requests that got an answer;
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
    #: Transactions with the shared rate budget (``ProviderLimiter.budget_asks``).
    budget_asks: int = 0
    #: Turns of the shared rate budget dropped unused (``ProviderLimiter.turns_expired``).
    budget_turns_dropped: int = 0

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
            "budget_asks": self.budget_asks,
            "budget_turns_dropped": self.budget_turns_dropped,
            "latency_sum": self.latency_sum,
            "latency_count": self.latency_count,
            "latency_buckets": {
                ("+Inf" if math.isinf(bound) else f"{bound:g}"): count
                for bound, count in zip(LATENCY_BUCKETS, self.latency_buckets, strict=True)
            },
        }

    def to_json(self) -> dict[str, Any]:
        """JSON-able figures (as :meth:`to_dict`); :meth:`from_json` reads them back."""
        return self.to_dict()

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ProviderMetrics:
        """Figures written by :meth:`to_json`, maybe by another version of aniworld: fields it
        does not know are ignored, missing ones are 0, and latency buckets with other bounds
        are counted in the bucket that holds them. A missing name or a value of the wrong type
        raises ``ValueError``."""
        provider = data.get("provider")
        if not isinstance(provider, str):
            raise ValueError(f"expected a provider's name, got {provider!r}")
        buckets = [0] * len(LATENCY_BUCKETS)
        for label, count in _mapping(data.get("latency_buckets", {})).items():
            bound = math.inf if label == "+Inf" else float(label)
            buckets[min(bisect.bisect_left(LATENCY_BUCKETS, bound), len(buckets) - 1)] \
                += _count(count)
        return cls(
            provider=provider,
            **{name: _count(data.get(name, 0)) for name in _COUNTS},
            waited_seconds=_seconds(data.get("waited_seconds", 0.0)),
            latency_sum=_seconds(data.get("latency_sum", 0.0)),
            latency_buckets=buckets,
            down=bool(data.get("down", False)),
        )


#: The integer fields of :class:`ProviderMetrics`, read back by ``from_json``.
_COUNTS = ("requests", "rate_limited", "retries", "errors", "latency_count", "times_down",
           "not_modified", "budget_asks", "budget_turns_dropped")


def _count(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ValueError(f"expected a count, got {value!r}")
    return int(value)


def _seconds(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"expected seconds, got {value!r}")
    return float(value)


def _mapping(value: object) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ValueError(f"expected an object, got {value!r}")
    return value


__all__ = ["LATENCY_BUCKETS", "ProviderMetrics"]
