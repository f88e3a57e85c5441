"""The watcher's rules without the watcher: what a reported change touches, when a written
file counts (on a clock the test moves), which file systems are network shares, and the
``[watch]`` settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from aniworld_core import ConfigError, Settings
from aniworld_core.library.mounts import filesystem_type, network_share
from aniworld_core.library.watch_changes import (
    ADDED,
    DELETED,
    MODIFIED,
    FileTouched,
    FolderTouched,
    Pending,
    RootTouched,
    look_at,
    touched,
)

SHOW = "Cowboy Bebop (1998)"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    folder = tmp_path / "library"
    (folder / SHOW / "Season 01").mkdir(parents=True)
    (folder / SHOW / "Season 01" / "Cowboy Bebop - 01.mkv").write_bytes(b"12345")
    return folder


def test_a_written_video_file_waits_to_settle(root: Path) -> None:
    """A video file written in a series folder is a file to count once settled, with its size
    and modification time as they were."""
    path = root / SHOW / "Season 01" / "Cowboy Bebop - 01.mkv"
    touch = touched(ADDED, str(path), [root])
    assert touch == FileTouched(root, SHOW, "Season 01/Cowboy Bebop - 01.mkv", look_at(path))
    assert touch.look is not None
    assert touch.look[0] == 5


def test_a_deleted_video_file_or_folder_touches_its_series_folder_at_once(root: Path) -> None:
    """A video file or a season folder removed (or renamed away) means its series folder is
    to be scanned now; a series folder itself added or removed waits a moment (a rename's two
    halves come together)."""
    series = root / SHOW
    assert touched(DELETED, str(series / "Cowboy Bebop - 02.mkv"), [root]) == \
        FolderTouched(root, SHOW)
    assert touched(DELETED, str(series / "Season 02"), [root]) == FolderTouched(root, SHOW)
    assert touched(ADDED, str(series / "Season 01"), [root]) == FolderTouched(root, SHOW)
    assert touched(DELETED, str(series), [root]) == FolderTouched(root, SHOW, delayed=True)
    assert touched(ADDED, str(series), [root]) == FolderTouched(root, SHOW, delayed=True)


@pytest.mark.parametrize("relative", [
    f"{SHOW}/tvshow.nfo", f"{SHOW}/poster.jpg", f"{SHOW}/Season 01/Cowboy Bebop - 01.en.srt",
    f"{SHOW}/.hidden.mkv", f"{SHOW}/Extras/Making of.mkv", f"{SHOW}/sample.mkv",
    f"{SHOW}/tvshow.nfo.x1y2.aniworld-tmp", f"{SHOW}/Cowboy Bebop - 03.mkv.part",
    ".Trash-1000/Cowboy Bebop - 01.mkv", "stray file at the root.mkv",
])
def test_what_no_scan_counts_touches_nothing(root: Path, relative: str) -> None:
    """NFOs, artwork, subtitles, temp files, partial downloads, hidden and extras folders and
    files beside the series folders touch nothing: aniworld's own writes cost no scan."""
    for change in (ADDED, MODIFIED):
        assert touched(change, str(root / relative), [root]) is None


def test_the_root_itself_and_paths_elsewhere(root: Path, tmp_path: Path) -> None:
    """A change of the root itself asks for a look at it; a path under no root is nothing."""
    assert touched(DELETED, str(root), [root]) == RootTouched(root)
    assert touched(ADDED, str(tmp_path / "elsewhere" / "x.mkv"), [root]) is None


def test_a_file_counts_once_two_looks_agree() -> None:
    """The settle rule: a written file is due for a second look ``settle`` seconds later; a
    look that finds it changed waits another interval; one that finds it the same makes its
    folder due (listed again), and until then scans of that folder leave it out."""
    root = Path("/library")
    pending = Pending(settle=2.0)
    pending.add(FileTouched(root, SHOW, "Season 01/a.mkv", (100, 1)), now=10.0)
    pending.add(FolderTouched(root, SHOW), now=10.0)
    (request,) = pending.take_due(now=10.0)
    assert request.skip == frozenset({"Season 01/a.mkv"})
    assert pending.files_to_look_at(now=11.9) == []
    key = (root, SHOW, "Season 01/a.mkv")
    assert pending.files_to_look_at(now=12.0) == [key]
    pending.looked([(key, (200, 2))], now=12.0)  # still growing
    assert pending.take_due(now=12.0) == []
    assert pending.next_due() == 14.0
    pending.looked([(key, (200, 2))], now=14.0)  # the same two seconds later: settled
    (request,) = pending.take_due(now=14.0)
    assert (request.name, request.relist, request.skip) == (SHOW, frozenset({"Season 01"}),
                                                            frozenset())
    assert pending.next_due() is None


