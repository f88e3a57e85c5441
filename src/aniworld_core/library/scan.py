"""The library scan: series folders under each root become series; their video files become
present episodes; what vanished is noticed. Incremental: an unchanged folder costs one stat.

Filesystem work runs in worker threads, a batch of series folders at a time; each batch is then
written in one transaction, and a :class:`ScanProgress` event says how far the scan is. A scan
that is cancelled or fails keeps the batches already written.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread
import attrs

from aniworld_core.errors import LibraryError
from aniworld_core.events import EventHub, ScanProgress, SeriesAdded, SeriesLoadingUpdate
from aniworld_core.library.moves import Signature, best_match, signature_of
from aniworld_core.library.paths import library_root_key
from aniworld_core.library.scanner import SeriesScan, list_series_folders, scan_series
from aniworld_core.models import Episode
from aniworld_core.storage.library_store import KnownSeries, LibraryStore
from aniworld_core.validation import check_library_roots

BATCH = 200  # series folders per worker-thread call and per transaction
#: Files not recognised as episodes that a report names (it counts them all).
NAMED_FILES = 200
#: The first batch of a scan is smaller, so the loader has its first series at once.
FIRST_BATCH = 50


@attrs.frozen
class ScanReport:
    """What a scan found and changed."""

    roots: tuple[Path, ...]
    #: Series folders under the roots.
    series_folders: int
    series_added: tuple[str, ...]
    #: Completed series whose video files changed; they load again (episode NFOs).
    series_requeued: tuple[str, ...]
    #: Series whose folder is gone from its root (and moved nowhere this scan found): marked
    #: "folder missing", their missing episodes unknown until it is back.
    series_without_folder: tuple[str, ...]
    #: Folders listed and parsed because they are new or changed, and those skipped unchanged.
    folders_listed: int
    folders_unchanged: int
    #: Video files in the listed folders, and how many of them name no episode.
    files_found: int
    files_unrecognised: int
    files_added: int
    files_removed: int
    #: Folders that could not be read (their earlier state is kept).
    errors: tuple[str, ...]
    seconds: float
    #: Series whose folder was renamed or moved: the series followed it.
    series_moved: tuple[str, ...] = ()
    #: The folders (under their root) of ``series_without_folder``, by name.
    folders_gone: tuple[str, ...] = ()
    #: ``folder/path`` of the first :data:`NAMED_FILES` of ``files_unrecognised``.
    unrecognised: tuple[str, ...] = ()
    #: ``folder/path`` of episode NFOs aniworld wrote that went with their video.
    nfos_removed: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape (``aniworld scan --json``, scripts)."""
        return {
            "roots": [str(root) for root in self.roots],
            "series_folders": self.series_folders,
            "series_added": list(self.series_added),
            "series_requeued": list(self.series_requeued),
            "series_without_folder": list(self.series_without_folder),
            "series_moved": list(self.series_moved),
            "folders_gone": list(self.folders_gone),
            "folders_listed": self.folders_listed,
            "folders_unchanged": self.folders_unchanged,
            "files_found": self.files_found,
            "files_unrecognised": self.files_unrecognised,
            "unrecognised": list(self.unrecognised),
            "nfos_removed": list(self.nfos_removed),
            "files_added": self.files_added,
            "files_removed": self.files_removed,
            "errors": list(self.errors),
            "seconds": round(self.seconds, 3),
        }


@attrs.define
class _Totals:
    added: list[str] = attrs.field(factory=list)
    requeued: list[str] = attrs.field(factory=list)
    vanished: list[str] = attrs.field(factory=list)
    moved: list[str] = attrs.field(factory=list)
    #: Series whose folders vanished, not yet found under another name.
    unclaimed: dict[str, Signature] = attrs.field(factory=dict)
    folders_listed: int = 0
    folders_unchanged: int = 0
    files_found: int = 0
    files_unrecognised: int = 0
    files_added: int = 0
    files_removed: int = 0
    errors: list[str] = attrs.field(factory=list)
    unrecognised: list[str] = attrs.field(factory=list)
    nfos_removed: list[str] = attrs.field(factory=list)

    def count(self, scans: Sequence[SeriesScan]) -> None:
        for scan in scans:
            self.folders_listed += len(scan.listed)
            self.folders_unchanged += scan.unchanged
            self.files_found += len(scan.files)
            unrecognised = sorted(f.path for f in scan.files if f.parsed.episode is None)
            self.files_unrecognised += len(unrecognised)
            room = NAMED_FILES - len(self.unrecognised)
            self.unrecognised.extend(f"{scan.name}/{path}" for path in unrecognised[:room])
            self.nfos_removed.extend(f"{scan.name}/{path}" for path in scan.nfos_removed)
            self.errors.extend([*scan.errors, *scan.nfo_errors])


