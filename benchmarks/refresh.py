"""The library-wide refresh: what it costs the providers to keep a loaded library current.

    python benchmarks/refresh.py [--series 500] [--changed 10] [--runs 5]

Loads SERIES generated series (AniList ids known, from a scanned library) against the fake
AniList and Jikan (their rate limits scaled 60x), then runs the ``refresh`` schedule twice per
run: with nothing changed, and after CHANGED series got a new episode at both providers. Prints
one JSON object: requests per provider for each refresh (min / median / max over the runs;
requests do not depend on the machine, the wall time does), and the requests the changed
series need on their own (AniList: their metadata and chains, batched; Jikan: one per 100
episodes of each changed entry that has no stream titles).

Targets: unchanged <= 11 AniList requests and 0 Jikan requests; changed: AniList <= 11 plus
what the changed series need, Jikan exactly what they need.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import anyio
import attrs

from aniworld_core import SeriesApp, Settings
from aniworld_testing import GENERATED_START_ID, Dataset, FakeBundle, generated
from aniworld_testing.dataset import SeriesRecord

SCALE = 60
PROVIDERS = ("anilist", "jikan", "images")


def make_library(root: Path, records: Sequence[SeriesRecord]) -> None:
    """One folder per series, named with an AniList id hint, with one episode file."""
    for record in records:
        folder = root / f"{record.title} [anilistid-{record.anilist_id}]"
        folder.mkdir(parents=True)
        (folder / f"[Group] {record.title} - 01 [1080p].mkv").touch()


def one_more_episode(record: SeriesRecord) -> SeriesRecord:
    """The record a week later with one more episode aired (and planned)."""
    return attrs.evolve(
        record, aired_episodes=record.aired_episodes + 1,
        episodes=None if record.episodes is None else record.episodes + 1,
        end_date=None if record.end_date is None else record.end_date + dt.timedelta(weeks=1))


def jikan_pages(record: SeriesRecord) -> int:
    if record.streamed_episodes >= record.aired_episodes > 0:
        return 0
    return max(1, math.ceil(record.aired_episodes / 100))


def serve(bundle: FakeBundle, dataset: Dataset) -> None:
    for fake in bundle.fakes.values():
        fake.service.dataset = dataset


def counts(bundle: FakeBundle) -> dict[str, int]:
    return {name: bundle.fakes[name].stats.count for name in PROVIDERS}


async def refresh(app: SeriesApp, bundle: FakeBundle) -> tuple[dict[str, int], float]:
    """Run the refresh schedule and everything it queues; the requests it cost and seconds."""
    bundle.reset()
    started = time.perf_counter()
    await app.jobs.run_schedule("refresh")
    await app.wait_idle()
    return counts(bundle), time.perf_counter() - started


async def one_run(workdir: Path, series: int, changed: int) -> dict[str, Any]:
    records = generated(series)
    bundle = FakeBundle(Dataset(records), rate_limit_scale=SCALE)
    with bundle:
        library = workdir / "library"
        library.mkdir()
        make_library(library, records)
        settings = Settings.load(env={"ANIWORLD_LOAD_ENTRY_POINTS": "0"}, overrides={
            **bundle.settings_overrides(), "data_dir": str(workdir / "data"),
            "library": [str(library)], "providers.tvmaze.enabled": False,
            "providers.tmdb.enabled": False, "providers.fanart.enabled": False,
            "watch.enabled": False})
        async with SeriesApp.open(settings) as app:
            await app.scan()
            await app.wait_idle()
            unchanged, unchanged_s = await refresh(app, bundle)
            chosen = {record.anilist_id for record in records[::max(1, series // changed)]
                      [:changed]}
            newer = [one_more_episode(r) if r.anilist_id in chosen else r for r in records]
            serve(bundle, Dataset(newer))
            after, after_s = await refresh(app, bundle)
            failed = [s.title for s in await app.list_series()
                      if s.loading_status.value != "completed"]
    need = {"anilist_batches": math.ceil(changed / 50),
            "jikan": sum(jikan_pages(r) for r in newer if r.anilist_id in chosen)}
    return {"unchanged": unchanged, "unchanged_s": unchanged_s, "changed": after,
            "changed_s": after_s, "need": need, "failed": failed}


def spread(values: Sequence[float]) -> dict[str, float]:
    return {"min": round(min(values), 3), "median": round(statistics.median(values), 3),
            "max": round(max(values), 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=500)
    parser.add_argument("--changed", type=int, default=10)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    runs = []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory(prefix="aniworld-refresh-") as tmp:
            runs.append(anyio.run(one_run, Path(tmp), args.series, args.changed))
    first = runs[0]
    print(json.dumps({
        "series": args.series, "changed_series": args.changed, "runs": args.runs,
        "limits_scaled": SCALE, "generated_from": GENERATED_START_ID,
        "unchanged_requests": {name: spread([r["unchanged"][name] for r in runs])
                               for name in PROVIDERS},
        "changed_requests": {name: spread([r["changed"][name] for r in runs])
                             for name in PROVIDERS},
        "changed_need": first["need"],
        "unchanged_s": spread([r["unchanged_s"] for r in runs]),
        "changed_s": spread([r["changed_s"] for r in runs]),
        "not_completed": sorted({title for r in runs for title in r["failed"]}),
        "targets": {"unchanged": {"anilist": 11, "jikan": 0},
                    "changed": {"anilist": "<= 11 + what the changed need",
                                "jikan": first["need"]["jikan"]}},
    }), flush=True)


if __name__ == "__main__":
    main()
