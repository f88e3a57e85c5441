from __future__ import annotations

from typing import Any

import anyio
import pytest

from aniworld_core.jobs import Engine, JobContext, JobState, Kind

pytestmark = pytest.mark.anyio


async def test_a_job_runs_once_and_completes(engine: Engine, published: list[Any]) -> None:
    seen: list[dict[str, Any]] = []
    done = anyio.Event()

    async def run(context: JobContext) -> None:
        seen.append(context.payload)
        await context.progress(1, 1, "done")
        done.set()

    engine.register(Kind("test.echo", run))
    async with anyio.create_task_group() as tg:
        await tg.start(engine.run)
        job = await engine.add("test.echo", {"x": 1}, key="k")
        again = await engine.add("test.echo", {"x": 2}, key="k")
        assert again.id == job.id
        with anyio.fail_after(10):
            await engine.wait_idle()
        await engine.stop()
    stored = await engine.get(job.id)
    assert stored.state is JobState.COMPLETED
    assert seen == [{"x": 1}]
    runs = await engine.store.runs(job_id=job.id)
    assert [run.state.value for run in runs] == ["completed"]
