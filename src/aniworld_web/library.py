"""Reads the API and the pages share that take more than one ``SeriesApp`` call."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs

from aniworld_core import Episode, LoadRun, Series, SeriesApp, StateConflict


@attrs.frozen
class EpisodeList:
    """A series' episodes and the core's list of missing ones: ``None`` while that is not known
    yet (until the episode list has loaded)."""

    episodes: list[Episode]
    missing: list[Episode] | None

    def missing_numbers(self) -> frozenset[tuple[int, int]]:
        """``(season, number)`` of every missing episode."""
        return frozenset((episode.season, episode.number) for episode in self.missing or ())


async def episode_list(core: SeriesApp, series_id: str) -> EpisodeList:
    episodes = await core.episodes(series_id)
    try:
        missing: list[Episode] | None = await core.missing_episodes(series_id)
    except StateConflict:
        missing = None
    return EpisodeList(episodes, missing)


async def series_detail(core: SeriesApp, series: Series) -> dict[str, Any]:
    """``GET /api/series/{id}``: the series, its episodes, the missing ones (``null`` while not
    known yet) and its load history, newest first."""
    episodes = await episode_list(core, series.id)
    runs: Sequence[LoadRun] = await core.load_runs(series.id)
    return {
        **series.to_dict(),
        "episodes": [episode.to_dict() for episode in episodes.episodes],
        "missing_episodes": (None if episodes.missing is None
                             else [episode.to_dict() for episode in episodes.missing]),
        "load_runs": [run.to_dict() for run in runs],
    }


async def search_candidates(core: SeriesApp, query: str, *, provider: str | None,
                            year: int | None) -> list[dict[str, Any]]:
    """``GET /api/search``: the provider's candidates, each with the id of the library series
    that already is that entry (``series_id``, else ``null``)."""
    results = await core.search(query, provider=provider, year=year)
    known = await core.library_ids([result.ref for result in results])
    return [{**result.to_dict(), "series_id": known.get(result.ref)} for result in results]
