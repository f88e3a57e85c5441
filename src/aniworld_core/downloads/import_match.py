"""Which show and episode a finished download is, from its release name; never guessed.

:func:`read_release` parses a file's name (and its release folder's, when the file's own name
says too little: ``Show.S01E05-GRP/abc123.mkv``). :class:`ShowIndex` finds the library show
its title names: the same title after normalising case and punctuation (the series title,
the provider's other titles, the folder's title), else a near match (rapidfuzz) above
:data:`NEAR` with a clear lead over the next show; else, a show whose whole title appears in
the name and is the title the parser reads once that show's title is masked (numeric titles:
"Mob Psycho 100 - 05"). :func:`find_episodes` turns the numbers into episodes of the show:
``SxxEyy`` by season and number, a season-less number by its absolute number (or, on a show
with one season, by its number there).

Anything short of that is a :class:`Unmatched` with a sentence saying why.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import PurePosixPath
from typing import Any

import attrs
from rapidfuzz import fuzz

from aniworld_core.library.folders import parse_series_folder
from aniworld_core.library.release import ParsedName, ReleaseParser, TitleMask, parse_path
from aniworld_core.models import Episode, Series

#: The least rapidfuzz ratio (0-100) a near title match needs, and its lead over the next.
NEAR = 90.0
LEAD = 6.0

_YEAR_AT_END = re.compile(r"\s*[(\[]?(?:19|20)[0-9]{2}[)\]]?$")
_GROUP_FIRST = re.compile(r"^\s*\[([^\]]+)\]")
_GROUP_LAST = re.compile(r"-([A-Za-z0-9]+)(?:\[[^\]]*\])?$")
_RESOLUTION = re.compile(r"(?<![0-9])(2160|1080|720|576|480)[pi](?![a-z0-9])", re.IGNORECASE)
_SOURCES = (("bluray", "Bluray"), ("blu-ray", "Bluray"), ("bdrip", "Bluray"),
            ("bd", "Bluray"), ("web-dl", "WEBDL"), ("webdl", "WEBDL"), ("webrip", "WEBRip"),
            ("web", "WEBDL"), ("hdtv", "HDTV"), ("dvd", "DVD"))
_WORDS = re.compile(r"[^\W_]+")


@attrs.frozen
class Release:
    """What a release name says, and the name it was read from (to re-read it masked)."""

    parsed: ParsedName
    name: str
    quality: str | None = None
    group: str | None = None

    def guess(self) -> dict[str, Any]:
        """The ``guess`` stored with a pending file."""
        return {"title": self.parsed.title, "season": self.parsed.season,
                "episode": self.parsed.episode}


@attrs.frozen
class Unmatched:
    """Why a file was not imported, for people, and what its name said."""

    reason: str
    guess: dict[str, Any] = attrs.field(factory=dict)


def title_key(title: str) -> str:
    """A title compared: case, accents' forms and punctuation ignored."""
    text = unicodedata.normalize("NFKC", title).casefold()
    return " ".join(_WORDS.findall(text))


def read_release(relative: PurePosixPath) -> Release:
    """What the name of ``relative`` (a path inside the downloads folder) says; its release
    folder fills in what the file's own name lacks."""
    parsed = parse_path(relative.name)
    name = relative.stem
    if len(relative.parts) > 1 and (parsed.episode is None or parsed.title is None) \
            and not parsed.special:
        folder = parse_path(relative.parent.name + ".mkv")
        if folder.episode is not None or folder.special:
            parsed, name = folder, relative.parent.name
        elif parsed.title is None and folder.title is not None:
            parsed = parsed._replace(title=folder.title)
    context = f"{relative.parent.name} {relative.stem}"
    return Release(parsed, name, _quality(context), _group(relative.stem)
                   or (_group(relative.parent.name) if len(relative.parts) > 1 else None))


def _quality(name: str) -> str | None:
    lowered = name.lower()
    source = next((label for word, label in _SOURCES
                   if re.search(rf"(?<![a-z]){re.escape(word)}(?![a-z])", lowered)), None)
    found = _RESOLUTION.search(name)
    resolution = f"{found.group(1)}p" if found else None
    if source and resolution:
        return f"{source}-{resolution}"
    return source or resolution


def _group(stem: str) -> str | None:
    found = _GROUP_FIRST.search(stem)
    if found:
        return found.group(1).strip() or None
    found = _GROUP_LAST.search(stem)
    if found and not found.group(1).isdigit() and "." in stem:  # scene: Title.S01E01-GRP
        return found.group(1)
    return None


@attrs.frozen
class _Show:
    series: Series
    keys: tuple[str, ...]
    masks: tuple[TitleMask, ...]


