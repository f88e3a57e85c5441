"""Atomic file writes: a temp file beside the target, fsync, rename; nothing half-written ever.

A failed write (disk full, permission denied, read-only file system, an exception or a
cancellation in the middle) removes its temp file and leaves the target as it was.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
from pathlib import Path

from aniworld_core.errors import LibraryError
from aniworld_core.library.paths import MAX_NAME_BYTES

TEMP_SUFFIX = ".aniworld-tmp"

_REASONS = {
    errno.ENOSPC: "No space left on device",
    errno.EDQUOT: "Disk quota exceeded",
    errno.EACCES: "Permission denied",
    errno.EPERM: "Permission denied",
    errno.EROFS: "Read-only file system",
}


def write_error(error: OSError, path: Path) -> LibraryError:
    """A :class:`LibraryError` that says what failed, on which file, in which folder."""
    reason = _REASONS.get(error.errno or 0) or error.strerror or str(error)
    return LibraryError(f"{reason} while writing {path.name} in {path.parent}")


def atomic_write(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` atomically, or raise :class:`LibraryError` and change
    nothing. The temp file is hidden (a leading dot) so scanners and media servers skip it."""
    temp = path.with_name(_temp_name(path.name))
    renamed = False
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0),
                     0o644)
        try:
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temp, path)
        renamed = True
        _fsync_dir(path.parent)
    except OSError as error:
        raise write_error(error, path) from None
    finally:
        if not renamed:
            _remove_quietly(temp)


def _temp_name(name: str) -> str:
    """A hidden sibling name that fits in 255 bytes even beside a 255-byte name."""
    tail = f".{secrets.token_hex(4)}{TEMP_SUFFIX}"
    budget = MAX_NAME_BYTES - 1 - len(tail)
    base = name.encode("utf-8")[:budget].decode("utf-8", errors="ignore")
    return f".{base}{tail}"


def _fsync_dir(folder: Path) -> None:
    # Makes the rename itself durable; not possible everywhere (Windows), so best effort.
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)


def _remove_quietly(path: Path) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)
