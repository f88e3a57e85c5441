"""Test doubles at the process edge: a simulated clock, and small in-process stand-ins for the
AniList and Jikan APIs behind ``httpx.MockTransport``.

The AniList stand-in executes the real GraphQL query with graphql-core against the fake AniList's
transcription of the part of AniList's schema aniworld uses, so a misspelled field or argument
fails like it would against AniList. The Jikan stand-in answers the documented v4 routes with
their documented shapes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import anyio.lowlevel
import graphql
import httpx

from aniworld_testing._anilist_schema import SDL


class SimulatedClock:
    """A clock whose ``sleep`` moves time forward instead of waiting."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += max(seconds, 0.0)
        await anyio.lowlevel.checkpoint()


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, json=body, headers=headers)


# -- AniList ---------------------------------------------------------------------------------------

#: The same transcription of AniList's schema the served fake uses.
ANILIST_SCHEMA = graphql.build_schema(SDL)


def anilist_media(media_id: int, english: str | None = "Cowboy Bebop",
                  **changes: Any) -> dict[str, Any]:
    """A media object with every field aniworld asks for, shaped as AniList sends it."""
    media: dict[str, Any] = {
        "id": media_id,
        "idMal": media_id,
        "title": {"romaji": "Cowboy Bebop", "english": english, "native": "カウボーイビバップ"},
        "type": "ANIME",
        "synonyms": ["Kaubōi Bibappu", "Cowboy Bebop"],
        "format": "TV",
        "status": "FINISHED",
        "episodes": 26,
        "duration": 24,
        "season": "SPRING",
        "seasonYear": 1998,
        "startDate": {"year": 1998, "month": 4, "day": 3},
        "description": "Enter a world in the distant future, where Bounty Hunters roam the "
                       "solar system.<br><br>\n(Source: Bandai Visual)<br><br><i>Note: "
                       "Episode 3 &amp; 5 aired out of order.</i>",
        "coverImage": {
            "extraLarge": f"https://s4.anilist.co/file/anilistcdn/media/anime/cover/large/bx{media_id}.png",
            "large": f"https://s4.anilist.co/file/anilistcdn/media/anime/cover/medium/bx{media_id}.png",
        },
        "bannerImage": f"https://s4.anilist.co/file/anilistcdn/media/anime/banner/{media_id}.jpg",
        "genres": ["Action", "Adventure", "Drama", "Sci-Fi"],
        "averageScore": 86,
        "studios": {"nodes": [{"id": 14, "name": "Sunrise", "isAnimationStudio": True}]},
    }
    media.update(changes)
    return media


