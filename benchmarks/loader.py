"""The background loader against fake AniList, Jikan and an image host.

    python benchmarks/loader.py [--series 500] [--parts ids,original,titles,seasons,memory,startup]

Prints one JSON object per part (one per line):

- ``ids``: SERIES series whose AniList ids are known, every fake with 100 ms latency and the real
  rate limits scaled 60x (AniList 30 requests/s, Jikan 60/s). The bound is the larger of, per
  provider, the fewest requests the work needs divided by the provider's rate. Targets: wall
  time / bound <= 1.15, zero 429s. Also: AniList calls per series (target <= 1/40), and
  ``file_create_us``, what creating a file cost on this machine just before (a run right after
  another, on a file system still busy with its deletions, is slower for that alone), and
  ``frozen_objects``: what the process had imported, kept out of full garbage collections as
  the ``aniworld`` command keeps it.
- ``original``: the first 50 of those series loaded the way the original design did (one
  worker doing one thing at a time: one series at a time, one series per metadata request, its
  images one after another; our loader with concurrency 1, batching off and one download per
  series).
  Target: ours >= 20x more series per second.
- ``titles``: the same series added by title only, so identification needs searches (no target).
- ``seasons``: every multi-season show of the fake catalogue as one folder with ``Season NN``
  folders and every episode's file: the requests a multi-season show costs. AniList walks each
  chain one batched request per step (shared by all shows); Jikan gets one request per season
  entry and page of 100 episodes, but for entries whose AniList answer carries every episode's
  stream title (``jikan_expected``). Also checks nothing is missing
  (``missing``, target 0) and no file is left unplaced.
- ``memory``: extra memory (RSS) of this process while loading from 10,000 queued series
  (target <= 50 MB).
- ``startup``: time from ``SeriesApp.open()`` to ready with 10,000 incomplete series in the
  database (target < 1 s).

The fakes run in processes of their own (as real servers run on other machines), Jikan apart from
AniList and the image host, so their rate limiting and request records are not disturbed by this
process's work or by each other's.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import gc
import json
import math
import os
import resource
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import anyio
import attrs
import sqlalchemy as sa

from aniworld_core import SeriesApp, Settings
from aniworld_core.storage.engine import open_engine
from aniworld_core.storage.job_tables import JobRow, new_job_values
from aniworld_core.storage.load_queue import SERIES_LOAD, load_key
from aniworld_core.storage.migrate import upgrade
from aniworld_core.storage.tables import SeriesRow
from aniworld_testing import GENERATED_START_ID, RemoteBundle, RequestStats, generated

LATENCY = 0.1
SCALE = 60
RATES = {"anilist": 30 * SCALE / 60, "jikan": 60 * SCALE / 60}  # binding windows, per second
ANILIST_BATCH = 50


@attrs.define
class Fakes:
    """The fake services, as on separate machines: Jikan in a process of its own, AniList and
    the image host in another. In one process AniList's GraphQL work (tens of ms per batch of
    50) held back Jikan's arrival stamps, and the stamps decide its 429s."""

    main: RemoteBundle
    jikan_host: RemoteBundle

    def bundle(self, name: str) -> RemoteBundle:
        return self.jikan_host if name == "jikan" else self.main

    def settings_overrides(self) -> dict[str, Any]:
        return {key: value for name in ("anilist", "jikan")
                for key, value in self.bundle(name).settings_overrides().items()
                if key.split(".")[1] == name}

    def stats(self, name: str) -> RequestStats:
        return self.bundle(name).stats(name)

    def reset(self) -> None:
        self.main.reset()
        self.jikan_host.reset()

    def cpu_seconds(self) -> float:
        return self.main.cpu_seconds() + self.jikan_host.cpu_seconds()


@contextlib.contextmanager
def part_dir(workdir: Path) -> Iterator[str]:
    """A fresh directory for one part under the run's ``workdir``. Nothing is deleted until
    the run ends: on some file systems (ext4 without a journal) creating files right after
    thousands were deleted costs up to ten times as much, and one part's clean-up would be
    charged to the next."""
    yield tempfile.mkdtemp(dir=workdir)


def file_create_us(folder: Path, count: int = 200) -> float:
    """Microseconds this file system takes to create an empty file here and now (a reading of
    the machine, reported beside the figures; the files stay until the run ends)."""
    probe = Path(tempfile.mkdtemp(dir=folder))
    started = time.perf_counter()
    for n in range(count):
        (probe / str(n)).touch()
    return round((time.perf_counter() - started) / count * 1e6, 1)


