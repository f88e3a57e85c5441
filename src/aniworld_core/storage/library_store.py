"""The library's rows: folders and files the scan found and provider episode lists, linked to
each other through ``episodes.file_path`` (see ``library_link``). Writes are batched
(``executemany``) and each call is one transaction in a database thread."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping, Sequence
from typing import Any

import attrs
from sqlalchemy import Connection, bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from aniworld_core.library.moves import Signature, signature_of
from aniworld_core.library.numbering import FileNumbers
from aniworld_core.library.scanner import FoundFile, SeriesScan
from aniworld_core.metadata import EpisodeInfo, ProviderIds, ProviderRef, SeriesInfo
from aniworld_core.models import (
    Episode,
    EpisodeCounts,
    LoadingStatus,
    Priority,
    Season,
    Series,
    UnplacedFile,
)
from aniworld_core.storage import show_reads
from aniworld_core.storage.convert import id_columns, ids_of, to_series
from aniworld_core.storage.core_tables import FILES, FOLDERS, SERIES
from aniworld_core.storage.database import Database
from aniworld_core.storage.episode_lists import EpisodeList, save_episode_lists
from aniworld_core.storage.library_link import (
    bulk_insert,
    chunks,
    file_numbers,
    files_query,
    relink,
)
from aniworld_core.storage.load_queue import queue_loads
from aniworld_core.storage.series import NewSeries, new_series_row
from aniworld_core.storage.show_rows import ShowList
from aniworld_core.storage.tables import SeriesRow
from aniworld_core.storage.types import utcnow
from aniworld_core.storage.work_queue import queue_again

_FILE_COLUMNS = ("series_id", "folder", "path", "size", "mtime_ns", "season", "episode",
                 "episode_end", "version", "special")


@attrs.frozen
class KnownSeries:
    """A series folder under a root as the last scan left it."""

    series_id: str
    folders: Mapping[str, int | None]
    #: A scan found the folder gone (and nowhere it moved to).
    missing: bool = False


@attrs.frozen
class AppliedScan:
    """What writing one batch of scanned series changed."""

    added: tuple[Series, ...] = ()
    requeued: tuple[Series, ...] = ()
    files_added: int = 0
    files_removed: int = 0
    #: Series (not new ones) whose video files changed, or whose folder moved.
    changed: tuple[str, ...] = ()


class LibraryStore:
    """Typed async access to the library tables."""

    def __init__(self, database: Database) -> None:
        self._db = database

    async def root_state(self, root_key: str,
                         names: Sequence[str] | None = None) -> dict[str, KnownSeries]:
        """Series folder name → its series and the folder signatures stored for it: every
        series folder of the root, or those of ``names`` and the series marked "folder
        missing" (a targeted scan: what it needs, whatever the size of the root)."""

        def work(session: Session) -> dict[str, KnownSeries]:
            conn = session.connection()
            ids: dict[str, str] = {}
            missing: set[str] = set()
            under_root = [SERIES.c.library_root == root_key, SERIES.c.folder.is_not(None)]
            if names is not None:
                under_root.append(SERIES.c.folder.in_(list(names))
                                  | SERIES.c.folder_missing_at.is_not(None))
            for folder, sid, gone in conn.execute(
                select(SERIES.c.folder, SERIES.c.id, SERIES.c.folder_missing_at)
                .where(*under_root)
            ):
                ids[folder] = sid
                if gone is not None:
                    missing.add(sid)
            folders: dict[str, dict[str, int | None]] = {sid: {} for sid in ids.values()}
            query = select(FOLDERS.c.series_id, FOLDERS.c.path, FOLDERS.c.mtime_ns)
            if names is None:
                query = query.join(SERIES, SERIES.c.id == FOLDERS.c.series_id).where(
                    SERIES.c.library_root == root_key)
                chunked = [query]
            else:
                chunked = [query.where(FOLDERS.c.series_id.in_(chunk))
                           for chunk in chunks(sorted(folders))]
            for rows in chunked:
                for series_id, path, mtime_ns in conn.execute(rows):
                    folders[series_id][path] = mtime_ns
            return {name: KnownSeries(sid, folders[sid], sid in missing)
                    for name, sid in ids.items()}

        return await self._db.session(work)

    async def has_series(self, root_key: str) -> bool:
        """Whether a scan found any series folder under this root."""

        def work(session: Session) -> bool:
            return session.connection().execute(
                select(SERIES.c.id).where(SERIES.c.library_root == root_key,
                                          SERIES.c.folder.is_not(None)).limit(1)
            ).first() is not None

        return await self._db.session(work)

    async def apply_scans(self, root_key: str, scans: Sequence[SeriesScan]) -> AppliedScan:
        """Register new series folders, store what changed, re-link episodes to files, and
        queue completed series whose files changed. One transaction."""

        def work(session: Session) -> AppliedScan:
            conn = session.connection()
            moved = [scan for scan in scans if scan.moved]
            _move(conn, root_key, moved)
            retried = _retry_moved(session, moved)
            ids, added = _register(session, root_key, scans)
            new_ids = {series.id for series in added}
            counts = _store_folders(conn, ids, [scan for scan in scans if scan.changed], new_ids)
            # A new series' files are all in this batch: no need to read them back.
            complete = {ids[scan.name]: [_found_numbers(found) for found in scan.files]
                        for scan in scans if ids[scan.name] in new_ids}
            relink(conn, counts, complete)
            # Only a different set of video files makes a completed series load again: our own
            # NFO and artwork writes change the folder, not the files.
            requeued = _requeue(session, [sid for sid, (new, gone) in counts.items()
                                          if sid not in new_ids and (new or gone)])
            _record_folder_errors(session, folder_errors(scans, ids))
            changed = [sid for sid, (new, gone) in counts.items()
                       if sid not in new_ids and (new or gone)]
            changed += [ids[scan.name] for scan in scans
                        if scan.moved and ids[scan.name] not in changed]
            return AppliedScan(tuple(added), (*retried, *requeued),
                               sum(new for new, _ in counts.values()),
                               sum(gone for _, gone in counts.values()), tuple(changed))

        return await self._db.session(work)

    async def record_folder_errors(self, scans: Sequence[SeriesScan]) -> None:
        """What a scan that changed nothing found reading these known series' folders (see
        :func:`folder_errors`); nothing is written when none failed."""
        errors = folder_errors(scans, {})
        if any(error is not None for error in errors.values()):
            await self._db.session(functools.partial(_record_folder_errors, errors=errors))

    async def mark_folders_missing(self, series_ids: Sequence[str]) -> list[str]:
        """The folders of these series are gone (and moved nowhere a scan found): mark them
        missing, keeping what was known of their files for when they come back. Returns the
        series newly marked."""

        def work(session: Session) -> list[str]:
            conn = session.connection()
            marked: list[str] = []
            now = utcnow()
            for chunk in chunks(sorted(series_ids)):
                fresh = list(conn.execute(
                    select(SERIES.c.id).where(SERIES.c.id.in_(chunk),
                                              SERIES.c.folder_missing_at.is_(None))
                ).scalars())
                if fresh:
                    conn.execute(update(SERIES).where(SERIES.c.id.in_(fresh))
                                 .values(folder_missing_at=now, updated_at=now))
                marked += fresh
            return marked

        return await self._db.session(work)

    async def clear_folders_missing(self, series_ids: Sequence[str]) -> None:
        """The folders of these series are back."""

        def work(session: Session) -> None:
            now = utcnow()
            for chunk in chunks(sorted(series_ids)):
                session.connection().execute(
                    update(SERIES).where(SERIES.c.id.in_(chunk))
                    .values(folder_missing_at=None, updated_at=now))

        await self._db.session(work)

    async def signatures(self, series_ids: Sequence[str]) -> dict[str, Signature]:
        """What identifies each series' folder content: its files' names and sizes, and the
        series' ids (to recognise the folder renamed or moved)."""

        def work(session: Session) -> dict[str, Signature]:
            conn = session.connection()
            files: dict[str, list[tuple[str, int]]] = {sid: [] for sid in series_ids}
            ids: dict[str, ProviderIds] = {}
            for chunk in chunks(sorted(series_ids)):
                for sid, path, size in conn.execute(
                    select(FILES.c.series_id, FILES.c.path, FILES.c.size)
                    .where(FILES.c.series_id.in_(chunk))
                ):
                    files[sid].append((path, size))
                for row in session.scalars(select(SeriesRow).where(SeriesRow.id.in_(chunk))):
                    ids[row.id] = ids_of(row)
            return {sid: signature_of(files[sid], ids.get(sid, ProviderIds()))
                    for sid in series_ids}

        return await self._db.session(work)

    async def save_provider_episodes(self, series_id: str,
                                     episodes: Sequence[EpisodeInfo]) -> list[Episode]:
        """Make ``episodes`` the series' episode list (insert, update, drop the rest), link
        present files to it, and return the stored list. Saving the same list twice changes
        nothing. Saves made at the same time are written together (one statement of each
        kind for all of them)."""
        return await self._db.write_merged(save_episode_lists,
                                           EpisodeList(series_id, tuple(episodes)))

    async def save_show(self, series_id: str, show: ShowList) -> list[Episode]:
        """Make ``show`` (a chain of entries with their own episode lists) the series' seasons
        and episode list, numbered as the folder's files number them (docs/numbering.md), link
        present files, and return the stored list. Saves made at the same time are written
        together."""
        return await self._db.write_merged(save_episode_lists,
                                           EpisodeList(series_id, show=show))

    async def missing_episodes(self, series_id: str, *, today: dt.date,
                               include_specials: bool = False) -> list[Episode]:
        """Provider episodes with no file that aired before ``today`` (or have no air date);
        :class:`StateConflict` while that is not known (list not loaded, folder missing)."""
        return await self._db.session(functools.partial(
            show_reads.missing_episodes, series_id=series_id, today=today,
            include_specials=include_specials))

    async def seasons(self, series_id: str, *, today: dt.date) -> list[Season]:
        """The show's seasons with their entries and counts."""
        return await self._db.session(functools.partial(show_reads.seasons,
                                                        series_id=series_id, today=today))

    async def unplaced_files(self, series_id: str) -> list[UnplacedFile]:
        """Files that name no episode, with the reason."""
        return await self._db.session(functools.partial(show_reads.unplaced_files,
                                                        series_id=series_id))

    async def chain_note(self, series_id: str) -> str | None:
        """Why the chain of seasons stopped early, if it did."""
        return await self._db.session(functools.partial(show_reads.chain_note,
                                                        series_id=series_id))

    async def episode_counts(self, series_ids: Sequence[str] | None, *,
                             today: dt.date) -> dict[str, EpisodeCounts]:
        """"47/50 episodes" per loaded series (of ``series_ids``, or all)."""
        return await self._db.session(functools.partial(show_reads.episode_counts,
                                                        series_ids=series_ids, today=today))

    async def outline(self, series_id: str) -> show_reads.ShowOutline:
        """How the folder holds the show, and the entry that begins each season."""
        return await self._db.session(functools.partial(show_reads.outline,
                                                        series_id=series_id))

    async def entry_infos(self, series_id: str) -> dict[ProviderRef, SeriesInfo]:
        """The metadata of each entry of the show, by ref."""
        return await self._db.session(functools.partial(show_reads.entry_titles,
                                                        series_id=series_id))

    async def files(self, series_id: str) -> list[FileNumbers]:
        """The video files stored for a series, by path."""

        def work(session: Session) -> list[FileNumbers]:
            rows = session.connection().execute(
                files_query([series_id]).order_by(FILES.c.path)
            )
            return [file_numbers(row) for row in rows]

        return await self._db.session(work)


