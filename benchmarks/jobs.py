"""Throughput of the jobs engine: jobs claimed and completed per second with no-op handlers.

    python benchmarks/jobs.py [--jobs 5000] [--runs 5] [--processes 4]
                              [--postgres URL] [--concurrency 50] [--claim-round 50]
                              [--parts sqlite,postgres-1,postgres-4] [--backend asyncio|trio]

Each run queues ``--jobs`` jobs of one kind whose handler does nothing (queued before the clock
starts), then measures from the engine's start until the last job is recorded ``completed``:

- ``sqlite``: one engine in this process on a SQLite file in a temp dir.
- ``postgres-1``: one engine in this process on PostgreSQL.
- ``postgres-N``: N engines in processes of their own on the same PostgreSQL schema (started,
  connected and waiting before the clock starts), until the last job completed in any of them.

PostgreSQL is ``--postgres`` or ``ANIWORLD_TEST_DATABASE_URL`` (its parts are left out when
neither is given); each run gets a schema of its own, dropped afterwards. Every run checks that
every job completed after exactly one run. Prints one JSON object: per part, jobs per second
(min, median, max of ``--runs`` runs) and ``engine_cpu_ms_per_job``, the CPU time the engines'
processes spent per job (median; PostgreSQL's own work not included), which a busy machine
changes less than the rate. Targets: ≥ 1,000 jobs/s on SQLite and on PostgreSQL with 4
processes.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread
import sqlalchemy as sa
from sqlalchemy.orm import Session

from aniworld_core.jobs import Engine, JobContext, JobState, JobUpdate, Kind
from aniworld_core.jobs.owners import new_owner
from aniworld_core.storage import Database
from aniworld_core.storage.job_tables import JobRow, JobRunRow
from aniworld_testing import postgres_schema

KIND = "bench.noop"
TARGET = 1000.0


async def noop(context: JobContext) -> None:
    return None


def kind(concurrency: int, claim_round: int) -> Kind:
    return Kind(KIND, noop, concurrency=concurrency, claim_round=claim_round,
                max_pending=10**9)


async def queue(url: str, jobs: int, concurrency: int, claim_round: int) -> None:
    """Open (and migrate) the database and queue ``jobs`` jobs in one transaction."""
    database = await Database.open(url)
    try:
        engine = Engine(database, lambda event: None, owner=new_owner())
        engine.register(kind(concurrency, claim_round))
        new = [engine.new_job(KIND, {"n": number}) for number in range(jobs)]

        def add_all(session: Session) -> None:
            for job in new:
                engine.store.add_in(session, job)

        await database.write(add_all)
    finally:
        await database.close()


async def check(url: str, jobs: int) -> None:
    """Every job completed, each after exactly one run."""
    database = await Database.open(url, migrate_schema=False)
    try:
        states, runs = await database.session(lambda session: (
            dict(session.execute(sa.select(JobRow.state, sa.func.count())
                                 .group_by(JobRow.state)).all()),
            dict(session.execute(sa.select(JobRunRow.state, sa.func.count())
                                 .group_by(JobRunRow.state)).all())))
    finally:
        await database.close()
    expected = {JobState.COMPLETED.value: jobs}
    if states != expected or runs != expected:
        raise SystemExit(f"not every job completed exactly once: jobs {states}, runs {runs}")


async def in_process(url: str, jobs: int, concurrency: int, claim_round: int
                     ) -> tuple[float, float]:
    """Seconds for one engine in this process to run every queued job, and the CPU seconds
    this process used meanwhile (every thread)."""
    database = await Database.open(url)
    completed = 0
    finished = anyio.Event()

    def publish(event: Any) -> None:
        nonlocal completed
        if isinstance(event, JobUpdate) and event.state is JobState.COMPLETED:
            completed += 1
            if completed == jobs:
                finished.set()

    try:
        engine = Engine(database, publish, owner=new_owner())
        engine.register(kind(concurrency, claim_round))
        async with anyio.create_task_group() as task_group:
            started, cpu = time.perf_counter(), time.process_time()
            await task_group.start(engine.run)
            await finished.wait()
            seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
            await engine.stop()
    finally:
        await database.close()
    return seconds, cpu


async def worker(url: str, concurrency: int, claim_round: int) -> None:
    """One engine of a multi-process run: ``ready`` once connected, runs from a first line
    on stdin until a second; then prints when its last job completed (``time.time()``)."""
    database = await Database.open(url, migrate_schema=False)
    last = 0.0

    def publish(event: Any) -> None:
        nonlocal last
        if isinstance(event, JobUpdate) and event.state is JobState.COMPLETED:
            last = time.time()

    try:
        engine = Engine(database, publish, owner=new_owner())
        engine.register(kind(concurrency, claim_round))
        await database.session(lambda session: session.execute(sa.text("SELECT 1")))
        print("ready", flush=True)
        await anyio.to_thread.run_sync(sys.stdin.readline)
        cpu = time.process_time()
        async with anyio.create_task_group() as task_group:
            await task_group.start(engine.run)
            await anyio.to_thread.run_sync(sys.stdin.readline)
            cpu = time.process_time() - cpu
            await engine.stop()
        print(json.dumps({"last": last, "cpu": cpu,
                          "completed": engine.counters[KIND].completed}), flush=True)
    finally:
        await database.close()


def in_processes(url: str, jobs: int, processes: int, concurrency: int, claim_round: int,
                 backend: str) -> tuple[float, float]:
    """Seconds for ``processes`` engines in processes of their own to run every queued job
    (until the last one completed; this process watches the table meanwhile), and the CPU
    seconds they used together."""
    command = [sys.executable, __file__, "--worker", url, "--concurrency", str(concurrency),
               "--claim-round", str(claim_round), "--backend", backend]
    children = [subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                 text=True) for _ in range(processes)]
    watcher = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    completed = sa.select(sa.func.count()).select_from(JobRow).where(
        JobRow.state == JobState.COMPLETED.value)
    try:
        for child in children:
            assert child.stdout is not None
            if child.stdout.readline().strip() != "ready":
                raise SystemExit("a worker did not start")
        started = time.time()
        tell(children, "go")
        with watcher.connect() as connection:
            while connection.execute(completed).scalar_one() < jobs:
                connection.rollback()
                time.sleep(0.02)
        tell(children, "stop")
        reports = []
        for child in children:
            assert child.stdout is not None
            reports.append(json.loads(child.stdout.readline()))
            if child.wait(timeout=600) != 0:
                raise SystemExit("a worker failed")
    finally:
        watcher.dispose()
        for child in children:
            if child.poll() is None:
                child.kill()
                child.wait()
    return (max(report["last"] for report in reports) - started,
            sum(report["cpu"] for report in reports))


def tell(children: list[subprocess.Popen[str]], line: str) -> None:
    for child in children:
        assert child.stdin is not None
        child.stdin.write(line + "\n")
        child.stdin.flush()


@contextmanager
def sqlite_file() -> Iterator[str]:
    with tempfile.TemporaryDirectory() as tmp:
        yield f"sqlite:///{Path(tmp) / 'jobs.db'}"


def measure(part: str, args: argparse.Namespace) -> dict[str, Any]:
    processes = int(part.partition("-")[2] or 1)
    rates, cpus = [], []
    for _ in range(args.runs):
        place = (sqlite_file() if part == "sqlite"
                 else postgres_schema(args.postgres, prefix="bench"))
        with place as url:
            anyio.run(queue, url, args.jobs, args.concurrency, args.claim_round,
                      backend=args.backend)
            if processes == 1:
                seconds, cpu = anyio.run(in_process, url, args.jobs, args.concurrency,
                                         args.claim_round, backend=args.backend)
            else:
                seconds, cpu = in_processes(url, args.jobs, processes, args.concurrency,
                                            args.claim_round, args.backend)
            anyio.run(check, url, args.jobs, backend=args.backend)
        rates.append(args.jobs / seconds)
        cpus.append(cpu * 1000 / args.jobs)
    return {"processes": processes, "jobs_per_s": {
        "min": round(min(rates)), "median": round(statistics.median(rates)),
        "max": round(max(rates))},
        "engine_cpu_ms_per_job": round(statistics.median(cpus), 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--postgres", default=os.environ.get("ANIWORLD_TEST_DATABASE_URL"))
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--claim-round", type=int, default=50)
    parser.add_argument("--parts", default=None,
                        help="comma-separated: sqlite, postgres-1, postgres-N")
    parser.add_argument("--backend", choices=["asyncio", "trio"], default="asyncio")
    parser.add_argument("--worker", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        anyio.run(worker, args.worker, args.concurrency, args.claim_round,
                  backend=args.backend)
        return
    parts = (args.parts.split(",") if args.parts else
             ["sqlite", "postgres-1", f"postgres-{args.processes}"])
    if not args.postgres:
        parts = [part for part in parts if not part.startswith("postgres")]
    result: dict[str, Any] = {
        "jobs": args.jobs, "runs": args.runs, "concurrency": args.concurrency,
        "claim_round": args.claim_round, "backend": args.backend, "target_jobs_per_s": TARGET,
    }
    for part in parts:
        result[part] = measure(part, args)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
