"""The TMDB provider: ``https://api.themoviedb.org/3``, TV shows only, needs an API key."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import ClassVar

import anyio
import attrs

from aniworld_core import (
    Artwork,
    ArtworkKind,
    Capability,
    EpisodeInfo,
    ProviderContext,
    ProviderError,
    ProviderRef,
    RateLimit,
    SearchResult,
    SeriesInfo,
)
from aniworld_core.reading import mapping, objects, reading
from aniworld_tmdb._answers import (
    NAME,
    artwork,
    episodes,
    image_base,
    search_result,
    season_number,
    seasons,
    series_info,
)

Params = dict[str, str | int]

#: The show with what aniworld needs from it in one request.
_DETAILS: Params = {"append_to_response": "external_ids,images",
                    # Appended images are filtered by language unless these are named.
                    "include_image_language": "en,ja,null"}


@attrs.define
class TMDB:
    """TMDB's v3 API with an API key (``[providers.tmdb] api_key``). Refs are TMDB TV ids."""

    name: ClassVar[str] = NAME
    display_name: ClassVar[str] = "TMDB"
    id_type: ClassVar[str] = "tmdb"
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {Capability.SEARCH, Capability.SERIES, Capability.EPISODES, Capability.ARTWORK}
    )
    # TMDB allows about 50 requests a second per IP; 40 leaves room for network jitter.
    rate_limits: ClassVar[tuple[RateLimit, ...]] = (RateLimit(40, 1.0),)
    batch_size: ClassVar[int] = 1  # TMDB has no call for several shows
    artwork_kinds: ClassVar[frozenset[ArtworkKind]] = frozenset(
        {ArtworkKind.POSTER, ArtworkKind.FANART, ArtworkKind.CLEARLOGO, ArtworkKind.SEASON_POSTER}
    )
    default_url: ClassVar[str] = "https://api.themoviedb.org/3"
    requires_api_key: ClassVar[bool] = True

    context: ProviderContext
    _image_base: str | None = attrs.field(default=None, init=False)
    _configuring: anyio.Lock = attrs.field(factory=anyio.Lock, init=False)

    async def search(self, query: str, *, year: int | None = None) -> Sequence[SearchResult]:
        """TMDB's first page of matches (20), those from ``year`` first."""
        request = f"search {query!r}"
        answer = await self._get("/search/tv", request, {"query": query})
        base = await self._images()
        with reading(self.name, request):
            found = objects(mapping(answer, "the answer").get("results"), "results")
            results = [search_result(show, base) for show in found]
        if year is None:
            return results
        return sorted(results, key=lambda result: result.year != year)

    async def fetch_series(self, refs: Sequence[ProviderRef]) -> Mapping[str, SeriesInfo]:
        found: dict[str, SeriesInfo] = {}
        for ref in refs:
            request = f"show {ref.id}"
            show = await self._get_unless_missing(f"/tv/{ref.id}", request, ref, _DETAILS)
            if show is not None:
                base = await self._images()
                with reading(self.name, request):
                    found[ref.id] = series_info(mapping(show, "the answer"), base)
        return found

    async def fetch_episodes(self, ref: ProviderRef) -> Sequence[EpisodeInfo]:
        """Every season's episodes (season 0 holds specials); an unknown show has none."""
        request = f"seasons of {ref.id}"
        show = await self._get_unless_missing(f"/tv/{ref.id}", request, ref)
        if show is None:
            return ()
        with reading(self.name, request):
            numbers = [season_number(season, "season_number", "a season")
                       for season in seasons(mapping(show, "the answer"))]
        found: list[EpisodeInfo] = []
        for number in numbers:
            request = f"season {number} of {ref.id}"
            answer = await self._get_unless_missing(f"/tv/{ref.id}/season/{number}", request,
                                                    ref)
            if answer is None:
                continue  # listed but gone: the other seasons still count
            with reading(self.name, request):
                items = objects(mapping(answer, "the answer").get("episodes"), "episodes")
                found.extend(episodes(items))
        return found

    async def fetch_artwork(self, ref: ProviderRef) -> Sequence[Artwork]:
        request = f"images of {ref.id}"
        show = await self._get_unless_missing(f"/tv/{ref.id}", request, ref, _DETAILS)
        if show is None:
            return ()
        base = await self._images()
        with reading(self.name, request):
            return artwork(mapping(show, "the answer"), base)

    async def _images(self) -> str:
        """Where images live (``/configuration``, asked once per provider), size included."""
        async with self._configuring:
            if self._image_base is None:
                request = "configuration"
                answer = await self._get("/configuration", request)
                with reading(self.name, request):
                    self._image_base = image_base(answer)
            return self._image_base

    async def _get(self, path: str, request: str, params: Params | None = None) -> object:
        keyed: Params = {**(params or {}), "api_key": self.context.config.api_key or ""}
        answer: object = await self.context.http.get_json(path, params=keyed, request=request)
        return answer

    async def _get_unless_missing(self, path: str, request: str, ref: ProviderRef,
                                  params: Params | None = None) -> object:
        """The answer, or ``None`` when TMDB has no such show or season (HTTP 404)."""
        if not ref.id.isdigit():
            return None  # TMDB ids are numbers; nothing else can exist there
        try:
            return await self._get(path, request, params)
        except ProviderError as error:
            if error.status == 404:
                return None
            raise
