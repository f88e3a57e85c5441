"""The fake TVmaze answers like api.tvmaze.com."""

from __future__ import annotations

import pytest

from aniworld_testing import FakeOptions, FakeTVmaze

pytestmark = pytest.mark.anyio


@pytest.fixture
def tvmaze() -> FakeTVmaze:
    return FakeTVmaze(options=FakeOptions())  # no rate limit: these tests are about shapes


async def test_search_returns_scored_shows(tvmaze: FakeTVmaze) -> None:
    """/search/shows?q= is a list of {score, show}, best first, one entry per franchise."""
    async with tvmaze.client() as client:
        results = (await client.get("/search/shows", params={"q": "Attack on Titan"})).json()
    assert [r["show"]["id"] for r in results] == [919]
    show = results[0]["show"]
    assert results[0]["score"] == 1.0
    assert show["name"] == "Attack on Titan"
    assert show["externals"] == {"tvrage": None, "thetvdb": 267440, "imdb": "tt2560140"}
    assert show["status"] == "Ended"
    assert show["image"]["original"].startswith(tvmaze.image_url)


async def test_lookup_redirects_to_the_show_like_the_real_api(tvmaze: FakeTVmaze) -> None:
    """/lookup/shows?thetvdb= answers 301 to /shows/{id}; following it lands on the show."""
    async with tvmaze.client() as client:
        redirect = await client.get("/lookup/shows", params={"thetvdb": 76885})
        followed = await client.get("/lookup/shows", params={"imdb": "tt0213338"},
                                    follow_redirects=True)
    assert redirect.status_code == 301
    assert redirect.headers["location"].endswith("/shows/1253")
    assert followed.status_code == 200
    assert followed.json()["name"] == "Cowboy Bebop"


async def test_unknown_ids_are_404_with_tvmazes_body(tvmaze: FakeTVmaze) -> None:
    """An unknown TVDB id in a lookup and an unknown show are both TVmaze-style 404s."""
    async with tvmaze.client() as client:
        lookup = await client.get("/lookup/shows", params={"thetvdb": 1})
        show = await client.get("/shows/99999999/episodes")
    for response in (lookup, show):
        assert response.status_code == 404
        assert response.json()["status"] == 404
        assert response.json()["name"] == "Not Found"


async def test_episodes_are_numbered_by_season(tvmaze: FakeTVmaze) -> None:
    """A franchise's episodes carry TVDB-style seasons, split cours continuing their season."""
    async with tvmaze.client() as client:
        episodes = (await client.get("/shows/919/episodes")).json()
    assert set(episodes[0]) >= {"id", "name", "season", "number", "airdate", "runtime",
                                "image", "summary"}
    season_three = [e for e in episodes if e["season"] == 3]
    assert [e["number"] for e in season_three] == list(range(1, 23))
    assert season_three[12]["airdate"] == "2019-04-29"
    assert len({e["id"] for e in episodes}) == len(episodes) == 87


async def test_images_list_typed_artwork(tvmaze: FakeTVmaze) -> None:
    """/shows/{id}/images lists poster, background and banner with resolutions."""
    async with tvmaze.client() as client:
        images = (await client.get("/shows/1253/images")).json()
    kinds = {i["type"] for i in images}
    assert {"poster", "background", "banner"} <= kinds
    poster = next(i for i in images if i["type"] == "poster")
    assert poster["resolutions"]["original"]["width"] == 680


async def test_tvmaze_allows_twenty_calls_per_ten_seconds() -> None:
    """The 21st call within ten seconds is a 429 (TVmaze sends no Retry-After)."""
    tvmaze = FakeTVmaze()
    async with tvmaze.client() as client:
        statuses = [(await client.get("/shows/1253")).status_code for _ in range(21)]
        limited = await client.get("/shows/1253")
    assert statuses == [200] * 20 + [429]
    assert limited.json()["status"] == 429
    assert "Retry-After" not in limited.headers
