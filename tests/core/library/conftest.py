"""Metadata to write and series folders to write it into."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from aniworld_core import (
    Artwork,
    ArtworkKind,
    Episode,
    ProviderIds,
    ProviderRef,
    SeriesApp,
    SeriesInfo,
)
from aniworld_core.storage import Database
from aniworld_core.storage.library_store import LibraryStore

SERIES_ID = "00000000-0000-4000-8000-000000000001"


@pytest.fixture
def info() -> SeriesInfo:
    """Series metadata as a provider returns it, with every field the NFO writer uses."""
    return SeriesInfo(
        ref=ProviderRef("anilist", "1"),
        title="Cowboy Bebop",
        original_title="カウボーイビバップ",
        plot="In 2071, the bounty hunters Spike & Jet <chase> \"criminals\".",
        premiered=dt.date(1998, 4, 3),
        year=1998,
        status="FINISHED",
        genres=("Action", "Sci-Fi"),
        studios=("Sunrise",),
        rating=8.6,
        votes=170000,
        season_names=((1, "Session"),),
        ids=ProviderIds(anilist="1", mal="1"),
        artwork=(
            Artwork(ArtworkKind.POSTER, "https://img.example/poster.jpg"),
            Artwork(ArtworkKind.FANART, "https://img.example/fanart.jpg"),
            Artwork(ArtworkKind.CLEARLOGO, "https://img.example/logo.png"),
            Artwork(ArtworkKind.SEASON_POSTER, "https://img.example/s1.jpg", season=1),
        ),
    )


@pytest.fixture
def ids() -> ProviderIds:
    """The ids stored on the series (the TVDB id came from a folder hint)."""
    return ProviderIds(anilist="1", tvdb="76885")


def episode(number: int, file_path: str | None, *, season: int = 1,
            title: str | None = None) -> Episode:
    return Episode(series_id=SERIES_ID, season=season, number=number, title=title,
                   air_date=dt.date(1998, 4, 3) + dt.timedelta(weeks=number - 1),
                   plot=f"Plot of episode {number}.", file_path=file_path)


@pytest.fixture
def make_episode() -> Callable[..., Episode]:
    """Build an episode: ``make_episode(number, file_path, season=1, title=None)``."""
    return episode


@pytest.fixture
async def store(app: SeriesApp, database_url: str) -> AsyncIterator[LibraryStore]:
    """The library store on the app's database, as the loader uses it."""
    database = await Database.open(database_url)
    try:
        yield LibraryStore(database)
    finally:
        await database.close()


@pytest.fixture
def series_dir(tmp_path: Path) -> Path:
    """A series folder with three episode files (one in a season folder)."""
    folder = tmp_path / "library" / "Cowboy Bebop (1998)"
    (folder / "Season 01").mkdir(parents=True)
    for name in ("Cowboy Bebop - 01.mkv", "Cowboy Bebop - 02-03.mkv",
                 "Season 01/Cowboy Bebop - 04.mkv"):
        (folder / name).write_bytes(b"video")
    return folder


@pytest.fixture
def episodes() -> list[Episode]:
    """Present episodes (one file holds two) and one missing."""
    return [
        episode(1, "Cowboy Bebop - 01.mkv", title="Asteroid Blues"),
        episode(2, "Cowboy Bebop - 02-03.mkv", title="Stray Dog Strut"),
        episode(3, "Cowboy Bebop - 02-03.mkv", title="Honky Tonk Women"),
        episode(4, "Season 01/Cowboy Bebop - 04.mkv"),
        episode(5, None, title="Gateway Shuffle"),
    ]
