"""Watching a library of 2,000 series: how soon a dropped file is in the database, and what an
idle watched library costs.

    python benchmarks/watch.py [--series 2000] [--files 12] [--drops 100] [--gap 0.05]
                               [--idle 20] [--runs 5] [--backend asyncio|trio]

Each run builds ``series × files`` empty video files in a temp dir (at rest: folder times an hour
back), scans it into SQLite in-process, then starts the library watcher (``watch.settle`` at its
default) with no loading in the background. It drops ``drops`` new video files, one every
``gap`` seconds, into series folders picked at random, and times each from the moment its
write completed (the file closed) to the ``LibraryChanged`` event the watcher's scan publishes
after committing it (read back from the database to check). Then it measures the process's CPU
time (every thread) over ``idle`` seconds with nothing changing, watched, next to the same
process idle before watching began. Prints one JSON object: each run's figures and, over the
runs, min/median/max of each. Targets: latency p95 ≤ 2 s; idle CPU near zero.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import anyio

from aniworld_core import LibraryChanged, WatchSettings
from aniworld_core.events import EventHub, Subscription
from aniworld_core.library.paths import library_root_key
from aniworld_core.library.scan import Library
from aniworld_core.library.watch import LibraryWatcher
from aniworld_core.storage import Database
from aniworld_core.storage.library_store import LibraryStore


def build(root: Path, series: int, files: int) -> list[str]:
    """The library; the names of its series folders."""
    names = []
    for number in range(series):
        name = f"Series {number:04d} ({1990 + number % 35})"
        season = "Season 01/" if number % 10 == 9 else ""
        for episode in range(1, files + 1):
            path = root / name / f"{season}Series {number:04d} - {episode:02d} [1080p].mkv"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.touch()
        names.append(name)
    an_hour_ago = time.time() - 3600
    for folder, _, _ in os.walk(root):
        os.utime(folder, (an_hour_ago, an_hour_ago))
    return names


def drop(path: Path) -> float:
    """Write a small video file and close it; the moment it was complete."""
    with path.open("wb") as file:
        file.write(b"\0" * 4096)
    return time.perf_counter()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def idle_cpu(seconds: float) -> float:
    started = time.process_time()
    await anyio.sleep(seconds)
    return time.process_time() - started


async def detect(stream: Subscription, library: Library, written: dict[tuple[str, str], float],
                 latencies: dict[tuple[str, str], float], drops: int,
                 done: anyio.Event) -> None:
    """Note when each dropped file is committed: at the event that says its series changed,
    checked against the database."""
    async for event in stream:
        if not isinstance(event, LibraryChanged):
            continue
        seen_at = time.perf_counter()
        for series_id in event.series_ids:
            stored = {file.path for file in await library.store.files(series_id)}
            for key, at in list(written.items()):
                if key[0] == series_id and key[1] in stored and key not in latencies:
                    latencies[key] = seen_at - at
        if len(latencies) == drops:
            done.set()


async def one_run(number: int, args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="aniworld-watch-") as temp:
        root = Path(temp) / "library"
        names = await anyio.to_thread.run_sync(build, root, args.series, args.files)
        database = await Database.open(f"sqlite:///{temp}/bench.db")
        try:
            events = EventHub(max_buffer=1_000_000)
            library = Library(LibraryStore(database), events)
            await library.scan([root])
            key = library_root_key(root)
            ids = {name: known.series_id
                   for name, known in (await library.store.root_state(key)).items()}
            without_watching = await idle_cpu(args.idle)

            async def roots() -> list[Path]:
                return [root]

            watcher = LibraryWatcher(library, roots, WatchSettings())
            written: dict[tuple[str, str], float] = {}
            latencies: dict[tuple[str, str], float] = {}
            done = anyio.Event()
            async with anyio.create_task_group() as group, \
                    events.subscribe(snapshot=False) as stream:
                started = time.perf_counter()
                await group.start(watcher.run)
                watch_start = time.perf_counter() - started
                group.start_soon(detect, stream, library, written, latencies, args.drops, done)
                pick = random.Random(number)
                for drop_number in range(args.drops):
                    name = pick.choice(names)
                    relative = f"Series {names.index(name):04d} - {100 + drop_number} [1080p].mkv"
                    at = await anyio.to_thread.run_sync(drop, root / name / relative)
                    written[(ids[name], relative)] = at
                    await anyio.sleep(args.gap)
                with anyio.fail_after(120):
                    await done.wait()
                await anyio.sleep(2 * WatchSettings().settle)  # nothing left to settle
                watching = await idle_cpu(args.idle)
                group.cancel_scope.cancel()
        finally:
            await database.close()
    seconds = list(latencies.values())
    return {
        "latency_p50_s": round(percentile(seconds, 0.5), 3),
        "latency_p95_s": round(percentile(seconds, 0.95), 3),
        "latency_max_s": round(max(seconds), 3),
        "idle_cpu_s_watching": round(watching, 4),
        "idle_cpu_s_not_watching": round(without_watching, 4),
        "watch_start_s": round(watch_start, 3),
    }


def spread(runs: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    return {name: {"min": min(run[name] for run in runs),
                   "median": round(statistics.median(run[name] for run in runs), 4),
                   "max": max(run[name] for run in runs)} for name in runs[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--series", type=int, default=2000)
    parser.add_argument("--files", type=int, default=12)
    parser.add_argument("--drops", type=int, default=100)
    parser.add_argument("--gap", type=float, default=0.05)
    parser.add_argument("--idle", type=float, default=20.0)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--backend", choices=["asyncio", "trio"], default="asyncio")
    args = parser.parse_args()

    async def every_run() -> list[dict[str, Any]]:
        return [await one_run(number, args) for number in range(args.runs)]

    runs = anyio.run(every_run, backend=args.backend)
    print(json.dumps({
        "series": args.series, "files_per_series": args.files, "drops": args.drops,
        "gap_s": args.gap, "idle_s": args.idle, "settle_s": WatchSettings().settle,
        "backend": args.backend, "summary": spread(runs), "runs": runs,
    }, indent=2))


if __name__ == "__main__":
    main()
