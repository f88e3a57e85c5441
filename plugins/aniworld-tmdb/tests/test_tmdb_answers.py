"""TMDB answers the fake server does not give: specials and named seasons, a configuration
without an image base, and JSON of the wrong shape, which must become a ProviderError naming
TMDB and the request."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from aniworld_tmdb import TMDB

from aniworld_core import (
    Artwork,
    ArtworkKind,
    EpisodeInfo,
    ProviderError,
    ProviderRef,
    ProviderSettings,
    open_provider,
)

pytestmark = pytest.mark.anyio

BEBOP = ProviderRef("tmdb", "30991")
KEY = ProviderSettings(api_key="key")
CONFIGURATION = {"images": {"secure_base_url": "https://image.tmdb.org/t/p/"}}


def answering(routes: dict[str, Any]) -> httpx.MockTransport:
    """TMDB at the process edge: each path answers its JSON (``/3/configuration`` the real
    image base unless given), anything else is TMDB's 404."""
    routes = {"/3/configuration": CONFIGURATION, **routes}

    def handle(request: httpx.Request) -> httpx.Response:
        assert request.url.params["api_key"] == "key"
        if request.url.path in routes:
            return httpx.Response(200, json=routes[request.url.path])
        return httpx.Response(404, json={"status_code": 34, "success": False,
                                         "status_message": "The resource you requested could "
                                                           "not be found."})

    return httpx.MockTransport(handle)


def show(**changes: Any) -> dict[str, Any]:
    """``/tv/30991`` with its appended external ids and images, as TMDB sends it."""
    return {
        "id": 30991, "name": "Cowboy Bebop", "original_name": "カウボーイビバップ",
        "first_air_date": "1998-04-03", "overview": "In 2071, bounty hunters...",
        "status": "Ended", "vote_average": 8.5, "vote_count": 1500, "number_of_episodes": 26,
        "genres": [{"id": 16, "name": "Animation"}],
        "production_companies": [{"id": 1, "name": "Sunrise"}, {"id": 2, "name": "Sunrise"}],
        "seasons": [
            {"season_number": 0, "name": "Specials", "poster_path": None},
            {"season_number": 1, "name": "Season 1", "poster_path": "/s1.jpg"},
            {"season_number": 2, "name": "The Final Sessions", "poster_path": "/s2.jpg"},
        ],
        "external_ids": {"tvdb_id": 76885, "imdb_id": "tt0213338"},
        "images": {"posters": [{"file_path": "/p.jpg", "iso_639_1": "ja", "vote_average": 5.3}],
                   "backdrops": [{"file_path": "/b.jpg", "iso_639_1": None}],
                   "logos": [{"file_path": "/l.png", "iso_639_1": "en", "vote_average": 5.1}]},
        **changes,
    }


def season(number: int, *episodes: dict[str, Any]) -> dict[str, Any]:
    return {"id": 100 + number, "season_number": number, "episodes": list(episodes)}


def episode(number: int, season_number: int, **changes: Any) -> dict[str, Any]:
    return {"id": 1000 * season_number + number, "episode_number": number,
            "season_number": season_number, "name": f"Session {number}",
            "air_date": None, "overview": "", "runtime": 24, **changes}


async def test_specials_named_seasons_and_season_posters() -> None:
    """Season 0 holds specials; only seasons with a real name are named; each season poster
    keeps its season; unknown air dates and empty plots stay unknown."""
    async with open_provider(TMDB, KEY, transport=answering({
        "/3/tv/30991": show(),
        "/3/tv/30991/season/0": season(0, episode(1, 0, name="Session XX")),
        "/3/tv/30991/season/1": season(1, episode(1, 1, air_date="1998-04-03")),
        "/3/tv/30991/season/2": season(2, episode(1, 2, overview="The end.")),
    })) as tmdb:
        info = (await tmdb.fetch_series([BEBOP]))["30991"]
        episodes = await tmdb.fetch_episodes(BEBOP)
    assert info.season_names == ((2, "The Final Sessions"),)
    assert (info.studios, info.rating, info.votes) == (("Sunrise",), 8.5, 1500)
    base = "https://image.tmdb.org/t/p/original"
    assert info.artwork == (
        Artwork(ArtworkKind.POSTER, f"{base}/p.jpg", language="ja", score=5.3),
        Artwork(ArtworkKind.FANART, f"{base}/b.jpg"),
        Artwork(ArtworkKind.CLEARLOGO, f"{base}/l.png", language="en", score=5.1),
        Artwork(ArtworkKind.SEASON_POSTER, f"{base}/s1.jpg", season=1),
        Artwork(ArtworkKind.SEASON_POSTER, f"{base}/s2.jpg", season=2),
    )
    assert episodes == [
        EpisodeInfo(1, 0, title="Session XX", runtime=24),
        EpisodeInfo(1, 1, title="Session 1", air_date=info.premiered, runtime=24),
        EpisodeInfo(1, 2, title="Session 1", plot="The end.", runtime=24),
    ]


