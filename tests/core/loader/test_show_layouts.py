"""Shows with many seasons, laid out the ways people keep them, scanned on the real filesystem
and loaded against the fake AniList and Jikan: the missing list is what a person sees.

Episode numbers below are TVDB's (a split cour is one season), as the fake dataset records them.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import anyio
import pytest

from aniworld_core import LoadingStatus, ProviderRef, Series, SeriesApp, Settings
from tests.show_files import regular_seasons, touch

pytestmark = pytest.mark.anyio


async def load_library(settings: Settings) -> dict[str, Series]:
    """Scan the library root, wait until everything has loaded, and return the series by
    folder name."""
    async with SeriesApp.open(settings) as app:
        await app.scan()
        with anyio.fail_after(60):
            await app.wait_idle()
        return {series.folder or "": series for series in await app.list_series()}


async def missing(settings: Settings, series: Series) -> list[tuple[int, int]]:
    async with SeriesApp.open(settings, loader=False) as app:
        return [(e.season, e.number) for e in await app.missing_episodes(series.id)]


@pytest.fixture
def library(app_settings: Settings) -> Path:
    assert app_settings.library
    return app_settings.library[0]


async def test_season_folders_keep_each_season_apart(app_settings: Settings, library: Path,
                                                     fakes: Any) -> None:
    """`Season NN` folders with TVDB numbers: S02E05 left out is missing (not filled by a
    season-1 episode), later seasons nobody has are missing, and nothing else is."""
    seasons = regular_seasons(fakes, 16498)
    folder = library / "Attack on Titan (2013) [anilistid-16498]"
    touch(folder, [f"Season 01/Attack on Titan - S01E{n:02d}.mkv" for n in seasons[1]])
    touch(folder, [f"Season 02/Attack on Titan - S02E{n:02d}.mkv" for n in seasons[2]
                   if n != 5])
    (series,) = (await load_library(app_settings)).values()
    assert series.loading_status is LoadingStatus.COMPLETED, series.loading_error
    expected = [(2, 5)] + [(season, n) for season in sorted(seasons) if season > 2
                           for n in seasons[season]]
    assert await missing(app_settings, series) == expected
    async with SeriesApp.open(app_settings, loader=False) as app:
        shown = await app.seasons(series.id)
        assert await app.unplaced_files(series.id) == []
    assert [(s.number, s.listed, s.present) for s in shown] == [
        (number, len(numbers), len(numbers) - (1 if number == 2 else 0) if number <= 2 else 0)
        for number, numbers in sorted(seasons.items())]
    assert [len(s.entries) for s in shown] == [1, 1, 2, 2]  # split cours in seasons 3 and 4
    assert [e.ref.id for e in shown[2].entries] == ["99147", "104578"]
    assert shown[2].entries[1].offset == 12


async def test_a_later_season_never_fills_an_earlier_gap(app_settings: Settings,
                                                         library: Path, fakes: Any) -> None:
    """Jujutsu Kaisen with `Season 1` (episode 10 left out) and `Season 2`: season 1's gap stays
    missing, season 2's files are season 2's."""
    seasons = regular_seasons(fakes, 113415)
    folder = library / "Jujutsu Kaisen"
    touch(folder, [f"Season 1/[SubsPlease] Jujutsu Kaisen - {n:02d} (1080p).mkv"
                   for n in seasons[1] if n != 10])
    touch(folder, [f"Season 2/[SubsPlease] Jujutsu Kaisen - {n:02d} (1080p).mkv"
                   for n in seasons[2]])
    (series,) = (await load_library(app_settings)).values()
    assert series.loading_status is LoadingStatus.COMPLETED, series.loading_error
    assert await missing(app_settings, series) == [(1, 10)]


async def test_sxxeyy_names_in_one_folder(app_settings: Settings, library: Path,
                                          fakes: Any) -> None:
    """Mob Psycho 100 with `SxxEyy` names in one folder: S03E07 left out is the one missing."""
    seasons = regular_seasons(fakes, 21507)
    touch(library / "Mob Psycho 100", [
        f"Mob.Psycho.100.S{season:02d}E{n:02d}.1080p.WEB.x264-GRP.mkv"
        for season, numbers in seasons.items() for n in numbers if (season, n) != (3, 7)])
    (series,) = (await load_library(app_settings)).values()
    assert series.loading_status is LoadingStatus.COMPLETED, series.loading_error
    assert await missing(app_settings, series) == [(3, 7)]


async def test_absolute_numbers_run_across_seasons(app_settings: Settings, library: Path,
                                                   fakes: Any) -> None:
    """Haikyu!! numbered absolutely: `Haikyu!! - 30` is the second season's episode 5, and
    the one left out (31) is missing as S02E06."""
    seasons = regular_seasons(fakes, 20464)
    total = sum(len(numbers) for numbers in seasons.values())
    touch(library / "Haikyu!!", [f"[Erai-raws] Haikyu!! - {n:02d} [1080p].mkv"
                                 for n in range(1, total + 1) if n != 31])
    (series,) = (await load_library(app_settings)).values()
    assert series.loading_status is LoadingStatus.COMPLETED, series.loading_error
    assert await missing(app_settings, series) == [(2, 6)]
    async with SeriesApp.open(app_settings, loader=False) as app:
        linked = {(e.season, e.number): e.file_path for e in await app.episodes(series.id)}
    assert linked[(2, 5)] == "[Erai-raws] Haikyu!! - 30 [1080p].mkv"


async def test_a_split_cour_is_one_season(app_settings: Settings, library: Path,
                                          fakes: Any) -> None:
    """`Season 03` holds AniList's "Season 3" and "Season 3 Part 2": S03E13 is Part 2's
    first episode, and S03E15 left out is missing."""
    seasons = regular_seasons(fakes, 16498)
    folder = library / "Shingeki no Kyojin [anilistid-16498]"
    touch(folder, [f"Season {season:02d}/Shingeki no Kyojin - S{season:02d}E{n:02d}.mkv"
                   for season, numbers in seasons.items() for n in numbers
                   if (season, n) != (3, 15)])
    (series,) = (await load_library(app_settings)).values()
    assert await missing(app_settings, series) == [(3, 15)]
    async with SeriesApp.open(app_settings, loader=False) as app:
        episodes = {(e.season, e.number): e for e in await app.episodes(series.id)}
    part_two = episodes[(3, 13)]
    assert (part_two.entry and part_two.entry.id, part_two.entry_number) == ("104578", 1)


async def test_a_folder_of_one_entry_is_one_season(app_settings: Settings, library: Path,
                                                   fakes: Any) -> None:
    """"Attack on Titan Season 2" beside "Attack on Titan": each folder is its own show; the
    second's `S2 - 03` left out is missing there, and the first does not count season 2 as
    missing, since another folder holds it."""
    seasons = regular_seasons(fakes, 16498)
    touch(library / "Attack on Titan Season 2",
          [f"[Group] Attack on Titan S2 - {n:02d} [1080p].mkv" for n in seasons[2] if n != 3])
    touch(library / "Attack on Titan",
          [f"[Group] Attack on Titan - {n:02d} [1080p].mkv" for n in seasons[1]])
    loaded = await load_library(app_settings)
    second = loaded["Attack on Titan Season 2"]
    assert second.ids.anilist == "20958", second.loading_error
    assert await missing(app_settings, second) == [(1, 3)]
    first = loaded["Attack on Titan"]
    assert first.ids.anilist == "16498", first.loading_error
    assert (2, 1) not in await missing(app_settings, first)
    async with SeriesApp.open(app_settings, loader=False) as app:
        shown = await app.seasons(first.id)
    assert shown[1].entries[0].elsewhere == second.id


async def test_a_movie_folder_gets_a_movie_nfo(app_settings: Settings, library: Path) -> None:
    """A movie folder links its one file as the movie and gets `movie.nfo`, not
    `tvshow.nfo`."""
    folder = library / "Cowboy Bebop The Movie (2001) [anilistid-5]"
    touch(folder, ["Cowboy Bebop - Knockin' on Heaven's Door (2001) 1080p BluRay.mkv"])
    (series,) = (await load_library(app_settings)).values()
    assert series.loading_status is LoadingStatus.COMPLETED, series.loading_error
    assert await missing(app_settings, series) == []
    assert not (folder / "tvshow.nfo").exists()
    movie = ET.parse(folder / "movie.nfo").getroot()
    assert movie.tag == "movie"
    assert movie.findtext("title") == "Cowboy Bebop: The Movie"


async def test_nfos_carry_the_shows_seasons(app_settings: Settings, library: Path,
                                            fakes: Any) -> None:
    """Episode NFOs carry the show's season and number, each season folder gets a
    `season.nfo` of the entry that begins it, and `tvshow.nfo` names the seasons."""
    seasons = regular_seasons(fakes, 21507)
    folder = library / "Mob Psycho 100 [anilistid-21507]"
    touch(folder, [f"Season {season:02d}/Mob Psycho 100 - S{season:02d}E{n:02d}.mkv"
                   for season, numbers in seasons.items() for n in numbers])
    await load_library(app_settings)
    episode = ET.parse(folder / "Season 02" / "Mob Psycho 100 - S02E03.nfo").getroot()
    assert (episode.findtext("season"), episode.findtext("episode")) == ("2", "3")
    season = ET.parse(folder / "Season 03" / "season.nfo").getroot()
    assert season.findtext("seasonnumber") == "3"
    assert season.findtext("title") == "Mob Psycho 100 III"
    assert season.find("uniqueid[@type='anilist']") is not None
    show = ET.parse(folder / "tvshow.nfo").getroot()
    assert [(n.get("number"), n.text) for n in show.findall("namedseason")] == [
        ("1", "Mob Psycho 100"), ("2", "Mob Psycho 100 II"), ("3", "Mob Psycho 100 III")]
    assert (folder / "season03-poster.jpg").stat().st_size > 0


async def test_files_of_an_unknown_season_are_listed_with_the_reason(
        app_settings: Settings, library: Path, fakes: Any) -> None:
    """Frieren (one season known) with a `Season 02` folder: the show loads what it can, season
    1's gap is missing, and the season-2 files are listed as not placed, with why."""
    seasons = regular_seasons(fakes, 154587)
    folder = library / "Frieren [anilistid-154587]"
    touch(folder, [f"Season 01/Frieren - S01E{n:02d}.mkv" for n in seasons[1] if n != 4])
    touch(folder, ["Season 02/Frieren - S02E01.mkv", "Season 02/Frieren - S02E02.mkv"])
    (series,) = (await load_library(app_settings)).values()
    assert series.loading_status is LoadingStatus.COMPLETED, series.loading_error
    assert await missing(app_settings, series) == [(1, 4)]
    async with SeriesApp.open(app_settings, loader=False) as app:
        unplaced = await app.unplaced_files(series.id)
    assert [(u.path, u.reason) for u in unplaced] == [
        (f"Season 02/Frieren - S02E0{n}.mkv", "it names season 2, but only season 1 is known")
        for n in (1, 2)]


