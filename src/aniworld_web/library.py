"""Reads the API and the pages share that take more than one ``SeriesApp`` call."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs

from aniworld_core import (
    Episode,
    LoadRun,
    NextEpisode,
    Season,
    Series,
    SeriesApp,
    StateConflict,
    UnplacedFile,
)


@attrs.frozen
class ShowDetail:
    """A series' episodes, seasons and unplaced files, and the core's list of missing
    episodes: ``None`` while that is not known (before the episode list has loaded, while the
    folder is missing), with the core's reason in ``missing_unknown_reason``."""

    episodes: list[Episode]
    missing: list[Episode] | None
    missing_unknown_reason: str | None
    seasons: list[Season]
    unplaced: list[UnplacedFile]
    season_note: str | None
    #: The next episode to air, where a provider says when.
    next_episode: NextEpisode | None = None

    def missing_numbers(self) -> frozenset[tuple[int, int]]:
        """``(season, number)`` of every missing episode."""
        return frozenset((episode.season, episode.number) for episode in self.missing or ())


async def show_detail(core: SeriesApp, series_id: str) -> ShowDetail:
    """Everything the core knows of the series' show, read once for one answer or page."""
    episodes = await core.episodes(series_id)
    reason: str | None = None
    try:
        missing: list[Episode] | None = await core.missing_episodes(series_id)
    except StateConflict as error:
        missing, reason = None, str(error)
    return ShowDetail(episodes, missing, reason, await core.seasons(series_id),
                      await core.unplaced_files(series_id), await core.season_note(series_id),
                      await core.next_episode(series_id))


async def series_detail(core: SeriesApp, series: Series) -> dict[str, Any]:
    """``GET /api/series/{id}``: the series, its episodes, the missing ones (``null`` while not
    known, with ``missing_unknown_reason`` saying why), its seasons, the files that could not
    be placed, the note on why its seasons stop early (if they do), the next episode to air
    (``null`` unless a provider says when) and its load history, newest first."""
    detail = await show_detail(core, series.id)
    runs: Sequence[LoadRun] = await core.load_runs(series.id)
    return {
        **series.to_dict(),
        "episodes": [episode.to_dict() for episode in detail.episodes],
        "missing_episodes": (None if detail.missing is None
                             else [episode.to_dict() for episode in detail.missing]),
        "missing_unknown_reason": detail.missing_unknown_reason,
        "seasons": [season.to_dict() for season in detail.seasons],
        "unplaced_files": [unplaced.to_dict() for unplaced in detail.unplaced],
        "season_note": detail.season_note,
        "next_episode": None if detail.next_episode is None else detail.next_episode.to_dict(),
        "load_runs": [run.to_dict() for run in runs],
    }


async def search_candidates(core: SeriesApp, query: str, *, provider: str | None,
                            year: int | None) -> list[dict[str, Any]]:
    """``GET /api/search``: the provider's candidates, each with the id of the library series
    that already is that entry (``series_id``, else ``null``)."""
    results = await core.search(query, provider=provider, year=year)
    known = await core.library_ids([result.ref for result in results])
    return [{**result.to_dict(), "series_id": known.get(result.ref)} for result in results]