def _register(session: Session, root_key: str,
              scans: Sequence[SeriesScan]) -> tuple[dict[str, str], list[Series]]:
    """Series id per scanned folder name, inserting a queued series for each new folder."""
    ids = {scan.name: scan.series_id for scan in scans if scan.series_id is not None}
    new = [scan for scan in scans if scan.series_id is None]
    if new:
        # Another writer (the loader creating a folder) may have registered it meanwhile.
        ids.update(session.connection().execute(
            select(SERIES.c.folder, SERIES.c.id).where(
                SERIES.c.library_root == root_key,
                SERIES.c.folder.in_([scan.name for scan in new]),
            )
        ).all())
    rows = [
        new_series_row(NewSeries(title=scan.folder.title, year=scan.folder.year,
                                 ids=scan.folder.ids, folder=scan.name, library_root=root_key,
                                 priority=Priority.SCHEDULED))
        for scan in new if scan.name not in ids
    ]
    if rows:
        # Core, not the unit of work: a first scan registers thousands of series.
        columns = [column.key for column in SERIES.columns]
        session.connection().execute(
            insert(SERIES), [{key: getattr(row, key) for key in columns} for row in rows]
        )
        queue_loads(session, [row.id for row in rows], priority=Priority.SCHEDULED, new=True)
    ids.update({row.folder: row.id for row in rows if row.folder is not None})
    return ids, [to_series(row) for row in rows]


