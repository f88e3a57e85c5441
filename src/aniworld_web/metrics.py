"""The loader's and the providers' counters in Prometheus' text format.

Every scrape reads a fresh ``SeriesApp.process_metrics()`` into a registry of its own, so
nothing is global: two apps in one process never share or overwrite each other's figures.

Several processes may share one database (PostgreSQL): every figure but the queue depth (the
database's, the same for all) is labelled ``process`` with the process it comes from, the one
that answered (its figures taken now) and every other live one (as it last published them, at
most a few seconds ago). ``aniworld_process_info`` names each with its role, ``aniworld_leader``
says which leads. On SQLite there is one process, labelled the same way.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from itertools import accumulate

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    InfoMetricFamily,
)
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

from aniworld_core import LATENCY_BUCKETS, Priority, ProcessMetrics, ProviderMetrics

PREFIX = "aniworld"


def exposition(processes: Sequence[ProcessMetrics]) -> bytes:
    """Every process's figures (the one answering first) in the Prometheus text format."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(ProcessesCollector(processes))
    return generate_latest(registry)


class ProcessesCollector(Collector):
    """Turns the :class:`ProcessMetrics` of every process into metric families."""

    def __init__(self, processes: Sequence[ProcessMetrics]) -> None:
        self.processes = processes

    def collect(self) -> Iterator[Metric]:
        yield from process_families(self.processes)
        current = next((p for p in self.processes if p.current), None)
        if current is not None:
            yield queue_family(current)
        yield from loader_families(self.processes)
        yield from provider_families(self.processes)


def priority_name(priority: int) -> str:
    try:
        return Priority(priority).name.lower()
    except ValueError:
        return str(priority)


def process_families(processes: Sequence[ProcessMetrics]) -> Iterator[Metric]:
    info = InfoMetricFamily(f"{PREFIX}_process",
                            "A process on the database (the figures labelled with it are its "
                            "own) and its role: web, worker, web+jobs...",
                            labels=["process", "role"])
    leader = GaugeMetricFamily(f"{PREFIX}_leader",
                               "1 while the process leads those on its database (it watches "
                               "the library and the downloads folder).", labels=["process"])
    age = GaugeMetricFamily(f"{PREFIX}_process_snapshot_age_seconds",
                            "How old the process's figures are: 0 for the process that "
                            "answered, else when it last published them.", labels=["process"])
    for process in processes:
        info.add_metric([process.process, process.role], {})
        leader.add_metric([process.process], 1.0 if process.leader else 0.0)
        age.add_metric([process.process], process.age)
    yield info
    yield leader
    yield age


def queue_family(current: ProcessMetrics) -> Metric:
    queued = GaugeMetricFamily(f"{PREFIX}_loader_queue_depth",
                               "Series waiting to load in the database (every process sees "
                               "the same queue), by priority.", labels=["priority"])
    depth = {priority_name(p): n for p, n in current.metrics.queue_depth.items()}
    for name in sorted({p.name.lower() for p in Priority} | depth.keys()):
        queued.add_metric([name], depth.get(name, 0))
    return queued


def loader_families(processes: Sequence[ProcessMetrics]) -> Iterator[Metric]:
    series = GaugeMetricFamily(f"{PREFIX}_loader_series_in_flight",
                               "Series loading in the process right now.", labels=["process"])
    steps = GaugeMetricFamily(f"{PREFIX}_loader_steps_in_flight",
                              "Load steps running in the process right now.", labels=["process"])
    finished = CounterMetricFamily(f"{PREFIX}_loader_series_finished",
                                   "Series loads the process ended, by how they ended.",
                                   labels=["process", "status"])
    retries = CounterMetricFamily(f"{PREFIX}_loader_retries_scheduled",
                                  "Failed steps the process scheduled to be tried again.",
                                  labels=["process"])
    durations = HistogramMetricFamily(f"{PREFIX}_loader_step_duration_seconds",
                                      "How long each load step took.",
                                      labels=["process", "step"])
    for process in processes:
        name, snapshot = process.process, process.metrics
        series.add_metric([name], snapshot.series_in_flight)
        steps.add_metric([name], snapshot.steps_in_flight)
        for status, count in (("completed", snapshot.completed), ("failed", snapshot.failed),
                              ("cancelled", snapshot.cancelled)):
            finished.add_metric([name, status], count)
        retries.add_metric([name], snapshot.retries_scheduled)
        for step, histogram in sorted(snapshot.step_durations.items()):
            durations.add_metric([name, step],
                                 buckets(histogram.bounds, histogram.counts, histogram.count),
                                 sum_value=histogram.total)
    yield from (series, steps, finished, retries, durations)


#: Counters of :class:`ProviderMetrics`: field -> (metric name, help text).
PROVIDER_COUNTERS: Mapping[str, tuple[str, str]] = {
    "requests": ("requests", "HTTP requests sent, retries included."),
    "rate_limited": ("rate_limited", "Answers that were 429 Too Many Requests."),
    "retries": ("retries", "Requests repeated after a 5xx, a timeout or a lost connection."),
    "errors": ("errors", "Provider errors handed to the caller."),
    "waited_seconds": ("rate_limit_wait_seconds", "Time spent waiting for the rate limiter."),
    "not_modified": ("not_modified", "Conditional requests answered 304 Not Modified."),
    "budget_asks": ("budget_asks",
                    "Transactions with the rate budget shared by the processes on one "
                    "PostgreSQL database, each asking for turns to send requests (0 on "
                    "SQLite)."),
    "budget_turns_dropped": ("budget_turns_dropped",
                             "Turns of the shared rate budget dropped unused: their request "
                             "could not go before the turn expired (0 on SQLite)."),
}


def provider_families(processes: Sequence[ProcessMetrics]) -> Iterator[Metric]:
    labels = ["process", "provider"]
    providers = [(process.process, metrics) for process in processes
                 for metrics in process.metrics.providers.values()
                 if isinstance(metrics, ProviderMetrics)]
    for field, (name, documentation) in PROVIDER_COUNTERS.items():
        family = CounterMetricFamily(f"{PREFIX}_provider_{name}", documentation, labels=labels)
        for process, metrics in providers:
            family.add_metric([process, metrics.provider], getattr(metrics, field))
        yield family
    down = GaugeMetricFamily(f"{PREFIX}_provider_down",
                             "1 while the process has the provider marked down (its circuit "
                             "breaker open).", labels=labels)
    times_down = CounterMetricFamily(f"{PREFIX}_provider_times_down",
                                     "How often the process marked the provider down.",
                                     labels=labels)
    for process, metrics in providers:
        down.add_metric([process, metrics.provider], 1.0 if metrics.down else 0.0)
        times_down.add_metric([process, metrics.provider], metrics.times_down)
    yield down
    yield times_down
    latency = HistogramMetricFamily(f"{PREFIX}_provider_request_duration_seconds",
                                    "Response time of requests that got an answer.",
                                    labels=labels)
    for process, metrics in providers:
        cumulative = list(accumulate(metrics.latency_buckets))
        latency.add_metric([process, metrics.provider],
                           buckets(LATENCY_BUCKETS, cumulative, metrics.latency_count),
                           sum_value=metrics.latency_sum)
    yield latency


def buckets(bounds: Sequence[float], cumulative: Sequence[int],
            count: int) -> list[tuple[str, float]]:
    """Prometheus buckets: every finite bound, then ``+Inf`` holding the total count."""
    finite = [(repr(float(bound)), float(n))
              for bound, n in zip(bounds, cumulative, strict=True) if bound != float("inf")]
    return [*finite, ("+Inf", float(count))]
