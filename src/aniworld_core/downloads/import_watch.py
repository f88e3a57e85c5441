"""Which files of the downloads folder are finished videos, and watching the folder for them.

A file counts when it is a video (the library scanner's extensions), not hidden, not a
symbolic link, not a sample, not a download in progress (``.part``, ``.!qB``, ``.crdownload``,
temp files, or a video with such a file beside it) and has settled: :func:`list_files` (one
look) takes a file whose modification time is ``settle`` seconds old; :class:`FolderWatcher`
waits, as the library watcher does, until two looks ``settle`` seconds apart with no change
reported in between find the same size and modification time. Every ``recheck`` seconds the
watcher also looks at the whole folder, in case a change was not reported.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path

import anyio
import anyio.from_thread
import anyio.to_thread
import attrs
from anyio.abc import TaskStatus

from aniworld_core.library.atomic import TEMP_SUFFIX
from aniworld_core.library.folders import VIDEO_EXTENSIONS, is_skipped_folder, video_stem
from aniworld_core.library.watch import Changes, WatchFunction, watch_with_notify
from aniworld_core.library.watch_changes import DELETED, look_at

log = logging.getLogger(__name__)

#: Suffixes of files that download tools are still writing.
PARTIAL_SUFFIXES = (".part", ".!qb", ".crdownload", ".tmp", ".partial", ".download",
                    TEMP_SUFFIX)

Look = tuple[int, int]


@attrs.frozen
class Listing:
    """One look at a downloads folder: finished videos and those still being written, each
    with its size and modification time; ``folders_failed``: folders that could not be
    read (and why)."""

    finished: dict[Path, Look] = attrs.field(factory=dict)
    writing: dict[Path, Look] = attrs.field(factory=dict)
    unreadable: dict[Path, str] = attrs.field(factory=dict)


def is_video_candidate(path: Path, folder: Path) -> bool:
    """Whether ``path`` (under ``folder``) is a video file the importer looks at."""
    try:
        parts = path.relative_to(folder).parts
    except ValueError:
        return False
    if not parts or any(is_skipped_folder(part) for part in parts[:-1]):
        return False
    name = parts[-1]
    if name.lower().endswith(PARTIAL_SUFFIXES):
        return False
    return video_stem(name) is not None


def is_partial(path: Path) -> bool:
    """A download in progress: a partial file beside the video (``X.mkv.part``)."""
    return any(os.path.lexists(f"{path}{suffix}") for suffix in (".part", ".!qB", ".!qb",
                                                                   ".crdownload"))


def list_files(folder: Path, *, settle: float, now: float | None = None) -> Listing:
    """Every candidate video under ``folder`` (blocking: a worker thread runs it); those
    modified less than ``settle`` seconds before ``now`` (wall clock) count as being
    written."""
    listing = Listing()
    wall = time.time() if now is None else now

    def failed(error: OSError) -> None:
        listing.unreadable[Path(error.filename or folder)] = error.strerror or str(error)

    for top, folders, files in os.walk(folder, onerror=failed):
        folders[:] = sorted(name for name in folders if not is_skipped_folder(name))
        for name in sorted(files):
            path = Path(top, name)
            # A symbolic link is left alone: moving or linking it would move the link.
            if not is_video_candidate(path, folder) or path.is_symlink():
                continue
            look = look_at(path)
            if look is None:
                continue
            if wall - look[1] / 1e9 < settle or is_partial(path):
                listing.writing[path] = look
            else:
                listing.finished[path] = look
    return listing


def has_video_extension(path: Path) -> bool:
    return path.suffix.lstrip(".").lower() in VIDEO_EXTENSIONS


def _looks(paths: list[Path]) -> list[Look | None]:
    return [look_at(path) for path in paths]


@attrs.define
class _Waiting:
    look: Look
    check_at: float


class FolderWatcher:
    """Watches one downloads folder: ``settled(path, look)`` for each video file that
    settled; ``recheck()`` every ``recheck`` seconds (and once at the start)."""

    def __init__(self, folder: Path, *, settle: float, recheck: float,
                 settled: Callable[[Path, Look], Awaitable[None]],
                 look_again: Callable[[], Awaitable[Iterable[tuple[Path, Look]]]],
                 watch: WatchFunction = watch_with_notify) -> None:
        self._folder = folder
        self._settle = settle
        self._recheck = recheck
        self._settled = settled
        self._look_again = look_again
        self._watch = watch
        self._waiting: dict[Path, _Waiting] = {}
        self._wake = anyio.Event()

    async def run(self, *, task_status: TaskStatus[None] = anyio.TASK_STATUS_IGNORED) -> None:
        """Watch until cancelled; started once changes are reported."""
        stop = threading.Event()
        ready = anyio.Event()
        async with anyio.create_task_group() as group:
            group.start_soon(self._watch_thread, stop, ready)
            try:
                await ready.wait()
                task_status.started()
                await self._process()
            finally:
                stop.set()
                group.cancel_scope.cancel()

    async def _watch_thread(self, stop: threading.Event, ready: anyio.Event) -> None:
        def on_ready() -> None:
            anyio.from_thread.run_sync(ready.set)

        def on_changes(batch: Changes) -> None:
            touched = self._touched(batch)
            anyio.from_thread.run_sync(self._take, touched)

        try:
            await anyio.to_thread.run_sync(self._watch, [str(self._folder)], on_ready,
                                           on_changes, stop, abandon_on_cancel=True,
                                           limiter=anyio.CapacityLimiter(1))
        except (OSError, RuntimeError) as error:
            log.warning("Watching the downloads folder %s failed (%s); looking at it every "
                        "%g s instead.", self._folder, error, self._recheck)
        finally:
            ready.set()

    def _touched(self, batch: Changes) -> list[tuple[Path, Look]]:
        """Videos written (in the watch thread: it looks at the disk); a folder moved in
        whole reports only itself, so its files are listed."""
        found: list[tuple[Path, Look]] = []
        for change, name in batch:
            path = Path(name)
            if change == DELETED:
                continue
            if path.is_dir() and not path.is_symlink():
                if path == self._folder or not is_video_candidate(path / "x.mkv",
                                                                  self._folder):
                    continue
                inner = list_files(path, settle=0.0, now=float("inf"))
                found += [(file, look) for file, look in {**inner.finished,
                                                          **inner.writing}.items()]
            elif is_video_candidate(path, self._folder):
                look = look_at(path)
                if look is not None:
                    found.append((path, look))
        return found

    def _take(self, touched: Iterable[tuple[Path, Look]]) -> None:
        now = time.monotonic()
        for path, look in touched:
            self._waiting[path] = _Waiting(look, now + self._settle)
        self._wake.set()

    def add(self, files: Iterable[tuple[Path, Look]]) -> None:
        """Wait for these files (being written when a look found them) to settle."""
        now = time.monotonic()
        for path, look in files:
            if path not in self._waiting:
                self._waiting[path] = _Waiting(look, now + self._settle)
        self._wake.set()

    async def _process(self) -> None:
        next_recheck = time.monotonic()
        while True:
            due = min((file.check_at for file in self._waiting.values()),
                      default=next_recheck)
            wait = max(0.0, min(due, next_recheck) - time.monotonic())
            with anyio.move_on_after(wait):
                await self._wake.wait()
            self._wake = anyio.Event()
            now = time.monotonic()
            if now >= next_recheck:
                next_recheck = now + self._recheck
                self.add(await self._look_again())
            ready = [path for path, file in self._waiting.items() if file.check_at <= now]
            if not ready:
                continue
            looks = await anyio.to_thread.run_sync(_looks, ready)
            now = time.monotonic()
            for path, look in zip(ready, looks, strict=True):
                file = self._waiting.get(path)
                if file is None or file.check_at > now:
                    continue  # changed again while we looked: its new interval runs
                if look is None:
                    del self._waiting[path]
                elif look != file.look:
                    file.look, file.check_at = look, now + self._settle
                else:
                    del self._waiting[path]
                    await self._settle_one(path, look)

    async def _settle_one(self, path: Path, look: Look) -> None:
        try:
            await self._settled(path, look)
        except Exception:  # a background loop outlives one file's failure
            log.exception("Importing %s failed.", path)
