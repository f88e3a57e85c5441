"""Which of the offered images to use for each file.

Artwork arrives as *sources*: one list per provider, in the configured provider order (the
metadata's own artwork first). Providers score images on scales that do not compare (votes,
likes, 0/1), so the choice is: preferred language first, then the earlier source, then that
source's own score.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from aniworld_core.metadata import Artwork, ArtworkKind

#: Languages preferred for artwork with text on it (logos, posters), best first. ``"00"`` is
#: fanart.tv's "no text".
PREFERRED_LANGUAGES: tuple[str | None, ...] = ("en", None, "00", "ja")

Sources = Sequence[Sequence[Artwork]]


def _ranked(sources: Sources) -> Iterator[tuple[tuple[int, int, float], Artwork]]:
    seen: set[str] = set()
    for index, source in enumerate(sources):
        for art in source:
            if art.url in seen:
                continue
            seen.add(art.url)
            try:
                language = PREFERRED_LANGUAGES.index(art.language)
            except ValueError:
                language = len(PREFERRED_LANGUAGES)
            yield (language, index, -art.score), art


def best(sources: Sources, kind: ArtworkKind) -> Artwork | None:
    """The preferred image of ``kind``, or ``None`` when no source offers one."""
    candidates = [(rank, art) for rank, art in _ranked(sources) if art.kind is kind]
    return min(candidates, key=lambda item: item[0])[1] if candidates else None


def season_posters(sources: Sources) -> dict[int, Artwork]:
    """The preferred poster for each season that has one."""
    chosen: dict[int, tuple[tuple[int, int, float], Artwork]] = {}
    for rank, art in _ranked(sources):
        if art.kind is ArtworkKind.SEASON_POSTER and art.season is not None:
            current = chosen.get(art.season)
            if current is None or rank < current[0]:
                chosen[art.season] = (rank, art)
    return {season: art for season, (_, art) in sorted(chosen.items())}


def kinds_in(sources: Sources) -> set[ArtworkKind]:
    """Every kind some source offers."""
    return {art.kind for source in sources for art in source}
