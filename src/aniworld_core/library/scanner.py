"""Walking one series folder on disk: list what changed, parse its video files, skip the rest.

Synchronous; the scan runs it in worker threads. A folder whose modification time is the one
stored at the last scan is not listed again (adding, removing or renaming an entry changes a
folder's mtime; rewriting a file in place does not): it costs one ``stat``. A folder modified
within the last two seconds gets no stored signature, so a change in the same clock tick as the
listing is seen by the next scan; so does a folder holding a file the caller said to skip (a
file still being copied: see ``library/watch.py``). An episode NFO aniworld wrote whose video
is gone from a listed folder is removed (see
:func:`~aniworld_core.library.nfo.remove_stale_episode_nfos`).
"""

from __future__ import annotations

import os
import stat
import time
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import NamedTuple

import attrs

from aniworld_core.library.folders import (
    VIDEO_EXTENSIONS,
    SeriesFolder,
    is_skipped_folder,
    parse_series_folder,
    season_of_folder,
    video_stem,
)
from aniworld_core.library.nfo import FOLDER_NFOS, remove_stale_episode_nfos
from aniworld_core.library.release import ParsedName, ReleaseParser

RACY_NS = 2_000_000_000
MAX_DEPTH = 8


class FoundFile(NamedTuple):
    """A video file in a listed folder; paths are relative to the series folder (POSIX)."""

    folder: str
    path: str
    size: int
    mtime_ns: int
    parsed: ParsedName


@attrs.define
class SeriesScan:
    """What changed in one series folder since the last scan."""

    name: str
    folder: SeriesFolder
    series_id: str | None
    #: Folders listed this time, with the signature to store (``None``: list again next time).
    listed: dict[str, int | None] = attrs.field(factory=dict)
    #: Folders known from the last scan that are gone (their files are gone with them).
    removed: set[str] = attrs.field(factory=set)
    files: list[FoundFile] = attrs.field(factory=list)
    unchanged: int = 0
    errors: list[str] = attrs.field(factory=list)
    #: The folder is a known series' folder renamed or moved (``series_id`` is that series).
    moved: bool = False
    #: NFOs in listed folders with no video of their name beside them, those of them
    #: removed (episode NFOs aniworld wrote whose video is gone), and why any could not be
    #: (the folder itself was read: these are no ``errors``).
    lone_nfos: list[str] = attrs.field(factory=list)
    nfos_removed: list[str] = attrs.field(factory=list)
    nfo_errors: list[str] = attrs.field(factory=list)
    #: Video files left out because they are still settling (a copy in progress): what the
    #: library knew of them stays as it was until they settle.
    kept: set[str] = attrs.field(factory=set)

    @property
    def changed(self) -> bool:
        return bool(self.listed or self.removed)


def list_series_folders(root: Path) -> list[str]:
    """The names of the series folders directly under ``root``, sorted."""
    with os.scandir(root) as entries:
        return sorted(
            entry.name for entry in entries
            if not is_skipped_folder(entry.name) and _is_dir(entry)
        )


def scan_series(root: Path, name: str, series_id: str | None,
                known: Mapping[str, int | None],
                skip: Collection[str] = frozenset()) -> SeriesScan:
    """Walk the series folder ``root/name`` against ``known`` (path → stored mtime_ns),
    leaving out the video files ``skip`` names (paths relative to the series folder)."""
    folder = parse_series_folder(name)
    result = SeriesScan(name=name, folder=folder, series_id=series_id)
    walker = _Walker(root / name, folder.title, known, result, skip)
    walker.walk()
    result.removed = set(known) - walker.visited - walker.kept
    if result.lone_nfos:
        outcome = remove_stale_episode_nfos(root / name, result.lone_nfos)
        result.nfos_removed.extend(outcome.removed)
        result.nfo_errors.extend(outcome.errors)
    return result


