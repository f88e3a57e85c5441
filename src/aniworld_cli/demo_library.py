"""The demo's sample library: folders of well-known series with empty placeholder videos.

Folder and file names look like a real user's: ``Cowboy Bebop (1998)``, a few with Jellyfin id
hints (``[anilistid-154587]``), some with ``Season 01`` folders, fansub and scene release names.
Multi-season shows come in both layouts people use: one folder per show with TVDB's season
numbers (``Attack on Titan (2013)/Season 02/Attack on Titan - S02E03.mkv``, ``SxxEyy`` names in
one folder, or absolute numbers running across seasons), and one folder per AniList entry
(``Vinland Saga Season 2`` beside ``Vinland Saga``). A few episodes are left out, so "missing
episodes" has something to show. Every series is one the fake providers of
:mod:`aniworld_testing` know, and the numbers come from the fakes' TVDB view of it.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Literal

import attrs

from aniworld_core import AniworldError, LibraryError
from aniworld_testing import Dataset, ShowEpisode

#: Marks a folder as a demo library, so running the demo on it again is allowed.
MARKER = ".aniworld-demo"
#: Season folder names (``str.format`` with ``season``).
SEASON_NN = "Season {season:02d}"
SEASON_N = "Season {season}"

#: Which episodes a folder holds and how its files number them: ``"entry"``, the AniList
#: entry's own episodes as AniList numbers them; ``"seasons"``, every season of its TVDB show,
#: numbered per season; ``"absolute"``, every season, numbered on across seasons.
Numbering = Literal["entry", "seasons", "absolute"]


def _subsplease(title: str, season: int, number: int) -> str:
    key = f"{title}{number}" if season == 1 else f"{title}{season}x{number}"
    crc = zlib.crc32(key.encode()) & 0xFFFFFFFF
    return f"[SubsPlease] {title} - {number:02d} (1080p) [{crc:08X}].mkv"


def _erai(title: str, season: int, number: int) -> str:
    return f"[Erai-raws] {title} - {number:02d} [1080p][Multiple Subtitle].mkv"


def _scene(title: str, season: int, number: int) -> str:
    dotted = ".".join("".join(c for c in word if c.isalnum()) for word in title.split())
    return f"{dotted}.S{season:02d}E{number:02d}.1080p.BluRay.x264-DEMO.mkv"


def _jellyfin(title: str, season: int, number: int) -> str:
    return f"{title} - S{season:02d}E{number:02d}.mkv"


def _bare(title: str, season: int, number: int) -> str:
    return f"Episode {number:02d}.mp4"


#: How release names look, by style: ``(release title, season, number) -> file name``. Fansub
#: styles write the number only; the season comes from the folder or the title.
STYLES: dict[str, Callable[[str, int, int], str]] = {
    "subsplease": _subsplease,
    "erai": _erai,
    "scene": _scene,
    "jellyfin": _jellyfin,
    "bare": _bare,
}


@attrs.frozen
class DemoSeries:
    """One series folder of the sample library."""

    anilist_id: int
    folder: str
    #: The title the release names use (fansubs often use the romaji one).
    release_title: str
    style: str = "subsplease"
    numbering: Numbering = "entry"
    #: A subfolder per season (:data:`SEASON_NN`, :data:`SEASON_N`); ``None``: no subfolders.
    season_folder: str | None = None
    #: Episodes without a file, as TVDB numbers them: ``(season, episode)``.
    missing: tuple[tuple[int, int], ...] = ()


CATALOGUE: tuple[DemoSeries, ...] = (
    DemoSeries(1, "Cowboy Bebop (1998)", "Cowboy Bebop", "scene", season_folder=SEASON_NN),
    DemoSeries(6, "Trigun (1998)", "Trigun", "erai"),
    DemoSeries(339, "Serial Experiments Lain (1998)", "Serial Experiments Lain", "jellyfin"),
    DemoSeries(30, "Neon Genesis Evangelion (1995) [anilistid-30]", "Neon Genesis Evangelion",
               "scene", season_folder=SEASON_NN),
    DemoSeries(5114, "Fullmetal Alchemist - Brotherhood (2009) [anilistid-5114]",
               "Fullmetal Alchemist Brotherhood", "erai", missing=((1, 17), (1, 18))),
    DemoSeries(457, "Mushishi (2005)", "Mushishi", "bare", season_folder=SEASON_NN),
    DemoSeries(1535, "Death Note (2006) [anilistid-1535]", "Death Note", "jellyfin"),
    DemoSeries(9253, "Steins;Gate (2011)", "Steins;Gate", "erai"),
    DemoSeries(16498, "Attack on Titan (2013)", "Attack on Titan", "jellyfin",
               numbering="seasons", season_folder=SEASON_NN, missing=((2, 5),)),
    DemoSeries(19, "Monster (2004) [anilistid-19]", "Monster", "jellyfin",
               season_folder=SEASON_NN),
    DemoSeries(205, "Samurai Champloo (2004) [anilistid-205]", "Samurai Champloo", "scene"),
    DemoSeries(467, "Ghost in the Shell - Stand Alone Complex (2002) [anilistid-467]",
               "Ghost in the Shell Stand Alone Complex", "scene"),
    DemoSeries(329, "Planetes (2003)", "Planetes", "erai"),
    DemoSeries(4224, "Toradora! (2008)", "Toradora!", "subsplease", missing=((1, 25),)),
    DemoSeries(1575, "Code Geass - Lelouch of the Rebellion (2006) [anilistid-1575]",
               "Code Geass Hangyaku no Lelouch", "erai", numbering="seasons",
               season_folder=SEASON_NN),
    DemoSeries(20464, "Haikyu!! (2014)", "Haikyu!!", "erai", numbering="absolute",
               missing=((3, 2),)),
    DemoSeries(20665, "Your Lie in April (2014)", "Shigatsu wa Kimi no Uso", "subsplease",
               missing=((1, 8), (1, 9), (1, 10))),
    DemoSeries(21087, "One-Punch Man (2015)", "One Punch Man", "subsplease"),
    DemoSeries(21507, "Mob Psycho 100 (2016)", "Mob Psycho 100", "jellyfin",
               numbering="seasons"),
    DemoSeries(116589, "86 EIGHTY-SIX (2021) [anilistid-116589]", "86 - Eighty Six", "erai",
               numbering="seasons"),
    DemoSeries(21827, "Violet Evergarden (2018) [anilistid-21827]", "Violet Evergarden"),
    DemoSeries(97986, "Made in Abyss (2017)", "Made in Abyss", "jellyfin", numbering="seasons",
               season_folder=SEASON_NN),
    DemoSeries(101348, "Vinland Saga (2019) [anilistid-101348]", "Vinland Saga",
               missing=((1, 24),)),
    DemoSeries(136430, "Vinland Saga Season 2 (2023)", "Vinland Saga S2", "subsplease"),
    DemoSeries(101922, "Demon Slayer - Kimetsu no Yaiba (2019) [anilistid-101922]",
               "Kimetsu no Yaiba", "subsplease", numbering="seasons", season_folder=SEASON_NN),
    DemoSeries(113415, "Jujutsu Kaisen", "Jujutsu Kaisen", "subsplease", numbering="seasons",
               season_folder=SEASON_N, missing=((1, 10),)),
    DemoSeries(127230, "Chainsaw Man (2022)", "Chainsaw Man", "subsplease",
               missing=((1, 11), (1, 12))),
    DemoSeries(140960, "Spy x Family (2022)", "Spy x Family", "scene", numbering="seasons",
               missing=((1, 14),)),
    DemoSeries(130003, "Bocchi the Rock! (2022)", "Bocchi the Rock!", "subsplease"),
    DemoSeries(120377, "Cyberpunk - Edgerunners (2022)", "Cyberpunk Edgerunners", "erai"),
    DemoSeries(154587, "Sousou no Frieren (2023) [anilistid-154587]", "Sousou no Frieren",
               "subsplease", season_folder=SEASON_NN),
    DemoSeries(153518, "Delicious in Dungeon (2024)", "Dungeon Meshi", "subsplease"),
    DemoSeries(171018, "Dandadan (2024) [anilistid-171018]", "Dandadan", "subsplease"),
)


def demo_episodes(series: DemoSeries, dataset: Dataset) -> list[ShowEpisode]:
    """Every aired episode ``series`` covers (left-out ones included), with TVDB's numbers."""
    record = dataset.by_anilist(series.anilist_id)
    if record is None:
        raise AssertionError(f"the fake dataset has no AniList id {series.anilist_id}")
    if series.numbering == "entry":
        return [ShowEpisode(record.tvdb_season, episode.number + record.tvdb_offset, record,
                            episode) for episode in record.episode_list()]
    show = dataset.show_of(record)
    if show is None:
        raise AssertionError(f"{record.romaji} has no TVDB show to number seasons by")
    return list(show.episodes())


