"""The fake Jikan answers like api.jikan.moe/v4."""

from __future__ import annotations

import pytest

from aniworld_testing import FakeJikan, FakeOptions

pytestmark = pytest.mark.anyio


@pytest.fixture
def jikan() -> FakeJikan:
    return FakeJikan(options=FakeOptions())  # no rate limit: these tests are about shapes


async def test_episode_pages_cover_all_of_one_piece(jikan: FakeJikan) -> None:
    """Following has_next_page through One Piece's episodes yields every episode once, 100 a
    page, and the last page says there is no next one."""
    numbers: list[int] = []
    pages = 0
    async with jikan.client() as client:
        page, more = 1, True
        while more:
            body = (await client.get("/anime/21/episodes", params={"page": page})).json()
            pages += 1
            assert len(body["data"]) <= 100
            assert body["pagination"]["last_visible_page"] == 12
            numbers += [e["mal_id"] for e in body["data"]]
            more = body["pagination"]["has_next_page"]
            page += 1
    assert pages == 12
    assert numbers == list(range(1, 1123))


async def test_episode_items_have_jikans_fields(jikan: FakeJikan) -> None:
    """Episodes carry title, Japanese and romanji titles, an ISO air date, filler and recap."""
    async with jikan.client() as client:
        bebop = (await client.get("/anime/1/episodes")).json()
        one_piece = (await client.get("/anime/21/episodes", params={"page": 1})).json()
    first = bebop["data"][0]
    assert set(first) >= {"mal_id", "url", "title", "title_japanese", "title_romanji", "aired",
                          "score", "filler", "recap"}
    assert first["title"] == "Asteroid Blues"
    assert first["aired"].startswith("1998-04-03T")
    assert bebop["pagination"] == {"last_visible_page": 1, "has_next_page": False}
    assert one_piece["data"][53]["filler"] is True


async def test_anime_and_full_anime_shapes(jikan: FakeJikan) -> None:
    """/anime/{id} has the core fields; /full adds relations by MAL id."""
    async with jikan.client() as client:
        anime = (await client.get("/anime/16498")).json()["data"]
        full = (await client.get("/anime/16498/full")).json()["data"]
    assert anime["mal_id"] == 16498
    assert anime["title_english"] == "Attack on Titan"
    assert anime["episodes"] == 25
    assert anime["status"] == "Finished Airing"
    assert anime["aired"]["prop"]["from"] == {"day": 7, "month": 4, "year": 2013}
    assert anime["images"]["jpg"]["large_image_url"].startswith(jikan.image_url)
    assert {"type": "English", "title": "Attack on Titan"} in anime["titles"]
    assert "relations" not in anime
    assert full["relations"] == [{"relation": "Sequel", "entry": [
        {"mal_id": 25777, "type": "anime", "name": "Shingeki no Kyojin 2",
         "url": "https://myanimelist.net/anime/25777/Shingeki_no_Kyojin_2"}]}]


async def test_search_is_paginated_with_jikans_pagination_block(jikan: FakeJikan) -> None:
    """/anime?q= returns best matches first, pages of `limit`, and full pagination counts."""
    async with jikan.client() as client:
        first = (await client.get("/anime", params={"q": "Attack on Titan", "limit": 4})).json()
        second = (await client.get("/anime", params={"q": "Attack on Titan", "limit": 4,
                                                     "page": 2})).json()
    assert first["data"][0]["mal_id"] == 16498
    assert first["pagination"] == {"last_visible_page": 2, "has_next_page": True,
                                   "current_page": 1,
                                   "items": {"count": 4, "total": 6, "per_page": 4}}
    assert second["pagination"]["has_next_page"] is False
    assert second["pagination"]["items"]["count"] == 2


async def test_a_limit_over_25_is_a_validation_error(jikan: FakeJikan) -> None:
    """limit=26 is HTTP 400 with Jikan's ValidationException body."""
    async with jikan.client() as client:
        response = await client.get("/anime", params={"q": "naruto", "limit": 26})
    assert response.status_code == 400
    body = response.json()
    assert body["type"] == "ValidationException"
    assert "limit" in body["messages"]


async def test_unknown_anime_is_a_404_with_jikans_body(jikan: FakeJikan) -> None:
    """An unknown mal_id answers Jikan's BadResponseException 404."""
    async with jikan.client() as client:
        response = await client.get("/anime/999999999/episodes")
    assert response.status_code == 404
    assert response.json() == {"status": 404, "type": "BadResponseException",
                               "message": "Resource does not exist",
                               "error": "404 on https://myanimelist.net/anime/999999999/"}


async def test_jikan_limits_to_three_a_second_with_its_429_body() -> None:
    """The fourth request within a second is a 429 RateLimitException without Retry-After."""
    jikan = FakeJikan()
    async with jikan.client() as client:
        statuses = [(await client.get("/anime/1")).status_code for _ in range(3)]
        limited = await client.get("/anime/1")
    assert statuses == [200, 200, 200]
    assert limited.status_code == 429
    assert limited.json()["type"] == "RateLimitException"
    assert limited.json()["error"] is None
    assert "Retry-After" not in limited.headers
