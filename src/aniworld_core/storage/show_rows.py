"""The rows of a show built from a chain of provider entries: ``series_entries`` (which entry
backs which season) and the show numbers of ``episodes``, kept in step with the folder's files
(a file numbered past an entry's end can move a split cour into its season, see
:mod:`aniworld_core.library.seasons`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import attrs
from sqlalchemy import Connection, bindparam, delete, insert, select, update

from aniworld_core.library.numbering import EpisodeNumbers, FileNumbers
from aniworld_core.library.seasons import (
    ChainEntry,
    Layout,
    Placement,
    plan_seasons,
    show_number,
)
from aniworld_core.metadata import EpisodeInfo, SeriesInfo
from aniworld_core.storage.convert import entry_key
from aniworld_core.storage.core_tables import ENTRIES, EPISODES, FLAGS, SERIES


@attrs.frozen
class SavedEntry:
    """One entry of a show as the loader found it: its metadata and its own episode list
    (numbered as the entry numbers them, from 1)."""

    info: SeriesInfo
    episodes: tuple[EpisodeInfo, ...] = ()
    #: Its title makes it the next part of the previous entry.
    continues: bool = False

    @property
    def count(self) -> int:
        """Its episode count: the larger of what the provider plans and what it lists."""
        listed = max((episode.number for episode in self.episodes), default=0)
        return max(self.info.episode_count or 0, listed)


@attrs.frozen
class ShowList:
    """A show's entries in chain order, how its folder holds them, and why the chain stopped
    early (if it did)."""

    layout: Layout
    entries: tuple[SavedEntry, ...]
    note: str | None = None

    def chain(self) -> list[ChainEntry]:
        return [ChainEntry(entry.count, entry.continues) for entry in self.entries]


@attrs.frozen
class StoredEntry:
    """A ``series_entries`` row, as relinking needs it."""

    row_id: int
    entry: str
    season: int
    part_offset: int
    episodes: int
    continues: bool

    @property
    def chain_entry(self) -> ChainEntry:
        return ChainEntry(self.episodes, self.continues)

    @property
    def placement(self) -> Placement:
        return Placement(self.season, self.part_offset)


def wanted_episodes(series_id: str, show: ShowList, files: Sequence[FileNumbers]
                    ) -> tuple[dict[tuple[int, int], dict[str, Any]], list[Placement]]:
    """The episode rows of ``show`` keyed by (season, number) in the show's numbering, and
    where each entry sits."""
    chain = show.chain()
    placements = plan_seasons(chain, files, show.layout)
    wanted: dict[tuple[int, int], dict[str, Any]] = {}
    for index, entry in enumerate(show.entries):
        key = entry_key(entry.info.ref)
        for info in entry.episodes:
            if info.number < 1:
                continue
            number = show_number(chain, placements, index, info.number)
            wanted.setdefault((number.season, number.number), {
                "absolute_number": number.absolute, "title": info.title,
                "air_date": info.air_date, "plot": info.plot, "entry": key,
                "entry_number": info.number, "airs_at": info.airs_at,
            })
    return wanted, placements


def write_entries(conn: Connection, series_id: str, show: ShowList,
                  placements: Sequence[Placement]) -> None:
    """Replace the series' ``series_entries`` rows."""
    conn.execute(delete(ENTRIES).where(ENTRIES.c.series_id == series_id))
    rows = [
        {"series_id": series_id, "position": position, "entry": entry_key(entry.info.ref),
         "season": place.season, "part_offset": place.offset, "episodes": entry.count,
         "continues": entry.continues, "info": entry.info.to_dict()}
        for position, (entry, place) in enumerate(zip(show.entries, placements, strict=True))
    ]
    if rows:
        conn.execute(insert(ENTRIES), rows)


def stored_entries(conn: Connection, series_ids: Sequence[str]) -> dict[str, list[StoredEntry]]:
    """The entries of these series, in chain order."""
    found: dict[str, list[StoredEntry]] = {}
    for row in conn.execute(
        select(ENTRIES.c.series_id, ENTRIES.c.id, ENTRIES.c.entry, ENTRIES.c.season,
               ENTRIES.c.part_offset, ENTRIES.c.episodes, ENTRIES.c.continues)
        .where(ENTRIES.c.series_id.in_(series_ids)).order_by(ENTRIES.c.series_id,
                                                             ENTRIES.c.position)
    ):
        found.setdefault(row[0], []).append(StoredEntry(row[1], row[2], row[3], row[4], row[5],
                                                        bool(row[6])))
    return found


@attrs.frozen
class EpisodeRowNumbers:
    """The numbering columns of an episode row."""

    row_id: int
    season: int
    number: int
    absolute_number: int | None
    file_path: str | None
    entry: str | None
    entry_number: int | None

    @property
    def numbers(self) -> EpisodeNumbers:
        return EpisodeNumbers(self.season, self.number, self.absolute_number)