def process_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def settings_for(fakes: Fakes, workdir: Path, **loader: Any) -> Settings:
    library = workdir / "library"
    library.mkdir(parents=True, exist_ok=True)
    overrides = {
        **fakes.settings_overrides(),
        "data_dir": str(workdir / "data"),
        "library": [str(library)],
        "providers.tvmaze.enabled": False,
        "providers.tmdb.enabled": False,
        "providers.fanart.enabled": False,
        **{f"loader.{key}": value for key, value in loader.items()},
    }
    return Settings.load(env={"ANIWORLD_LOAD_ENTRY_POINTS": "0"}, overrides=overrides)


def requests_needed(series_ids: Sequence[int]) -> dict[str, int]:
    """The fewest requests loading these series needs, per provider."""
    records = {record.anilist_id: record for record in generated(max(series_ids)
                                                                 - GENERATED_START_ID + 1)}
    return {"anilist": math.ceil(len(series_ids) / ANILIST_BATCH),
            "jikan": sum(jikan_pages(records[n]) for n in series_ids)}


def jikan_pages(record: Any) -> int:
    """Jikan requests an entry's episode list needs: none when AniList's answer carries a
    stream title for every aired episode, else one per 100 episodes."""
    if record.streamed_episodes >= record.aired_episodes > 0:
        return 0
    return max(1, math.ceil(record.aired_episodes / 100))


def request_counts(fakes: Fakes) -> dict[str, dict[str, int]]:
    counts = {}
    for name in ("anilist", "jikan", "images"):
        stats = fakes.stats(name)
        counts[name] = {"requests": stats.count, "429s": stats.count_429}
    return counts


async def load(settings: Settings, add: Callable[[SeriesApp], Any]) -> float:
    """Open the app, add the series, wait until idle; returns the seconds from the first add."""
    elapsed, asked = await load_asking(settings, add)
    if asked:
        raise SystemExit(f"{asked} series asked which entry they are")
    return elapsed


async def load_asking(settings: Settings, add: Callable[[SeriesApp], Any]) -> tuple[float, int]:
    """As :func:`load`, but series that ask which entry they are (two titles almost alike)
    are counted, not an error: the seconds from the first add, and how many asked."""
    async with SeriesApp.open(settings) as app:
        started = time.perf_counter()
        await add(app)
        await app.wait_idle()
        elapsed = time.perf_counter() - started
        unfinished = [s for s in await app.list_series()
                      if s.loading_status.value != "completed"]
    failed = [s.loading_error for s in unfinished if not s.needs_choice]
    if failed:
        raise SystemExit(f"{len(failed)} series did not complete, e.g. {failed[0]}")
    return elapsed, len(unfinished)


def make_library(root: Path, ids: Sequence[int]) -> None:
    """One folder per series, named with an AniList id hint, with two episode files."""
    titles = {record.anilist_id: record.title for record in generated(len(ids))}
    for anilist_id in ids:
        folder = root / f"{titles[anilist_id]} [anilistid-{anilist_id}]"
        folder.mkdir(parents=True)
        for episode in (1, 2):
            (folder / f"[Group] {titles[anilist_id]} - {episode:02d} [1080p].mkv").touch()


async def by_scan(app: SeriesApp) -> None:
    """Register the series as after a scan with id hints (the library is made beforehand)."""
    await app.scan()


def by_titles(titles: Sequence[str]) -> Callable[[SeriesApp], Any]:
    async def add(app: SeriesApp) -> None:
        for title in titles:
            await app.add_series(title)
    return add


def part_ids(fakes: Fakes, workdir: Path, series: int) -> dict[str, Any]:
    ids = [GENERATED_START_ID + n for n in range(series)]
    needed = requests_needed(ids)
    bound = max(needed[name] / RATES[name] for name in needed)
    fakes.reset()
    cpu_before, fakes_before = process_cpu(), fakes.cpu_seconds()
    with part_dir(workdir) as tmp:
        settings = settings_for(fakes, Path(tmp))
        make_library(settings.library[0], ids)
        wall = anyio.run(load, settings, by_scan)
    cpu = {"aniworld_s": round(process_cpu() - cpu_before, 2),
           "fake_servers_s": round(fakes.cpu_seconds() - fakes_before, 2),
           "cores": os.cpu_count()}
    counts = request_counts(fakes)
    return {
        "part": "ids", "series": series, "latency_s": LATENCY, "limits_scaled": SCALE,
        "wall_s": round(wall, 2), "bound_s": round(bound, 2), "ratio": round(wall / bound, 3),
        "requests_needed": needed, "requests": counts,
        "anilist_calls_per_series": round(counts["anilist"]["requests"] / series, 4),
        "jikan_calls_per_series": round(counts["jikan"]["requests"] / series, 4),
        "series_per_s": round(series / wall, 1), "cpu": cpu,
        "targets": {"ratio": 1.15, "429s": 0, "anilist_calls_per_series": 1 / 40},
    }


