"""The watching part of ``SeriesApp``: live watching of the library roots, rescanning one
series, and what is known of each root (paused, watched). A mixin, as ``app_library.py`` is.

Of the processes that share a database only the leader (:mod:`aniworld_core.leader`) watches
the library roots and the downloads folder.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import anyio
from anyio.abc import TaskStatus

from aniworld_core.downloads.importer import Importer
from aniworld_core.errors import StateConflict
from aniworld_core.events import Event
from aniworld_core.jobs import Engine
from aniworld_core.leader import Leadership
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
    _engine: Engine
    _importer: Importer
    #: This process's part in the election of a leader; ``None`` when it runs no jobs.
    _leadership: Leadership | None = None

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

    @property
    def is_leader(self) -> bool:
        """Whether this process leads the processes that share its database: it watches the
        library roots and the downloads folder. Always so on SQLite when it runs jobs; never
        when it was opened without them (``loader=False``)."""
        return self._leadership is not None and self._leadership.is_leader

    @property
    def process_id(self) -> str:
        """This process among those that share the database (host, pid and a random part): the
        owner of the jobs it runs, named in its metrics."""
        return self._engine.owner

    async def _leader_duties(self, *,
                             task_status: TaskStatus[None] = anyio.TASK_STATUS_IGNORED) -> None:
        """What the leader does until cancelled (leadership lost, or the app closing): watch
        the library roots and the downloads folder (``downloads.import_folder``)."""
        try:
            async with anyio.create_task_group() as group:
                await group.start(self._watch_library)
                if self.settings.downloads.import_folder is not None:
                    await group.start(self._importer.watch,
                                      self.settings.downloads.import_folder)
                task_status.started()
        finally:
            for status in self._library.roots.all():  # another process watches them now
                if status.watched:
                    self._library.roots.watching(status.root, watched=False)

    async def _watch_library(self, *,
                             task_status: TaskStatus[None] = anyio.TASK_STATUS_IGNORED) -> None:
        """Watch the library roots until cancelled (``watch.enabled``); started once watching.
        """
        if not self.settings.watch.enabled:
            task_status.started()
            return
        watcher = LibraryWatcher(self._library, self.library_roots, self.settings.watch)
        await watcher.run(task_status=task_status)
