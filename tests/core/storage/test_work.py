"""The work queue: claims never overlap, leases expire, dead processes' leases come back."""

from __future__ import annotations

import datetime as dt
import socket
import sys
from collections.abc import AsyncIterator

import anyio
import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from aniworld_core.models import LoadingStatus, Priority
from aniworld_core.storage import Database, NewSeries, SeriesStore
from aniworld_core.storage.tables import LoadRunRow, SeriesRow
from aniworld_core.storage.types import utcnow
from aniworld_core.storage.work import LeaseLost, WorkStore, new_owner
from aniworld_core.storage.work_queue import owner_is_dead_local_process

pytestmark = pytest.mark.anyio


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    database = await Database.open(database_url)
    try:
        yield database
    finally:
        await database.close()


async def add(database: Database, count: int, priority: int = Priority.USER) -> list[str]:
    store = SeriesStore(database)
    return [(await store.add(NewSeries(title=f"S{n}", priority=priority))).id
            for n in range(count)]


async def test_claims_follow_priority_then_queue_order(database: Database) -> None:
    """Claims take the lowest priority number first, then the oldest queued."""
    later = await add(database, 2, Priority.RESUME)
    first = await add(database, 2, Priority.USER)
    claimed = await WorkStore(database).claim("me", 3, lease_seconds=60)
    assert [s.id for s in claimed] == [*first, later[0]]


async def test_concurrent_claims_never_overlap(database_url: str, database: Database) -> None:
    """Two processes' claims (two engines) never lease the same series."""
    await add(database, 60)
    other = await Database.open(database_url)
    try:
        results: list[list[str]] = []

        async def claim(db: Database, owner: str) -> None:
            for _ in range(6):
                claimed = await WorkStore(db).claim(owner, 5, lease_seconds=60)
                results.append([s.id for s in claimed])

        async with anyio.create_task_group() as task_group:
            task_group.start_soon(claim, database, "one")
            task_group.start_soon(claim, other, "two")
    finally:
        await other.close()
    ids = [series_id for batch in results for series_id in batch]
    assert len(ids) == len(set(ids)) == 60


async def test_an_expired_lease_can_be_claimed_again(database: Database) -> None:
    """A lease past its expiry is free for another worker (its process died)."""
    [series_id] = await add(database, 1)
    work = WorkStore(database)
    assert [s.id for s in await work.claim("dead", 1, lease_seconds=60)] == [series_id]
    assert await work.claim("alive", 1, lease_seconds=60) == []

    def expire(session: object) -> None:
        session.execute(update(SeriesRow).values(  # type: ignore[attr-defined]
            lease_expires_at=utcnow() - dt.timedelta(seconds=1)))

    await database.session(expire)
    assert [s.id for s in await work.claim("alive", 1, lease_seconds=60)] == [series_id]


async def test_startup_takes_back_leases_of_dead_local_processes(database: Database) -> None:
    """A lease held by a process of this host that no longer exists is freed at startup."""
    ids = await add(database, 2)
    finished = await anyio.run_process([sys.executable, "-c", "import os; print(os.getpid())"])
    dead = f"{socket.gethostname()[:40]}:{finished.stdout.decode().strip()}:abcdef"
    assert owner_is_dead_local_process(dead)
    assert not owner_is_dead_local_process(new_owner())
    assert not owner_is_dead_local_process("elsewhere.example:1:abcdef")
    work = WorkStore(database)
    await work.claim(dead, 1, lease_seconds=3600)
    await work.claim("elsewhere.example:1:abcdef", 1, lease_seconds=3600)
    assert await work.prepare_startup(max_attempts=5) == 2
    claimed = await work.claim("me", 2, lease_seconds=60)
    assert [s.id for s in claimed] == [ids[0]]


