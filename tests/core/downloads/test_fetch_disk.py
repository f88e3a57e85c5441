"""The fetcher's checks that need no misbehaving server: checksums, free space, a disk that
fills up, permission denied, the bandwidth bucket and removing a partial."""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

import httpx
import pytest

from aniworld_core.downloads.bandwidth import Bandwidth
from aniworld_core.downloads.fetch import FREE_MARGIN, open_at, remove_partial, sidecar_path
from aniworld_testing import FakeFileServer

from .fetching import MIB, damage, digest, failure, fetch, gone, size_of

pytestmark = pytest.mark.anyio



async def test_a_checksum_mismatch_removes_the_partial_and_may_be_tried_again(
        fake_files: FakeFileServer, client: httpx.AsyncClient, part: Path) -> None:
    """The next attempt fetches everything again."""
    file = fake_files.add("ep.mkv", MIB)
    error = await failure(client, file, part, checksum="sha256:" + "0" * 64)
    assert (error.permanent, error.keep_partial) == (False, False)
    assert "checksum" in str(error)
    assert gone(part)


@pytest.mark.parametrize("algorithm", ["sha256", "md5", "sha1", "blake2b"])
async def test_any_hashlib_checksum_is_verified_also_over_resumed_bytes(
        fake_files: FakeFileServer, client: httpx.AsyncClient, part: Path,
        algorithm: str) -> None:
    """The bytes kept from the first attempt are hashed before the rest is added."""
    file = fake_files.add("ep.mkv", 2 * MIB, drop_after=MIB, drop_times=1)
    expected = hashlib.new(algorithm, file.read()).hexdigest()
    await failure(client, file, part)
    result = await fetch(client, file, part, checksum=f"{algorithm.upper()}:{expected}")
    assert result.resumed_from == MIB


async def test_corrupted_kept_bytes_fail_the_checksum_on_resume(
        fake_files: FakeFileServer, client: httpx.AsyncClient, part: Path) -> None:
    """A part damaged between attempts is found out and removed."""
    file = fake_files.add("ep.mkv", 2 * MIB, drop_after=MIB, drop_times=1)
    await failure(client, file, part)
    damage(part)
    error = await failure(client, file, part, checksum=file.checksum())
    assert (error.keep_partial, gone(part)) == (False, True)


@pytest.mark.parametrize("checksum", ["sha256", "nohash:abcd", "sha256:not-hex", "shake_128:ab"])
async def test_a_malformed_checksum_is_refused(
        fake_files: FakeFileServer, client: httpx.AsyncClient, part: Path,
        checksum: str) -> None:
    """The checksum must be <hashlib name>:<hex>."""
    error = await failure(client, fake_files.add("ep.mkv", 10), part, checksum=checksum)
    assert error.permanent


