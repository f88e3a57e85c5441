"""Watching the downloads folder: a finished file is imported within seconds once it settled,
a file still being written is not, a release folder moved in whole is, and the periodic look
finds what no change reported."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path

import anyio
import pytest

from aniworld_core.downloads.import_watch import list_files
from aniworld_core.library.watch import Changes
from aniworld_core.storage import Database
from tests.core.downloads.import_setup import BEBOP, BEBOP_TARGET, Setup, finished, make_setup

pytestmark = pytest.mark.anyio

WAIT = 15.0  # seconds a test waits for an import before it fails


@pytest.fixture
async def setup(database: Database, tmp_path: Path) -> Setup:
    return await make_setup(database, tmp_path)


class Placed:
    """Records ``placed`` calls and wakes a waiting test."""

    def __init__(self) -> None:
        self.targets: list[str] = []
        self._event = anyio.Event()

    def __call__(self, series_id: str, target: str) -> None:
        self.targets.append(target)
        self._event.set()

    async def wait(self, count: int = 1) -> None:
        with anyio.fail_after(WAIT):
            while len(self.targets) < count:
                await self._event.wait()
                self._event = anyio.Event()


async def test_a_finished_file_is_imported_automatically(setup: Setup) -> None:
    """A video renamed into the folder from its ``.part`` name is imported."""
    placed = Placed()
    importer = setup.importer(settle=0.2, then=placed)
    async with anyio.create_task_group() as group:
        await group.start(importer.watch, setup.downloads)
        part = setup.downloads / f"{BEBOP}.part"
        part.write_bytes(b"video data")
        part.rename(setup.downloads / BEBOP)
        await placed.wait()
        group.cancel_scope.cancel()
    assert placed.targets == [BEBOP_TARGET]
    assert (setup.bebop_folder() / BEBOP_TARGET).read_bytes() == b"video data"
    assert not (setup.downloads / BEBOP).exists()


async def test_a_file_being_written_waits_until_it_settles(setup: Setup) -> None:
    """While a file grows it is not imported; once it stops changing for ``settle``
    seconds it is, whole."""
    placed = Placed()
    settle = 0.5
    importer = setup.importer(settle=settle, then=placed)
    async with anyio.create_task_group() as group:
        await group.start(importer.watch, setup.downloads)
        path = setup.downloads / BEBOP
        with path.open("wb") as writer:
            for _ in range(12):  # writing for about three settle intervals
                writer.write(b"x" * 1000)
                writer.flush()
                await anyio.sleep(settle / 4)
                assert placed.targets == []
        await placed.wait()
        group.cancel_scope.cancel()
    assert (setup.bebop_folder() / BEBOP_TARGET).stat().st_size == 12_000


async def test_a_release_folder_moved_in_is_imported(setup: Setup, tmp_path: Path) -> None:
    """A folder moved into the downloads folder reports only itself; its video is found and
    imported, its sample and NFO left alone."""
    release = tmp_path / "Cowboy.Bebop.S01E07.1080p.BluRay.x264-GRP"
    finished(release / "cowboy.bebop.s01e07.1080p.bluray.x264-grp.mkv")
    finished(release / "cowboy.bebop.s01e07.sample.mkv")
    finished(release / "cowboy.bebop.s01e07.nfo")
    placed = Placed()
    importer = setup.importer(settle=0.2, then=placed)
    async with anyio.create_task_group() as group:
        await group.start(importer.watch, setup.downloads)
        os.rename(release, setup.downloads / release.name)
        await placed.wait()
        group.cancel_scope.cancel()
    assert placed.targets == ["Season 01/Cowboy Bebop - S01E07 - Episode 7.mkv"]
    moved = setup.downloads / release.name
    assert sorted(p.name for p in moved.iterdir()) == [
        "cowboy.bebop.s01e07.nfo", "cowboy.bebop.s01e07.sample.mkv"]


async def test_files_there_at_the_start_are_imported(setup: Setup) -> None:
    """What waits in the folder when watching starts is imported by the first look."""
    finished(setup.downloads / BEBOP)
    placed = Placed()
    importer = setup.importer(settle=0.2, then=placed)
    async with anyio.create_task_group() as group:
        await group.start(importer.watch, setup.downloads)
        await placed.wait()
        group.cancel_scope.cancel()
    assert placed.targets == [BEBOP_TARGET]


async def test_the_periodic_look_finds_unreported_files(setup: Setup) -> None:
    """A file no change reported (a watcher that reports nothing, as on a network share) is
    found by the look every ``watch.recheck`` seconds."""
    placed = Placed()
    importer = setup.importer(settle=0.1, recheck=0.2, then=placed, watch=deaf)
    async with anyio.create_task_group() as group:
        await group.start(importer.watch, setup.downloads)
        finished(setup.downloads / BEBOP)
        await placed.wait()
        group.cancel_scope.cancel()
    assert placed.targets == [BEBOP_TARGET]


def deaf(paths: list[str], ready: Callable[[], None], changes: Callable[[Changes], None],
         stop: threading.Event) -> None:
    """A watch function that reports no change."""
    ready()
    stop.wait()


def test_list_files_sorts_finished_from_being_written(tmp_path: Path) -> None:
    """One look: old videos are finished, fresh ones and those beside a ``.part`` are being
    written; sidecars, partial downloads and symbolic links are not listed."""
    old = finished(tmp_path / "a.mkv")
    fresh = finished(tmp_path / "b.mkv", age=0)
    partial = finished(tmp_path / "c.mkv")
    finished(tmp_path / "c.mkv.part")
    finished(tmp_path / "d.nfo")
    finished(tmp_path / "e.mkv.!qB")
    (tmp_path / "f.mkv").symlink_to(old)
    listing = list_files(tmp_path, settle=10.0)
    assert set(listing.finished) == {old}
    assert set(listing.writing) == {fresh, partial}
