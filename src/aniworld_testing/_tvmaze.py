"""Fake TVmaze: search, lookup (a 301 redirect to the show, like the real one), shows, their
episodes and images.

A TVmaze show is a whole franchise (every AniList entry sharing a TVDB id), numbered by season.
20 calls per 10 seconds, then 429 without ``Retry-After`` (TVmaze asks clients to back off on
their own).
"""

from __future__ import annotations

import datetime as dt
import html
import re
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from aniworld_core.providers.base import RateLimit
from aniworld_testing._artwork import KINDS, image_url
from aniworld_testing._etag import ETags
from aniworld_testing._options import FakeOptions
from aniworld_testing._service import FakeService, json
from aniworld_testing.dataset import Show

SEARCH_RESULTS = 10

_NAMES = {400: "Bad Request", 404: "Not Found", 429: "Too Many Requests",
          500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}
_NETWORK = {"id": 129, "name": "TV Tokyo", "officialSite": None,
            "country": {"name": "Japan", "code": "JP", "timezone": "Asia/Tokyo"}}
_IMAGE_TYPES = ("poster", "background", "banner", "typography")
_GENRES = {"Action": "Action", "Adventure": "Adventure", "Comedy": "Comedy", "Drama": "Drama",
           "Fantasy": "Fantasy", "Horror": "Horror", "Music": "Music", "Mystery": "Mystery",
           "Romance": "Romance", "Sci-Fi": "Science-Fiction", "Sports": "Sports",
           "Supernatural": "Supernatural", "Thriller": "Thriller"}


def _slug(name: str) -> str:
    return re.sub(r"[^0-9a-z]+", "-", name.casefold()).strip("-")


def _date(date: dt.date | None) -> str | None:
    return date.isoformat() if date else None


