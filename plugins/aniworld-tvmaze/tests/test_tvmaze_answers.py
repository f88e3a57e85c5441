"""TVmaze answers the fake server does not give: specials, and JSON of the wrong shape, which
must become a ProviderError naming TVmaze and the request."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from aniworld_tvmaze import TVmaze

from aniworld_core import EpisodeInfo, ProviderError, ProviderRef, open_provider

pytestmark = pytest.mark.anyio

BEBOP = ProviderRef("tvmaze", "1253")


def answering(routes: dict[str, Any]) -> httpx.MockTransport:
    """TVmaze at the process edge: each path answers its JSON, anything else is a 404."""

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path in routes:
            return httpx.Response(200, json=routes[request.url.path])
        return httpx.Response(404, json={"name": "Not Found", "message": "", "code": 0,
                                         "status": 404})

    return httpx.MockTransport(handle)


def episode(episode_id: int, season: int, number: int | None, kind: str = "regular",
            **changes: Any) -> dict[str, Any]:
    """An episode as ``/shows/{id}/episodes?specials=1`` lists it."""
    return {"id": episode_id, "url": f"https://www.tvmaze.com/episodes/{episode_id}",
            "name": f"Episode {episode_id}", "season": season, "number": number, "type": kind,
            "airdate": "1998-10-24", "airtime": "", "airstamp": None, "runtime": 24,
            "rating": {"average": None}, "image": None,
            "summary": "<p>Spike &amp; Jet<br>meet Faye.</p>", **changes}


async def test_specials_go_to_season_zero() -> None:
    """Specials (no number) are numbered in TVmaze's order in season 0; insignificant ones are
    left out; summaries become plain text and an unknown air date stays unknown."""
    listed = [
        episode(1, 1, 1),
        episode(2, 1, None, "significant_special", name="Session XX"),
        episode(3, 1, 2, airdate=""),
        episode(4, 1, None, "insignificant_special"),
        episode(5, 1, None, "significant_special", summary=None, runtime=None),
    ]
    async with open_provider(TVmaze, transport=answering(
        {"/shows/1253/episodes": listed}
    )) as tvmaze:
        episodes = await tvmaze.fetch_episodes(BEBOP)
    assert episodes == [
        EpisodeInfo(1, 1, title="Episode 1", air_date=dt.date(1998, 10, 24),
                    plot="Spike & Jet\nmeet Faye.", runtime=24),
        EpisodeInfo(1, 0, title="Session XX", air_date=dt.date(1998, 10, 24),
                    plot="Spike & Jet\nmeet Faye.", runtime=24),
        EpisodeInfo(2, 1, title="Episode 3", plot="Spike & Jet\nmeet Faye.", runtime=24),
        EpisodeInfo(2, 0, title="Episode 5", air_date=dt.date(1998, 10, 24)),
    ]


Call = Callable[[TVmaze], Awaitable[object]]


def search(tvmaze: TVmaze) -> Awaitable[object]:
    return tvmaze.search("Cowboy Bebop")


def series(tvmaze: TVmaze) -> Awaitable[object]:
    return tvmaze.fetch_series([BEBOP])


def episodes(tvmaze: TVmaze) -> Awaitable[object]:
    return tvmaze.fetch_episodes(BEBOP)


def artwork(tvmaze: TVmaze) -> Awaitable[object]:
    return tvmaze.fetch_artwork(BEBOP)


@pytest.mark.parametrize(("call", "path", "body", "message"), [
    (search, "/search/shows", {"shows": []},
     "search 'Cowboy Bebop': unexpected answer: the answer is not a list"),
    (search, "/search/shows", [{"score": 1, "show": {"id": "1253", "name": "Cowboy Bebop"}}],
     "a show has no valid id"),
    (search, "/search/shows", [{"score": 1}], "the show of a search result is not an object"),
    (series, "/shows/1253", {"id": 1253, "name": None}, "show 1253: unexpected answer: show "
                                                         "1253 has no name"),
    (series, "/shows/1253", {"id": 1253, "name": "Bebop", "externals": ["76885"]},
     "the externals of show 1253 is not an object"),
    (series, "/shows/1253", [], "the answer is not an object"),
    (episodes, "/shows/1253/episodes", [episode(1, 1, "1")],
     "episodes of 1253: unexpected answer: episode 1 has no valid number"),
    (episodes, "/shows/1253/episodes", [episode(1, None, 1)], "episode 1 has no valid season"),
    (episodes, "/shows/1253/episodes", {"episodes": []}, "the answer is not a list"),
    (artwork, "/shows/1253/images", [{"id": 1, "type": "poster", "resolutions": "big"}],
     "images of 1253: unexpected answer: the resolutions of an image is not an object"),
    (artwork, "/shows/1253/images", ["poster.jpg"], "an item of the answer is not an object"),
])
async def test_an_answer_of_the_wrong_shape_is_a_provider_error(
    call: Call, path: str, body: Any, message: str
) -> None:
    """JSON that is not what TVmaze documents is a ProviderError naming TVmaze, the request and
    what is wrong, never a KeyError or TypeError."""
    async with open_provider(TVmaze, transport=answering({path: body})) as tvmaze:
        with pytest.raises(ProviderError, match=r"^tvmaze: ") as caught:
            await call(tvmaze)
    assert message in str(caught.value)


async def test_an_answer_that_is_not_json_is_a_provider_error() -> None:
    """A 200 whose body is not JSON (a proxy's error page) is a ProviderError, not data."""
    transport = httpx.MockTransport(lambda request: httpx.Response(200, text="<html>oops"))
    async with open_provider(TVmaze, transport=transport) as tvmaze:
        with pytest.raises(ProviderError, match=r"^tvmaze: search 'Bebop': .*not valid JSON"):
            await tvmaze.search("Bebop")
