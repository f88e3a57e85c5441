"""TMDB's answers as aniworld metadata: search results, shows with their external ids and
images, season episode lists."""

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
)
from aniworld_core.reading import (
    Json,
    Malformed,
    date,
    identifier,
    integer,
    mapping,
    number,
    objects,
    text,
)

NAME = "tmdb"
#: Where TMDB's images live when ``/configuration`` does not say (it always has so far).
DEFAULT_IMAGE_BASE = "https://image.tmdb.org/t/p/"
#: The image size aniworld asks for: the file as uploaded.
IMAGE_SIZE = "original"

#: TMDB's show states in Kodi's words ("Pilot" says nothing either way).
_STATUSES = {"Returning Series": "Continuing", "Ended": "Ended", "Canceled": "Cancelled",
             "In Production": "Upcoming", "Planned": "Upcoming"}


def season_number(data: Json, key: str, what: str) -> int:
    """A season number: 0 (specials) or more."""
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise Malformed(f"{what} has no valid {key}")
    return value


_IMAGE_KINDS = {"posters": ArtworkKind.POSTER, "backdrops": ArtworkKind.FANART,
                "logos": ArtworkKind.CLEARLOGO}


def image_base(configuration: object) -> str:
    """``images.secure_base_url`` from ``/configuration`` with the size appended."""
    images = mapping(mapping(configuration, "the configuration").get("images") or {},
                     "the configuration's images")
    base = text(images, "secure_base_url") or DEFAULT_IMAGE_BASE
    return f"{base.rstrip('/')}/{IMAGE_SIZE}"


def _image(base: str, path: str | None) -> str | None:
    return f"{base}{path}" if path and path.startswith("/") else None


def _titles(show: Json, show_id: int) -> tuple[str, str | None]:
    title = text(show, "name") or text(show, "original_name")
    if title is None:
        raise Malformed(f"show {show_id} has no name")
    original = text(show, "original_name")
    return title, original if original != title else None


def search_result(show: Json, base: str) -> SearchResult:
    show_id = identifier(show, "id", "a show")
    title, original = _titles(show, show_id)
    first_aired = date(show, "first_air_date")
    return SearchResult(
        ref=ProviderRef(NAME, str(show_id)),
        title=title,
        year=first_aired.year if first_aired else None,
        alt_titles=(original,) if original else (),
        poster_url=_image(base, text(show, "poster_path")),
        ids=ProviderIds(tmdb=str(show_id)),
    )


def _ids(show: Json, show_id: int) -> ProviderIds:
    external = mapping(show.get("external_ids") or {}, f"the external_ids of show {show_id}")
    tvdb = integer(external, "tvdb_id")
    return ProviderIds(tmdb=str(show_id), tvdb=str(tvdb) if tvdb and tvdb > 0 else None,
                       imdb=text(external, "imdb_id"))


def seasons(show: Json) -> list[Json]:
    return objects(show.get("seasons"), "seasons")


def series_info(show: Json, base: str) -> SeriesInfo:
    show_id = identifier(show, "id", "the show")
    title, original = _titles(show, show_id)
    first_aired = date(show, "first_air_date")
    votes = integer(show, "vote_count")
    season_names = []
    for season in seasons(show):
        number_ = season_number(season, "season_number", "a season")
        name = text(season, "name")
        if name and name not in (f"Season {number_}", "Specials"):
            season_names.append((number_, name))
    return SeriesInfo(
        ref=ProviderRef(NAME, str(show_id)),
        title=title,
        original_title=original,
        plot=text(show, "overview"),
        premiered=first_aired,
        year=first_aired.year if first_aired else None,
        status=_STATUSES.get(text(show, "status") or ""),
        genres=_names(show, "genres"),
        studios=_names(show, "production_companies"),
        rating=number(show, "vote_average") if votes else None,
        votes=votes or None,
        episode_count=integer(show, "number_of_episodes"),
        season_names=tuple(season_names),
        ids=_ids(show, show_id),
        artwork=tuple(artwork(show, base)),
    )


def artwork(show: Json, base: str) -> list[Artwork]:
    """Posters, backdrops (fanart) and logos from the appended ``images``, with their language
    and TMDB's vote average as score, then each season's poster."""
    found = []
    images = mapping(show.get("images") or {}, "images")
    for key, kind in _IMAGE_KINDS.items():
        for image in objects(images.get(key), f"images.{key}"):
            url = _image(base, text(image, "file_path"))
            if url is not None:
                found.append(Artwork(kind, url, language=text(image, "iso_639_1"),
                                     score=number(image, "vote_average") or 0.0))
    for season in seasons(show):
        url = _image(base, text(season, "poster_path"))
        if url is not None:
            found.append(Artwork(ArtworkKind.SEASON_POSTER, url,
                                 season=season_number(season, "season_number", "a season")))
    return found


def episodes(items: Iterable[Json]) -> list[EpisodeInfo]:
    found = []
    for item in items:
        episode_id = identifier(item, "id", "an episode")
        found.append(EpisodeInfo(
            number=identifier(item, "episode_number", f"episode {episode_id}"),
            season=season_number(item, "season_number", f"episode {episode_id}"),
            title=text(item, "name"),
            air_date=date(item, "air_date"),
            plot=text(item, "overview"),
            runtime=integer(item, "runtime"),
        ))
    return found


def _names(show: Json, key: str) -> tuple[str, ...]:
    names = (text(entry, "name") for entry in objects(show.get(key), key))
    return tuple(dict.fromkeys(name for name in names if name))