def test_each_change_reported_starts_the_interval_again() -> None:
    """A file reported changed again waits a full interval from that report."""
    root = Path("/library")
    pending = Pending(settle=1.0)
    pending.add(FileTouched(root, SHOW, "a.mkv", (1, 1)), now=0.0)
    pending.add(FileTouched(root, SHOW, "a.mkv", (1, 1)), now=0.8)
    assert pending.files_to_look_at(now=1.0) == []
    assert pending.next_due() == pytest.approx(1.8)


def test_a_file_gone_before_it_settled_makes_its_folder_due() -> None:
    """A file that is gone at its second look is not waited for: its folder is scanned."""
    root = Path("/library")
    pending = Pending(settle=1.0)
    pending.add(FileTouched(root, SHOW, "a.mkv", (1, 1)), now=0.0)
    pending.looked([((root, SHOW, "a.mkv"), None)], now=1.0)
    (request,) = pending.take_due(now=1.0)
    assert (request.name, request.skip) == (SHOW, frozenset())


def test_a_series_folder_added_or_removed_is_due_after_the_interval() -> None:
    """Both halves of a series folder's rename are due together, after ``settle``."""
    root = Path("/library")
    pending = Pending(settle=1.0)
    pending.add(FolderTouched(root, "Old", delayed=True), now=0.0)
    pending.add(FolderTouched(root, "New", delayed=True), now=0.01)
    assert pending.take_due(now=0.5) == []
    assert sorted(r.name for r in pending.take_due(now=1.01)) == ["New", "Old"]


MOUNTS = """\
sysfs /sys sysfs rw,nosuid 0 0
/dev/sda1 / ext4 rw,relatime 0 0
nas:/export/anime /mnt/anime nfs4 rw,relatime 0 0
//nas/share /mnt/smb\\040share cifs rw 0 0
/dev/sdb1 /mnt/anime/local ext4 rw 0 0
"""


def test_network_shares_are_told_by_their_file_system() -> None:
    """The deepest mount point holding a path gives its file system; NFS and SMB shares are
    network shares, a local disk mounted inside one is not."""
    assert filesystem_type(Path("/home/me/anime"), MOUNTS) == "ext4"
    assert network_share(Path("/mnt/anime/Cowboy Bebop"), MOUNTS) == "nfs4"
    assert network_share(Path("/mnt/smb share/x"), MOUNTS) == "cifs"
    assert network_share(Path("/mnt/anime/local/x"), MOUNTS) is None
    assert network_share(Path("/home/me"), "") is None


def test_watch_settings_from_file_and_environment(tmp_path: Path) -> None:
    """``[watch]`` in the TOML file and ``ANIWORLD_WATCH_*`` set the watcher; defaults: on,
    one second to settle, a look at paused roots every 30 s."""
    assert (Settings(data_dir=tmp_path).watch.enabled, Settings(data_dir=tmp_path).watch.settle,
            Settings(data_dir=tmp_path).watch.recheck) == (True, 1.0, 30.0)
    config = tmp_path / "aniworld.toml"
    config.write_text("[watch]\nenabled = false\nsettle = 2.5\n", encoding="utf-8")
    settings = Settings.load(config, env={"ANIWORLD_WATCH_RECHECK": "60"})
    assert (settings.watch.enabled, settings.watch.settle, settings.watch.recheck) == \
        (False, 2.5, 60.0)
    settings = Settings.load(env={"ANIWORLD_DATA_DIR": str(tmp_path),
                                  "ANIWORLD_WATCH_ENABLED": "off"})
    assert settings.watch.enabled is False


@pytest.mark.parametrize(("toml", "expected"), [
    ("[watch]\nenabled = 'maybe'\n", "true or false"),
    ("[watch]\nsettle = 0\n", "from 0.01 to 3600"),
    ("[watch]\nrecheck = 'often'\n", "expected a number of seconds"),
    ("[watch]\nsettel = 1\n", "unknown setting 'watch.settel'"),
])
def test_bad_watch_settings_name_the_key(tmp_path: Path, toml: str, expected: str) -> None:
    """A bad ``[watch]`` value is refused with the key, the file and what was expected."""
    config = tmp_path / "aniworld.toml"
    config.write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError, match=r"watch\.") as caught:
        Settings.load(config, env={})
    assert expected in str(caught.value)
    assert str(config) in str(caught.value)