def part_original(fakes: Fakes, workdir: Path, ours_series_per_s: float) -> dict[str, Any]:
    ids = [GENERATED_START_ID + n for n in range(50)]
    fakes.reset()
    with part_dir(workdir) as tmp:
        settings = settings_for(fakes, Path(tmp), concurrency=1, batching=False,
                                downloads_per_series=1)
        # Registered as ours are (a scan with id hints). Added by hand they would count as
        # user work, which may overtake the one running series: two at a time, not one.
        make_library(settings.library[0], ids)
        wall = anyio.run(load, settings, by_scan)
    original = len(ids) / wall
    return {
        "part": "original", "series": len(ids), "wall_s": round(wall, 2),
        "series_per_s": round(original, 2), "ours_series_per_s": ours_series_per_s,
        "speedup": round(ours_series_per_s / original, 1), "requests": request_counts(fakes),
        "target_speedup": 20,
    }


def part_titles(fakes: Fakes, workdir: Path, series: int) -> dict[str, Any]:
    titles = [record.title for record in generated(series)]
    fakes.reset()
    with part_dir(workdir) as tmp:
        wall, asked = anyio.run(load_asking, settings_for(fakes, Path(tmp)),
                                by_titles(titles))
    counts = request_counts(fakes)
    # The generated titles include pairs a letter apart ("Last ... Horizon" and "Lost ...
    # Horizon"): identification asks about those rather than guess.
    return {"part": "titles", "series": series, "wall_s": round(wall, 2),
            "series_per_s": round(series / wall, 1), "asked": asked, "requests": counts}


def seed_incomplete(settings: Settings, count: int) -> None:
    """``count`` queued series with known AniList ids (and their load jobs), written straight
    to the database."""
    engine = open_engine(settings.resolved_database_url)
    try:
        upgrade(engine)
        stamp = dt.datetime.now(dt.UTC)
        rows = []
        for n in range(count):
            rows.append({
                "id": str(uuid.uuid4()), "title": f"Generated Series {n}",
                "anilist_id": str(GENERATED_START_ID + n), "extra_ids": {},
                "loading_status": "pending", "episodes_loaded": False, "nfo_loaded": False,
                "logo_loaded": False, "images_loaded": False, "created_at": stamp,
                "updated_at": stamp,
            })
        with engine.begin() as connection:
            connection.execute(sa.insert(SeriesRow), rows)
            connection.execute(sa.insert(JobRow), [
                new_job_values(SERIES_LOAD, key=load_key(row["id"]), priority=10, now=stamp,
                               payload={"series_id": row["id"]}) for row in rows])
    finally:
        engine.dispose()


def part_memory_and_startup(fakes: Fakes, workdir: Path, series: int, load_seconds: float
                            ) -> list[dict[str, Any]]:
    fakes.reset()
    with part_dir(workdir) as tmp:
        settings = settings_for(fakes, Path(tmp))
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        seed_incomplete(settings, series)

        async def run() -> tuple[float, int, int, int]:
            baseline = rss_bytes()
            peak = baseline
            started = time.perf_counter()
            async with SeriesApp.open(settings) as app:
                ready = time.perf_counter() - started
                with anyio.move_on_after(load_seconds):
                    while True:
                        peak = max(peak, rss_bytes())
                        await anyio.sleep(0.05)
                done = (await app.metrics()).completed
            return ready, baseline, peak, done

        ready, baseline, peak, done = anyio.run(run)
    return [
        {"part": "memory", "queued_series": series, "loaded_for_s": load_seconds,
         "completed_meanwhile": done, "baseline_rss_mb": round(baseline / 2**20, 1),
         "extra_rss_mb": round((peak - baseline) / 2**20, 1), "target_extra_mb": 50},
        {"part": "startup", "incomplete_series": series, "ready_s": round(ready, 3),
         "target_s": 1.0},
    ]


