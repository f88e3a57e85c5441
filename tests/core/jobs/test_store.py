"""The job store on its own: claim order, one live job per key, leases taken over."""

from __future__ import annotations

import datetime as dt
from typing import Any

import anyio
import pytest
from sqlalchemy import text, update

from aniworld_core.jobs import JobState, RunState
from aniworld_core.jobs.store import TAKEN_OVER, Ending, JobStore, LeaseLost, NewJob
from aniworld_core.storage import Database
from aniworld_core.storage.job_tables import JobRow

from .conftest import PATIENCE

pytestmark = pytest.mark.anyio

KIND = "test.kind"


async def claim_one_by_one(store: JobStore, owner: str = "me") -> list[str]:
    """The ``name`` of every job claimed, one claim at a time until none is left."""
    order: list[str] = []
    while claimed := (await store.claim(owner, KIND, 1, lease_seconds=60)).started:
        order += [job.payload["name"] for job, _ in claimed]
    return order


async def test_claims_go_by_priority_then_first_queued(database: Database) -> None:
    """The lowest priority number first; within a priority, the job queued first."""
    store = JobStore(database)
    for priority, name in [(20, "a"), (5, "b"), (20, "c"), (5, "d"), (0, "e"), (30, "f"),
                           (20, "g")]:
        await store.add(NewJob(KIND, {"name": name}, priority=priority))
    assert await claim_one_by_one(store) == ["e", "b", "d", "a", "c", "g", "f"]


async def test_one_claim_takes_the_best_jobs_in_order(database: Database) -> None:
    """A claim of several jobs takes the best ones, handed out best first."""
    store = JobStore(database)
    for number in range(10):
        await store.add(NewJob(KIND, {"name": str(number)}, priority=10 - number % 3))
    claimed = await store.claim("me", KIND, 4, lease_seconds=60)
    # Priorities 10,9,8,10,9,8,...: the 8s are 2, 5, 8, then the first 9 is 1.
    assert [job.payload["name"] for job, _ in claimed.started] == ["2", "5", "8", "1"]
    assert {job.state for job, _ in claimed.started} == {JobState.RUNNING}
    assert await claim_one_by_one(store) == ["4", "7", "0", "3", "6", "9"]


async def test_a_claim_takes_only_its_kind_and_due_jobs(database: Database) -> None:
    store = JobStore(database)
    await store.add(NewJob("test.other", {"name": "other"}))
    later = await store.add(NewJob(KIND, {"name": "later"},
                                   not_before=_in_seconds(3600)))
    await store.add(NewJob(KIND, {"name": "now"}))
    assert await claim_one_by_one(store) == ["now"]
    stored = await store.get(later.job.id)
    assert stored is not None
    assert stored.state is JobState.PENDING


async def test_urgent_claims_take_only_urgent_jobs(database: Database) -> None:
    """``max_priority``: the claim the engine makes beyond a kind's concurrency."""
    store = JobStore(database)
    await store.add(NewJob(KIND, {"name": "background"}, priority=20))
    await store.add(NewJob(KIND, {"name": "person waits"}, priority=0))
    claimed = await store.claim("me", KIND, 5, lease_seconds=60, max_priority=0)
    assert [job.payload["name"] for job, _ in claimed.started] == ["person waits"]


async def test_a_duplicate_key_returns_the_live_job(database: Database) -> None:
    """While a job with the key is pending or running, adding the key again returns it (a
    more urgent priority is taken over); once it is final, a new job can be added."""
    store = JobStore(database)
    first = await store.add(NewJob(KIND, {"name": "first"}, key="k", priority=20))
    assert first.created
    again = await store.add(NewJob(KIND, {"name": "second"}, key="k", priority=20))
    assert (again.created, again.job.id, again.job.payload) == (False, first.job.id,
                                                                 {"name": "first"})

    raised = await store.add(NewJob(KIND, key="k", priority=5))
    assert (raised.created, raised.job.id, raised.job.priority) == (False, first.job.id, 5)
    lowered = await store.add(NewJob(KIND, key="k", priority=30))
    assert (lowered.job.id, lowered.job.priority) == (first.job.id, 5)
    stored = await store.get(first.job.id)
    assert stored is not None
    assert stored.priority == 5

    (job, run_id), = (await store.claim("me", KIND, 5, lease_seconds=60)).started
    while_running = await store.add(NewJob(KIND, key="k"))
    assert (while_running.created, while_running.job.id) == (False, first.job.id)
    assert while_running.job.state is JobState.RUNNING

    await store.end(job.id, "me", run_id, Ending(JobState.COMPLETED, RunState.COMPLETED))
    after = await store.add(NewJob(KIND, {"name": "after"}, key="k"))
    assert after.created
    assert after.job.id != first.job.id
    assert [j.id for j in await store.jobs(key="k")] == [after.job.id, first.job.id]
    assert (await store.live("k")) == after.job


async def test_adds_of_one_key_from_two_databases_at_once_make_one_job(
        database: Database, database_url: str) -> None:
    """Two processes adding the same key at the same moment: one job, both get it."""
    other = await Database.open(database_url)
    ids: list[int] = []

    async def add(store: JobStore) -> None:
        ids.append((await store.add(NewJob(KIND, key="same"))).job.id)

    try:
        async with anyio.create_task_group() as task_group:
            for _ in range(8):
                task_group.start_soon(add, JobStore(database))
                task_group.start_soon(add, JobStore(other))
    finally:
        await other.close()
    jobs = await JobStore(database).jobs()
    assert len(jobs) == 1
    assert ids == [jobs[0].id] * 16


