"""One entry's episode list, asking the episode lister (Jikan: one request per 100 episodes, 60
a minute, the bound of every load) only for what the entry's own answer leaves unknown.

- AniList's answer carries the titles of licensed streams ("Episode 3 - Title") for many
  entries, fifty entries per request: where they cover every aired episode, they are the list.
- An entry that finished and did not change since its list was stored keeps that list on an
  episodes-only refresh (:func:`settled`).
- An airing entry (``next_airing``) gets the aired episodes the lister does not list yet
  (MyAnimeList lists them hours after they air; until then they are numbered and untitled), and
  its next episode with the moment it airs, so a new episode is missing from that moment on.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import attrs

from aniworld_core.metadata import EpisodeInfo, SeriesInfo
from aniworld_core.models import Episode
from aniworld_core.reading import ENDED


@attrs.frozen
class EntryEpisodes:
    """An entry's episodes, and the numbers a provider listed (not added by aniworld)."""

    episodes: tuple[EpisodeInfo, ...]
    listed: frozenset[int]

    @classmethod
    def of(cls, episodes: Sequence[EpisodeInfo]) -> EntryEpisodes:
        return cls(tuple(episodes), frozenset(e.number for e in episodes if e.season == 1))


def aired_count(info: SeriesInfo) -> int | None:
    """How many of the entry's episodes have aired, when its answer says."""
    if info.next_airing is not None:
        return max(0, info.next_airing.episode - 1)
    if info.status == ENDED and info.episode_count:
        return info.episode_count
    return None


def from_titles(info: SeriesInfo) -> tuple[EpisodeInfo, ...] | None:
    """The entry's episodes from the titles its own answer carries, when they cover every
    aired episode (else ``None``: the lister is asked)."""
    aired = aired_count(info)
    titles = dict(info.episode_titles)
    if not aired or info.format == "MOVIE" or any(n not in titles for n in range(1, aired + 1)):
        return None
    return tuple(EpisodeInfo(number=n, absolute_number=n, title=titles[n])
                 for n in range(1, aired + 1))


def settled(stored: SeriesInfo | None, fresh: SeriesInfo, episodes: Sequence[Episode]) -> bool:
    """Whether an entry's stored list still holds: it finished before and still has, with the
    same episode count and change stamp, and its episodes are stored."""
    return (stored is not None and bool(episodes) and stored.status == ENDED
            and fresh.status == ENDED and stored.episode_count == fresh.episode_count
            and stored.updated_at == fresh.updated_at)


def stored_list(episodes: Sequence[Episode]) -> tuple[EpisodeInfo, ...]:
    """Stored episodes of one entry as the entry numbers them."""
    return tuple(EpisodeInfo(number=e.entry_number, absolute_number=e.entry_number,
                             title=e.title, air_date=e.air_date, plot=e.plot)
                 for e in sorted(episodes, key=lambda e: e.entry_number or 0)
                 if e.entry_number is not None)


def with_airing(found: EntryEpisodes, info: SeriesInfo, now: dt.datetime) -> EntryEpisodes:
    """An airing entry's list completed (see the module docstring): episodes before the next
    one have aired (one dated today or later, in some time zone, counts as aired now); the
    next one airs at its moment. Other entries' lists are returned as they are."""
    upcoming = info.next_airing
    if upcoming is None:
        return found
    by_number = {e.number: e for e in found.episodes if e.season == 1}
    others = [e for e in found.episodes if e.season != 1]
    today = now.date()
    episodes: list[EpisodeInfo] = []
    for number in range(1, upcoming.episode):
        episode = by_number.pop(number, None) or EpisodeInfo(number=number,
                                                             absolute_number=number)
        if episode.airs_at is None and episode.air_date is not None and episode.air_date >= today:
            episode = attrs.evolve(episode, airs_at=now)
        episodes.append(episode)
    following = by_number.pop(upcoming.episode, None) or EpisodeInfo(
        number=upcoming.episode, absolute_number=upcoming.episode)
    episodes.append(attrs.evolve(following, airs_at=upcoming.airs_at,
                                 air_date=upcoming.airs_at.date()))
    episodes += sorted(by_number.values(), key=lambda e: e.number)
    return EntryEpisodes(tuple(episodes + others), found.listed)