def renumber(conn: Connection, entries: Sequence[StoredEntry], layout: Layout,
             files: Sequence[FileNumbers], rows: Sequence[EpisodeRowNumbers]
             ) -> list[EpisodeRowNumbers]:
    """Keep the seasons in step with the files: when they move an entry to another season,
    update the entries and give every episode of the show its new numbers. Returns the rows
    as they are afterwards."""
    chain = [entry.chain_entry for entry in entries]
    placements = plan_seasons(chain, files, layout)
    if placements == [entry.placement for entry in entries]:
        return list(rows)
    conn.execute(
        update(ENTRIES).where(ENTRIES.c.id == bindparam("row_id"))
        .values(season=bindparam("new_season"), part_offset=bindparam("new_offset")),
        [{"row_id": entry.row_id, "new_season": place.season, "new_offset": place.offset}
         for entry, place in zip(entries, placements, strict=True)],
    )
    index = {entry.entry: position for position, entry in enumerate(entries)}
    result: list[EpisodeRowNumbers] = []
    moved: list[EpisodeRowNumbers] = []
    for row in rows:
        position = index.get(row.entry or "")
        if position is None or row.entry_number is None:
            result.append(row)
            continue
        number = show_number(chain, placements, position, row.entry_number)
        new = attrs.evolve(row, season=number.season, number=number.number,
                           absolute_number=number.absolute)
        result.append(new)
        if new != row:
            moved.append(new)
    if moved:
        # Two passes, so no row ever takes a (season, number) another row still holds.
        conn.execute(
            update(EPISODES).where(EPISODES.c.id == bindparam("row_id"))
            .values(season=-1, number=-bindparam("row_id")),
            [{"row_id": row.row_id} for row in moved],
        )
        conn.execute(
            update(EPISODES).where(EPISODES.c.id == bindparam("row_id"))
            .values(season=bindparam("new_season"), number=bindparam("new_number"),
                    absolute_number=bindparam("new_absolute")),
            [{"row_id": row.row_id, "new_season": row.season, "new_number": row.number,
              "new_absolute": row.absolute_number} for row in moved],
        )
    return result


def unplaced_column(unplaced: Sequence[Any]) -> list[list[str]] | None:
    """``[[path, reason], ...]`` for the ``library_series.unplaced`` column."""
    return [[item.path, item.reason] for item in unplaced] or None


def claimed_elsewhere(conn: Connection, series_id: str) -> Mapping[str, str]:
    """Entries of this series' chain that another library series holds in its own folder,
    with that series (see :func:`claimed_entries`)."""
    return claimed_entries(conn, [series_id]).get(series_id, {})


def claimed_entries(conn: Connection, series_ids: Sequence[str] | None
                    ) -> dict[str, dict[str, str]]:
    """Per series (of ``series_ids``, or every one), the entries of its chain that another
    series' folder holds: a folder of one entry (or a movie) whose show has that entry, or a
    series not loaded yet that was identified as it. A series' own entry is never held
    elsewhere (a second folder of the same show is a duplicate, not a place it went), so a
    gap is never hidden by one."""
    chains: dict[str, list[str]] = {}
    query = select(ENTRIES.c.series_id, ENTRIES.c.entry)
    if series_ids is not None:
        query = query.where(ENTRIES.c.series_id.in_(series_ids))
    for series_id, entry in conn.execute(query):
        chains.setdefault(series_id, []).append(entry)
    wanted = sorted({entry for entries in chains.values() for entry in entries})
    if not wanted:
        return {}
    narrow = len(wanted) <= _IN_LIMIT
    holders: dict[str, str] = {}
    held = (select(ENTRIES.c.entry, ENTRIES.c.series_id)
            .join(FLAGS, FLAGS.c.series_id == ENTRIES.c.series_id)
            .where(FLAGS.c.layout.in_([Layout.ENTRY.value, Layout.MOVIE.value]))
            .order_by(ENTRIES.c.series_id, ENTRIES.c.position))
    for entry, holder in conn.execute(held.where(ENTRIES.c.entry.in_(wanted)) if narrow
                                      else held):
        holders.setdefault(entry, holder)
    anilist = [entry.partition(":")[2] for entry in wanted if entry.startswith("anilist:")]
    identified = (select(SERIES.c.id, SERIES.c.anilist_id, FLAGS.c.layout)
                  .join(FLAGS, FLAGS.c.series_id == SERIES.c.id, isouter=True)
                  .where(SERIES.c.anilist_id.is_not(None)))
    own: dict[str, str] = {}
    for holder, ident, layout in conn.execute(
            identified.where(SERIES.c.anilist_id.in_(anilist)) if narrow else identified):
        own[holder] = f"anilist:{ident}"
        if layout in (None, Layout.ENTRY.value, Layout.MOVIE.value):
            holders.setdefault(f"anilist:{ident}", holder)
    if series_ids is not None:
        for holder, ident in conn.execute(select(SERIES.c.id, SERIES.c.anilist_id)
                                          .where(SERIES.c.id.in_(series_ids))):
            if ident:
                own[holder] = f"anilist:{ident}"
    found: dict[str, dict[str, str]] = {}
    for series_id, entries in chains.items():
        for entry in entries:
            holder = holders.get(entry)
            if holder is not None and holder != series_id and entry != own.get(series_id):
                found.setdefault(series_id, {})[entry] = holder
    return found


#: Up to this many entries are asked for by name; beyond, every candidate row is read.
_IN_LIMIT = 500
