"""``SeriesApp.scan`` on real folders and the real database, on asyncio and trio."""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from aniworld_core import (
    InvalidInput,
    LibraryError,
    LoadingStatus,
    SeriesAdded,
    SeriesApp,
    Settings,
    StateConflict,
)
from aniworld_core.events import Event, EventHub, LoaderIdle, ScanProgress
from aniworld_core.library.paths import library_root_key
from aniworld_core.library.scan import BATCH, FIRST_BATCH, Library
from aniworld_core.storage import Database
from aniworld_core.storage.library_store import LibraryStore

pytestmark = pytest.mark.anyio

BEBOP = "Cowboy Bebop (1998) [anilistid-1] [tvdbid-76885]"


def make_tree(root: Path, files: dict[str, bytes | str]) -> None:
    for relative, content in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode() if isinstance(content, str) else content)


def at_rest(root: Path) -> None:
    """Date every folder an hour back, as in a library nobody touched in the last seconds."""
    an_hour_ago = time.time() - 3600
    for folder, _, _ in os.walk(root):
        os.utime(folder, (an_hour_ago, an_hour_ago))


@pytest.fixture
def library(tmp_path: Path) -> Path:
    root = tmp_path / "library"
    make_tree(root, {
        f"{BEBOP}/Cowboy Bebop - 01.mkv": "1",
        f"{BEBOP}/Cowboy Bebop - 02v2.mkv": "2",
        f"{BEBOP}/Cowboy Bebop - 02.mkv": "2",
        f"{BEBOP}/Season 01/Cowboy Bebop - 03.mp4": "3",
        f"{BEBOP}/Specials/Cowboy Bebop - 01.mkv": "sp",
        f"{BEBOP}/tvshow.nfo": "<tvshow/>",
        f"{BEBOP}/poster.jpg": "jpg",
        f"{BEBOP}/Cowboy Bebop - 01.en.srt": "subs",
        f"{BEBOP}/sample.mkv": "sample",
        f"{BEBOP}/._Cowboy Bebop - 01.mkv": "apple",
        f"{BEBOP}/Extras/Making of - 01.mkv": "extra",
        f"{BEBOP}/.hidden/Cowboy Bebop - 09.mkv": "hidden",
        "86 - Eighty Six (2021)/[SubsPlease] 86 - Eighty Six - 01 (1080p) [ABCDEF12].mkv": "1",
        "86 - Eighty Six (2021)/[SubsPlease] 86 - Eighty Six - 02 (1080p) [ABCDEF13].mkv": "2",
        "stray file at the root.mkv": "x",
    })
    return root


async def series_by_title(app: SeriesApp) -> dict[str, str]:
    return {series.title: series.id for series in await app.list_series()}


async def episode_paths(app: SeriesApp, series_id: str) -> dict[tuple[int, int], str | None]:
    return {(e.season, e.number): e.file_path for e in await app.episodes(series_id)}


async def test_scan_adds_series_with_titles_years_ids_and_episodes(app: SeriesApp,
                                                                    library: Path) -> None:
    """Each top-level folder becomes a queued series with the folder's title, year and id
    hints; its video files become present episodes; everything else is ignored."""
    report = await app.scan([library])
    assert report.series_folders == 2
    assert len(report.series_added) == 2
    assert report.files_found == 7  # videos only: no sample, hidden file or extra
    assert report.errors == ()
    all_series = {series.title: series for series in await app.list_series()}
    bebop = all_series["Cowboy Bebop"]
    assert (bebop.year, bebop.folder, bebop.library_root) == (1998, BEBOP,
                                                              library_root_key(library))
    assert (bebop.ids.anilist, bebop.ids.tvdb) == ("1", "76885")
    assert bebop.loading_status is LoadingStatus.PENDING
    assert await episode_paths(app, bebop.id) == {
        (0, 1): "Specials/Cowboy Bebop - 01.mkv",
        (1, 1): "Cowboy Bebop - 01.mkv",
        (1, 2): "Cowboy Bebop - 02v2.mkv",
        (1, 3): "Season 01/Cowboy Bebop - 03.mp4",
    }
    eighty_six = all_series["86 - Eighty Six"]
    assert eighty_six.year == 2021
    assert sorted(await episode_paths(app, eighty_six.id)) == [(1, 1), (1, 2)]


async def test_scan_publishes_added_series_and_honest_progress(app: SeriesApp,
                                                               library: Path) -> None:
    """A scan announces each new series and ends with progress at every folder done."""
    received: list[Event] = []
    async with app.events.subscribe(snapshot=False) as events:
        await app.scan([library])
        for _ in range(events.pending()):
            received.append(await events.__anext__())
    added = [event.title for event in received if isinstance(event, SeriesAdded)]
    assert sorted(added) == ["86 - Eighty Six", "Cowboy Bebop"]
    progress = [event for event in received if isinstance(event, ScanProgress)]
    assert progress[-1].finished
    assert (progress[-1].folders_done, progress[-1].folders_total, progress[-1].files) == (2, 2, 7)
    assert all(a.folders_done <= b.folders_done for a, b in itertools.pairwise(progress))


