"""Recurring schedules on a simulated clock: missed runs fire once, and a due schedule fires
exactly once however many processes see it due."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Mapping
from typing import Any

import anyio
import pytest
from sqlalchemy import update

from aniworld_core.jobs import Engine, JobContext, JobState, JobUpdate, Kind
from aniworld_core.jobs.schedules import Fired, ScheduleStore
from aniworld_core.jobs.store import JobStore, NewJob
from aniworld_core.storage import Database
from aniworld_core.storage.job_tables import ScheduleRow

from .conftest import Published, running

pytestmark = pytest.mark.anyio

DAY = dt.timedelta(days=1)
BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


async def _noop(context: JobContext) -> None:
    return None


def make(kind: str, payload: Mapping[str, Any]) -> NewJob:
    """Each firing a job of its own (no key), so every firing is counted."""
    return NewJob(kind, dict(payload))


async def fire(store: ScheduleStore, now: dt.datetime, fired: list[Fired]) -> None:
    fired.extend(await store.fire_due(make, now=now))


@pytest.fixture
def noop_engine(engine: Engine) -> Engine:
    engine.register(Kind("test.noop", _noop))
    return engine


async def test_a_daily_schedule_missed_for_three_days_fires_once(noop_engine: Engine) -> None:
    engine = noop_engine
    defined = await engine.define_schedule("daily", "test.noop", {"x": 1}, every=86400)
    assert defined.next_run_at is not None
    now = defined.next_run_at + 3 * DAY  # the machine was off for three days

    (fired,) = await engine.schedules.fire_due(make, now=now)
    assert fired.added.created
    assert (fired.added.job.kind, fired.added.job.payload) == ("test.noop", {"x": 1})
    assert (fired.schedule.next_run_at, fired.schedule.last_run_at) == (now + DAY, now)
    assert fired.schedule.last_job_id == fired.added.job.id
    assert await engine.schedules.fire_due(make, now=now) == []
    assert await engine.schedules.fire_due(make, now=now + DAY - dt.timedelta(seconds=1)) == []
    assert len(await engine.store.jobs()) == 1

    (next_day,) = await engine.schedules.fire_due(make, now=now + DAY)
    assert next_day.schedule.next_run_at == now + 2 * DAY
    assert len(await engine.store.jobs()) == 2


async def test_a_missed_cron_schedule_fires_once_and_keeps_its_wall_clock_time(
        noop_engine: Engine) -> None:
    """Daily at 03:00 Berlin, seen again four days later at 10:15: one run now, the next at
    03:00 the following day."""
    engine = noop_engine
    await engine.define_schedule("nightly", "test.noop", cron="0 3 * * *",
                                 timezone="Europe/Berlin")
    now = (dt.datetime.now(BERLIN) + 4 * DAY).replace(hour=10, minute=15, second=0,
                                                     microsecond=0)
    (fired,) = await engine.schedules.fire_due(make, now=now)
    expected = (now + DAY).replace(hour=3, minute=0)
    assert fired.schedule.next_run_at == expected.astimezone(dt.UTC)
    assert await engine.schedules.fire_due(make, now=now + dt.timedelta(hours=16)) == []
    assert len(await engine.store.jobs()) == 1


async def test_a_disabled_schedule_does_not_fire(noop_engine: Engine) -> None:
    engine = noop_engine
    defined = await engine.define_schedule("daily", "test.noop", every=86400, enabled=False)
    assert defined.next_run_at is not None
    assert await engine.schedules.fire_due(make, now=defined.next_run_at + DAY) == []
    enabled = await engine.change_schedule("daily", enabled=True)
    assert enabled.enabled
    assert enabled.next_run_at is not None
    assert len(await engine.schedules.fire_due(make, now=enabled.next_run_at)) == 1


async def test_a_due_schedule_fires_exactly_once_among_racing_processes(
        noop_engine: Engine, database: Database, database_url: str) -> None:
    """Several processes (two databases, several calls each) see the schedule due at the
    same moment, round after round: each round it fires once."""
    engine = noop_engine
    defined = await engine.define_schedule("minutely", "test.noop", every=60)
    assert defined.next_run_at is not None
    other = await Database.open(database_url)
    stores = [ScheduleStore(db, JobStore(db)) for db in (database, other)]
    due = defined.next_run_at
    rounds = 5
    try:
        for _ in range(rounds):
            fired: list[Fired] = []
            async with anyio.create_task_group() as task_group:
                for _ in range(4):
                    for store in stores:
                        task_group.start_soon(fire, store, due, fired)
            assert len(fired) == 1
            (schedule,) = await stores[1].all()
            assert schedule.next_run_at == due + dt.timedelta(seconds=60)
            assert schedule.last_job_id == fired[0].added.job.id
            assert schedule.next_run_at is not None
            due = schedule.next_run_at
    finally:
        await other.close()
    assert len(await engine.store.jobs()) == rounds


async def test_a_fired_schedule_whose_job_still_waits_adds_no_second_one(
        noop_engine: Engine) -> None:
    """The engine keys a schedule's jobs: firing while the last job waits keeps that one."""
    engine = noop_engine
    await engine.define_schedule("often", "test.noop", {"a": 1}, every=60)
    first = await engine.run_schedule_now("often")
    second = await engine.run_schedule_now("often")
    assert second.id == first.id
    assert first.state is JobState.PENDING
    schedule = await engine.schedules.get("often")
    assert schedule.last_job_id == first.id
    assert schedule.next_run_at is not None
    assert schedule.next_run_at > dt.datetime.now(dt.UTC)  # running now kept the next run


async def test_a_running_engine_fires_an_overdue_schedule_once(
        noop_engine: Engine, database: Database, published: Published) -> None:
    """A schedule that came due hours ago while nothing ran (its row says so) is fired once
    by the engine when it starts, its job runs, and its next run is a period from then."""
    engine = noop_engine
    await engine.define_schedule("hourly", "test.noop", every=3600)
    hours_ago = dt.datetime.now(dt.UTC) - dt.timedelta(hours=3)
    await database.write(lambda session: session.execute(
        update(ScheduleRow).values(next_run_at=hours_ago)))
    async with running(engine):
        await published.until(lambda: any(isinstance(event, JobUpdate) for event in published))
        (job,) = await engine.store.jobs()
        assert await published.final(job.id) is JobState.COMPLETED
    assert len(await engine.store.jobs()) == 1
    schedule = await engine.schedules.get("hourly")
    assert schedule.last_job_id == job.id
    assert schedule.next_run_at is not None
    assert schedule.next_run_at > dt.datetime.now(dt.UTC) + dt.timedelta(minutes=59)
