"""The library part of ``SeriesApp``: scans, missing episodes, seasons, files and artwork.

A mixin so that ``app.py`` stays about opening, series and loading; ``SeriesApp`` is the only
class that uses it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import anyio

from aniworld_core.library.artwork import own_artwork
from aniworld_core.library.scan import Library, ScanReport
from aniworld_core.metadata import ArtworkKind
from aniworld_core.models import Episode, Season, UnplacedFile
from aniworld_core.settings import Settings
from aniworld_core.storage import SeriesStore
from aniworld_core.validation import check_series_id


def today_utc() -> dt.date:
    """Today in UTC: an episode that aired before it counts."""
    return dt.datetime.now(dt.UTC).date()


class LibraryFacade:
    """Library methods of :class:`~aniworld_core.app.SeriesApp`."""

    settings: Settings
    _library: Library
    _series: SeriesStore

    async def library_roots(self) -> tuple[Path, ...]:
        """The library folders scans, rescans and watching cover."""
        return self.settings.library

    async def scan(self, roots: Sequence[Path] | None = None) -> ScanReport:
        """Scan the library folders (``settings.library`` unless ``roots`` are given).

        Every folder directly under a root is a series: new ones are added and queued for
        loading (the loader starts on each batch as it is saved, not after the whole scan),
        their video files parsed and stored as present episodes, removed files and folders
        noticed. Unchanged folders are not listed again. A missing or unreadable root
        raises :class:`LibraryError` before anything is written.
        """
        return await self._library.scan(await self.library_roots() if roots is None else roots)

    async def missing_episodes(self, series_id: str) -> list[Episode]:
        """Regular episodes the provider lists that have aired and have no file, by season and
        number (each with the provider entry it belongs to). Episodes of an entry that another
        library folder holds ("Attack on Titan Season 2" beside "Attack on Titan") are not
        missing here. :class:`StateConflict` while the answer is not known: until the series'
        episode list has been loaded, and while its folder is missing."""
        return await self._library.missing_episodes(check_series_id(series_id))

    async def seasons(self, series_id: str) -> list[Season]:
        """The show's regular seasons in order: number, title, the provider entries behind each
        (a split cour has two), and how many of its aired episodes have a file."""
        return await self._library.store.seasons(check_series_id(series_id), today=today_utc())

    async def unplaced_files(self, series_id: str) -> list[UnplacedFile]:
        """The series' video files that name no episode of its list, each with the reason
        ("it names season 3, but only seasons 1-2 are known")."""
        return await self._library.store.unplaced_files(check_series_id(series_id))

    async def artwork(self, series_id: str, kind: ArtworkKind) -> Path | None:
        """The series' own artwork of ``kind`` in its folder (``poster.jpg``, or the PNG or
        WebP one), if it has one: what a frontend shows instead of a provider's copy. Never a
        file outside the series folder (a symlink leading out counts as none)."""
        series = await self._series.get(check_series_id(series_id))
        if series.folder is None or series.library_root is None:
            return None
        return await anyio.to_thread.run_sync(own_artwork, Path(series.library_root),
                                              series.folder, kind)

    async def season_note(self, series_id: str) -> str | None:
        """Why the series' chain of seasons stopped early (a relation cycle, a chain too
        long), if it did."""
        return await self._library.store.chain_note(check_series_id(series_id))
