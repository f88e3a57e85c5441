"""Series rows: add, read, list, remove. Every method is one transaction in a database thread."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import attrs
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from aniworld_core.errors import SeriesNotFound
from aniworld_core.metadata import ID_TYPES, ProviderIds
from aniworld_core.models import Episode, LoadingStatus, LoadRun, Priority, Progress, Series
from aniworld_core.storage.convert import entry_ref, id_columns, to_load_run, to_series
from aniworld_core.storage.database import Database
from aniworld_core.storage.library_link import chunks
from aniworld_core.storage.tables import EpisodeRow, LoadRunRow, SeriesRow
from aniworld_core.storage.types import utcnow


@attrs.frozen
class NewSeries:
    """What is known about a series when it is added; everything else the loader finds out."""

    title: str
    year: int | None = None
    ids: ProviderIds = ProviderIds()
    folder: str | None = None
    library_root: str | None = None
    priority: int = Priority.USER


def new_series_row(new: NewSeries) -> SeriesRow:
    now = utcnow()
    return SeriesRow(
        id=str(uuid.uuid4()),
        title=new.title,
        year=new.year,
        folder=new.folder,
        library_root=new.library_root,
        **id_columns(new.ids),
        series_metadata=None,
        loading_status=LoadingStatus.PENDING.value,
        episodes_loaded=False,
        nfo_loaded=False,
        logo_loaded=False,
        images_loaded=False,
        priority=int(new.priority),
        queued_at=now,
        attempts=0,
        created_at=now,
        updated_at=now,
    )


_EPISODE_COLUMNS = (EpisodeRow.season, EpisodeRow.number, EpisodeRow.absolute_number,
                    EpisodeRow.title, EpisodeRow.air_date, EpisodeRow.plot, EpisodeRow.file_path,
                    EpisodeRow.entry, EpisodeRow.entry_number)


def stored_episodes(session: Session, series_id: str) -> list[Episode]:
    """The series' episode rows, by season and number (columns only: no ORM objects)."""
    return stored_episode_lists(session, [series_id])[series_id]


def stored_episode_lists(session: Session, series_ids: Sequence[str]
                         ) -> dict[str, list[Episode]]:
    """Several series' episode rows, each list by season and number, in one query per chunk
    of ids."""
    lists: dict[str, list[Episode]] = {series_id: [] for series_id in series_ids}
    for chunk in chunks(sorted(lists)):
        rows = session.execute(
            select(EpisodeRow.series_id, *_EPISODE_COLUMNS)
            .where(EpisodeRow.series_id.in_(chunk))
            .order_by(EpisodeRow.series_id, EpisodeRow.season, EpisodeRow.number)
        )
        for row in rows:
            lists[row[0]].append(Episode(*row[:8], entry=entry_ref(row[8]),
                                         entry_number=row[9]))
    return lists


