"""TVmaze's answers as aniworld metadata: shows, episodes (specials in season 0) and images."""

from __future__ import annotations

from collections.abc import Iterable

from aniworld_core import (
    Artwork,
    ArtworkKind,
    EpisodeInfo,
    ProviderIds,
    ProviderRef,
    SearchResult,
    SeriesInfo,
    plain_text,
)
from aniworld_core.reading import (
    Json,
    Malformed,
    date,
    identifier,
    integer,
    mapping,
    number,
    text,
    texts,
)

#: The id type of TVmaze's own show ids (kept in ``ProviderIds.extra``).
ID_TYPE = "tvmaze"

#: TVmaze's show states in Kodi's words; "To Be Determined" says nothing either way.
_STATUSES = {"Running": "Continuing", "Ended": "Ended", "In Development": "Upcoming"}
#: Image types of ``/shows/{id}/images``; "typography" is the show's logo.
_IMAGE_KINDS = {"poster": ArtworkKind.POSTER, "background": ArtworkKind.FANART,
                "banner": ArtworkKind.BANNER, "typography": ArtworkKind.CLEARLOGO}


def _ids(show: Json, show_id: int) -> ProviderIds:
    """The show's TVmaze id and its ``externals``: ``thetvdb`` → tvdb, ``imdb`` → imdb."""
    externals = mapping(show.get("externals") or {}, f"the externals of show {show_id}")
    tvdb = integer(externals, "thetvdb")
    return ProviderIds(tvdb=str(tvdb) if tvdb and tvdb > 0 else None,
                       imdb=text(externals, "imdb"), extra={ID_TYPE: str(show_id)})


def _title(show: Json, show_id: int) -> str:
    title = text(show, "name")
    if title is None:
        raise Malformed(f"show {show_id} has no name")
    return title


def _poster(show: Json, size: str) -> str | None:
    image = mapping(show.get("image") or {}, "the image of a show")
    return text(image, size) or text(image, "original")


def search_result(hit: Json) -> SearchResult:
    show = mapping(hit.get("show"), "the show of a search result")
    show_id = identifier(show, "id", "a show")
    premiered = date(show, "premiered")
    return SearchResult(
        ref=ProviderRef(ID_TYPE, str(show_id)),
        title=_title(show, show_id),
        year=premiered.year if premiered else None,
        poster_url=_poster(show, "medium"),
        ids=_ids(show, show_id),
    )


def series_info(show: Json) -> SeriesInfo:
    show_id = identifier(show, "id", "the show")
    premiered = date(show, "premiered")
    rating = mapping(show.get("rating") or {}, "the rating")
    poster = _poster(show, "original")
    return SeriesInfo(
        ref=ProviderRef(ID_TYPE, str(show_id)),
        title=_title(show, show_id),
        plot=plain_text(text(show, "summary")),
        premiered=premiered,
        year=premiered.year if premiered else None,
        status=_STATUSES.get(text(show, "status") or ""),
        genres=texts(show, "genres"),
        rating=number(rating, "average"),
        ids=_ids(show, show_id),
        artwork=(Artwork(ArtworkKind.POSTER, poster, score=1.0),) if poster else (),
    )


def episodes(items: Iterable[Json]) -> list[EpisodeInfo]:
    """Regular episodes in their seasons; specials (``number: null``) in season 0, numbered in
    TVmaze's order. Insignificant specials (recaps, extras) are left out."""
    found: list[EpisodeInfo] = []
    specials = 0
    for item in items:
        episode_id = identifier(item, "id", "an episode")
        if item.get("number") is None:
            if text(item, "type") == "insignificant_special":
                continue
            specials += 1
            season, number_ = 0, specials
        else:
            season = identifier(item, "season", f"episode {episode_id}")
            number_ = identifier(item, "number", f"episode {episode_id}")
        found.append(EpisodeInfo(
            number=number_,
            season=season,
            title=text(item, "name"),
            air_date=date(item, "airdate"),
            plot=plain_text(text(item, "summary")),
            runtime=integer(item, "runtime"),
        ))
    return found


def artwork(images: Iterable[Json]) -> list[Artwork]:
    """Posters, backgrounds (fanart), banners and logos at their original size; TVmaze's main
    image of each kind scores 1, the others 0. Other image types are left out."""
    found = []
    for image in images:
        kind = _IMAGE_KINDS.get(text(image, "type") or "")
        resolutions = mapping(image.get("resolutions") or {}, "the resolutions of an image")
        original = mapping(resolutions.get("original") or {}, "an image's original resolution")
        url = text(original, "url")
        if kind is not None and url is not None:
            found.append(Artwork(kind, url, score=1.0 if image.get("main") is True else 0.0))
    return found