class Library:
    """The library side of ``SeriesApp``: scans (one at a time) and missing episodes."""

    def __init__(self, store: LibraryStore, events: EventHub, *,
                 on_queued: Callable[[], None] = lambda: None) -> None:
        self.store = store
        self._events = events
        #: Called after each saved batch that queued series, so loading begins while a large
        #: library is still being scanned.
        self._on_queued = on_queued
        self._lock = anyio.Lock()

    async def scan(self, roots: Sequence[Path]) -> ScanReport:
        """Scan ``roots``; a root that is missing or unreadable is a :class:`LibraryError`
        before anything is written."""
        async with self._lock:
            started = time.monotonic()
            checked = await anyio.to_thread.run_sync(_check_roots, list(roots))
            plans = [(root, names, await self.store.root_state(str(root)))
                     for root, names in checked]
            present = [set(names) for _, names, _ in plans]
            totals = _Totals()
            gone_folders = {series.series_id: name
                            for (_, _, known), here in zip(plans, present, strict=True)
                            for name, series in known.items() if name not in here}
            gone = list(gone_folders)
            totals.unclaimed = await self.store.signatures(gone) if gone else {}
            back = [series.series_id for (_, _, known), here in zip(plans, present, strict=True)
                    for name, series in known.items() if series.missing and name in here]
            if back:
                await self.store.clear_folders_missing(back)
            total = sum(len(names) for _, names, _ in plans)
            self._events.publish(ScanProgress(0, total, 0))
            # Walking a batch and writing it take turns: both are mostly Python, and run side by
            # side in two threads they only fight over the GIL (measured: a fifth slower).
            done = 0
            for root, names, known in plans:
                for batch in _batches(names, first=FIRST_BATCH if done == 0 else BATCH):
                    scans = await anyio.to_thread.run_sync(_scan_batch, root, batch, known)
                    await self._apply(root, scans, totals)
                    done += len(batch)
                    self._events.publish(ScanProgress(done, total, totals.files_found))
            await self._mark_vanished(totals)
            self._events.publish(ScanProgress(done, total, totals.files_found, finished=True))
            return ScanReport(
                roots=tuple(root for root, _ in checked),
                series_folders=total,
                series_added=tuple(totals.added),
                series_requeued=tuple(totals.requeued),
                series_without_folder=tuple(totals.vanished),
                folders_listed=totals.folders_listed,
                folders_unchanged=totals.folders_unchanged,
                files_found=totals.files_found,
                files_unrecognised=totals.files_unrecognised,
                files_added=totals.files_added,
                files_removed=totals.files_removed,
                errors=tuple(totals.errors),
                seconds=time.monotonic() - started,
                series_moved=tuple(totals.moved),
                folders_gone=tuple(sorted(gone_folders[sid] for sid in totals.vanished)),
                unrecognised=tuple(totals.unrecognised),
                nfos_removed=tuple(totals.nfos_removed),
            )

    async def missing_episodes(self, series_id: str) -> list[Episode]:
        """Regular episodes the provider lists, aired before today (UTC), with no file."""
        today = dt.datetime.now(dt.UTC).date()
        return await self.store.missing_episodes(series_id, today=today)

    async def _apply(self, root: Path, scans: Sequence[SeriesScan], totals: _Totals) -> None:
        totals.count(scans)
        for scan in scans:
            if scan.series_id is None and totals.unclaimed:
                _follow_move(scan, totals)
        if not any(scan.changed or scan.series_id is None for scan in scans):
            await self.store.record_folder_errors(scans)
            return
        applied = await self.store.apply_scans(str(root), scans)
        totals.files_added += applied.files_added
        totals.files_removed += applied.files_removed
        for series in applied.added:
            totals.added.append(series.id)
            self._events.publish(SeriesAdded(series.id, series.title, series.loading_status))
            self._events.publish(SeriesLoadingUpdate.of(series))
        for series in applied.requeued:
            totals.requeued.append(series.id)
            self._events.publish(SeriesLoadingUpdate.of(series))
        if applied.added or applied.requeued:
            self._on_queued()

    async def _mark_vanished(self, totals: _Totals) -> None:
        """Folders gone and found under no other name: their series are "folder missing"."""
        gone = list(totals.unclaimed)
        totals.vanished.extend(gone)
        if gone:
            await self.store.mark_folders_missing(gone)


def _follow_move(scan: SeriesScan, totals: _Totals) -> None:
    """A new folder that is a vanished series' folder renamed or moved takes that series."""
    found = signature_of(((f.path, f.size) for f in scan.files), scan.folder.ids)
    series_id = best_match(found, totals.unclaimed)
    if series_id is not None:
        del totals.unclaimed[series_id]
        scan.series_id, scan.moved = series_id, True
        totals.moved.append(series_id)


def _batches(names: Sequence[str], *, first: int) -> Iterator[Sequence[str]]:
    """``names`` in :data:`BATCH`-sized slices, the first one ``first`` long."""
    start = 0
    size = first
    while start < len(names):
        yield names[start:start + size]
        start += size
        size = BATCH


def _check_roots(roots: list[Path]) -> list[tuple[Path, list[str]]]:
    """Each distinct root, resolved (its string is ``Series.library_root``), with the names
    of its series folders; what :func:`check_library_roots` refuses is refused first."""
    check_library_roots(roots)
    checked: dict[Path, list[str]] = {}
    for given in roots:
        root = Path(library_root_key(given))
        if root in checked:
            continue
        try:
            checked[root] = list_series_folders(root)
        except OSError as error:
            raise LibraryError(
                f"The library folder {given} cannot be read: {error.strerror or error}."
            ) from None
    return list(checked.items())


def _scan_batch(root: Path, names: Sequence[str],
                known: dict[str, KnownSeries]) -> list[SeriesScan]:
    scans = []
    for name in names:
        series = known.get(name)
        if series is None:
            scans.append(scan_series(root, name, None, {}))
        else:
            scans.append(scan_series(root, name, series.series_id, series.folders))
    return scans
