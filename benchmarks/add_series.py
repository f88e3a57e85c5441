"""p50/p99 latency of ``SeriesApp.add_series`` over 1,000 adds on SQLite, in-process.

    python benchmarks/add_series.py [--adds 1000] [--backend asyncio|trio]

Prints one JSON object. Target: p99 ≤ 5 ms.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

import anyio

from aniworld_core import SeriesApp, Settings


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


async def measure(adds: int, data_dir: Path) -> dict[str, object]:
    latencies: list[float] = []
    async with SeriesApp.open(Settings(data_dir=data_dir)) as app:
        for warmup in range(20):
            await app.add_series(f"Warm-up {warmup}")
        started = time.perf_counter()
        for number in range(adds):
            before = time.perf_counter()
            await app.add_series(f"Series number {number}", year=2000 + number % 25)
            latencies.append((time.perf_counter() - before) * 1000)
        elapsed = time.perf_counter() - started
    return {
        "benchmark": "add_series",
        "database": "sqlite",
        "adds": adds,
        "p50_ms": round(percentile(latencies, 0.50), 3),
        "p99_ms": round(percentile(latencies, 0.99), 3),
        "max_ms": round(max(latencies), 3),
        "mean_ms": round(statistics.fmean(latencies), 3),
        "adds_per_second": round(adds / elapsed, 1),
        "target_p99_ms": 5.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--adds", type=int, default=1000)
    parser.add_argument("--backend", choices=["asyncio", "trio"], default="asyncio")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="aniworld-bench-") as tmp:
        result = anyio.run(measure, args.adds, Path(tmp), backend=args.backend)
    result["backend"] = args.backend
    print(json.dumps(result))


if __name__ == "__main__":
    main()
