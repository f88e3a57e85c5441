"""Downloads as stored: the ``downloads`` row beside each ``episode.download`` job, read
together with its job (state, error, times) and its series (title); what a person set for a
source on a show (``series_sources``); and the wanted list (aired episodes without a file,
every show at once)."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from aniworld_core.errors import SeriesNotFound, StateConflict
from aniworld_core.jobs.model import JobState
from aniworld_core.models import Episode
from aniworld_core.storage import show_reads
from aniworld_core.storage.database import Database
from aniworld_core.storage.download_tables import DownloadRow, SeriesSourceRow
from aniworld_core.storage.job_tables import JobRow
from aniworld_core.storage.library_tables import LibrarySeriesRow
from aniworld_core.storage.tables import SeriesRow
from aniworld_core.storage.types import utcnow

#: The kind of job a download is.
DOWNLOAD = "episode.download"


@attrs.frozen
class StoredDownload:
    """A download row with what its job and series say."""

    job_id: int
    series_id: str
    series_title: str
    season: int
    episodes: tuple[int, ...]
    absolute: int | None
    source: str
    offer: dict[str, Any]
    paused: bool
    bytes_done: int
    bytes_total: int | None
    part_path: str | None
    path: str | None
    note: str | None
    job_state: JobState
    error: str | None
    created_at: dt.datetime
    finished_at: dt.datetime | None


@attrs.frozen
class NewDownload:
    job_id: int
    series_id: str
    season: int
    episodes: tuple[int, ...]
    absolute: int | None
    source: str
    offer: Mapping[str, Any]


def download_key(series_id: str, season: int, episode: int) -> str:
    """At most one live download per episode."""
    return f"download:{series_id}:{season}:{episode}"


class DownloadStore:
    """Typed async access to ``downloads`` and ``series_sources``."""

    def __init__(self, database: Database) -> None:
        self._db = database

    # -- downloads ----------------------------------------------------------------------------

    async def create(self, new: NewDownload) -> None:
        """The row of a job just added; nothing when it exists (the job was live already, or
        its handler wrote it first)."""

        def work(session: Session) -> None:
            if session.get(DownloadRow, new.job_id) is not None:
                return
            now = utcnow()
            session.add(DownloadRow(
                job_id=new.job_id, series_id=new.series_id, season=new.season,
                episodes=list(new.episodes), absolute=new.absolute, source=new.source,
                offer=dict(new.offer), paused=False, bytes_done=0,
                bytes_total=new.offer.get("size"), created_at=now, updated_at=now))

        with contextlib.suppress(IntegrityError):  # written at once by the other side
            await self._db.write(work)

    async def get(self, job_id: int) -> StoredDownload | None:
        found = await self._db.session(lambda session: _read(session, [job_id], limit=1))
        return found[0] if found else None

    async def find(self, *, states: Iterable[JobState] = (), series_id: str | None = None,
                   limit: int = 100, job_ids: Sequence[int] | None = None
                   ) -> list[StoredDownload]:
        """Newest first."""
        wanted = list(states)
        return await self._db.session(lambda session: _read(
            session, job_ids, limit=limit, states=wanted, series_id=series_id))

    async def progress(self, job_id: int, done: int, total: int | None,
                       part_path: str | None) -> None:
        def work(session: Session) -> None:
            row = session.get(DownloadRow, job_id)
            if row is not None:
                row.bytes_done, row.bytes_total, row.part_path = done, total, part_path
                row.updated_at = utcnow()

        await self._db.write(work)

    async def change(self, job_id: int, **values: Any) -> None:
        """Set columns of the row (``paused``, ``note``, ``path``, ``part_path``...)."""

        def work(session: Session) -> None:
            row = session.get(DownloadRow, job_id)
            if row is not None:
                for name, value in values.items():
                    setattr(row, name, value)
                row.updated_at = utcnow()

        await self._db.write(work)

    async def live_by_episode(self, series_ids: Sequence[str] | None = None
                              ) -> dict[tuple[str, int, int], int]:
        """(series, season, episode) → the id of its pending or running download."""

        def work(session: Session) -> dict[tuple[str, int, int], int]:
            query = (select(DownloadRow.job_id, DownloadRow.series_id, DownloadRow.season,
                            DownloadRow.episodes)
                     .join(JobRow, JobRow.id == DownloadRow.job_id)
                     .where(JobRow.state.in_([JobState.PENDING.value,
                                              JobState.RUNNING.value])))
            if series_ids is not None:
                query = query.where(DownloadRow.series_id.in_(series_ids))
            found: dict[tuple[str, int, int], int] = {}
            for job_id, series_id, season, episodes in session.execute(query):
                for episode in episodes:
                    found[(series_id, season, int(episode))] = job_id
            return found

        return await self._db.session(work)

    # -- what people set per show -------------------------------------------------------------

    async def series_config(self, series_id: str) -> dict[str, dict[str, Any]]:
        def work(session: Session) -> dict[str, dict[str, Any]]:
            rows = session.execute(select(SeriesSourceRow.source, SeriesSourceRow.config)
                                   .where(SeriesSourceRow.series_id == series_id))
            return {source: dict(config) for source, config in rows}

        return await self._db.session(work)

    async def set_series_config(self, series_id: str, source: str,
                                config: Mapping[str, Any] | None) -> None:
        def work(session: Session) -> None:
            if session.get(SeriesRow, series_id) is None:
                raise SeriesNotFound(series_id)
            row = session.get(SeriesSourceRow, (series_id, source))
            if config is None:
                if row is not None:
                    session.execute(delete(SeriesSourceRow).where(
                        SeriesSourceRow.series_id == series_id,
                        SeriesSourceRow.source == source))
            elif row is None:
                session.add(SeriesSourceRow(series_id=series_id, source=source,
                                            config=dict(config), updated_at=utcnow()))
            else:
                row.config, row.updated_at = dict(config), utcnow()

        await self._db.write(work)

    # -- wanted -------------------------------------------------------------------------------

    async def wanted(self, series_ids: Sequence[str] | None, *, today: dt.date,
                     now: dt.datetime) -> list[tuple[str, str, list[Episode]]]:
        """(series id, title, missing episodes) of every show whose missing episodes are
        known (loaded, folder present), by title; shows with none left out."""

        def work(session: Session) -> list[tuple[str, str, list[Episode]]]:
            query = (select(SeriesRow.id, SeriesRow.title)
                     .join(LibrarySeriesRow, LibrarySeriesRow.series_id == SeriesRow.id)
                     .where(LibrarySeriesRow.provider_episodes.is_(True))
                     .order_by(SeriesRow.title, SeriesRow.id))
            if series_ids is not None:
                query = query.where(SeriesRow.id.in_(series_ids))
            found = []
            for series_id, title in session.execute(query).all():
                try:
                    missing = show_reads.missing_episodes(session, series_id, today=today,
                                                          now=now)
                except (StateConflict, SeriesNotFound):
                    continue
                if missing:
                    found.append((series_id, title, missing))
            return found

        return await self._db.session(work)


def _read(session: Session, job_ids: Sequence[int] | None, *, limit: int,
          states: Sequence[JobState] = (), series_id: str | None = None
          ) -> list[StoredDownload]:
    query = (select(DownloadRow, JobRow.state, JobRow.error, JobRow.finished_at,
                    SeriesRow.title)
             .join(JobRow, JobRow.id == DownloadRow.job_id)
             .outerjoin(SeriesRow, SeriesRow.id == DownloadRow.series_id)
             .order_by(DownloadRow.job_id.desc()).limit(limit))
    if job_ids is not None:
        query = query.where(DownloadRow.job_id.in_(job_ids))
    if states:
        query = query.where(JobRow.state.in_([state.value for state in states]))
    if series_id is not None:
        query = query.where(DownloadRow.series_id == series_id)
    return [
        StoredDownload(
            job_id=row.job_id, series_id=row.series_id, series_title=title or "(removed)",
            season=row.season, episodes=tuple(int(n) for n in row.episodes),
            absolute=row.absolute, source=row.source, offer=dict(row.offer),
            paused=row.paused, bytes_done=row.bytes_done, bytes_total=row.bytes_total,
            part_path=row.part_path, path=row.path, note=row.note,
            job_state=JobState(state), error=error, created_at=row.created_at,
            finished_at=finished_at)
        for row, state, error, finished_at, title in session.execute(query)
    ]
