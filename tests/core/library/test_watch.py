"""The library watcher on real folders and the real database, on asyncio and trio: files and
series folders added, removed and renamed reach the library; a copy in progress counts once it
settles; a root that disappears is paused, not emptied, and rescanned when it is back; watching
that cannot work says so once. Every wait is on the library's events, with a deadline."""

from __future__ import annotations

import errno
import logging
import os
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import attrs
import pytest

from aniworld_core import LibraryRootUpdate, SeriesAdded, WatchSettings
from aniworld_core.events import Event, EventHub, Subscription
from aniworld_core.library.availability import EMPTY_ROOT
from aniworld_core.library.paths import library_root_key
from aniworld_core.library.scan import Library
from aniworld_core.library.watch import LibraryWatcher
from aniworld_core.storage import Database
from aniworld_core.storage.library_store import KnownSeries, LibraryStore

pytestmark = pytest.mark.anyio

BEBOP = "Cowboy Bebop (1998)"
TRIGUN = "Trigun (1998)"
DEADLINE = 20.0


@attrs.define
class Watched:
    """A scanned library on disk, the library over it, and its events."""

    root: Path
    library: Library
    events: EventHub

    async def folders(self) -> dict[str, KnownSeries]:
        return await self.library.store.root_state(library_root_key(self.root))

    async def files(self, folder: str) -> dict[str, int]:
        series = (await self.folders())[folder]
        return {file.path: file.size for file in await self.library.store.files(series.series_id)}


@pytest.fixture
async def lib(tmp_path: Path, database: Database) -> Watched:
    root = tmp_path / "library"
    for folder, name in ((BEBOP, "Cowboy Bebop - 01.mkv"), (TRIGUN, "Trigun - 01.mkv")):
        (root / folder).mkdir(parents=True)
        (root / folder / name).write_bytes(b"1")
    events = EventHub(max_buffer=100_000)
    library = Library(LibraryStore(database), events)
    await library.scan([root])
    return Watched(Path(library_root_key(root)), library, events)


@asynccontextmanager
async def watching(lib: Watched, *, settle: float = 0.2, recheck: float = 0.2,
                   **options: Any) -> AsyncIterator[LibraryWatcher]:
    """The watcher over ``lib``'s root, started (watching) and stopped on leaving."""

    async def roots() -> list[Path]:
        return [lib.root]

    watcher = LibraryWatcher(lib.library, roots, WatchSettings(settle=settle, recheck=recheck),
                             **options)
    async with anyio.create_task_group() as group:
        with anyio.fail_after(DEADLINE):
            await group.start(watcher.run)
        try:
            yield watcher
        finally:
            group.cancel_scope.cancel()


async def until(events: Subscription, check: Callable[[], Awaitable[bool]],
                seen: list[Event] | None = None) -> None:
    """Until ``check()`` holds, asked again after each event the library publishes."""
    with anyio.fail_after(DEADLINE):
        while not await check():
            event = await events.__anext__()
            if seen is not None:
                seen.append(event)


async def test_files_added_removed_and_renamed_reach_the_library(lib: Watched) -> None:
    """A video file added to a series folder, one removed, and one renamed are what the
    library holds, each without a scan being asked for."""
    bebop = lib.root / BEBOP
    async with watching(lib), lib.events.subscribe(snapshot=False) as events:
        (bebop / "Season 01").mkdir()
        (bebop / "Season 01" / "Cowboy Bebop - 02.mkv").write_bytes(b"22")

        async def added() -> bool:
            return (await lib.files(BEBOP)).get("Season 01/Cowboy Bebop - 02.mkv") == 2

        await until(events, added)
        (bebop / "Cowboy Bebop - 01.mkv").unlink()

        async def removed() -> bool:
            return "Cowboy Bebop - 01.mkv" not in await lib.files(BEBOP)

        await until(events, removed)
        (bebop / "Season 01" / "Cowboy Bebop - 02.mkv").rename(
            bebop / "Season 01" / "Cowboy Bebop - 03.mkv")

        async def renamed() -> bool:
            return set(await lib.files(BEBOP)) == {"Season 01/Cowboy Bebop - 03.mkv"}

        await until(events, renamed)
    assert set(await lib.files(TRIGUN)) == {"Trigun - 01.mkv"}