async def test_rescan_notices_removed_and_added_files(app: SeriesApp, library: Path) -> None:
    """A removed file is no longer an episode; an added one is; other series are untouched."""
    await app.scan([library])
    (library / BEBOP / "Cowboy Bebop - 01.mkv").unlink()
    (library / BEBOP / "Cowboy Bebop - 04.mkv").write_bytes(b"4")
    report = await app.scan([library])
    assert (report.files_added, report.files_removed, report.series_added) == (1, 1, ())
    bebop = (await series_by_title(app))["Cowboy Bebop"]
    paths = await episode_paths(app, bebop)
    assert (1, 1) not in paths
    assert paths[(1, 4)] == "Cowboy Bebop - 04.mkv"


async def test_unchanged_folders_are_not_read_again(app: SeriesApp, store: LibraryStore,
                                                    library: Path) -> None:
    """After a scan, a folder whose entries did not change is not listed or parsed again: a
    file rewritten in place keeps its old size until its folder changes."""
    await app.scan([library])
    at_rest(library)
    settle = await app.scan([library])  # folders changed seconds ago were not trusted yet
    assert settle.folders_listed == 4
    quiet = await app.scan([library])
    assert (quiet.folders_listed, quiet.folders_unchanged, quiet.files_found) == (0, 4, 0)

    bebop = (await series_by_title(app))["Cowboy Bebop"]
    rewritten = library / BEBOP / "Cowboy Bebop - 01.mkv"
    rewritten.write_bytes(b"a much longer file than before")
    await app.scan([library])
    sizes = {f.path: f.size for f in await store.files(bebop)}
    assert sizes["Cowboy Bebop - 01.mkv"] == 1  # not read: its folder did not change

    (library / BEBOP / "Season 01" / "Cowboy Bebop - 05.mkv").write_bytes(b"5")
    changed = await app.scan([library])
    assert (changed.folders_listed, changed.files_found, changed.files_added) == (1, 2, 1)


async def test_a_vanished_series_folder_is_marked_missing_not_emptied(
        app: SeriesApp, library: Path, tmp_path: Path) -> None:
    """When a series folder disappears the series stays with what was known of its files,
    is marked "folder missing" (its missing episodes unknown, not "all missing"), and the report
    names it; when the folder is back, so is the series."""
    await app.scan([library])
    eighty_six = (await series_by_title(app))["86 - Eighty Six"]
    before = await app.episodes(eighty_six)
    folder = library / "86 - Eighty Six (2021)"
    parked = tmp_path / "parked"
    folder.rename(parked)
    report = await app.scan([library])
    assert report.series_without_folder == (eighty_six,)
    assert report.files_removed == 0
    gone = await app.get_series(eighty_six)
    assert gone.folder_missing_at is not None
    assert gone.to_dict()["folder_missing"] is True
    assert await app.episodes(eighty_six) == before
    with pytest.raises(StateConflict, match="is missing"):
        await app.missing_episodes(eighty_six)
    parked.rename(folder)
    await app.scan([library])
    assert (await app.get_series(eighty_six)).folder_missing_at is None


async def test_a_renamed_folder_keeps_its_series(app: SeriesApp, library: Path) -> None:
    """Renaming a series folder moves its series with it: the same id, the same files, no
    second series, and nothing marked missing."""
    await app.scan([library])
    at_rest(library)
    bebop = (await series_by_title(app))["Cowboy Bebop"]
    paths = await episode_paths(app, bebop)
    (library / BEBOP).rename(library / "Cowboy Bebop [1998] BD 1080p")
    report = await app.scan([library])
    assert report.series_moved == (bebop,)
    assert (report.series_added, report.series_without_folder) == ((), ())
    moved = await app.get_series(bebop)
    assert (moved.folder, moved.folder_missing_at) == ("Cowboy Bebop [1998] BD 1080p", None)
    assert len(await app.list_series()) == 2
    assert await episode_paths(app, bebop) == paths
    again = await app.scan([library])
    assert (again.series_moved, again.series_added, again.folders_listed) == ((), (), 0)


async def test_a_folder_moved_to_another_root_keeps_its_series(app: SeriesApp, library: Path,
                                                               tmp_path: Path) -> None:
    """A series folder moved to another library root, scanned together, keeps its series."""
    other = tmp_path / "other"
    other.mkdir()
    await app.scan([library, other])
    eighty_six = (await series_by_title(app))["86 - Eighty Six"]
    shutil.move(str(library / "86 - Eighty Six (2021)"), str(other / "86 EIGHTY-SIX"))
    report = await app.scan([library, other])
    assert report.series_moved == (eighty_six,)
    moved = await app.get_series(eighty_six)
    assert (moved.library_root, moved.folder) == (library_root_key(other), "86 EIGHTY-SIX")
    assert len(await app.list_series()) == 2


