"""What keeping loaded series current reads and writes: the stored entries a library-wide
refresh compares with the provider's answer, the refresh loads it queues, the one airing check
planned per series, and the next episode to air."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import attrs
from sqlalchemy import and_, delete, exists, select
from sqlalchemy.orm import Session

from aniworld_core.jobs.store import JobStore, NewJob
from aniworld_core.metadata import SeriesInfo
from aniworld_core.models import Priority
from aniworld_core.storage.database import Database
from aniworld_core.storage.job_tables import JobRow
from aniworld_core.storage.library_tables import LibrarySeriesRow, SeriesEntryRow
from aniworld_core.storage.load_queue import AIRING_CHECK, EPISODES_ONLY, check_prefix, queue_loads
from aniworld_core.storage.tables import EpisodeRow, SeriesRow
from aniworld_core.storage.types import utcnow

__all__ = ["AIRING_CHECK", "Candidate", "NextEpisode", "RefreshStore", "check_prefix"]


@attrs.frozen
class Candidate:
    """A loaded series as a library-wide refresh sees it: its entries' stored metadata in
    chain order (none for a season-based list: TVmaze, TMDB), and when it last loaded."""

    series_id: str
    title: str
    completed_at: dt.datetime | None
    entries: tuple[SeriesInfo, ...]


@attrs.frozen
class NextEpisode:
    """The next episode of a show to air: where it sits in the show, and when."""

    season: int
    number: int
    absolute_number: int | None
    title: str | None
    airs_at: dt.datetime

    def to_dict(self) -> dict[str, Any]:
        return {"season": self.season, "number": self.number,
                "absolute_number": self.absolute_number, "title": self.title,
                "airs_at": self.airs_at.isoformat()}


class RefreshStore:
    """One short transaction per method."""

    def __init__(self, database: Database, jobs: JobStore) -> None:
        self._db = database
        self._jobs = jobs

    async def candidates(self) -> list[Candidate]:
        """Every series whose episode list came from a provider, by title."""

        def work(session: Session) -> list[Candidate]:
            rows = session.execute(
                select(SeriesRow.id, SeriesRow.title, SeriesRow.loading_completed_at)
                .join(LibrarySeriesRow, LibrarySeriesRow.series_id == SeriesRow.id)
                .where(SeriesRow.episodes_loaded, LibrarySeriesRow.provider_episodes)
                .order_by(SeriesRow.title)).all()
            entries: dict[str, list[SeriesInfo]] = {}
            for series_id, info in session.execute(
                    select(SeriesEntryRow.series_id, SeriesEntryRow.info)
                    .order_by(SeriesEntryRow.series_id, SeriesEntryRow.position)):
                entries.setdefault(series_id, []).append(SeriesInfo.from_dict(info))
            return [Candidate(series_id, title, completed, tuple(entries.get(series_id, ())))
                    for series_id, title, completed in rows]

        return await self._db.session(work)

    async def queue(self, series_ids: Sequence[str], *, full: bool = False,
                    airing: Mapping[str, Any] | None = None) -> list[str]:
        """Queue a refresh of each series that exists and has no live load: its episode list
        (or, ``full``, everything); returns those queued."""

        def work(session: Session) -> list[str]:
            found = list(session.scalars(select(SeriesRow.id).where(
                SeriesRow.id.in_(list(series_ids)))))
            return queue_loads(session, found, priority=Priority.SCHEDULED,
                               refresh=True if full else EPISODES_ONLY, airing=airing)

        return await self._db.write(work) if series_ids else []

    async def plan_check(self, series_id: str, new: NewJob | None) -> None:
        """Make ``new`` the series' one pending airing check (``None``: none); a check
        running now is left to finish. A series that is gone gets none. Every load plans, and
        most shows do not air: with nothing to plan and nothing planned, nothing is written."""
        pending = and_(JobRow.kind == AIRING_CHECK, JobRow.state == "pending",
                       JobRow.key.startswith(check_prefix(series_id), autoescape=True))
        if new is None and not await self._db.session(
                lambda session: session.scalar(select(exists().where(pending)))):
            return

        def work(session: Session) -> None:
            if session.get(SeriesRow, series_id) is None:
                return
            stale = delete(JobRow).where(pending)
            if new is not None:
                stale = stale.where(JobRow.key != new.key)
            session.execute(stale)
            if new is not None:
                self._jobs.add_in(session, new)

        await self._db.write(work)

    async def next_episode(self, series_id: str, *, now: dt.datetime | None = None
                           ) -> NextEpisode | None:
        """The show's first episode still to air at a known moment, if any."""
        moment = now or utcnow()

        def work(session: Session) -> NextEpisode | None:
            row = session.execute(
                select(EpisodeRow.season, EpisodeRow.number, EpisodeRow.absolute_number,
                       EpisodeRow.title, EpisodeRow.airs_at)
                .where(EpisodeRow.series_id == series_id, EpisodeRow.season >= 1,
                       EpisodeRow.airs_at > moment)
                .order_by(EpisodeRow.airs_at, EpisodeRow.season, EpisodeRow.number)
                .limit(1)).first()
            if row is None or row.airs_at is None:
                return None
            return NextEpisode(row.season, row.number, row.absolute_number, row.title,
                               row.airs_at)

        return await self._db.session(work)
