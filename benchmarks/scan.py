"""Cold scan and warm rescan of a generated library, next to a bare ``os.walk`` of the same tree.

    python benchmarks/scan.py [--series 2000] [--files 50] [--backend asyncio|trio]

Builds ``series × files`` empty video files in a temp dir (fansub names with group, CRC,
resolution and ``v2`` tags, and ``Title - S01E05`` names in ``Season 01`` folders), then leaves
it at rest: folder times are set an hour back, as in a library nobody touched in the last
seconds. Measures, on SQLite in-process: ``os.walk`` (listing only), the cold scan (every folder
listed, every file stat'ed and parsed, series, files and episodes written), and a warm rescan
(nothing changed), with no loading in the background. Prints one JSON object. Targets: cold ≥
20,000 files/s, warm ≥ 200,000.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
import zlib
from pathlib import Path

import anyio

from aniworld_core import SeriesApp, Settings

WORDS = ("Kimi", "no", "Sora", "Hoshi", "Tensei", "Shita", "Ken", "Monogatari", "Yuusha",
         "Mahou", "Shoujo", "Academy", "Chronicle", "Blade", "Sekai", "Owari", "Eighty", "Six")
GROUPS = ("SubsPlease", "Erai-raws", "Judas", "EMBER", "ASW", "Anime Time")


def title_of(number: int) -> str:
    words = [WORDS[(number * 7 + i * 3) % len(WORDS)] for i in range(2 + number % 3)]
    return " ".join(words) + f" {number}"  # numbers in titles, like "86" or "Mob Psycho 100"


def file_name(title: str, series: int, episode: int) -> tuple[str, str]:
    """(folder below the series folder, file name) in one of the common release styles."""
    group = GROUPS[series % len(GROUPS)]
    crc = f"{zlib.crc32(f'{title}{episode}'.encode()):08X}"
    style = series % 10
    if style < 8:
        return "", f"[{group}] {title} - {episode:02d} (1080p) [{crc}].mkv"
    if style == 8:
        return "", f"[{group}] {title} - {episode:02d}v2 [BD 1080p x265 HEVC 10bit].mkv"
    return "Season 01", f"{title} - S01E{episode:02d} [1080p].mkv"


def build(root: Path, series: int, files: int) -> int:
    count = 0
    for number in range(series):
        title = title_of(number)
        base = root / f"{title} ({1990 + number % 35})"
        for episode in range(1, files + 1):
            sub, name = file_name(title, number, episode)
            folder = base / sub
            folder.mkdir(parents=True, exist_ok=True)
            (folder / name).touch()
            count += 1
    an_hour_ago = time.time() - 3600
    for folder, _, _ in os.walk(root):
        os.utime(folder, (an_hour_ago, an_hour_ago))
    return count


def walk(root: Path) -> int:
    return sum(len(names) for _, _, names in os.walk(root))


async def scans(root: Path, data_dir: Path) -> dict[str, object]:
    # Without background loading: the scan is measured, and the 2,000 series it queues must
    # not go to the real providers.
    async with SeriesApp.open(Settings(data_dir=data_dir, library=(root,)), loader=False) as app:
        started = time.perf_counter()
        cold = await app.scan()
        cold_seconds = time.perf_counter() - started
        started = time.perf_counter()
        warm = await app.scan()
        warm_seconds = time.perf_counter() - started
    return {
        "cold_seconds": round(cold_seconds, 3),
        "cold_files_found": cold.files_found,
        "cold_unrecognised": cold.files_unrecognised,
        "series_added": len(cold.series_added),
        "warm_seconds": round(warm_seconds, 4),
        "warm_folders_listed": warm.folders_listed,
        "warm_folders_unchanged": warm.folders_unchanged,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=2000)
    parser.add_argument("--files", type=int, default=50)
    parser.add_argument("--backend", choices=["asyncio", "trio"], default="asyncio")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="aniworld-bench-") as tmp:
        root = Path(tmp) / "library"
        total = build(root, args.series, args.files)
        started = time.perf_counter()
        walked = walk(root)
        walk_seconds = time.perf_counter() - started
        assert walked == total
        result = anyio.run(scans, root, Path(tmp) / "data", backend=args.backend)
    cold, warm = float(str(result["cold_seconds"])), float(str(result["warm_seconds"]))
    print(json.dumps({
        "benchmark": "scan",
        "database": "sqlite",
        "backend": args.backend,
        "series": args.series,
        "files": total,
        "os_walk_files_per_second": round(total / walk_seconds),
        "cold_files_per_second": round(total / cold),
        "warm_files_per_second": round(total / warm),
        **result,
        "target_cold_files_per_second": 20_000,
        "target_warm_files_per_second": 200_000,
    }))


if __name__ == "__main__":
    main()
