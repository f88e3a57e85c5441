"""The library part of ``SeriesApp``: scans, missing episodes, seasons, files and artwork.

A mixin so that ``app.py`` stays about opening, series and loading; ``SeriesApp`` is the only
class that uses it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import anyio
import attrs

from aniworld_core.builtin_jobs import SCAN
from aniworld_core.errors import InvalidInput, StateConflict
from aniworld_core.jobs import Job, JobState
from aniworld_core.jobs.facade import MAX_LIST, Jobs
from aniworld_core.library.artwork import own_artwork
from aniworld_core.library.paths import library_root_key
from aniworld_core.library.roots import (
    LibraryRoot,
    RootSource,
    SeriesFolder,
    check_new_root,
    merged_roots,
    root_path,
)
from aniworld_core.library.scan import Library, ScanReport
from aniworld_core.metadata import ArtworkKind
from aniworld_core.models import Episode, Season, Series, UnplacedFile
from aniworld_core.settings import Settings
from aniworld_core.storage import Database, SeriesStore
from aniworld_core.storage.refresh_store import NextEpisode, RefreshStore
from aniworld_core.storage.roots import RootStore
from aniworld_core.validation import check_series_id


def today_utc() -> dt.date:
    """Today in UTC: an episode that aired before it counts."""
    return dt.datetime.now(dt.UTC).date()


#: The key of a rescan a person asked for (one at a time).
RESCAN_KEY = "library:rescan"


class LibraryFacade:
    """Library methods of :class:`~aniworld_core.app.SeriesApp`."""

    settings: Settings
    jobs: Jobs
    _database: Database
    _library: Library
    _series: SeriesStore
    _refresh: RefreshStore

    async def next_episode(self, series_id: str) -> NextEpisode | None:
        """The show's next episode to air, where a provider says when (an airing show's next
        episode): season, number, title and the moment, in UTC."""
        return await self._refresh.next_episode(check_series_id(series_id))

    async def library_roots(self) -> tuple[Path, ...]:
        """The library folders scans, rescans and watching cover: the settings' ones
        (``library``), then those added at run time (:meth:`add_library_root`, ``aniworld scan
        ROOT``), each once. Read afresh each time: a root another process added counts at
        once. New series get their folder under the first."""
        return tuple(root.path for root in await self._merged_roots())

    async def list_library_roots(self) -> list[LibraryRoot]:
        """The library folders as :meth:`library_roots` orders them, each with where it comes
        from (the settings' ones cannot be removed at run time) and whether it is a folder
        right now."""
        roots = await self._merged_roots()
        return await anyio.to_thread.run_sync(
            lambda: [attrs.evolve(root, available=root.path.is_dir()) for root in roots])

    async def add_library_root(self, path: Path | str) -> LibraryRoot:
        """Add the folder ``path`` to the library folders and return it: remembered in the
        database, so later scans, rescans, watching and every process using the database
        include it. It must be an absolute path of a folder this process may list, neither
        inside a library folder nor holding one (:class:`InvalidInput` naming field ``path``
        says what is wrong); a folder that is a library folder already is returned as it is,
        one added now with ``new`` set. Nothing is scanned: :meth:`scan` does that."""
        given = root_path(path)
        existing = await self._merged_roots()
        key = await anyio.to_thread.run_sync(
            check_new_root, given, tuple(root.path for root in existing))
        keys = await anyio.to_thread.run_sync(
            lambda: [library_root_key(root.path) for root in existing])
        if key in keys:
            return existing[keys.index(key)]
        stored = await RootStore(self._database).add(key)
        return LibraryRoot(Path(stored.path), RootSource.ADDED, stored.added_at, new=True)

    async def remove_library_root(self, path: Path | str) -> LibraryRoot:
        """Stop treating ``path`` as a library folder and return it. Its series stay in the
        library and its files on disk are untouched; it is no longer scanned, rescanned or
        watched. :class:`StateConflict` for a folder of the settings (change ``library``
        there), :class:`InvalidInput` for a folder that is no library folder."""
        given = root_path(path)
        roots = await self._merged_roots()

        def find() -> LibraryRoot | None:
            key = library_root_key(given)
            return next((root for root in roots
                         if root.path == given or library_root_key(root.path) == key), None)

        root = await anyio.to_thread.run_sync(find)
        if root is None:
            known = ", ".join(str(root.path) for root in roots) or "none"
            raise InvalidInput(f"{given} is not a library folder (the library folders: "
                               f"{known}).", field="path")
        if not root.removable:
            where = self.settings.config_file or "the settings file"
            raise StateConflict(f"{root.path} is a library folder of the settings (`library` "
                                f"in {where} or ANIWORLD_LIBRARY): it cannot be removed while "
                                "aniworld runs; remove it there.")
        await RootStore(self._database).remove(str(root.path))
        return root

    async def series_folder(self, series: Series) -> SeriesFolder:
        """Where ``series``' NFO files and artwork go: its folder, or the first library folder,
        in which its load makes one; or nowhere, when no library folder is set (then its load
        writes none, though its steps complete)."""
        return SeriesFolder.of(series, await self.library_roots())

    async def rescan_library(self) -> Job:
        """Queue a rescan of every library folder (a ``library.scan`` job, ahead of background
        work) and return it; while a rescan of all of them is queued or running (the scheduled
        one too), that one is returned. :class:`StateConflict` when no library folder is set."""
        if not await self.library_roots():
            raise StateConflict("No library folder is set, so there is nothing to rescan: add "
                                "one with `aniworld roots add PATH` or set `library` in the "
                                "settings.")
        live = await self.library_rescan()
        return live if live is not None else await self.jobs.add(SCAN, {}, key=RESCAN_KEY)

    async def library_rescan(self) -> Job | None:
        """The rescan of every library folder queued or running now (the first, should there
        be two), if there is one."""
        live = await self.jobs.list(kind=SCAN, states=[JobState.PENDING, JobState.RUNNING],
                                    limit=MAX_LIST)
        whole = [job for job in live if not job.payload.get("roots")]
        return min(whole, key=lambda job: job.id) if whole else None

    async def _merged_roots(self) -> list[LibraryRoot]:
        stored = await RootStore(self._database).all()
        return await anyio.to_thread.run_sync(
            merged_roots, self.settings.library, [(root.path, root.added_at) for root in stored])

    async def scan(self, roots: Sequence[Path] | None = None) -> ScanReport:
        """Scan the library folders (:meth:`library_roots` unless ``roots`` are given).

        Every folder directly under a root is a series: new ones are added and queued for
        loading (the loader starts on each batch as it is saved, not after the whole scan),
        their video files parsed and stored as present episodes, removed files and folders
        noticed. Unchanged folders are not listed again. A missing or unreadable root
        raises :class:`LibraryError` before anything is written, but for a library root: that
        one is paused (an unmounted disk, see ``ScanReport.unavailable``) and the others are
        scanned, as is a root that lists no series folder though series were found in it.
        """
        library = await self.library_roots()
        pausable = await anyio.to_thread.run_sync(
            lambda: {library_root_key(root) for root in library})
        return await self._library.scan(library if roots is None else roots, pausable=pausable)

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
