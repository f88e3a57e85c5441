"""Several processes, one library: 1 process against 3 on one PostgreSQL database.

    ANIWORLD_TEST_DATABASE_URL=postgresql://... python benchmarks/multiprocess.py \
        [--series 500] [--runs 5] [--layouts 1,3]

Layouts: ``1`` is one ``aniworld serve`` that also runs the jobs; ``3`` is ``aniworld serve
--no-jobs`` and two ``aniworld worker`` (the deployment guide's shape). Each run: a fresh
schema and data dir, SERIES series folders with AniList id hints in the library, the processes
started and ready; then the clock starts with ``POST /api/library/rescan`` to the web process
and stops when a client of the web process (server-sent events) has seen every series
completed. The fakes are the loader benchmark's (100 ms latency, the real limits scaled 60x,
Jikan in a process of its own), so the bound is the same: per provider, the fewest requests
the loads need divided by its rate. ``--scale 10`` makes the limits six times slower: on a
2-core machine the 60x limits leave the bound below the CPU time the loads take (three
aniworld processes, PostgreSQL and the fakes share two cores), so the ratio then measures the
machine; at 10x the limits bind, and the ratio says whether the processes keep to them.

Prints one JSON object per run, then a summary per layout (min / median / max):

- ``wall_s``, ``bound_s``, ``ratio`` (wall / bound; target for 3 processes <= 1.5);
- ``limit_429s``: 429s the fakes' limits caused (target 0, always), ``max_in_window``: the most
  requests any window of each limit held, from the fakes' own records (never above the limit);
- ``event_delay_ms`` p50/p99/max: from an event's timestamp (set where it was published, a
  worker) to its arrival at the SSE client of the web process (target p99 <= 100 ms);
- ``budget``: asks to the shared rate budget per provider request, and the statements that
  makes (three per ask), read from ``/api/metrics`` of the web process (every process's
  figures, labelled by process).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

sys.path.insert(0, str(Path(__file__).parent))
from aniworld_testing import (
    GENERATED_START_ID,
    AniworldProcess,
    Deployment,
    RemoteBundle,
    postgres_schema,
)
from loader import (
    LATENCY,
    RATES,
    SCALE,
    Fakes,
    make_library,
    requests_needed,
)

#: Seconds a run may take at most (a hang guard).
PATIENCE = 600.0
#: Statements in one ask of the shared budget (lock, read, write: see storage/rate_budget.py).
STATEMENTS_PER_ASK = 3
PROVIDERS = ("anilist", "jikan")


def percentile(samples: Sequence[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


class EventClient:
    """Reads ``/api/events`` of the web process in a thread: when each series was first seen
    completed, and every event's delay from its timestamp."""

    def __init__(self, url: str, key: str, series: int) -> None:
        self.url, self.key, self.series = url, key, series
        self.since = 0.0
        self.delays_ms: list[float] = []
        self.completed: set[str] = set()
        self.all_completed = threading.Event()
        self.listening = threading.Event()
        self.finished_at = 0.0
        self._stop = False
        self._thread = threading.Thread(target=self._read, daemon=True)

    def start(self) -> None:
        self._thread.start()
        if not self.listening.wait(30):
            raise SystemExit("the web process's event stream did not open")

    def _read(self) -> None:
        headers = {"Authorization": f"Bearer {self.key}", "Accept": "text/event-stream"}
        with httpx.stream("GET", self.url + "/api/events", headers=headers,
                          timeout=httpx.Timeout(30, read=None)) as response:
            response.raise_for_status()
            self.listening.set()
            for line in response.iter_lines():
                if self._stop:
                    return
                if line.startswith("data:"):
                    self._take(json.loads(line[5:]), time.time())

    def _take(self, event: dict[str, Any], arrived: float) -> None:
        stamp = event.get("timestamp")
        if not isinstance(stamp, str):
            return
        sent = dt.datetime.fromisoformat(stamp).timestamp()
        if sent < self.since:
            return  # the snapshot, or from before the clock started
        self.delays_ms.append((arrived - sent) * 1000)
        if event.get("type") == "series_loading_update" and event.get("status") == "completed":
            self.completed.add(str(event["series_id"]))
            if len(self.completed) == self.series and not self.all_completed.is_set():
                self.finished_at = time.perf_counter()
                self.all_completed.set()

    def stop(self) -> None:
        self._stop = True


