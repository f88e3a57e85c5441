"""Fake TMDB v3 (TV only): configuration, search, details with ``append_to_response``, seasons,
images, external ids and find.

Every request needs ``api_key`` or ``Authorization: Bearer <token>`` (any non-empty key unless
``options.api_keys`` is set); without one the answer is 401 with ``status_code`` 7. Images are
``file_path`` values under ``images.secure_base_url`` from ``/3/configuration``, which points at
the fake image host. About 50 requests per second, then 429 with ``status_code`` 25.
"""

from __future__ import annotations

import zlib
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from aniworld_core.providers.base import RateLimit
from aniworld_testing._artwork import KINDS, tmdb_file_path
from aniworld_testing._options import FakeOptions
from aniworld_testing._service import FakeService, json, query_int
from aniworld_testing.dataset import Show, ShowEpisode

SEARCH_PAGE = 20

_ERRORS = {
    401: (7, "Invalid API key: You must be granted a valid key."),
    404: (34, "The resource you requested could not be found."),
    405: (3, "Authentication failed: You do not have permissions to access the service."),
    422: (5, "Invalid parameters: Your request parameters are incorrect."),
    429: (25, "Your request count (#) is over the allowed limit of (40)."),
    500: (11, "Internal error: Something went wrong, contact TMDb."),
    503: (9, "Service offline: This service is temporarily offline, try again later."),
}
_GENRES = {"Action": (10759, "Action & Adventure"), "Adventure": (10759, "Action & Adventure"),
           "Comedy": (35, "Comedy"), "Drama": (18, "Drama"), "Mystery": (9648, "Mystery"),
           "Sci-Fi": (10765, "Sci-Fi & Fantasy"), "Fantasy": (10765, "Sci-Fi & Fantasy")}

Handler = Callable[[Request], Awaitable[Response]]


def _genres(show: Show) -> list[tuple[int, str]]:
    """TMDB's TV genres for a show: Animation, then the ones its AniList genres map to."""
    mapped = (_GENRES[g] for g in show.genres if g in _GENRES)
    return list(dict.fromkeys(((16, "Animation"), *mapped)))


def _image(kind: str, ident: int, index: int, language: str | None) -> dict[str, Any]:
    _, width, height = KINDS[("tmdb", kind)]
    mixed = zlib.crc32(f"{kind}:{ident}:{index}".encode())
    return {"aspect_ratio": round(width / height, 3), "height": height,
            "iso_639_1": language, "file_path": tmdb_file_path(kind, ident, index),
            "vote_average": round(5 + (mixed % 50) / 10, 3), "vote_count": mixed % 40,
            "width": width}