async def test_the_users_choice_stays_through_refresh_rescan_and_restart(
        app_settings: Settings, library: Path, fakes: Any) -> None:
    """A folder the user identified as the second season keeps that choice when it is
    refreshed, rescanned and the app restarted: one season, the second's episodes."""
    touch(library / "AoT", [f"[Group] AoT - {n:02d}.mkv" for n in range(1, 13)])
    async with SeriesApp.open(app_settings) as app:
        await app.scan()
        with anyio.fail_after(60):
            await app.wait_idle()
        (series,) = await app.list_series()
        await app.identify(series.id, ProviderRef("anilist", "20958"))
        with anyio.fail_after(60):
            await app.wait_idle()
        await app.refresh_series(series.id)
        with anyio.fail_after(60):
            await app.wait_idle()
        await app.scan()
    async with SeriesApp.open(app_settings) as app:
        with anyio.fail_after(60):
            await app.wait_idle()
        again = await app.get_series(series.id)
        shown = await app.seasons(series.id)
    assert again.ids.anilist == "20958"
    assert [(s.number, [e.ref.id for e in s.entries], s.present) for s in shown] == [
        (1, ["20958"], 12)]


async def test_nothing_is_written_into_a_folder_it_could_not_identify(
        app_settings: Settings, library: Path) -> None:
    """A folder whose name matches nothing confidently fails asking the user, and nothing is
    written into it: no NFO, no artwork."""
    folder = library / "Completely Unknown Show Nobody Made"
    touch(folder, ["Completely Unknown Show Nobody Made - 01.mkv"])
    (series,) = (await load_library(app_settings)).values()
    assert series.loading_status is LoadingStatus.FAILED
    assert (series.loading_error or "").startswith("Identify:")
    assert sorted(p.name for p in folder.iterdir()) == [
        "Completely Unknown Show Nobody Made - 01.mkv"]


