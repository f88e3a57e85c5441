"""Which present file is which provider episode (the rule is written down in docs/numbering.md).

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


def link_files(episodes: Sequence[EpisodeNumbers],
               files: Sequence[FileNumbers]) -> dict[EpisodeKey, str]:
    """Episode → the path of its file, for every provider episode a present file holds."""
    keys = {(e.season, e.number) for e in episodes}
    by_absolute = absolute_numbers(episodes)

    def resolve(file: FileNumbers, number: int, *, as_absolute: bool = False) -> EpisodeKey | None:
        if file.special and not as_absolute:
            return (0, number) if (0, number) in keys else None
        if file.season is not None and not as_absolute and (file.season, number) in keys:
            return (file.season, number)
        if number in by_absolute:
            return by_absolute[number]
        if file.season is None and (1, number) in keys:
            return (1, number)
        return None

    found: dict[EpisodeKey, list[FileNumbers]] = {}
    regular_matched = False
    for file in files:
        for number in file.numbers():
            key = resolve(file, number)
            if key is not None:
                found.setdefault(key, []).append(file)
                regular_matched = regular_matched or not file.special
    regular = [f for f in files if not f.special and f.episode is not None]
    if regular and not regular_matched:
        offset = min(f.episode for f in regular if f.episode is not None) - 1
        for file in regular:
            for number in file.numbers():
                key = resolve(file, number - offset, as_absolute=True)
                if key is not None:
                    found.setdefault(key, []).append(file)
    return _choose(found)


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
