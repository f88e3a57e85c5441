"""How a person names a series: its id, the start of its id, its title, or another name it is
known by (its folder's name, the provider's original and alternative titles).

Frontends where people type (the CLI) accept any of these; :func:`match_series` decides, and
refuses to guess between several series.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import PurePath

from aniworld_core.errors import InvalidInput, SeriesNotFound
from aniworld_core.library.folders import parse_series_folder
from aniworld_core.models import Series

#: The shortest id prefix accepted (git-style short ids).
MIN_PREFIX = 4
_ID_PREFIX = re.compile(r"[0-9a-f-]+")
_SHOWN = 5


def match_series(candidates: Sequence[Series], name: str) -> Series:
    """The one series in ``candidates`` that ``name`` refers to.

    Tried in order, the first rule that matches anything decides: the exact id; the title,
    ignoring case; another name, ignoring case (so the folder's "Mushishi" still names the series
    AniList calls "Mushi-Shi"); the start of the id (at least :data:`MIN_PREFIX` characters); a
    part of the title; a part of another name. Several matches are :class:`InvalidInput` listing
    them; none is :class:`SeriesNotFound`.
    """
    wanted = name.strip()
    folded = wanted.casefold()
    others = {series.id: _other_names(series) for series in candidates}
    rules = (
        lambda s: s.id == wanted,
        lambda s: s.title.casefold() == folded,
        lambda s: folded in others[s.id],
        lambda s: (len(wanted) >= MIN_PREFIX and _ID_PREFIX.fullmatch(folded) is not None
                   and s.id.startswith(folded)),
        lambda s: bool(folded) and folded in s.title.casefold(),
        lambda s: bool(folded) and any(folded in other for other in others[s.id]),
    )
    for rule in rules:
        found = [series for series in candidates if rule(series)]
        if len(found) == 1:
            return found[0]
        if found:
            listed = "; ".join(f"{s.title} ({s.id[:8]})" for s in found[:_SHOWN])
            more = f"; and {len(found) - _SHOWN} more" if len(found) > _SHOWN else ""
            raise InvalidInput(f"{wanted!r} matches {len(found)} series: {listed}{more}. "
                               "Name one by its id.", field="series")
    raise SeriesNotFound(wanted[:80], message=f"No series matches {wanted[:80]!r}.")


def _other_names(series: Series) -> set[str]:
    """The names besides its title a series is known by, case-folded: the folder's title (without
    year and id hints) and the provider's original and alternative titles."""
    names: set[str] = set()
    if series.folder:
        names.add(parse_series_folder(PurePath(series.folder).name).title)
    if series.metadata is not None:
        names.update(series.metadata.alt_titles)
        if series.metadata.original_title:
            names.add(series.metadata.original_title)
    return {" ".join(name.split()).casefold() for name in names if name}
