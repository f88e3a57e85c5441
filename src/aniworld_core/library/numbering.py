"""Which present file is which provider episode (the rule is written down in docs/numbering.md).

The show's seasons come first (:mod:`.seasons`); this links files to the episodes they give.

1. A file names an episode by ``(0, n)`` when it is a special, by ``(season, n)`` when its name
   or its ``Season NN`` folder gives a season, and by the absolute number ``n`` otherwise.
2. Every regular provider episode (season ≥ 1) has an absolute number: the provider's, or else
   its position in the list ordered by season and number.
3. ``(s, n)`` is season ``s`` episode ``n``, else the episode with absolute number ``n``; an
   absolute ``n`` is the episode with absolute number ``n``, else season 1 episode ``n``. If no
   regular file matches at all, the files continue an earlier entry's numbering (a second cour
   listed on its own): their numbers are shifted so the lowest becomes 1.

Among several files for one episode, the highest version wins, then the larger file.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import NamedTuple

import attrs

EpisodeKey = tuple[int, int]


@attrs.frozen
class EpisodeNumbers:
    """A provider episode as far as numbering goes."""

    season: int
    number: int
    absolute_number: int | None = None


class FileNumbers(NamedTuple):
    """A present file as the scan parsed it; ``path`` is relative to the series folder.
    (A named tuple: one is made per file of every changed series.)"""

    path: str
    season: int | None
    episode: int | None
    episode_end: int | None = None
    version: int | None = None
    special: bool = False
    size: int = 0

    def numbers(self) -> range:
        """The episode numbers the file holds (two or more for ``01-02``)."""
        if self.episode is None:
            return range(0)
        return range(self.episode, max(self.episode, self.episode_end or 0) + 1)


def absolute_numbers(episodes: Iterable[EpisodeNumbers]) -> dict[int, EpisodeKey]:
    """Absolute number → episode, for the regular episodes (rule 2)."""
    regular = sorted((e for e in episodes if e.season >= 1), key=lambda e: (e.season, e.number))
    by_absolute: dict[int, EpisodeKey] = {}
    for position, episode in enumerate(regular, start=1):
        absolute = episode.absolute_number if episode.absolute_number is not None else position
        by_absolute.setdefault(absolute, (episode.season, episode.number))
    return by_absolute


@attrs.frozen
class Unplaced:
    """A file that names no episode of the list, and why (for people)."""

    path: str
    reason: str


@attrs.frozen
class Linking:
    """Episode → the path of its file, and the regular files that could not be placed."""

    paths: dict[EpisodeKey, str]
    unplaced: tuple[Unplaced, ...] = ()


def link_files(episodes: Sequence[EpisodeNumbers],
               files: Sequence[FileNumbers]) -> dict[EpisodeKey, str]:
    """Episode → the path of its file, for every provider episode a present file holds
    (a folder of one entry, where the seasons files name are not the list's)."""
    return link(episodes, files, strict=False).paths


def link(episodes: Sequence[EpisodeNumbers], files: Sequence[FileNumbers], *,
         strict: bool) -> Linking:
    """Link files to ``episodes`` (docs/numbering.md). ``strict``: the list's seasons are the
    folder's seasons, so a file that names season *s* lands in season *s* or nowhere."""
    keys = {(e.season, e.number) for e in episodes}
    by_absolute = absolute_numbers(episodes)
    counts: dict[int, int] = {}
    for episode in episodes:
        if episode.season >= 1:
            counts[episode.season] = counts.get(episode.season, 0) + 1
    single = len(counts) <= 1

    def resolve(file: FileNumbers, number: int, *, as_absolute: bool = False) -> EpisodeKey | None:
        if file.special and not as_absolute:
            return (0, number) if (0, number) in keys else None
        season = None if as_absolute else file.season
        if season is not None and (season, number) in keys:
            return (season, number)
        found = by_absolute.get(number)
        if season is not None and strict and found is not None and found[0] != season:
            return None  # never into another season's gap
        if found is not None:
            return found
        if season is None and (1, number) in keys:
            return (1, number)
        return None

    found: dict[EpisodeKey, list[FileNumbers]] = {}
    placed: set[str] = set()
    regular_matched = False
    for file in files:
        for number in file.numbers():
            key = resolve(file, number)
            if key is not None:
                found.setdefault(key, []).append(file)
                placed.add(file.path)
                regular_matched = regular_matched or not file.special
    regular = [f for f in files if not f.special and f.episode is not None]
    shiftable = [f for f in regular if not strict or f.season is None or f.season == 1]
    if shiftable and not regular_matched and single:
        # Continued numbering: a cour listed on its own, numbered on from an earlier one.
        offset = min(f.episode for f in shiftable if f.episode is not None) - 1
        for file in shiftable:
            for number in file.numbers():
                key = resolve(file, number - offset, as_absolute=True)
                if key is not None:
                    found.setdefault(key, []).append(file)
                    placed.add(file.path)
    unplaced = tuple(Unplaced(f.path, _why(f, counts, strict)) for f in files
                     if f.episode is not None and f.path not in placed)
    return Linking(_choose(found), unplaced)


def _why(file: FileNumbers, counts: dict[int, int], strict: bool) -> str:
    """Why a file names no episode, in words."""
    numbers = f"{file.episode}" + (f"-{file.episode_end}" if file.episode_end else "")
    if file.special:
        return f"it is special {numbers}, and the episode list has no such special"
    if not counts:
        return "the episode list has no regular episodes yet"
    if strict and file.season is not None:
        if file.season not in counts:
            known = sorted(counts)
            listed = (f"season {known[0]} is" if len(known) == 1
                      else f"seasons {known[0]}-{known[-1]} are")
            return f"it names season {file.season}, but only {listed} known"
        if (file.episode or 0) > counts[file.season]:
            return (f"it names episode {numbers} of season {file.season}, which has "
                    f"{counts[file.season]} episodes")
        return f"season {file.season} lists no episode {numbers}"
    return (f"it names episode {numbers}, but the {sum(counts.values())} episodes known "
            "do not include it")


def file_episodes(files: Sequence[FileNumbers]) -> dict[EpisodeKey, str]:
    """Before a provider list exists: each file's own numbers, seasonless ones in season 1."""
    found: dict[EpisodeKey, list[FileNumbers]] = {}
    for file in files:
        season = 0 if file.special else (file.season if file.season is not None else 1)
        for number in file.numbers():
            found.setdefault((season, number), []).append(file)
    return _choose(found)


def _choose(found: dict[EpisodeKey, list[FileNumbers]]) -> dict[EpisodeKey, str]:
    return {key: (files[0] if len(files) == 1 else best_file(files)).path
            for key, files in found.items()}


def best_file(candidates: Sequence[FileNumbers]) -> FileNumbers:
    """The highest version, then the largest file, then the first path."""
    return min(candidates, key=lambda f: (-(f.version or 1), -f.size, f.path))