def folder_errors(scans: Sequence[SeriesScan], ids: Mapping[str, str]
                  ) -> dict[str, str | None]:
    """Per series scanned, why its folder (or a folder in it) could not be read, or ``None``
    when it was read: a series whose folder failed has its missing episodes unknown, with the
    reason, rather than every episode missing; one read without an error has them known
    again. ``ids`` gives the series of folders new in this batch."""
    errors: dict[str, str | None] = {}
    for scan in scans:
        series_id = scan.series_id or ids.get(scan.name)
        if series_id is not None and (scan.errors or scan.changed):
            errors[series_id] = scan.errors[0] if scan.errors else None
    return errors


def _record_folder_errors(session: Session, errors: Mapping[str, str | None]) -> None:
    """Store ``errors`` (see :func:`folder_errors`): the reason, or none once a folder was
    read."""
    conn = session.connection()
    now = utcnow()
    failed = [{"_id": series_id, "error": error} for series_id, error in errors.items()
              if error is not None]
    if failed:
        conn.execute(update(SERIES).where(SERIES.c.id == bindparam("_id"))
                     .values(folder_error=bindparam("error"), updated_at=now), failed)
    for chunk in chunks(sorted(sid for sid, error in errors.items() if error is None)):
        conn.execute(update(SERIES).where(SERIES.c.id.in_(chunk),
                                          SERIES.c.folder_error.is_not(None))
                     .values(folder_error=None, updated_at=now))


