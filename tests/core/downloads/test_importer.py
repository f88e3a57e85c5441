"""Importing a downloads folder on the real file system and a real database: move, hardlink
and copy; never overwriting; pending files and their reasons; manual imports."""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from aniworld_core.downloads.importer import STILL_WRITING
from aniworld_core.errors import (
    InvalidInput,
    PathNotAllowed,
    SeriesNotFound,
    StateConflict,
)
from aniworld_core.storage import Database
from tests.core.downloads.import_setup import (
    BEBOP,
    BEBOP_TARGET,
    Setup,
    add_show,
    finished,
    make_setup,
)

pytestmark = pytest.mark.anyio

@pytest.fixture
async def setup(database: Database, tmp_path: Path) -> Setup:
    return await make_setup(database, tmp_path)


@pytest.fixture
def other_file_system() -> Iterator[Path]:
    """A folder on another file system than the tests' temp folder (tmpfs), if there is one."""
    shm = Path("/dev/shm")
    if not shm.is_dir() or os.stat(shm).st_dev == os.stat(tempfile.gettempdir()).st_dev:
        pytest.skip("no second file system to test with")
    folder = Path(tempfile.mkdtemp(dir=shm))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


async def test_move_imports_matching_files_and_lists_the_rest(setup: Setup) -> None:
    """Matched files are moved under the naming template and reported to ``placed``; the
    others are pending with their reasons, and stay."""
    source = finished(setup.downloads / BEBOP)
    titan = finished(setup.downloads / "Attack.on.Titan.S02E05.1080p.WEB.H264-GRP"
                     / "abc123.mkv", b"titan")
    unknown = finished(setup.downloads / "[Group] Naruto - 100 [480p].mkv")
    finished(setup.downloads / "[Group] Naruto - 100 [480p].srt")
    report = await setup.importer().import_folder(setup.downloads)
    assert {(item.series_id, item.target) for item in report.imported} == {
        (setup.bebop, BEBOP_TARGET),
        (setup.titan, "Season 02/Attack on Titan - S02E05 - Episode 5.mkv")}
    assert sorted(setup.placed) == sorted((i.series_id, i.target) for i in report.imported)
    assert (setup.bebop_folder() / BEBOP_TARGET).read_bytes() == b"video data"
    assert not source.exists()
    assert not titan.exists()
    assert [(p.path, p.reason) for p in report.pending] == [
        (str(unknown), "no show in the library is called 'Naruto'")]
    pending = await setup.importer().pending()
    assert [(p.path, p.guessed_title, p.guessed_episode) for p in pending] == [
        (str(unknown), "Naruto", 100)]


async def test_a_second_look_imports_nothing_again(setup: Setup) -> None:
    """Looking twice at a folder imports each file once."""
    finished(setup.downloads / BEBOP)
    importer = setup.importer()
    await importer.import_folder(setup.downloads)
    again = await importer.import_folder(setup.downloads)
    assert again.imported == ()
    assert len(setup.placed) == 1


async def test_hardlink_keeps_the_download_and_imports_it_once(setup: Setup) -> None:
    """A hard link shares the inode with the download, which stays for seeding; it is not
    imported again while unchanged, and looked at again once it changed."""
    source = finished(setup.downloads / BEBOP)
    importer = setup.importer("hardlink")
    await importer.import_folder(setup.downloads)
    target = setup.bebop_folder() / BEBOP_TARGET
    assert os.stat(target).st_ino == os.stat(source).st_ino
    assert (await importer.import_folder(setup.downloads)).imported == ()
    assert len(setup.placed) == 1
    source.unlink()
    finished(source, b"a new version")  # same name, a different file
    report = await importer.import_folder(setup.downloads)
    assert report.imported == ()
    assert len(report.pending) == 1
    assert "already exists" in report.pending[0].reason
    assert target.read_bytes() == b"video data"


async def test_copy_leaves_the_download_and_no_temp_files(setup: Setup) -> None:
    """A copy is a second, complete file; no temp file is left beside it."""
    source = finished(setup.downloads / BEBOP, os.urandom(3 * 1024 * 1024))
    await setup.importer("copy").import_folder(setup.downloads)
    target = setup.bebop_folder() / BEBOP_TARGET
    assert target.read_bytes() == source.read_bytes()
    assert os.stat(target).st_ino != os.stat(source).st_ino
    assert sorted(p.name for p in target.parent.iterdir()) == [target.name]


