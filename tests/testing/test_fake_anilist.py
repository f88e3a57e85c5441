"""The fake AniList answers GraphQL like graphql.anilist.co."""

from __future__ import annotations

from typing import Any

import pytest

from aniworld_testing import FakeAniList, FakeJikan, FakeOptions

pytestmark = pytest.mark.anyio

MEDIA_FIELDS = """
  id idMal title { romaji english native } synonyms format status episodes duration season
  seasonYear startDate { year month day } description(asHtml: false)
  coverImage { extraLarge large medium } bannerImage genres
  studios(isMain: true) { nodes { name } } nextAiringEpisode { episode airingAt }
  relations { edges { relationType node { id } } } averageScore popularity
"""

BY_IDS = f"""
query ($ids: [Int], $page: Int) {{
  Page(page: $page, perPage: 50) {{
    pageInfo {{ total perPage currentPage lastPage hasNextPage }}
    media(id_in: $ids, type: ANIME) {{ {MEDIA_FIELDS} }}
  }}
}}"""

SEARCH = """
query ($search: String, $page: Int, $perPage: Int) {
  Page(page: $page, perPage: $perPage) {
    pageInfo { hasNextPage total }
    media(search: $search, type: ANIME) { id title { romaji english } synonyms }
  }
}"""


async def post(fake: FakeAniList, query: str, **variables: Any) -> tuple[int, Any]:
    async with fake.client() as client:
        response = await client.post("/", json={"query": query, "variables": variables})
    return response.status_code, response.json()


@pytest.fixture
def anilist() -> FakeAniList:
    return FakeAniList(options=FakeOptions())  # no rate limit: these tests are about shapes


async def test_id_in_with_fifty_ids_returns_fifty_media(anilist: FakeAniList) -> None:
    """A valid query for every documented field with 50 ids answers 50 complete media."""
    ids = [r.anilist_id for r in anilist.dataset.records][:50]
    status, body = await post(anilist, BY_IDS, ids=ids, page=1)
    assert status == 200
    page = body["data"]["Page"]
    assert page["pageInfo"] == {"total": 50, "perPage": 50, "currentPage": 1, "lastPage": 1,
                                "hasNextPage": False}
    assert sorted(m["id"] for m in page["media"]) == sorted(ids)
    bebop = next(m for m in page["media"] if m["id"] == 1)
    assert bebop["idMal"] == 1
    assert bebop["title"] == {"romaji": "Cowboy Bebop", "english": "Cowboy Bebop",
                              "native": "カウボーイビバップ"}
    assert bebop["format"] == "TV"
    assert bebop["status"] == "FINISHED"
    assert (bebop["episodes"], bebop["duration"]) == (26, 24)
    assert (bebop["season"], bebop["seasonYear"]) == ("SPRING", 1998)
    assert bebop["startDate"] == {"year": 1998, "month": 4, "day": 3}
    assert bebop["studios"] == {"nodes": [{"name": "Sunrise"}]}
    assert bebop["relations"] == {"edges": [{"relationType": "SIDE_STORY", "node": {"id": 5}}]}
    assert bebop["coverImage"]["large"].startswith(anilist.image_url)
    assert "<br><br>" in bebop["description"]


async def test_pages_of_id_in_report_next_pages(anilist: FakeAniList) -> None:
    """More ids than fit on a page spill onto the next page, and hasNextPage says so."""
    ids = [r.anilist_id for r in anilist.dataset.records][:75]
    _, first = await post(anilist, BY_IDS, ids=ids, page=1)
    _, second = await post(anilist, BY_IDS, ids=ids, page=2)
    assert first["data"]["Page"]["pageInfo"]["hasNextPage"] is True
    assert second["data"]["Page"]["pageInfo"]["hasNextPage"] is False
    seen = [m["id"] for p in (first, second) for m in p["data"]["Page"]["media"]]
    assert sorted(seen) == sorted(ids)


async def test_per_page_is_capped_at_fifty(anilist: FakeAniList) -> None:
    """perPage over 50 is treated as 50, as on AniList."""
    status, body = await post(anilist, SEARCH, search="a", perPage=500)
    assert status == 200
    assert body["data"]["Page"]["pageInfo"]["hasNextPage"] in (True, False)
    assert len(body["data"]["Page"]["media"]) <= 50


