"""Jikan v4 (MyAnimeList): search, series, every episode title (all pages), pictures.

Registered through the ``register_metadata_providers`` hook exactly as a third-party plugin is.
Refs are MyAnimeList ids (``ProviderRef("jikan", "1")`` is MAL id 1). Titles: the English title
when MAL has one, else MAL's default (romaji) title; the Japanese title is the original title;
the others are alternative titles. Synopses lose their markup and MAL's "[Written by MAL Rewrite]"
credit line.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import ClassVar

import attrs

from aniworld_core.errors import ProviderError
from aniworld_core.metadata import (
    Artwork,
    ArtworkKind,
    Capability,
    EpisodeInfo,
    ProviderIds,
    ProviderRef,
    SearchResult,
    SeriesInfo,
)
from aniworld_core.providers.base import ProviderContext, RateLimit
from aniworld_core.providers.hookspecs import RegisterProvider, hookimpl
from aniworld_core.providers.markup import plain_text
from aniworld_core.reading import (
    CONTINUING,
    ENDED,
    UPCOMING,
    Json,
    Malformed,
    boolean,
    date_from_iso,
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

SEARCH_RESULTS = 10
#: A guard against a server that claims another page forever (100 episodes per page).
MAX_EPISODE_PAGES = 100

_STATUSES = {"Finished Airing": ENDED, "Currently Airing": CONTINUING, "Not yet aired": UPCOMING}
#: MAL's types in AniList's vocabulary, so merged metadata speaks one language.
_FORMATS = {"TV": "TV", "Movie": "MOVIE", "OVA": "OVA", "ONA": "ONA", "Special": "SPECIAL",
            "TV Special": "SPECIAL", "Music": "MUSIC"}
_CREDIT_LINE = re.compile(r"\s*\[Written by MAL Rewrite\]\s*$")


@attrs.define
class Jikan:
    """The Jikan REST API over MyAnimeList; no key needed."""

    name: ClassVar[str] = "jikan"
    display_name: ClassVar[str] = "Jikan (MyAnimeList)"
    id_type: ClassVar[str] = "mal"
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {Capability.SEARCH, Capability.SERIES, Capability.EPISODES, Capability.ARTWORK}
    )
    rate_limits: ClassVar[tuple[RateLimit, ...]] = (RateLimit(3, 1.0), RateLimit(60, 60.0))
    batch_size: ClassVar[int] = 1
    artwork_kinds: ClassVar[frozenset[ArtworkKind]] = frozenset(
        {ArtworkKind.POSTER}
    )
    default_url: ClassVar[str] = "https://api.jikan.moe/v4"
    requires_api_key: ClassVar[bool] = False

    context: ProviderContext

    async def search(self, query: str, *, year: int | None = None) -> Sequence[SearchResult]:
        request = f"search {query!r}"
        answer = await self.context.http.get_json(
            "/anime", params={"q": query, "limit": SEARCH_RESULTS}, request=request
        )
        with reading(self.name, request):
            found = objects(mapping(answer, "the answer").get("data"), "data")
            results = [_search_result(anime) for anime in found]
        return prefer_year(results, year)

    async def fetch_series(self, refs: Sequence[ProviderRef]) -> Mapping[str, SeriesInfo]:
        found: dict[str, SeriesInfo] = {}
        for ref in refs:  # Jikan has no batch call (batch_size 1)
            request = f"series {ref.id}"
            answer = await self._get_unless_missing(f"/anime/{ref.id}", request, ref)
            if answer is not None:
                with reading(self.name, request):
                    found[ref.id] = _series_info(mapping(answer, "the answer").get("data"))
        return found

    async def fetch_episodes(self, ref: ProviderRef) -> Sequence[EpisodeInfo]:
        """Every page of the episode list; an unknown series has no episodes."""
        episodes: list[EpisodeInfo] = []
        for page in range(1, MAX_EPISODE_PAGES + 1):
            request = f"episodes of {ref.id}, page {page}"
            answer = await self._get_unless_missing(f"/anime/{ref.id}/episodes", request, ref,
                                                    params={"page": page})
            if answer is None:
                return ()
            with reading(self.name, request):
                body = mapping(answer, "the answer")
                items = objects(body.get("data"), "data")
                episodes.extend(_episode(item) for item in items)
                pagination = mapping(body.get("pagination") or {}, "pagination")
                last_page = integer(pagination, "last_visible_page")
                if not items or not boolean(pagination, "has_next_page") or (
                    last_page is not None and page >= last_page
                ):
                    return episodes
        raise ProviderError(self.name, f"episodes of {ref.id}",
                            f"more than {MAX_EPISODE_PAGES} pages of episodes")

    async def fetch_artwork(self, ref: ProviderRef) -> Sequence[Artwork]:
        request = f"pictures of {ref.id}"
        answer = await self._get_unless_missing(f"/anime/{ref.id}/pictures", request, ref)
        if answer is None:
            return ()
        with reading(self.name, request):
            pictures = objects(mapping(answer, "the answer").get("data"), "data")
            urls = unique(_image_url(picture) for picture in pictures)
        return tuple(Artwork(ArtworkKind.POSTER, url) for url in urls)

    async def _get_unless_missing(
        self, path: str, request: str, ref: ProviderRef, params: dict[str, str | int] | None = None
    ) -> object | None:
        """The answer, or ``None`` when the series does not exist (HTTP 404)."""
        if not ref.id.isdigit():
            return None  # MAL ids are numbers; nothing else can exist there
        try:
            answer: object = await self.context.http.get_json(path, params=params,
                                                              request=request)
        except ProviderError as error:
            if error.status == 404:
                return None
            raise
        return answer


def _titles(anime: Json, mal_id: int) -> tuple[str, str | None, tuple[str, ...]]:
    default, english = text(anime, "title"), text(anime, "title_english")
    japanese = text(anime, "title_japanese")
    title = english or default or japanese
    if title is None:
        raise Malformed(f"anime {mal_id} has no title")
    original = japanese if japanese != title else None
    listed = (text(entry, "title") for entry in objects(anime.get("titles"), "titles"))
    alternatives = unique((default, english, *texts(anime, "title_synonyms"), *listed),
                          besides=(title, original))
    return title, original, alternatives


def _image_url(holder: Json) -> str | None:
    images = mapping(holder.get("images") or holder, "images")
    jpg = mapping(images.get("jpg") or {}, "images.jpg")
    return text(jpg, "large_image_url") or text(jpg, "image_url")


def _first_aired(anime: Json) -> tuple[str | None, int | None]:
    aired = mapping(anime.get("aired") or {}, "aired")
    first = aired.get("from")
    start = date_from_iso(first)
    return (first if isinstance(first, str) else None,
            start.year if start else integer(anime, "year"))


def _search_result(anime: Json) -> SearchResult:
    mal_id = identifier(anime, "mal_id", "an anime")
    title, _, alternatives = _titles(anime, mal_id)
    return SearchResult(
        ref=ProviderRef(Jikan.name, str(mal_id)),
        title=title,
        year=_first_aired(anime)[1],
        format=_format(anime),
        episodes=integer(anime, "episodes"),
        alt_titles=alternatives,
        poster_url=_image_url(anime),
        ids=ProviderIds(mal=str(mal_id)),
    )


def _series_info(data: object) -> SeriesInfo:
    anime = mapping(data, "data")
    mal_id = identifier(anime, "mal_id", "the anime")
    title, original, alternatives = _titles(anime, mal_id)
    first_aired, year = _first_aired(anime)
    poster = _image_url(anime)
    return SeriesInfo(
        ref=ProviderRef(Jikan.name, str(mal_id)),
        title=title,
        original_title=original,
        alt_titles=alternatives,
        plot=plain_text(_CREDIT_LINE.sub("", text(anime, "synopsis") or "")),
        premiered=date_from_iso(first_aired),
        year=year,
        status=_STATUSES.get(text(anime, "status") or ""),
        format=_format(anime),
        genres=_names(anime, "genres"),
        studios=_names(anime, "studios"),
        rating=number(anime, "score"),
        votes=integer(anime, "scored_by"),
        episode_count=integer(anime, "episodes"),
        ids=ProviderIds(mal=str(mal_id)),
        artwork=(Artwork(ArtworkKind.POSTER, poster),) if poster else (),
    )


def _episode(item: Json) -> EpisodeInfo:
    number_ = identifier(item, "mal_id", "an episode")
    return EpisodeInfo(
        number=number_,
        season=1,
        absolute_number=number_,
        title=text(item, "title") or text(item, "title_romanji") or text(item, "title_japanese"),
        air_date=date_from_iso(item.get("aired")),
    )


def _format(anime: Json) -> str | None:
    kind = text(anime, "type")
    return _FORMATS.get(kind, kind.upper().replace(" ", "_")) if kind else None


def _names(anime: Json, key: str) -> tuple[str, ...]:
    return unique(text(entry, "name") for entry in objects(anime.get(key), key))


@hookimpl
def register_metadata_providers(register: RegisterProvider) -> None:
    register(Jikan)
