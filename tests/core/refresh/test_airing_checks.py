"""An airing show against the fake AniList and Jikan, on the real database: its next episode is
known with the moment it airs, the check comes at that moment plus the delay (moved there by
hand: the simulated clock), finds the new episode, and plans the next one."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import anyio
import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from aniworld_core import ProviderRef, Series, SeriesApp, Settings
from aniworld_core.jobs import Job, JobState
from aniworld_core.storage import Database
from aniworld_core.storage.job_tables import JobRow
from aniworld_testing import Dataset
from aniworld_testing.dataset import SeriesRecord
from tests.core.loader.conftest import settings_for

pytestmark = pytest.mark.anyio
SHOW_ID = 990001
HOUR = dt.timedelta(hours=1)


def weekly_show(aired: int, *, title: str = "Kessoku Weekly") -> SeriesRecord:
    """A weekly show whose latest episode aired yesterday ("Kessoku Weekly" has no stream
    titles at AniList, so its episode list comes from Jikan)."""
    latest = dt.date.today() - dt.timedelta(days=1)
    start = latest - dt.timedelta(weeks=aired - 1)
    return SeriesRecord(anilist_id=SHOW_ID, mal_id=SHOW_ID, romaji=title, english=None,
                        native=None, format="TV", status="RELEASING", episodes=12,
                        aired_episodes=aired, duration=24, start_date=start, end_date=latest,
                        studio="Studio Weekly", genres=("Comedy",),
                        description="A show that airs every week.")


def next_airing(record: SeriesRecord) -> dt.datetime:
    """When the fake AniList says the record's next episode airs (a week after the latest)."""
    assert record.end_date is not None
    return dt.datetime.combine(record.end_date, dt.time(15), tzinfo=dt.UTC) + dt.timedelta(
        weeks=1)


@pytest.fixture
def air(fakes: Any) -> Iterator[Callable[[SeriesRecord, SeriesRecord], None]]:
    """Serve the show as AniList and as Jikan know it (MyAnimeList lists episodes later)."""
    anilist, jikan, images = (fakes.anilist.service, fakes.jikan.service,
                              fakes.images.service)
    before = anilist.dataset, jikan.dataset, images.dataset

    def serve(at_anilist: SeriesRecord, at_jikan: SeriesRecord) -> None:
        anilist.dataset, jikan.dataset = Dataset([at_anilist]), Dataset([at_jikan])
        images.dataset = anilist.dataset

    yield serve
    anilist.dataset, jikan.dataset, images.dataset = before


@pytest.fixture
def settings(fakes: Any, tmp_path: Any, database_url: str) -> Settings:
    made: Settings = settings_for(fakes, tmp_path, database_url, **{
        f"providers.{name}.enabled": False for name in ("tvmaze", "tmdb", "fanart")})
    return made


async def pending_checks(app: SeriesApp) -> list[Job]:
    return await app.jobs.list(kind="series.airing", states=[JobState.PENDING])


async def move_check(settings: Settings, check: Job, due: dt.datetime) -> None:
    """The simulated clock: the check becomes due at ``due``."""
    def move(session: Session) -> None:
        session.execute(update(JobRow).where(JobRow.id == check.id).values(not_before=due))

    database = await Database.open(settings.resolved_database_url)
    try:
        await database.write(move)
    finally:
        await database.close()


async def time_passes_until(app: SeriesApp, settings: Settings, check: Job) -> None:
    """The check is due now; the engine is told, and has done what came of it once it is
    idle again."""
    await move_check(settings, check, dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))
    app._engine.work_added()
    with anyio.fail_after(30):
        await app.wait_idle()


async def add_loaded(app: SeriesApp) -> Series:
    """The weekly show added by its AniList id and loaded."""
    series = await app.add_series(provider_ref=ProviderRef("anilist", str(SHOW_ID)))
    with anyio.fail_after(30):
        await app.wait_idle()  # a check planned days ahead does not keep it busy
    return series


async def test_an_airing_show_is_checked_after_each_episode_airs(
        settings: Settings, fakes: Any, air: Callable[[SeriesRecord, SeriesRecord], None]
) -> None:
    six, seven = weekly_show(6), weekly_show(7)
    air(six, six)
    async with SeriesApp.open(settings) as app:
        series = await add_loaded(app)
        upcoming = await app.next_episode(series.id)
        assert upcoming is not None
        assert (upcoming.season, upcoming.number, upcoming.airs_at) == (1, 7, next_airing(six))
        assert [e.number for e in await app.missing_episodes(series.id)] == [1, 2, 3, 4, 5, 6]
        (check,) = await pending_checks(app)
        assert check.not_before == next_airing(six) + 3 * HOUR
        assert check.payload == {"series_id": series.id, "entry": f"anilist:{SHOW_ID}",
                                 "episode": 7, "tries": 0}

        # Episode 7 airs: AniList knows at once, MyAnimeList does not list it yet.
        air(seven, six)
        jikan_before = fakes.jikan.stats.count
        before = dt.datetime.now(dt.UTC)
        await time_passes_until(app, settings, check)
        missing = await app.missing_episodes(series.id)
        assert [(e.number, e.title) for e in missing][-2:] == [(6, "Episode 6"), (7, None)]
        (again,) = await pending_checks(app)
        assert again.payload["episode"] == 7
        assert again.payload["tries"] == 1
        assert again.not_before is not None
        assert before + HOUR <= again.not_before <= dt.datetime.now(dt.UTC) + HOUR
        assert fakes.jikan.stats.count == jikan_before + 1  # its own list, nothing else

        # MyAnimeList lists it: the title arrives, and episode 8 is planned.
        air(seven, seven)
        await time_passes_until(app, settings, again)
        titles = {e.number: e.title for e in await app.episodes(series.id)}
        assert titles[7] == "Episode 7"
        (following,) = await pending_checks(app)
        assert following.payload["episode"] == 8
        assert following.payload["tries"] == 0
        assert following.not_before == next_airing(seven) + 3 * HOUR
        assert (await app.get_series(series.id)).loading_status.value == "completed"


async def test_an_overdue_check_runs_once(
        settings: Settings, air: Callable[[SeriesRecord, SeriesRecord], None]) -> None:
    """After days of downtime a check long due runs once, and one check is planned after it."""
    six = weekly_show(6)
    air(six, six)
    async with SeriesApp.open(settings) as app:
        series = await add_loaded(app)
        (check,) = await pending_checks(app)
    await move_check(settings, check, dt.datetime.now(dt.UTC) - dt.timedelta(days=3))
    async with SeriesApp.open(settings) as app:
        with anyio.fail_after(30):
            await app.wait_idle()
        ran = await app.jobs.list(kind="series.airing", states=[JobState.COMPLETED])
        assert [job.id for job in ran] == [check.id]
        (planned,) = await pending_checks(app)
        assert planned.not_before is not None
        assert planned.not_before > dt.datetime.now(dt.UTC)
        loads = await app.jobs.list(kind="series.load")
        assert len(loads) == 2  # the first load and the one the check queued
        assert (await app.get_series(series.id)).loading_status.value == "completed"


async def test_removing_a_show_removes_its_check(
        settings: Settings, air: Callable[[SeriesRecord, SeriesRecord], None]) -> None:
    six = weekly_show(6)
    air(six, six)
    async with SeriesApp.open(settings) as app:
        series = await add_loaded(app)
        assert len(await pending_checks(app)) == 1
        await app.remove_series(series.id)
        assert await pending_checks(app) == []
