"""Release names to season, episode, version and special, the way anitopy reads them.

:class:`ReleaseParser` holds the context of one folder (the series title, a ``Season NN`` or
``Specials`` folder) and parses basenames in this order:

1. a bare number (``01.mkv``, ``E05``, ``Episode 12v2``);
2. the fast path (:mod:`aniworld_core.library.fastpath`) for common release patterns, which
   answers only where it gives exactly what anitopy gives;
3. anitopy, on the name with the series title masked, so numeric titles ("86", "Mob Psycho
   100", "2.5 Jigen no Ririsa") never become episode numbers;
4. guessit for what anitopy cannot read (``S02E03E04``, western scene names).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from pathlib import PurePath
from typing import Any

import anitopy  # type: ignore[import-untyped]
import attrs
import guessit

from aniworld_core.library import fastpath
from aniworld_core.library.fastpath import MASK, ParsedName
from aniworld_core.library.folders import VIDEO_EXTENSIONS, parse_series_folder, season_of_folder

__all__ = ["MASK", "ParsedName", "ReleaseParser", "TitleMask", "from_anitopy", "parse_path",
           "parse_with_anitopy"]

# anitopy keeps its state in module globals: one parse at a time, whatever the thread.
_ANITOPY_LOCK = threading.Lock()
_ANITOPY_OPTIONS = {"parse_file_extension": False}

_BARE_NUMBER = re.compile(
    r"(?:(?:e|ep|episode)[ ._-]?)?(?P<episode>[0-9]{1,4})(?:v(?P<version>[0-9]))?", re.IGNORECASE
)
_SPECIAL_TYPES = frozenset({"SP", "SPECIAL", "SPECIALS", "OVA", "OAV", "OAD", "MOVIE",
                            "GEKIJOUBAN"})
#: Openings, endings, previews: video files of a series that are not episodes.
_EXTRA_TYPES = frozenset({"NCOP", "NCED", "OP", "ED", "OPENING", "ENDING", "PV", "PREVIEW"})
_TRAILING_DASH = re.compile(r"[\s_.]*[-\u2010-\u2015][\s_.]*$")
# A title anitopy left with the real episode at its end: "Jigen no Ririsa - 03".
_NUMBER_AT_END = re.compile(r"\s[-\u2010-\u2015]\s([0-9]{1,4})$")
# The number anitopy took, right before the title it returned: "2.5 " in "2.5 Jigen ...".
_NUMBER_BEFORE = re.compile(r"(?<![^\W_])[0-9]+(?:\.[0-9]+)?\s+$")
_FRACTION = re.compile(r"[0-9]+\.[0-9]+")
_MAX_EPISODE = 9999


def parse_with_anitopy(stem: str) -> ParsedName | None:
    """What anitopy reads in ``stem`` (a basename without extension), or ``None``."""
    with _ANITOPY_LOCK:
        try:
            result = anitopy.parse(stem, dict(_ANITOPY_OPTIONS))
        except Exception:  # anitopy has no error contract; treat any failure as "no answer"
            return None
    return from_anitopy(result) if result else None


def from_anitopy(result: Mapping[str, Any]) -> ParsedName:
    """anitopy's strings as a :class:`ParsedName` (the one mapping the fast path imitates)."""
    types = {str(t).upper() for t in _as_list(result.get("anime_type"))}
    title = result.get("anime_title")
    if isinstance(title, str):
        title = _clean_title(title, types)
    season = _as_int(_first(result.get("anime_season")))
    episode, episode_end, fractional = _episode_numbers(result.get("episode_number"))
    version = _as_int(result.get("release_version"))
    if types & _EXTRA_TYPES:
        return ParsedName(title=title or None, season=season)
    special = bool(types & _SPECIAL_TYPES) or season == 0 or fractional
    return ParsedName(
        title=title or None,
        season=0 if special else season,
        episode=episode,
        episode_end=episode_end,
        version=version,
        special=special,
    )


@attrs.frozen
class ReleaseParser:
    """Parses the basenames of one folder. ``series_title`` masks the title in names;
    ``season`` (from a ``Season NN`` folder, 0 for ``Specials``) applies where a name has none.
    """

    series_title: str | None = None
    season: int | None = None
    _mask: TitleMask = attrs.field(init=False)

    @_mask.default
    def _make_mask(self) -> TitleMask:
        return TitleMask(self.series_title)

    def parse(self, stem: str) -> ParsedName:
        """The numbers in ``stem`` (no extension); fields it cannot tell are ``None``."""
        masked, found = self._mask.mask(stem)
        parsed = parse_masked(masked)
        if parsed.episode is None and not parsed.special and found is not None:
            # The title matched somewhere that was not the title ("100" in "... - 100").
            parsed, found = parse_masked(stem), None
        title, season, special = parsed.title, parsed.season, parsed.special
        if found is not None and title is not None:
            title = title.replace(MASK, found)
        if season is None and self.season is not None:
            season, special = self.season, special or self.season == 0
        if title == parsed.title and season == parsed.season and special == parsed.special:
            return parsed
        return ParsedName(title, season, parsed.episode, parsed.episode_end, parsed.version,
                          special)


def parse_path(path: str | PurePath, series: str | None = None) -> ParsedName:
    """What a file's name says, read as the scan reads it: ``series`` is the series folder's
    name (title, year and id hints allowed) and a ``Season NN`` or ``Specials`` folder in
    ``path`` gives the season. The file need not exist."""
    pure = PurePath(path)
    season = None
    for folder in reversed(pure.parent.parts):
        season = season_of_folder(folder)
        if season is not None:
            break
    title = parse_series_folder(series).title if series else None
    return ReleaseParser(title, season).parse(_without_extension(pure.name))


