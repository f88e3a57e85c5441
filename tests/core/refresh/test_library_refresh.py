"""The library-wide refresh against the fake AniList and Jikan, on the real database: one
batched question for every show, episode lists again only for the shows that changed, finished
shows only once their interval has passed, and a provider that is down loses nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import anyio
import attrs
import pytest
from sqlalchemy import update

from aniworld_core import ProviderRef, SeriesApp, Settings
from aniworld_core.jobs import Job, JobState, JobUpdate
from aniworld_core.storage import Database
from aniworld_core.storage.tables import SeriesRow
from aniworld_testing import Dataset
from aniworld_testing.dataset import SeriesRecord
from tests.core.loader.conftest import settings_for

from .test_airing_checks import SHOW_ID, weekly_show

pytestmark = pytest.mark.anyio
BEBOP, MONSTER = 1, 19  # finished shows of the catalogue


@pytest.fixture
def serve(fakes: Any) -> Iterator[Callable[..., None]]:
    """Serve the weekly show as given, beside two finished shows of the catalogue."""
    services = [fakes.anilist.service, fakes.jikan.service, fakes.images.service]
    before = [service.dataset for service in services]
    catalogue = Dataset.default()
    finished = [catalogue.by_anilist(BEBOP), catalogue.by_anilist(MONSTER)]

    def serve(weekly: SeriesRecord, *more: SeriesRecord) -> None:
        dataset = Dataset([weekly, *more, *(record for record in finished if record)])
        for service in services:
            service.dataset = dataset

    yield serve
    for service, dataset in zip(services, before, strict=True):
        service.dataset = dataset


@pytest.fixture
def settings(fakes: Any, tmp_path: Any, database_url: str) -> Settings:
    made: Settings = settings_for(fakes, tmp_path, database_url, **{
        f"providers.{name}.enabled": False for name in ("tvmaze", "tmdb", "fanart")})
    return made


async def load_three(app: SeriesApp) -> dict[int, str]:
    added = {anilist_id: (await app.add_series(provider_ref=ProviderRef(
        "anilist", str(anilist_id)))).id for anilist_id in (SHOW_ID, BEBOP, MONSTER)}
    with anyio.fail_after(60):
        await app.wait_idle()
    return added


async def refresh(app: SeriesApp) -> Job:
    job = await app.jobs.run_schedule("refresh")
    with anyio.fail_after(60):
        await app.wait_idle()
    return await app.jobs.get(job.id)


async def refreshes(app: SeriesApp) -> list[tuple[str, Any]]:
    """The loads queued since the first ones: (series, what they refresh)."""
    loads = await app.jobs.list(kind="series.load")
    return sorted((job.payload["series_id"], job.payload.get("refresh")) for job in loads
                  if job.payload.get("refresh"))


async def test_unchanged_shows_cost_one_question_and_no_episode_requests(
        settings: Settings, fakes: Any, serve: Callable[..., None]) -> None:
    serve(weekly_show(6))
    async with SeriesApp.open(settings) as app:
        await load_three(app)
        anilist, jikan = fakes.anilist.stats.count, fakes.jikan.stats.count
        done = await refresh(app)
        assert done.state is JobState.COMPLETED
        assert (done.progress.done, done.progress.total) == (3, 3)
        assert (fakes.anilist.stats.count - anilist, fakes.jikan.stats.count - jikan) == (1, 0)
        assert await refreshes(app) == []


async def test_only_a_show_that_changed_loads_its_episodes_again(
        settings: Settings, fakes: Any, serve: Callable[..., None]) -> None:
    serve(weekly_show(6))
    async with SeriesApp.open(settings) as app:
        added = await load_three(app)
        serve(weekly_show(7))  # a new episode aired and is listed everywhere
        jikan = fakes.jikan.stats.count
        await refresh(app)
        assert await refreshes(app) == [(added[SHOW_ID], "episodes")]
        assert fakes.jikan.stats.count - jikan == 1  # the weekly show's own list
        numbers = [e.number for e in await app.episodes(added[SHOW_ID])]
        assert numbers == list(range(1, 9))  # 1-7 aired, 8 airs next
        for series in await app.list_series():
            assert series.loading_status.value == "completed", series.loading_error


async def test_a_finished_show_loads_again_only_once_its_interval_has_passed(
        settings: Settings, serve: Callable[..., None]) -> None:
    serve(weekly_show(6))
    async with SeriesApp.open(settings) as app:
        added = await load_three(app)
        await refresh(app)
        assert await refreshes(app) == []
        # 31 days pass for Cowboy Bebop (the simulated clock: its last load is moved back).
        database = await Database.open(settings.resolved_database_url)
        try:
            await database.write(lambda session: session.execute(
                update(SeriesRow).where(SeriesRow.id == added[BEBOP]).values(
                    loading_completed_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=31))))
        finally:
            await database.close()
        await refresh(app)
        assert await refreshes(app) == [(added[BEBOP], True)]


async def test_a_provider_that_fails_during_a_refresh_loses_nothing(
        settings: Settings, fakes: Any, serve: Callable[..., None]) -> None:
    serve(weekly_show(6))
    async with SeriesApp.open(settings) as app:
        added = await load_three(app)
        episodes = await app.episodes(added[SHOW_ID])
        fakes.anilist.options.error_rate = 1.0
        fakes.anilist.options.error_status = 503
        async with app.events.subscribe(snapshot=False) as events:
            job = await app.jobs.run_schedule("refresh")
            with anyio.fail_after(60):
                async for event in events:  # until its attempt ends and a retry is planned
                    if isinstance(event, JobUpdate) and event.job_id == job.id and (
                            event.state is JobState.PENDING and event.error):
                        break
        failed = await app.jobs.get(job.id)
        assert failed.state is JobState.PENDING  # tried again later
        assert failed.not_before is not None
        assert failed.not_before > dt.datetime.now(dt.UTC)
        assert failed.error is not None
        assert "503" in failed.error
        assert await refreshes(app) == []
        assert await app.episodes(added[SHOW_ID]) == episodes
        for series in await app.list_series():
            assert series.loading_status.value == "completed"


async def test_a_new_season_or_a_show_that_ended_loads_everything_again(
        settings: Settings, serve: Callable[..., None]) -> None:
    """A sequel announced (a new season: its NFO and poster) or an entry that finished airing
    (``tvshow.nfo`` says so) loads the whole show again, not only its episode list."""
    weekly = weekly_show(6)
    serve(weekly)
    async with SeriesApp.open(settings) as app:
        added = await load_three(app)
        sequel = attrs.evolve(weekly, anilist_id=SHOW_ID + 1, mal_id=SHOW_ID + 1,
                              romaji="Kessoku Weekly Season 2", status="NOT_YET_RELEASED",
                              aired_episodes=0, start_date=None, end_date=None,
                              prequel=SHOW_ID)
        serve(weekly, sequel)
        await refresh(app)
        assert await refreshes(app) == [(added[SHOW_ID], True)]