class _Walker:
    def __init__(self, base: Path, title: str, known: Mapping[str, int | None],
                 result: SeriesScan, skip: Collection[str] = frozenset()) -> None:
        self.base = base
        self.skip = skip
        self.title = title
        self.known = known
        self.result = result
        self.visited: set[str] = set()
        self.kept: set[str] = set()  # unreadable this time: keep what we knew
        self.seen_dirs: set[tuple[int, int]] = set()
        self.parsers: dict[int | None, ReleaseParser] = {}
        self.children: dict[str, list[str]] = {}
        for path in known:
            if path:
                self.children.setdefault(path.rpartition("/")[0], []).append(path)

    def walk(self) -> None:
        stack: list[tuple[str, int | None]] = [("", None)]
        while stack:
            rel, season = stack.pop()
            absolute = self.base / rel if rel else self.base
            try:
                info = os.stat(absolute)
            except (FileNotFoundError, NotADirectoryError):
                continue
            except OSError as error:
                self._keep(rel, error)
                continue
            if not stat.S_ISDIR(info.st_mode) or (info.st_dev, info.st_ino) in self.seen_dirs:
                continue  # not a folder any more, or a symlink loop / second link to one
            self.seen_dirs.add((info.st_dev, info.st_ino))
            self.visited.add(rel)
            if rel in self.known and self.known[rel] == info.st_mtime_ns:
                self.result.unchanged += 1
                children = self.children.get(rel, ())
                stack.extend((child, _season(child, season)) for child in children)
                continue
            try:
                subfolders, skipped = self._list(rel, absolute, season)
            except OSError as error:
                self._keep(rel, error)
                continue
            fresh = time.time_ns() - info.st_mtime_ns >= RACY_NS and not skipped
            self.result.listed[rel] = info.st_mtime_ns if fresh else None
            if rel.count("/") < MAX_DEPTH:
                stack.extend((child, _season(child, season)) for child in subfolders)

    def _list(self, rel: str, absolute: Path, season: int | None) -> tuple[list[str], bool]:
        """The subfolders of a folder (its videos noted), and whether a video was skipped."""
        subfolders: list[str] = []
        skipped = False
        files: list[FoundFile] = []
        parser = self._parser(season)
        prefix = f"{rel}/" if rel else ""
        videos: set[str] = set()  # every name with a video extension, samples too
        nfos: list[str] = []
        with os.scandir(absolute) as entries:
            for entry in entries:
                name = entry.name
                base, dot, extension = name.rpartition(".")
                if dot and extension.lower() == "nfo":
                    nfos.append(name)
                elif dot and extension.lower() in VIDEO_EXTENSIONS:
                    videos.add(base)
                stem = video_stem(name)
                if stem is None:
                    if not is_skipped_folder(name) and _is_dir(entry):
                        subfolders.append(prefix + name)
                    continue
                if self.skip and prefix + name in self.skip:
                    skipped = True
                    self.result.kept.add(prefix + name)
                    continue
                try:
                    if not entry.is_file():
                        continue
                    found = entry.stat()
                except OSError:
                    continue  # gone between listing and stat
                files.append(FoundFile(rel, prefix + name, found.st_size, found.st_mtime_ns,
                                       parser.parse(stem)))
        self.result.files.extend(files)
        self.result.lone_nfos.extend(prefix + name for name in nfos
                                     if name.rpartition(".")[0] not in videos
                                     and name.lower() not in FOLDER_NFOS)
        return subfolders, skipped

    def _parser(self, season: int | None) -> ReleaseParser:
        parser = self.parsers.get(season)
        if parser is None:
            parser = self.parsers[season] = ReleaseParser(self.title, season)
        return parser

    def _keep(self, rel: str, error: OSError) -> None:
        where = f"{self.base.name}/{rel}" if rel else self.base.name
        self.result.errors.append(f"Cannot read {where}: {error.strerror or error}")
        self.kept.update(p for p in self.known if p == rel or p.startswith(f"{rel}/") or not rel)


def _season(rel: str, parent: int | None) -> int | None:
    season = season_of_folder(rel.rpartition("/")[2])
    return parent if season is None else season


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False
