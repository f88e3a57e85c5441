"""What folder and file names say before any file is parsed: a series folder's title, year
and id hints, season folders, folders to skip, and which files are videos."""

from __future__ import annotations

import re

import attrs

from aniworld_core.library.names import read_folder_name
from aniworld_core.metadata import ProviderIds

VIDEO_EXTENSIONS = frozenset({
    "mkv", "mp4", "avi", "m4v", "webm", "ts", "m2ts", "mts", "mov", "wmv", "flv", "mpg", "mpeg",
    "ogm", "ogv", "rmvb", "divx", "3gp", "vob",
})
#: Folders below a series that hold no episodes (Jellyfin's and Kodi's extras folders).
EXTRAS_FOLDERS = frozenset({
    "extras", "extra", "featurettes", "behind the scenes", "deleted scenes", "interviews",
    "scenes", "shorts", "trailers", "other", "samples", "sample", "backdrops", "theme-music",
    "nc", "ncop", "nced", "creditless", "menus", "bonus", "@eadir", "#recycle", "$recycle.bin",
    "lost+found",
})
_SEASON_FOLDER = re.compile(
    r"(?:season|series|staffel|saison|temporada|s)[ ._-]*(?P<season>[0-9]{1,3})", re.IGNORECASE
)
_SPECIALS_FOLDER = re.compile(r"specials?|sp|ova|ovas|oad|season[ ._-]*0+", re.IGNORECASE)
_SAMPLE = re.compile(r"(?:^|[ ._-])sample$", re.IGNORECASE)


@attrs.frozen
class SeriesFolder:
    """What a series folder's name says: ``"Cowboy Bebop (1998) [anilistid-1]"``."""

    name: str
    title: str
    year: int | None = None
    ids: ProviderIds = ProviderIds()


def parse_series_folder(name: str) -> SeriesFolder:
    """Title, optional year and id hints (``[tvdbid-81797]``, ``[anilistid-1]``, also
    ``{tmdb-30991}``) of a series folder; bad hints are ignored. The title is cleaned as
    :func:`~aniworld_core.library.names.read_folder_name` cleans it (release tags, scene dots,
    groups and episode ranges dropped; a sequel marker kept)."""
    folder = read_folder_name(name)
    return SeriesFolder(name=name, title=folder.title, year=folder.year, ids=folder.ids)


def season_of_folder(name: str) -> int | None:
    """The season a folder below a series holds: ``Season 02`` → 2, ``Specials`` → 0."""
    if _SPECIALS_FOLDER.fullmatch(name.strip()):
        return 0
    found = _SEASON_FOLDER.fullmatch(name.strip())
    return int(found["season"]) if found else None


def is_skipped_folder(name: str) -> bool:
    """Hidden folders, extras and NAS housekeeping folders hold no episodes."""
    return name.startswith(".") or name.lower() in EXTRAS_FOLDERS


def video_stem(name: str) -> str | None:
    """The name without its extension if ``name`` is an episode candidate, else ``None``."""
    if name.startswith("."):
        return None
    stem, dot, extension = name.rpartition(".")
    if not dot or not stem or extension.lower() not in VIDEO_EXTENSIONS:
        return None
    if _SAMPLE.search(stem):
        return None
    return stem
