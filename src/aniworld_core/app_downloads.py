"""The downloads part of ``SeriesApp``: what is wanted, offers, downloads and imports.

A mixin, as ``app_library.py`` is. Every argument is checked here (:class:`InvalidInput`
naming the field); an unknown download is :class:`DownloadNotFound`, an unknown series
:class:`SeriesNotFound`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from aniworld_core.downloads.model import (
    Download,
    ImportedFile,
    ImportReport,
    Offer,
    PendingImport,
    SourceInfo,
    WantedSeries,
)


class DownloadsFacade:
    """Download methods of :class:`~aniworld_core.app.SeriesApp`."""

    async def wanted(self, series_id: str | None = None) -> list[WantedSeries]:
        """Aired episodes without a file, by show (title order), season and episode; each
        with the id of its live download, if any. ``series_id``: that show only."""
        raise NotImplementedError

    def episode_sources(self) -> list[SourceInfo]:
        """The registered episode sources, in the order they are asked."""
        raise NotImplementedError

    async def find_offers(self, series_id: str, season: int, episode: int, *,
                          source: str | None = None) -> list[Offer]:
        """What the sources (or ``source``) offer for the episode, best first."""
        raise NotImplementedError

    async def download(self, series_id: str, season: int, episode: int, *,
                       source: str | None = None, offer: Offer | None = None) -> Download:
        """Queue a download of the episode and return it at once (``queued``): of ``offer``,
        or of the first offer of ``source`` (of the first source with one). An episode with
        a live download returns that one. :class:`StateConflict` when no source offers it."""
        raise NotImplementedError

    async def download_missing(self, series_id: str, *, season: int | None = None,
                               source: str | None = None) -> list[Download]:
        """Queue a download of every wanted episode of the show (of ``season``) that some
        source offers; those none offers are left out."""
        raise NotImplementedError

    async def downloads(self, *, states: Iterable[str] = (), series_id: str | None = None,
                        limit: int = 100) -> list[Download]:
        """Downloads, newest first (running ones with live bytes, speed and ETA)."""
        raise NotImplementedError

    async def get_download(self, download_id: object) -> Download:
        raise NotImplementedError

    async def pause_download(self, download_id: object) -> Download:
        """Stop a queued or running download, keeping what it fetched; :meth:`resume_download`
        goes on from there."""
        raise NotImplementedError

    async def resume_download(self, download_id: object) -> Download:
        """Queue a paused, failed or cancelled download again (a paused one resumes from its
        ``.part`` file)."""
        raise NotImplementedError

    async def cancel_download(self, download_id: object) -> Download:
        """Stop a download for good and remove its ``.part`` file. A finished one is returned
        as it is."""
        raise NotImplementedError

    async def set_series_source(self, series_id: str, source: str,
                                config: Mapping[str, Any] | None) -> None:
        """What ``source`` needs for this show (the ``http`` source: ``{"url": TEMPLATE}``);
        ``None`` forgets it. :class:`InvalidInput` when the source refuses it."""
        raise NotImplementedError

    async def series_sources(self, series_id: str) -> dict[str, dict[str, Any]]:
        """What was set for each source on this show."""
        raise NotImplementedError

    async def pending_imports(self) -> list[PendingImport]:
        """Files of the downloads folder that wait for a person to match them."""
        raise NotImplementedError

    async def import_folder(self, path: Path | str | None = None) -> ImportReport:
        """Import the finished files of ``path`` (default: ``downloads.import_folder``) that
        match a show and an episode; list the others as pending."""
        raise NotImplementedError

    async def import_file(self, path: Path | str, series_id: str, season: int,
                          episodes: Sequence[int]) -> ImportedFile:
        """Import one file as the given episode(s) of the show (a manual import)."""
        raise NotImplementedError
