"""A process cut off from PostgreSQL (a real network fault, through :class:`DatabaseProxy`)
stops its jobs before their leases expire, claims nothing meanwhile, and rejoins once the
database answers: each job runs again and completes once, and no run stays ``running``. A job
whose ending could not be written is queued again the same way."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import anyio
import pytest

from aniworld_core.jobs import Engine, JobContext, JobState, Kind, RunState
from aniworld_core.jobs.leases import LOST, UNSAVED
from aniworld_core.jobs.store import TAKEN_OVER, JobStore
from aniworld_core.storage import Database

from .conftest import PATIENCE, Published, running
from .db_proxy import DatabaseProxy

pytestmark = pytest.mark.anyio

#: Short, so that the test is quick; long enough that a busy machine renews in time.
LEASE = 3.0


class Waiting:
    """A job kind whose attempts wait until :attr:`release` is set; it keeps, in order, what
    happened to each attempt (``(what, owner, job id)``, ``what`` one of ``started``,
    ``stopped``, ``done``) and how many attempts ran at once at most."""

    def __init__(self) -> None:
        self.release = anyio.Event()
        self.seen: list[tuple[str, str, int]] = []
        self.inside = 0
        self.most = 0
        self._changed = anyio.Event()

    def kind(self) -> Kind:
        return Kind("test.wait", self._run)

    async def _run(self, context: JobContext) -> None:
        self.inside += 1
        self.most = max(self.most, self.inside)
        self._note("started", context)
        try:
            await self.release.wait()
            self._note("done", context)
        except anyio.get_cancelled_exc_class():
            self._note("stopped", context)
            raise
        finally:
            self.inside -= 1

    def _note(self, what: str, context: JobContext) -> None:
        self.seen.append((what, context.owner, context.job.id))
        self._changed.set()
        self._changed = anyio.Event()

    def count(self, what: str, job_id: int) -> int:
        return sum(1 for seen, _, job in self.seen if seen == what and job == job_id)

    async def until(self, done: Callable[[], bool]) -> None:
        with anyio.fail_after(PATIENCE):
            while not done():
                await self._changed.wait()


@pytest.fixture
def waiting() -> Waiting:
    return Waiting()


@asynccontextmanager
async def cut_off_engine(database_url: str, published: Published, waiting: Waiting
                         ) -> AsyncIterator[tuple[DatabaseProxy, Engine]]:
    """Engine ``A`` on the database through a proxy, running, with the waiting kind."""
    if database_url.startswith("sqlite"):
        pytest.skip("a network fault between processes and their database: on PostgreSQL")
    async with DatabaseProxy.serving(database_url) as proxy:
        through = await Database.open(proxy.url, migrate_schema=False)
        try:
            engine = Engine(through, published.append, owner="A", lease_seconds=LEASE)
            engine.register(waiting.kind())
            async with running(engine):
                yield proxy, engine
        finally:
            await through.close()


async def test_a_process_cut_off_stops_its_job_and_runs_it_again_once_the_database_is_back(
        database: Database, database_url: str, published: Published, waiting: Waiting,
        caplog: pytest.LogCaptureFixture) -> None:
    """Cut off while a job runs, the process stops the job (and says so once, naming it) while
    the job is still its own; once the database is back it queues the job again and runs it
    to the end; the interrupted attempt is not counted and its run ended ``interrupted``."""
    caplog.set_level(logging.INFO, "aniworld.jobs")
    async with cut_off_engine(database_url, published, waiting) as (proxy, engine):
        job = await engine.add("test.wait")
        await waiting.until(lambda: waiting.count("started", job.id) == 1)
        proxy.cut()
        await waiting.until(lambda: waiting.count("stopped", job.id) == 1)
        held = await JobStore(database).get(job.id)  # read directly, not through the proxy
        assert held is not None
        assert (held.state, held.lease_owner) == (JobState.RUNNING, "A")  # nobody took it yet
        stops = [record.getMessage() for record in caplog.records
                 if "has not answered" in record.getMessage()]
        assert len(stops) == 1
        assert f"job {job.id} (test.wait)" in stops[0]

        proxy.restore()
        await waiting.until(lambda: waiting.count("started", job.id) == 2)
        waiting.release.set()
        assert await published.final(job.id) is JobState.COMPLETED
    assert waiting.count("done", job.id) == 1
    assert waiting.most == 1
    runs = await JobStore(database).runs(job_id=job.id)
    assert [(run.state, run.owner, run.error) for run in runs] == [
        (RunState.COMPLETED, "A", None), (RunState.INTERRUPTED, "A", LOST)]
    ended = await JobStore(database).get(job.id)
    assert ended is not None
    assert (ended.state, ended.attempts, ended.lease_owner) == (JobState.COMPLETED, 1, None)
    assert [m for m in caplog.messages if "answers again" in m] == [
        f"The database answers again: job {job.id} is pending; claiming again"]


async def test_a_job_is_stopped_before_another_process_may_take_it_over(
        database: Database, database_url: str, published: Published, waiting: Waiting) -> None:
    """Process A is cut off while it runs a job; process B (still connected) takes the job over
    once A's lease expires, and A had stopped it before: it never ran in both at once. Back,
    A leaves B's job alone and claims new work again."""
    async with cut_off_engine(database_url, published, waiting) as (proxy, a):
        job = await a.add("test.wait")
        await waiting.until(lambda: waiting.count("started", job.id) == 1)
        b = Engine(database, Published().append, owner="B", lease_seconds=LEASE)
        b.register(waiting.kind())
        async with running(b):
            proxy.cut()
            await waiting.until(lambda: waiting.count("started", job.id) == 2)
            assert [(what, owner) for what, owner, _ in waiting.seen] == [
                ("started", "A"), ("stopped", "A"), ("started", "B")]
            proxy.restore()
            waiting.release.set()
            await waiting.until(lambda: waiting.count("done", job.id) == 1)
            with anyio.fail_after(PATIENCE):
                await b.wait_idle()
        # B is gone: only A can run the next job, once it has rejoined.
        later = (await JobStore(database).add(b.new_job("test.wait"))).job.id
        a.work_added("test.wait")
        assert await published.final(later) is JobState.COMPLETED
    assert waiting.most == 1
    assert ("done", "A", later) in waiting.seen
    runs = await JobStore(database).runs(job_id=job.id)
    assert [(run.state, run.owner, run.error) for run in runs] == [
        (RunState.COMPLETED, "B", None), (RunState.INTERRUPTED, "A", TAKEN_OVER)]
    ended = await JobStore(database).get(job.id)
    assert ended is not None
    assert ended.state is JobState.COMPLETED



async def test_a_job_whose_ending_could_not_be_written_is_queued_again(
        engine: Engine, published: Published, waiting: Waiting,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """An attempt's ending fails to be written (the database went for a moment): the process,
    which still holds the job's lease and never takes over its own jobs, queues it again
    itself; it runs again and completes, and the unrecorded attempt counts."""
    end = engine.store.end
    failed: list[int] = []

    async def fails_once(job_id: int, *args: Any) -> Any:
        if not failed:
            failed.append(job_id)
            raise OSError("the database went away")
        return await end(job_id, *args)

    monkeypatch.setattr(engine.store, "end", fails_once)
    engine.register(waiting.kind())
    waiting.release.set()
    async with running(engine):
        job = await engine.add("test.wait")
        assert await published.final(job.id) is JobState.COMPLETED
    assert failed == [job.id]
    assert waiting.count("done", job.id) == 2
    runs = await engine.store.runs(job_id=job.id)
    assert [(run.state, run.error) for run in runs] == [
        (RunState.COMPLETED, None), (RunState.INTERRUPTED, UNSAVED)]
    ended = await engine.store.get(job.id)
    assert ended is not None
    assert (ended.attempts, ended.lease_owner) == (2, None)