# One name per entry: a second folder of the same entry asks which it is (an id belongs to one
# series), see tests/core/loader/test_duplicates.py.
IDENTIFIED = {
    "Demon Slayer": "101922",
    "86": "116589",
    "Code Geass": "1575",
    "Vinland.Saga.S01.1080p.BluRay.x264-GROUP": "101348",
    "葬送のフリーレン": "154587",
    "Tokyo Ghoul √A": "20850",
    "Code Geass R2": "2904",
    "Made in Abyss Season 2": "114922",  # no AniList title says "Season 2": counted
    "Attack on Titan Season 4": "110277",  # "The Final Season" and its Part 2: season 4
}


async def test_short_scene_and_sequel_folder_names_are_identified(app_settings: Settings,
                                                                  library: Path) -> None:
    """Short, scene-style, Japanese and sequel folder names are identified through the loader,
    each as its own entry (a sequel never as its first season); a scene name that names
    season 1 is that season alone."""
    for name in IDENTIFIED:
        touch(library / name, [f"{name} - 01.mkv"])
    loaded = await load_library(app_settings)
    assert {name: loaded[name].ids.anilist for name in IDENTIFIED} == IDENTIFIED
    async with SeriesApp.open(app_settings, loader=False) as app:
        vinland = await app.seasons(loaded["Vinland.Saga.S01.1080p.BluRay.x264-GROUP"].id)
        geass = await app.seasons(loaded["Code Geass"].id)
    assert [[e.ref.id for e in s.entries] for s in vinland] == [["101348"]]
    assert [[e.ref.id for e in s.entries] for s in geass] == [["1575"], ["2904"]]
