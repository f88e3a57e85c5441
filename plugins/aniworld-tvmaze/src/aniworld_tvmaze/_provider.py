"""The TVmaze provider: ``https://api.tvmaze.com``, no key."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import ClassVar

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
from aniworld_tvmaze._answers import ID_TYPE, artwork, episodes, search_result, series_info


@attrs.define
class TVmaze:
    """TVmaze's public REST API. Refs are TVmaze show ids (``ProviderRef("tvmaze", "1253")``),
    which aniworld keeps as ``ProviderIds.extra["tvmaze"]``; search results and series also
    carry the show's TVDB and IMDb ids."""

    name: ClassVar[str] = "tvmaze"
    display_name: ClassVar[str] = "TVmaze"
    id_type: ClassVar[str] = ID_TYPE
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {Capability.SEARCH, Capability.SERIES, Capability.EPISODES, Capability.ARTWORK}
    )
    # TVmaze allows at least 20 calls per 10 s per IP; the extra half second keeps network
    # jitter from ever putting 21 into one of TVmaze's windows.
    rate_limits: ClassVar[tuple[RateLimit, ...]] = (RateLimit(20, 10.5),)
    batch_size: ClassVar[int] = 1  # TVmaze has no call for several shows
    artwork_kinds: ClassVar[frozenset[ArtworkKind]] = frozenset(
        {ArtworkKind.POSTER, ArtworkKind.FANART, ArtworkKind.BANNER, ArtworkKind.CLEARLOGO}
    )
    default_url: ClassVar[str] = "https://api.tvmaze.com"
    requires_api_key: ClassVar[bool] = False

    context: ProviderContext

    async def search(self, query: str, *, year: int | None = None) -> Sequence[SearchResult]:
        """TVmaze's matches (at most 10), those from ``year`` first."""
        request = f"search {query!r}"
        answer = await self.context.http.get_json("/search/shows", params={"q": query},
                                                  request=request)
        with reading(self.name, request):
            results = [search_result(hit) for hit in objects(answer, "the answer")]
        if year is None:
            return results
        return sorted(results, key=lambda result: result.year != year)

    async def fetch_series(self, refs: Sequence[ProviderRef]) -> Mapping[str, SeriesInfo]:
        found: dict[str, SeriesInfo] = {}
        for ref in refs:
            request = f"show {ref.id}"
            answer = await self._get_unless_missing(f"/shows/{ref.id}", request, ref)
            if answer is not None:
                with reading(self.name, request):
                    found[ref.id] = series_info(mapping(answer, "the answer"))
        return found

    async def fetch_episodes(self, ref: ProviderRef) -> Sequence[EpisodeInfo]:
        """Every episode with specials (season 0); an unknown show has none."""
        request = f"episodes of {ref.id}"
        answer = await self._get_unless_missing(f"/shows/{ref.id}/episodes", request, ref,
                                                params={"specials": 1})
        with reading(self.name, request):
            return episodes(objects(answer, "the answer"))

    async def fetch_artwork(self, ref: ProviderRef) -> Sequence[Artwork]:
        request = f"images of {ref.id}"
        answer = await self._get_unless_missing(f"/shows/{ref.id}/images", request, ref)
        with reading(self.name, request):
            return artwork(objects(answer, "the answer"))

    async def _get_unless_missing(self, path: str, request: str, ref: ProviderRef,
                                  params: dict[str, str | int] | None = None) -> object:
        """The answer, or ``None`` when TVmaze has no such show (HTTP 404)."""
        if not ref.id.isdigit():
            return None  # TVmaze ids are numbers; nothing else can exist there
        try:
            answer: object = await self.context.http.get_json(path, params=params,
                                                              request=request)
        except ProviderError as error:
            if error.status == 404:
                return None
            raise
        return answer
