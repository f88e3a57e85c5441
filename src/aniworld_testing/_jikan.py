"""Fake Jikan v4 (MyAnimeList): ``/v4/anime``, ``/v4/anime/{id}[/full]``,
``/v4/anime/{id}/episodes[/{n}]``.

Limits 3 per second and 60 per minute; a 429 has Jikan's ``RateLimitException`` body and, as far
as is known, no ``Retry-After``. Search pages hold at most 25 items (``limit`` over 25 is a 400
``ValidationException``), episode pages 100.
"""

from __future__ import annotations

import datetime as dt
import re
import zlib
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from aniworld_core.providers.base import RateLimit
from aniworld_testing._artwork import image_url
from aniworld_testing._etag import ETags
from aniworld_testing._options import FakeOptions
from aniworld_testing._service import FakeService, json, query_int
from aniworld_testing.dataset import SeriesRecord

SEARCH_PAGE = 25
EPISODE_PAGE = 100

_TYPES = {"TV": "TV", "TV_SHORT": "TV", "MOVIE": "Movie", "SPECIAL": "Special", "OVA": "OVA",
          "ONA": "ONA", "MUSIC": "Music"}
_STATUS = {"FINISHED": "Finished Airing", "RELEASING": "Currently Airing",
           "NOT_YET_RELEASED": "Not yet aired"}
_STATUS_FILTER = {"complete": "FINISHED", "airing": "RELEASING", "upcoming": "NOT_YET_RELEASED"}
_RELATIONS = {"PREQUEL": "Prequel", "SEQUEL": "Sequel", "SIDE_STORY": "Side Story",
              "PARENT": "Parent Story"}
_GENRE_IDS = {"Action": 1, "Adventure": 2, "Comedy": 4, "Mystery": 7, "Drama": 8, "Fantasy": 10,
              "Horror": 14, "Mecha": 18, "Music": 19, "Romance": 22, "Sci-Fi": 24, "Sports": 30,
              "Slice of Life": 36, "Supernatural": 37, "Psychological": 40, "Thriller": 41}
_MESSAGES = {
    404: ("BadResponseException", "Resource does not exist"),
    429: ("RateLimitException", "You are being rate limited by Jikan or MyAnimeList is "
          "rate-limiting our servers (specially in the case of 403). Please re-attempt the "
          "request later."),
    503: ("ServiceUnavailableException", "Jikan could not connect to MyAnimeList"),
}


def _slug(title: str) -> str:
    return re.sub(r"[^0-9A-Za-z]+", "_", title).strip("_")


def _iso(date: dt.date | None, offset: str = "+00:00") -> str | None:
    return f"{date.isoformat()}T00:00:00{offset}" if date else None


def _prop(date: dt.date | None) -> dict[str, int | None]:
    if date is None:
        return {"day": None, "month": None, "year": None}
    return {"day": date.day, "month": date.month, "year": date.year}


def _aired(record: SeriesRecord) -> dict[str, Any]:
    start = record.start_date
    end = record.end_date if record.status == "FINISHED" else None
    text = f"{start:%b} {start.day}, {start.year}" if start else "Not available"
    if end is not None and end != start:
        text += f" to {end:%b} {end.day}, {end.year}"
    elif end is None and start is not None:
        text += " to ?"
    return {"from": _iso(start), "to": _iso(end),
            "prop": {"from": _prop(start), "to": _prop(end)}, "string": text}


def _duration(minutes: int | None, movie: bool) -> str:
    if minutes is None:
        return "Unknown"
    if movie and minutes >= 60:
        return f"{minutes // 60} hr {minutes % 60} min"
    return f"{minutes} min per ep"


def _entry(record: SeriesRecord) -> dict[str, Any]:
    return {"mal_id": record.mal_id, "type": "anime", "name": record.romaji,
            "url": f"https://myanimelist.net/anime/{record.mal_id}/{_slug(record.romaji)}"}


