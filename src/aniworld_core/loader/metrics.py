"""What the loader counts for operators; ``app.metrics()`` returns a snapshot."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from aniworld_core.providers.metrics import ProviderMetrics

#: Upper bounds (seconds) of the step-duration histogram buckets.
DURATION_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0)


@attrs.define
class Histogram:
    """Cumulative buckets, count and sum, as Prometheus expects them."""

    bounds: tuple[float, ...] = DURATION_BUCKETS
    counts: list[int] = attrs.field(factory=lambda: [0] * len(DURATION_BUCKETS))
    count: int = 0
    total: float = 0.0

    def observe(self, value: float) -> None:
        self.count += 1
        self.total += value
        for index, bound in enumerate(self.bounds):
            if value <= bound:
                self.counts[index] += 1

    def snapshot(self) -> Histogram:
        return Histogram(self.bounds, list(self.counts), self.count, self.total)

    def to_json(self) -> dict[str, Any]:
        return {"bounds": list(self.bounds), "counts": list(self.counts), "count": self.count,
                "total": self.total}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Histogram:
        """A histogram written by :meth:`to_json` (``ValueError`` when it is not one)."""
        bounds = tuple(float(bound) for bound in data.get("bounds", DURATION_BUCKETS))
        counts = [int(count) for count in data.get("counts", [0] * len(bounds))]
        if len(counts) != len(bounds):
            raise ValueError(f"{len(counts)} counts for {len(bounds)} buckets")
        return cls(bounds, counts, int(data.get("count", 0)), float(data.get("total", 0.0)))


@attrs.frozen
class LoaderMetrics:
    """A snapshot of the loader's state and counters since the app opened."""

    queue_depth: Mapping[int, int]
    series_in_flight: int
    steps_in_flight: int
    completed: int
    failed: int
    cancelled: int
    retries_scheduled: int
    step_durations: Mapping[str, Histogram]
    providers: Mapping[str, ProviderMetrics] = attrs.field(factory=dict)
    #: Attempts cut short by a shutdown (their series stayed queued).
    interrupted: int = 0
    #: Times a series went back to the queue because a provider it needs was down.
    waits_for_providers: int = 0

    def to_json(self) -> dict[str, Any]:
        """The snapshot as JSON-able data; :meth:`from_json` reads it back (another process
        publishes it this way: see :mod:`aniworld_core.process_metrics`)."""
        return {
            "queue_depth": {str(priority): depth for priority, depth in self.queue_depth.items()},
            **{name: getattr(self, name) for name in _COUNTS},
            "step_durations": {step: histogram.to_json()
                               for step, histogram in self.step_durations.items()},
            "providers": {name: metrics.to_json() for name, metrics in self.providers.items()},
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> LoaderMetrics:
        """A snapshot written by :meth:`to_json`, maybe by another version of aniworld: fields
        it does not know are ignored and missing ones are empty or 0. Data that is not such a
        snapshot raises ``ValueError``."""
        try:
            counts = {name: int(data.get(name, 0)) for name in _COUNTS}
            return cls(
                queue_depth={int(priority): int(depth)
                             for priority, depth in data.get("queue_depth", {}).items()},
                step_durations={str(step): Histogram.from_json(histogram)
                                for step, histogram in data.get("step_durations", {}).items()},
                providers={str(name): ProviderMetrics.from_json(metrics)
                           for name, metrics in data.get("providers", {}).items()},
                **counts,
            )
        except (AttributeError, KeyError, TypeError) as error:
            raise ValueError(f"not a metrics snapshot: {error!r}") from None


#: The plain counts of :class:`LoaderMetrics`.
_COUNTS = ("series_in_flight", "steps_in_flight", "completed", "failed", "cancelled",
           "retries_scheduled", "interrupted", "waits_for_providers")
