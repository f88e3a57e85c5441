"""Putting a finished download at its name in the series folder, never over another file.

The ``.part`` file waits in a staging folder on the library's file system, so the last step is
a link or a rename: a file at its final name is always complete. Where the staging folder is
on another file system, the file is copied beside its target under a hidden temporary name,
synced, and then linked into place.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import shutil
from pathlib import Path

from aniworld_core.errors import DownloadError

_FULL = (errno.ENOSPC, errno.EDQUOT)


def place_file(source: Path, target: Path) -> None:
    """Move ``source`` to ``target`` (creating its folder), or raise :class:`DownloadError`
    and leave ``target`` absent: a file at ``target`` already (``permanent``: a person must
    decide), no room, no permission."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except PermissionError:
        raise DownloadError(f"permission denied: cannot create {target.parent}",
                            permanent=True) from None
    except OSError as error:
        raise _error(error, target.parent) from None
    try:
        _link_or_copy(source, target)
    except FileExistsError:
        raise DownloadError(f"{target.name} already exists in {target.parent}: nothing was "
                            "replaced.", permanent=True) from None
    except PermissionError:
        raise DownloadError(f"permission denied: cannot write in {target.parent}",
                            permanent=True) from None
    except OSError as error:
        raise _error(error, target.parent) from None
    with contextlib.suppress(FileNotFoundError):
        os.unlink(source)
    _fsync_dir(target.parent)


def _link_or_copy(source: Path, target: Path) -> None:
    try:
        os.link(source, target)  # fails when ``target`` exists: never replaces a file
        return
    except OSError as error:
        if error.errno not in (errno.EXDEV, errno.EPERM, errno.ENOTSUP, errno.EMLINK):
            raise
    # Another file system, or one without hard links: copy under a hidden name, then link.
    temp = target.with_name(f".{secrets.token_hex(6)}.aniworld-tmp")
    try:
        with source.open("rb") as reading, temp.open("xb") as writing:
            shutil.copyfileobj(reading, writing, 1 << 20)
            writing.flush()
            os.fsync(writing.fileno())
        try:
            os.link(temp, target)
        except OSError as error:
            if error.errno in (errno.EEXIST,):
                raise
            if target.exists():
                raise FileExistsError(errno.EEXIST, "exists", str(target)) from None
            os.replace(temp, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)


def _error(error: OSError, folder: Path) -> DownloadError:
    if error.errno in _FULL:
        return DownloadError(f"disk full: {free_megabytes(folder)} MB free on {folder}")
    return DownloadError(f"cannot write in {folder}: {error.strerror or error}",
                         permanent=True)


def free_megabytes(folder: Path) -> int:
    """Free space where ``folder`` is (its nearest existing parent), in MB."""
    probe = folder
    while not probe.exists() and probe.parent != probe:
        probe = probe.parent
    try:
        return shutil.disk_usage(probe).free // 1_000_000
    except OSError:
        return 0


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)