async def test_aliased_media_fields_each_get_their_own_filter(anilist: FakeAniList) -> None:
    """Two aliased media fields in one Page answer their own arguments; pageInfo the first."""
    status, body = await post(anilist, "query { Page { pageInfo { total } "
                                       "a: media(id: 1) { id } b: media(id_in: [5, 19]) { id } } }")
    assert status == 200
    assert body["data"]["Page"] == {"pageInfo": {"total": 1}, "a": [{"id": 1}],
                                    "b": [{"id": 5}, {"id": 19}]}


async def test_search_ranks_the_exact_title_first(anilist: FakeAniList) -> None:
    """Searching "Attack on Titan" puts the first season first and its sequels after."""
    _, body = await post(anilist, SEARCH, search="Attack on Titan", perPage=10)
    ids = [m["id"] for m in body["data"]["Page"]["media"]]
    assert ids[0] == 16498
    assert set(ids[:6]) == {16498, 20958, 99147, 104578, 110277, 131681}


async def test_search_matches_synonyms(anilist: FakeAniList) -> None:
    """A synonym ("FMA:B") finds the series it belongs to."""
    _, body = await post(anilist, SEARCH, search="FMA:B", perPage=5)
    assert body["data"]["Page"]["media"][0]["id"] == 5114


async def test_media_by_search_returns_the_best_match(anilist: FakeAniList) -> None:
    """Media(search:) answers the single best match."""
    status, body = await post(anilist, "query ($s: String) { Media(search: $s, type: ANIME) "
                                       "{ id idMal } }", s="Frieren")
    assert status == 200
    assert body == {"data": {"Media": {"id": 154587, "idMal": 52991}}}


async def test_unknown_media_is_a_404_with_anilists_body(anilist: FakeAniList) -> None:
    """Media(id:) for an unknown id is HTTP 404 with data.Media null and a Not Found error."""
    status, body = await post(anilist, "query { Media(id: 99999999) { id } }")
    assert status == 404
    assert body["data"] == {"Media": None}
    assert body["errors"][0]["message"] == "Not Found."
    assert body["errors"][0]["status"] == 404
    assert body["errors"][0]["locations"] == [{"line": 1, "column": 9}]


async def test_an_invalid_query_is_a_graphql_error_with_status_400(anilist: FakeAniList) -> None:
    """Asking for a field the schema doesn't have is a validation error, HTTP 400."""
    status, body = await post(anilist, "query { Media(id: 1) { id logo } }")
    assert status == 400
    assert body["data"] is None
    assert "logo" in body["errors"][0]["message"]
    assert body["errors"][0]["status"] == 400


async def test_a_body_without_a_query_is_rejected(anilist: FakeAniList) -> None:
    """A POST that isn't a GraphQL request is a 400 in AniList's error format."""
    async with anilist.client() as client:
        response = await client.post("/", content=b"not json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["status"] == 400


async def test_releasing_series_have_a_next_airing_episode(anilist: FakeAniList) -> None:
    """One Piece (releasing) has nextAiringEpisode after its aired episodes; finished ones null."""
    _, body = await post(anilist, "query { a: Media(id: 21) { nextAiringEpisode { episode "
                                  "timeUntilAiring } } b: Media(id: 1) { nextAiringEpisode "
                                  "{ episode } } }")
    one_piece = anilist.dataset.by_anilist(21)
    assert one_piece is not None
    upcoming = body["data"]["a"]["nextAiringEpisode"]
    assert upcoming["episode"] == one_piece.aired_episodes + 1
    assert upcoming["timeUntilAiring"] > 0
    assert body["data"]["b"]["nextAiringEpisode"] is None


async def test_id_mal_is_the_id_jikan_knows(anilist: FakeAniList) -> None:
    """Every idMal AniList reports is a mal_id the fake Jikan serves with the same title."""
    jikan = FakeJikan(anilist.dataset, options=FakeOptions())
    _, body = await post(anilist, "query { Media(id: 20958) { idMal title { romaji } } }")
    media = body["data"]["Media"]
    async with jikan.client() as client:
        anime = (await client.get(f"/anime/{media['idMal']}")).json()["data"]
    assert anime["title"] == media["title"]["romaji"]


async def test_every_response_carries_the_rate_limit_headers() -> None:
    """Accepted requests say X-RateLimit-Limit 90 (not the enforced 30) and count down."""
    anilist = FakeAniList()
    async with anilist.client() as client:
        responses = [await client.post("/", json={"query": "{ Media(id: 1) { id } }"})
                     for _ in range(2)]
    assert [r.headers["X-RateLimit-Limit"] for r in responses] == ["90", "90"]
    assert [r.headers["X-RateLimit-Remaining"] for r in responses] == ["89", "88"]
