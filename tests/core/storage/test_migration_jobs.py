"""A database of the release before the jobs engine migrates with its queue and history intact.

``tests/data/databases/release-0008.db`` was made by that release (``make_release_0008.py``
beside it, run with that release installed): series queued, retrying, waiting for a provider,
held by a process that is gone, failed, cancelled and completed, with their load runs.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from aniworld_core import JobState, LoadingStatus, SeriesApp, Settings

pytestmark = pytest.mark.anyio

RELEASE_DB = Path(__file__).parents[2] / "data" / "databases" / "release-0008.db"


async def test_the_queue_and_the_history_of_the_last_release_survive(tmp_path: Path) -> None:
    database = tmp_path / "aniworld.db"
    shutil.copy(RELEASE_DB, database)
    settings = Settings(data_dir=tmp_path / "data", database_url=f"sqlite:///{database}",
                        load_entry_points=False)
    async with SeriesApp.open(settings, loader=False) as app:
        by_title = {series.title: series for series in await app.list_series()}
        loads = {series.title: await app.jobs.list(kind="series.load",
                                                   key=f"series:{series.id}")
                 for series in by_title.values()}
        runs = {title: await app.load_runs(series.id) for title, series in by_title.items()}

    pending = {title: jobs[0] for title, jobs in loads.items()
               if jobs and jobs[0].state is JobState.PENDING}
    assert set(pending) == {"Queued Show", "Retrying Show", "Waiting Show", "Interrupted Show"}
    assert pending["Queued Show"].priority == 0
    assert pending["Retrying Show"].attempts == 2
    assert pending["Retrying Show"].not_before is not None
    assert pending["Waiting Show"].gate == "provider:anilist"
    assert pending["Interrupted Show"].lease_owner is None
    # Finished series keep their history as the runs of a finished job, and are not queued.
    assert [job.state for job in loads["Failed Show"]] == [JobState.FAILED]
    assert [job.state for job in loads["Cancelled Show"]] == [JobState.CANCELLED]
    assert [job.state for job in loads["Completed Show"]] == [JobState.COMPLETED]
    assert [run.status for run in runs["Completed Show"]] == [LoadingStatus.COMPLETED,
                                                              LoadingStatus.INTERRUPTED]
    assert [run.error for run in runs["Retrying Show"]] == ["Episodes: jikan: HTTP 503"] * 2
    assert [run.status for run in runs["Interrupted Show"]] == [LoadingStatus.INTERRUPTED]
    # What people read of a series is as it was.
    assert by_title["Failed Show"].needs_choice
    assert by_title["Waiting Show"].loading_status is LoadingStatus.QUEUED
    assert "queued_at" not in by_title["Queued Show"].to_dict()
