"""The ``import`` source: finished files of a downloads folder, matched to a show and an
episode by their release names (:mod:`.import_match`) and moved, hard-linked or copied into
the library under the naming template (:mod:`.import_place`); what cannot be matched is
pending for a person, never guessed.

:class:`Importer` is what ``SeriesApp`` uses: :meth:`~Importer.import_folder` (one look),
:meth:`~Importer.import_file` (a manual import), :meth:`~Importer.pending` and
:meth:`~Importer.watch` (in a process that runs background work). After each file it places,
it awaits ``placed(series_id, target)`` (``target`` relative to the series folder) so that
the caller links the episode and writes its NFO. Files are imported one at a time.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Awaitable, Callable, Iterable, Sequence
from pathlib import Path, PurePosixPath

import anyio
import anyio.to_thread
from anyio.abc import TaskStatus

from aniworld_core.downloads.import_match import (
    Release,
    ShowIndex,
    Unmatched,
    find_episodes,
    read_release,
    reparse,
)
from aniworld_core.downloads.import_place import ImportMode, TargetExists, place
from aniworld_core.downloads.import_watch import (
    FolderWatcher,
    Listing,
    Look,
    has_video_extension,
    is_video_candidate,
    list_files,
)
from aniworld_core.downloads.model import ImportedFile, ImportReport, PendingImport
from aniworld_core.downloads.naming import EpisodeName, Naming
from aniworld_core.errors import (
    DownloadError,
    InvalidInput,
    PathNotAllowed,
    StateConflict,
)
from aniworld_core.library.paths import confiner, series_dir
from aniworld_core.library.watch import WatchFunction, watch_with_notify
from aniworld_core.models import Episode, Series
from aniworld_core.settings import Settings
from aniworld_core.storage.database import Database
from aniworld_core.storage.import_store import FileLook, ImportRecord, ImportStore
from aniworld_core.storage.series import SeriesStore

log = logging.getLogger(__name__)

STILL_WRITING = "still being written"

Placed = Callable[[str, str], Awaitable[None]]


class Importer:
    """Imports finished downloads into the library; see the module's doc."""

    def __init__(self, database: Database, settings: Settings, *, naming: Naming,
                 placed: Placed, watch_function: WatchFunction = watch_with_notify) -> None:
        self._store = ImportStore(database)
        self._series = SeriesStore(database)
        self._settings = settings
        self._naming = naming
        self._placed = placed
        self._mode = ImportMode.parse(settings.downloads.import_mode)
        self._lock = anyio.Lock()
        self._watch_function = watch_function

    # -- the public API -----------------------------------------------------------------------

    async def import_folder(self, folder: Path) -> ImportReport:
        """Import the finished videos under ``folder`` that match a show and an episode; the
        others are pending (stored, except those still being written). Files imported
        before (unchanged) are left alone; pending files that are gone are forgotten."""
        report, _ = await self._look(folder)
        return report

    async def import_file(self, path: Path, series_id: str, season: int,
                          episodes: Sequence[int]) -> ImportedFile:
        """Import ``path`` (a file in the downloads folder) as ``episodes`` of ``season`` of
        the show: :class:`PathNotAllowed` outside the downloads folder, :class:`InvalidInput`
        for no video file or an episode the show does not have, ``SeriesNotFound``,
        :class:`StateConflict` when the episode has a file or the target name is taken,
        :class:`DownloadError` when the file cannot be placed (the message says why)."""
        source, folder = await anyio.to_thread.run_sync(self._manual_path, path)
        if not episodes:
            raise InvalidInput("Name at least one episode.", field="episodes")
        series = await self._series.get(series_id)
        numbers = sorted(set(episodes))
        by_number = {e.number: e for e in await self._series.episodes(series_id)
                     if e.season == season}
        unknown = [n for n in numbers if n not in by_number]
        if unknown:
            raise InvalidInput(f"{series.title} has no episode {unknown[0]} in season "
                               f"{season}.", field="episodes")
        found = tuple(by_number[n] for n in numbers)
        for episode in found:
            if episode.file_path is not None:
                raise StateConflict(f"S{season:02d}E{episode.number:02d} of {series.title} "
                                    f"already has a file ({episode.file_path}).")
        look = await anyio.to_thread.run_sync(_look, source)
        release = read_release(PurePosixPath(source.relative_to(folder).as_posix()))
        async with self._lock:
            try:
                return await self._place(source, look, series, found, release)
            except TargetExists as error:
                raise StateConflict(str(error)) from None

    async def pending(self) -> list[PendingImport]:
        """Files waiting for a person, by path; those that are gone are forgotten."""
        records = await self._store.pending()
        gone = await anyio.to_thread.run_sync(
            lambda: {r.look.path for r in records if not os.path.isfile(r.look.path)})
        await self._store.forget_pending(gone)
        return [_pending(record) for record in records if record.look.path not in gone]

    async def watch(self, folder: Path, *,
                    task_status: TaskStatus[None] = anyio.TASK_STATUS_IGNORED) -> None:
        """Import from ``folder`` as files settle there, until cancelled; started once
        changes are being watched. Looks at the whole folder at once and every
        ``watch.recheck`` seconds."""
        folder = await anyio.to_thread.run_sync(folder.resolve)

        async def settled(path: Path, look: Look) -> None:
            await self._import_one(folder, path, look)

        async def look_again() -> list[tuple[Path, Look]]:
            try:
                _, writing = await self._look(folder)
            except (InvalidInput, OSError) as error:  # the folder away: the next look
                log.warning("Looking at the downloads folder failed: %s", error)
                return []
            except Exception:  # the database away: the next look tries again
                log.exception("Looking at the downloads folder %s failed.", folder)
                return []
            return list(writing.items())

        watcher = FolderWatcher(folder, settle=self._settings.watch.settle,
                                recheck=self._settings.watch.recheck, settled=settled,
                                look_again=look_again, watch=self._watch_function)
        await watcher.run(task_status=task_status)

    # -- looking ------------------------------------------------------------------------------

    async def _look(self, folder: Path) -> tuple[ImportReport, dict[Path, Look]]:
        folder = await anyio.to_thread.run_sync(folder.resolve)
        if not await anyio.to_thread.run_sync(folder.is_dir):
            raise InvalidInput(f"{folder} is not a folder.", field="path")
        listing: Listing = await anyio.to_thread.run_sync(
            lambda: list_files(folder, settle=self._settings.watch.settle))
        imported: list[ImportedFile] = []
        pending: list[PendingImport] = []
        async with self._lock:
            done = await self._store.imported_looks({str(path) for path in listing.finished})
            todo = {path: look for path, look in listing.finished.items()
                    if FileLook(str(path), *look) not in done}
            context = _Context(ShowIndex(await self._series.all()) if todo else ShowIndex(()))
            for path, look in todo.items():
                result = await self._consider(folder, path, look, context)
                if isinstance(result, ImportedFile):
                    imported.append(result)
                else:
                    pending.append(result)
        pending += [PendingImport(str(path), STILL_WRITING, size=look[0])
                    for path, look in listing.writing.items()]
        await self.pending()  # forgets pending files that are gone
        return ImportReport(tuple(imported), tuple(pending)), listing.writing

    async def _import_one(self, folder: Path, path: Path, look: Look) -> None:
        async with self._lock:
            if FileLook(str(path), *look) in await self._store.imported_looks({str(path)}):
                return
            context = _Context(ShowIndex(await self._series.all()))
            await self._consider(folder, path, look, context)

    async def _consider(self, folder: Path, path: Path, look: Look,
                        context: _Context) -> ImportedFile | PendingImport:
        """Match and place one file, or record why not."""
        file = FileLook(str(path), *look)
        # Parsing (anitopy, guessit) and fuzzy matching take milliseconds: not on the loop.
        release, series = await anyio.to_thread.run_sync(
            _identify, context.index, PurePosixPath(path.relative_to(folder).as_posix()))
        if isinstance(series, Unmatched):
            return await self._set_pending(file, series)
        episodes = await context.episodes(self._series, series.id)
        found = find_episodes(series, episodes, release)
        if isinstance(found, Unmatched):
            return await self._set_pending(file, found)
        try:
            result = await self._place(path, look, series, found, release)
        except DownloadError as error:
            return await self._set_pending(file, Unmatched(str(error), release.guess()))
        context.forget(series.id)  # its episodes now have a file
        return result

    async def _set_pending(self, file: FileLook, why: Unmatched) -> PendingImport:
        return _pending(await self._store.set_pending(file, why.reason, why.guess))

    # -- placing ------------------------------------------------------------------------------

    async def _place(self, source: Path, look: Look, series: Series,
                     episodes: tuple[Episode, ...], release: Release) -> ImportedFile:
        """Put ``source`` where the naming template says in the series folder, record it,
        and tell ``placed``; :class:`DownloadError` when it cannot be placed."""
        if series.folder is None or series.library_root is None:
            raise DownloadError(f"{series.title} has no folder in the library yet",
                                permanent=True)
        first, last = episodes[0], episodes[-1]
        name = EpisodeName(
            series_title=series.title, season=first.season,
            episodes=tuple(episode.number for episode in episodes),
            absolute=first.absolute_number,
            absolute_end=last.absolute_number if len(episodes) > 1 else None,
            episode_title=_episode_title(episodes), quality=release.quality,
            release_group=release.group, year=series.year)
        relative = self._naming.relative_path(name, source.suffix)
        root, folder_name = Path(series.library_root), series.folder

        def work() -> Path:
            folder = series_dir(root, folder_name)
            if not folder.is_dir():
                raise DownloadError(f"the folder of {series.title} ({folder}) is missing")
            target = confiner(folder)(relative.as_posix())
            place(source, target, self._mode)
            return target

        await anyio.to_thread.run_sync(work)
        await self._store.imported(FileLook(str(source), *look), series.id,
                                   relative.as_posix())
        try:
            await self._placed(series.id, relative.as_posix())
        except Exception:  # the file is in place; linking it again is the next scan's work
            log.exception("After importing %s into %s, updating the library failed.",
                          source, series.title)
        return ImportedFile(str(source), series.id, relative.as_posix())

    def _manual_path(self, path: Path) -> tuple[Path, Path]:
        configured = self._settings.downloads.import_folder
        if configured is None:
            raise StateConflict("No downloads folder is set (downloads.import_folder).")
        folder = configured.expanduser().resolve()
        source = Path(path).expanduser()
        source = (source if source.is_absolute() else folder / source).resolve()
        if not source.is_relative_to(folder) or source == folder:
            raise PathNotAllowed(f"{path} is not in the downloads folder {folder}.",
                                 field="path")
        if not source.is_file():
            raise InvalidInput(f"{path} is not a file.", field="path")
        if not has_video_extension(source) or not is_video_candidate(source, folder):
            raise InvalidInput(f"{source.name} is not a video file.", field="path")
        return source, folder