async def test_a_file_still_being_written_waits(setup: Setup) -> None:
    """A file modified within ``settle`` seconds, or with a ``.part`` beside it, is reported
    as still being written and neither imported nor stored."""
    fresh = finished(setup.downloads / BEBOP, age=0)
    partial = finished(setup.downloads / "Cowboy.Bebop.S01E06.1080p.mkv")
    finished(setup.downloads / "Cowboy.Bebop.S01E06.1080p.mkv.part")
    report = await setup.importer(settle=30.0).import_folder(setup.downloads)
    assert report.imported == ()
    assert sorted((p.path, p.reason) for p in report.pending) == sorted(
        [(str(fresh), STILL_WRITING), (str(partial), STILL_WRITING)])
    assert await setup.importer().pending() == []


async def test_an_existing_file_is_never_overwritten(setup: Setup) -> None:
    """A file at the target name stays as it is; the download is pending, saying so."""
    target = finished(setup.bebop_folder() / BEBOP_TARGET, b"mine")
    source = finished(setup.downloads / BEBOP)
    report = await setup.importer().import_folder(setup.downloads)
    assert report.imported == ()
    assert report.pending[0].reason == f"{target.name} already exists in {target.parent}"
    assert target.read_bytes() == b"mine"
    assert source.read_bytes() == b"video data"
    assert setup.placed == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes in a read-only folder")
async def test_permission_denied_names_the_folder(setup: Setup) -> None:
    """A series folder that may not be written: pending, naming it, nothing left behind."""
    folder = setup.bebop_folder()
    (folder / "Season 01").mkdir()
    source = finished(setup.downloads / BEBOP)
    (folder / "Season 01").chmod(0o555)
    try:
        report = await setup.importer("copy").import_folder(setup.downloads)
    finally:
        (folder / "Season 01").chmod(0o755)
    assert report.pending[0].reason == f"permission denied in {folder / 'Season 01'}"
    assert list((folder / "Season 01").iterdir()) == []
    assert source.exists()


async def test_permission_denied_while_copying_leaves_nothing(
        setup: Setup, monkeypatch: pytest.MonkeyPatch) -> None:
    """Permission denied in the middle of a copy (injected: the tests may run as root):
    pending with the folder named, no temp file left."""
    source = finished(setup.downloads / BEBOP)
    real_link = os.link

    def refuse(src: str, dst: str, *args: object, **kwargs: object) -> None:
        if "Cowboy Bebop" in str(dst):
            raise PermissionError(errno.EACCES, "Permission denied", str(dst))
        real_link(src, dst)

    monkeypatch.setattr(os, "link", refuse)
    report = await setup.importer("copy").import_folder(setup.downloads)
    season = setup.bebop_folder() / "Season 01"
    assert report.pending[0].reason == f"permission denied in {season}"
    assert list(setup.bebop_folder().rglob("*")) == []  # no temp file, no new folder
    assert source.exists()


async def test_a_pending_file_that_is_gone_leaves_the_list(setup: Setup) -> None:
    """A person deleted a pending file: it is no longer pending."""
    unknown = finished(setup.downloads / "[Group] Naruto - 100 [480p].mkv")
    importer = setup.importer()
    await importer.import_folder(setup.downloads)
    assert len(await importer.pending()) == 1
    unknown.unlink()
    assert await importer.pending() == []


async def test_a_pending_file_is_imported_once_its_show_is_added(setup: Setup) -> None:
    """Pending files are looked at again: the show added later, the file is imported."""
    finished(setup.downloads / "[Group] Mushishi - 03 [720p].mkv")
    importer = setup.importer()
    assert len((await importer.import_folder(setup.downloads)).pending) == 1
    mushishi = await add_show(setup.database, setup.library, "Mushishi", 2005, [26])
    report = await importer.import_folder(setup.downloads)
    assert [(i.series_id, i.target) for i in report.imported] == [
        (mushishi, "Season 01/Mushishi - S01E03 - Episode 3.mkv")]
    assert await importer.pending() == []


