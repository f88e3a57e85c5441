"""An engine in a process of its own, for the tests that kill one or run several at once.

    python child.py block URL LOG  # run test.block jobs: log, print "started ID", wait for ever
    python child.py work URL LOG   # print "ready"; from a line on stdin run test.work jobs
                                   # (print "completed ID" for each) until a second line,
                                   # then print {"completed": N}

Each job a handler starts appends ``JOB_ID PID`` to LOG (one ``O_APPEND`` write, so lines of
several processes never mix).
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

import anyio
import anyio.lowlevel
import anyio.to_thread

from aniworld_core.jobs import Engine, JobContext, JobState, JobUpdate, Kind
from aniworld_core.jobs.owners import new_owner
from aniworld_core.storage import Database


def log_start(path: str, job_id: int) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(descriptor, f"{job_id} {os.getpid()}\n".encode())
    finally:
        os.close(descriptor)


def ignore(event: Any) -> None:
    return None


async def block(url: str, log: str) -> None:
    async def run(context: JobContext) -> None:
        log_start(log, context.job.id)
        print("started", context.job.id, flush=True)
        await anyio.sleep_forever()

    database = await Database.open(url, migrate_schema=False)
    engine = Engine(database, ignore, owner=new_owner())
    engine.register(Kind("test.block", run))
    async with anyio.create_task_group() as task_group:
        await task_group.start(engine.run)


async def work(url: str, log: str) -> None:
    async def run(context: JobContext) -> None:
        log_start(log, context.job.id)
        await anyio.lowlevel.checkpoint()

    def publish(event: Any) -> None:
        if isinstance(event, JobUpdate) and event.state is JobState.COMPLETED:
            print("completed", event.job_id, flush=True)

    database = await Database.open(url, migrate_schema=False)
    try:
        engine = Engine(database, publish, owner=new_owner())
        engine.register(Kind("test.work", run, concurrency=8))
        print("ready", flush=True)
        await anyio.to_thread.run_sync(sys.stdin.readline)
        async with anyio.create_task_group() as task_group:
            await task_group.start(engine.run)
            await anyio.to_thread.run_sync(sys.stdin.readline)
            await engine.stop()
        print(json.dumps({"completed": engine.counters["test.work"].completed}), flush=True)
    finally:
        await database.close()


if __name__ == "__main__":
    mode, url, log = sys.argv[1:4]
    anyio.run(block if mode == "block" else work, url, log)
