"""Series folder names: title, year and Jellyfin-style id hints; season folders."""

from __future__ import annotations

import pytest

from aniworld_core import ProviderIds
from aniworld_core.library.folders import parse_series_folder, season_of_folder
from aniworld_core.library.paths import series_folder_name


@pytest.mark.parametrize(
    ("name", "title", "year", "ids"),
    [
        ("Cowboy Bebop", "Cowboy Bebop", None, ProviderIds()),
        ("Cowboy Bebop (1998)", "Cowboy Bebop", 1998, ProviderIds()),
        ("Cowboy Bebop (1998) [anilistid-1]", "Cowboy Bebop", 1998, ProviderIds(anilist="1")),
        ("Frieren [tvdbid-424536] [tmdbid-209867] (2023)", "Frieren", 2023,
         ProviderIds(tvdb="424536", tmdb="209867")),
        ("Monster {imdb-tt0434706} [malid-19]", "Monster", None,
         ProviderIds(imdb="tt0434706", mal="19")),
        ("86 - Eighty Six (2021)", "86 - Eighty Six", 2021, ProviderIds()),
        ("(2019)", "(2019)", None, ProviderIds()),
        ("Akira (988)", "Akira (988)", None, ProviderIds()),
        ("Bad Hint [anilistid-abc]", "Bad Hint", None, ProviderIds()),
    ],
)
def test_series_folders(name: str, title: str, year: int | None, ids: ProviderIds) -> None:
    """The folder name gives the title, an optional (year) and the ids of valid hints."""
    folder = parse_series_folder(name)
    assert (folder.title, folder.year, folder.ids) == (title, year, ids)


def test_folder_names_aniworld_makes_read_back() -> None:
    """A folder aniworld names for a series reads back as that title and year."""
    folder = parse_series_folder(series_folder_name("Re:Zero", 2016))
    assert (folder.title, folder.year) == ("Re-Zero", 2016)


@pytest.mark.parametrize(
    ("name", "season"),
    [("Season 1", 1), ("Season 02", 2), ("season.3", 3), ("S04", 4), ("Staffel 5", 5),
     ("Specials", 0), ("Special", 0), ("Season 00", 0), ("OVA", 0), ("Extras", None),
     ("Bonus Season", None), ("2", None)],
)
def test_season_folders(name: str, season: int | None) -> None:
    """Season folders give their number; Specials is season 0; other folders none."""
    assert season_of_folder(name) == season