async def test_too_little_free_space_fails_before_streaming(
        fake_files: FakeFileServer, client: httpx.AsyncClient, part: Path) -> None:
    """The remaining size plus a margin must fit; the message says how much is free."""
    file = fake_files.add("ep.mkv", 4 * MIB)
    error = await failure(client, file, part, free_space=lambda folder: 10_000_000)
    needed = -(-(4 * MIB + FREE_MARGIN) // 1_000_000)
    assert str(error) == f"disk full: 10 MB free on {part.parent}, {needed} MB needed"
    assert error.keep_partial
    assert gone(part)


class FillingWriter:
    """A real part file that fails with ``error`` once ``room`` bytes are written."""

    def __init__(self, part: Path, offset: int, room: int, error: int) -> None:
        self.file = open_at(part, offset)
        self.room = room
        self.error = error

    def write(self, data: Any) -> int:
        if self.room <= 0:
            raise OSError(self.error, os.strerror(self.error))
        written = self.file.write(bytes(data[:self.room]))
        assert written is not None
        self.room -= written
        return written

    def flush(self) -> None:
        self.file.flush()

    def close(self) -> None:
        self.file.close()

    def fileno(self) -> int:
        return self.file.fileno()


def full_disk(room: int, error: int = errno.ENOSPC) -> Callable[[Path, int], BinaryIO]:
    def open_part(part: Path, offset: int) -> BinaryIO:
        return FillingWriter(part, offset, room, error)  # type: ignore[return-value]

    return open_part


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A 4 MiB tmpfs, where this test may mount one (root with CAP_SYS_ADMIN); else skip."""
    disk = tmp_path / "tiny"
    disk.mkdir()
    mount = shutil.which("mount")
    if mount is None or os.geteuid() != 0:
        pytest.skip("cannot mount a tmpfs here")
    mounted = subprocess.run([mount, "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(disk)],
                             capture_output=True, check=False)
    if mounted.returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        yield disk
    finally:
        subprocess.run(["umount", str(disk)], check=True)


async def test_a_real_disk_too_small_is_refused_before_streaming(
        fake_files: FakeFileServer, client: httpx.AsyncClient, tiny_disk: Path) -> None:
    """The real free space of a tiny tmpfs, checked against the announced size."""
    part = tiny_disk / "staging" / "1.part"
    error = await failure(client, fake_files.add("ep.mkv", 8 * MIB), part)
    assert str(error).startswith("disk full: 4 MB free on ")
    assert str(error).endswith(", 26 MB needed")  # 8 MiB and the 16 MiB margin, rounded up


async def test_a_real_disk_filling_up_keeps_what_fits(
        fake_files: FakeFileServer, client: httpx.AsyncClient, tiny_disk: Path) -> None:
    """ENOSPC from a real tmpfs mid-write (size unknown, so nothing checked before): the
    part keeps what fitted and a later attempt elsewhere could resume from it."""
    part = tiny_disk / "staging" / "1.part"
    error = await failure(client, fake_files.add("ep.mkv", 8 * MIB, chunked=True), part)
    assert str(error) == f"disk full: 0 MB free on {part.parent}"
    assert error.keep_partial
    assert 3 * MIB < size_of(part) <= 4 * MIB


@pytest.mark.parametrize("error", [errno.ENOSPC, errno.EDQUOT])
async def test_a_disk_filling_up_mid_write_keeps_what_was_written(
        fake_files: FakeFileServer, client: httpx.AsyncClient, part: Path, error: int) -> None:
    """ENOSPC (or EDQUOT) fails the download with the free space; a later attempt resumes."""
    file = fake_files.add("ep.mkv", 3 * MIB)
    failed = await failure(client, file, part, open_part=full_disk(MIB + 1000, error),
                           free_space=lambda folder: 2_500_000_000)
    assert str(failed) == f"disk full: 2500 MB free on {part.parent}"
    assert failed.keep_partial
    assert size_of(part) == MIB + 1000
    result = await fetch(client, file, part)
    assert result.resumed_from == MIB + 1000
    assert digest(part) == file.sha256()


def lock(folder: Path) -> bool:
    """Make ``folder`` read-only; False if that changes nothing here (root, who may write
    anywhere, unless it runs without CAP_DAC_OVERRIDE)."""
    folder.mkdir()
    folder.chmod(0o500)
    if os.geteuid() != 0:
        return True
    try:
        (folder / "probe").mkdir()
    except PermissionError:
        return True
    (folder / "probe").rmdir()
    return False


async def test_a_read_only_staging_folder_is_permission_denied(
        fake_files: FakeFileServer, client: httpx.AsyncClient, tmp_path: Path) -> None:
    """A real folder without write permission refuses the staging folder (where chmod
    binds)."""
    locked = tmp_path / "locked"
    try:
        if not lock(locked):
            pytest.skip("this user may write in a read-only folder")
        error = await failure(client, fake_files.add("ep.mkv", 10), locked / "staging" / "1.part")
    finally:
        locked.chmod(0o700)
    assert str(error) == f"permission denied: cannot write in {locked / 'staging'}"
    assert error.permanent


async def test_a_part_that_cannot_be_opened_is_permission_denied(
        fake_files: FakeFileServer, client: httpx.AsyncClient, part: Path) -> None:
    """The same through an injected opener, so it is tested as root too."""
    def refuse(path: Path, offset: int) -> BinaryIO:
        raise PermissionError(errno.EACCES, "Permission denied", str(path))

    error = await failure(client, fake_files.add("ep.mkv", 10), part, open_part=refuse)
    assert str(error) == f"permission denied: cannot write in {part.parent}"
    assert error.permanent


async def test_every_chunk_is_taken_from_the_shared_bandwidth(
        fake_files: FakeFileServer, client: httpx.AsyncClient, part: Path) -> None:
    """What goes through the bucket adds up to the file."""
    taken: list[int] = []

    class Counting(Bandwidth):
        async def take(self, n: int) -> None:
            taken.append(n)
            await super().take(n)

    file = fake_files.add("ep.mkv", 3 * MIB + 1)
    await fetch(client, file, part, bandwidth=Counting(0), chunk_size=MIB)
    assert sum(taken) == file.size
    assert len(taken) >= 3  # a chunk is at least chunk_size bytes, the last one less


async def test_the_bucket_lets_a_burst_through_then_paces() -> None:
    """A twentieth of a second passes at once; more waits for its share of the rate."""
    now = [100.0]
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    bucket = Bandwidth(1000, clock=lambda: now[0], sleep=sleep)
    await bucket.take(50)
    assert slept == []
    await bucket.take(100)
    assert slept == [pytest.approx(0.1)]
    now[0] += 10  # idle time refills only up to the burst
    await bucket.take(150)
    assert slept[-1] == pytest.approx(0.1)
    unlimited = Bandwidth(0, sleep=sleep)
    await unlimited.take(10**12)
    assert len(slept) == 2


def test_removing_a_partial_is_quiet(tmp_path: Path) -> None:
    """Missing files are no error; both the part and its sidecar go."""
    part = tmp_path / "1.part"
    remove_partial(part)
    part.write_bytes(b"x")
    sidecar_path(part).write_text("{}")
    remove_partial(part)
    assert list(tmp_path.iterdir()) == []
