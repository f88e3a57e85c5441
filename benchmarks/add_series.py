"""p50/p99 latency of ``SeriesApp.add_series`` over 1,000 adds on SQLite, in-process.

    python benchmarks/add_series.py [--adds 1000] [--backend asyncio|trio]

Prints one JSON object. Target: p99 <= 5 ms for the call itself: the app open without background
loading, so each add is validation, one insert through the database thread and an event.

Also reported, with no target, ``while_loading``: the same adds while the loader works through
them against the fake providers (100 ms latency, real limits scaled 60x): every add then shares
the event loop and the database thread with identification, metadata, NFO and artwork work.
Nothing here reaches the real providers.
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
from aniworld_testing import RemoteBundle, generated

WARM_UP = 20


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


async def measure(adds: int, settings: Settings, loader: bool) -> dict[str, float]:
    """Add series the fakes know (the loader identifies and loads each), the first few as a
    warm-up; the latency of each of the others."""
    records = list(generated(WARM_UP + adds))
    latencies: list[float] = []
    async with SeriesApp.open(settings, loader=loader) as app:
        for record in records[:WARM_UP]:
            await app.add_series(record.title)
        started = time.perf_counter()
        for record in records[WARM_UP:]:
            year = record.start_date.year if record.start_date else None
            before = time.perf_counter()
            await app.add_series(record.title, year=year)
            latencies.append((time.perf_counter() - before) * 1000)
        elapsed = time.perf_counter() - started
    return {
        "p50_ms": round(percentile(latencies, 0.50), 3),
        "p99_ms": round(percentile(latencies, 0.99), 3),
        "max_ms": round(max(latencies), 3),
        "mean_ms": round(statistics.fmean(latencies), 3),
        "adds_per_second": round(adds / elapsed, 1),
    }


def settings_for(data_dir: Path, fakes: RemoteBundle) -> Settings:
    """The built-in providers at the fakes (no plugin packages loaded), data in ``data_dir``."""
    return Settings.load(env={"ANIWORLD_LOAD_ENTRY_POINTS": "0"},
                         overrides={**fakes.settings_overrides(), "data_dir": str(data_dir)})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--adds", type=int, default=1000)
    parser.add_argument("--backend", choices=["asyncio", "trio"], default="asyncio")
    args = parser.parse_args()
    with RemoteBundle(generated=WARM_UP + args.adds, latency=0.1,
                      rate_limit_scale=60) as fakes:
        with tempfile.TemporaryDirectory(prefix="aniworld-bench-") as tmp:
            alone = anyio.run(measure, args.adds, settings_for(Path(tmp), fakes), False,
                              backend=args.backend)
        with tempfile.TemporaryDirectory(prefix="aniworld-bench-") as tmp:
            loading = anyio.run(measure, args.adds, settings_for(Path(tmp), fakes), True,
                                backend=args.backend)
    print(json.dumps({
        "benchmark": "add_series", "database": "sqlite", "adds": args.adds,
        "backend": args.backend, **alone, "target_p99_ms": 5.0, "while_loading": loading,
    }))


if __name__ == "__main__":
    main()
