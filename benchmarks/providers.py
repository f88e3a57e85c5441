"""Requests per series at each provider when loading SERIES series whose AniList ids are known.

    python benchmarks/providers.py [--series 500]

Prints one JSON object. Target: AniList calls per series <= 1/40 (metadata for 50 series per
request). The fakes run in their own process with the real limits scaled 60x and no latency,
so this measures batching, not speed (see ``benchmarks/loader.py`` for that).
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import anyio

from aniworld_core import SeriesApp, Settings
from aniworld_testing import GENERATED_START_ID, RemoteBundle, generated


async def load(settings: Settings, folders: list[str]) -> int:
    root = settings.library[0]
    for name in folders:
        folder = root / name
        folder.mkdir()
        (folder / "[Group] Episode - 01 [1080p].mkv").touch()
    async with SeriesApp.open(settings) as app:
        await app.scan()
        await app.wait_idle()
        return sum(1 for s in await app.list_series() if s.loading_status.value == "completed")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=500)
    args = parser.parse_args()
    folders = [f"{record.title} [anilistid-{record.anilist_id}]"
               for record in generated(args.series, start_id=GENERATED_START_ID)]
    with RemoteBundle(generated=args.series, rate_limit_scale=60) as fakes, \
            tempfile.TemporaryDirectory(prefix="aniworld-bench-") as tmp:
        (Path(tmp) / "library").mkdir()
        settings = Settings.load(env={"ANIWORLD_LOAD_ENTRY_POINTS": "0"}, overrides={
            **{k: v for k, v in fakes.settings_overrides().items()
               if k.split(".")[1] in ("anilist", "jikan")},
            "data_dir": str(Path(tmp) / "data"), "library": [str(Path(tmp) / "library")],
        })
        completed = anyio.run(load, settings, folders)
        requests = {name: fakes.stats(name).count for name in ("anilist", "jikan", "images")}
    print(json.dumps({
        "benchmark": "providers", "series": args.series, "completed": completed,
        "requests": requests,
        "calls_per_series": {name: round(count / args.series, 4)
                             for name, count in requests.items()},
        "target_anilist_calls_per_series": round(1 / 40, 4),
    }))


if __name__ == "__main__":
    main()
