"""The AniList provider against a stand-in that executes its GraphQL queries on AniList's schema."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import graphql
import httpx
import pytest

from aniworld_core import (
    Airing,
    Artwork,
    ArtworkKind,
    ProviderError,
    ProviderIds,
    ProviderRef,
    Relation,
    SeriesInfo,
    open_provider,
)
from aniworld_core.providers.anilist import ARTWORK_QUERY, SEARCH_QUERY, SERIES_QUERY, AniList

from .provider_fakes import ANILIST_SCHEMA, AniListApi, anilist_media, json_response

pytestmark = pytest.mark.anyio


@pytest.fixture
async def anilist(anilist_api: AniListApi) -> AsyncIterator[AniList]:
    async with open_provider(AniList, transport=anilist_api.transport) as provider:
        yield provider


@pytest.mark.parametrize("query", [SEARCH_QUERY, SERIES_QUERY, ARTWORK_QUERY])
def test_queries_are_valid_against_the_schema(query: str) -> None:
    """Every query aniworld sends validates against AniList's schema."""
    assert graphql.validate(ANILIST_SCHEMA, graphql.parse(query)) == []


async def test_search_returns_candidates_with_ids(anilist_api: AniListApi,
                                                  anilist: AniList) -> None:
    """A search returns AniList's matches with the English title first, romaji, synonyms and
    the native title as alternatives, the MAL id, and the cover as poster."""
    anilist_api.add(anilist_media(1), anilist_media(5, english="Cowboy Bebop: The Movie",
                                                    format="MOVIE", seasonYear=2001,
                                                    startDate={"year": 2001}))
    results = await anilist.search("Cowboy Bebop")
    assert [(r.ref, r.title, r.year, r.format) for r in results] == [
        (ProviderRef("anilist", "1"), "Cowboy Bebop", 1998, "TV"),
        (ProviderRef("anilist", "5"), "Cowboy Bebop: The Movie", 2001, "MOVIE"),
    ]
    first = results[0]
    assert first.alt_titles == ("Kaubōi Bibappu", "カウボーイビバップ")
    assert first.ids == ProviderIds(anilist="1", mal="1")
    assert first.episodes == 26
    assert first.poster_url == "https://s4.anilist.co/file/anilistcdn/media/anime/cover/medium/bx1.png"
    sent = anilist_api.requests[0]
    assert sent["variables"] == {"search": "Cowboy Bebop", "perPage": 10}


async def test_search_ranks_the_asked_year_first(anilist_api: AniListApi,
                                                 anilist: AniList) -> None:
    """A year moves matching results to the front without dropping the others."""
    anilist_api.add(anilist_media(10, english="Hunter x Hunter", startDate={"year": 1999}),
                    anilist_media(11, english="Hunter x Hunter (2011)",
                                  startDate={"year": 2011}))
    results = await anilist.search("Hunter", year=2011)
    assert [r.ref.id for r in results] == ["11", "10"]


async def test_romaji_is_the_title_when_there_is_no_english_one(anilist_api: AniListApi,
                                                                 anilist: AniList) -> None:
    """Without an English title the romaji one is used; the native title is the original."""
    anilist_api.add(anilist_media(457, english=None,
                                  title={"romaji": "Mushishi", "english": None,
                                         "native": "蟲師"}, synonyms=[]))
    info = (await anilist.fetch_series([ProviderRef("anilist", "457")]))["457"]
    assert (info.title, info.original_title, info.alt_titles) == ("Mushishi", "蟲師", ())


async def test_fifty_series_come_in_one_request(anilist_api: AniListApi,
                                                anilist: AniList) -> None:
    """fetch_series asks for up to 50 ids with one ``Page{media(id_in)}`` request; ids AniList
    doesn't know are left out."""
    anilist_api.add(*(anilist_media(media_id) for media_id in range(1, 49)))
    refs = [ProviderRef("anilist", str(media_id)) for media_id in range(1, 51)]
    found = await anilist.fetch_series(refs)
    assert sorted(found, key=int) == [str(media_id) for media_id in range(1, 49)]
    assert len(anilist_api.requests) == 1
    assert anilist_api.requests[0]["variables"] == {"ids": list(range(1, 51)), "perPage": 50}
    assert AniList.batch_size == 50


