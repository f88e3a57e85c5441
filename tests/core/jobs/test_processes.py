"""Engines in real processes: one killed with SIGKILL mid-job, four claiming from one queue."""

from __future__ import annotations

import collections
import json
import os
import signal
import sys
from pathlib import Path

import anyio
import pytest
from anyio.abc import Process
from anyio.streams.text import TextReceiveStream

from aniworld_core.jobs import Engine, JobContext, JobState, Kind, RunState
from aniworld_core.jobs.store import PROCESS_GONE
from aniworld_core.storage import Database

from .conftest import Published, running

pytestmark = pytest.mark.anyio

CHILD = str(Path(__file__).with_name("child.py"))
#: A hang guard for work that involves starting Python processes on a busy machine.
SLOW = 120


@pytest.fixture
def anyio_backend() -> str:
    """The child processes run on asyncio; the parent's backend changes nothing here."""
    return "asyncio"


class Child:
    """A child process and its stdout, line by line."""

    def __init__(self, process: Process) -> None:
        assert process.stdout is not None
        self.process = process
        self._stdout = TextReceiveStream(process.stdout)
        self._buffer = ""

    async def line(self) -> str:
        while "\n" not in self._buffer:
            try:
                self._buffer += await self._stdout.receive()
            except anyio.EndOfStream:
                raise AssertionError(f"the child ended: {await self.errors()}") from None
        line, self._buffer = self._buffer.split("\n", 1)
        return line

    async def errors(self) -> str:
        assert self.process.stderr is not None
        return (await self.process.stderr.receive()).decode(errors="replace")


def started_jobs(log: Path) -> list[tuple[int, int]]:
    """``(job id, pid)`` of every start logged."""
    return [(int(job), int(pid)) for job, pid in
            (line.split() for line in log.read_text().splitlines())]


async def test_a_job_killed_with_its_process_runs_again_at_the_next_start(
        engine: Engine, published: Published, database_url: str, tmp_path: Path) -> None:
    """SIGKILL while a job runs: nothing is lost. The next start sees the job's owner is a
    process that no longer exists, ends its run ``interrupted`` and runs the job again; it
    ran twice in all, once in each process."""
    log = tmp_path / "starts.log"

    async def finish(context: JobContext) -> None:
        with log.open("a") as file:
            file.write(f"{context.job.id} {os.getpid()}\n")

    engine.register(Kind("test.block", finish))
    job = await engine.add("test.block", {"n": 1})
    with anyio.fail_after(SLOW):
        async with await anyio.open_process(
                [sys.executable, CHILD, "block", database_url, str(log)]) as process:
            child = Child(process)
            assert await child.line() == f"started {job.id}"
            held = await engine.get(job.id)
            assert held.state is JobState.RUNNING
            assert held.lease_owner is not None
            assert held.lease_owner.split(":")[1] == str(process.pid)
            process.send_signal(signal.SIGKILL)
            assert await process.wait() == -signal.SIGKILL

    async with running(engine):
        assert await published.final(job.id) is JobState.COMPLETED
    done = await engine.get(job.id)
    assert (done.state, done.attempts, done.lease_owner) == (JobState.COMPLETED, 2, None)
    runs = await engine.store.runs(job_id=job.id)
    assert [(run.attempt, run.owner, run.state, run.error) for run in runs] == [
        (2, engine.owner, RunState.COMPLETED, None),
        (1, held.lease_owner, RunState.INTERRUPTED, PROCESS_GONE)]
    assert started_jobs(log) == [(job.id, process.pid), (job.id, os.getpid())]


async def test_four_processes_run_every_job_exactly_once(
        engine: Engine, database: Database, database_url: str, tmp_path: Path) -> None:
    """400 jobs, four engines in processes of their own claiming from the same PostgreSQL
    schema at the same moment: every job runs once, in one process, and completes."""
    if database.dialect != "postgresql":
        pytest.skip("claims racing across processes: on PostgreSQL (ANIWORLD_TEST_DATABASE_URL)")
    log = tmp_path / "starts.log"
    engine.register(Kind("test.work", _never, max_pending=1000))
    new = [engine.new_job("test.work", {"n": n}) for n in range(400)]
    added = await database.write(
        lambda session: [engine.store.add_in(session, job).job.id for job in new])

    completed: set[int] = set()
    all_completed = anyio.Event()
    reports: list[dict[str, int]] = []

    async def watch(child: Child) -> None:
        while (line := await child.line()).startswith("completed "):
            completed.add(int(line.split()[1]))
            if len(completed) == len(added):
                all_completed.set()
        reports.append(json.loads(line))

    with anyio.fail_after(SLOW):
        processes = [await anyio.open_process(
            [sys.executable, CHILD, "work", database_url, str(log)]) for _ in range(4)]
        try:
            children = [Child(process) for process in processes]
            for child in children:
                assert await child.line() == "ready"
            async with anyio.create_task_group() as task_group:
                for child in children:
                    task_group.start_soon(watch, child)
                await tell(processes, b"go\n")  # all at once, once every one is connected
                await all_completed.wait()
                await tell(processes, b"stop\n")
            assert [await process.wait() for process in processes] == [0] * 4
        finally:
            for process in processes:
                if process.returncode is None:
                    process.kill()
                await process.aclose()

    starts = collections.Counter(job for job, _ in started_jobs(log))
    assert sorted(starts) == sorted(added)
    assert set(starts.values()) == {1}
    assert sum(report["completed"] for report in reports) == len(added)
    assert completed == set(added)
    assert await engine.store.counts() == {("test.work", "completed"): len(added)}
    runs = await engine.store.runs(kind="test.work", limit=1000)
    assert sorted(run.job_id for run in runs) == sorted(added)
    assert {run.state for run in runs} == {RunState.COMPLETED}


async def tell(processes: list[Process], line: bytes) -> None:
    for process in processes:
        assert process.stdin is not None
        await process.stdin.send(line)


async def _never(context: JobContext) -> None:
    raise AssertionError("the test process runs no test.work job")