async def test_startup_demotes_queued_work_and_requeues_interrupted(database: Database) -> None:
    """After a restart, queued work has resume priority; loading but unqueued rows and failed
    ones with attempts left are queued again; completed ones are not."""
    queued, loading, failed, exhausted, done = await add(database, 5)

    def shape(session: object) -> None:
        for series_id, status, attempts in ((loading, "loading_nfo", 0), (failed, "failed", 1),
                                             (exhausted, "failed", 5), (done, "completed", 0)):
            session.execute(update(SeriesRow).where(SeriesRow.id == series_id).values(  # type: ignore[attr-defined]
                loading_status=status, attempts=attempts, queued_at=None))

    await database.session(shape)
    assert await WorkStore(database).prepare_startup(max_attempts=5) == 3
    store = SeriesStore(database)
    for series_id in (queued, loading, failed):
        series = await store.get(series_id)
        assert series.queued_at is not None
        assert series.priority == Priority.RESUME
    for series_id in (exhausted, done):
        assert (await store.get(series_id)).queued_at is None


async def test_requeue_does_not_duplicate_a_running_load(database: Database) -> None:
    """Refreshing a series that is being loaded only raises its priority."""
    [series_id] = await add(database, 1, Priority.RESUME)
    work = WorkStore(database)
    await work.claim("me", 1, lease_seconds=60)
    assert len((await work.begin_runs([series_id], "me")).started) == 1
    requeued = await work.requeue(series_id, priority=Priority.USER, reset_progress=True)
    assert requeued is not None
    assert requeued.loading_status is LoadingStatus.LOADING_EPISODES
    assert requeued.priority == Priority.USER
    assert await work.claim("other", 1, lease_seconds=60) == []


async def test_beginning_runs_records_one_attempt_per_leased_series(database: Database) -> None:
    """Each claimed series gets its own load run (its id returned with the series, in the
    order asked); a series no longer leased to the caller is left out."""
    ids = await add(database, 5)
    work = WorkStore(database)
    claimed = [s.id for s in await work.claim("me", 5, lease_seconds=60)]
    await work.release("me", [ids[2]])
    asked = [ids[4], ids[2], ids[0], ids[3], ids[1]]
    begun = (await work.begin_runs(asked, "me")).started
    assert [series.id for _, series in begun] == [ids[4], ids[0], ids[3], ids[1]]
    assert all(series.loading_status is LoadingStatus.LOADING_EPISODES for _, series in begun)

    def runs(session: Session) -> dict[int, str]:
        rows = session.execute(select(LoadRunRow.id, LoadRunRow.series_id))
        return {int(row[0]): str(row[1]) for row in rows}

    recorded = await database.session(runs)
    assert len(recorded) == 4
    assert {run_id: series.id for run_id, series in begun} == recorded
    assert sorted(claimed) == sorted(ids)


async def test_saves_made_together_fail_only_where_the_lease_was_lost(database: Database
                                                                      ) -> None:
    """Ten saves and finishes at once share one transaction; the two whose series another
    worker took over raise LeaseLost and change nothing, the others are stored with their
    runs ended."""
    ids = await add(database, 10)
    work = WorkStore(database)
    claimed = {s.id: s for s in await work.claim("me", 10, lease_seconds=60)}
    runs = {series.id: run_id for run_id, series in (await work.begin_runs(ids, "me")).started}
    lost = {ids[3], ids[7]}

    def take_over(session: Session) -> None:
        session.execute(update(SeriesRow).where(SeriesRow.id.in_(lost))
                        .values(lease_owner="other"))

    await database.session(take_over)
    outcomes: dict[str, object] = {}

    async def step(number: int, series_id: str) -> None:
        series = claimed[series_id]
        try:
            if number % 2:
                outcomes[series_id] = await work.finish(series, "me", runs[series_id],
                                                        LoadingStatus.COMPLETED)
            else:
                outcomes[series_id] = await work.save(series, "me", episodes_loaded=True)
        except LeaseLost as error:
            outcomes[series_id] = error

    with anyio.fail_after(10):
        async with anyio.create_task_group() as task_group:
            for number, series_id in enumerate(ids):
                task_group.start_soon(step, number, series_id)
    assert {sid for sid, outcome in outcomes.items() if isinstance(outcome, LeaseLost)} == lost

    def stored(session: Session) -> dict[str, tuple[str, bool, str | None]]:
        rows = session.execute(select(SeriesRow.id, SeriesRow.loading_status,
                                      SeriesRow.episodes_loaded, LoadRunRow.status)
                               .join(LoadRunRow, LoadRunRow.series_id == SeriesRow.id))
        return {row[0]: (row[1], row[2], row[3]) for row in rows}

    rows = await database.session(stored)
    for number, series_id in enumerate(ids):
        if series_id in lost:
            assert rows[series_id] == ("loading_episodes", False, "loading_episodes")
        elif number % 2:
            assert rows[series_id] == ("completed", False, "completed")
        else:
            assert rows[series_id] == ("loading_nfo", True, "loading_episodes")