async def test_series_metadata(anilist_api: AniListApi, anilist: AniList) -> None:
    """Series metadata carries dates, status, genres, studio, rating on a 0–10 scale, both ids,
    and the description as plain text."""
    anilist_api.add(anilist_media(1))
    info = (await anilist.fetch_series([ProviderRef("anilist", "1")]))["1"]
    assert info.title == "Cowboy Bebop"
    assert info.original_title == "カウボーイビバップ"
    assert info.premiered == dt.date(1998, 4, 3)
    assert (info.year, info.status, info.format) == (1998, "Ended", "TV")
    assert info.genres == ("Action", "Adventure", "Drama", "Sci-Fi")
    assert info.studios == ("Sunrise",)
    assert (info.rating, info.votes, info.episode_count) == (8.6, None, 26)
    assert info.ids == ProviderIds(anilist="1", mal="1")
    assert info.plot == (
        "Enter a world in the distant future, where Bounty Hunters roam the solar system.\n\n"
        "(Source: Bandai Visual)\n\nNote: Episode 3 & 5 aired out of order."
    )


async def test_an_airing_entry_says_when_its_next_episode_airs(anilist_api: AniListApi,
                                                              anilist: AniList) -> None:
    """``updatedAt`` and ``nextAiringEpisode`` (unix seconds) come with every entry; a
    finished one has no next episode."""
    anilist_api.add(anilist_media(1, status="RELEASING", updatedAt=1733000000,
                                  nextAiringEpisode={"episode": 7, "airingAt": 1733583600}),
                    anilist_media(5, updatedAt=1600000000, nextAiringEpisode=None))
    found = await anilist.fetch_series([ProviderRef("anilist", "1"), ProviderRef("anilist", "5")])
    airing = found["1"]
    assert (airing.status, airing.updated_at) == ("Continuing", 1733000000)
    assert airing.next_airing == Airing(7, dt.datetime(2024, 12, 7, 15, 0, tzinfo=dt.UTC))
    assert (found["5"].next_airing, found["5"].updated_at) == (None, 1600000000)
    assert SeriesInfo.from_dict(airing.to_dict()) == airing


async def test_stream_titles_become_episode_titles(anilist_api: AniListApi,
                                                   anilist: AniList) -> None:
    """Titles of licensed streams name their episode ("Episode 3 - Title", "Ep. 4: Title",
    "5. Title"); the first title per number counts, and one that names no number is left
    out."""
    streams = [{"title": "Episode 2 - Stray Dog Strut"}, {"title": "Episode 1 - Asteroid Blues"},
               {"title": "Ep. 4: Gateway Shuffle"}, {"title": "5. Ballad of Fallen Angels"},
               {"title": "Episode 1 - Another site's title"}, {"title": "Bonus clip"},
               {"title": None}, {"title": "Episode 0 - Recap"}]
    anilist_api.add(anilist_media(1, streamingEpisodes=streams))
    info = (await anilist.fetch_series([ProviderRef("anilist", "1")]))["1"]
    assert info.episode_titles == ((1, "Asteroid Blues"), (2, "Stray Dog Strut"),
                                   (4, "Gateway Shuffle"), (5, "Ballad of Fallen Angels"))


