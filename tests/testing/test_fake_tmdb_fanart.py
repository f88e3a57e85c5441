"""The fake TMDB and fanart.tv answer like the real keyed APIs."""

from __future__ import annotations

import pytest

from aniworld_testing import FakeFanart, FakeOptions, FakeTMDB

pytestmark = pytest.mark.anyio

KEY = {"api_key": "test-key"}


@pytest.fixture
def tmdb() -> FakeTMDB:
    return FakeTMDB(options=FakeOptions())


@pytest.fixture
def fanart() -> FakeFanart:
    return FakeFanart(options=FakeOptions())


async def test_tmdb_without_a_key_is_401_with_status_code_7(tmdb: FakeTMDB) -> None:
    """No api_key and no Bearer token: 401 and TMDB's exact body."""
    async with tmdb.client() as client:
        response = await client.get("/search/tv", params={"query": "Frieren"})
    assert response.status_code == 401
    assert response.json() == {"status_code": 7, "status_message":
                               "Invalid API key: You must be granted a valid key.",
                               "success": False}


async def test_tmdb_accepts_a_key_or_a_bearer_token(tmdb: FakeTMDB) -> None:
    """Either credential works; with api_keys set, only the listed keys do."""
    async with tmdb.client() as client:
        by_key = await client.get("/tv/1429", params=KEY)
        by_token = await client.get("/tv/1429", headers={"Authorization": "Bearer token"})
        tmdb.options.api_keys = frozenset({"the-only-key"})
        wrong = await client.get("/tv/1429", params=KEY)
        right = await client.get("/tv/1429", params={"api_key": "the-only-key"})
    assert [r.status_code for r in (by_key, by_token, wrong, right)] == [200, 200, 401, 200]


async def test_tmdb_details_append_external_ids_and_images(tmdb: FakeTMDB) -> None:
    """append_to_response=external_ids,images embeds both; seasons follow the TVDB split."""
    async with tmdb.client() as client:
        plain = (await client.get("/tv/1429", params=KEY)).json()
        full = (await client.get("/tv/1429", params={
            **KEY, "append_to_response": "external_ids,images"})).json()
    assert "external_ids" not in plain
    assert full["external_ids"]["tvdb_id"] == 267440
    assert full["external_ids"]["imdb_id"] == "tt2560140"
    assert set(full["images"]) == {"backdrops", "logos", "posters"}
    assert full["images"]["posters"][0]["file_path"].startswith("/")
    assert [(s["season_number"], s["episode_count"]) for s in full["seasons"]] == [
        (1, 25), (2, 12), (3, 22), (4, 28)]
    assert full["number_of_episodes"] == 87


async def test_tmdb_season_and_unknown_ids(tmdb: FakeTMDB) -> None:
    """/tv/{id}/season/{n} lists that season's episodes; unknown ids are 404, code 34."""
    async with tmdb.client() as client:
        season = (await client.get("/tv/1429/season/4", params=KEY)).json()
        missing_season = await client.get("/tv/1429/season/9", params=KEY)
        missing_show = await client.get("/tv/99999999", params=KEY)
    assert season["season_number"] == 4
    assert [e["episode_number"] for e in season["episodes"]] == list(range(1, 29))
    for response in (missing_season, missing_show):
        assert response.status_code == 404
        assert response.json()["status_code"] == 34


async def test_tmdb_find_by_tvdb_and_imdb_ids(tmdb: FakeTMDB) -> None:
    """/find/{id}?external_source= finds the show by TVDB or IMDb id, nothing for unknowns."""
    async with tmdb.client() as client:
        by_tvdb = (await client.get("/find/85249", params={
            **KEY, "external_source": "tvdb_id"})).json()
        by_imdb = (await client.get("/find/tt1355642", params={
            **KEY, "external_source": "imdb_id"})).json()
        unknown = (await client.get("/find/1", params={
            **KEY, "external_source": "tvdb_id"})).json()
    assert [r["id"] for r in by_tvdb["tv_results"]] == [31911]
    assert by_imdb["tv_results"] == by_tvdb["tv_results"]
    assert unknown["tv_results"] == []
    assert set(unknown) == {"movie_results", "person_results", "tv_results",
                            "tv_episode_results", "tv_season_results"}


async def test_tmdb_image_paths_resolve_under_the_configured_base(tmdb: FakeTMDB) -> None:
    """secure_base_url from /configuration plus a size and file_path is an image host URL."""
    async with tmdb.client() as client:
        config = (await client.get("/configuration", params=KEY)).json()
        images = (await client.get("/tv/30991/images", params=KEY)).json()
    url = config["images"]["secure_base_url"] + "original" + images["posters"][0]["file_path"]
    assert url.startswith(tmdb.image_url + "/t/p/original/tmdb-poster-30991-")


async def test_tmdb_429_has_status_code_25_and_retry_after() -> None:
    """Over TMDB's limit the answer is 429 with status_code 25 and Retry-After."""
    tmdb = FakeTMDB()
    tmdb.options.force_429(1, retry_after=2)
    async with tmdb.client() as client:
        response = await client.get("/tv/1429", params=KEY)
    assert response.status_code == 429
    assert response.json()["status_code"] == 25
    assert response.headers["Retry-After"] == "2"


async def test_fanart_lists_artwork_kinds_as_strings(fanart: FakeFanart) -> None:
    """/v3/tv/{tvdb} lists artwork kinds of {id, url, lang, likes}, season posters by season."""
    async with fanart.client() as client:
        body = (await client.get("/tv/267440", params=KEY)).json()
    assert body["thetvdb_id"] == "267440"
    assert body["name"] == "Attack on Titan"
    logos = body.get("hdtvlogo", []) + body.get("clearlogo", [])
    assert logos
    for kind in ("hdtvlogo", "clearlogo", "showbackground", "tvposter", "tvbanner"):
        for item in body.get(kind, []):
            assert set(item) >= {"id", "url", "lang", "likes"}
            assert all(isinstance(v, str) for v in item.values())
    assert [p["season"] for p in body["seasonposter"]] == ["1", "2", "3", "4"]


async def test_fanart_needs_a_key_and_404s_without_artwork(fanart: FakeFanart) -> None:
    """No key is 401; a show without artwork or an unknown TVDB id is fanart.tv's 404."""
    async with fanart.client() as client:
        keyless = await client.get("/tv/267440")
        bare = await client.get("/tv/78872", params=KEY)  # Serial Experiments Lain: no art
        unknown = await client.get("/tv/1", params=KEY)
    assert keyless.status_code == 401
    assert keyless.json() == {"status": "error", "error message": "Invalid API key"}
    for response in (bare, unknown):
        assert response.status_code == 404
        assert response.json() == {"status": "error", "error message": "Not found"}