class SeriesStore:
    """Typed async access to the series table and what hangs off it."""

    def __init__(self, database: Database) -> None:
        self._db = database

    async def add(self, new: NewSeries) -> Series:
        def work(session: Session) -> Series:
            row = new_series_row(new)
            session.add(row)
            session.flush()
            return to_series(row)

        return await self._db.session(work)

    async def get(self, series_id: str) -> Series:
        def work(session: Session) -> Series:
            row = session.get(SeriesRow, series_id)
            if row is None:
                raise SeriesNotFound(series_id)
            return to_series(row)

        return await self._db.session(work)

    async def all(self) -> list[Series]:
        def work(session: Session) -> list[Series]:
            rows = session.scalars(select(SeriesRow).order_by(SeriesRow.title, SeriesRow.id))
            return [to_series(row) for row in rows]

        return await self._db.session(work)

    async def unfinished_progress(
        self,
    ) -> list[tuple[str, str, LoadingStatus, Progress, str | None]]:
        """``(id, title, status, progress, error)`` of every series whose load is not
        completed (the snapshot a new listener gets): only the columns it needs."""

        def work(session: Session) -> list[tuple[str, str, LoadingStatus, Progress, str | None]]:
            rows = session.execute(
                select(SeriesRow.id, SeriesRow.title, SeriesRow.loading_status,
                       SeriesRow.episodes_loaded, SeriesRow.nfo_loaded, SeriesRow.logo_loaded,
                       SeriesRow.images_loaded, SeriesRow.loading_error)
                .where(SeriesRow.loading_status != LoadingStatus.COMPLETED.value)
                .order_by(SeriesRow.created_at, SeriesRow.id)
            )
            return [(row[0], row[1], LoadingStatus(row[2]), Progress(*row[3:7]), row[7])
                    for row in rows]

        return await self._db.session(work)

    async def find_by_id(self, id_type: str, value: str) -> Series | None:
        """The first series carrying provider id ``value`` of ``id_type``, if any."""

        def work(session: Session) -> Series | None:
            if id_type in ("anilist", "mal", "anidb", "tvdb", "tmdb", "imdb"):
                column = getattr(SeriesRow, f"{id_type}_id")
                row = session.scalars(select(SeriesRow).where(column == value).limit(1)).first()
                return to_series(row) if row else None
            for row in session.scalars(select(SeriesRow).where(SeriesRow.extra_ids.is_not(None))):
                if (row.extra_ids or {}).get(id_type) == value:
                    return to_series(row)
            return None

        return await self._db.session(work)

    async def ids_of_refs(self, wanted: Sequence[tuple[str, str]]) -> dict[tuple[str, str], str]:
        """The series id for each ``(id_type, id)`` already in the library (one query per id
        type)."""
        by_type: dict[str, list[str]] = {}
        for id_type, value in wanted:
            by_type.setdefault(id_type, []).append(value)

        def work(session: Session) -> dict[tuple[str, str], str]:
            found: dict[tuple[str, str], str] = {}
            for id_type, values in by_type.items():
                if id_type in ID_TYPES:
                    column = getattr(SeriesRow, f"{id_type}_id")
                    for series_id, value in session.execute(
                        select(SeriesRow.id, column).where(column.in_(values))
                    ):
                        found.setdefault((id_type, value), series_id)
                else:
                    for series_id, extra in session.execute(
                        select(SeriesRow.id, SeriesRow.extra_ids)
                    ):
                        value = (extra or {}).get(id_type)
                        if value in values:
                            found.setdefault((id_type, value), series_id)
            return found

        return await self._db.session(work)

    async def find_by_folder(self, library_root: str, folder: str) -> Series | None:
        """The series stored for ``folder`` under ``library_root``, if any."""

        def work(session: Session) -> Series | None:
            row = session.scalars(
                select(SeriesRow).where(SeriesRow.library_root == library_root,
                                        SeriesRow.folder == folder)
            ).first()
            return to_series(row) if row else None

        return await self._db.session(work)

    async def remove(self, series_id: str) -> Series:
        """Delete the series with its episodes and history; returns what was removed."""

        def work(session: Session) -> Series:
            row = session.get(SeriesRow, series_id)
            if row is None:
                raise SeriesNotFound(series_id)
            removed = to_series(row)
            # Episodes and load runs go with it: the foreign keys cascade.
            session.execute(delete(SeriesRow).where(SeriesRow.id == series_id))
            return removed

        return await self._db.session(work)

    async def count(self) -> int:
        def work(session: Session) -> int:
            return session.scalar(select(func.count()).select_from(SeriesRow)) or 0

        return await self._db.session(work)

    async def episodes(self, series_id: str) -> list[Episode]:
        def work(session: Session) -> list[Episode]:
            if session.get(SeriesRow, series_id) is None:
                raise SeriesNotFound(series_id)
            return stored_episodes(session, series_id)

        return await self._db.session(work)

    async def load_runs(self, series_id: str, *, limit: int = 50) -> Sequence[LoadRun]:
        """The newest ``limit`` load attempts, newest first."""

        def work(session: Session) -> list[LoadRun]:
            if session.get(SeriesRow, series_id) is None:
                raise SeriesNotFound(series_id)
            rows = session.scalars(
                select(LoadRunRow)
                .where(LoadRunRow.series_id == series_id)
                .order_by(LoadRunRow.id.desc())
                .limit(limit)
            )
            return [to_load_run(row) for row in rows]

        return await self._db.session(work)