async def test_series_lists_related_anime(anilist_api: AniListApi, anilist: AniList) -> None:
    """Series metadata lists the related anime with kind, format, episodes and year (the manga
    it adapts is left out), and no relations when AniList lists none."""
    edges = [
        {"relationType": "SEQUEL", "node": {
            "id": 20958, "type": "ANIME", "format": "TV", "episodes": 12,
            "title": {"romaji": "Shingeki no Kyojin 2", "english": "Attack on Titan Season 2",
                      "native": None}, "startDate": {"year": 2017}}},
        {"relationType": "ADAPTATION", "node": {
            "id": 53390, "type": "MANGA", "format": "MANGA", "episodes": None,
            "title": {"romaji": "Shingeki no Kyojin", "english": None, "native": None},
            "startDate": {"year": 2009}}},
        {"relationType": "SIDE_STORY", "node": {
            "id": 18397, "type": "ANIME", "format": "OVA", "episodes": 8,
            "title": {"romaji": "Shingeki no Kyojin OAD", "english": None, "native": None},
            "startDate": {"year": 2013}}},
    ]
    anilist_api.add(anilist_media(16498, relations={"edges": edges}), anilist_media(1))
    found = await anilist.fetch_series([ProviderRef("anilist", "16498"),
                                        ProviderRef("anilist", "1")])
    assert found["16498"].relations == (
        Relation("SEQUEL", ProviderRef("anilist", "20958"), "Attack on Titan Season 2", "TV", 12,
                 2017),
        Relation("SIDE_STORY", ProviderRef("anilist", "18397"), "Shingeki no Kyojin OAD", "OVA",
                 8, 2013),
    )
    assert found["1"].relations == ()
    assert SeriesInfo.from_dict(found["16498"].to_dict()) == found["16498"]


async def test_artwork_is_cover_and_banner(anilist_api: AniListApi, anilist: AniList) -> None:
    """The extra-large cover is the poster and the banner image the banner."""
    anilist_api.add(anilist_media(1))
    assert await anilist.fetch_artwork(ProviderRef("anilist", "1")) == (
        Artwork(ArtworkKind.POSTER,
                "https://s4.anilist.co/file/anilistcdn/media/anime/cover/large/bx1.png"),
        Artwork(ArtworkKind.BANNER,
                "https://s4.anilist.co/file/anilistcdn/media/anime/banner/1.jpg"),
    )


async def test_missing_images_are_left_out(anilist_api: AniListApi, anilist: AniList) -> None:
    """A series without a banner offers only its poster, falling back to the large cover."""
    anilist_api.add(anilist_media(2, bannerImage=None,
                                  coverImage={"extraLarge": None, "large": "https://x/2.png"}))
    assert await anilist.fetch_artwork(ProviderRef("anilist", "2")) == (
        Artwork(ArtworkKind.POSTER, "https://x/2.png"),
    )


async def test_unknown_series_have_nothing(anilist_api: AniListApi, anilist: AniList) -> None:
    """An id AniList doesn't know yields no series and no artwork; an id that cannot exist
    sends no request."""
    assert await anilist.fetch_series([ProviderRef("anilist", "999")]) == {}
    assert await anilist.fetch_artwork(ProviderRef("anilist", "999")) == ()
    assert await anilist.fetch_artwork(ProviderRef("anilist", "abc")) == ()
    assert await anilist.fetch_episodes(ProviderRef("anilist", "1")) == ()
    assert len(anilist_api.requests) == 2


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        (json_response(200, {"data": None, "errors": [{"message": "Internal Server Error",
                                                        "status": 500}]}),
         "AniList reported: Internal Server Error"),
        (json_response(200, {"data": {}}), "unexpected answer: data.Page is not an object"),
        (json_response(200, {"data": {"Page": {"media": {"id": 1}}}}),
         "unexpected answer: media is not a list"),
        (json_response(200, {"data": {"Page": {"media": [{"title": {"romaji": "X"}}]}}}),
         "unexpected answer: a media has no valid id"),
        (json_response(200, {"data": {"Page": {"media": [{"id": 3, "title": {}}]}}}),
         "unexpected answer: media 3 has no title"),
        (json_response(200, ["not", "an", "object"]), "unexpected answer: the answer is not an "
                                                      "object"),
        (json_response(400, {"data": None, "errors": [{"message": "Cannot query field \"x\"",
                                                        "status": 400}]}),
         'HTTP 400 Bad Request: Cannot query field "x"'),
    ],
)
async def test_malformed_answers_are_errors(
    answer: httpx.Response, reason: str, anilist_api: AniListApi, anilist: AniList
) -> None:
    """GraphQL errors and answers of the wrong shape become ProviderErrors, never data."""
    anilist_api.scripted.append(answer)
    with pytest.raises(ProviderError) as caught:
        await anilist.search("Bebop")
    assert (caught.value.provider, caught.value.request) == ("anilist", "search 'Bebop'")
    assert caught.value.reason == reason
