"""What the loader counts for operators; ``app.metrics()`` returns a snapshot."""

from __future__ import annotations

from collections.abc import Mapping

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