class FakeJikan(FakeService):
    """Fake of ``https://api.jikan.moe/v4``."""

    name = "jikan"
    api_prefix = "/v4"
    sends_retry_after = False

    @classmethod
    def default_options(cls) -> FakeOptions:
        return FakeOptions(rate_limits=(RateLimit(3, 1.0), RateLimit(60, 60.0)))

    def build_app(self) -> Any:
        self.etags = ETags(self.starlette([
            Route("/v4/anime", self._search),
            Route("/v4/anime/{mal_id:int}", self._anime),
            Route("/v4/anime/{mal_id:int}/full", self._anime_full),
            Route("/v4/anime/{mal_id:int}/episodes", self._episodes),
            Route("/v4/anime/{mal_id:int}/episodes/{number:int}", self._episode),
        ]))
        return self.etags

    def error_response(self, status: int, headers: dict[str, str] | None = None) -> Response:
        kind, message = _MESSAGES.get(status, ("UpstreamException" if status >= 500
                                               else "HttpException", "Something went wrong"))
        if status == 404:
            kind = "HttpException"
        return json({"status": status, "type": kind, "message": message, "error": None},
                    status, headers)

    def _not_found(self, mal_id: int) -> Response:
        return json({"status": 404, "type": "BadResponseException",
                     "message": "Resource does not exist",
                     "error": f"404 on https://myanimelist.net/anime/{mal_id}/"}, 404)

    def _invalid(self, field: str, message: str) -> Response:
        return json({"status": 400, "type": "ValidationException", "messages": {field: [message]},
                     "error": "Invalid or incomplete request. Make sure your request is "
                              "correct. https://docs.api.jikan.moe/"}, 400)

    def anime(self, record: SeriesRecord) -> dict[str, Any]:
        """``record`` as a Jikan ``anime`` object."""
        mal_id = record.mal_id
        assert mal_id is not None
        jpg = {"image_url": image_url(self.image_url, "mal", "poster", mal_id),
               "small_image_url": image_url(self.image_url, "mal", "postersmall", mal_id),
               "large_image_url": image_url(self.image_url, "mal", "posterlarge", mal_id)}
        titles = [{"type": "Default", "title": record.romaji}]
        titles += [{"type": "Synonym", "title": s} for s in record.synonyms]
        titles += [{"type": t, "title": v} for t, v in
                   (("Japanese", record.native), ("English", record.english)) if v]
        genres = [{"mal_id": _GENRE_IDS.get(g, 0), "type": "anime", "name": g,
                   "url": f"https://myanimelist.net/anime/genre/{_GENRE_IDS.get(g, 0)}/{_slug(g)}"}
                  for g in record.genres]
        studio_id = zlib.crc32(record.studio.encode()) % 3000
        score = (record.average_score or 0) / 10 or None
        return {
            "mal_id": mal_id, "url": _entry(record)["url"],
            "images": {"jpg": jpg, "webp": dict(jpg)},
            "trailer": {"youtube_id": None, "url": None, "embed_url": None},
            "approved": True, "titles": titles, "title": record.romaji,
            "title_english": record.english, "title_japanese": record.native,
            "title_synonyms": list(record.synonyms), "type": _TYPES.get(record.format, "TV"),
            "source": "Manga", "episodes": record.episodes,
            "status": _STATUS.get(record.status, "Finished Airing"),
            "airing": record.status == "RELEASING", "aired": _aired(record),
            "duration": _duration(record.duration, record.format == "MOVIE"),
            "rating": "PG-13 - Teens 13 or older", "score": score,
            "scored_by": record.popularity * 3 // 5, "rank": None, "popularity": None,
            "members": record.popularity * 2, "favorites": record.popularity // 20,
            "synopsis": record.description + "\n\n[Written by MAL Rewrite]",
            "background": "", "season": (record.season or "").lower() or None,
            "year": record.season_year,
            "broadcast": {"day": None, "time": None, "timezone": None, "string": None},
            "producers": [], "licensors": [],
            "studios": [{"mal_id": studio_id, "type": "anime", "name": record.studio,
                         "url": f"https://myanimelist.net/anime/producer/{studio_id}/"}],
            "genres": genres, "explicit_genres": [], "themes": [], "demographics": [],
        }

    def _record(self, request: Request) -> SeriesRecord | None:
        return self.dataset.by_mal(request.path_params["mal_id"])

    async def _anime(self, request: Request) -> Response:
        record = self._record(request)
        if record is None:
            return self._not_found(request.path_params["mal_id"])
        return json({"data": self.anime(record)})

    async def _anime_full(self, request: Request) -> Response:
        record = self._record(request)
        if record is None:
            return self._not_found(request.path_params["mal_id"])
        relations: dict[str, list[dict[str, Any]]] = {}
        for kind, other in self.dataset.relations(record):
            if other.mal_id is not None:
                relations.setdefault(_RELATIONS.get(kind, "Other"), []).append(_entry(other))
        full = {**self.anime(record),
                "relations": [{"relation": k, "entry": v} for k, v in relations.items()],
                "theme": {"openings": [], "endings": []},
                "external": [{"name": "AniDB", "url": f"https://anidb.net/anime/{record.anidb_id}"}]
                if record.anidb_id else [], "streaming": []}
        return json({"data": full})

    async def _search(self, request: Request) -> Response:
        page = query_int(request, "page", 1)
        limit = query_int(request, "limit", SEARCH_PAGE)
        if page is None or page < 1:
            return self._invalid("page", "The page must be at least 1.")
        if limit is None or limit < 1:
            return self._invalid("limit", "The limit must be at least 1.")
        if limit > SEARCH_PAGE:
            return self._invalid("limit", f"The limit must not be greater than {SEARCH_PAGE}.")
        query = request.query_params.get("q", "").strip()
        found = ([r for _, r in self.dataset.search(query)] if query
                 else sorted(self.dataset.records, key=lambda r: r.mal_id or 0))
        wanted_type = request.query_params.get("type", "").casefold()
        wanted_status = _STATUS_FILTER.get(request.query_params.get("status", "").casefold())
        found = [r for r in found if r.mal_id is not None
                 and (not wanted_type or _TYPES.get(r.format, "").casefold() == wanted_type)
                 and (wanted_status is None or r.status == wanted_status)]
        chunk = found[(page - 1) * limit: page * limit]
        last = max(1, -(-len(found) // limit))
        return json({
            "pagination": {"last_visible_page": last, "has_next_page": page < last,
                           "current_page": page,
                           "items": {"count": len(chunk), "total": len(found),
                                     "per_page": limit}},
            "data": [self.anime(r) for r in chunk],
        })

    async def _episodes(self, request: Request) -> Response:
        record = self._record(request)
        if record is None:
            return self._not_found(request.path_params["mal_id"])
        page = query_int(request, "page", 1)
        if page is None or page < 1:
            return self._invalid("page", "The page must be at least 1.")
        first = (page - 1) * EPISODE_PAGE + 1
        episodes = record.episode_list(first, first + EPISODE_PAGE - 1)
        last = max(1, -(-record.aired_episodes // EPISODE_PAGE))
        base = _entry(record)["url"]
        data = [{"mal_id": e.number, "url": f"{base}/episode/{e.number}", "title": e.title,
                 "title_japanese": e.title_japanese, "title_romanji": e.title_romaji,
                 "aired": _iso(e.aired, "+09:00"), "score": _episode_score(record, e.number),
                 "filler": e.filler, "recap": e.recap, "forum_url": None} for e in episodes]
        return json({"pagination": {"last_visible_page": last, "has_next_page": page < last},
                     "data": data})

    async def _episode(self, request: Request) -> Response:
        record = self._record(request)
        number = request.path_params["number"]
        if record is None or not 1 <= number <= record.aired_episodes:
            return self._not_found(request.path_params["mal_id"])
        episode = record.episode(number)
        return json({"data": {
            "mal_id": number, "url": f"{_entry(record)['url']}/episode/{number}",
            "title": episode.title, "title_japanese": episode.title_japanese,
            "title_romanji": episode.title_romaji,
            "duration": (episode.runtime or 0) * 60 or None,
            "aired": _iso(episode.aired, "+09:00"), "filler": episode.filler,
            "recap": episode.recap, "synopsis": None}})


def _episode_score(record: SeriesRecord, number: int) -> float | None:
    mixed = zlib.crc32(f"{record.anilist_id}:{number}".encode())
    return None if mixed % 9 == 0 else round(4.0 + (mixed % 100) / 100, 2)
