"""AniList (GraphQL): search, up to 50 series per request, poster and banner.

Registered through the ``register_metadata_providers`` hook exactly as a third-party plugin is.
Refs are AniList ids. Titles: the English title when AniList has one, else the romaji title; the
native title is the original title; romaji, English and synonyms not used so are alternative
titles. Descriptions lose their HTML. AniList has no logos and no episode list of its own; the
titles of licensed streams (``streamingEpisodes``, "Episode 3 - Title") come with each entry, as
do ``updatedAt`` and the next episode to air.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import attrs

from aniworld_core.errors import ProviderError
from aniworld_core.metadata import (
    Airing,
    Artwork,
    ArtworkKind,
    Capability,
    EpisodeInfo,
    ProviderIds,
    ProviderRef,
    Relation,
    SearchResult,
    SeriesInfo,
)
from aniworld_core.providers.base import ProviderContext, RateLimit
from aniworld_core.providers.hookspecs import RegisterProvider, hookimpl
from aniworld_core.providers.markup import plain_text
from aniworld_core.reading import (
    CANCELLED,
    CONTINUING,
    ENDED,
    HIATUS,
    UPCOMING,
    Json,
    Malformed,
    date_from_parts,
    identifier,
    integer,
    mapping,
    number,
    objects,
    prefer_year,
    reading,
    text,
    texts,
    unique,
)

#: ``Page`` takes at most 50 items per page.
MAX_PER_PAGE = 50
SEARCH_RESULTS = 10

_TITLE = "title { romaji english native }"
_SEARCH_FIELDS = f"""id idMal {_TITLE} synonyms format episodes seasonYear startDate {{ year }}
      coverImage {{ large }}"""
_ARTWORK_FIELDS = "coverImage { extraLarge large } bannerImage"
# Related entries one step away: enough to walk a chain of seasons one batched request per step.
_RELATIONS = f"""relations {{ edges {{ relationType(version: 2) node {{ id type format episodes
      {_TITLE} startDate {{ year }} }} }} }}"""
_SERIES_FIELDS = f"""id idMal {_TITLE} synonyms format status episodes duration season seasonYear
      startDate {{ year month day }} description(asHtml: false) {_ARTWORK_FIELDS}
      genres averageScore studios(isMain: true) {{ nodes {{ name }} }} {_RELATIONS}
      updatedAt nextAiringEpisode {{ episode airingAt }} streamingEpisodes {{ title }}"""

SEARCH_QUERY = f"""query ($search: String, $perPage: Int) {{
  Page(page: 1, perPage: $perPage) {{
    media(search: $search, type: ANIME) {{ {_SEARCH_FIELDS} }}
  }}
}}"""
SERIES_QUERY = f"""query ($ids: [Int], $perPage: Int) {{
  Page(page: 1, perPage: $perPage) {{
    media(id_in: $ids, type: ANIME) {{ {_SERIES_FIELDS} }}
  }}
}}"""
ARTWORK_QUERY = f"""query ($ids: [Int], $perPage: Int) {{
  Page(page: 1, perPage: $perPage) {{
    media(id_in: $ids, type: ANIME) {{ id {_ARTWORK_FIELDS} }}
  }}
}}"""

_STATUSES = {"FINISHED": ENDED, "RELEASING": CONTINUING, "NOT_YET_RELEASED": UPCOMING,
             "CANCELLED": CANCELLED, "HIATUS": HIATUS}


@attrs.define
class AniList:
    """AniList's public GraphQL API; no key needed."""

    name: ClassVar[str] = "anilist"
    display_name: ClassVar[str] = "AniList"
    id_type: ClassVar[str] = "anilist"
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {Capability.SEARCH, Capability.SERIES, Capability.ARTWORK}
    )
    # Documented as 90/min, degraded to 30/min; at most 5 close together.
    rate_limits: ClassVar[tuple[RateLimit, ...]] = (RateLimit(30, 60.0, burst=5),)
    batch_size: ClassVar[int] = MAX_PER_PAGE
    artwork_kinds: ClassVar[frozenset[ArtworkKind]] = frozenset(
        {ArtworkKind.POSTER, ArtworkKind.BANNER}
    )

    default_url: ClassVar[str] = "https://graphql.anilist.co"
    requires_api_key: ClassVar[bool] = False

    context: ProviderContext

    async def search(self, query: str, *, year: int | None = None) -> Sequence[SearchResult]:
        request = f"search {query!r}"
        page = await self._page(SEARCH_QUERY, {"search": query, "perPage": SEARCH_RESULTS},
                                request)
        with reading(self.name, request):
            results = [_search_result(media) for media in objects(page.get("media"), "media")]
        return prefer_year(results, year)

    async def fetch_series(self, refs: Sequence[ProviderRef]) -> Mapping[str, SeriesInfo]:
        found: dict[str, SeriesInfo] = {}
        ids = _numeric_ids(refs)
        for start in range(0, len(ids), MAX_PER_PAGE):
            chunk = ids[start:start + MAX_PER_PAGE]
            request = _series_request(chunk)
            page = await self._page(SERIES_QUERY, {"ids": chunk, "perPage": len(chunk)}, request)
            with reading(self.name, request):
                for media in objects(page.get("media"), "media"):
                    info = _series_info(media)
                    if int(info.ref.id) in chunk:
                        found[info.ref.id] = info
        return found

    async def fetch_episodes(self, ref: ProviderRef) -> Sequence[EpisodeInfo]:
        """AniList lists no episode titles (not a declared capability)."""
        return ()

    async def fetch_artwork(self, ref: ProviderRef) -> Sequence[Artwork]:
        ids = _numeric_ids([ref])
        if not ids:
            return ()
        request = f"artwork of {ref.id}"
        page = await self._page(ARTWORK_QUERY, {"ids": ids, "perPage": 1}, request)
        with reading(self.name, request):
            for media in objects(page.get("media"), "media"):
                if identifier(media, "id", "a media") == ids[0]:
                    return _artwork(media)
        return ()

    async def _page(self, query: str, variables: dict[str, Any], request: str) -> Json:
        """``data.Page`` of a query; GraphQL errors become :class:`ProviderError`."""
        answer = await self.context.http.post_json(
            "", body={"query": query, "variables": variables}, request=request
        )
        with reading(self.name, request):
            body = mapping(answer, "the answer")
            errors = objects(body.get("errors"), "errors")
            if errors:
                messages = "; ".join(text(error, "message") or "no message" for error in errors)
                raise ProviderError(self.name, request, f"AniList reported: {messages}")
            return mapping(mapping(body.get("data"), "data").get("Page"), "data.Page")