def _without_extension(name: str) -> str:
    stem, dot, extension = name.rpartition(".")
    if dot and stem and (extension.lower() in VIDEO_EXTENSIONS or
                         (len(extension) <= 4 and extension.isalpha())):
        return stem
    return name


def parse_masked(stem: str) -> ParsedName:
    """Bare number, fast path, anitopy (with the numeric-title repair), guessit: first answer."""
    bare = _BARE_NUMBER.fullmatch(stem.strip())
    if bare:
        return ParsedName(episode=int(bare["episode"]), version=_as_int(bare["version"]))
    fast = fastpath.parse(stem)
    if fast is not None:
        return fast
    parsed = parse_with_anitopy(stem)
    if parsed is not None:
        repaired = _leading_number_title(stem, parsed)
        if repaired is not None:
            return repaired
        if parsed.episode is not None or parsed.special:
            return parsed
    return _parse_with_guessit(stem, parsed)


class TitleMask:
    """Finds a series title in names, whatever the case and separators, and masks it."""

    def __init__(self, title: str | None) -> None:
        self.words = re.findall(r"[^\W_]+", title or "")
        self._plain = " ".join(self.words).lower() if self.words else ""
        self._pattern: re.Pattern[str] | None = None

    def mask(self, stem: str) -> tuple[str, str | None]:
        """``stem`` with the first occurrence of the title replaced by :data:`MASK`, and the
        text that was replaced (dots and underscores read as spaces)."""
        if not self.words:
            return stem, None
        lowered = stem.lower()
        start = lowered.find(self._plain) if len(lowered) == len(stem) else -1
        end = start + len(self._plain)
        if (start < 0 or (start > 0 and stem[start - 1].isalnum())
                or (end < len(stem) and stem[end].isalnum())):
            # Not there verbatim (other separators, "Re:Zero" as "Re Zero"): the slow way.
            match = self._compiled().search(stem)
            if match is None:
                return stem, None
            start, end = match.span()
        found = stem[start:end]
        if " " not in found:
            found = found.replace(".", " ").replace("_", " ")  # "Cowboy.Bebop": "Cowboy Bebop"
        return stem[:start] + MASK + stem[end:], found

    def _compiled(self) -> re.Pattern[str]:
        if self._pattern is None:
            body = r"[\W_]+".join(re.escape(word) for word in self.words)
            self._pattern = re.compile(rf"(?<![^\W_]){body}(?![^\W_])", re.IGNORECASE)
        return self._pattern


def _leading_number_title(stem: str, parsed: ParsedName) -> ParsedName | None:
    """anitopy took the number that starts a title for the episode ("2.5 Jigen no Ririsa -
    03"): read the name again with that number and the text up to the final ``- NN`` masked."""
    title = parsed.title or ""
    tail = _NUMBER_AT_END.search(title)
    start = stem.find(title) if tail else -1
    if tail is None or start <= 0:
        return None
    number = _NUMBER_BEFORE.search(stem, 0, start)
    if number is None:
        return None
    masked, found = TitleMask(stem[number.start():start] + title[: tail.start()]).mask(stem)
    again = parse_with_anitopy(masked) if found else None
    if again is None or again.episode is None:
        return None
    return again._replace(title=(again.title or MASK).replace(MASK, found or ""))


def _parse_with_guessit(stem: str, fallback: ParsedName | None) -> ParsedName:
    try:
        guess = guessit.guessit(stem + ".mkv", {"type": "episode"})
    except Exception:  # guessit raises its own errors on odd input; that is "no answer"
        guess = {}
    episodes = [e for e in _as_list(guess.get("episode")) if isinstance(e, int)]
    if not episodes:
        return fallback or ParsedName()
    seasons = [s for s in _as_list(guess.get("season")) if isinstance(s, int)]
    season = seasons[0] if seasons else None
    title = guess.get("title")
    special = season == 0
    return ParsedName(
        title=title if isinstance(title, str) else None,
        season=season,
        episode=episodes[0] if episodes[0] <= _MAX_EPISODE else None,
        episode_end=_end(episodes[0], episodes[-1]),
        version=guess.get("version") if isinstance(guess.get("version"), int) else None,
        special=special,
    )


def _clean_title(title: str, types: set[str]) -> str:
    # "Title - SP" (anitopy keeps the type word in the title) -> "Title"
    words = title.rsplit(None, 1)
    if len(words) == 2 and words[1].upper() in types:
        title = _TRAILING_DASH.sub("", words[0])
    return title.strip()


def _episode_numbers(value: object) -> tuple[int | None, int | None, bool]:
    numbers = [str(v) for v in _as_list(value)]
    if not numbers:
        return None, None, False
    if not all(n.isascii() and n.isdigit() for n in numbers):
        # "05.5" is a recap between two episodes: a special. Anything else is no number.
        return None, None, all(_FRACTION.fullmatch(n) for n in numbers)
    first, last = int(numbers[0]), int(numbers[-1])
    if first > _MAX_EPISODE:
        return None, None, False
    return first, _end(first, last), False


def _end(first: int, last: int) -> int | None:
    return last if first < last <= _MAX_EPISODE else None


def _as_list(value: object) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, list):
        return value
    return [value]


def _first(value: object) -> object:
    values = _as_list(value)
    return values[0] if values else None


def _as_int(value: object) -> int | None:
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit() and value.isascii():
        return int(value)
    return None
