"""What folder and file names say before any file is parsed: a series folder's title, year
and id hints, season folders, folders to skip, and which files are videos."""

from __future__ import annotations

import re

import attrs

from aniworld_core.errors import InvalidInput
from aniworld_core.metadata import ProviderIds
from aniworld_core.validation import check_id, check_title, check_year

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
_ID_HINT = re.compile(
    r"\s*[\[{](?P<type>anilist|mal|anidb|tvdb|tmdb|imdb)(?:id)?[-=](?P<id>[^\]}\s]+)[\]}]",
    re.IGNORECASE,
)
_YEAR = re.compile(r"\s*\((?P<year>[0-9]{4})\)\s*$")
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
    """Title, optional ``(year)`` and Jellyfin-style id hints (``[tvdbid-81797]``,
    ``[anilistid-1]``, also ``{tmdb-30991}``) of a series folder. Bad hints are ignored."""
    ids = ProviderIds()
    for hint in _ID_HINT.finditer(name):
        id_type = hint["type"].lower()
        try:
            ids = ids.with_id(id_type, check_id(id_type, hint["id"]))
        except InvalidInput:
            continue
    rest = _ID_HINT.sub("", name).strip()
    year: int | None = None
    found = _YEAR.search(rest)
    if found and found.start() > 0:
        try:
            year = check_year(int(found["year"]))
        except InvalidInput:
            year = None
        else:
            rest = rest[: found.start()]
    title = _title(rest) or _title(name) or "Untitled"
    return SeriesFolder(name=name, title=title, year=year, ids=ids)


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


def _title(text: str) -> str | None:
    cleaned = "".join(char if char.isprintable() else " " for char in text)
    cleaned = " ".join(cleaned.split())
    try:
        return check_title(cleaned)
    except InvalidInput:
        return None
