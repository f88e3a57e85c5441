"""The TVmaze provider against the fake TVmaze server: search with external ids, shows,
episodes, artwork, unknown shows, 429s and the rate limit."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import anyio
import pytest
from aniworld_tvmaze import TVmaze

from aniworld_core import (
    ArtworkKind,
    ProviderError,
    ProviderIds,
    ProviderRef,
    ProviderSettings,
    open_provider,
)
from aniworld_testing import RunningFake

pytestmark = pytest.mark.anyio

BEBOP = ProviderRef("tvmaze", "1253")
ATTACK_ON_TITAN = ProviderRef("tvmaze", "919")
UNKNOWN = ProviderRef("tvmaze", "987654321")


@pytest.fixture
async def tvmaze(fake_tvmaze: RunningFake) -> AsyncIterator[TVmaze]:
    async with open_provider(TVmaze, ProviderSettings(url=fake_tvmaze.api_url)) as provider:
        yield provider


async def test_search_carries_the_shows_tvdb_and_imdb_ids(tvmaze: TVmaze,
                                                          fake_images: RunningFake) -> None:
    """A search result carries TVmaze's id as the extra id ``tvmaze`` and the show's externals
    as TVDB and IMDb ids, so other providers can find the series."""
    results = await tvmaze.search("Cowboy Bebop")
    best = results[0]
    assert (best.ref, best.title, best.year) == (BEBOP, "Cowboy Bebop", 1998)
    assert best.ids == ProviderIds(tvdb="76885", imdb="tt0213338", extra={"tvmaze": "1253"})
    assert best.poster_url is not None
    assert best.poster_url.startswith(fake_images.url)


async def test_search_ranks_the_given_year_first(tvmaze: TVmaze) -> None:
    """The year only ranks: matches from that year come first, the others stay."""
    plain = await tvmaze.search("Fullmetal Alchemist")
    ranked = await tvmaze.search("Fullmetal Alchemist", year=2009)
    assert [(r.title, r.year) for r in plain] == [("Fullmetal Alchemist", 2003),
                                                  ("Fullmetal Alchemist: Brotherhood", 2009)]
    assert ranked == plain[::-1]


async def test_series_metadata(tvmaze: TVmaze) -> None:
    """A show becomes series metadata with a plain-text plot, airing state in Kodi's words,
    its ids and its poster; an unknown show is left out."""
    found = await tvmaze.fetch_series([BEBOP, UNKNOWN])
    assert list(found) == ["1253"]
    info = found["1253"]
    assert (info.ref, info.title, info.premiered) == (BEBOP, "Cowboy Bebop", dt.date(1998, 4, 3))
    assert (info.year, info.status) == (1998, "Ended")
    assert info.plot is not None
    assert "<p>" not in info.plot
    assert "Anime" in info.genres
    assert info.rating is not None
    assert 0 < info.rating <= 10
    assert info.ids == ProviderIds(tvdb="76885", imdb="tt0213338", extra={"tvmaze": "1253"})
    assert [art.kind for art in info.artwork] == [ArtworkKind.POSTER]


async def test_episodes_follow_the_shows_seasons(tvmaze: TVmaze,
                                                 fake_tvmaze: RunningFake) -> None:
    """A franchise's episodes keep TVmaze's season numbering (Attack on Titan: four seasons),
    with titles, air dates and runtimes."""
    episodes = await tvmaze.fetch_episodes(ATTACK_ON_TITAN)
    show = fake_tvmaze.dataset.show_by_tvmaze(919)
    assert show is not None
    expected = [(e.season, e.number, e.episode.title) for e in show.episodes()]
    assert [(e.season, e.number, e.title) for e in episodes] == expected
    assert {e.season for e in episodes} == {1, 2, 3, 4}
    assert all(e.air_date is not None and e.runtime for e in episodes)
    assert fake_tvmaze.stats.records[0].query == "specials=1"


async def test_artwork_kinds(tvmaze: TVmaze) -> None:
    """Poster, background (fanart), banner and typography (clearlogo) arrive at their
    original size, TVmaze's main image scoring highest."""
    artwork = await tvmaze.fetch_artwork(BEBOP)
    assert sorted(art.kind for art in artwork) == sorted(
        [ArtworkKind.POSTER, ArtworkKind.FANART, ArtworkKind.BANNER, ArtworkKind.CLEARLOGO]
    )
    assert all(art.score == 1.0 and art.language is None for art in artwork)
    assert len({art.url for art in artwork}) == 4


async def test_an_unknown_show_has_no_episodes_and_no_artwork(tvmaze: TVmaze,
                                                              fake_tvmaze: RunningFake) -> None:
    """TVmaze's 404 is an answer (nothing there), not an error; an id that is not a number is
    never asked for."""
    assert await tvmaze.fetch_episodes(UNKNOWN) == []
    assert await tvmaze.fetch_artwork(UNKNOWN) == []
    assert await tvmaze.fetch_series([ProviderRef("tvmaze", "bebop")]) == {}
    assert [record.status for record in fake_tvmaze.stats.records] == [404, 404]


async def test_a_429_pauses_until_retry_after(tvmaze: TVmaze, fake_tvmaze: RunningFake) -> None:
    """A 429 pauses TVmaze for its Retry-After, then the request is sent again and answers."""
    fake_tvmaze.options.force_429(1, retry_after=1)
    results = await tvmaze.search("Cowboy Bebop")
    assert results[0].ref == BEBOP
    refused, answered = fake_tvmaze.stats.records
    assert (refused.status, answered.status) == (429, 200)
    assert answered.time - refused.time >= 1.0


async def test_a_server_error_that_persists_is_a_provider_error(
    tvmaze: TVmaze, fake_tvmaze: RunningFake
) -> None:
    """A 5xx is retried, and when it persists it is a ProviderError naming TVmaze and the
    request."""
    fake_tvmaze.options.error_rate = 1.0
    with pytest.raises(ProviderError, match=r"^tvmaze: episodes of 1253: HTTP 500") as caught:
        await tvmaze.fetch_episodes(BEBOP)
    assert caught.value.status == 500
    assert fake_tvmaze.stats.count == 4


async def test_keeps_to_tvmazes_rate_limit(fake_tvmaze: RunningFake) -> None:
    """Many requests at once never put more into one of TVmaze's windows than it allows (the
    fake and the provider both run ten times faster here)."""
    fake_tvmaze.options.scale_rate_limits(10)  # 20 per second
    settings = ProviderSettings(url=fake_tvmaze.api_url, rate_scale=10)
    async with open_provider(TVmaze, settings) as tvmaze, anyio.create_task_group() as group:
        for _ in range(30):
            group.start_soon(tvmaze.fetch_artwork, BEBOP)
    assert (fake_tvmaze.stats.count, fake_tvmaze.stats.count_429) == (30, 0)
    assert fake_tvmaze.stats.max_requests_in_any_window(1.0) == 20
