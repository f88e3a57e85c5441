"""What a running load writes, under its job's lease; requests to load again; start-up.

Claiming, leases and retries of the jobs themselves are the engine's (tests/core/jobs).
"""

from __future__ import annotations

import anyio
import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from aniworld_core.jobs import Job, JobState
from aniworld_core.jobs.store import JobStore
from aniworld_core.models import LoadingStatus, Part, Priority, Series, StepResult
from aniworld_core.storage import Database, NewSeries, SeriesStore
from aniworld_core.storage.job_tables import JobRow
from aniworld_core.storage.load_queue import SERIES_LOAD, load_key
from aniworld_core.storage.tables import SeriesRow
from aniworld_core.storage.work import LeaseLost, WorkStore, follow_job

pytestmark = pytest.mark.anyio


async def add(database: Database, count: int, priority: int = Priority.USER) -> list[Series]:
    store = SeriesStore(database)
    return [await store.add(NewSeries(title=f"S{n}", priority=priority)) for n in range(count)]


async def claim(database: Database, owner: str, count: int) -> dict[str, Job]:
    """Claim ``count`` load jobs for ``owner``: series id -> its job."""
    claimed = await JobStore(database).claim(owner, SERIES_LOAD, count, lease_seconds=60)
    return {str(job.payload["series_id"]): job for job, _ in claimed.started}


async def loads(database: Database, series_id: str) -> list[Job]:
    return await JobStore(database).jobs(kind=SERIES_LOAD, key=load_key(series_id))


async def test_adding_a_series_queues_its_load_in_the_same_transaction(
        database: Database) -> None:
    [series] = await add(database, 1, Priority.USER)
    [job] = await loads(database, series.id)
    assert (job.state, job.priority, job.payload) == (JobState.PENDING, Priority.USER,
                                                      {"series_id": series.id})


async def test_saves_made_together_fail_only_where_the_lease_was_lost(database: Database
                                                                      ) -> None:
    """Ten saves at once share one transaction; the two whose jobs another worker took over
    raise LeaseLost and change nothing, the others are stored."""
    added = await add(database, 10)
    jobs = await claim(database, "me", 10)
    lost = {added[3].id, added[7].id}

    def take_over(session: Session) -> None:
        session.execute(update(JobRow).where(JobRow.live_key.in_([load_key(s) for s in lost]))
                        .values(lease_owner="other"))

    await database.session(take_over)
    work = WorkStore(database)
    outcomes: dict[str, object] = {}

    async def save(series: Series) -> None:
        try:
            outcomes[series.id] = await work.save(series, "me", jobs[series.id].id,
                                                  StepResult.completed(Part.EPISODES))
        except LeaseLost as error:
            outcomes[series.id] = error

    with anyio.fail_after(10):
        async with anyio.create_task_group() as task_group:
            for series in added:
                task_group.start_soon(save, series)
    assert {sid for sid, outcome in outcomes.items() if isinstance(outcome, LeaseLost)} == lost
    store = SeriesStore(database)
    for series in added:
        stored = await store.get(series.id)
        assert stored.episodes_loaded is (series.id not in lost)
        assert stored.loading_status is (LoadingStatus.PENDING if series.id in lost
                                         else LoadingStatus.LOADING_NFO)


async def test_requeue_does_not_duplicate_a_running_load(database: Database) -> None:
    """Refreshing a series whose load runs only raises its job's priority; what it has
    loaded is not touched under the running load."""
    [series] = await add(database, 1, Priority.RESUME)
    jobs = await claim(database, "me", 1)
    requeued = await WorkStore(database).requeue(series.id, priority=Priority.USER,
                                                 reset_progress=True)
    assert requeued is not None
    [job] = await loads(database, series.id)
    assert (job.id, job.state, job.priority) == (jobs[series.id].id, JobState.RUNNING,
                                                 Priority.USER)


async def test_a_refresh_keeps_what_is_loaded(database: Database) -> None:
    """A refresh queues a load that runs every step again, but the series keeps its data
    until each replacement is saved."""
    [series] = await add(database, 1)

    def loaded(session: Session) -> None:
        session.execute(update(SeriesRow).values(
            loading_status="completed", episodes_loaded=True, nfo_loaded=True,
            logo_loaded=True, images_loaded=True))
        session.execute(update(JobRow).values(state="completed", live_key=None))

    await database.session(loaded)
    refreshed = await WorkStore(database).requeue(series.id, refresh=True)
    assert refreshed is not None
    assert refreshed.progress.to_dict() == dict.fromkeys(["episodes", "nfo", "logo",
                                                          "images"], True)
    pending = [job for job in await loads(database, series.id)
               if job.state is JobState.PENDING]
    assert [job.payload for job in pending] == [{"series_id": series.id, "refresh": True}]


@pytest.mark.parametrize(("flags", "status"), [(True, LoadingStatus.COMPLETED),
                                               (False, LoadingStatus.CANCELLED)])
async def test_a_cancelled_load_keeps_what_earlier_loads_loaded(
        database: Database, flags: bool, status: LoadingStatus) -> None:
    """Cancelling is no error of the series: a loaded series whose refresh was cancelled is
    still loaded; one that never loaded is cancelled."""
    [series] = await add(database, 1)

    def cancel(session: Session) -> object:
        session.execute(update(SeriesRow).values(
            episodes_loaded=flags, nfo_loaded=flags, logo_loaded=flags, images_loaded=flags))
        return follow_job(session, series.id, "cancelled", "cancelled", attempts=1,
                          error="Cancelled by the user.", not_before=None, inputs_key=str)

    await database.session(cancel)
    stored = await SeriesStore(database).get(series.id)
    assert (stored.loading_status, stored.loading_error) == (status, None)


async def test_startup_queues_unfinished_series_without_a_job_and_demotes_the_queue(
        database: Database) -> None:
    """After a crash between writing a series and its job, or a failed one: start-up queues
    unfinished series that have no live load (at resume priority, behind users' work), and
    demotes what was queued; a failed series stays failed while nothing it was tried with
    changed."""
    queued, orphan, failed = await add(database, 3, Priority.USER)

    def crash(session: Session) -> None:
        session.execute(JobRow.__table__.delete().where(  # type: ignore[attr-defined]
            JobRow.live_key.in_([load_key(orphan.id), load_key(failed.id)])))
        session.execute(update(SeriesRow).where(SeriesRow.id == orphan.id)
                        .values(loading_status="loading_nfo", episodes_loaded=True))
        session.execute(update(SeriesRow).where(SeriesRow.id == failed.id)
                        .values(loading_status="failed", failed_inputs="same"))

    await database.session(crash)
    count = await WorkStore(database).prepare_startup(inputs_key=lambda series: "same")
    assert count == 2
    for series in (queued, orphan):
        [job] = await loads(database, series.id)
        assert (job.state, job.priority) == (JobState.PENDING, Priority.RESUME)
    assert await loads(database, failed.id) == []
    await WorkStore(database).prepare_startup(inputs_key=lambda series: "changed")
    [job] = await loads(database, failed.id)
    assert job.state is JobState.PENDING
    assert (await SeriesStore(database).get(failed.id)).loading_status is LoadingStatus.PENDING
