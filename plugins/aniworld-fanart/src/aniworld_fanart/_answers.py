"""fanart.tv's ``/v3/tv/{tvdb_id}`` document as aniworld artwork.

Every value in it is a string. An answer of another shape is ``aniworld_core.reading``'s
``Malformed``, which the provider's ``reading`` block turns into a ``ProviderError``.
"""

from __future__ import annotations

from aniworld_core import Artwork, ArtworkKind
from aniworld_core.reading import Json, mapping, objects, text

#: fanart.tv's TV image types aniworld uses. An HD logo (800×310) is preferred to the older
#: clearlogo (400×155), so it comes first (see :func:`artwork`); ``tvthumb`` is what Kodi calls
#: landscape.
KINDS = {"hdtvlogo": ArtworkKind.CLEARLOGO, "clearlogo": ArtworkKind.CLEARLOGO,
         "showbackground": ArtworkKind.FANART, "tvposter": ArtworkKind.POSTER,
         "tvbanner": ArtworkKind.BANNER, "tvthumb": ArtworkKind.LANDSCAPE,
         "seasonposter": ArtworkKind.SEASON_POSTER}


def _likes(item: Json) -> float:
    try:
        return float(text(item, "likes") or 0)
    except ValueError:
        return 0.0


def _season(item: Json) -> int | None:
    """A season poster's season: a number (``"0"``: specials); ``"all"`` is none."""
    season = text(item, "season")
    return int(season) if season is not None and season.isdigit() else None


def artwork(answer: object) -> list[Artwork]:
    """Every image of a known type, with its language (``"00"``: no text) and likes as score.
    Season posters need a season; an SD clearlogo is offered only in a language that has no
    HD logo."""
    document = mapping(answer, "the answer")
    found: list[Artwork] = []
    hd_languages: set[str | None] = set()
    for key, kind in KINDS.items():
        for item in objects(document.get(key), key):
            url, language = text(item, "url"), text(item, "lang")
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