class AniListApi:
    """Executes each GraphQL request against ``catalogue``; ``scripted`` answers go first."""

    def __init__(self) -> None:
        self.catalogue: dict[int, dict[str, Any]] = {}
        self.scripted: list[httpx.Response] = []
        self.requests: list[dict[str, Any]] = []
        self.transport = httpx.MockTransport(self.handle)

    def add(self, *media: dict[str, Any]) -> None:
        for item in media:
            self.catalogue[item["id"]] = item

    def handle(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        self.requests.append(body)
        if self.scripted:
            return self.scripted.pop(0)
        result = graphql.graphql_sync(ANILIST_SCHEMA, body["query"],
                                      root_value={"Page": self._page},
                                      variable_values=body.get("variables"))
        if result.errors:
            errors = [{"message": error.message, "status": 400} for error in result.errors]
            return json_response(400, {"data": None, "errors": errors})
        return json_response(200, {"data": result.data},
                             {"X-RateLimit-Limit": "90", "X-RateLimit-Remaining": "89"})

    def _page(self, info: Any, page: int = 1, perPage: int = 50) -> dict[str, Any]:
        per_page = min(perPage, 50)
        shown: dict[str, list[dict[str, Any]]] = {}

        def media(info: Any, id_in: list[int] | None = None, search: str | None = None,
                  type: str | None = None, **_: Any) -> list[dict[str, Any]]:
            found = [m for m in self.catalogue.values() if id_in is None or m["id"] in id_in]
            if search is not None:
                found = [m for m in found if _matches(m, search)]
            shown["all"] = found
            return found[(page - 1) * per_page:page * per_page]

        def page_info(info: Any) -> dict[str, Any]:
            return {"hasNextPage": len(shown.get("all", [])) > page * per_page}

        return {"media": media, "pageInfo": page_info}


def _matches(media: dict[str, Any], search: str) -> bool:
    titles = [t for t in media["title"].values() if t] + media.get("synonyms", [])
    return any(search.casefold() in title.casefold() for title in titles)


# -- Jikan -----------------------------------------------------------------------------------------

JIKAN_NOT_FOUND = {"status": 404, "type": "BadResponseException",
                   "message": "Resource does not exist", "error": "404 on https://myanimelist.net/"}


def jikan_image(path: str) -> dict[str, Any]:
    base = f"https://cdn.myanimelist.net/images/anime/{path}"
    return {
        "jpg": {"image_url": f"{base}.jpg", "small_image_url": f"{base}t.jpg",
                "large_image_url": f"{base}l.jpg"},
        "webp": {"image_url": f"{base}.webp", "small_image_url": f"{base}t.webp",
                 "large_image_url": f"{base}l.webp"},
    }


def jikan_anime(mal_id: int, **changes: Any) -> dict[str, Any]:
    """An anime object shaped as Jikan v4 sends it (``/anime/{id}`` and search items)."""
    anime: dict[str, Any] = {
        "mal_id": mal_id,
        "url": f"https://myanimelist.net/anime/{mal_id}/Cowboy_Bebop",
        "images": jikan_image(f"4/{19644 + mal_id}"),
        "approved": True,
        "titles": [
            {"type": "Default", "title": "Cowboy Bebop"},
            {"type": "Japanese", "title": "カウボーイビバップ"},
            {"type": "English", "title": "Cowboy Bebop"},
            {"type": "German", "title": "Cowboy Bebop (Deutsch)"},
        ],
        "title": "Cowboy Bebop",
        "title_english": "Cowboy Bebop",
        "title_japanese": "カウボーイビバップ",
        "title_synonyms": ["Kaubōi Bibappu"],
        "type": "TV",
        "source": "Original",
        "episodes": 26,
        "status": "Finished Airing",
        "airing": False,
        "aired": {
            "from": "1998-04-03T00:00:00+00:00",
            "to": "1999-04-24T00:00:00+00:00",
            "prop": {"from": {"day": 3, "month": 4, "year": 1998},
                     "to": {"day": 24, "month": 4, "year": 1999}},
            "string": "Apr 3, 1998 to Apr 24, 1999",
        },
        "duration": "24 min per ep",
        "rating": "R - 17+ (violence & profanity)",
        "score": 8.75,
        "scored_by": 1004524,
        "rank": 46,
        "popularity": 43,
        "members": 1900000,
        "favorites": 85000,
        "synopsis": "Crime is timeless. By the year 2071, humanity has expanded across the "
                    "galaxy.\n\n[Written by MAL Rewrite]",
        "background": None,
        "season": "spring",
        "year": 1998,
        "studios": [{"mal_id": 14, "type": "anime", "name": "Sunrise",
                     "url": "https://myanimelist.net/anime/producer/14/Sunrise"}],
        "genres": [{"mal_id": 1, "type": "anime", "name": "Action", "url": ""},
                   {"mal_id": 46, "type": "anime", "name": "Award Winning", "url": ""}],
    }
    anime.update(changes)
    return anime


def jikan_episode(number: int) -> dict[str, Any]:
    return {
        "mal_id": number,
        "url": None,
        "title": f"Episode {number} Title",
        "title_japanese": f"第{number}話",
        "title_romanji": f"Dai {number} wa",
        "aired": "1998-10-24T00:00:00+00:00",
        "score": 4.5,
        "filler": False,
        "recap": number == 13,
        "forum_url": None,
    }


class JikanApi:
    """Answers Jikan v4's routes from in-memory data; ``scripted`` answers go first."""

    PER_PAGE = 100

    def __init__(self) -> None:
        self.anime: dict[int, dict[str, Any]] = {}
        self.episodes: dict[int, list[dict[str, Any]]] = {}
        self.pictures: dict[int, list[dict[str, Any]]] = {}
        self.scripted: list[httpx.Response] = []
        self.requests: list[httpx.Request] = []
        self.transport = httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.scripted:
            return self.scripted.pop(0)
        path = request.url.path.removeprefix("/v4")
        if path == "/anime":
            return self._search(request.url.params.get("q", ""),
                                int(request.url.params.get("limit", "25")))
        match = re.fullmatch(r"/anime/(\d+)(/episodes|/pictures)?", path)
        if match is None or int(match[1]) not in self.anime:
            return json_response(404, JIKAN_NOT_FOUND)
        mal_id = int(match[1])
        if match[2] == "/episodes":
            return self._episodes(mal_id, int(request.url.params.get("page", "1")))
        if match[2] == "/pictures":
            return json_response(200, {"data": self.pictures.get(mal_id, [])})
        return json_response(200, {"data": self.anime[mal_id]})

    def _search(self, query: str, limit: int) -> httpx.Response:
        found = [a for a in self.anime.values() if query.casefold() in a["title"].casefold()]
        shown = found[:min(limit, 25)]
        return json_response(200, {
            "pagination": {"last_visible_page": 1, "has_next_page": False, "current_page": 1,
                           "items": {"count": len(shown), "total": len(found),
                                     "per_page": limit}},
            "data": shown,
        })

    def _episodes(self, mal_id: int, page: int) -> httpx.Response:
        episodes = self.episodes.get(mal_id, [])
        pages = max(1, -(-len(episodes) // self.PER_PAGE))
        shown = episodes[(page - 1) * self.PER_PAGE:page * self.PER_PAGE]
        return json_response(200, {
            "pagination": {"last_visible_page": pages, "has_next_page": page < pages},
            "data": shown,
        })


Handler = Callable[[httpx.Request], httpx.Response]
