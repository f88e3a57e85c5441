"""Saving episode lists: a provider's whole list that numbers its own seasons, or a show built
from a chain of entries (numbered as the folder's files number it), several series in one
transaction; files are linked afterwards (``library_link.relink``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs
from sqlalchemy import Connection, bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from aniworld_core.library.numbering import FileNumbers
from aniworld_core.library.seasons import Layout
from aniworld_core.metadata import EpisodeInfo
from aniworld_core.models import Episode
from aniworld_core.storage.core_tables import ENTRIES, EPISODES, FILES, FLAGS
from aniworld_core.storage.library_link import (
    chunks,
    file_numbers,
    files_query,
    lock_series,
    relink,
)
from aniworld_core.storage.series import stored_episode_lists
from aniworld_core.storage.show_rows import ShowList, wanted_episodes, write_entries
from aniworld_core.storage.types import utcnow


@attrs.frozen
class EpisodeList:
    series_id: str
    episodes: tuple[EpisodeInfo, ...] = ()
    #: A show built from a chain of entries (``episodes`` is then empty), else a list that
    #: numbers its own seasons.
    show: ShowList | None = None


def save_episode_lists(session: Session, lists: Sequence[EpisodeList]) -> list[list[Episode]]:
    """``save_provider_episodes`` / ``save_show`` for several series at once (a series that
    does not exist fails the call; alone, that is its caller's :class:`SeriesNotFound`)."""
    conn = session.connection()
    ids = sorted({saved.series_id for saved in lists})
    for chunk in chunks(ids):
        lock_series(conn, chunk, require=True)
    existing: dict[str, dict[tuple[int, int], int]] = {series_id: {} for series_id in ids}
    for chunk in chunks(ids):
        for series_id, row_id, season, number in conn.execute(
            select(EPISODES.c.series_id, EPISODES.c.id, EPISODES.c.season, EPISODES.c.number)
            .where(EPISODES.c.series_id.in_(chunk))
        ):
            existing[series_id][(season, number)] = row_id
    shows = [saved for saved in lists if saved.show is not None]
    files = _stored_files(conn, [saved.series_id for saved in shows])
    stale: list[int] = []
    updates: list[dict[str, Any]] = []
    inserts: list[dict[str, Any]] = []
    flags: dict[str, dict[str, Any]] = {}
    for saved in lists:
        if saved.show is not None:
            wanted, placements = wanted_episodes(saved.series_id, saved.show,
                                                 files[saved.series_id])
            write_entries(conn, saved.series_id, saved.show, placements)
            layout, note = saved.show.layout.value, saved.show.note
        else:
            wanted = {}
            for info in saved.episodes:
                wanted.setdefault((info.season, info.number), _episode_values(info))
            conn.execute(delete(ENTRIES).where(ENTRIES.c.series_id == saved.series_id))
            layout, note = Layout.SEASONS.value, None
        flags[saved.series_id] = {"layout": layout, "chain_note": note}
        have = existing[saved.series_id]
        stale += [row_id for key, row_id in have.items() if key not in wanted]
        for key, values in wanted.items():
            if key in have:
                updates.append(values | {"row_id": have[key]})
            else:
                inserts.append(values | {"series_id": saved.series_id, "season": key[0],
                                         "number": key[1], "file_path": None})
    for chunk in chunks(stale):
        conn.execute(delete(EPISODES).where(EPISODES.c.id.in_(chunk)))
    if updates:
        conn.execute(_UPDATE_EPISODE, updates)
    if inserts:
        conn.execute(insert(EPISODES), inserts)
    for chunk in chunks(ids):
        conn.execute(delete(FLAGS).where(FLAGS.c.series_id.in_(chunk)))
    now = utcnow()
    conn.execute(insert(FLAGS), [{"series_id": series_id, "provider_episodes": True,
                                  "episodes_saved_at": now, **flags[series_id]}
                                 for series_id in ids])
    relink(conn, ids, files)
    stored = stored_episode_lists(session, ids)
    return [stored[saved.series_id] for saved in lists]


def _stored_files(conn: Connection, series_ids: Sequence[str]) -> dict[str, list[FileNumbers]]:
    files: dict[str, list[FileNumbers]] = {series_id: [] for series_id in series_ids}
    for chunk in chunks(sorted(series_ids)):
        for row in conn.execute(files_query(chunk).where(FILES.c.episode.is_not(None))):
            files[row[0]].append(file_numbers(row))
    return files


_UPDATE_EPISODE = update(EPISODES).where(EPISODES.c.id == bindparam("row_id")).values(
    absolute_number=bindparam("absolute_number"), title=bindparam("title"),
    air_date=bindparam("air_date"), plot=bindparam("plot"), entry=bindparam("entry"),
    entry_number=bindparam("entry_number"), airs_at=bindparam("airs_at"),
)


def _episode_values(info: EpisodeInfo) -> dict[str, Any]:
    return {"absolute_number": info.absolute_number, "title": info.title,
            "air_date": info.air_date, "plot": info.plot, "entry": None, "entry_number": None,
            "airs_at": info.airs_at}