async def test_a_removed_series_comes_back_on_rescan(app: SeriesApp, library: Path) -> None:
    """A series removed from the library while its folder stays is found again by a scan."""
    await app.scan([library])
    at_rest(library)
    await app.scan([library])
    await app.remove_series((await series_by_title(app))["Cowboy Bebop"])
    report = await app.scan([library])
    assert len(report.series_added) == 1
    bebop = (await series_by_title(app))["Cowboy Bebop"]
    assert len(await episode_paths(app, bebop)) == 4


async def test_scan_uses_the_configured_library(tmp_path: Path, database_url: str,
                                                library: Path) -> None:
    """Without roots, the scan reads ``settings.library``."""
    settings = Settings(data_dir=tmp_path / "data", database_url=database_url,
                        library=(library,), load_entry_points=False)
    async with SeriesApp.open(settings, loader=False) as app:
        report = await app.scan()
    assert report.roots == (Path(library_root_key(library)),)
    assert report.series_folders == 2


async def test_no_library_configured_is_invalid_input(app: SeriesApp) -> None:
    """A scan with no roots at all says how to configure one."""
    with pytest.raises(InvalidInput, match="library"):
        await app.scan()


@pytest.mark.parametrize("make", ["missing", "file"])
async def test_a_root_that_is_not_a_folder_is_a_clear_error(app: SeriesApp, tmp_path: Path,
                                                            library: Path, make: str) -> None:
    """A root that does not exist or is a file raises LibraryError naming it, and nothing of
    the other roots is written."""
    bad = tmp_path / "nope"
    if make == "file":
        bad.write_text("x")
    with pytest.raises(LibraryError, match=f"The library folder {bad} "):
        await app.scan([library, bad])
    assert await app.list_series() == []


SCAN_ONE_ROOT = """
import sys
from pathlib import Path
import anyio
from aniworld_core import LibraryError, SeriesApp, Settings

async def main() -> None:
    async with SeriesApp.open(Settings(data_dir=Path(sys.argv[1]))) as app:
        try:
            await app.scan([Path(sys.argv[2])])
        except LibraryError as error:
            print(error)

anyio.run(main)
"""


def test_an_unreadable_root_is_a_clear_error(tmp_path: Path) -> None:
    """A root the process may not list raises LibraryError with the reason (as root, in a
    user namespace, where root has no power over its own files)."""
    root = tmp_path / "locked"
    root.mkdir()
    command = [sys.executable, "-c", SCAN_ONE_ROOT, str(tmp_path / "data"), str(root)]
    if os.geteuid() == 0:
        if shutil.which("unshare") is None or subprocess.run(
            ["unshare", "--user", "true"], capture_output=True, check=False
        ).returncode != 0:
            pytest.skip("root reads every folder and user namespaces are not available")
        command = ["unshare", "--user", *command]
    root.chmod(0)
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    finally:
        root.chmod(0o755)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == (f"The library folder {root} cannot be read: "
                                   "Permission denied.")


async def test_symlink_loops_are_walked_once(app: SeriesApp, tmp_path: Path) -> None:
    """A folder linking back to its series folder does not make the scan loop or count files
    twice."""
    root = tmp_path / "library"
    make_tree(root, {"Trigun (1998)/Season 01/Trigun - 01.mkv": "1"})
    (root / "Trigun (1998)" / "Season 01" / "again").symlink_to(root / "Trigun (1998)",
                                                                target_is_directory=True)
    report = await app.scan([root])
    assert (report.files_found, report.folders_listed) == (1, 2)


async def test_each_saved_batch_is_handed_to_the_loader_while_the_scan_goes_on(
    tmp_path: Path, database_url: str
) -> None:
    """A large library starts loading before its scan ends: after each saved batch that queued
    series (the first one small), the loader is told (here the call leaves a mark in the event
    stream)."""
    root = tmp_path / "library"
    count = FIRST_BATCH + BATCH + 5
    make_tree(root, {f"Series {n:03d}/Series {n:03d} - 01.mkv": "1" for n in range(count)})
    events = EventHub(max_buffer=4 * count)  # every event kept, none coalesced
    database = await Database.open(database_url)
    try:
        library = Library(LibraryStore(database), events,
                          on_queued=lambda: events.publish(LoaderIdle(completed=0, failed=0)))
        async with events.subscribe(snapshot=False) as stream:
            await library.scan([root])
            received = [await stream.__anext__() for _ in range(stream.pending())]
        async with events.subscribe(snapshot=False) as stream:
            await library.scan([root])  # nothing changed: nothing queued
            assert not any(isinstance(e, LoaderIdle)
                           for e in [await stream.__anext__() for _ in range(stream.pending())])
    finally:
        await database.close()
    marks = [n for n, event in enumerate(received) if isinstance(event, LoaderIdle)]
    added_before = [sum(isinstance(e, SeriesAdded) for e in received[:n]) for n in marks]
    assert added_before == [FIRST_BATCH, FIRST_BATCH + BATCH, count]
    finished = next(n for n, e in enumerate(received) if isinstance(e, ScanProgress) and e.finished)
    assert marks[0] < finished