def _identify(index: ShowIndex, relative: PurePosixPath) -> tuple[Release, Series | Unmatched]:
    release = read_release(relative)
    series = index.find(release)
    if isinstance(series, Unmatched):
        return release, series
    return reparse(release, series), series


class _Context:
    """What one look needs from the library: its shows, and episodes read once per show."""

    def __init__(self, index: ShowIndex) -> None:
        self.index = index
        self._episodes: dict[str, list[Episode]] = {}

    async def episodes(self, store: SeriesStore, series_id: str) -> list[Episode]:
        if series_id not in self._episodes:
            self._episodes[series_id] = await store.episodes(series_id)
        return self._episodes[series_id]

    def forget(self, series_id: str) -> None:
        self._episodes.pop(series_id, None)


def _episode_title(episodes: Iterable[Episode]) -> str | None:
    titles = [episode.title for episode in episodes]
    if not all(titles):
        return None
    return " + ".join(dict.fromkeys(title for title in titles if title))


def _look(path: Path) -> Look:
    info = path.stat()
    return info.st_size, info.st_mtime_ns


def _pending(record: ImportRecord) -> PendingImport:
    guess = record.guess
    return PendingImport(
        path=record.look.path, reason=record.reason or "", size=record.look.size,
        guessed_title=guess.get("title"), guessed_season=guess.get("season"),
        guessed_episode=guess.get("episode"), seen_at=record.seen_at)
