"""A show's seasons from a chain of provider entries (the rule is written down in
docs/numbering.md).

AniList and MyAnimeList list every season, often every cour, as its own entry; a folder with
``Season NN`` folders numbers them as TVDB does, where a split cour is one season. The chain's
entries (TV, TV_SHORT and ONA entries linked by SEQUEL relations, in order) become seasons:

1. The first entry starts season 1; every later entry starts the next season, unless
2. its title says it is the next part of the previous entry ("Season 3 Part 2" after
   "Season 3", "Part 2" / "2nd Cour" / "第2クール" after the same base title), or
3. the folder's files number that season past the episodes it has so far, counting from 1
   (``Season 03/… - 13`` when Season 3 has 12): files numbered past an entry's episode count
   continue into the next entry of the chain.

A folder that is one entry (``Attack on Titan Season 2``) is one season: that entry and the parts
that continue it.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from collections.abc import Iterable, Sequence

import attrs

from aniworld_core.library.numbering import FileNumbers
from aniworld_core.library.sequels import SequelMarker, split_marker

#: Formats that are regular seasons; movies, OVAs and specials never get a season number.
SEASON_FORMATS = frozenset({"TV", "TV_SHORT", "ONA"})
#: Longest chain walked; a longer one stops with a message.
MAX_CHAIN = 50

_NOISE = re.compile(r"[^\w]+", re.UNICODE)


class Layout(enum.StrEnum):
    """How a series folder holds its show. The values are stored."""

    #: The folder is the whole show: every season of the chain (``Season NN`` folders,
    #: ``SxxEyy`` names, or absolute numbers across seasons).
    SHOW = "show"
    #: The folder is one entry ("Attack on Titan Season 2"): one season, that entry and the
    #: split cours continuing it.
    ENTRY = "entry"
    #: The folder holds a movie.
    MOVIE = "movie"
    #: The episode list came with its own seasons from a season-based provider (TVmaze, TMDB).
    SEASONS = "seasons"


@attrs.frozen
class ChainEntry:
    """An entry of the chain as far as grouping it into seasons goes."""

    #: Its episode count: the larger of what the provider plans and what it lists.
    episodes: int
    #: Its title makes it the next part of the previous entry.
    continues: bool = False


@attrs.frozen
class Placement:
    """Where an entry sits in the show: ``season``, after ``offset`` episodes of that season."""

    season: int
    offset: int


def plan_seasons(entries: Sequence[ChainEntry], files: Iterable[FileNumbers],
                 layout: Layout) -> list[Placement]:
    """The season and offset of each entry (rules 1–3 above); one season for an entry
    folder."""
    placements: list[Placement] = []
    if layout is not Layout.SHOW:
        total = 0
        for entry in entries:
            placements.append(Placement(1, total))
            total += entry.episodes
        return placements
    named = _numbers_by_season(files)
    season, index = 0, 0
    while index < len(entries):
        season += 1
        total = entries[index].episodes
        placements.append(Placement(season, 0))
        index += 1
        numbers = named.get(season, ())
        while index < len(entries):
            entry = entries[index]
            past_end = (bool(numbers) and total > 0 and min(numbers) <= total < max(numbers)
                        and entry.episodes > 0)
            if not (entry.continues or past_end):
                break
            placements.append(Placement(season, total))
            total += entry.episodes
            index += 1
    return placements


def continues(previous: Sequence[str], titles: Sequence[str]) -> bool:
    """Whether an entry known by ``titles`` is the next part of the one known by
    ``previous``: one of its titles ends in a part marker and, without it, is one of the
    previous entry's titles (without its own part marker)."""
    earlier = {_key(title): marker for title in previous
               for title, marker in [split_marker(title)]}
    for title in titles:
        base, marker = split_marker(title)
        if marker.part is None or marker.part < 2:
            continue
        before = earlier.get(_key(base))
        if before is not None and _same_season(before, marker):
            return True
    return False


def _same_season(before: SequelMarker, after: SequelMarker) -> bool:
    return (before.season == after.season and before.final == after.final
            and (before.part or 1) == (after.part or 1) - 1)


def _key(title: str) -> str:
    decomposed = unicodedata.normalize("NFKD", title.casefold())
    letters = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(_NOISE.sub(" ", letters.replace("×", " x ")).split())


def _numbers_by_season(files: Iterable[FileNumbers]) -> dict[int, tuple[int, ...]]:
    """The episode numbers files give within each season they name (specials left out)."""
    found: dict[int, set[int]] = {}
    for file in files:
        if file.special or file.season is None or file.season < 1:
            continue
        found.setdefault(file.season, set()).update(file.numbers())
    return {season: tuple(sorted(numbers)) for season, numbers in found.items() if numbers}


@attrs.frozen
class ShowNumber:
    """Where an entry's episode sits in the show."""

    season: int
    number: int
    absolute: int


def show_number(entries: Sequence[ChainEntry], placements: Sequence[Placement], index: int,
                number: int) -> ShowNumber:
    """Entry ``index``'s episode ``number`` in the show: its season, its number in that season
    (after the earlier entries of the season), and its absolute number (every earlier season
    counted at its full episode count)."""
    place = placements[index]
    before = sum(entry.episodes for entry, other in zip(entries, placements, strict=True)
                 if other.season < place.season)
    return ShowNumber(place.season, place.offset + number, before + place.offset + number)