def _numeric_ids(refs: Sequence[ProviderRef]) -> list[int]:
    """AniList ids are positive numbers; anything else cannot exist there."""
    return list(dict.fromkeys(int(ref.id) for ref in refs if ref.id.isdigit() and int(ref.id)))


def _series_request(ids: Sequence[int]) -> str:
    shown = ", ".join(str(media_id) for media_id in ids[:3])
    return f"series {shown}" + (f" … ({len(ids)} ids)" if len(ids) > 3 else "")


def _titles(media: Json, media_id: int) -> tuple[str, str | None, tuple[str, ...]]:
    names = mapping(media.get("title") or {}, f"the title of media {media_id}")
    english, romaji, native = text(names, "english"), text(names, "romaji"), text(names, "native")
    title = english or romaji or native
    if title is None:
        raise Malformed(f"media {media_id} has no title")
    original = native if native != title else None
    alternatives = unique((romaji, english, *texts(media, "synonyms")), besides=(title, original))
    return title, original, alternatives


def _ids(media: Json, media_id: int) -> ProviderIds:
    mal = integer(media, "idMal")
    return ProviderIds(anilist=str(media_id), mal=str(mal) if mal else None)


def _search_result(media: Json) -> SearchResult:
    media_id = identifier(media, "id", "a media")
    title, original, alternatives = _titles(media, media_id)
    # A candidate carries every title it is known by, the native one too: a folder named in
    # Japanese matches it exactly.
    alternatives = unique((*alternatives, original), besides=(title,))
    start = mapping(media.get("startDate") or {}, "startDate")
    cover = mapping(media.get("coverImage") or {}, "coverImage")
    return SearchResult(
        ref=ProviderRef(AniList.name, str(media_id)),
        title=title,
        year=integer(start, "year") or integer(media, "seasonYear"),
        format=text(media, "format"),
        episodes=integer(media, "episodes"),
        alt_titles=alternatives,
        poster_url=text(cover, "large"),
        ids=_ids(media, media_id),
    )


