"""The loader's and the providers' counters in Prometheus' text format.

Every scrape reads a fresh ``SeriesApp.metrics()`` snapshot into a registry of its own, so
nothing is global: two apps in one process never share or overwrite each other's figures.
The figures are this process's: ``aniworld_process_info`` names it (several processes may
share one database, and one address behind a reverse proxy), ``aniworld_leader`` says whether
it leads them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from itertools import accumulate

import attrs
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    InfoMetricFamily,
)
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

from aniworld_core import LATENCY_BUCKETS, LoaderMetrics, Priority, ProviderMetrics

PREFIX = "aniworld"


@attrs.frozen
class ProcessInfo:
    """Which process the figures come from, and whether it leads those on its database."""

    process: str
    leader: bool


def exposition(snapshot: LoaderMetrics, process: ProcessInfo | None = None) -> bytes:
    """``snapshot`` (of ``process``) in the Prometheus text exposition format."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(SnapshotCollector(snapshot, process))
    return generate_latest(registry)


class SnapshotCollector(Collector):
    """Turns one :class:`LoaderMetrics` snapshot into metric families."""

    def __init__(self, snapshot: LoaderMetrics, process: ProcessInfo | None = None) -> None:
        self.snapshot = snapshot
        self.process = process

    def collect(self) -> Iterator[Metric]:
        if self.process is not None:
            yield from process_families(self.process)
        yield from loader_families(self.snapshot)
        providers = [metrics for metrics in self.snapshot.providers.values()
                     if isinstance(metrics, ProviderMetrics)]
        yield from provider_families(providers)


def priority_name(priority: int) -> str:
    try:
        return Priority(priority).name.lower()
    except ValueError:
        return str(priority)


def process_families(process: ProcessInfo) -> Iterator[Metric]:
    info = InfoMetricFamily(f"{PREFIX}_process", "The process these figures come from.",
                            labels=["process"])
    info.add_metric([process.process], {})
    yield info
    yield GaugeMetricFamily(f"{PREFIX}_leader",
                            "1 while this process leads those on its database (it watches the "
                            "library and the downloads folder).",
                            value=1.0 if process.leader else 0.0)


def loader_families(snapshot: LoaderMetrics) -> Iterator[Metric]:
    queued = GaugeMetricFamily(f"{PREFIX}_loader_queue_depth",
                               "Series waiting to load, by priority.", labels=["priority"])
    depth = {priority_name(p): n for p, n in snapshot.queue_depth.items()}
    for name in sorted({p.name.lower() for p in Priority} | depth.keys()):
        queued.add_metric([name], depth.get(name, 0))
    yield queued
    yield GaugeMetricFamily(f"{PREFIX}_loader_series_in_flight",
                            "Series loading in this process right now.",
                            value=snapshot.series_in_flight)
    yield GaugeMetricFamily(f"{PREFIX}_loader_steps_in_flight",
                            "Load steps running in this process right now.",
                            value=snapshot.steps_in_flight)
    finished = CounterMetricFamily(f"{PREFIX}_loader_series_finished",
                                   "Series loads that ended, by how they ended.",
                                   labels=["status"])
    for status, count in (("completed", snapshot.completed), ("failed", snapshot.failed),
                          ("cancelled", snapshot.cancelled)):
        finished.add_metric([status], count)
    yield finished
    yield CounterMetricFamily(f"{PREFIX}_loader_retries_scheduled",
                              "Failed steps scheduled to be tried again.",
                              value=snapshot.retries_scheduled)
    steps = HistogramMetricFamily(f"{PREFIX}_loader_step_duration_seconds",
                                  "How long each load step took.", labels=["step"])
    for step, histogram in sorted(snapshot.step_durations.items()):
        steps.add_metric([step], buckets(histogram.bounds, histogram.counts, histogram.count),
                         sum_value=histogram.total)
    yield steps


def provider_families(providers: Sequence[ProviderMetrics]) -> Iterator[Metric]:
    counters: Mapping[str, tuple[str, str]] = {
        "requests": ("requests", "HTTP requests sent, retries included."),
        "rate_limited": ("rate_limited", "Answers that were 429 Too Many Requests."),
        "retries": ("retries", "Requests repeated after a 5xx, a timeout or a lost connection."),
        "errors": ("errors", "Provider errors handed to the caller."),
        "waited_seconds": ("rate_limit_wait_seconds", "Time spent waiting for the rate limiter."),
        "not_modified": ("not_modified", "Conditional requests answered 304 Not Modified."),
    }
    for field, (name, documentation) in counters.items():
        family = CounterMetricFamily(f"{PREFIX}_provider_{name}", documentation,
                                     labels=["provider"])
        for metrics in providers:
            family.add_metric([metrics.provider], getattr(metrics, field))
        yield family
    down = GaugeMetricFamily(f"{PREFIX}_provider_down",
                             "1 while the provider is marked down (its circuit breaker open).",
                             labels=["provider"])
    times_down = CounterMetricFamily(f"{PREFIX}_provider_times_down",
                                     "How often the provider was marked down.",
                                     labels=["provider"])
    for metrics in providers:
        down.add_metric([metrics.provider], 1.0 if metrics.down else 0.0)
        times_down.add_metric([metrics.provider], metrics.times_down)
    yield down
    yield times_down
    latency = HistogramMetricFamily(f"{PREFIX}_provider_request_duration_seconds",
                                    "Response time of requests that got an answer.",
                                    labels=["provider"])
    for metrics in providers:
        cumulative = list(accumulate(metrics.latency_buckets))
        latency.add_metric([metrics.provider],
                           buckets(LATENCY_BUCKETS, cumulative, metrics.latency_count),
                           sum_value=metrics.latency_sum)
    yield latency


def buckets(bounds: Sequence[float], cumulative: Sequence[int],
            count: int) -> list[tuple[str, float]]:
    """Prometheus buckets: every finite bound, then ``+Inf`` holding the total count."""
    finite = [(repr(float(bound)), float(n))
              for bound, n in zip(bounds, cumulative, strict=True) if bound != float("inf")]
    return [*finite, ("+Inf", float(count))]
