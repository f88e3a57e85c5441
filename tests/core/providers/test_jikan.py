"""The Jikan provider against a stand-in answering Jikan v4's routes in their documented
shapes."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import httpx
import pytest

from aniworld_core import (
    Artwork,
    ArtworkKind,
    EpisodeInfo,
    ProviderError,
    ProviderIds,
    ProviderRef,
    RateLimit,
    open_provider,
)
from aniworld_core.providers.jikan import Jikan

from .provider_fakes import JikanApi, jikan_anime, jikan_episode, jikan_image, json_response

pytestmark = pytest.mark.anyio

BEBOP = ProviderRef("jikan", "1")


@pytest.fixture
async def jikan(jikan_api: JikanApi) -> AsyncIterator[Jikan]:
    async with open_provider(Jikan, transport=jikan_api.transport) as provider:
        yield provider


def test_declares_jikans_documented_limits() -> None:
    """Jikan is limited to 3 requests a second and 60 a minute, one series per request, and its
    refs are MyAnimeList ids."""
    assert Jikan.rate_limits == (RateLimit(3, 1.0), RateLimit(60, 60.0))
    assert (Jikan.batch_size, Jikan.id_type) == (1, "mal")


async def test_search(jikan_api: JikanApi, jikan: Jikan) -> None:
    """A search returns MAL's matches with MAL ids, years, formats in AniList's words, and the
    large poster."""
    jikan_api.anime[1] = jikan_anime(1)
    jikan_api.anime[5] = jikan_anime(5, title="Cowboy Bebop: Tengoku no Tobira",
                                     title_english="Cowboy Bebop: The Movie", type="Movie",
                                     titles=[], aired={"from": "2001-09-01T00:00:00+00:00"},
                                     year=None)
    results = await jikan.search("Cowboy Bebop")
    assert [(r.ref, r.title, r.year, r.format) for r in results] == [
        (ProviderRef("jikan", "1"), "Cowboy Bebop", 1998, "TV"),
        (ProviderRef("jikan", "5"), "Cowboy Bebop: The Movie", 2001, "MOVIE"),
    ]
    assert results[0].ids == ProviderIds(mal="1")
    assert results[0].poster_url == "https://cdn.myanimelist.net/images/anime/4/19645l.jpg"
    assert results[1].alt_titles == ("Cowboy Bebop: Tengoku no Tobira", "Kaubōi Bibappu")
    assert jikan_api.requests[0].url.params["q"] == "Cowboy Bebop"
    assert int(jikan_api.requests[0].url.params["limit"]) <= 25


async def test_series_metadata(jikan_api: JikanApi, jikan: Jikan) -> None:
    """Series metadata carries titles, plot without MAL's credit line, dates, status, genres,
    studios, score and votes."""
    jikan_api.anime[1] = jikan_anime(1)
    info = (await jikan.fetch_series([BEBOP]))["1"]
    assert (info.title, info.original_title) == ("Cowboy Bebop", "カウボーイビバップ")
    assert info.alt_titles == ("Kaubōi Bibappu", "Cowboy Bebop (Deutsch)")
    assert info.plot == ("Crime is timeless. By the year 2071, humanity has expanded across the "
                         "galaxy.")
    assert (info.premiered, info.year) == (dt.date(1998, 4, 3), 1998)
    assert (info.status, info.format, info.episode_count) == ("Ended", "TV", 26)
    assert info.genres == ("Action", "Award Winning")
    assert info.studios == ("Sunrise",)
    assert (info.rating, info.votes) == (8.75, 1004524)
    assert info.ids == ProviderIds(mal="1")
    assert info.artwork == (
        Artwork(ArtworkKind.POSTER, "https://cdn.myanimelist.net/images/anime/4/19645l.jpg"),
    )


async def test_unknown_series_are_left_out(jikan_api: JikanApi, jikan: Jikan) -> None:
    """A 404 for one id leaves it out while the others are fetched, one request each."""
    jikan_api.anime[1] = jikan_anime(1)
    found = await jikan.fetch_series([ProviderRef("jikan", "999999"), BEBOP])
    assert list(found) == ["1"]
    assert [r.url.path for r in jikan_api.requests] == ["/v4/anime/999999", "/v4/anime/1"]


async def test_episodes_come_from_every_page(jikan_api: JikanApi, jikan: Jikan) -> None:
    """All pages of the episode list are fetched (100 per page) and their titles kept."""
    jikan_api.anime[21] = jikan_anime(21, episodes=None, status="Currently Airing")
    jikan_api.episodes[21] = [jikan_episode(n) for n in range(1, 251)]
    episodes = await jikan.fetch_episodes(ProviderRef("jikan", "21"))
    assert len(episodes) == 250
    assert episodes[0] == EpisodeInfo(number=1, season=1, absolute_number=1,
                                      title="Episode 1 Title", air_date=dt.date(1998, 10, 24))
    assert episodes[-1].number == 250
    assert [r.url.params["page"] for r in jikan_api.requests] == ["1", "2", "3"]


async def test_a_page_that_never_ends_is_not_followed_forever(jikan_api: JikanApi,
                                                             jikan: Jikan) -> None:
    """An empty page claiming a next one ends the list instead of looping."""
    jikan_api.scripted = [
        json_response(200, {"pagination": {"last_visible_page": 9, "has_next_page": True},
                            "data": [jikan_episode(1)]}),
        json_response(200, {"pagination": {"last_visible_page": 9, "has_next_page": True},
                            "data": []}),
    ]
    episodes = await jikan.fetch_episodes(BEBOP)
    assert [e.number for e in episodes] == [1]
    assert len(jikan_api.requests) == 2


async def test_unknown_series_have_no_episodes_or_pictures(jikan_api: JikanApi,
                                                           jikan: Jikan) -> None:
    """A 404 (or an id that cannot be a MAL id) means no episodes and no artwork."""
    assert await jikan.fetch_episodes(ProviderRef("jikan", "424242")) == ()
    assert await jikan.fetch_artwork(ProviderRef("jikan", "424242")) == ()
    assert await jikan.fetch_series([ProviderRef("jikan", "tt123")]) == {}
    assert len(jikan_api.requests) == 2


async def test_pictures_are_posters(jikan_api: JikanApi, jikan: Jikan) -> None:
    """Each picture MAL has is offered as a poster, large version first choice, no duplicates."""
    jikan_api.anime[1] = jikan_anime(1)
    jikan_api.pictures[1] = [jikan_image("4/19644"), jikan_image("1/2"), jikan_image("4/19644")]
    assert await jikan.fetch_artwork(BEBOP) == (
        Artwork(ArtworkKind.POSTER, "https://cdn.myanimelist.net/images/anime/4/19644l.jpg"),
        Artwork(ArtworkKind.POSTER, "https://cdn.myanimelist.net/images/anime/1/2l.jpg"),
    )


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        (json_response(200, {"data": "Cowboy Bebop"}), "unexpected answer: data is not an object"),
        (json_response(200, {"data": {"title": "No id"}}),
         "unexpected answer: the anime has no valid mal_id"),
        (json_response(200, {"data": {"mal_id": 1, "title": None}}),
         "unexpected answer: anime 1 has no title"),
        (httpx.Response(200, content=b"<html>MyAnimeList is down</html>"),
         "the answer is not valid JSON (Expecting value: line 1 column 1 (char 0))"),
        (json_response(400, {"status": 400, "type": "ValidationException",
                             "message": "The id must be an integer.", "error": None}),
         "HTTP 400 Bad Request: The id must be an integer."),
    ],
)
async def test_malformed_answers_are_errors(answer: httpx.Response, reason: str,
                                            jikan_api: JikanApi, jikan: Jikan) -> None:
    """Answers of the wrong shape and client errors become ProviderErrors, never data."""
    jikan_api.scripted.append(answer)
    with pytest.raises(ProviderError) as caught:
        await jikan.fetch_series([BEBOP])
    assert (caught.value.provider, caught.value.request, caught.value.reason) == (
        "jikan", "series 1", reason
    )
