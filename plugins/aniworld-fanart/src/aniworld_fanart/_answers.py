"""fanart.tv's ``/v3/tv/{tvdb_id}`` document as aniworld artwork.

Every value in it is a string. An answer of another shape is :class:`Malformed`, which
:func:`reading` turns into a ``ProviderError`` naming the request.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from aniworld_core import Artwork, ArtworkKind, ProviderError

Json = Mapping[str, Any]

#: fanart.tv's TV image types aniworld uses. An HD logo (800×310) is preferred to the older
#: clearlogo (400×155), so it comes first (see :func:`artwork`); ``tvthumb`` is what Kodi calls
#: landscape.
KINDS = {"hdtvlogo": ArtworkKind.CLEARLOGO, "clearlogo": ArtworkKind.CLEARLOGO,
         "showbackground": ArtworkKind.FANART, "tvposter": ArtworkKind.POSTER,
         "tvbanner": ArtworkKind.BANNER, "tvthumb": ArtworkKind.LANDSCAPE,
         "seasonposter": ArtworkKind.SEASON_POSTER}


class Malformed(ValueError):
    """The answer does not have the documented shape; the message says where."""


@contextmanager
def reading(provider: str, request: str) -> Iterator[None]:
    """Turn :class:`Malformed` inside the block into a ``ProviderError``."""
    try:
        yield
    except Malformed as error:
        raise ProviderError(provider, request, f"unexpected answer: {error}") from None


def mapping(value: object, what: str) -> Json:
    if not isinstance(value, Mapping):
        raise Malformed(f"{what} is not an object")
    return value


def _items(document: Json, key: str) -> list[Json]:
    value = document.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise Malformed(f"{key} is not a list")
    return [mapping(item, f"an item of {key}") for item in value]


def _text(item: Json, key: str) -> str | None:
    value = item.get(key)
    return value.strip() if isinstance(value, str) and value.strip() else None


def _likes(item: Json) -> float:
    try:
        return float(_text(item, "likes") or 0)
    except ValueError:
        return 0.0


def _season(item: Json) -> int | None:
    """A season poster's season: a number (``"0"``: specials); ``"all"`` is none."""
    season = _text(item, "season")
    return int(season) if season is not None and season.isdigit() else None


def artwork(answer: object) -> list[Artwork]:
    """Every image of a known type, with its language (``"00"``: no text) and likes as score.
    Season posters need a season; an SD clearlogo is offered only in a language that has no
    HD logo."""
    document = mapping(answer, "the answer")
    found: list[Artwork] = []
    hd_languages: set[str | None] = set()
    for key, kind in KINDS.items():
        for item in _items(document, key):
            url, language = _text(item, "url"), _text(item, "lang")
            season = _season(item) if kind is ArtworkKind.SEASON_POSTER else None
            if url is None or (kind is ArtworkKind.SEASON_POSTER and season is None):
                continue
            if key == "hdtvlogo":
                hd_languages.add(language)
            elif key == "clearlogo" and language in hd_languages:
                continue
            found.append(Artwork(kind, url, season=season, language=language,
                                 score=_likes(item)))
    return found
