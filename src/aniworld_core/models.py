"""The values aniworld hands to its callers: series, episodes, loading state, load history.

All are frozen attrs classes; a caller never mutates them and never sees a database row.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

import attrs

from aniworld_core.metadata import ArtworkKind, ProviderIds, SeriesInfo


def _iso(value: dt.datetime | dt.date | None) -> str | None:
    return value.isoformat() if value else None


class LoadingStatus(enum.StrEnum):
    """Where a series is in its background load. The values are the wire format."""

    PENDING = "pending"
    LOADING_EPISODES = "loading_episodes"
    LOADING_NFO = "loading_nfo"
    LOADING_LOGO = "loading_logo"
    LOADING_IMAGES = "loading_images"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def is_final(self) -> bool:
        """Completed, failed or cancelled: nothing runs until someone asks again."""
        return self in _FINAL

    @property
    def message(self) -> str:
        """The status line a frontend shows."""
        return _MESSAGES[self]


_FINAL = frozenset({LoadingStatus.COMPLETED, LoadingStatus.FAILED, LoadingStatus.CANCELLED})
_MESSAGES = {
    LoadingStatus.PENDING: "Waiting to load...",
    LoadingStatus.LOADING_EPISODES: "Loading episodes...",
    LoadingStatus.LOADING_NFO: "Writing NFO...",
    LoadingStatus.LOADING_LOGO: "Loading logo...",
    LoadingStatus.LOADING_IMAGES: "Loading images...",
    LoadingStatus.COMPLETED: "Loaded",
    LoadingStatus.FAILED: "Failed",
    LoadingStatus.CANCELLED: "Cancelled",
}


class Priority(enum.IntEnum):
    """Lower runs first. Work a user asked for overtakes resumed and scheduled work."""

    USER = 0
    RESUME = 10
    SCHEDULED = 20


@attrs.frozen
class Progress:
    """Which parts of a series' data are loaded."""

    episodes: bool = False
    nfo: bool = False
    logo: bool = False
    images: bool = False

    def to_dict(self) -> dict[str, bool]:
        return {
            "episodes": self.episodes,
            "nfo": self.nfo,
            "logo": self.logo,
            "images": self.images,
        }


@attrs.frozen
class Series:
    """A series in the library and the state of its background load."""

    id: str
    title: str
    folder: str | None
    library_root: str | None
    year: int | None
    ids: ProviderIds
    loading_status: LoadingStatus
    episodes_loaded: bool
    nfo_loaded: bool
    logo_loaded: bool
    images_loaded: bool
    loading_started_at: dt.datetime | None
    loading_completed_at: dt.datetime | None
    loading_error: str | None
    priority: int
    queued_at: dt.datetime | None
    attempts: int
    next_attempt_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime
    metadata: SeriesInfo | None = None

    @property
    def progress(self) -> Progress:
        return Progress(
            episodes=self.episodes_loaded,
            nfo=self.nfo_loaded,
            logo=self.logo_loaded,
            images=self.images_loaded,
        )

    @property
    def poster_url(self) -> str | None:
        """The best-rated poster a provider offered, if any (web URLs only)."""
        if self.metadata is None:
            return None
        posters = [art for art in self.metadata.artwork if art.kind is ArtworkKind.POSTER
                   and art.url.startswith(("https://", "http://"))]
        return max(posters, key=lambda art: art.score).url if posters else None

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape the web API and ``--json`` output share."""
        return {
            "id": self.id,
            "title": self.title,
            "year": self.year,
            "folder": self.folder,
            "ids": self.ids.to_dict(),
            "loading_status": self.loading_status.value,
            "message": self.loading_status.message,
            "episodes_loaded": self.episodes_loaded,
            "nfo_loaded": self.nfo_loaded,
            "logo_loaded": self.logo_loaded,
            "images_loaded": self.images_loaded,
            "loading_error": self.loading_error,
            "poster_url": self.poster_url,
        }


@attrs.frozen
class LoadingState:
    """The answer to "how far is this series?", as the status endpoint and the CLI show it."""

    series_id: str
    status: LoadingStatus
    progress: Progress
    started_at: dt.datetime | None
    completed_at: dt.datetime | None
    message: str
    error: str | None

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of ``GET /api/series/{id}/loading-status`` and ``status --json``."""
        return {
            "series_id": self.series_id,
            "loading_status": self.status.value,
            "progress": self.progress.to_dict(),
            "started_at": _iso(self.started_at),
            "completed_at": _iso(self.completed_at),
            "message": self.message,
            "error": self.error,
        }

    @classmethod
    def of(cls, series: Series) -> LoadingState:
        message = series.loading_status.message
        if series.loading_status is LoadingStatus.FAILED and series.loading_error:
            message = f"Failed: {series.loading_error}"
        return cls(
            series_id=series.id,
            status=series.loading_status,
            progress=series.progress,
            started_at=series.loading_started_at,
            completed_at=series.loading_completed_at,
            message=message,
            error=series.loading_error,
        )


@attrs.frozen
class Episode:
    """An episode of a series; ``file_path`` is ``None`` when no file for it is present."""

    series_id: str
    season: int
    number: int
    absolute_number: int | None = None
    title: str | None = None
    air_date: dt.date | None = None
    plot: str | None = None
    file_path: str | None = None

    @property
    def present(self) -> bool:
        return self.file_path is not None

    def to_dict(self) -> dict[str, Any]:
        return {
            "season": self.season,
            "number": self.number,
            "absolute_number": self.absolute_number,
            "title": self.title,
            "air_date": _iso(self.air_date),
            "present": self.present,
            "file_path": self.file_path,
        }


@attrs.frozen
class LoadRun:
    """One attempt to load a series: the history a frontend shows."""

    id: int
    series_id: str
    status: LoadingStatus
    started_at: dt.datetime
    finished_at: dt.datetime | None
    error: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "status": self.status.value,
            "started_at": _iso(self.started_at),
            "finished_at": _iso(self.finished_at),
            "error": self.error,
        }
