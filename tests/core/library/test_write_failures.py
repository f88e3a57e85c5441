"""Disk full and permission denied: the failing write names the problem, leaves no partial or
temp file, and the next series is written as if nothing happened.

Both run for real: disk full on a 64 KiB tmpfs, permission denied in a read-only folder. A
user namespace (``unshare``) makes both work as root and as a normal user: in it a normal user
may mount a tmpfs, and root loses the power to write where the permissions say no.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from aniworld_core import LibraryError
from aniworld_core.library.atomic import TEMP_SUFFIX, atomic_write

WRITE_TWO_SERIES = r"""
import json, os, sys
from pathlib import Path
from aniworld_core import ArtworkKind, Episode, LibraryError, ProviderIds, ProviderRef, SeriesInfo
from aniworld_core.library.artwork import save_artwork
from aniworld_core.library.nfo import write_nfos

failing, healthy, fill = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3] == "fill"
if fill:
    failing.mkdir()
    (failing / "Series - 01.mkv").write_bytes(b"")
    fd = os.open(failing.parent / "filler", os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError:
        pass
    finally:
        os.close(fd)
info = SeriesInfo(ProviderRef("anilist", "1"), "Series", plot="x" * 20000)
episodes = [Episode("s", 1, 1, file_path="Series - 01.mkv")]
jpeg = b"\xff\xd8\xff\xe0" + b"\0" * 20000 + b"\xff\xd9"
steps = {
    "nfo": lambda d: write_nfos(d, info, ProviderIds(anilist="1"), episodes,
                                primary_id_type="anilist"),
    "artwork": lambda d: save_artwork(d, ArtworkKind.POSTER, jpeg, "image/jpeg"),
}
result = {}
for name, step in steps.items():
    try:
        step(failing)
        result[name] = None
    except LibraryError as error:
        result[name] = str(error)
    step(healthy)
result["failing"] = sorted(os.listdir(failing))
result["healthy"] = sorted(os.listdir(healthy))
print(json.dumps(result))
"""
WRITTEN = ["Series - 01.mkv", "Series - 01.nfo", "poster.jpg", "tvshow.nfo"]


def unshare_works(*flags: str) -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(["unshare", *flags, "true"], capture_output=True, check=False)
    return probe.returncode == 0


def run(command: list[str]) -> dict[str, object]:
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


@pytest.fixture
def healthy(tmp_path: Path) -> Path:
    """A second series folder on a disk with room and permissions."""
    folder = tmp_path / "library" / "Healthy"
    folder.mkdir(parents=True)
    (folder / "Series - 01.mkv").write_bytes(b"")
    return folder


def test_disk_full(tmp_path: Path, healthy: Path) -> None:
    """On a full disk the NFO and artwork steps fail with "No space left on device while
    writing <file> in <folder>", leave only what was there, and the next series is written."""
    mount_point = tmp_path / "full"
    mount_point.mkdir()
    script = [sys.executable, "-c", WRITE_TWO_SERIES, str(mount_point / "Series"), str(healthy),
              "fill"]
    if unshare_works("--map-root-user", "--mount"):
        result = run(["unshare", "--map-root-user", "--mount", "sh", "-c",
                      'mount -t tmpfs -o size=64k tmpfs "$0" && exec "$@"',
                      str(mount_point), *script])
    elif os.geteuid() == 0 and subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount_point)], check=False
    ).returncode == 0:
        try:
            result = run(script)
        finally:
            subprocess.run(["umount", str(mount_point)], check=True)
    else:
        pytest.skip("cannot mount a small tmpfs here (no user namespaces, not root)")
    folder = mount_point / "Series"
    assert result["nfo"] == f"No space left on device while writing tvshow.nfo in {folder}"
    assert result["artwork"] == f"No space left on device while writing poster.jpg in {folder}"
    assert result["failing"] == ["Series - 01.mkv"]
    assert result["healthy"] == WRITTEN


def test_permission_denied(tmp_path: Path, healthy: Path) -> None:
    """In a folder aniworld may not write, both steps fail with "Permission denied while
    writing <file> in <folder>", leave nothing behind, and the next series is written."""
    failing = tmp_path / "library" / "Locked"
    failing.mkdir()
    (failing / "Series - 01.mkv").write_bytes(b"")
    script = [sys.executable, "-c", WRITE_TWO_SERIES, str(failing), str(healthy), "keep"]
    immutable = False
    failing.chmod(0o555)
    try:
        if unshare_works("--user"):
            result = run(["unshare", "--user", *script])  # unmapped: no power over our files
        elif os.geteuid() != 0:
            result = run(script)
        elif subprocess.run(["chattr", "+i", str(failing)], check=False).returncode == 0:
            immutable = True
            result = run(script)
        else:
            pytest.skip("root here can write anywhere: no user namespaces, no chattr")
    finally:
        if immutable:
            subprocess.run(["chattr", "-i", str(failing)], check=True)
        failing.chmod(0o755)
    assert result["nfo"] == f"Permission denied while writing tvshow.nfo in {failing}"
    assert result["artwork"] == f"Permission denied while writing poster.jpg in {failing}"
    assert result["failing"] == ["Series - 01.mkv"]
    assert result["healthy"] == WRITTEN


def test_failed_rename_keeps_the_target_and_removes_the_temp_file(tmp_path: Path) -> None:
    """When the final rename fails, the error names the file and no temp file stays."""
    target = tmp_path / "poster.jpg"
    target.mkdir()
    (target / "keep").write_bytes(b"x")  # a non-empty folder cannot be replaced by a file
    with pytest.raises(LibraryError, match=r"while writing poster\.jpg in"):
        atomic_write(target, b"data")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["poster.jpg"]
    assert (target / "keep").read_bytes() == b"x"


def test_interrupted_write_removes_its_temp_file(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """An interruption in the middle of a write (here: while the data is flushed to disk)
    leaves the old file as it was and no temp file."""
    target = tmp_path / "tvshow.nfo"
    target.write_bytes(b"old")

    def interrupted(fd: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        atomic_write(target, b"new")
    monkeypatch.undo()
    assert [p.name for p in tmp_path.iterdir()] == ["tvshow.nfo"]
    assert target.read_bytes() == b"old"
    assert not list(tmp_path.glob(f"*{TEMP_SUFFIX}"))


def test_names_of_255_bytes_are_written(tmp_path: Path) -> None:
    """The temp file beside a file with the longest name Linux allows still fits, so a long
    episode name gets its NFO."""
    target = tmp_path / ("é" * 125 + ".nfo")  # 250 + 4 bytes
    atomic_write(target, b"<episodedetails/>")
    assert target.read_bytes() == b"<episodedetails/>"
    assert [p.name for p in tmp_path.iterdir()] == [target.name]
