"""Library roots added at run time: remembered in the database, scanned and rescanned with the
settings' ones, refused when they cannot be one, and where a series' files go."""

from __future__ import annotations

from pathlib import Path

import anyio
import attrs
import pytest

from aniworld_core import (
    InvalidInput,
    JobState,
    JobUpdate,
    SeriesApp,
    Settings,
    StateConflict,
)

pytestmark = pytest.mark.anyio


@pytest.fixture
def shelf(tmp_path: Path) -> Path:
    """A library folder with one series folder in it (its path resolved, as roots are
    stored)."""
    root = tmp_path.resolve() / "shelf"
    (root / "Cowboy Bebop (1998)").mkdir(parents=True)
    (root / "Cowboy Bebop (1998)" / "Cowboy Bebop - 01.mkv").write_bytes(b"1")
    return root


async def test_an_added_root_is_remembered_after_reopening(settings: Settings,
                                                           shelf: Path) -> None:
    """A root added once is a library root of every later ``SeriesApp`` on the database,
    listed after the settings' roots as added at run time."""
    configured = shelf.parent / "configured"
    configured.mkdir()
    settings = attrs.evolve(settings, library=(configured,))
    async with SeriesApp.open(settings, loader=False) as app:
        added = await app.add_library_root(shelf)
        assert (added.path, added.source.value, added.removable) == (shelf, "added", True)
    async with SeriesApp.open(settings, loader=False) as app:
        assert await app.library_roots() == (configured, shelf)
        listed = await app.list_library_roots()
        assert [(root.path, root.source.value, root.available) for root in listed] == [
            (configured, "settings", True), (shelf, "added", True)]
        assert listed[1].added_at == added.added_at


async def test_scan_without_roots_scans_the_added_root(app: SeriesApp, shelf: Path) -> None:
    """``scan()`` with no roots covers a root added at run time."""
    await app.add_library_root(shelf)
    report = await app.scan()
    assert report.roots == (shelf,)
    assert [series.title for series in await app.list_series()] == ["Cowboy Bebop"]


async def test_adding_a_root_twice_or_by_another_name_keeps_one(app: SeriesApp,
                                                                shelf: Path) -> None:
    """The same folder added again, or through a symlink, is answered as the root it is."""
    first = await app.add_library_root(shelf)
    link = shelf.parent / "link"
    link.symlink_to(shelf)
    assert await app.add_library_root(str(link)) == first
    assert await app.add_library_root(shelf) == first
    assert await app.library_roots() == (shelf,)


async def test_a_root_of_the_settings_is_not_added_again(settings: Settings,
                                                         shelf: Path) -> None:
    """A folder the settings name already is answered as the settings' root; nothing is
    stored, so removing it from the settings removes it."""
    async with SeriesApp.open(attrs.evolve(settings, library=(shelf,)), loader=False) as app:
        root = await app.add_library_root(shelf)
        assert (root.path, root.source.value, root.removable) == (shelf, "settings", False)
    async with SeriesApp.open(settings, loader=False) as app:
        assert await app.library_roots() == ()


@pytest.mark.parametrize(("make", "message"), [
    (lambda base: base / "nowhere", "does not exist"),
    (lambda base: base / "file.txt", "is not a folder"),
    (lambda base: Path("relative/shelf"), "absolute path"),
    (lambda base: base / "shelf" / "Cowboy Bebop (1998)", "is inside the library folder"),
    (lambda base: base, "holds the library folder"),
])
async def test_a_folder_that_cannot_be_a_root_is_refused(
        app: SeriesApp, shelf: Path, make: object, message: str) -> None:
    """A missing folder, a file, a relative path, a folder inside a root or one holding a root
    is refused, naming the field, and nothing is remembered."""
    (shelf.parent / "file.txt").touch()
    await app.add_library_root(shelf)
    assert callable(make)
    with pytest.raises(InvalidInput, match=message) as refused:
        await app.add_library_root(make(shelf.parent))
    assert refused.value.field == "path"
    assert await app.library_roots() == (shelf,)


async def test_a_root_is_removed_and_its_series_stay(app: SeriesApp, shelf: Path) -> None:
    """Removing an added root forgets it (later scans leave it alone); its series stay."""
    await app.add_library_root(shelf)
    await app.scan()
    removed = await app.remove_library_root(str(shelf))
    assert removed.path == shelf
    assert await app.library_roots() == ()
    assert [series.title for series in await app.list_series()] == ["Cowboy Bebop"]
    with pytest.raises(InvalidInput, match="No library folder is configured"):
        await app.scan()


async def test_a_root_of_the_settings_cannot_be_removed(settings: Settings,
                                                        shelf: Path) -> None:
    """A root of the settings stays, with a message that says where to change it."""
    async with SeriesApp.open(attrs.evolve(settings, library=(shelf,)), loader=False) as app:
        with pytest.raises(StateConflict, match=r"of the settings .*remove it there"):
            await app.remove_library_root(shelf)
        assert await app.library_roots() == (shelf,)


