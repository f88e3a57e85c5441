"""One leader among the processes on a database: it alone watches the library and the
downloads folder; when it closes or loses its connection another process takes over."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
import attrs
import pytest
from anyio.abc import TaskStatus
from sqlalchemy import text

from aniworld_core import SeriesAdded, SeriesApp, Settings, WatchSettings
from aniworld_core.leader import MAX_INTERVAL, lock_key, try_interval
from aniworld_core.library.paths import library_root_key
from aniworld_core.storage import Database
from aniworld_testing import postgres_schema
from tests.conftest import POSTGRES_URL

pytestmark = pytest.mark.anyio
#: A hang guard: the takeovers below happen within a fraction of a second.
WAIT = 30
POSTGRES_ONLY = "an election needs PostgreSQL (on SQLite the one process always leads)"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    folder = tmp_path / "library" / "Trigun (1998)"
    folder.mkdir(parents=True)
    (folder / "Trigun - 01.mkv").write_bytes(b"1")
    return Path(library_root_key(tmp_path / "library"))


def quick(settings: Settings, root: Path) -> Settings:
    """Settings that watch ``root`` and try for the lead every quarter of a second."""
    return attrs.evolve(settings, library=(root,), watch=WatchSettings(settle=0.2),
                        loader=attrs.evolve(settings.loader, lease_seconds=1.0))


def postgres_only(database_url: str) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip(POSTGRES_ONLY)


def watching(app: SeriesApp) -> bool:
    return any(status.watched for status in app.library_root_statuses())


async def until(condition: Callable[[], bool]) -> None:
    """Poll ``condition()`` until true (the caller's ``fail_after`` bounds it): leadership
    changes in another task's time, and watching starts in a thread."""
    while True:
        if condition():
            return
        await anyio.sleep(0.02)


@attrs.frozen
class Held:
    """An app open in a task of its own, so that apps close in any order."""

    app: SeriesApp
    stop: anyio.Event
    stopped: anyio.Event

    async def close(self) -> None:
        self.stop.set()
        await self.stopped.wait()


async def hold(settings: Settings, *, task_status: TaskStatus[Held]) -> None:
    stop, stopped = anyio.Event(), anyio.Event()
    try:
        async with SeriesApp.open(settings, loader=True) as app:
            task_status.started(Held(app, stop, stopped))
            await stop.wait()
    finally:
        stopped.set()


@asynccontextmanager
async def two_apps(settings: Settings) -> AsyncIterator[tuple[Held, Held]]:
    """Two apps running jobs on one database, the first opened first."""
    async with anyio.create_task_group() as group:
        first: Held = await group.start(hold, settings)
        second: Held = await group.start(hold, settings)
        try:
            yield first, second
        finally:
            first.stop.set()
            second.stop.set()


def test_the_lock_key_is_one_per_database_and_schema() -> None:
    """Processes on other schemas or databases never compete for one lead."""
    keys = {lock_key(database, schema) for database in ("test", "prod")
            for schema in ("public", "t_1", "t_2")}
    assert len(keys) == 6
    assert lock_key("test", "public") == lock_key("test", "public")
    assert all(-2**63 <= key < 2**63 for key in keys)


def test_tries_come_well_within_the_lease() -> None:
    """The lead is tried for (and checked) four times per lease, at least every 5 s."""
    assert try_interval(60.0) == MAX_INTERVAL
    assert try_interval(2.0) == 0.5


async def test_a_process_that_runs_jobs_leads_and_watches(fake_settings: Settings,
                                                          root: Path) -> None:
    """Alone on its database, a process that runs jobs leads (and watches); one opened
    without jobs never does."""
    settings = quick(fake_settings, root)
    async with SeriesApp.open(settings, loader=True) as app:
        assert app.is_leader
        assert watching(app)
        async with SeriesApp.open(settings, loader=False) as reader:
            assert not reader.is_leader
            assert not watching(reader)
            assert reader.process_id != app.process_id
    assert not app.is_leader


async def test_one_of_two_leads_and_the_other_takes_over_when_it_closes(
        fake_settings: Settings, root: Path, database_url: str) -> None:
    """Of two processes on one database exactly one leads and watches the library; once it
    closes, the other leads and watches: a series folder dropped in then becomes a series."""
    postgres_only(database_url)
    async with two_apps(quick(fake_settings, root)) as (held, other):
        first, second = held.app, other.app
        assert [first.is_leader, second.is_leader] == [True, False]
        assert watching(first)
        assert not watching(second)
        await held.close()
        with anyio.fail_after(WAIT):
            await until(lambda: second.is_leader and watching(second))
        async with second.events.subscribe(snapshot=False) as events:
            folder = root / "Haibane Renmei (2002)"
            os.mkdir(folder)
            (folder / "Haibane Renmei - 01.mkv").write_bytes(b"1")
            with anyio.fail_after(WAIT):
                async for event in events:
                    if isinstance(event, SeriesAdded) and event.title == "Haibane Renmei":
                        break


async def test_a_lost_connection_loses_the_lead_until_it_is_won_again(
        fake_settings: Settings, root: Path, database_url: str, database: Database) -> None:
    """The leader's connection ended by the server (``pg_terminate_backend``): the process
    stops leading and watching, then wins the lead again on a new connection."""
    postgres_only(database_url)
    async with SeriesApp.open(quick(fake_settings, root), loader=True) as app:
        assert app._leadership is not None
        leadership = app._leadership
        assert leadership.terms == 1
        backend = leadership.backend_pid
        await database.session(lambda session: session.execute(
            text("SELECT pg_terminate_backend(:pid)"), {"pid": backend}))
        with anyio.fail_after(WAIT):
            await until(lambda: leadership.terms == 2 and app.is_leader and watching(app))
        assert leadership.backend_pid not in (None, backend)


async def test_a_leader_that_lost_its_connection_yields_to_another(
        fake_settings: Settings, root: Path, database_url: str, database: Database) -> None:
    """While the leader is cut off, the other process wins the lead; the first, back, does
    not lead or watch beside it."""
    postgres_only(database_url)
    async with two_apps(quick(fake_settings, root)) as (held, other):
        first, second = held.app, other.app
        assert first._leadership is not None
        backend = first._leadership.backend_pid
        # The other's next try may come before the first's next check, or after it: either
        # way exactly one leads once both have looked.
        await database.session(lambda session: session.execute(
            text("SELECT pg_terminate_backend(:pid)"), {"pid": backend}))
        with anyio.fail_after(WAIT):
            await until(lambda: first._leadership is not None
                        and first._leadership.backend_pid not in (None, backend)
                        and first.is_leader != second.is_leader)
        leading, following = (first, second) if first.is_leader else (second, first)
        with anyio.fail_after(WAIT):
            await until(lambda: watching(leading))
        assert not watching(following)


async def test_each_schema_has_a_leader_of_its_own(fake_settings: Settings, root: Path,
                                                   database_url: str) -> None:
    """Processes on two schemas of one database (as tests run) each have their own leader."""
    postgres_only(database_url)
    assert POSTGRES_URL is not None
    settings = quick(fake_settings, root)
    with postgres_schema(POSTGRES_URL) as other_url:
        other = attrs.evolve(settings, database_url=other_url, library=())
        async with SeriesApp.open(settings, loader=True) as first, \
                SeriesApp.open(other, loader=True) as second:
            assert first.is_leader
            assert second.is_leader