def make_show_library(root: Path) -> dict[str, Any]:
    """One folder per multi-season show of the catalogue, every episode present, numbered as
    TVDB numbers it; returns what loading them should cost Jikan."""
    from aniworld_testing import Dataset

    dataset = Dataset.default()
    shows = {dataset.show_of(record).tvdb_id: dataset.show_of(record) for record in dataset
             if dataset.show_of(record) is not None}
    made, entries, pages = 0, 0, 0
    for show in shows.values():
        tv = [entry for entry in show.entries if entry.format in ("TV", "TV_SHORT", "ONA")]
        if len(tv) < 2:
            continue
        made += 1
        entries += len(tv)
        pages += sum(jikan_pages(entry) for entry in tv)
        folder = root / f"{show.name} [anilistid-{tv[0].anilist_id}]"
        for episode in show.episodes():
            if episode.entry.format not in ("TV", "TV_SHORT", "ONA"):
                continue
            path = folder / f"Season {episode.season:02d}" / (
                f"{show.name} - S{episode.season:02d}E{episode.number:02d}.mkv")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.touch()
    return {"shows": made, "season_entries": entries, "jikan_expected": pages}


async def load_shows(settings: Settings) -> tuple[float, int, int, int]:
    """Scan and load; returns the wall time, episodes missing, files left unplaced and
    episode titles that differ from MyAnimeList's (what the NFO files say)."""
    from aniworld_testing import Dataset

    dataset = Dataset.default()
    async with SeriesApp.open(settings) as app:
        started = time.perf_counter()
        await app.scan()
        await app.wait_idle()
        elapsed = time.perf_counter() - started
        missing = unplaced = titles_differ = 0
        for series in await app.list_series():
            if series.loading_status.value != "completed":
                raise SystemExit(f"{series.title}: {series.loading_error}")
            missing += len(await app.missing_episodes(series.id))
            unplaced += len(await app.unplaced_files(series.id))
            for episode in await app.episodes(series.id):
                record = dataset.by_anilist(int(episode.entry.id)) if episode.entry else None
                if record is not None and episode.entry_number is not None and (
                        episode.title != record.episode(episode.entry_number).title):
                    titles_differ += 1
    return elapsed, missing, unplaced, titles_differ


def part_seasons(fakes: Fakes, workdir: Path) -> dict[str, Any]:
    fakes.reset()
    with part_dir(workdir) as tmp:
        settings = settings_for(fakes, Path(tmp))
        expected = make_show_library(settings.library[0])
        wall, missing, unplaced, titles_differ = anyio.run(load_shows, settings)
    counts = request_counts(fakes)
    return {"part": "seasons", **expected, "wall_s": round(wall, 2), "requests": counts,
            "jikan_per_show": round(counts["jikan"]["requests"] / expected["shows"], 2),
            "missing": missing, "unplaced": unplaced, "titles_differ": titles_differ,
            "targets": {"jikan": expected["jikan_expected"], "429s": 0, "missing": 0,
                        "titles_differ": 0}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=500)
    parser.add_argument("--parts", default="ids,original,titles,seasons,memory,startup")
    parser.add_argument("--memory-series", type=int, default=10_000)
    parser.add_argument("--memory-seconds", type=float, default=20.0)
    args = parser.parse_args()
    # As the aniworld command does as it starts (aniworld_cli.main): what is imported by now
    # is out of the garbage collector's full collections.
    gc.freeze()
    parts = set(args.parts.split(","))
    generated_count = max(args.series, args.memory_series if parts & {"memory", "startup"}
                          else 0)
    # This process is the client; the servers get the CPU first, as on separate machines.
    with RemoteBundle(generated=generated_count, latency=LATENCY, rate_limit_scale=SCALE) as main, \
            RemoteBundle(generated=generated_count, latency=LATENCY,
                         rate_limit_scale=SCALE) as jikan_host, \
            tempfile.TemporaryDirectory(prefix="aniworld-bench-") as tmp:
        workdir = Path(tmp)
        fakes = Fakes(main, jikan_host)
        os.nice(5)
        ours = None
        if "ids" in parts:
            create_us = file_create_us(workdir)
            result = part_ids(fakes, workdir, args.series)
            result["file_create_us"] = create_us
            result["frozen_objects"] = gc.get_freeze_count()
            ours = result["series_per_s"]
            print(json.dumps(result), flush=True)
        if "original" in parts:
            if ours is None:
                raise SystemExit("the original comparison needs the ids part")
            print(json.dumps(part_original(fakes, workdir, ours)), flush=True)
        if "titles" in parts:
            print(json.dumps(part_titles(fakes, workdir, args.series)), flush=True)
        if "seasons" in parts:
            print(json.dumps(part_seasons(fakes, workdir)), flush=True)
        if parts & {"memory", "startup"}:
            for result in part_memory_and_startup(fakes, workdir, args.memory_series,
                                                  args.memory_seconds):
                if result["part"] in parts:
                    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