def _move(conn: Connection, root_key: str, moved: Sequence[SeriesScan]) -> None:
    """Series whose folder was renamed or moved follow it: their folder is the new one, and
    what the old one held is replaced by what the new one holds."""
    now = utcnow()
    for scan in moved:
        assert scan.series_id is not None
        conn.execute(update(SERIES).where(SERIES.c.id == scan.series_id).values(
            folder=scan.name, library_root=root_key, folder_missing_at=None, updated_at=now))
        stored = set(conn.execute(
            select(FOLDERS.c.path).where(FOLDERS.c.series_id == scan.series_id)).scalars())
        scan.removed = stored - set(scan.listed)


def _retry_moved(session: Session, moved: Sequence[SeriesScan]) -> list[Series]:
    """A failed series whose folder was renamed or moved is tried again (what it was tried
    with changed). One whose identification found nothing to settle on (``needs_choice``) is
    known only by its folder's name: it takes the new folder's title, year and ids, since
    renaming the folder is how people fix what the name did not say."""
    by_id = {scan.series_id: scan for scan in moved}
    failed = list(session.scalars(
        select(SeriesRow).where(SeriesRow.id.in_(list(by_id)),
                                SeriesRow.loading_status == LoadingStatus.FAILED.value)))
    for row in failed:
        if row.needs_choice:
            folder = by_id[row.id].folder
            row.title, row.year = folder.title, folder.year
            for column, value in id_columns(folder.ids).items():
                if column == "extra_ids":
                    row.extra_ids = {**(row.extra_ids or {}), **value}
                elif value is not None:
                    setattr(row, column, value)
            row.needs_choice = False
    return queue_again(session, failed, priority=Priority.SCHEDULED)


