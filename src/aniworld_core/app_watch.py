"""The watching part of ``SeriesApp``: live watching of the library roots, rescanning one
series, and what is known of each root (paused, watched). A mixin, as ``app_library.py`` is.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import anyio
from anyio.abc import TaskStatus

from aniworld_core.errors import StateConflict
from aniworld_core.events import Event
from aniworld_core.library.availability import RootStatus
from aniworld_core.library.scan import FolderRequest, Library, ScanReport
from aniworld_core.library.watch import LibraryWatcher
from aniworld_core.settings import Settings
from aniworld_core.storage import SeriesStore
from aniworld_core.validation import check_series_id


class WatchFacade:
    """Watching methods of :class:`~aniworld_core.app.SeriesApp`."""

    settings: Settings
    _library: Library
    _series: SeriesStore

    async def library_roots(self) -> tuple[Path, ...]:
        raise NotImplementedError  # LibraryFacade's

    async def rescan_series(self, series_id: str) -> ScanReport:
        """Read the series' folder again, every folder in it (a file rewritten in place too),
        as a scan would: files added and removed, the folder gone (then the series is "folder
        missing"), or its root unavailable (then nothing changes and ``unavailable`` says why).
        :class:`StateConflict` when the series has no folder in the library yet."""
        series = await self._series.get(check_series_id(series_id))
        if series.folder is None or series.library_root is None:
            raise StateConflict(f"{series.title!r} has no folder in the library yet: there is "
                                "nothing to rescan.")
        return await self._library.scan_folders(
            [FolderRequest(Path(series.library_root), series.folder, relist=None)])

    def library_root_statuses(self) -> list[RootStatus]:
        """What this process knows of each library root it scanned or watches: paused (why),
        watched, or not watched (why)."""
        return self._library.roots.all()

    def _root_snapshot(self) -> Sequence[Event]:
        """For a page opened now: the roots that are paused or cannot be watched."""
        return self._library.roots.snapshot()

    async def _watch_library(self, *,
                             task_status: TaskStatus[None] = anyio.TASK_STATUS_IGNORED) -> None:
        """Watch the library roots until cancelled (``watch.enabled``); started once watching.
        """
        if not self.settings.watch.enabled:
            task_status.started()
            return
        watcher = LibraryWatcher(self._library, self.library_roots, self.settings.watch)
        await watcher.run(task_status=task_status)