def episode_files(series: DemoSeries, dataset: Dataset) -> list[str]:
    """The placeholder files of ``series``, relative to its folder (POSIX separators)."""
    name = STYLES[series.style]
    files = []
    for position, episode in enumerate(demo_episodes(series, dataset), start=1):
        if (episode.season, episode.number) in series.missing:
            continue
        number = {"entry": episode.episode.number, "seasons": episode.number,
                  "absolute": position}[series.numbering]
        folder = ""
        if series.season_folder is not None:
            folder = series.season_folder.format(season=episode.season) + "/"
        files.append(folder + name(series.release_title, episode.season, number))
    return files


def build_library(root: Path, dataset: Dataset | None = None,
                  catalogue: tuple[DemoSeries, ...] = CATALOGUE) -> list[DemoSeries]:
    """Create the sample library under ``root`` (made if needed) and return its series.

    ``root`` must be new, empty, or an earlier demo library (files already there are kept,
    so a second run scans incrementally); anything else is a :class:`LibraryError`.
    """
    dataset = dataset or Dataset.default()
    try:
        root.mkdir(parents=True, exist_ok=True)
        if any(root.iterdir()) and not (root / MARKER).exists():
            raise LibraryError(f"{root} is not empty and holds no demo library; "
                               "give --dir a new or empty folder.")
        (root / MARKER).touch()
        for series in catalogue:
            folder = root / series.folder
            for relative in episode_files(series, dataset):
                path = folder / relative
                path.parent.mkdir(parents=True, exist_ok=True)
                if not path.exists():
                    path.touch()
    except AniworldError:
        raise
    except OSError as error:
        raise LibraryError(f"Cannot create the demo library in {root}: "
                           f"{error.strerror or error}.") from None
    return list(catalogue)
