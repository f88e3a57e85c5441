"""A library of two shows and a downloads folder for the importer's tests."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import attrs

from aniworld_core import EpisodeInfo, Settings
from aniworld_core.downloads.importer import Importer
from aniworld_core.downloads.naming import Naming
from aniworld_core.library.paths import library_root_key
from aniworld_core.library.watch import WatchFunction, watch_with_notify
from aniworld_core.settings import DownloadSettings, WatchSettings
from aniworld_core.storage import Database
from aniworld_core.storage.library_store import LibraryStore
from aniworld_core.storage.series import NewSeries, SeriesStore

BEBOP = "[SubsPlease] Cowboy Bebop - 05 (1080p) [A1B2C3D4].mkv"
BEBOP_TARGET = "Season 01/Cowboy Bebop - S01E05 - Episode 5.mkv"


@attrs.define
class Setup:
    """A library with Cowboy Bebop (26 episodes) and Attack on Titan (25 + 12), a downloads
    folder, and what ``placed`` was told."""

    database: Database
    library: Path
    downloads: Path
    settings: Settings
    bebop: str
    titan: str
    placed: list[tuple[str, str]] = attrs.field(factory=list)

    def importer(self, mode: str = "move", *, settle: float = 1.0, recheck: float = 3600.0,
                 downloads: Path | None = None,
                 then: Callable[[str, str], None] | None = None,
                 watch: WatchFunction = watch_with_notify) -> Importer:
        settings = attrs.evolve(
            self.settings,
            downloads=DownloadSettings(import_folder=downloads or self.downloads,
                                       import_mode=mode),
            watch=WatchSettings(settle=settle, recheck=recheck))

        async def placed(series_id: str, target: str) -> None:
            self.placed.append((series_id, target))
            if then is not None:
                then(series_id, target)

        return Importer(self.database, settings, naming=Naming(), placed=placed,
                        watch_function=watch)

    def bebop_folder(self) -> Path:
        return self.library / "Cowboy Bebop (1998)"


def finished(path: Path, data: bytes = b"video data", *, age: float = 60.0) -> Path:
    """A finished download: written ``age`` seconds ago."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    then = time.time() - age
    os.utime(path, (then, then))
    return path


async def add_show(database: Database, library: Path, title: str, year: int,
                   seasons: list[int]) -> str:
    folder = f"{title} ({year})"
    (library / folder).mkdir(parents=True)
    series = await SeriesStore(database).add(NewSeries(
        title=title, year=year, folder=folder, library_root=library_root_key(library)))
    episodes, absolute = [], 0
    for season, count in enumerate(seasons, start=1):
        for number in range(1, count + 1):
            absolute += 1
            episodes.append(EpisodeInfo(number=number, season=season, absolute_number=absolute,
                                        title=f"Episode {number}"))
    await LibraryStore(database).save_provider_episodes(series.id, episodes)
    return series.id


async def make_setup(database: Database, tmp_path: Path) -> Setup:
    library, downloads = tmp_path / "library", tmp_path / "downloads"
    downloads.mkdir()
    bebop = await add_show(database, library, "Cowboy Bebop", 1998, [26])
    titan = await add_show(database, library, "Attack on Titan", 2013, [25, 12])
    settings = Settings(data_dir=tmp_path / "data", load_entry_points=False)
    return Setup(database, library, downloads, settings, bebop, titan)
