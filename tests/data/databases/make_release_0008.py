"""Make ``release-0008.db``: run with the release before the jobs engine installed (schema
revision 0008_contracts), ``python make_release_0008.py release-0008.db``. Not a test.

Series queued, retrying, waiting for a provider, held by a process that is gone, failed,
cancelled and completed, with their load runs: what a migration must carry over.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import sys
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from aniworld_core import SeriesApp, Settings

START = dt.datetime(2026, 11, 1, 12, 0)
TITLES = ["Queued Show", "Retrying Show", "Waiting Show", "Failed Show", "Cancelled Show",
          "Completed Show", "Interrupted Show"]


async def main(path: Path) -> None:
    settings = Settings(data_dir=path.parent / "data", database_url=f"sqlite:///{path}",
                        load_entry_points=False)
    async with SeriesApp.open(settings, loader=False) as app:
        ids = {title: (await app.add_series(title)).id for title in TITLES}
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        def run(title: str, status: str, minute: int, error: str | None = None,
                finished: bool = True) -> None:
            conn.execute(sa.text(
                "INSERT INTO load_runs (series_id, status, started_at, finished_at, error) "
                "VALUES (:series, :status, :started, :finished, :error)"),
                {"series": ids[title], "status": status,
                 "started": START + dt.timedelta(minutes=minute),
                 "finished": START + dt.timedelta(minutes=minute + 1) if finished else None,
                 "error": error})

        def change(title: str, **values: Any) -> None:
            assignments = ", ".join(f"{name} = :{name}" for name in values)
            conn.execute(sa.text(f"UPDATE series SET {assignments} WHERE id = :id"),
                         {**values, "id": ids[title]})

        change("Queued Show", priority=0)
        change("Retrying Show", priority=10, attempts=2, loading_status="loading_episodes",
               next_attempt_at=START + dt.timedelta(hours=1),
               loading_error="Episodes: jikan: HTTP 503")
        run("Retrying Show", "failed", 0, "Episodes: jikan: HTTP 503")
        run("Retrying Show", "failed", 5, "Episodes: jikan: HTTP 503")
        change("Waiting Show", priority=10, waiting_for="anilist", loading_status="queued",
               loading_error="Waiting: cannot reach AniList",
               next_attempt_at=START + dt.timedelta(minutes=30))
        run("Waiting Show", "interrupted", 1, "Waiting: cannot reach AniList")
        change("Failed Show", queued_at=None, loading_status="failed", attempts=5,
               loading_error="Identify: no confident match", failed_inputs="abc",
               needs_choice=True)
        run("Failed Show", "failed", 2, "Identify: no confident match")
        change("Cancelled Show", queued_at=None, loading_status="cancelled",
               loading_error="Cancelled by the user.")
        run("Cancelled Show", "cancelled", 3, "Cancelled by the user.")
        change("Completed Show", queued_at=None, loading_status="completed",
               episodes_loaded=True, nfo_loaded=True, logo_loaded=True, images_loaded=True)
        run("Completed Show", "loading_episodes", 4,
            "Interrupted: the process loading it stopped.")
        run("Completed Show", "completed", 6)
        change("Interrupted Show", priority=10, lease_owner="gone-host:1:abc",
               lease_expires_at=START, loading_status="loading_nfo", episodes_loaded=True,
               attempts=1)
        run("Interrupted Show", "loading_nfo", 7, finished=False)
    engine.dispose()


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1])))