async def test_series_folders_added_renamed_and_removed(lib: Watched) -> None:
    """A new series folder becomes a series; a renamed one keeps its series (same id, not
    missing, no second series); a removed one is marked "folder missing", its files kept."""
    async with watching(lib), lib.events.subscribe(snapshot=False) as events:
        new = lib.root / "Haibane Renmei (2002)"
        new.mkdir()
        (new / "Haibane Renmei - 01.mkv").write_bytes(b"1")
        seen: list[Event] = []

        async def registered() -> bool:
            return "Haibane Renmei (2002)" in await lib.folders()

        await until(events, registered, seen)
        assert [e.title for e in seen if isinstance(e, SeriesAdded)] == ["Haibane Renmei"]
        assert set(await lib.files("Haibane Renmei (2002)")) == {"Haibane Renmei - 01.mkv"}

        bebop = (await lib.folders())[BEBOP].series_id
        (lib.root / BEBOP).rename(lib.root / "Cowboy Bebop [BD]")

        async def followed() -> bool:
            folders = await lib.folders()
            return BEBOP not in folders and "Cowboy Bebop [BD]" in folders

        await until(events, followed)
        moved = (await lib.folders())["Cowboy Bebop [BD]"]
        assert (moved.series_id, moved.missing) == (bebop, False)

        trigun = (await lib.folders())[TRIGUN].series_id
        for child in (lib.root / TRIGUN).iterdir():
            child.unlink()
        (lib.root / TRIGUN).rmdir()

        async def missing() -> bool:
            return (await lib.folders())[TRIGUN].missing

        await until(events, missing)
    assert len(await lib.folders()) == 3
    assert set(await lib.files(TRIGUN)) == {"Trigun - 01.mkv"}  # kept for when it is back
    assert (await lib.folders())[TRIGUN].series_id == trigun


async def drain(events: Subscription) -> list[Event]:
    """The events waiting in ``events`` now."""
    return [await events.__anext__() for _ in range(events.pending())]


def write_slowly(path: Path, stop: threading.Event, chunk: bytes) -> int:
    """Append ``chunk`` every few milliseconds until ``stop``; the final size."""
    with path.open("wb") as file:
        while not stop.wait(0.02):
            file.write(chunk)
            file.flush()
            os.fsync(file.fileno())
    return path.stat().st_size


async def test_a_file_still_being_copied_counts_once_it_settles(lib: Watched) -> None:
    """A file written in many chunks is left out while it grows, even when its folder is
    scanned for another file meanwhile; once it stops growing it counts, at its full size."""
    bebop = lib.root / BEBOP
    growing = bebop / "Cowboy Bebop - 02.mkv"
    stop = threading.Event()
    async with watching(lib, settle=1.5), lib.events.subscribe(snapshot=False) as events, \
            anyio.create_task_group() as group:
        sizes: list[int] = []

        async def copy() -> None:
            sizes.append(await anyio.to_thread.run_sync(write_slowly, growing, stop, b"x" * 512))

        group.start_soon(copy)
        (bebop / "Cowboy Bebop - 03.mkv").write_bytes(b"333")  # complete at once

        async def complete_one_counted() -> bool:
            return "Cowboy Bebop - 03.mkv" in await lib.files(BEBOP)

        await until(events, complete_one_counted)
        assert "Cowboy Bebop - 02.mkv" not in await lib.files(BEBOP)
        stop.set()
    (final,) = sizes
    assert final > 0
    async with watching(lib, settle=1.5), lib.events.subscribe(snapshot=False) as events:

        async def counted_whole() -> bool:
            return (await lib.files(BEBOP)).get("Cowboy Bebop - 02.mkv") == final

        # The file's last chunks were written while this watcher was not running: touch it,
        # as a copy's last write would.
        os.utime(growing)
        await until(events, counted_whole)


