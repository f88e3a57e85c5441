"""Linking present files to episodes (``episodes.file_path``), and the batched SQL the library
store shares: driver-level ``executemany`` and chunked ``IN`` clauses."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import attrs
from sqlalchemy import Connection, Table, bindparam, delete, insert, select, update

from aniworld_core.errors import SeriesNotFound
from aniworld_core.library.numbering import FileNumbers, file_episodes, link
from aniworld_core.library.seasons import Layout
from aniworld_core.storage.core_tables import EPISODES, FILES, FLAGS, SERIES
from aniworld_core.storage.show_rows import (
    EpisodeRowNumbers,
    renumber,
    stored_entries,
    unplaced_column,
)

_CHUNK = 500  # ids per IN (...) clause
_MARKERS = {"qmark": "?", "format": "%s", "pyformat": "%s"}


def relink(conn: Connection, series_ids: Iterable[str],
           known_files: Mapping[str, list[FileNumbers]] | None = None) -> None:
    """Set ``episodes.file_path`` of these series from their files (docs/numbering.md): on the
    provider's list when there is one (its seasons kept in step with the files first), else on
    rows made from the files' own numbers. ``known_files`` holds the complete file lists of
    some series, which are then not read."""
    known_files = known_files or {}
    for chunk in chunks(sorted(set(series_ids))):
        lock_series(conn, chunk)
        files = {sid: list(known_files.get(sid, ())) for sid in chunk}
        unknown = [sid for sid in chunk if sid not in known_files]
        for row in conn.execute(
            files_query(unknown).where(FILES.c.episode.is_not(None))
        ) if unknown else ():
            files[row[0]].append(file_numbers(row))
        flagged: dict[str, Layout | None] = {}
        stored_unplaced: dict[str, Any] = {}
        for sid, layout, before in conn.execute(
            select(FLAGS.c.series_id, FLAGS.c.layout, FLAGS.c.unplaced)
            .where(FLAGS.c.series_id.in_(chunk), FLAGS.c.provider_episodes)
        ):
            flagged[sid] = Layout(layout) if layout else None
            stored_unplaced[sid] = before
        rows: dict[str, list[EpisodeRowNumbers]] = {sid: [] for sid in chunk}
        for row in conn.execute(
            select(EPISODES.c.series_id, EPISODES.c.id, EPISODES.c.season, EPISODES.c.number,
                   EPISODES.c.absolute_number, EPISODES.c.file_path, EPISODES.c.entry,
                   EPISODES.c.entry_number)
            .where(EPISODES.c.series_id.in_(chunk))
        ):
            rows[row[0]].append(EpisodeRowNumbers(*row[1:]))
        entries = stored_entries(conn, [sid for sid in chunk if sid in flagged])
        changes = _Changes()
        unplaced: list[dict[str, Any]] = []
        for sid in chunk:
            if sid not in flagged:
                changes.link(sid, rows[sid], file_episodes(files[sid]), add=True)
                continue
            layout = flagged[sid]
            if layout is Layout.MOVIE:
                changes.link(sid, rows[sid], _movie_file(conn, sid, rows[sid]), add=False)
                continue
            if layout is not None and entries.get(sid):
                rows[sid] = renumber(conn, entries[sid], layout, files[sid], rows[sid])
            linking = link([row.numbers for row in rows[sid]], files[sid],
                           strict=_strict(layout, files[sid]))
            changes.link(sid, rows[sid], linking.paths, add=False)
            now_unplaced = unplaced_column(linking.unplaced)
            if now_unplaced != stored_unplaced.get(sid):
                unplaced.append({"sid": sid, "unplaced": now_unplaced})
        changes.write(conn)
        if unplaced:
            conn.execute(update(FLAGS).where(FLAGS.c.series_id == bindparam("sid"))
                         .values(unplaced=bindparam("unplaced")), unplaced)


def _strict(layout: Layout | None, files: Sequence[FileNumbers]) -> bool:
    """Whether files land only in the season they name: always in a whole-show folder; in a
    folder of one entry only when its files name several seasons (then it is not one entry,
    and no file of one season may fill another's gap)."""
    if layout in (Layout.SHOW, Layout.SEASONS):
        return True
    named = {f.season for f in files if not f.special and f.season is not None and f.season > 0}
    return layout is Layout.ENTRY and len(named) > 1


def _movie_file(conn: Connection, series_id: str, rows: Sequence[EpisodeRowNumbers]
                ) -> dict[tuple[int, int], str]:
    """A movie folder's movie: its largest video file (release names of movies carry no
    episode number), as the movie's one episode."""
    regular = sorted((row for row in rows if row.season >= 1),
                     key=lambda row: (row.season, row.number))
    candidates = [file_numbers(row) for row in conn.execute(files_query([series_id]))]
    candidates = [file for file in candidates if not file.special]
    if not regular or not candidates:
        return {}
    best = max(candidates, key=lambda f: (f.size, f.version or 1, f.path))
    return {(regular[0].season, regular[0].number): best.path}


@attrs.define
class _Changes:
    updates: list[dict[str, Any]] = attrs.field(factory=list)
    deletes: list[int] = attrs.field(factory=list)
    inserts: list[tuple[str, int, int, str]] = attrs.field(factory=list)

    def link(self, series_id: str, rows: Sequence[EpisodeRowNumbers],
             paths: Mapping[tuple[int, int], str], *, add: bool) -> None:
        seen = set()
        for row in rows:
            seen.add((row.season, row.number))
            wanted = paths.get((row.season, row.number))
            if add and wanted is None:
                self.deletes.append(row.row_id)
            elif wanted != row.file_path:
                self.updates.append({"row_id": row.row_id, "new_path": wanted})
        if add:
            self.inserts.extend(
                (series_id, season, number, path)
                for (season, number), path in paths.items() if (season, number) not in seen
            )

    def write(self, conn: Connection) -> None:
        for chunk in chunks(self.deletes):
            conn.execute(delete(EPISODES).where(EPISODES.c.id.in_(chunk)))
        if self.updates:
            conn.execute(
                update(EPISODES).where(EPISODES.c.id == bindparam("row_id"))
                .values(file_path=bindparam("new_path")),
                self.updates,
            )
        bulk_insert(conn, EPISODES, ("series_id", "season", "number", "file_path"), self.inserts)


def lock_series(conn: Connection, series_ids: Sequence[str], *, require: bool = False) -> None:
    # Serialises scans and episode saves of the same series on PostgreSQL (SQLite has one
    # writer anyway and ignores FOR UPDATE).
    found = conn.execute(
        select(SERIES.c.id).where(SERIES.c.id.in_(series_ids)).order_by(SERIES.c.id)
        .with_for_update()
    ).scalars().all()
    if require and len(found) < len(series_ids):
        missing = sorted(set(series_ids) - set(found))
        raise SeriesNotFound(missing[0])


def files_query(series_ids: Sequence[str]) -> Any:
    return select(FILES.c.series_id, FILES.c.path, FILES.c.season, FILES.c.episode,
                  FILES.c.episode_end, FILES.c.version, FILES.c.special, FILES.c.size
                  ).where(FILES.c.series_id.in_(series_ids))


def file_numbers(row: Sequence[Any]) -> FileNumbers:
    _, path, season, episode, episode_end, version, special, size = row
    return FileNumbers(path=path, season=season, episode=episode, episode_end=episode_end,
                       version=version, special=bool(special), size=size)


def bulk_insert(conn: Connection, table: Table, columns: Sequence[str],
                rows: Sequence[tuple[Any, ...]]) -> None:
    """``executemany`` straight to the driver: for plain values (text, numbers, booleans) it
    is several times faster than Core, which processes every parameter of every row."""
    if not rows:
        return
    marker = _MARKERS.get(conn.dialect.paramstyle)
    if marker is None:  # a driver we did not measure: the portable way
        conn.execute(insert(table), [dict(zip(columns, row, strict=True)) for row in rows])
        return
    preparer = conn.dialect.identifier_preparer
    sql = (f"INSERT INTO {preparer.format_table(table)} "
           f"({', '.join(preparer.quote(c) for c in columns)}) "
           f"VALUES ({', '.join([marker] * len(columns))})")
    conn.exec_driver_sql(sql, list(rows))


def chunks(items: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start:start + _CHUNK]
