"""Recurring schedules in the database, and firing them exactly once.

A due schedule is fired by moving its ``next_run_at`` from the value read to the next one in one
compare-and-set ``UPDATE``: of several processes that see it due, exactly one moves it and adds
the job; the others find it moved and do nothing. A schedule missed for any length of time
fires once and its next run is computed from now (see :mod:`.timing`).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping
from typing import Any

import attrs
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from aniworld_core.errors import JobNotFound, QueueFull
from aniworld_core.jobs.model import Schedule
from aniworld_core.jobs.store import Added, JobStore, NewJob
from aniworld_core.jobs.timing import Timing
from aniworld_core.storage.database import Database
from aniworld_core.storage.job_tables import ScheduleRow
from aniworld_core.storage.types import utcnow

#: What a fired schedule's job is made of: ``(kind, payload) -> NewJob`` (the engine checks the
#: payload and applies the kind's policy).
MakeJob = Callable[[str, Mapping[str, Any]], NewJob]
#: The most pending jobs a kind may have (``None``: no limit).
Limit = Callable[[str], int | None]
log = logging.getLogger("aniworld.jobs")


def _no_limit(kind: str) -> int | None:
    return None


def to_schedule(row: ScheduleRow) -> Schedule:
    return Schedule(row.name, row.kind, dict(row.payload or {}), row.every_seconds, row.cron,
                    row.timezone, row.enabled, row.next_run_at, row.last_run_at,
                    row.last_job_id)


@attrs.frozen
class Fired:
    schedule: Schedule
    added: Added


class ScheduleStore:
    """Schedules, each change one short transaction."""

    def __init__(self, database: Database, jobs: JobStore) -> None:
        self._db = database
        self._jobs = jobs

    async def define(self, name: str, kind: str, payload: Mapping[str, Any], timing: Timing,
                     *, enabled: bool = True, replace: bool = True) -> Schedule:
        """Create the schedule ``name`` (first run one period from now), or change it; an
        unchanged timing keeps its next run. ``replace=False`` leaves an existing one as it is
        (built-in schedules a person may have edited)."""

        def work(session: Session) -> Schedule:
            now = utcnow()
            row = session.get(ScheduleRow, name)
            if row is not None and not replace:
                return to_schedule(row)
            if row is None:
                row = ScheduleRow(name=name, created_at=now)
                session.add(row)
            same_timing = (row.every_seconds, row.cron, row.timezone) == (
                timing.every, timing.cron, timing.timezone)
            row.kind = kind
            row.payload = dict(payload)
            row.every_seconds, row.cron, row.timezone = timing.every, timing.cron, timing.timezone
            row.enabled = enabled
            if not same_timing or row.next_run_at is None:
                row.next_run_at = timing.next_after(now)
            row.updated_at = now
            session.flush()
            return to_schedule(row)

        return await self._db.write(work)

    async def change(self, name: str, *, timing: Timing | None = None,
                     enabled: bool | None = None, payload: Mapping[str, Any] | None = None
                     ) -> Schedule:
        def work(session: Session) -> Schedule:
            row = session.get(ScheduleRow, name)
            if row is None:
                raise JobNotFound(f"No schedule named {name!r}.")
            now = utcnow()
            if timing is not None:
                row.every_seconds, row.cron, row.timezone = (timing.every, timing.cron,
                                                             timing.timezone)
                row.next_run_at = timing.next_after(now)
            if enabled is not None:
                if enabled and not row.enabled:
                    row.next_run_at = _timing(row).next_after(now)
                row.enabled = enabled
            if payload is not None:
                row.payload = dict(payload)
            row.updated_at = now
            return to_schedule(row)

        return await self._db.write(work)

    async def get(self, name: str) -> Schedule:
        def work(session: Session) -> Schedule:
            row = session.get(ScheduleRow, name)
            if row is None:
                raise JobNotFound(f"No schedule named {name!r}.")
            return to_schedule(row)

        return await self._db.session(work)

    async def all(self) -> list[Schedule]:
        return await self._db.session(lambda session: [
            to_schedule(row) for row in session.scalars(select(ScheduleRow)
                                                        .order_by(ScheduleRow.name))])

    async def next_due(self) -> dt.datetime | None:
        return await self._db.session(lambda session: session.scalar(
            select(ScheduleRow.next_run_at).where(ScheduleRow.enabled.is_(True))
            .order_by(ScheduleRow.next_run_at).limit(1)))

    async def fire_due(self, make: MakeJob, *, now: dt.datetime | None = None,
                       limit: Limit = _no_limit) -> list[Fired]:
        """Fire every enabled schedule due at ``now``: its job is added (or the live one with
        its key kept) and its next run computed from ``now``, once whatever was missed. A kind
        whose queue is full (``limit``) skips this run."""

        def work(session: Session) -> list[Fired]:
            moment = now or utcnow()
            fired: list[Fired] = []
            for row in session.scalars(select(ScheduleRow).where(
                    ScheduleRow.enabled.is_(True), ScheduleRow.next_run_at <= moment)).all():
                seen = row.next_run_at
                following = _timing(row).next_after(moment)
                moved = session.execute(
                    update(ScheduleRow)
                    .where(ScheduleRow.name == row.name, ScheduleRow.next_run_at == seen)
                    .values(next_run_at=following, last_run_at=moment, updated_at=moment)
                    .execution_options(synchronize_session=False))
                if not moved.rowcount:  # type: ignore[attr-defined]
                    continue  # another process fired it
                try:
                    with session.begin_nested():
                        added = self._jobs.add_in(session, make(row.kind, row.payload or {}),
                                                  max_pending=limit(row.kind))
                except QueueFull as full:
                    log.warning("Schedule %r skipped a run: %s", row.name, full)
                    continue
                session.execute(update(ScheduleRow).where(ScheduleRow.name == row.name)
                                .values(last_job_id=added.job.id)
                                .execution_options(synchronize_session=False))
                session.expire(row)
                fired.append(Fired(to_schedule(session.get(ScheduleRow, row.name) or row),
                                   added))
            return fired

        return await self._db.write(work)

    async def run_now(self, name: str, make: MakeJob, *, limit: Limit = _no_limit) -> Fired:
        """Add the schedule's job now (:class:`QueueFull` when its kind's queue is); its next
        run stays as it was."""

        def work(session: Session) -> Fired:
            row = session.get(ScheduleRow, name)
            if row is None:
                raise JobNotFound(f"No schedule named {name!r}.")
            added = self._jobs.add_in(session, make(row.kind, row.payload or {}),
                                      max_pending=limit(row.kind))
            row.last_run_at = utcnow()
            row.last_job_id = added.job.id
            return Fired(to_schedule(row), added)

        return await self._db.write(work)


def _timing(row: ScheduleRow) -> Timing:
    return Timing(row.every_seconds, row.cron, row.timezone)
