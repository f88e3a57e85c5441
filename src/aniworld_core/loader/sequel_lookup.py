"""Folders named by a later season whose entry carries no such marker: "Made in Abyss Season 2"
is AniList's "Made in Abyss: The Golden City of the Scorching Sun", "Attack on Titan Season 4"
its "The Final Season". When the search cannot tell, the show's first season is identified by
the name without its marker, and the season is counted along the chain of entries (as the show
numbers its seasons, see :mod:`aniworld_core.library.seasons`): the folder is the entry that
begins that season. It asks, as :func:`~aniworld_core.loader.identify.identify` does, when the
first season is not clear or the chain has no such season.
"""

from __future__ import annotations

import attrs

from aniworld_core.library.names import FolderName
from aniworld_core.library.seasons import ChainEntry, Layout, plan_seasons
from aniworld_core.library.sequels import NO_MARKER
from aniworld_core.loader.chain import Fetch, walk_chain
from aniworld_core.loader.identify import Identification, Scored, Search, identify
from aniworld_core.metadata import ProviderRef, SearchResult, SeriesInfo


async def identify_with_seasons(folder: FolderName, search: Search, fetch: Fetch, *,
                                threshold: float, id_type: str = "anilist") -> Identification:
    """:func:`identify`, and for a folder naming a later season it could not place, that
    season's entry found along the chain of its show (``fetch`` gets an entry by ref)."""
    found = await identify(folder, search, threshold=threshold, id_type=id_type)
    season = folder.marker.season
    if found.match is not None or season is None or season < 2 or folder.marker.part:
        return found
    first = await identify(attrs.evolve(folder, title=folder.base_title, marker=NO_MARKER),
                           search, threshold=threshold, id_type=id_type)
    if first.match is None:
        return found
    start = await fetch(first.match.ref)
    if start is None:
        return found
    chain = await walk_chain(start, fetch, folder_marker=NO_MARKER)
    if chain.layout is not Layout.SHOW:
        return found
    placements = plan_seasons([ChainEntry(info.episode_count or 0, continued)
                               for info, continued in zip(chain.entries, chain.continues,
                                                          strict=True)], [], Layout.SHOW)
    begins = [info for info, place in zip(chain.entries, placements, strict=True)
              if place.season == season and place.offset == 0]
    if not begins:
        return attrs.evolve(found, reason=(
            f"{found.reason} Counting along {first.match.title}'s seasons finds "
            f"{max((p.season for p in placements), default=0)}, not {season}."))
    entry = begins[0]
    match = _result(entry)
    confidence = first.confidence
    return Identification(match, confidence, (Scored(match, confidence), *found.candidates),
                          f"Season {season} of {first.match.title} ({first.match.ref}), "
                          f"counted along its seasons, is {entry.title} ({entry.ref}).")


def _result(info: SeriesInfo) -> SearchResult:
    return SearchResult(ref=ProviderRef(info.ref.provider, info.ref.id), title=info.title,
                        year=info.year, format=info.format, episodes=info.episode_count,
                        alt_titles=info.alt_titles, ids=info.ids)
