"""When an airing show's next check comes, on a simulated clock."""

from __future__ import annotations

import datetime as dt

from aniworld_core.loader.entry_episodes import EntryEpisodes
from aniworld_core.metadata import Airing, EpisodeInfo, ProviderRef, SeriesInfo
from aniworld_core.refresh.airing import Plan, plan_next
from aniworld_core.settings import RefreshSettings

SETTINGS = RefreshSettings(airing_delay=3 * 3600, airing_retry=3600, airing_tries=3)
AIRS = dt.datetime(2026, 12, 12, 15, 0, tzinfo=dt.UTC)
NOW = dt.datetime(2026, 12, 8, 9, 0, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)


def airing(next_episode: int, listed: int) -> tuple[SeriesInfo, EntryEpisodes]:
    info = SeriesInfo(ref=ProviderRef("anilist", "9"), title="Show", status="Continuing",
                      next_airing=Airing(next_episode, AIRS))
    return info, EntryEpisodes.of([EpisodeInfo(number=n) for n in range(1, listed + 1)])


def test_the_check_comes_when_the_next_episode_has_aired_plus_the_delay() -> None:
    assert plan_next([airing(7, 6)], None, NOW, SETTINGS) == Plan(AIRS + 3 * HOUR,
                                                                  "anilist:9", 7)


def test_an_episode_not_listed_yet_is_checked_again_with_growing_waits() -> None:
    """Episode 7 aired, the lister lists 6: again in 1 h, 2 h, 4 h; after the third check
    the next episode is planned anyway."""
    first = plan_next([airing(8, 6)], {"entry": "anilist:9", "episode": 7, "tries": 0}, NOW,
                      SETTINGS)
    assert first == Plan(NOW + HOUR, "anilist:9", 7, 1)
    second = plan_next([airing(8, 6)], first.payload("s") if first else None, NOW, SETTINGS)
    assert second == Plan(NOW + 2 * HOUR, "anilist:9", 7, 2)
    third = plan_next([airing(8, 6)], second.payload("s") if second else None, NOW, SETTINGS)
    assert third == Plan(NOW + 4 * HOUR, "anilist:9", 7, 3)
    given_up = plan_next([airing(8, 6)], third.payload("s") if third else None, NOW, SETTINGS)
    assert given_up == Plan(AIRS + 3 * HOUR, "anilist:9", 8)


def test_once_listed_the_next_episode_is_planned() -> None:
    answered = {"entry": "anilist:9", "episode": 7, "tries": 2}
    assert plan_next([airing(8, 7)], answered, NOW, SETTINGS) == Plan(AIRS + 3 * HOUR,
                                                                      "anilist:9", 8)


def test_a_provider_that_has_not_moved_on_is_not_asked_again_at_once() -> None:
    """The next episode's moment plus the delay is past (the provider still names the episode
    that aired): the check comes after the retry wait, not in a loop."""
    late = AIRS + 5 * HOUR
    assert plan_next([airing(7, 6)], None, late, SETTINGS) == Plan(late + HOUR, "anilist:9", 7)


def test_finished_shows_and_switched_off_checks_plan_nothing() -> None:
    finished = SeriesInfo(ref=ProviderRef("anilist", "1"), title="Done", status="Ended")
    assert plan_next([(finished, EntryEpisodes.of([]))], None, NOW, SETTINGS) is None
    off = RefreshSettings(airing_delay=-1)
    assert plan_next([airing(7, 6)], None, NOW, off) is None


def test_the_airing_entry_of_a_chain_is_the_one_planned() -> None:
    before = SeriesInfo(ref=ProviderRef("anilist", "1"), title="Season 1", status="Ended")
    plan = plan_next([(before, EntryEpisodes.of([])), airing(3, 2)], None, NOW, SETTINGS)
    assert plan == Plan(AIRS + 3 * HOUR, "anilist:9", 3)