class FakeTVmaze(FakeService):
    """Fake of ``https://api.tvmaze.com``."""

    name = "tvmaze"
    sends_retry_after = False

    @classmethod
    def default_options(cls) -> FakeOptions:
        return FakeOptions(rate_limits=(RateLimit(20, 10.0),))

    def build_app(self) -> Any:
        self.etags = ETags(self.starlette([
            Route("/search/shows", self._search),
            Route("/singlesearch/shows", self._single_search),
            Route("/lookup/shows", self._lookup),
            Route("/shows/{show_id:int}", self._show),
            Route("/shows/{show_id:int}/episodes", self._episodes),
            Route("/shows/{show_id:int}/images", self._images),
        ]))
        return self.etags

    def error_response(self, status: int, headers: dict[str, str] | None = None) -> Response:
        message = "Rate limit exceeded" if status == 429 else ""
        return json({"name": _NAMES.get(status, "Error"), "message": message, "code": 0,
                     "status": status}, status, headers)

    def show(self, show: Show, base: str) -> dict[str, Any]:
        """``show`` as a TVmaze show object; ``base`` is this fake's URL (for ``_links``)."""
        first = show.first
        ident = show.tvmaze_id
        assert ident is not None
        weekday = f"{first.start_date:%A}" if first.start_date else None
        score = first.average_score
        return {
            "id": ident, "url": f"https://www.tvmaze.com/shows/{ident}/{_slug(show.name)}",
            "name": show.name, "type": "Animation", "language": "Japanese",
            "genres": sorted({"Anime", *(_GENRES[g] for g in show.genres if g in _GENRES)}),
            "status": "Ended" if show.ended else "Running",
            "runtime": first.duration, "averageRuntime": first.duration,
            "premiered": _date(show.premiered),
            "ended": _date(show.last_aired) if show.ended else None,
            "officialSite": None,
            "schedule": {"time": "", "days": [weekday] if weekday else []},
            "rating": {"average": score / 10 if score else None}, "weight": 90,
            "network": _NETWORK,
            "webChannel": None, "dvdCountry": None,
            "externals": {"tvrage": None, "thetvdb": show.tvdb_id, "imdb": show.imdb_id},
            "image": {"medium": image_url(self.image_url, "tvmaze", "postermedium", ident),
                      "original": image_url(self.image_url, "tvmaze", "poster", ident)},
            "summary": "".join(f"<p>{html.escape(p)}</p>"
                               for p in first.description.split("\n\n")),
            "updated": 1_700_000_000 + ident % 10_000_000,
            "_links": {"self": {"href": f"{base}/shows/{ident}"}},
        }

    def _show_or_404(self, request: Request) -> Show | Response:
        show = self.dataset.show_by_tvmaze(request.path_params["show_id"])
        return show if show is not None else self.error_response(404)

    async def _search(self, request: Request) -> Response:
        base = _base(request)
        found = self.dataset.search_shows(request.query_params.get("q", ""))
        return json([{"score": score, "show": self.show(show, base)}
                     for score, show in found[:SEARCH_RESULTS] if show.tvmaze_id is not None])

    async def _single_search(self, request: Request) -> Response:
        found = [s for _, s in self.dataset.search_shows(request.query_params.get("q", ""))
                 if s.tvmaze_id is not None]
        if not found:
            return self.error_response(404)
        return json(self.show(found[0], _base(request)))

    async def _lookup(self, request: Request) -> Response:
        params = request.query_params
        show: Show | None = None
        if params.get("thetvdb", "").isdigit():
            show = self.dataset.show_by_tvdb(int(params["thetvdb"]))
        elif "imdb" in params:
            show = self.dataset.show_by_imdb(params["imdb"])
        if show is None or show.tvmaze_id is None:
            return self.error_response(404)
        return RedirectResponse(f"{_base(request)}/shows/{show.tvmaze_id}", status_code=301)

    async def _show(self, request: Request) -> Response:
        show = self._show_or_404(request)
        if isinstance(show, Response):
            return show
        return json(self.show(show, _base(request)))

    async def _episodes(self, request: Request) -> Response:
        show = self._show_or_404(request)
        if isinstance(show, Response):
            return show
        ident = show.tvmaze_id
        assert ident is not None
        base = _base(request)
        episodes = []
        for position, item in enumerate(show.episodes(), start=1):
            episode_id = ident * 100_000 + position
            aired = item.episode.aired
            episodes.append({
                "id": episode_id,
                "url": f"https://www.tvmaze.com/episodes/{episode_id}/{_slug(show.name)}-"
                       f"{item.season}x{item.number:02d}-{_slug(item.episode.title)}",
                "name": item.episode.title, "season": item.season, "number": item.number,
                "type": "regular", "airdate": _date(aired), "airtime": "",
                "airstamp": f"{aired.isoformat()}T15:00:00+00:00" if aired else None,
                "runtime": item.episode.runtime, "rating": {"average": None},
                "image": {"medium": image_url(self.image_url, "tvmaze", "episodemedium", ident,
                                              position),
                          "original": image_url(self.image_url, "tvmaze", "episode", ident,
                                                position)},
                "summary": None,
                "_links": {"self": {"href": f"{base}/episodes/{episode_id}"},
                           "show": {"href": f"{base}/shows/{ident}"}},
            })
        return json(episodes)

    async def _images(self, request: Request) -> Response:
        show = self._show_or_404(request)
        if isinstance(show, Response):
            return show
        ident = show.tvmaze_id
        assert ident is not None
        images = []
        for index, kind in enumerate(_IMAGE_TYPES):
            if kind == "typography" and ident % 3 == 0:
                continue  # not every show has a logo
            _, width, height = KINDS[("tvmaze", kind)]
            url = image_url(self.image_url, "tvmaze", kind, ident)
            resolutions: dict[str, Any] = {"original": {"url": url, "width": width,
                                                        "height": height}}
            if kind == "poster":
                resolutions["medium"] = {
                    "url": image_url(self.image_url, "tvmaze", "postermedium", ident),
                    "width": 210, "height": 295}
            images.append({"id": ident * 10 + index, "type": kind, "main": True,
                           "resolutions": resolutions})
        return json(images)


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")
