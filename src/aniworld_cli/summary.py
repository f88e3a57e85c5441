"""The end of a run: what loaded, what failed and why, which episodes are missing.

Read from the database once the loader is idle (or stopped), not from the events, so the summary
is right even when the live view fell behind.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

import attrs
from rich.console import Console
from rich.text import Text

from aniworld_core import Episode, LoadingStatus, Series, SeriesApp, StateConflict

#: Episodes named per series in the text summary; the rest are counted.
SHOWN_EPISODES = 6
#: Series listed per section in the text summary; ``aniworld status`` has the rest.
SHOWN_SERIES = 20


@attrs.frozen
class RunSummary:
    """The series of a run in their final state, their missing episodes, what is left."""

    series: Sequence[Series]
    #: Missing episodes by series id, for series whose episode list is loaded.
    missing: dict[str, list[Episode]]
    #: Series still queued (after Ctrl-C, or retries scheduled for later).
    still_queued: int

    def with_status(self, status: LoadingStatus) -> list[Series]:
        return [series for series in self.series if series.loading_status is status]

    def to_json(self) -> dict[str, Any]:
        """The last object of a ``--json`` stream."""
        return {
            "type": "summary",
            "total": len(self.series),
            "completed": len(self.with_status(LoadingStatus.COMPLETED)),
            "failed": len(self.with_status(LoadingStatus.FAILED)),
            "cancelled": len(self.with_status(LoadingStatus.CANCELLED)),
            "still_queued": self.still_queued,
            "series": [
                {**series.to_dict(),
                 "missing": ([episode.to_dict() for episode in self.missing[series.id]]
                             if series.id in self.missing else None)}
                for series in self.series
            ],
        }


async def summarize(app: SeriesApp, series_ids: Collection[str]) -> RunSummary:
    """The summary of the series ``series_ids`` (those gone since are left out)."""
    wanted = set(series_ids)
    run = [series for series in await app.list_series() if series.id in wanted]
    missing: dict[str, list[Episode]] = {}
    for series in run:
        if series.episodes_loaded:
            try:
                missing[series.id] = await app.missing_episodes(series.id)
            except StateConflict:
                continue  # the episode list went away meanwhile (a refresh started)
    depth = (await app.metrics()).queue_depth
    return RunSummary(run, missing, sum(depth.values()))


def episode_code(episode: Episode) -> str:
    return f"S{episode.season:02d}E{episode.number:02d}"


def render_summary(console: Console, summary: RunSummary) -> None:
    """Loaded n of m; each failure with its reason; missing episodes per series."""
    completed = summary.with_status(LoadingStatus.COMPLETED)
    failed = summary.with_status(LoadingStatus.FAILED)
    cancelled = summary.with_status(LoadingStatus.CANCELLED)
    if not summary.series:
        console.print("Nothing was queued.")
        return
    line = f"Loaded {len(completed)} of {len(summary.series)} series"
    extra = [f"{len(failed)} failed"] if failed else []
    if cancelled:
        extra.append(f"{len(cancelled)} cancelled")
    console.print(line + (f" ({', '.join(extra)})." if extra else "."))
    _waiting(console, summary.with_status(LoadingStatus.QUEUED))
    if failed:
        console.print("Failed:")
        for series in failed[:SHOWN_SERIES]:
            console.print(Text(f"  ✗ {series.title} — {series.loading_error or 'no reason given'}"))
        _more(console, len(failed), "aniworld status")
    gaps = [(series, summary.missing[series.id]) for series in summary.series
            if summary.missing.get(series.id)]
    if gaps:
        total = sum(len(episodes) for _, episodes in gaps)
        console.print(f"Missing episodes: {total} in {len(gaps)} series")
        for series, episodes in gaps[:SHOWN_SERIES]:
            codes = ", ".join(episode_code(e) for e in episodes[:SHOWN_EPISODES])
            if len(episodes) > SHOWN_EPISODES:
                codes += f" and {len(episodes) - SHOWN_EPISODES} more"
            console.print(Text(f"  {series.title}: {len(episodes)} ({codes})"))
        _more(console, len(gaps), "aniworld missing SERIES")
    elif completed:
        console.print("No episodes are missing.")


def _waiting(console: Console, queued: Sequence[Series]) -> None:
    """Series back in the queue, by why: "5 stay queued: cannot reach AniList (network
    down?)"; they resume by themselves when a loader runs."""
    reasons: dict[str, int] = {}
    for series in queued:
        reason = (series.loading_error or "queued").removeprefix("Waiting: ")
        reasons[reason] = reasons.get(reason, 0) + 1
    for reason, count in reasons.items():
        console.print(Text(f"{count} series stay queued: {reason}."))
    if reasons:
        console.print("`aniworld load` (or `serve`) loads them when it runs.", markup=False)


def _more(console: Console, count: int, command: str) -> None:
    if count > SHOWN_SERIES:
        console.print(f"  … and {count - SHOWN_SERIES} more (see `{command}`)", markup=False)
