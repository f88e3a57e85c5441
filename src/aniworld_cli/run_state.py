"""What a loading run looks like so far, as the events tell it: the renderers draw from this.

A series belongs to the run when it was queued as the run began, or when any event about it
arrives during the run (a scan adds it, the loader picks it up, it finishes). It is done once it
reaches a final status (completed, failed, cancelled). The total is the number of series in the
run, so the bar never claims more than the queue holds.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable

import attrs

from aniworld_core import (
    Event,
    LoadingStatus,
    Progress,
    ProviderWaiting,
    ScanProgress,
    Series,
    SeriesAdded,
    SeriesLoadingUpdate,
    SeriesRemoved,
)


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@attrs.define
class Tracked:
    """One series of the run."""

    title: str
    status: LoadingStatus
    message: str
    progress: Progress = Progress()
    error: str | None = None
    done: bool = False


@attrs.frozen
class Wait:
    """A provider pausing (rate limit, Retry-After) until ``until``."""

    reason: str
    until: dt.datetime


class RunState:
    """The run's series, provider waits and scan progress; fed one event at a time."""

    def __init__(self, now: Callable[[], dt.datetime] = _utcnow) -> None:
        self.series: dict[str, Tracked] = {}
        self.waits: dict[str, Wait] = {}
        self.scan: ScanProgress | None = None
        self._now = now

    def start(self, queued: Iterable[Series]) -> None:
        """Series already queued when the run begins (to resume, or left by an earlier scan)."""
        for series in queued:
            self.series[series.id] = Tracked(series.title, series.loading_status,
                                             series.loading_status.message, series.progress)

    def apply(self, event: Event) -> Tracked | None:
        """Take ``event`` in; for a series that just became done, return it."""
        if isinstance(event, SeriesLoadingUpdate):
            tracked = self.series.get(event.series_id)
            was_done = tracked is not None and tracked.done
            done = event.status.is_final
            self.series[event.series_id] = Tracked(event.title, event.status, event.message,
                                                   event.progress, event.error, done)
            return self.series[event.series_id] if done and not was_done else None
        if isinstance(event, SeriesAdded):
            self.series.setdefault(event.series_id, Tracked(event.title, event.status,
                                                            event.status.message))
        elif isinstance(event, SeriesRemoved):
            self.series.pop(event.series_id, None)
        elif isinstance(event, ProviderWaiting):
            until = event.timestamp + dt.timedelta(seconds=event.seconds)
            self.waits[event.provider] = Wait(event.reason, until)
        elif isinstance(event, ScanProgress):
            self.scan = event
        return None

    @property
    def total(self) -> int:
        return len(self.series)

    def count(self, status: LoadingStatus) -> int:
        return sum(1 for tracked in self.series.values() if tracked.done
                   and tracked.status is status)

    @property
    def done(self) -> int:
        return sum(1 for tracked in self.series.values() if tracked.done)

    def active(self) -> list[Tracked]:
        """Series being loaded right now (or waiting for a retry), in the order they began;
        not those back in the queue (a provider they need is down, or a shutdown)."""
        return [tracked for tracked in self.series.values() if not tracked.done
                and tracked.status not in (LoadingStatus.PENDING, LoadingStatus.QUEUED)
                and not tracked.status.is_final]

    def current_waits(self) -> list[str]:
        """"AniList rate limit, 12 s" for every provider still paused."""
        now = self._now()
        lines = []
        for wait in self.waits.values():
            seconds = (wait.until - now).total_seconds()
            if seconds > 0:
                lines.append(f"{wait.reason}, {math.ceil(seconds)} s")
        return lines