async def test_manual_import(setup: Setup) -> None:
    """A pending file imported by hand goes where the template says and leaves the list."""
    source = finished(setup.downloads / "weird name.mkv")
    importer = setup.importer()
    await importer.import_folder(setup.downloads)
    assert len(await importer.pending()) == 1
    imported = await importer.import_file(source, setup.titan, 2, [3, 4])
    assert imported.target == "Season 02/Attack on Titan - S02E03-E04 - Episode 3 + Episode 4.mkv"
    assert (setup.library / "Attack on Titan (2013)" / imported.target).exists()
    assert await importer.pending() == []
    assert setup.placed == [(setup.titan, imported.target)]


async def test_manual_import_refuses_bad_input(setup: Setup, tmp_path: Path) -> None:
    """Outside the downloads folder, no video, an unknown show or episode: refused, nothing
    moved."""
    source = finished(setup.downloads / "weird name.mkv")
    outside = finished(tmp_path / "elsewhere.mkv")
    text = finished(setup.downloads / "notes.txt")
    importer = setup.importer()
    with pytest.raises(PathNotAllowed):
        await importer.import_file(outside, setup.bebop, 1, [5])
    with pytest.raises(PathNotAllowed):
        await importer.import_file(setup.downloads / ".." / "elsewhere.mkv", setup.bebop, 1,
                                   [5])
    with pytest.raises(InvalidInput, match="not a video file"):
        await importer.import_file(text, setup.bebop, 1, [5])
    with pytest.raises(SeriesNotFound):
        await importer.import_file(source, "00000000-0000-4000-8000-000000000000", 1, [5])
    with pytest.raises(InvalidInput, match="no episode 27 in season 1") as raised:
        await importer.import_file(source, setup.bebop, 1, [27])
    assert raised.value.field == "episodes"
    finished(setup.bebop_folder() / "Season 01/Cowboy Bebop - S01E05 - Episode 5.mkv")
    with pytest.raises(StateConflict, match="already exists"):
        await importer.import_file(source, setup.bebop, 1, [5])
    assert source.exists()
    assert setup.placed == []


async def test_hardlink_across_file_systems_is_an_error(
        setup: Setup, other_file_system: Path) -> None:
    """Hard links cannot cross file systems: the file is pending with that said."""
    source = finished(other_file_system / BEBOP)
    report = await setup.importer("hardlink", downloads=other_file_system).import_folder(
        other_file_system)
    assert report.imported == ()
    assert report.pending[0].reason.startswith(
        "hardlink needs the downloads folder and the library on one file system")
    assert source.exists()
    assert list(setup.bebop_folder().iterdir()) == []  # the season folder went again


async def test_move_across_file_systems_copies_then_removes(
        setup: Setup, other_file_system: Path) -> None:
    """A move to another file system is a complete copy, then the download removed."""
    source = finished(other_file_system / BEBOP, os.urandom(1024 * 1024))
    data = source.read_bytes()
    report = await setup.importer("move", downloads=other_file_system).import_folder(
        other_file_system)
    assert len(report.imported) == 1
    assert (setup.bebop_folder() / BEBOP_TARGET).read_bytes() == data
    assert not source.exists()
    assert sorted(p.name for p in (setup.bebop_folder() / "Season 01").iterdir()) == [
        Path(BEBOP_TARGET).name]


async def test_a_move_that_cannot_remove_the_download_is_undone(
        setup: Setup, monkeypatch: pytest.MonkeyPatch) -> None:
    """The download may not be removed (injected permission error): the library gets no
    second copy, the download stays, and the file is pending with the folder named."""
    source = finished(setup.downloads / BEBOP)
    real_unlink = Path.unlink

    def refuse(path: Path, missing_ok: bool = False) -> None:
        if path == source:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        real_unlink(path, missing_ok=missing_ok)

    monkeypatch.setattr(Path, "unlink", refuse)
    report = await setup.importer("move").import_folder(setup.downloads)
    assert report.pending[0].reason == f"permission denied in {setup.downloads}"
    assert source.read_bytes() == b"video data"
    assert list(setup.bebop_folder().rglob("*")) == []
    assert setup.placed == []
