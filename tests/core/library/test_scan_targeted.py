"""Targeted scans (``Library.scan_folders``, ``SeriesApp.rescan_series``) and roots that are
unavailable to a scan (an unmounted disk: a removed folder, or an empty mount point), on real
folders and the real database, on asyncio and trio."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from aniworld_core import LibraryRootUpdate, SeriesApp, SeriesNotFound, StateConflict
from aniworld_core.events import EventHub
from aniworld_core.library.availability import EMPTY_ROOT
from aniworld_core.library.paths import library_root_key
from aniworld_core.library.scan import FolderRequest, Library
from aniworld_core.storage import Database, SeriesStore
from aniworld_core.storage.library_store import LibraryStore

pytestmark = pytest.mark.anyio


def series_folders(root: Path, count: int) -> None:
    """``count`` series folders with one episode each, dated an hour back (a library nobody
    touched in the last seconds, whose folders a scan trusts)."""
    an_hour_ago = time.time() - 3600
    for n in range(count):
        folder = root / f"Series {n:02d}" / "Season 01"
        folder.mkdir(parents=True)
        (folder / f"Series {n:02d} - S01E01.mkv").write_bytes(b"1")
        for path in (folder, folder.parent):
            os.utime(path, (an_hour_ago, an_hour_ago))


@pytest.fixture
def root(tmp_path: Path) -> Path:
    folder = tmp_path / "library"
    series_folders(folder, 30)
    return Path(library_root_key(folder))


@pytest.fixture
def hub() -> EventHub:
    return EventHub(max_buffer=10_000)


@pytest.fixture
async def library(database: Database, hub: EventHub) -> Library:
    return Library(LibraryStore(database), hub)


async def test_a_targeted_scan_reads_only_the_folders_named(library: Library, root: Path) -> None:
    """Of a library of 30 series, scanning one changed folder lists that folder alone, and
    notices its new file; the others are not looked at."""
    await library.scan([root])
    (root / "Series 07" / "Season 01" / "Series 07 - S01E02.mkv").write_bytes(b"2")
    report = await library.scan_folders([FolderRequest(root, "Series 07",
                                                       relist=frozenset({"Season 01"}))])
    assert (report.series_folders, report.folders_listed, report.files_added) == (1, 1, 1)
    assert report.roots == (root,)


async def test_a_targeted_scan_follows_a_rename_and_marks_a_removal(library: Library,
                                                                    root: Path) -> None:
    """Both names of a renamed folder scanned together keep its series; a folder gone is its
    series marked "folder missing"; a new one is a new series."""
    await library.scan([root])
    before = await library.store.root_state(str(root))
    (root / "Series 01").rename(root / "Series One")
    for child in sorted((root / "Series 02").rglob("*"), reverse=True):
        child.unlink() if child.is_file() else child.rmdir()
    (root / "Series 02").rmdir()
    (root / "Brand New (2020)").mkdir()
    report = await library.scan_folders([FolderRequest(root, name) for name in (
        "Series 01", "Series One", "Series 02", "Brand New (2020)")])
    assert report.series_moved == (before["Series 01"].series_id,)
    assert report.series_without_folder == (before["Series 02"].series_id,)
    assert report.folders_gone == ("Series 02",)
    assert len(report.series_added) == 1
    after = await library.store.root_state(str(root))
    assert after["Series One"].series_id == before["Series 01"].series_id
    assert after["Series 02"].missing


async def test_a_missing_library_root_is_paused_and_the_others_scanned(
        library: Library, hub: EventHub, root: Path, tmp_path: Path) -> None:
    """A library root removed (an unmounted disk) is paused with its reason, said once over
    several scans; nothing under it is marked missing; the other root is scanned."""
    other = tmp_path / "other"
    series_folders(other, 2)
    await library.scan([root])
    os.rename(root, tmp_path / "parked")
    async with hub.subscribe(snapshot=False) as events:
        for _ in range(2):
            report = await library.scan([root, other], pausable={str(root)})
            assert report.roots == (Path(library_root_key(other)),)
            assert [p.to_dict()["reason"] for p in report.unavailable] == ["it does not exist"]
            assert report.series_without_folder == ()
        updates = [e for e in [await events.__anext__() for _ in range(events.pending())]
                   if isinstance(e, LibraryRootUpdate)]
    assert [(u.root, u.available) for u in updates] == [(str(root), False)]
    assert report.to_dict()["roots_unavailable"][0]["root"] == str(root)
    assert not any(s.missing for s in (await library.store.root_state(str(root))).values())


async def test_an_empty_root_with_known_series_is_paused(library: Library, root: Path,
                                                         tmp_path: Path) -> None:
    """A root that is there but lists no series folder, though series were found in it, is
    taken for an unmounted disk's mount point: paused, nothing marked missing, by a full scan
    and a targeted one alike. A root never scanned may well be empty."""
    await library.scan([root])
    os.rename(root, tmp_path / "parked")
    os.mkdir(root)
    report = await library.scan([root])
    assert [(p.root, p.reason) for p in report.unavailable] == [(root, EMPTY_ROOT)]
    targeted = await library.scan_folders([FolderRequest(root, "Series 03")])
    assert [p.reason for p in targeted.unavailable] == [EMPTY_ROOT]
    assert not any(s.missing for s in (await library.store.root_state(str(root))).values())
    empty = tmp_path / "fresh"
    empty.mkdir()
    assert (await library.scan([empty])).unavailable == ()


async def test_rescan_series_reads_every_folder_of_it(app: SeriesApp, tmp_path: Path) -> None:
    """Rescanning one series lists each of its folders even where nothing was added (a file
    rewritten in place gets its new size); a series without a folder is a conflict."""
    root = tmp_path / "library"
    series_folders(root, 3)
    await app.scan([root])
    series = {s.title: s for s in await app.list_series()}["Series 01"]
    (root / "Series 01" / "Season 01" / "Series 01 - S01E01.mkv").write_bytes(b"longer now")
    report = await app.rescan_series(series.id)
    assert (report.series_folders, report.folders_listed, report.files_found) == (1, 2, 1)
    sizes = {f.path: f.size for f in await app._library.store.files(series.id)}
    assert sizes == {"Season 01/Series 01 - S01E01.mkv": len(b"longer now")}
    added = await app.add_series("Trigun")
    with pytest.raises(StateConflict, match="no folder in the library yet"):
        await app.rescan_series(added.id)
    with pytest.raises(SeriesNotFound):
        await app.rescan_series("00000000-0000-4000-8000-000000000009")


async def test_a_settling_file_the_library_knew_stays_while_it_settles(
        library: Library, root: Path, database: Database) -> None:
    """A targeted scan that leaves out a file still settling (the watcher saw it written a
    moment ago) keeps what the library knew of it: a file a full scan counted must not vanish
    from the library, and its episode turn missing, until the watcher looks again."""
    folder = root / "Series 03" / "Season 01"
    (folder / "Series 03 - S01E02.mkv").write_bytes(b"2")
    await library.scan([root])
    (folder / "Series 03 - S01E03.mkv").write_bytes(b"3")
    report = await library.scan_folders([FolderRequest(
        root, "Series 03", relist=frozenset({"Season 01"}),
        skip=frozenset({"Season 01/Series 03 - S01E02.mkv", "Season 01/Series 03 - S01E03.mkv"}))])
    assert (report.files_added, report.files_removed) == (0, 0)
    [series_id] = [s.id for s in await SeriesStore(database).all() if s.title == "Series 03"]
    known = await LibraryStore(database).files(series_id)
    assert [file.path for file in known] == ["Season 01/Series 03 - S01E01.mkv",
                                             "Season 01/Series 03 - S01E02.mkv"]
