"""The values aniworld hands to its callers: series, episodes, loading state, load history.

All are frozen attrs classes; a caller never mutates them and never sees a database row.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

import attrs

from aniworld_core.metadata import ArtworkKind, ProviderIds, ProviderRef, SeriesInfo


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
    #: Back in the queue after its load was interrupted (shutdown) or while a provider it needs
    #: is down; ``loading_error`` says why. It resumes by itself.
    QUEUED = "queued"
    #: A load run cut short (shutdown, its process gone); only load runs end so.
    INTERRUPTED = "interrupted"

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
    LoadingStatus.QUEUED: "Queued to resume",
    LoadingStatus.INTERRUPTED: "Interrupted",
}


class Priority(enum.IntEnum):
    """Lower runs first. Work a user asked for overtakes resumed and scheduled work."""

    USER = 0
    RESUME = 10
    SCHEDULED = 20


class Part(enum.Enum):
    """A part of a series' data a load step completes (one progress flag each)."""

    EPISODES = "episodes"
    NFO = "nfo"
    LOGO = "logo"
    IMAGES = "images"

    def loaded(self, series: Series) -> bool:
        """Whether ``series`` has this part loaded."""
        return bool(getattr(series, f"{self.value}_loaded"))


@attrs.frozen
class StepResult:
    """What a load step found, saved with its series as the step ends: the parts it
    completed, and what it learnt (``None``: unchanged)."""

    done: frozenset[Part] = frozenset()
    metadata: SeriesInfo | None = None
    ids: ProviderIds | None = None
    title: str | None = None
    year: int | None = None
    needs_choice: bool | None = None

    @classmethod
    def completed(cls, *parts: Part) -> StepResult:
        return cls(done=frozenset(parts))


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
    created_at: dt.datetime
    updated_at: dt.datetime
    metadata: SeriesInfo | None = None
    #: When a scan found its folder gone (and nowhere it moved to); ``None`` while it is there.
    folder_missing_at: dt.datetime | None = None
    #: Which provider entry the series is needs the user: its identification found no
    #: confident match, or an entry another library series already is. Its load failed
    #: (``loading_error`` says why, for people) until they pick one (``SeriesApp.identify``).
    needs_choice: bool = False
    #: Regular episodes aired (or undated) and how many of them have a file; ``None`` where
    #: not counted (only lists count) or before the episode list has loaded.
    episode_counts: EpisodeCounts | None = None

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
            "folder_missing": self.folder_missing_at is not None,
            "episodes_known": self.episode_counts.known if self.episode_counts else None,
            "episodes_present": self.episode_counts.present if self.episode_counts else None,
        }


@attrs.frozen
class EpisodeCounts:
    """"47/50 episodes": regular episodes that aired (or have no air date), and how many of
    them have a file."""

    known: int
    present: int


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
    #: The user must pick the provider entry (see ``Series.needs_choice``).
    needs_choice: bool = False

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
            "needs_choice": self.needs_choice,
        }

    @classmethod
    def of(cls, series: Series) -> LoadingState:
        message = series.loading_status.message
        if series.loading_status is LoadingStatus.FAILED and series.loading_error:
            message = f"Failed: {series.loading_error}"
        elif series.loading_status is LoadingStatus.QUEUED and series.loading_error:
            message = series.loading_error  # "Interrupted by shutdown; resumes at next start."
        return cls(
            series_id=series.id,
            status=series.loading_status,
            progress=series.progress,
            started_at=series.loading_started_at,
            completed_at=series.loading_completed_at,
            message=message,
            error=series.loading_error,
            needs_choice=series.needs_choice,
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
    #: The provider entry it belongs to (``anilist:20958``) and its number there, when the
    #: show's seasons come from a chain of entries.
    entry: ProviderRef | None = None
    entry_number: int | None = None

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
            "entry": None if self.entry is None else {
                "provider": self.entry.provider, "id": self.entry.id,
                "number": self.entry_number},
        }


@attrs.frozen
class SeasonEntry:
    """A provider entry behind (part of) a season: "Attack on Titan Season 3 Part 2"
    (``anilist:104578``) is episodes 13–22 of season 3."""

    ref: ProviderRef
    title: str
    format: str | None
    #: Its episode count, and how many episodes of the season come before it.
    episodes: int
    offset: int
    year: int | None = None
    ids: ProviderIds = ProviderIds()
    #: The library series whose folder holds this entry instead (anime-native layout:
    #: "Attack on Titan Season 2" beside "Attack on Titan"), if any, and its title.
    elsewhere: str | None = None
    elsewhere_title: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"ref": {"provider": self.ref.provider, "id": self.ref.id},
                "title": self.title, "format": self.format, "episodes": self.episodes,
                "offset": self.offset, "year": self.year, "ids": self.ids.to_dict(),
                "elsewhere": self.elsewhere, "elsewhere_title": self.elsewhere_title}


@attrs.frozen
class Season:
    """One season of a show: its number, title, the entries behind it, and how many of its
    aired episodes (``known``) have a file (``present``)."""

    number: int
    title: str
    entries: tuple[SeasonEntry, ...]
    known: int
    present: int
    #: Episodes listed in all, aired or not.
    listed: int

    def to_dict(self) -> dict[str, Any]:
        return {"number": self.number, "title": self.title,
                "entries": [entry.to_dict() for entry in self.entries],
                "known": self.known, "present": self.present, "listed": self.listed}


@attrs.frozen
class UnplacedFile:
    """A video file of a series that names no episode of its list, and why (for people)."""

    path: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "reason": self.reason}


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


@attrs.frozen
class Health:
    """What a health check reports: what is wrong with the database (``None``: nothing), and
    whether this process runs the loader."""

    database_error: str | None
    loader_running: bool

    @property
    def ok(self) -> bool:
        return self.database_error is None
