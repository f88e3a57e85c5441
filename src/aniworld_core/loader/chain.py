"""From the identified entry to the show: which provider entries are its seasons.

A folder that is the whole show (its entry is the first of its chain and the folder name names
no season) gets every TV, TV_SHORT and ONA entry reached by SEQUEL relations, passing through
movies and OVAs on the way (they never become regular seasons). A folder that is one entry
("Attack on Titan Season 2", "Vinland.Saga.S01...", or an entry after the first) gets that entry
and the split cours that continue it ("Season 3" + "Season 3 Part 2"). A movie is a movie.

Every step fetches the next entry through the provider's batcher, so many shows walking at once
share AniList's requests. A relation cycle or a chain longer than
:data:`~aniworld_core.library.seasons.MAX_CHAIN` stops the walk with a message; what was found
until then is kept.
"""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable, Sequence

import attrs

from aniworld_core.library.seasons import MAX_CHAIN, SEASON_FORMATS, Layout, continues
from aniworld_core.library.sequels import SequelMarker
from aniworld_core.metadata import ProviderRef, Relation, SeriesInfo

Fetch = Callable[[ProviderRef], Awaitable[SeriesInfo | None]]


@attrs.frozen
class Chain:
    """The entries of a show in order, whether each continues the one before, how the folder
    holds them, and why the walk stopped early (if it did)."""

    layout: Layout
    entries: tuple[SeriesInfo, ...]
    continues: tuple[bool, ...]
    note: str | None = None


def titles_of(info: SeriesInfo) -> list[str]:
    """Every title an entry is known by."""
    return [info.title, *info.alt_titles, *([info.original_title] if info.original_title else [])]


def is_season(info: SeriesInfo | Relation) -> bool:
    """TV, TV_SHORT and ONA entries are seasons; an unknown format counts as one."""
    return info.format is None or info.format in SEASON_FORMATS


def names_a_season(marker: SequelMarker) -> bool:
    """Whether a folder's name says which season (or part) it holds: "S01", "Season 2",
    "Part 2", "Final Season"."""
    return marker.season is not None or marker.part is not None or marker.final


async def walk_chain(start: SeriesInfo, fetch: Fetch, *, folder_marker: SequelMarker) -> Chain:
    """The show a folder identified as ``start`` holds (see the module docstring)."""
    if start.format == "MOVIE":
        return Chain(Layout.MOVIE, (start,), (False,))
    walk = _Walk(fetch, {start.ref})
    first = is_season(start) and await walk.is_first(start)
    if first and not names_a_season(folder_marker):
        entries = await walk.forward(start, whole_show=True)
        layout = Layout.SHOW
    else:
        entries = await walk.forward(start, whole_show=False)
        layout = Layout.ENTRY
    flags = [False] + [continues(titles_of(before), titles_of(after))
                       for before, after in itertools.pairwise(entries)]
    return Chain(layout, tuple(entries), tuple(flags), walk.note)


@attrs.define
class _Walk:
    fetch: Fetch
    visited: set[ProviderRef]
    steps: int = 0
    note: str | None = None

    async def is_first(self, info: SeriesInfo) -> bool:
        """Whether no season comes before ``info`` (movies and OVAs before it don't count)."""
        pending = list(_related(info, "PREQUEL"))
        seen: set[ProviderRef] = {info.ref}
        while pending:
            relation = pending.pop(0)
            if relation.ref in seen:
                continue
            seen.add(relation.ref)
            if is_season(relation):
                return False
            if len(seen) > MAX_CHAIN:
                return True
            earlier = await self.fetch(relation.ref)
            if earlier is not None:
                if is_season(earlier):
                    return False
                pending.extend(_related(earlier, "PREQUEL"))
        return True

    async def forward(self, start: SeriesInfo, *, whole_show: bool) -> list[SeriesInfo]:
        entries = [start]
        current = start
        while True:
            relation = _next(current)
            if relation is None:
                return entries
            if not whole_show and not (is_season(relation) and relation.title and continues(
                    titles_of(current), [relation.title])):
                return entries
            if relation.ref in self.visited:
                self.note = (f"the seasons stop at {current.title} ({current.ref}): its sequel "
                             f"{relation.ref} is an entry seen before (a relation cycle)")
                return entries
            if self.steps >= MAX_CHAIN:
                self.note = (f"the seasons stop after {MAX_CHAIN} related entries, at "
                             f"{current.title} ({current.ref}); the chain is longer than "
                             "aniworld follows")
                return entries
            self.steps += 1
            self.visited.add(relation.ref)
            found = await self.fetch(relation.ref)
            if found is None:
                self.note = (f"the seasons stop at {current.title} ({current.ref}): its sequel "
                             f"{relation.ref} is not known to the provider")
                return entries
            if is_season(found):
                if not whole_show and not continues(titles_of(current), titles_of(found)):
                    return entries
                entries.append(found)
            elif not whole_show:
                return entries
            current = found


def _related(info: SeriesInfo, kind: str) -> list[Relation]:
    return [relation for relation in info.relations if relation.kind == kind]


def _next(info: SeriesInfo) -> Relation | None:
    """The sequel to follow: a season before a movie or OVA, then the earliest, then the
    lowest id."""
    sequels: Sequence[Relation] = _related(info, "SEQUEL")
    if not sequels:
        return None
    return min(sequels, key=lambda r: (not is_season(r), r.year or 9999,
                                       int(r.ref.id) if r.ref.id.isdigit() else 0, r.ref.id))
