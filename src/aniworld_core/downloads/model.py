"""What a download is, as every frontend and source sees it: the episode wanted
(:class:`EpisodeWant`), what a source offers for it (:class:`Offer`), the download itself
(:class:`Download`) and a finished file no show could be matched to (:class:`PendingImport`).
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping
from typing import Any

import attrs

from aniworld_core.metadata import ProviderIds


def _iso(moment: dt.datetime | dt.date | None) -> str | None:
    if moment is None:
        return None
    if isinstance(moment, dt.datetime):
        return moment.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    return moment.isoformat()


def size_text(size: float | None) -> str:
    """A size for people, as every frontend writes it: ``1.4 GB``, ``830.0 MB``, ``512 B``
    (``""`` when unknown)."""
    if size is None:
        return ""
    amount = float(size)
    for unit in ("B", "kB", "MB", "GB"):
        if amount < 1000:
            return f"{amount:.0f} {unit}" if unit == "B" else f"{amount:.1f} {unit}"
        amount /= 1000
    return f"{amount:.1f} TB"


class FetchMethod(enum.StrEnum):
    """How an offer is fetched: ``http`` the download manager streams ``Offer.url`` itself
    (``.part`` staging, resume, checks); ``external`` the source hands it to another program
    (a torrent client) and reports its progress (``EpisodeSource.hand_off``)."""

    HTTP = "http"
    EXTERNAL = "external"


@attrs.frozen
class EpisodeWant:
    """The episode (or the episodes of a multi-episode file) a source is asked about."""

    series_id: str
    series_title: str
    season: int
    episodes: tuple[int, ...]
    absolute: int | None = None
    episode_title: str | None = None
    year: int | None = None
    ids: ProviderIds = ProviderIds()
    #: What the user set for this source on this series (``SeriesApp.set_series_source``):
    #: the ``http`` source's ``{"url": "https://nas/show/S{season:00}E{episode:00}.mkv"}``.
    series_config: Mapping[str, Any] = attrs.field(factory=dict)

    @property
    def episode(self) -> int:
        return self.episodes[0]


@attrs.frozen
class Offer:
    """One way to get an episode: what a source found (title, size, quality, language,
    subtitles) and how to fetch it. ``checksum`` is ``"sha256:<hex>"`` (or another
    :mod:`hashlib` name) when the source knows it; ``data`` is the source's own, JSON-able."""

    source: str
    title: str
    url: str | None = None
    size: int | None = None
    quality: str | None = None
    language: str | None = None
    subtitles: tuple[str, ...] = ()
    checksum: str | None = None
    fetch: FetchMethod = FetchMethod.HTTP
    data: Mapping[str, Any] = attrs.field(factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "title": self.title, "url": self.url,
                "size": self.size, "quality": self.quality, "language": self.language,
                "subtitles": list(self.subtitles), "checksum": self.checksum,
                "fetch": self.fetch.value, "data": dict(self.data)}

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Offer:
        return cls(source=str(raw["source"]), title=str(raw["title"]), url=raw.get("url"),
                   size=raw.get("size"), quality=raw.get("quality"),
                   language=raw.get("language"), subtitles=tuple(raw.get("subtitles") or ()),
                   checksum=raw.get("checksum"),
                   fetch=FetchMethod(raw.get("fetch") or FetchMethod.HTTP),
                   data=dict(raw.get("data") or {}))


class DownloadState(enum.StrEnum):
    """Where a download is, as people see it (Sonarr's queue states, simplified)."""

    QUEUED = "queued"
    DOWNLOADING = "downloading"
    PAUSED = "paused"
    #: Fetched; being verified, moved to its name, linked and its NFO written.
    IMPORTING = "importing"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def is_final(self) -> bool:
        return self in (DownloadState.COMPLETED, DownloadState.FAILED, DownloadState.CANCELLED)


@attrs.frozen
class Download:
    """One download: the episode(s) of a show it is for, where it comes from and how far it
    is. ``id`` is its job's id (``episode.download``); ``path`` its file once imported
    (relative to the series folder). ``speed`` (bytes per second) and ``eta`` (seconds) are
    known while it runs."""

    id: int
    series_id: str
    series_title: str
    season: int
    episodes: tuple[int, ...]
    source: str
    offer: Offer
    state: DownloadState
    bytes_done: int = 0
    bytes_total: int | None = None
    speed: float | None = None
    eta: float | None = None
    error: str | None = None
    #: Said plainly when a resume had to start from zero (the server ignores ``Range``).
    note: str | None = None
    path: str | None = None
    absolute: int | None = None
    created_at: dt.datetime | None = None
    finished_at: dt.datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "series_id": self.series_id, "series_title": self.series_title,
            "season": self.season, "episodes": list(self.episodes),
            "absolute": self.absolute, "source": self.source,
            "offer": self.offer.to_dict(), "state": self.state.value,
            "bytes_done": self.bytes_done, "bytes_total": self.bytes_total,
            "speed": self.speed, "eta": self.eta, "error": self.error, "note": self.note,
            "path": self.path, "created_at": _iso(self.created_at),
            "finished_at": _iso(self.finished_at),
        }


@attrs.frozen
class WantedEpisode:
    """An aired episode of the library without a file."""

    season: int
    number: int
    absolute_number: int | None = None
    title: str | None = None
    air_date: dt.date | None = None
    #: The live download of it, if one is queued or running.
    download_id: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"season": self.season, "number": self.number,
                "absolute_number": self.absolute_number, "title": self.title,
                "air_date": _iso(self.air_date), "download_id": self.download_id}


@attrs.frozen
class WantedSeries:
    """A show with missing episodes, in season and episode order."""

    series_id: str
    title: str
    episodes: tuple[WantedEpisode, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"series_id": self.series_id, "title": self.title,
                "episodes": [episode.to_dict() for episode in self.episodes]}


@attrs.frozen
class PendingImport:
    """A finished file in the downloads folder that could not be matched to a show and an
    episode (never guessed): a person imports it by hand (``SeriesApp.import_file``)."""

    path: str
    reason: str
    #: What the release name says, for the person who matches it.
    guessed_title: str | None = None
    guessed_season: int | None = None
    guessed_episode: int | None = None
    size: int = 0
    seen_at: dt.datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "reason": self.reason, "guessed_title": self.guessed_title,
                "guessed_season": self.guessed_season, "guessed_episode": self.guessed_episode,
                "size": self.size, "seen_at": _iso(self.seen_at)}


@attrs.frozen
class SourceInfo:
    """An episode source as people see it."""

    name: str
    display_name: str
    builtin: bool
    #: Why it offers nothing now (not set up), if so.
    problem: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "display_name": self.display_name,
                "builtin": self.builtin, "problem": self.problem}


@attrs.frozen
class ImportedFile:
    """A file imported into the library: from where, for which series, to where (relative
    to the series folder)."""

    source_path: str
    series_id: str
    target: str

    def to_dict(self) -> dict[str, Any]:
        return {"source_path": self.source_path, "series_id": self.series_id,
                "target": self.target}


@attrs.frozen
class ImportReport:
    """What one look at the downloads folder did."""

    imported: tuple[ImportedFile, ...] = ()
    pending: tuple[PendingImport, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"imported": [item.to_dict() for item in self.imported],
                "pending": [item.to_dict() for item in self.pending]}