def metric_sums(url: str, key: str) -> dict[str, dict[str, float]]:
    """``/api/metrics`` of every process: per provider, requests and budget asks summed."""
    text = httpx.get(url + "/api/metrics", headers={"Authorization": f"Bearer {key}"},
                     timeout=30).text
    sums: dict[str, dict[str, float]] = {name: {} for name in ("requests", "budget_asks")}
    for family in text_string_to_metric_families(text):
        name = family.name.removeprefix("aniworld_provider_")
        if name in sums:
            for sample in family.samples:
                if sample.name.endswith("_total"):
                    provider = sample.labels["provider"]
                    sums[name][provider] = sums[name].get(provider, 0.0) + sample.value
    return sums


def cpu_seconds(pid: int) -> float:
    """CPU time process ``pid`` has used so far (Linux)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_cpu_seconds() -> float:
    """CPU time every process of the machine has used (busy time of all cores)."""
    with open("/proc/stat") as stat:
        fields = [int(field) for field in stat.readline().split()[1:]]
    idle = fields[3] + fields[4]
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def start_layout(deployment: Deployment, layout: int) -> AniworldProcess:
    """The processes of ``layout``, all ready; the web process."""
    if layout == 1:
        web = deployment.start_web(jobs=True, wait=False)
        others: list[AniworldProcess] = []
    else:
        web = deployment.start_web(wait=False)
        others = [deployment.start_worker(wait=False) for _ in range(layout - 1)]
    for process in (web, *others):
        process.ready()
    return web


def one_run(fakes: Fakes, database_url: str, layout: int, series: int,
            scale: float) -> dict[str, Any]:
    ids = [GENERATED_START_ID + n for n in range(series)]
    needed = requests_needed(ids)
    bound = max(needed[name] / (RATES[name] * scale / SCALE) for name in needed)
    fakes.reset()
    with postgres_schema(database_url, prefix="bench") as url, \
            tempfile.TemporaryDirectory() as tmp:
        library = Path(tmp) / "library"
        settings = {**fakes.settings_overrides(), "watch.enabled": False,
                    **{f"providers.{name}.enabled": False
                       for name in ("tvmaze", "tmdb", "fanart")}}
        deployment = Deployment(Path(tmp) / "data", database_url=url, settings=settings,
                                library=[library])
        make_library(library, ids)
        key = deployment.run("api-key", "create", "bench").stdout.strip()
        with deployment:
            web = start_layout(deployment, layout)
            assert web.url is not None
            client = EventClient(web.url, key, series)
            client.start()
            client.since = time.time()
            before = {process.pid: cpu_seconds(process.pid) for process in deployment.processes}
            machine_before, fakes_before = machine_cpu_seconds(), fakes.cpu_seconds()
            started = time.perf_counter()
            httpx.post(web.url + "/api/library/rescan",
                       headers={"Authorization": f"Bearer {key}"}, timeout=30
                       ).raise_for_status()
            if not client.all_completed.wait(PATIENCE):
                raise SystemExit(f"only {len(client.completed)} of {series} series completed")
            wall = client.finished_at - started
            cpu = {f"{process.args[0]}_{n}_s": round(cpu_seconds(process.pid)
                                                   - before[process.pid], 2)
                   for n, process in enumerate(deployment.processes, 1)}
            cpu["fake_servers_s"] = round(fakes.cpu_seconds() - fakes_before, 2)
            cpu["machine_s"] = round(machine_cpu_seconds() - machine_before, 2)
            client.stop()
            sums = final_metrics(web.url, key, fakes)
            codes = deployment.stop()
        if set(codes.values()) - {0, -15}:
            raise SystemExit(f"a process ended badly: {codes}")
    stats = {name: fakes.stats(name) for name in PROVIDERS}
    requests = {name: stats[name].count for name in PROVIDERS}
    asks = sum(sums["budget_asks"].get(name, 0.0) for name in PROVIDERS)
    return {
        "layout": layout, "series": series, "limits_scaled": scale, "wall_s": round(wall, 2),
        "bound_s": round(bound, 2), "ratio": round(wall / bound, 3),
        "requests": requests, "requests_needed": needed, "cpu": cpu, "cores": os.cpu_count(),
        "limit_429s": sum(stats[name].faults().count("rate_limited") for name in PROVIDERS),
        "all_429s": sum(stats[name].count_429 for name in PROVIDERS),
        "max_in_window": {
            name: {f"{count}/{seconds:g}s": stats[name].max_requests_in_any_window(seconds)
                   for count, seconds in fakes.bundle(name).rate_limits(name)}
            for name in PROVIDERS},
        "event_delay_ms": {
            "events": len(client.delays_ms),
            "p50": round(percentile(client.delays_ms, 0.5), 1),
            "p99": round(percentile(client.delays_ms, 0.99), 1),
            "max": round(max(client.delays_ms), 1)},
        "budget": {
            "asks": int(asks),
            "asks_per_request": round(asks / max(1, sum(requests.values())), 3),
            "statements_per_request": round(
                STATEMENTS_PER_ASK * asks / max(1, sum(requests.values())), 3)},
    }


def final_metrics(url: str, key: str, fakes: Fakes) -> dict[str, dict[str, float]]:
    """The processes' metrics once every process has published the requests the fakes saw
    (each publishes every few seconds)."""
    sent = sum(fakes.stats(name).count for name in PROVIDERS)
    deadline = time.monotonic() + 60
    while True:
        sums = metric_sums(url, key)
        if sum(sums["requests"].get(name, 0.0) for name in PROVIDERS) >= sent:
            return sums
        if time.monotonic() > deadline:
            print("warning: the metrics never showed every request", file=sys.stderr)
            return sums
        time.sleep(0.5)


def summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    def spread(values: list[float]) -> list[float]:
        return [min(values), round(statistics.median(values), 3), max(values)]

    return {
        "layout": runs[0]["layout"], "runs": len(runs), "series": runs[0]["series"],
        "bound_s": runs[0]["bound_s"],
        "wall_s": spread([run["wall_s"] for run in runs]),
        "ratio": spread([run["ratio"] for run in runs]),
        "limit_429s": sum(run["limit_429s"] for run in runs),
        "event_delay_p50_ms": spread([run["event_delay_ms"]["p50"] for run in runs]),
        "event_delay_p99_ms": spread([run["event_delay_ms"]["p99"] for run in runs]),
        "statements_per_request": spread([run["budget"]["statements_per_request"]
                                          for run in runs]),
        "targets": {"ratio_3_processes": 1.5, "limit_429s": 0, "event_delay_p99_ms": 100},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=500)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--layouts", default="1,3")
    parser.add_argument("--scale", type=float, default=SCALE,
                        help="how many times faster than the real ones the fakes' rate limits "
                             f"are (default {SCALE}, the loader benchmark's)")
    arguments = parser.parse_args()
    url = os.environ.get("ANIWORLD_TEST_DATABASE_URL")
    if not url:
        raise SystemExit("Set ANIWORLD_TEST_DATABASE_URL to a PostgreSQL database.")
    layouts = [int(layout) for layout in arguments.layouts.split(",")]
    results: dict[int, list[dict[str, Any]]] = {layout: [] for layout in layouts}
    with RemoteBundle(generated=arguments.series, latency=LATENCY,
                      rate_limit_scale=arguments.scale) as main_host, \
            RemoteBundle(generated=arguments.series, latency=LATENCY,
                         rate_limit_scale=arguments.scale) as jikan_host:
        fakes = Fakes(main_host, jikan_host)
        for _ in range(arguments.runs):
            for layout in layouts:  # interleaved: a slow spell of the machine hits both
                run = one_run(fakes, url, layout, arguments.series, arguments.scale)
                print(json.dumps({"benchmark": "multiprocess", **run}), flush=True)
                results[layout].append(run)
    for layout in layouts:
        print(json.dumps({"benchmark": "multiprocess", "summary": summary(results[layout])}),
              flush=True)


if __name__ == "__main__":
    main()
