"""Event delay across processes: app A publishes, a subscriber of app B (same database) reads.

    ANIWORLD_TEST_DATABASE_URL=postgresql://... python benchmarks/events_across.py \
        [--events 2000] [--interval-ms 2] [--burst 1000] [--backend asyncio|trio]

Prints one JSON object. Target: p99 <= 100 ms from A's ``publish`` to B's subscriber, through
LISTEN/NOTIFY (the event bridge). Both apps run in this process, so one clock measures both
ends (and one event loop serves both: a pessimistic setup). ``steady``: one loading update
every ``interval-ms``; ``burst``: ``burst`` updates published at once (their delay includes
waiting behind the others). The database is a fresh schema, dropped afterwards.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import anyio
import anyio.abc

from aniworld_core import LoadingStatus, Progress, SeriesApp, Settings
from aniworld_core.events import SeriesLoadingUpdate
from aniworld_testing import postgres_schema


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def summary(delays: list[float]) -> dict[str, float]:
    return {"events": len(delays), "p50_ms": round(percentile(delays, 0.50), 3),
            "p99_ms": round(percentile(delays, 0.99), 3), "max_ms": round(max(delays), 3)}


async def measure(url: str, data_dir: Path, events: int, interval: float, burst: int
                  ) -> dict[str, object]:
    settings_a = Settings(data_dir=data_dir / "a", database_url=url, load_entry_points=False)
    settings_b = Settings(data_dir=data_dir / "b", database_url=url, load_entry_points=False)
    published: dict[str, float] = {}
    delays: list[float] = []
    expected = 0
    all_arrived = anyio.Event()

    async def read(app: SeriesApp, *, task_status: anyio.abc.TaskStatus[None]) -> None:
        async with app.events.subscribe(snapshot=False, max_buffer=100_000) as subscription:
            task_status.started()
            async for event in subscription:
                sent = published.get(event.to_json().get("series_id", ""))
                if sent is not None:
                    delays.append((time.perf_counter() - sent) * 1000)
                    if len(delays) >= expected:
                        all_arrived.set()

    def publish(app: SeriesApp, name: str) -> None:
        published[name] = time.perf_counter()
        app.events.publish(SeriesLoadingUpdate.of_parts(
            name, name, LoadingStatus.LOADING_EPISODES, Progress(), None))

    results: dict[str, object] = {}
    async with SeriesApp.open(settings_a, loader=False) as a, \
            SeriesApp.open(settings_b, loader=False) as b, anyio.create_task_group() as group:
        await group.start(read, b)
        for mode, count in (("steady", events), ("burst", burst)):
            published.clear()
            delays.clear()
            expected = count
            all_arrived = anyio.Event()
            for n in range(count):
                publish(a, f"{mode}-{n}")
                if mode == "steady":
                    await anyio.sleep(interval)
            with anyio.fail_after(60):
                await all_arrived.wait()
            results[mode] = summary(delays)
        group.cancel_scope.cancel()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--interval-ms", type=float, default=2.0)
    parser.add_argument("--burst", type=int, default=1000)
    parser.add_argument("--backend", choices=["asyncio", "trio"], default="asyncio")
    arguments = parser.parse_args()
    url = os.environ.get("ANIWORLD_TEST_DATABASE_URL")
    if not url:
        raise SystemExit("Set ANIWORLD_TEST_DATABASE_URL to a PostgreSQL database.")
    with postgres_schema(url, prefix="bench") as schema_url, \
            tempfile.TemporaryDirectory() as data_dir:
        results = anyio.run(measure, schema_url, Path(data_dir), arguments.events,
                            arguments.interval_ms / 1000, arguments.burst,
                            backend=arguments.backend)
    print(json.dumps({"benchmark": "events_across", "backend": arguments.backend,
                      "interval_ms": arguments.interval_ms, **results,
                      "target_p99_ms": 100}, indent=2))


if __name__ == "__main__":
    main()