async def _expire_leases(database: Database) -> None:
    def expire(session: Session) -> None:
        session.execute(update(SeriesRow).values(
            lease_expires_at=utcnow() - dt.timedelta(seconds=1)))

    await database.session(expire)


async def test_attempts_count_when_claimed_and_run_out_even_if_none_finishes(
        database: Database) -> None:
    """Each claim counts an attempt; attempts whose process died (their lease expired)
    count too, their runs end interrupted when the series is taken over, and once
    ``max_attempts`` are used up the next claim fails the series with the reason instead of
    beginning another attempt."""
    [series_id] = await add(database, 1)
    work = WorkStore(database)
    for attempt in (1, 2, 3):
        await work.claim(f"worker{attempt}", 1, lease_seconds=60)
        begun = await work.begin_runs([series_id], f"worker{attempt}", max_attempts=3)
        assert [series.attempts for _, series in begun.started] == [attempt]
        await _expire_leases(database)  # the worker died without a word
    await work.claim("last", 1, lease_seconds=60)
    begun = await work.begin_runs([series_id], "last", max_attempts=3)
    assert begun.started == ()
    [failed] = begun.exhausted
    assert failed.loading_status is LoadingStatus.FAILED
    assert failed.loading_error is not None
    assert failed.loading_error.startswith("Loading: tried 3 times, and the last attempt ended "
                                           "without a result")
    assert failed.queued_at is None
    runs = await SeriesStore(database).load_runs(series_id)
    assert [run.status for run in runs] == [LoadingStatus.INTERRUPTED] * 3
    assert all(run.finished_at is not None for run in runs)
    assert await work.claim("again", 1, lease_seconds=60) == []


async def test_a_run_taken_over_after_its_lease_expired_ends_interrupted(
        database: Database) -> None:
    """A load run whose process stopped renewing its lease does not stay open forever: the
    attempt that takes the series over ends it as interrupted, saying why."""
    [series_id] = await add(database, 1)
    work = WorkStore(database)
    await work.claim("stuck", 1, lease_seconds=60)
    await work.begin_runs([series_id], "stuck")
    await _expire_leases(database)
    await work.claim("fresh", 1, lease_seconds=60)
    [(run_id, _)] = (await work.begin_runs([series_id], "fresh")).started
    newest, older = await SeriesStore(database).load_runs(series_id)
    assert newest.id == run_id
    assert newest.finished_at is None
    assert older.status is LoadingStatus.INTERRUPTED
    assert older.finished_at is not None
    assert older.error is not None
    assert "lease expired" in older.error


async def test_interrupted_work_is_queued_and_its_attempt_given_back(
        database: Database) -> None:
    """An attempt cut short by a shutdown (or a provider that is down) does not count: the
    series is back in the queue as queued with the reason, its run ended interrupted."""
    [series_id] = await add(database, 1)
    work = WorkStore(database)
    await work.claim("me", 1, lease_seconds=60)
    [(run_id, series)] = (await work.begin_runs([series_id], "me")).started
    assert series.attempts == 1
    back = await work.interrupt(series, "me", run_id, "Interrupted by shutdown; resumes at "
                                "next start.")
    stored = await SeriesStore(database).get(series_id)
    assert (back.loading_status, stored.loading_status) == (LoadingStatus.QUEUED,) * 2
    assert stored.attempts == 0
    assert stored.queued_at is not None
    assert stored.loading_error == "Interrupted by shutdown; resumes at next start."
    [run] = await SeriesStore(database).load_runs(series_id)
    assert run.status is LoadingStatus.INTERRUPTED
    assert [s.id for s in await work.claim("next", 1, lease_seconds=60)] == [series_id]