class FakeTMDB(FakeService):
    """Fake of ``https://api.themoviedb.org/3``."""

    name = "tmdb"
    api_prefix = "/3"

    @classmethod
    def default_options(cls) -> FakeOptions:
        return FakeOptions(rate_limits=(RateLimit(50, 1.0),))

    def build_app(self) -> Any:
        routes = {
            "/3/configuration": self._configuration,
            "/3/search/tv": self._search,
            "/3/tv/{tv_id:int}": self._details,
            "/3/tv/{tv_id:int}/season/{season:int}": self._season,
            "/3/tv/{tv_id:int}/images": self._images,
            "/3/tv/{tv_id:int}/external_ids": self._external_ids,
            "/3/find/{external_id}": self._find,
        }
        return self.starlette([Route(path, self._keyed(handler))
                               for path, handler in routes.items()])

    def error_response(self, status: int, headers: dict[str, str] | None = None) -> Response:
        code, message = _ERRORS.get(status, _ERRORS[500])
        return json({"status_code": code, "status_message": message, "success": False},
                    status, headers)

    def _keyed(self, handler: Handler) -> Handler:
        async def checked(request: Request) -> Response:
            key = request.query_params.get("api_key", "")
            authorization = request.headers.get("authorization", "")
            if not key and authorization.lower().startswith("bearer "):
                key = authorization[7:].strip()
            allowed = self.options.api_keys
            if not key or (allowed is not None and key not in allowed):
                return self.error_response(401)
            return await handler(request)

        return checked

    def _show(self, request: Request) -> Show | None:
        return self.dataset.show_by_tmdb(request.path_params["tv_id"])

    def images(self, show: Show) -> dict[str, list[dict[str, Any]]]:
        ident = show.tmdb_id
        assert ident is not None
        mixed = zlib.crc32(str(ident).encode())
        return {
            "backdrops": [_image("backdrop", ident, i, None) for i in range(1 + mixed % 3)],
            "logos": [_image("logo", ident, i, ("en", "ja")[i % 2]) for i in range(mixed % 3)],
            "posters": [_image("poster", ident, i, ("ja", "en", None)[i % 3])
                        for i in range(1 + mixed // 3 % 3)],
        }

    def external_ids(self, show: Show) -> dict[str, Any]:
        return {"id": show.tmdb_id, "imdb_id": show.imdb_id, "freebase_mid": None,
                "freebase_id": None, "tvdb_id": show.tvdb_id, "tvrage_id": None,
                "wikidata_id": None, "facebook_id": None, "instagram_id": None,
                "twitter_id": None}

    def summary(self, show: Show) -> dict[str, Any]:
        """``show`` as a search or find result."""
        ident = show.tmdb_id
        assert ident is not None
        first = show.first
        return {
            "adult": False, "backdrop_path": tmdb_file_path("backdrop", ident),
            "genre_ids": [ident for ident, _ in _genres(show)],
            "id": ident, "origin_country": ["JP"], "original_language": "ja",
            "original_name": first.native or first.romaji,
            "overview": first.description.replace("\n\n", " "),
            "popularity": round(first.popularity / 1000, 3),
            "poster_path": tmdb_file_path("poster", ident),
            "first_air_date": first.start_date.isoformat() if first.start_date else "",
            "name": show.name,
            "vote_average": (first.average_score or 0) / 10, "vote_count": first.popularity // 100,
        }

    def _episode(self, show: Show, item: ShowEpisode, position: int) -> dict[str, Any]:
        ident = show.tmdb_id
        assert ident is not None
        aired = item.episode.aired
        return {"air_date": aired.isoformat() if aired else None,
                "episode_number": item.number, "episode_type": "standard",
                "id": ident * 100_000 + position, "name": item.episode.title, "overview": "",
                "production_code": "", "runtime": item.episode.runtime,
                "season_number": item.season, "show_id": ident,
                "still_path": tmdb_file_path("still", ident, position), "vote_average": 0.0,
                "vote_count": 0}

    async def _configuration(self, request: Request) -> Response:
        base = f"{self.image_url}/t/p/"
        return json({"images": {
            "base_url": base, "secure_base_url": base,
            "backdrop_sizes": ["w300", "w780", "w1280", "original"],
            "logo_sizes": ["w45", "w92", "w154", "w185", "w300", "w500", "original"],
            "poster_sizes": ["w92", "w154", "w185", "w342", "w500", "w780", "original"],
            "profile_sizes": ["w45", "w185", "h632", "original"],
            "still_sizes": ["w92", "w185", "w300", "original"]}, "change_keys": []})

    async def _search(self, request: Request) -> Response:
        page = query_int(request, "page", 1)
        if page is None or not 1 <= page <= 500:
            return self.error_response(422)
        year = request.query_params.get("first_air_date_year") or request.query_params.get(
            "year")
        found = [s for _, s in self.dataset.search_shows(request.query_params.get("query", ""))
                 if s.tmdb_id is not None
                 and (not year or (s.premiered is not None and str(s.premiered.year) == year))]
        chunk = found[(page - 1) * SEARCH_PAGE: page * SEARCH_PAGE]
        return json({"page": page, "results": [self.summary(s) for s in chunk],
                     "total_pages": max(1, -(-len(found) // SEARCH_PAGE)),
                     "total_results": len(found)})

    async def _details(self, request: Request) -> Response:
        show = self._show(request)
        if show is None:
            return self.error_response(404)
        first, ident = show.first, show.tmdb_id
        assert ident is not None
        episodes = list(show.episodes())
        seasons = []
        for number in show.season_numbers:
            in_season = [e for e in episodes if e.season == number]
            aired = in_season[0].episode.aired if in_season else None
            seasons.append({"air_date": aired.isoformat() if aired else None,
                            "episode_count": len(in_season), "id": ident * 100 + number,
                            "name": f"Season {number}", "overview": "",
                            "poster_path": tmdb_file_path("poster", ident, 10 + number),
                            "season_number": number, "vote_average": 0.0})
        last = episodes[-1] if episodes else None
        details: dict[str, Any] = {
            **{k: v for k, v in self.summary(show).items() if k != "genre_ids"},
            "created_by": [], "episode_run_time": [first.duration] if first.duration else [],
            "genres": [{"id": i, "name": name} for i, name in _genres(show)],
            "homepage": "", "in_production": not show.ended, "languages": ["ja"],
            "last_air_date": last.episode.aired.isoformat() if last and last.episode.aired
            else None,
            "last_episode_to_air": self._episode(show, last, len(episodes)) if last else None,
            "next_episode_to_air": None,
            "networks": [{"id": 98, "logo_path": None, "name": "TV Tokyo",
                          "origin_country": "JP"}],
            "number_of_episodes": len(episodes), "number_of_seasons": len(seasons),
            "production_companies": [{"id": zlib.crc32(first.studio.encode()) % 200_000,
                                      "logo_path": None, "name": first.studio,
                                      "origin_country": "JP"}],
            "production_countries": [{"iso_3166_1": "JP", "name": "Japan"}],
            "seasons": seasons,
            "spoken_languages": [{"english_name": "Japanese", "iso_639_1": "ja",
                                  "name": "日本語"}],
            "status": "Ended" if show.ended else "Returning Series", "tagline": "",
            "type": "Scripted",
        }
        appended = {part.strip() for part in
                    request.query_params.get("append_to_response", "").split(",")}
        if "external_ids" in appended:
            details["external_ids"] = self.external_ids(show)
        if "images" in appended:
            details["images"] = self.images(show)
        return json(details)

    async def _season(self, request: Request) -> Response:
        show = self._show(request)
        number = request.path_params["season"]
        if show is None or number not in show.season_numbers:
            return self.error_response(404)
        ident = show.tmdb_id
        assert ident is not None
        episodes = [self._episode(show, item, position)
                    for position, item in enumerate(show.episodes(), start=1)
                    if item.season == number]
        return json({
            "_id": f"{ident:012x}{number:012x}", "air_date": episodes[0]["air_date"],
            "episodes": episodes, "name": f"Season {number}", "overview": "",
            "id": ident * 100 + number,
            "poster_path": tmdb_file_path("poster", ident, 10 + number),
            "season_number": number, "vote_average": 0.0})

    async def _images(self, request: Request) -> Response:
        show = self._show(request)
        if show is None:
            return self.error_response(404)
        return json({"id": show.tmdb_id, **self.images(show)})

    async def _external_ids(self, request: Request) -> Response:
        show = self._show(request)
        if show is None:
            return self.error_response(404)
        return json(self.external_ids(show))

    async def _find(self, request: Request) -> Response:
        external_id = request.path_params["external_id"]
        source = request.query_params.get("external_source")
        show: Show | None = None
        if source == "tvdb_id" and external_id.isdigit():
            show = self.dataset.show_by_tvdb(int(external_id))
        elif source == "imdb_id":
            show = self.dataset.show_by_imdb(external_id)
        elif source not in ("tvdb_id", "imdb_id", "facebook_id", "instagram_id", "tiktok_id",
                            "twitter_id", "wikidata_id", "youtube_id"):
            return self.error_response(422)
        results = [self.summary(show)] if show is not None and show.tmdb_id else []
        return json({"movie_results": [], "person_results": [], "tv_results": results,
                     "tv_episode_results": [], "tv_season_results": []})
