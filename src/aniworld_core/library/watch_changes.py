"""What a change the file watcher reports means for the library, and when a changed video file
counts (the settle rule).

:func:`touched` turns one reported path into what it touches: a series folder (to scan again), a
video file in one (to count once it settles), or a library root itself (to check it is still
there). NFOs, artwork, subtitles, temp files, hidden and extras folders touch nothing: aniworld's
own NFO and artwork writes cost no scan.

:class:`Pending` keeps what waits. The settle rule: a new or changed video file counts once two
looks ``settle`` seconds apart, with no change reported in between, find the same size and
modification time. Until then it is left out of the scans of its folder (a copy in progress is
not counted half-written); a deleted file or folder counts at once. A series folder added or
removed waits ``settle`` seconds too, so both halves of a rename are scanned together (and the
series follows its folder) and a folder the loader is creating is registered by the loader, not
twice.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Sequence
from pathlib import Path

import attrs

from aniworld_core.library.atomic import TEMP_SUFFIX
from aniworld_core.library.folders import VIDEO_EXTENSIONS, is_skipped_folder, video_stem
from aniworld_core.library.scan import FolderRequest

#: Changes as watchfiles numbers them.
ADDED, MODIFIED, DELETED = 1, 2, 3
#: Files beside the videos that no scan counts: metadata, artwork, subtitles, downloads in
#: progress, NAS housekeeping.
SIDECARS = frozenset({
    "nfo", "jpg", "jpeg", "png", "webp", "gif", "bmp", "tbn", "srt", "ass", "ssa", "sub", "idx",
    "sup", "vtt", "txt", "xml", "json", "nzb", "torrent", "sfv", "md5", "url", "ini", "db",
    "log", "part", "!qb", "crdownload", "tmp",
})


@attrs.frozen
class FolderTouched:
    """Something in the series folder ``name`` changed: scan it (after ``settle`` seconds when
    ``delayed``); ``folder`` (relative) is to be listed again even if it looks unchanged."""

    root: Path
    name: str
    delayed: bool = False
    folder: str | None = None


@attrs.frozen
class FileTouched:
    """The video file ``path`` (relative to its series folder) was written; as it looked."""

    root: Path
    name: str
    path: str
    look: tuple[int, int] | None


@attrs.frozen
class RootTouched:
    """A library root itself changed (removed, moved away): check that it is there."""

    root: Path


Touch = FolderTouched | FileTouched | RootTouched


def look_at(path: Path) -> tuple[int, int] | None:
    """Size and modification time of the file ``path``, or ``None`` if it is gone."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return (info.st_size, info.st_mtime_ns) if stat.S_ISREG(info.st_mode) else None


def touched(change: int, path: str, roots: Sequence[Path]) -> Touch | None:
    """What the reported ``change`` of ``path`` touches under ``roots`` (resolved library
    roots), if anything. Looks at the disk (is it a folder? its size): not on the event loop."""
    where = Path(path)
    for root in roots:
        if where == root or root.is_relative_to(where):
            return RootTouched(root)
        if where.is_relative_to(root):
            return _inside(change, root, where.relative_to(root).parts)
    return None


def _inside(change: int, root: Path, parts: tuple[str, ...]) -> Touch | None:
    name, leaf = parts[0], parts[-1]
    if (any(is_skipped_folder(part) for part in parts[:-1]) or leaf.startswith(".")
            or leaf.endswith(TEMP_SUFFIX)):
        return None
    if len(parts) == 1:  # a series folder itself (or a stray file beside them)
        if change == DELETED or (change == ADDED and os.path.isdir(root / name)):
            return None if is_skipped_folder(name) else FolderTouched(root, name, delayed=True)
        return None
    inner = "/".join(parts[1:])
    extension = leaf.rpartition(".")[2].lower() if "." in leaf else ""
    if extension in VIDEO_EXTENSIONS and video_stem(leaf) is not None:
        if change == DELETED:
            return FolderTouched(root, name)
        return FileTouched(root, name, inner, look_at(root / name / inner))
    if extension in SIDECARS or is_skipped_folder(leaf):
        return None
    # Perhaps a folder: one removed or renamed (we cannot look any more), or one added.
    if change == DELETED or (change == ADDED and os.path.isdir(root / name / inner)):
        return FolderTouched(root, name)
    return None