async def test_removing_a_folder_that_is_no_root_says_which_are(app: SeriesApp,
                                                                shelf: Path) -> None:
    """A folder that is no library root is refused, naming the roots there are."""
    await app.add_library_root(shelf)
    with pytest.raises(InvalidInput, match=f"not a library folder .*{shelf}"):
        await app.remove_library_root(shelf.parent)


async def test_a_root_that_disappeared_is_listed_unavailable(app: SeriesApp,
                                                             tmp_path: Path) -> None:
    """An added root whose folder is gone (an unmounted disk) stays a root, listed as not
    available."""
    gone = tmp_path / "gone"
    gone.mkdir()
    await app.add_library_root(gone)
    gone.rmdir()
    [root] = await app.list_library_roots()
    assert (root.path, root.available) == (gone, False)
    assert root.to_dict()["available"] is False


async def test_the_scheduled_rescan_covers_an_added_root(fake_settings: Settings,
                                                         shelf: Path) -> None:
    """The built-in ``rescan`` schedule, run now, scans the root added at run time."""
    async with SeriesApp.open(fake_settings) as app:
        await app.add_library_root(shelf)
        messages = []
        async with app.events.subscribe(snapshot=False) as events:
            job = await app.jobs.run_schedule("rescan")
            with anyio.fail_after(30):
                async for event in events:
                    if isinstance(event, JobUpdate) and event.job_id == job.id:
                        messages.append(event.progress.message)
                        if event.state.is_final:
                            break
        assert event.state is JobState.COMPLETED, event.error
        assert f"Scanning {shelf}" in messages
        assert "1 series folders, 1 new" in messages
        assert [series.folder for series in await app.list_series()] == [
            "Cowboy Bebop (1998)"]
        with anyio.fail_after(30):
            await app.wait_idle()


async def test_a_scan_job_of_a_folder_that_is_no_root_fails_at_once(
        fake_settings: Settings, shelf: Path) -> None:
    """A ``library.scan`` job naming a folder that is not (or no longer) a library root fails
    without retrying and scans nothing."""
    async with SeriesApp.open(fake_settings) as app:
        async with app.events.subscribe(snapshot=False) as events:
            job = await app.jobs.add("library.scan", {"roots": [str(shelf)]})
            with anyio.fail_after(30):
                async for event in events:
                    if (isinstance(event, JobUpdate) and event.job_id == job.id
                            and event.state.is_final):
                        break
        assert event.state is JobState.FAILED
        assert event.error == f"{shelf} is not a library folder (any more)."
        assert await app.list_series() == []


async def test_rescan_library_queues_one_rescan(settings: Settings, shelf: Path) -> None:
    """``rescan_library`` queues a scan of every root ahead of background work; asked again
    while it waits, it answers the same job; without roots it says how to add one."""
    async with SeriesApp.open(settings, loader=False) as app:
        with pytest.raises(StateConflict, match="aniworld roots add PATH"):
            await app.rescan_library()
        await app.add_library_root(shelf)
        job = await app.rescan_library()
        assert (job.kind, job.payload, job.state, job.priority) == (
            "library.scan", {}, JobState.PENDING, 0)
        assert (await app.rescan_library()).id == job.id
        scheduled = await app.jobs.add("library.scan", {}, key="schedule:library.scan:{}")
        await app.jobs.cancel(job.id)
        assert (await app.rescan_library()).id == scheduled.id


async def test_where_a_series_files_go(settings: Settings, shelf: Path) -> None:
    """Without a library folder a new series' files go nowhere, and it says so; with one,
    they go in a folder its load makes there; a scanned series' own folder is named."""
    async with SeriesApp.open(settings, loader=False) as app:
        series = await app.add_series("Trigun")
        nowhere = await app.series_folder(series)
        assert (nowhere.path, nowhere.root, nowhere.written) == (None, None, "no")
        assert nowhere.note.startswith("No library folder is set: NFO files and artwork will "
                                       "not be written.")
        await app.add_library_root(shelf)
        later = await app.series_folder(series)
        assert (later.path, later.root, later.written) == (None, shelf, "later")
        await app.scan()
        [bebop] = [found for found in await app.list_series() if found.title != "Trigun"]
        own = await app.series_folder(bebop)
        folder = shelf / "Cowboy Bebop (1998)"
        assert (own.path, own.written) == (folder, "yes")
        assert own.to_dict() == {"path": str(folder), "library_folder": str(shelf),
                                 "written": "yes", "note": f"Its NFO files and artwork go in "
                                                           f"{folder}."}


async def test_a_series_added_after_a_root_gets_its_folder_there(fake_settings: Settings,
                                                                  tmp_path: Path) -> None:
    """A root added while the app runs is where the loader makes a new series' folder, with
    its NFO."""
    root = tmp_path / "new-root"
    root.mkdir()
    async with SeriesApp.open(fake_settings) as app:
        await app.add_library_root(root)
        series = await app.add_series("Cowboy Bebop")
        with anyio.fail_after(30):
            await app.wait_idle()
        loaded = await app.get_series(series.id)
        assert loaded.library_root == str(root.resolve())
        assert loaded.folder is not None
        assert (root / loaded.folder / "tvshow.nfo").is_file()
        assert (await app.series_folder(loaded)).written == "yes"
