"""Series rows: add, read, list, remove. Every method is one transaction in a database thread."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence

import attrs
from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from aniworld_core.errors import SeriesExists, SeriesNotFound
from aniworld_core.metadata import ID_TYPES, ProviderIds
from aniworld_core.models import Episode, LoadingStatus, LoadRun, Priority, Progress, Series
from aniworld_core.storage.convert import entry_ref, id_columns, to_series
from aniworld_core.storage.database import Database
from aniworld_core.storage.job_tables import JobRow, JobRunRow
from aniworld_core.storage.library_link import chunks
from aniworld_core.storage.load_queue import (
    AIRING_CHECK,
    SERIES_LOAD,
    check_prefix,
    load_key,
    queue_loads,
)
from aniworld_core.storage.tables import EpisodeRow, SeriesRow
from aniworld_core.storage.types import utcnow

#: ``(id, title, status, progress, error, needs_choice)`` of a series still loading.
UnfinishedProgress = tuple[str, str, LoadingStatus, Progress, str | None, bool]


@attrs.frozen
class NewSeries:
    """What is known about a series when it is added; everything else the loader finds out.
    ``priority``: of its load job."""

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
        needs_choice=False,
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

    async def add(self, new: NewSeries, *, exclusive: str | None = None,
                  unique_title: bool = False) -> Series:
        """Store a new series, queued for loading. With ``exclusive`` (an id type of
        ``new.ids``) no other series may have that id, and with ``unique_title`` none may have
        its title (ignoring case; two known years that differ tell series apart): else
        :class:`SeriesExists` naming the one that does, and nothing is written. The check and
        the insert are one transaction, so two adds at the same moment cannot both pass it."""

        def work(session: Session) -> Series:
            value = new.ids.get(exclusive) if exclusive is not None else None
            if exclusive is not None and value is not None:
                _serialise(session, "id", exclusive, value)
                holder = _holder(session, exclusive, value)
                if holder is not None:
                    raise SeriesExists(f"{holder.title!r} ({exclusive}:{value}) is already in "
                                       "the library.", series_id=holder.id)
            if unique_title:
                _serialise(session, "title", _title_key(new.title))
                same = _same_title(session, new.title, new.year)
                if same is not None:
                    raise SeriesExists(
                        f"{same.title!r} is already in the library; to add another series of "
                        "that name, add it by its provider id.", series_id=same.id)
            row = new_series_row(new)
            session.add(row)
            session.flush()
            queue_loads(session, [row.id], priority=new.priority, new=True)
            return to_series(row)

        return await self._db.session(work)

    async def claim_id(self, series_id: str, id_type: str, value: str) -> Series | None:
        """Give the series ``value`` as its ``id_type`` id, unless another series has that id
        already: then that series is returned and nothing is written. One transaction
        (serialised per id), so of two series identified as the same entry at the same moment
        only one gets it."""

        def work(session: Session) -> Series | None:
            _serialise(session, "id", id_type, value)
            holder = _holder(session, id_type, value, besides=series_id)
            if holder is not None:
                return to_series(holder)
            row = session.get(SeriesRow, series_id)
            if row is not None:
                if id_type in ID_TYPES:
                    setattr(row, f"{id_type}_id", value)
                else:
                    row.extra_ids = {**(row.extra_ids or {}), id_type: value}
            return None

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

    async def unfinished_progress(self) -> list[UnfinishedProgress]:
        """``(id, title, status, progress, error, needs_choice)`` of every series whose load
        is not completed (the snapshot a new listener gets): only the columns it needs."""

        def work(session: Session) -> list[UnfinishedProgress]:
            rows = session.execute(
                select(SeriesRow.id, SeriesRow.title, SeriesRow.loading_status,
                       SeriesRow.episodes_loaded, SeriesRow.nfo_loaded, SeriesRow.logo_loaded,
                       SeriesRow.images_loaded, SeriesRow.loading_error, SeriesRow.needs_choice)
                .where(SeriesRow.loading_status != LoadingStatus.COMPLETED.value)
                .order_by(SeriesRow.created_at, SeriesRow.id)
            )
            return [(row[0], row[1], LoadingStatus(row[2]), Progress(*row[3:7]), row[7],
                     bool(row[8])) for row in rows]

        return await self._db.session(work)

    async def find_by_id(self, id_type: str, value: str) -> Series | None:
        """The first series carrying provider id ``value`` of ``id_type``, if any."""

        def work(session: Session) -> Series | None:
            row = _holder(session, id_type, value)
            return to_series(row) if row else None

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
            # Its load jobs and runs go first: a load ending right now locks its job, then
            # the series, and the same order here cannot deadlock with it. Episodes go with
            # the series (the foreign keys cascade).
            session.execute(delete(JobRow).where(JobRow.kind == SERIES_LOAD,
                                                 JobRow.key == load_key(series_id)))
            session.execute(delete(JobRow).where(  # its airing checks
                JobRow.kind == AIRING_CHECK,
                JobRow.key.startswith(check_prefix(series_id), autoescape=True)))
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
        """The newest ``limit`` load attempts (runs of the series' load jobs), newest first;
        one still running shows the series' loading status."""

        def work(session: Session) -> list[LoadRun]:
            series = session.get(SeriesRow, series_id)
            if series is None:
                raise SeriesNotFound(series_id)
            rows = session.execute(
                select(JobRunRow.id, JobRunRow.state, JobRunRow.started_at,
                       JobRunRow.finished_at, JobRunRow.error)
                .join(JobRow, JobRow.id == JobRunRow.job_id)
                .where(JobRow.kind == SERIES_LOAD, JobRow.key == load_key(series_id))
                .order_by(JobRunRow.id.desc())
                .limit(limit)
            ).all()
            return [LoadRun(id=run_id, series_id=series_id,
                            status=LoadingStatus(series.loading_status) if state == "running"
                            else LoadingStatus(state),
                            started_at=started, finished_at=finished, error=error)
                    for run_id, state, started, finished, error in rows]

        return await self._db.session(work)


def _holder(session: Session, id_type: str, value: str, *,
            besides: str | None = None) -> SeriesRow | None:
    """The first series (other than ``besides``) carrying ``value`` as its ``id_type`` id."""
    if id_type in ID_TYPES:
        column = getattr(SeriesRow, f"{id_type}_id")
        query = select(SeriesRow).where(column == value)
        if besides is not None:
            query = query.where(SeriesRow.id != besides)
        return session.scalars(query.order_by(SeriesRow.created_at).limit(1)).first()
    for row in session.scalars(select(SeriesRow).where(SeriesRow.extra_ids.is_not(None))
                               .order_by(SeriesRow.created_at)):
        if row.id != besides and (row.extra_ids or {}).get(id_type) == value:
            return row
    return None


def _title_key(title: str) -> str:
    return " ".join(title.split()).casefold()


def _same_title(session: Session, title: str, year: int | None) -> SeriesRow | None:
    """A series with ``title`` (ignoring case and runs of spaces) whose year is ``year``
    or not known (or ``year`` is not)."""
    wanted = _title_key(title)
    # lower() narrows the search (an exact match catches titles SQLite's ASCII-only lower()
    # folds differently from Python); the comparison is Python's.
    spaced = " ".join(title.split())
    rows = session.scalars(
        select(SeriesRow).where(or_(SeriesRow.title.in_({title, spaced}),
                                    func.lower(SeriesRow.title).in_({title.lower(),
                                                                     spaced.lower()})))
        .order_by(SeriesRow.created_at))
    for row in rows:
        if _title_key(row.title) == wanted and (year is None or row.year in (None, year)):
            return row
    return None


def _serialise(session: Session, *key: str) -> None:
    """Hold a lock on ``key`` until the transaction ends, so checks and writes about the
    same id (or title) in other transactions wait for this one: an advisory lock on
    PostgreSQL; SQLite has one writer at a time anyway."""
    if session.get_bind().dialect.name != "postgresql":
        return
    digest = hashlib.sha256("\0".join(key).encode()).digest()
    session.execute(select(func.pg_advisory_xact_lock(
        int.from_bytes(digest[:8], "big", signed=True))))