def _series_info(media: Json) -> SeriesInfo:
    media_id = identifier(media, "id", "a media")
    title, original, alternatives = _titles(media, media_id)
    start = mapping(media.get("startDate") or {}, "startDate")
    studios = mapping(media.get("studios") or {}, "studios")
    score = number(media, "averageScore")
    return SeriesInfo(
        ref=ProviderRef(AniList.name, str(media_id)),
        title=title,
        original_title=original,
        alt_titles=alternatives,
        plot=plain_text(text(media, "description")),
        premiered=date_from_parts(integer(start, "year"), integer(start, "month"),
                                  integer(start, "day")),
        year=integer(start, "year") or integer(media, "seasonYear"),
        status=_STATUSES.get(text(media, "status") or ""),
        format=text(media, "format"),
        genres=texts(media, "genres"),
        studios=unique(text(node, "name") for node in objects(studios.get("nodes"), "nodes")),
        rating=score / 10 if score is not None else None,
        episode_count=integer(media, "episodes"),
        ids=_ids(media, media_id),
        artwork=_artwork(media),
        relations=_relations(media, media_id),
        updated_at=integer(media, "updatedAt"),
        next_airing=_next_airing(media),
        episode_titles=_stream_titles(media),
    )


def _next_airing(media: Json) -> Airing | None:
    node = mapping(media.get("nextAiringEpisode") or {}, "nextAiringEpisode")
    episode, airing_at = integer(node, "episode"), integer(node, "airingAt")
    if not episode or airing_at is None:
        return None
    return Airing(episode, dt.datetime.fromtimestamp(airing_at, dt.UTC))


#: "Episode 3 - Title" (Crunchyroll and most sites), "Ep. 3: Title", "3. Title".
_STREAM_TITLE = re.compile(r"(?:(?:episode|ep\.?)\s*(\d+)\s*[-\u2013\u2014:.]|(\d+)\.)\s*(\S.*)",
                           re.IGNORECASE)


def _stream_titles(media: Json) -> tuple[tuple[int, str], ...]:
    """Episode titles of the entry's licensed streams, by number (first one per number); a
    title that names no number is left out."""
    found: dict[int, str] = {}
    for stream in objects(media.get("streamingEpisodes"), "streamingEpisodes"):
        match = _STREAM_TITLE.fullmatch((text(stream, "title") or "").strip())
        if match is None:
            continue
        number = int(match.group(1) or match.group(2))
        if number > 0:
            found.setdefault(number, match.group(3).strip())
    return tuple(sorted(found.items()))


def _relations(media: Json, media_id: int) -> tuple[Relation, ...]:
    """The anime this media is related to (manga and novels it adapts are left out)."""
    found = []
    holder = mapping(media.get("relations") or {}, f"the relations of media {media_id}")
    for edge in objects(holder.get("edges"), "relations.edges"):
        kind = text(edge, "relationType")
        node = mapping(edge.get("node") or {}, "a relation's node")
        if kind is None or not node or text(node, "type") not in (None, "ANIME"):
            continue
        other = identifier(node, "id", "a related media")
        names = mapping(node.get("title") or {}, f"the title of media {other}")
        start = mapping(node.get("startDate") or {}, "startDate")
        found.append(Relation(
            kind=kind, ref=ProviderRef(AniList.name, str(other)),
            title=text(names, "english") or text(names, "romaji") or text(names, "native"),
            format=text(node, "format"), episodes=integer(node, "episodes"),
            year=integer(start, "year"),
        ))
    return tuple(found)


def _artwork(media: Json) -> tuple[Artwork, ...]:
    cover = mapping(media.get("coverImage") or {}, "coverImage")
    found = []
    poster = text(cover, "extraLarge") or text(cover, "large")
    if poster:
        found.append(Artwork(ArtworkKind.POSTER, poster))
    banner = text(media, "bannerImage")
    if banner:
        found.append(Artwork(ArtworkKind.BANNER, banner))
    return tuple(found)


@hookimpl
def register_metadata_providers(register: RegisterProvider) -> None:
    register(AniList)