async def test_a_root_that_disappears_is_paused_then_rescanned_when_back(
        lib: Watched, tmp_path: Path) -> None:
    """A root moved away (an unmounted disk) is paused with one message and nothing under it
    is marked missing; when it is back it is watched again and rescanned: what changed while
    it was away is found."""
    parked = tmp_path / "parked"
    async with watching(lib) as watcher, lib.events.subscribe(snapshot=False) as events:
        seen: list[Event] = []
        lib.root.rename(parked)

        async def paused() -> bool:
            return lib.library.roots.status(lib.root).problem is not None

        await until(events, paused, seen)
        updates = [e for e in seen if isinstance(e, LibraryRootUpdate)]
        assert [(u.available, u.watched) for u in updates] == [(False, False)]
        assert "is not available: it does not exist" in updates[0].message
        report = await lib.library.scan([lib.root], pausable={str(lib.root)})
        assert report.unavailable[0].reason == "it does not exist"
        assert not any(series.missing for series in (await lib.folders()).values())

        (parked / TRIGUN / "Trigun - 02.mkv").write_bytes(b"2")  # while away
        parked.rename(lib.root)

        async def back_and_rescanned() -> bool:
            return "Trigun - 02.mkv" in await lib.files(TRIGUN)

        await until(events, back_and_rescanned, seen)
        assert [u.message for u in seen if isinstance(u, LibraryRootUpdate)][-1] == \
            f"The library folder {lib.root} is back."
        assert watcher.watching == (lib.root,)
        (lib.root / BEBOP / "Cowboy Bebop - 05.mkv").write_bytes(b"5")

        async def watched_again() -> bool:
            return "Cowboy Bebop - 05.mkv" in await lib.files(BEBOP)

        await until(events, watched_again)
    assert not any(series.missing for series in (await lib.folders()).values())


async def test_an_empty_mount_point_is_paused_not_emptied(lib: Watched, tmp_path: Path) -> None:
    """A root that is there but lists no series folder, though series were found in it (the
    empty folder an unmounted disk leaves), is paused: no series is marked missing."""
    parked = tmp_path / "parked"
    async with watching(lib), lib.events.subscribe(snapshot=False) as events:
        lib.root.rename(parked)
        lib.root.mkdir()

        async def paused_as_empty() -> bool:
            return lib.library.roots.status(lib.root).problem == EMPTY_ROOT

        await until(events, paused_as_empty)
        assert not any(series.missing for series in (await lib.folders()).values())
        lib.root.rmdir()
        parked.rename(lib.root)

        async def back() -> bool:
            return lib.library.roots.status(lib.root).problem is None

        await until(events, back)
    assert not any(series.missing for series in (await lib.folders()).values())


def limit_reached(paths: list[str], ready: Callable[[], None], changes: Any,
                  stop: threading.Event) -> None:
    raise OSError(errno.ENOSPC, "OS file watch limit reached")


async def test_watching_that_fails_says_so_once_and_leaves_the_rescans(
        lib: Watched, caplog: pytest.LogCaptureFixture) -> None:
    """When watching cannot start (the system's limit on watches), each root gets one message
    saying why and what to do, once in the log too; nothing is watched, scans go on."""
    caplog.set_level(logging.WARNING, logger="aniworld_core")
    async with lib.events.subscribe(snapshot=False) as events:
        async with watching(lib, watch=limit_reached) as watcher:
            assert watcher.watching == ()
        updates = [e for e in await drain(events) if isinstance(e, LibraryRootUpdate)]
    assert len(updates) == 1
    (update,) = updates
    assert (update.root, update.available, update.watched) == (str(lib.root), True, False)
    assert "limit on watched folders was reached" in update.message
    assert "fs.inotify.max_user_watches" in update.message
    assert "The scheduled rescan keeps it current" in update.message
    logged = [r.getMessage() for r in caplog.records if "not watched" in r.getMessage()]
    assert logged == [update.message]
    status = lib.library.roots.status(lib.root)
    assert (status.watched, status.problem) == (False, None)
    (lib.root / BEBOP / "Cowboy Bebop - 02.mkv").write_bytes(b"2")
    report = await lib.library.scan([lib.root])
    assert report.files_added == 1


async def test_a_network_share_is_not_watched(lib: Watched) -> None:
    """A root on a network share is not watched, and that is said once, with why."""
    async with lib.events.subscribe(snapshot=False) as events:
        async with watching(lib, share=lambda root: "nfs4") as watcher:
            assert watcher.watching == ()
        updates = [e for e in await drain(events) if isinstance(e, LibraryRootUpdate)]
    assert [u.message for u in updates] == [
        f"The library folder {lib.root} is not watched for changes: it is on a network share "
        "(nfs4), which reports no changes made by other machines. The scheduled rescan keeps "
        "it current."]