def _store_folders(conn: Connection, ids: Mapping[str, str], changed: Sequence[SeriesScan],
                   new_ids: set[str]) -> dict[str, tuple[int, int]]:
    """Replace the rows of every listed or removed folder; per series, files added and
    removed."""
    counts: dict[str, tuple[int, int]] = {}
    replaced: list[dict[str, Any]] = []
    folder_rows: list[dict[str, Any]] = []
    file_rows: list[tuple[Any, ...]] = []
    for scan in changed:
        sid = ids[scan.name]
        folders = [*scan.removed, *scan.listed]
        old = set() if sid in new_ids else _paths_in(conn, sid, folders)
        new = {found.path for found in scan.files}
        # A file still settling that the library already knew stays as it was (a file written
        # before a scan counted it must not vanish while the watcher waits for it to settle).
        still = sorted((scan.kept & old) - new)
        if still:
            file_rows.extend(_stored_files(conn, sid, still))
            new |= set(still)
        counts[sid] = (len(new - old), len(old - new))
        if sid not in new_ids:
            replaced.extend({"sid": sid, "folder": path} for path in folders)
        folder_rows.extend({"series_id": sid, "path": path, "mtime_ns": mtime}
                           for path, mtime in scan.listed.items())
        file_rows.extend(
            (sid, f.folder, f.path, f.size, f.mtime_ns, f.parsed.season, f.parsed.episode,
             f.parsed.episode_end, f.parsed.version, f.parsed.special)
            for f in scan.files
        )
    if replaced:
        conn.execute(delete(FOLDERS).where(FOLDERS.c.series_id == bindparam("sid"),
                                           FOLDERS.c.path == bindparam("folder")), replaced)
        conn.execute(delete(FILES).where(FILES.c.series_id == bindparam("sid"),
                                         FILES.c.folder == bindparam("folder")), replaced)
    if folder_rows:
        conn.execute(insert(FOLDERS), folder_rows)
    bulk_insert(conn, FILES, _FILE_COLUMNS, file_rows)
    return counts


def _stored_files(conn: Connection, series_id: str, paths: Sequence[str]
                  ) -> list[tuple[Any, ...]]:
    rows: list[tuple[Any, ...]] = []
    columns = [getattr(FILES.c, name) for name in _FILE_COLUMNS]
    for chunk in chunks(paths):
        rows.extend(tuple(row) for row in conn.execute(
            select(*columns).where(FILES.c.series_id == series_id, FILES.c.path.in_(chunk))))
    return rows


def _paths_in(conn: Connection, series_id: str, folders: Sequence[str]) -> set[str]:
    paths: set[str] = set()
    for chunk in chunks(folders):
        paths.update(conn.execute(
            select(FILES.c.path).where(FILES.c.series_id == series_id, FILES.c.folder.in_(chunk))
        ).scalars())
    return paths


def _requeue(session: Session, series_ids: Sequence[str]) -> list[Series]:
    """Completed series whose files changed load again (their episode NFOs are due)."""
    completed = [row for chunk in chunks(series_ids) for row in session.scalars(
        select(SeriesRow).where(SeriesRow.id.in_(chunk),
                                SeriesRow.loading_status == LoadingStatus.COMPLETED.value))]
    for row in completed:
        row.nfo_loaded = False
    return queue_again(session, completed, priority=Priority.SCHEDULED)


def _found_numbers(found: FoundFile) -> FileNumbers:
    parsed = found.parsed
    return FileNumbers(path=found.path, season=parsed.season, episode=parsed.episode,
                       episode_end=parsed.episode_end, version=parsed.version,
                       special=parsed.special, size=found.size)