class ShowIndex:
    """The library's shows, ready to be found by a release's title."""

    def __init__(self, shows: Iterable[Series]) -> None:
        self._shows: list[_Show] = []
        for series in shows:
            titles = _titles(series)
            keys = tuple(dict.fromkeys(key for key in map(title_key, titles) if key))
            masks = tuple(TitleMask(title) for title in titles if len(title_key(title)) >= 2)
            self._shows.append(_Show(series, keys, masks))

    def find(self, release: Release) -> Series | Unmatched:
        """The one show ``release`` names, or why there is none."""
        title = release.parsed.title
        if title:
            found = self._by_title(title)
            if found is not None:
                return found
        masked = self._by_mask(release.name)
        if masked is not None:
            return masked
        if not title:
            return Unmatched("the name says no title", release.guess())
        return Unmatched(f"no show in the library is called {title!r}", release.guess())

    def _by_title(self, title: str) -> Series | Unmatched | None:
        for key in dict.fromkeys((title_key(title), title_key(_YEAR_AT_END.sub("", title)))):
            if not key:
                continue
            exact = [show.series for show in self._shows if key in show.keys]
            if len(exact) == 1:
                return exact[0]
            if exact:
                return Unmatched(_could_be(title, exact), {"title": title})
        key = title_key(title)
        scored = sorted(((max((fuzz.ratio(key, k) for k in show.keys), default=0.0), show)
                         for show in self._shows), key=lambda pair: -pair[0])
        if not scored or scored[0][0] < NEAR:
            return None
        best, rivals = scored[0], [s for score, s in scored[1:] if score > scored[0][0] - LEAD]
        if rivals:
            return Unmatched(_could_be(title, [best[1].series, *(s.series for s in rivals)]),
                             {"title": title})
        return best[1].series

    def _by_mask(self, name: str) -> Series | Unmatched | None:
        """A show whose title is in ``name`` and is the whole title once masked."""
        found: list[Series] = []
        for show in self._shows:
            for mask in show.masks:
                if mask.mask(name)[1] is None:
                    continue
                parsed = ReleaseParser(" ".join(mask.words)).parse(name)
                if parsed.title and title_key(parsed.title) in show.keys and (
                        parsed.episode is not None or parsed.special):
                    found.append(show.series)
                    break
        if len(found) > 1:
            return Unmatched(_could_be(name, found), {"title": name})
        return found[0] if found else None


def _titles(series: Series) -> list[str]:
    titles = [series.title]
    if series.metadata is not None:
        titles += [series.metadata.title, *(series.metadata.alt_titles or ())]
        if series.metadata.original_title:
            titles.append(series.metadata.original_title)
    if series.folder:
        titles.append(parse_series_folder(series.folder).title)
    return titles


def _could_be(title: str, shows: Sequence[Series]) -> str:
    names = [f"{show.title!r}" for show in shows]
    listed = ", ".join(names[:-1]) + f" or {names[-1]}"
    return f"{title!r} could be {listed}"


def reparse(release: Release, series: Series) -> Release:
    """``release`` read again with the show's title masked (numeric titles keep their
    numbers); the first reading where the masked one finds no episode."""
    masked = ReleaseParser(parse_series_folder(series.folder).title if series.folder
                           else series.title).parse(release.name)
    if masked.episode is None and not masked.special:
        masked = ReleaseParser(series.title).parse(release.name)
    if masked.episode is None and not masked.special:
        return release
    return attrs.evolve(release, parsed=masked)


def find_episodes(series: Series, episodes: Sequence[Episode],
                  release: Release) -> tuple[Episode, ...] | Unmatched:
    """The episodes of ``series`` the release's numbers name, each without a file yet."""
    parsed, guess, title = release.parsed, release.guess(), series.title
    if parsed.episode is None:
        what = "a special" if parsed.special else "no episode number"
        return Unmatched(f"the name says {what} and gives no number to find it by", guess)
    if not episodes:
        return Unmatched(f"{title}'s episode list is not loaded yet", guess)
    numbers = range(parsed.episode, (parsed.episode_end or parsed.episode) + 1)
    season = 0 if parsed.special else parsed.season
    regular = [episode for episode in episodes if episode.season > 0]
    seasons = sorted({episode.season for episode in regular})
    if season is None and len(seasons) == 1:
        found = _in_season(title, episodes, seasons[0], numbers, guess)
        by_absolute = _by_absolute(title, regular, numbers, guess)
        if isinstance(found, Unmatched) and not isinstance(by_absolute, Unmatched):
            found = by_absolute
    elif season is None:
        found = _by_absolute(title, regular, numbers, guess)
    else:
        found = _in_season(title, episodes, season, numbers, guess)
    if isinstance(found, Unmatched):
        return found
    for episode in found:
        if episode.file_path is not None:
            return Unmatched(f"the episode already has a file ({episode.file_path})", guess)
    return found


def _in_season(title: str, episodes: Sequence[Episode], season: int, numbers: range,
               guess: dict[str, Any]) -> tuple[Episode, ...] | Unmatched:
    in_season = {episode.number: episode for episode in episodes if episode.season == season}
    name = "the specials" if season == 0 else f"season {season}"
    if not in_season:
        return Unmatched(f"{title} has no {'specials' if season == 0 else name}", guess)
    for number in numbers:
        if number not in in_season:
            return Unmatched(f"episode {number} is not in {title}'s {name} "
                             f"({len(in_season)} episodes)", guess)
    return tuple(in_season[number] for number in numbers)


def _by_absolute(title: str, regular: Sequence[Episode], numbers: range,
                 guess: dict[str, Any]) -> tuple[Episode, ...] | Unmatched:
    by_absolute = {episode.absolute_number: episode for episode in regular
                   if episode.absolute_number is not None}
    for number in numbers:
        if number not in by_absolute:
            seasons = len({episode.season for episode in regular})
            return Unmatched(f"{title} has {seasons} seasons and no episode with the absolute "
                             f"number {number}", guess)
    found = tuple(by_absolute[number] for number in numbers)
    if len({episode.season for episode in found}) > 1:
        return Unmatched(f"episodes {numbers[0]}-{numbers[-1]} of {title} span two seasons",
                         guess)
    return found
