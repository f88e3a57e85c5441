"""Events about the library on disk: series whose files changed, and library roots that are
paused (not available) or not watched. Re-exported by :mod:`aniworld_core.events`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable
from typing import Any, ClassVar

import attrs

from aniworld_core._event_time import event_timestamp


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@attrs.frozen
class LibraryChanged:
    """The library now holds what is on disk for these series: their video files changed, or
    their folder went missing, came back or moved (a watched change, a rescan). New series are
    announced by ``SeriesAdded`` instead. Pages read the series again."""

    type: ClassVar[str] = "library_changed"
    series_ids: tuple[str, ...]
    files_added: int = 0
    files_removed: int = 0
    timestamp: dt.datetime = attrs.field(factory=_now)

    @property
    def coalesce_key(self) -> Hashable:
        # Never merged with a change of other series: each may be the only news of its series.
        return ("library_changed", self.series_ids)

    def to_json(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "series_ids": list(self.series_ids),
            "files_added": self.files_added,
            "files_removed": self.files_removed,
            "timestamp": event_timestamp(self.timestamp),
        }


@attrs.frozen
class LibraryRootUpdate:
    """A library root became unavailable (paused: an unmounted disk; nothing under it is marked
    missing) or available again, or it is watched for changes, or cannot be (then the
    scheduled rescans keep it current). ``message`` says which, for people."""

    type: ClassVar[str] = "library_root"
    root: str
    available: bool
    watched: bool
    message: str
    timestamp: dt.datetime = attrs.field(factory=_now)

    @property
    def coalesce_key(self) -> Hashable:
        return ("library_root", self.root)

    def to_json(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "root": self.root,
            "available": self.available,
            "watched": self.watched,
            "message": self.message,
            "timestamp": event_timestamp(self.timestamp),
        }


__all__ = ["LibraryChanged", "LibraryRootUpdate"]