async def test_a_listed_season_that_is_gone_is_skipped() -> None:
    """A season the show lists but TMDB no longer has (404) is skipped; the others count."""
    async with open_provider(TMDB, KEY, transport=answering({
        "/3/tv/30991": show(),
        "/3/tv/30991/season/1": season(1, episode(1, 1), episode(2, 1)),
    })) as tmdb:
        episodes = await tmdb.fetch_episodes(BEBOP)
    assert [(e.season, e.number) for e in episodes] == [(1, 1), (1, 2)]


async def test_an_unrated_show_has_no_rating() -> None:
    """A vote average without votes is no rating; a TVDB id of 0 is no id."""
    async with open_provider(TMDB, KEY, transport=answering({"/3/tv/30991": show(
        vote_average=0.0, vote_count=0, external_ids={"tvdb_id": 0, "imdb_id": ""},
    )})) as tmdb:
        info = (await tmdb.fetch_series([BEBOP]))["30991"]
    assert (info.rating, info.votes, info.ids.tvdb, info.ids.imdb) == (None, None, None, None)


async def test_a_configuration_without_an_image_base_falls_back_to_tmdbs() -> None:
    """When ``/configuration`` names no image base, TMDB's well-known one is used."""
    async with open_provider(TMDB, KEY, transport=answering({
        "/3/configuration": {"images": {}},
        "/3/search/tv": {"page": 1, "results": [{"id": 30991, "name": "Cowboy Bebop",
                                                 "poster_path": "/p.jpg"}]},
    })) as tmdb:
        [result] = await tmdb.search("Cowboy Bebop")
    assert result.poster_url == "https://image.tmdb.org/t/p/original/p.jpg"


Call = Callable[[TMDB], Awaitable[object]]


def search(tmdb: TMDB) -> Awaitable[object]:
    return tmdb.search("Cowboy Bebop")


def series(tmdb: TMDB) -> Awaitable[object]:
    return tmdb.fetch_series([BEBOP])


def episodes(tmdb: TMDB) -> Awaitable[object]:
    return tmdb.fetch_episodes(BEBOP)


def artwork(tmdb: TMDB) -> Awaitable[object]:
    return tmdb.fetch_artwork(BEBOP)


@pytest.mark.parametrize(("call", "routes", "message"), [
    (search, {"/3/search/tv": [{"id": 1}]},
     "tmdb: search 'Cowboy Bebop': unexpected answer: the answer is not an object"),
    (search, {"/3/search/tv": {"results": [{"id": "30991", "name": "Bebop"}]}},
     "a show has no valid id"),
    (search, {"/3/configuration": {"images": "https://image.tmdb.org/t/p/"},
              "/3/search/tv": {"results": []}},
     "tmdb: configuration: unexpected answer: the configuration's images is not an object"),
    (series, {"/3/tv/30991": show(name=None, original_name=None)},
     "tmdb: show 30991: unexpected answer: show 30991 has no name"),
    (series, {"/3/tv/30991": show(external_ids=[76885])},
     "the external_ids of show 30991 is not an object"),
    (series, {"/3/tv/30991": show(genres={"name": "Animation"})}, "genres is not a list"),
    (episodes, {"/3/tv/30991": show(seasons=[{"season_number": "1"}])},
     "tmdb: seasons of 30991: unexpected answer: a season has no valid season_number"),
    (episodes, {"/3/tv/30991": show(seasons=[{"season_number": 1}]),
                "/3/tv/30991/season/1": season(1, episode(1, 1, episode_number=None))},
     "tmdb: season 1 of 30991: unexpected answer: episode 1001 has no valid episode_number"),
    (episodes, {"/3/tv/30991": show(seasons=[{"season_number": 1}]),
                "/3/tv/30991/season/1": {"episodes": {"1": {}}}}, "episodes is not a list"),
    (artwork, {"/3/tv/30991": show(images={"logos": {"file_path": "/l.png"}})},
     "tmdb: images of 30991: unexpected answer: images.logos is not a list"),
])
async def test_an_answer_of_the_wrong_shape_is_a_provider_error(
    call: Call, routes: dict[str, Any], message: str
) -> None:
    """JSON that is not what TMDB documents is a ProviderError naming TMDB, the request and what
    is wrong, never a KeyError or TypeError."""
    async with open_provider(TMDB, KEY, transport=answering(routes)) as tmdb:
        with pytest.raises(ProviderError, match=r"^tmdb: ") as caught:
            await call(tmdb)
    assert message in str(caught.value)


async def test_a_failing_season_fails_the_episode_list() -> None:
    """A season that answers with an error (not a 404) fails the whole list rather than
    returning a partial one."""

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/3/tv/30991":
            return httpx.Response(200, json=show())
        return httpx.Response(403, json={"status_code": 3, "success": False,
                                         "status_message": "Authentication failed"})

    async with open_provider(TMDB, KEY, transport=httpx.MockTransport(handle)) as tmdb:
        with pytest.raises(ProviderError, match=r"^tmdb: season 0 of 30991: HTTP 403") as caught:
            await tmdb.fetch_episodes(BEBOP)
    assert caught.value.status == 403
