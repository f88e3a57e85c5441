"""Events of downloads and imports, on the same stream as every other event."""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable
from typing import Any, ClassVar

import attrs

from aniworld_core._event_time import event_timestamp
from aniworld_core.downloads.model import Download


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@attrs.frozen
class DownloadUpdate:
    """A download was queued, moved on (bytes, speed, ETA: a few times a second at most while
    it runs), paused, resumed, or ended (imported, failed, cancelled). A slow reader gets the
    latest of each download."""

    type: ClassVar[str] = "download_update"
    download: Download
    timestamp: dt.datetime = attrs.field(factory=_now)

    @property
    def coalesce_key(self) -> Hashable:
        return ("download", self.download.id)

    def to_json(self) -> dict[str, Any]:
        return {"type": self.type, **self.download.to_dict(),
                "timestamp": event_timestamp(self.timestamp)}


@attrs.frozen
class ImportsChanged:
    """Files of the downloads folder were imported, or wait for a person to match them:
    ``pending`` is how many wait now."""

    type: ClassVar[str] = "imports_changed"
    imported: int
    pending: int
    timestamp: dt.datetime = attrs.field(factory=_now)

    @property
    def coalesce_key(self) -> Hashable:
        return ("imports",)

    def to_json(self) -> dict[str, Any]:
        return {"type": self.type, "imported": self.imported, "pending": self.pending,
                "timestamp": event_timestamp(self.timestamp)}
