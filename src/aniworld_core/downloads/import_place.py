"""Putting a finished download into its series folder: moved, hard-linked or copied, never
over an existing file, never half-written. Blocking; run in a worker thread.

- ``move``: a rename when the downloads folder and the library share a file system, else a
  copy (as below) and then the source removed;
- ``hardlink``: a second name for the same file (a torrent client keeps seeding the first);
  across file systems that is an error for the file, said plainly;
- ``copy``: into a hidden temp file beside the target, fsynced, then given its name.

The final name is taken with ``link()``, which fails rather than replace a file; where the
file system has no hard links, a rename after a look (a file appearing in between is the only
window). Errors are :class:`~aniworld_core.errors.DownloadError` with a message naming the
folder; whatever was written is removed.
"""

from __future__ import annotations

import contextlib
import enum
import errno
import os
import secrets
import shutil
from pathlib import Path

from aniworld_core.errors import DownloadError, InvalidInput
from aniworld_core.library.atomic import TEMP_SUFFIX

_COPY_CHUNK = 1024 * 1024
#: ``link()`` errors that mean "this file system has no hard links (for this file)".
_NO_LINKS = frozenset({errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK,
                       errno.ENOSYS, errno.EINVAL})


class ImportMode(enum.StrEnum):
    MOVE = "move"
    HARDLINK = "hardlink"
    COPY = "copy"

    @classmethod
    def parse(cls, value: str, *, field: str = "downloads.import_mode") -> ImportMode:
        try:
            return cls(value)
        except ValueError:
            raise InvalidInput(f"{value!r} is not an import mode (move, hardlink or copy).",
                               field=field) from None


class TargetExists(DownloadError):
    """The target name is taken: nothing was changed."""

    def __init__(self, target: Path) -> None:
        super().__init__(f"{target.name} already exists in {target.parent}", permanent=True)
        self.target = target


def place(source: Path, target: Path, mode: ImportMode) -> None:
    """Give ``source`` the name ``target`` (its folders created) as ``mode`` says; folders
    it created are removed again when it fails."""
    created = [folder for folder in (target.parent, *target.parent.parents)
               if not folder.exists()]
    try:
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise _failed(error, target.parent) from None
        if mode is ImportMode.COPY:
            _copy(source, target)
        elif mode is ImportMode.HARDLINK:
            _hardlink(source, target)
        else:
            _move(source, target)
    except BaseException:
        for folder in created:  # deepest first
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise


def _hardlink(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except FileExistsError:
        raise TargetExists(target) from None
    except OSError as error:
        if error.errno == errno.EXDEV:
            raise DownloadError(
                f"hardlink needs the downloads folder and the library on one file system "
                f"({source.parent} and {target.parent} are not)", permanent=True) from None
        raise _failed(error, target.parent) from None


def _move(source: Path, target: Path) -> None:
    try:
        _take_name(source, target)
    except OSError as error:
        if error.errno != errno.EXDEV:
            raise _failed(error, target.parent) from None
    else:
        with contextlib.suppress(FileNotFoundError):
            if _same_file(source, target):
                _unlink_or_undo(source, target)
        return
    _copy(source, target)
    _unlink_or_undo(source, target)


def _unlink_or_undo(source: Path, target: Path) -> None:
    """Remove ``source`` now that ``target`` has its data; if that fails (the downloads
    folder read-only), remove ``target`` again: a move happens whole or not at all."""
    try:
        _unlink(source)
    except DownloadError:
        with contextlib.suppress(OSError):
            target.unlink()
        raise


def _copy(source: Path, target: Path) -> None:
    temp = target.with_name(_temp_name(target.name))
    named = False
    try:
        with open(source, "rb") as reader, open(temp, "xb") as writer:
            shutil.copyfileobj(reader, writer, _COPY_CHUNK)
            writer.flush()
            os.fsync(writer.fileno())
        _take_name(temp, target)
        named = True
        _unlink(temp)
    except FileExistsError:
        raise TargetExists(target) from None
    except OSError as error:
        where = source.parent if error.filename == str(source) else target.parent
        raise _failed(error, where) from None
    finally:
        if not named:
            with contextlib.suppress(OSError):
                temp.unlink()


def _take_name(source: Path, target: Path) -> None:
    """``source`` also (or only) named ``target``; never replaces ``target``. After a
    successful link both names exist; the caller removes the one it does not want."""
    try:
        os.link(source, target)
        return
    except FileExistsError:
        raise TargetExists(target) from None
    except OSError as error:
        if error.errno not in _NO_LINKS:
            raise
    if os.path.lexists(target):
        raise TargetExists(target)
    os.rename(source, target)


def _same_file(one: Path, other: Path) -> bool:
    return os.path.samefile(one, other)


def _unlink(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass
    except OSError as error:
        raise _failed(error, path.parent) from None


def _temp_name(name: str) -> str:
    tail = f".{secrets.token_hex(4)}{TEMP_SUFFIX}"
    base = name.encode("utf-8")[:255 - 1 - len(tail)].decode("utf-8", errors="ignore")
    return f".{base}{tail}"


def _failed(error: OSError, folder: Path) -> DownloadError:
    code = error.errno or 0
    if code in (errno.EACCES, errno.EPERM):
        return DownloadError(f"permission denied in {folder}", permanent=True)
    if code in (errno.ENOSPC, errno.EDQUOT):
        free = _free_mb(folder)
        return DownloadError(f"disk full: {free} MB free on {folder}" if free is not None
                             else f"disk full on {folder}")
    if code == errno.EROFS:
        return DownloadError(f"{folder} is on a read-only file system", permanent=True)
    return DownloadError(f"{error.strerror or error} in {folder}")


def _free_mb(folder: Path) -> int | None:
    for path in (folder, *folder.parents):
        with contextlib.suppress(OSError):
            return shutil.disk_usage(path).free // (1024 * 1024)
    return None