async def test_an_expired_lease_is_taken_over(database: Database) -> None:
    """A job whose owner stopped renewing (its lease ran out) is claimed by another owner:
    the old run ends ``interrupted``, the old owner can no longer write it, and the attempt
    counts."""
    store = JobStore(database)
    added = await store.add(NewJob(KIND, {"name": "x"}, max_attempts=3))
    (_, old_run), = (await store.claim("gone:1:a", KIND, 1, lease_seconds=-1)).started

    (job, new_run), = (await store.claim("me", KIND, 1, lease_seconds=60)).started
    assert (job.id, job.attempts, job.lease_owner) == (added.job.id, 2, "me")
    with pytest.raises(LeaseLost):
        await store.end(job.id, "gone:1:a", old_run,
                        Ending(JobState.COMPLETED, RunState.COMPLETED))
    ended, _ = await store.end(job.id, "me", new_run,
                               Ending(JobState.COMPLETED, RunState.COMPLETED))
    assert ended.state is JobState.COMPLETED
    runs = await store.runs(job_id=job.id)
    assert [(run.owner, run.state, run.error) for run in runs] == [
        ("me", RunState.COMPLETED, None), ("gone:1:a", RunState.INTERRUPTED, TAKEN_OVER)]


async def test_a_claim_never_takes_over_the_claimers_own_jobs(database: Database) -> None:
    """An owner whose lease ran out is alive (it is claiming): it renews its jobs late, but
    must not begin them a second time next to the runs it has."""
    store = JobStore(database)
    await store.add(NewJob(KIND, {"name": "x"}))
    assert len((await store.claim("me", KIND, 1, lease_seconds=-1)).started) == 1
    assert (await store.claim("me", KIND, 1, lease_seconds=60)).started == ()
    (job, _), = (await store.claim("other", KIND, 1, lease_seconds=60)).started
    assert (job.lease_owner, job.attempts) == ("other", 2)


async def test_a_live_lease_is_not_taken(database: Database) -> None:
    store = JobStore(database)
    await store.add(NewJob(KIND, {"name": "x"}))
    assert len((await store.claim("a", KIND, 5, lease_seconds=60)).started) == 1
    assert (await store.claim("b", KIND, 5, lease_seconds=60)).started == ()


async def test_a_job_whose_runs_keep_dying_fails_once_its_attempts_are_used(
        database: Database) -> None:
    """Every claim counts an attempt, so a job that kills its process each time fails after
    ``max_attempts`` instead of being taken up for ever."""
    store = JobStore(database)
    added = await store.add(NewJob(KIND, {"name": "x"}, max_attempts=2))
    for owner in ("dead:1:a", "dead:2:b"):
        assert len((await store.claim(owner, KIND, 1, lease_seconds=-1)).started) == 1
    claimed = await store.claim("me", KIND, 1, lease_seconds=60)
    assert claimed.started == ()
    (failed, _), = claimed.exhausted
    assert (failed.id, failed.state, failed.attempts) == (added.job.id, JobState.FAILED, 2)
    assert failed.error is not None
    assert failed.error.startswith("tried 2 times")
    runs = await store.runs(job_id=added.job.id)
    assert [run.state for run in runs] == [RunState.INTERRUPTED] * 2


async def test_startup_takes_back_the_jobs_of_dead_owners(database: Database) -> None:
    """``prepare_startup``: a dead owner's running job is pending again, its run
    ``interrupted``; a live owner's job is left alone."""
    store = JobStore(database)
    dead = await store.add(NewJob(KIND, {"name": "dead"}))
    alive = await store.add(NewJob(KIND, {"name": "alive"}))
    await store.claim("dead:1:a", KIND, 1, lease_seconds=60)
    await store.claim("alive:1:a", KIND, 1, lease_seconds=60)
    pending = await store.prepare_startup(lambda owner: owner.startswith("dead:"))
    assert pending == 1
    taken_back, left = await store.get(dead.job.id), await store.get(alive.job.id)
    assert taken_back is not None
    assert left is not None
    assert (taken_back.state, taken_back.lease_owner, taken_back.attempts) == (
        JobState.PENDING, None, 1)
    assert (left.state, left.lease_owner) == (JobState.RUNNING, "alive:1:a")
    (run,) = await store.runs(job_id=dead.job.id)
    assert run.state is RunState.INTERRUPTED


async def test_a_cancel_racing_a_claim_does_not_undo_the_claim(database: Database) -> None:
    """A cancel asked while another process claims the job (its claim not yet committed)
    waits for that claim and then asks the new owner to stop; it does not write "cancelled"
    over a job that now runs elsewhere (which would leave that run open for ever)."""
    if database.dialect != "postgresql":
        pytest.skip("SQLite runs one writing transaction at a time: no race to lose")
    store = JobStore(database)
    added = await store.add(NewJob(KIND, {"name": "x"}))
    answer: list[Any] = []

    async def cancel() -> None:
        answer.append(await store.request_cancel(added.job.id))

    with database.engine.connect() as claiming, database.engine.connect() as watching:
        claim = claiming.begin()  # another process's claim, between its UPDATE and COMMIT
        claiming.execute(update(JobRow).where(JobRow.id == added.job.id).values(
            state="running", lease_owner="other:1:a", attempts=1))
        async with anyio.create_task_group() as task_group:
            task_group.start_soon(cancel)
            with anyio.fail_after(PATIENCE):
                while not watching.execute(text(  # the cancel waits for the claim's lock
                        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                        " AND datname = current_database()")).scalar():
                    watching.rollback()
                    await anyio.sleep(0.01)
            claim.commit()
    stored = await store.get(added.job.id)
    assert stored is not None
    assert (stored.state, stored.lease_owner, stored.cancel_requested) == (
        JobState.RUNNING, "other:1:a", True)


def _in_seconds(seconds: float) -> dt.datetime:
    return dt.datetime.now(dt.UTC) + dt.timedelta(seconds=seconds)