@attrs.define
class _Waiting:
    look: tuple[int, int] | None
    check_at: float


class Pending:
    """What the watcher has seen and not scanned yet. ``now`` is a monotonic clock's time."""

    def __init__(self, settle: float) -> None:
        self.settle = settle
        #: Series folders to scan, and when.
        self._folders: dict[tuple[Path, str], float] = {}
        #: Per series folder, folders in it to list again.
        self._relist: dict[tuple[Path, str], set[str]] = {}
        #: Video files waiting to settle.
        self._files: dict[tuple[Path, str, str], _Waiting] = {}
        #: Library roots to check.
        self.roots: set[Path] = set()

    def add(self, touch: Touch, now: float) -> None:
        if isinstance(touch, RootTouched):
            self.roots.add(touch.root)
        elif isinstance(touch, FolderTouched):
            self._folder(touch.root, touch.name, now + self.settle if touch.delayed else now,
                         touch.folder)
        elif touch.look is None:  # written and gone already
            self._files.pop((touch.root, touch.name, touch.path), None)
            self._folder(touch.root, touch.name, now, None)
        else:
            # Any change reported starts the interval again.
            self._files[(touch.root, touch.name, touch.path)] = _Waiting(touch.look,
                                                                         now + self.settle)

    def next_due(self) -> float | None:
        """When something is next due (``None``: nothing waits)."""
        times = [*self._folders.values(), *(file.check_at for file in self._files.values())]
        return min(times) if times else None

    def files_to_look_at(self, now: float) -> list[tuple[Path, str, str]]:
        """Waiting files whose interval has passed: look at them again."""
        return [key for key, file in self._files.items() if file.check_at <= now]

    def looked(self, looks: Iterable[tuple[tuple[Path, str, str], tuple[int, int] | None]],
               now: float) -> None:
        """What the second looks found: a file that kept its size and time counts (its
        folder is due, listed again), a changed one waits another interval."""
        for key, look in looks:
            file = self._files.get(key)
            if file is None:
                continue
            if look is not None and look != file.look:
                file.look, file.check_at = look, now + self.settle
                continue
            del self._files[key]
            root, name, path = key
            self._folder(root, name, now, path.rpartition("/")[0])

    def take_due(self, now: float) -> list[FolderRequest]:
        """The series folders due now, each with its files still settling left out."""
        due = [key for key, at in self._folders.items() if at <= now]
        requests = []
        for key in due:
            del self._folders[key]
            root, name = key
            skip = frozenset(path for (r, n, path) in self._files if (r, n) == key)
            requests.append(FolderRequest(root, name, frozenset(self._relist.pop(key, ())),
                                          skip))
        return requests

    def retry(self, requests: Iterable[FolderRequest], at: float) -> None:
        """Scan these again at ``at`` (their scan failed)."""
        for request in requests:
            for folder in request.relist or ("",):
                self._folder(request.root, request.name, at, folder)

    def forget(self, root: Path) -> None:
        """Drop everything under ``root`` (no longer watched)."""
        self._folders = {key: at for key, at in self._folders.items() if key[0] != root}
        self._relist = {key: value for key, value in self._relist.items() if key[0] != root}
        self._files = {key: value for key, value in self._files.items() if key[0] != root}
        self.roots.discard(root)

    def _folder(self, root: Path, name: str, at: float, folder: str | None) -> None:
        key = (root, name)
        self._folders[key] = min(at, self._folders.get(key, at))
        if folder is not None:
            self._relist.setdefault(key, set()).add(folder)
