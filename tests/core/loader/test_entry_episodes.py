"""An entry's episode list from what its own answer carries, and an airing entry's list
completed with the episodes that aired and the one that airs next."""

from __future__ import annotations

import datetime as dt

from aniworld_core.loader.entry_episodes import (
    EntryEpisodes,
    aired_count,
    from_titles,
    settled,
    with_airing,
)
from aniworld_core.metadata import Airing, EpisodeInfo, ProviderRef, SeriesInfo
from aniworld_core.models import Episode

NOW = dt.datetime(2026, 12, 5, 18, 0, tzinfo=dt.UTC)  # a Saturday evening
NEXT = Airing(7, dt.datetime(2026, 12, 12, 15, 0, tzinfo=dt.UTC))


def entry(**fields: object) -> SeriesInfo:
    return SeriesInfo(ref=ProviderRef("anilist", "9"), title="Show",
                      **{"format": "TV", **fields})  # type: ignore[arg-type]


def test_stream_titles_of_every_aired_episode_are_the_list() -> None:
    airing = entry(status="Continuing", episode_count=12, next_airing=NEXT,
                   episode_titles=tuple((n, f"Title {n}") for n in range(1, 7)))
    assert aired_count(airing) == 6
    assert from_titles(airing) == tuple(
        EpisodeInfo(number=n, absolute_number=n, title=f"Title {n}") for n in range(1, 7))
    finished = entry(status="Ended", episode_count=3,
                     episode_titles=((1, "A"), (2, "B"), (3, "C")))
    assert [e.title for e in from_titles(finished) or ()] == ["A", "B", "C"]


def test_titles_with_a_gap_or_an_unknown_count_leave_the_list_to_the_lister() -> None:
    assert from_titles(entry(status="Ended", episode_count=3,
                             episode_titles=((1, "A"), (3, "C")))) is None
    # Airing with no next episode known: how many aired is not known.
    assert from_titles(entry(status="Continuing", episode_titles=((1, "A"),))) is None
    assert from_titles(entry(status="Ended", episode_count=1, format="MOVIE",
                             episode_titles=((1, "A"),))) is None


def test_an_airing_entry_gets_its_aired_episodes_and_the_next_one() -> None:
    """Listed 1-4 of 6 aired (MyAnimeList is behind): 5 and 6 are added untitled; 6, dated
    today, counts as aired now; 7 airs at its moment. What was listed stays as listed."""
    listed = [EpisodeInfo(number=n, absolute_number=n, title=f"T{n}",
                          air_date=dt.date(2026, 10, 31) + dt.timedelta(weeks=n - 1))
              for n in range(1, 5)]
    listed.append(EpisodeInfo(number=6, absolute_number=6, air_date=NOW.date()))
    found = with_airing(EntryEpisodes.of(listed), entry(status="Continuing", next_airing=NEXT),
                        NOW)
    assert [(e.number, e.title, e.airs_at) for e in found.episodes] == [
        (1, "T1", None), (2, "T2", None), (3, "T3", None), (4, "T4", None), (5, None, None),
        (6, None, NOW), (7, None, NEXT.airs_at)]
    assert found.episodes[-1].air_date == dt.date(2026, 12, 12)
    assert found.listed == frozenset({1, 2, 3, 4, 6})


def test_a_finished_entry_is_left_as_listed() -> None:
    found = EntryEpisodes.of([EpisodeInfo(number=1)])
    assert with_airing(found, entry(status="Ended", episode_count=1), NOW) is found


def test_a_stored_list_holds_while_the_entry_stays_finished_and_unchanged() -> None:
    stored = entry(status="Ended", episode_count=12, updated_at=100)
    episodes = [Episode("s", 1, 1, entry=stored.ref, entry_number=1)]
    assert settled(stored, stored, episodes)
    assert not settled(stored, stored, [])
    assert not settled(None, stored, episodes)
    for fresh in (entry(status="Ended", episode_count=13, updated_at=100),
                  entry(status="Ended", episode_count=12, updated_at=101),
                  entry(status="Continuing", episode_count=12, updated_at=100)):
        assert not settled(stored, fresh, episodes)
    airing = entry(status="Continuing", episode_count=12, updated_at=100)
    assert not settled(airing, airing, episodes)
