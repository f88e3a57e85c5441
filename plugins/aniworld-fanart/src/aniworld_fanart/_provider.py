"""The fanart.tv provider: ``https://webservice.fanart.tv/v3``, artwork by TVDB id, needs a key."""

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
from aniworld_core.reading import reading
from aniworld_fanart._answers import artwork


@attrs.define
class Fanart:
    """fanart.tv's v3 API with a project API key (``[providers.fanart] api_key``). Refs are TVDB
    ids, so a series needs its TVDB id (from TVmaze or TMDB) before fanart.tv can help."""

    name: ClassVar[str] = "fanart"
    display_name: ClassVar[str] = "fanart.tv"
    id_type: ClassVar[str] = "tvdb"
    capabilities: ClassVar[frozenset[Capability]] = frozenset({Capability.ARTWORK})
    # fanart.tv publishes no limit; ten a second is a polite client.
    rate_limits: ClassVar[tuple[RateLimit, ...]] = (RateLimit(10, 1.0),)
    batch_size: ClassVar[int] = 1
    artwork_kinds: ClassVar[frozenset[ArtworkKind]] = frozenset(
        {ArtworkKind.POSTER, ArtworkKind.FANART, ArtworkKind.BANNER, ArtworkKind.CLEARLOGO,
         ArtworkKind.SEASON_POSTER, ArtworkKind.LANDSCAPE}
    )
    default_url: ClassVar[str] = "https://webservice.fanart.tv/v3"
    requires_api_key: ClassVar[bool] = True

    context: ProviderContext

    async def fetch_artwork(self, ref: ProviderRef) -> Sequence[Artwork]:
        """Logos, backgrounds, posters, banners, landscapes and season posters; none when
        fanart.tv has nothing for the series (HTTP 404)."""
        if not ref.id.isdigit():
            return ()  # TVDB ids are numbers; nothing else can exist there
        request = f"artwork of TVDB {ref.id}"
        try:
            answer = await self.context.http.get_json(
                f"/tv/{ref.id}", params={"api_key": self.context.config.api_key or ""},
                request=request,
            )
        except ProviderError as error:
            if error.status == 404:
                return ()
            raise
        with reading(self.name, request):
            return artwork(answer)

    # Not declared capabilities, so never called; here to satisfy ``MetadataProvider``.

    async def search(self, query: str, *, year: int | None = None) -> Sequence[SearchResult]:
        return ()

    async def fetch_series(self, refs: Sequence[ProviderRef]) -> Mapping[str, SeriesInfo]:
        return {}

    async def fetch_episodes(self, ref: ProviderRef) -> Sequence[EpisodeInfo]:
        return ()
