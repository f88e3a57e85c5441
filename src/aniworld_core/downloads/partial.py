"""The ``.part`` file of a download on disk: its sidecar, how it is opened, and the writer that
puts chunks into it in a worker thread while the next ones arrive."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

import anyio
import anyio.to_thread
import attrs
from anyio import CancelScope
from anyio.streams.memory import MemoryObjectReceiveStream


def sidecar_path(part: Path) -> Path:
    """Where the resume information of ``part`` lives (``<part>.json``)."""
    return part.with_name(part.name + ".json")


def remove_partial(part: Path) -> None:
    """Remove ``part`` and its sidecar; missing files and errors are ignored."""
    for path in (part, sidecar_path(part)):
        with contextlib.suppress(OSError):
            path.unlink(missing_ok=True)


def disk_free(folder: Path) -> int:
    """Bytes free for this user on the file system of ``folder``."""
    return shutil.disk_usage(folder).free


def open_at(part: Path, offset: int) -> BinaryIO:
    """``part`` opened for writing at ``offset``: created or emptied at 0, else cut there."""
    if offset == 0:
        return open(part, "wb", buffering=0)
    file = open(part, "r+b", buffering=0)  # noqa: SIM115 - closed by the caller
    try:
        file.truncate(offset)
        file.seek(offset)
    except BaseException:
        file.close()
        raise
    return file


@attrs.frozen
class Sidecar:
    """What a later attempt needs to go on: the URL, the validators, the size, and what the
    server said the file is."""

    url: str
    etag: str | None = None
    last_modified: str | None = None
    total: int | None = None
    content_type: str | None = None
    extension: str | None = None

    @property
    def validator(self) -> str | None:
        """For ``If-Range``: the ETag, else Last-Modified."""
        return self.etag or self.last_modified

    @classmethod
    def load(cls, path: Path) -> Sidecar | None:
        """The sidecar at ``path``, or None if missing or unreadable."""
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            total = raw.get("total")
            return cls(str(raw["url"]), raw.get("etag"), raw.get("last_modified"),
                       int(total) if total is not None else None, raw.get("content_type"),
                       raw.get("extension"))
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None

    def save(self, path: Path) -> None:
        """Written under another name and renamed, so a reader finds the old or the new."""
        temporary = path.with_name(path.name + ".tmp")
        temporary.write_text(json.dumps(attrs.asdict(self)), encoding="utf-8")
        os.replace(temporary, path)


@attrs.define
class PartWriter:
    """Writes the buffers it receives to ``file`` (and into ``hasher``) in a worker thread,
    then reports ``on_progress(done, total)``.

    ``done`` is always the size of the part on disk; ``writing`` is true while a write is
    under way. An error (from the disk or the progress
    callback) is kept in ``error`` and cancels ``scope``; buffers still queued are dropped, so
    a cancelled download leaves a part that ends where its last write ended.
    """

    file: BinaryIO
    done: int
    hasher: Any
    on_progress: Callable[[int, int | None], None]
    total: int | None
    error: Exception | None = None
    writing: bool = False

    async def run(self, buffers: MemoryObjectReceiveStream[bytearray],
                  scope: CancelScope) -> None:
        async with buffers:
            async for buffer in buffers:
                try:
                    self.writing = True
                    await anyio.to_thread.run_sync(write_all, self.file, buffer, self.hasher)
                    self.writing = False
                    self.done += len(buffer)
                    self.on_progress(self.done, self.total)
                except Exception as error:
                    self.error = error
                    scope.cancel()
                    return


def write_all(file: BinaryIO, buffer: bytearray, hasher: Any) -> None:
    view = memoryview(buffer)
    while view:
        view = view[file.write(view):]
    if hasher is not None:
        hasher.update(buffer)


def finish(file: BinaryIO, *, sync: bool) -> None:
    """Flush ``file`` and, with ``sync``, have it on disk before it is renamed into place."""
    file.flush()
    if sync:
        with contextlib.suppress(OSError, AttributeError, ValueError):  # no descriptor: a fake
            os.fsync(file.fileno())


def hash_into(hasher: Any, part: Path, upto: int) -> None:
    """Feed the first ``upto`` bytes of ``part`` to ``hasher``."""
    left = upto
    with open(part, "rb") as file:
        while left > 0:
            block = file.read(min(left, 1 << 20))
            if not block:
                break
            hasher.update(block)
            left -= len(block)
