"""Metrics that add up across processes: each process on a PostgreSQL database publishes its
snapshot, and any of them returns every live process's figures; on SQLite, its own alone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import attrs
import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from aniworld_core import (
    LATENCY_BUCKETS,
    Histogram,
    LoaderMetrics,
    ProcessMetrics,
    ProviderMetrics,
    SeriesApp,
    Settings,
)
from aniworld_core.process_metrics import FORGET_AFTER, LIVE_PERIODS, PUBLISH_PERIOD
from aniworld_core.storage import Database

pytestmark = pytest.mark.anyio


def on_postgres(settings: Settings) -> None:
    if not settings.resolved_database_url.startswith("postgres"):
        pytest.skip("published metrics: on PostgreSQL (ANIWORLD_TEST_DATABASE_URL)")


def second(settings: Settings, tmp_path: Path) -> Settings:
    """Another process's settings: its own data dir, the same database."""
    return attrs.evolve(settings, data_dir=tmp_path / "data-b")


def rows(database: Database) -> Any:
    def read(session: Session) -> dict[str, str]:
        return dict(session.execute(text("SELECT process, role FROM process_metrics")).all())

    return database.session(read)


def snapshot() -> LoaderMetrics:
    anilist = ProviderMetrics("anilist", requests=7, rate_limited=1, retries=2, errors=1,
                              waited_seconds=1.5, down=True, times_down=3, not_modified=4,
                              budget_asks=5, budget_turns_dropped=1)
    anilist.observe_latency(0.07)
    anilist.observe_latency(20.0)
    steps = Histogram()
    steps.observe(0.3)
    return LoaderMetrics(queue_depth={0: 2, 20: 1}, series_in_flight=1, steps_in_flight=2,
                         completed=3, failed=1, cancelled=0, retries_scheduled=4,
                         step_durations={"episodes": steps}, providers={"anilist": anilist},
                         interrupted=1, waits_for_providers=2)


# -- the JSON a process publishes ---------------------------------------------------------------


def test_a_snapshot_comes_back_from_json_as_it_was() -> None:
    """``LoaderMetrics.from_json(to_json())`` is the same snapshot, providers, latency and step
    histograms included, through a real JSON encoding."""
    import json

    original = snapshot()
    assert LoaderMetrics.from_json(json.loads(json.dumps(original.to_json()))) == original


def test_json_from_another_version_is_read_as_far_as_it_goes() -> None:
    """Unknown fields are ignored, missing ones are 0, and latency buckets with other bounds
    are counted in the bucket that holds them."""
    data = {"completed": 2, "from_the_future": {"x": 1},
            "providers": {"jikan": {"provider": "jikan", "requests": 3, "shiny": True,
                                    "latency_buckets": {"0.07": 1, "+Inf": 2}}}}
    read = LoaderMetrics.from_json(data)
    assert (read.completed, read.failed, dict(read.queue_depth)) == (2, 0, {})
    jikan = read.providers["jikan"]
    assert (jikan.requests, jikan.budget_asks, jikan.budget_turns_dropped) == (3, 0, 0)
    assert jikan.latency_buckets[LATENCY_BUCKETS.index(0.1)] == 1
    assert jikan.latency_buckets[-1] == 2


@pytest.mark.parametrize(("data", "match"), [
    ({"completed": "many"}, "invalid literal"),
    ({"providers": {"jikan": {"requests": 1}}}, "a provider's name"),
    ({"providers": {"jikan": {"provider": "jikan", "requests": -1}}}, "a count"),
    ({"step_durations": {"episodes": {"bounds": [1.0], "counts": [1, 2]}}}, "2 counts"),
    ({"queue_depth": [1, 2]}, "not a metrics snapshot"),
])
def test_json_that_is_no_snapshot_is_refused(data: dict[str, Any], match: str) -> None:
    """Data that is not a snapshot raises ``ValueError`` (the reader skips that process)."""
    with pytest.raises(ValueError, match=match):
        LoaderMetrics.from_json(data)


# -- SeriesApp ------------------------------------------------------------------------------------


async def test_the_budget_figures_are_the_limiter_s(fake_settings: Settings) -> None:
    """A provider's ``budget_asks`` is how often its limiter asked the shared budget: at least
    once for a request on PostgreSQL, never on SQLite; no turn is dropped here."""
    async with SeriesApp.open(fake_settings, loader=False) as app:
        assert await app.search("Cowboy", provider="anilist")
        anilist = (await app.metrics()).providers["anilist"]
    shared = fake_settings.resolved_database_url.startswith("postgres")
    assert anilist.requests == 1
    assert anilist.budget_asks >= 1 if shared else anilist.budget_asks == 0
    assert anilist.budget_turns_dropped == 0


async def test_on_sqlite_a_process_shows_its_own_figures(settings: Settings,
                                                         database: Database) -> None:
    """On SQLite (one process) ``process_metrics()`` is this process's figures, taken now, and
    nothing is published."""
    if settings.resolved_database_url.startswith("postgres"):
        pytest.skip("SQLite's behaviour")
    async with SeriesApp.open(settings, loader=True, role="worker") as app:
        [own] = await app.process_metrics()
        assert (own.process, own.role, own.leader, own.current, own.age) == (
            app.process_id, "worker", True, True, 0.0)
        assert own.metrics == await app.metrics()
        assert await rows(database) == {}


async def test_a_process_shows_the_figures_another_one_published(
        fake_settings: Settings, tmp_path: Path) -> None:
    """Two apps on one database: each shows itself first (taken now), then the other with its
    role and leadership and the figures it published (a search's request counted)."""
    on_postgres(fake_settings)
    async with SeriesApp.open(fake_settings, loader=True, role="worker") as worker, \
            SeriesApp.open(second(fake_settings, tmp_path), loader=False, role="web") as web:
        assert await worker.search("Cowboy", provider="anilist")
        await worker._board.publish()
        processes = await web.process_metrics()
        own = await worker.process_metrics()
    assert [(p.process, p.role, p.leader, p.current) for p in processes] == [
        (web.process_id, "web", False, True), (worker.process_id, "worker", True, False)]
    published = processes[1]
    assert published.metrics.providers["anilist"].requests == 1
    assert published.metrics.providers["anilist"].budget_asks >= 1
    assert 0.0 <= published.age < PUBLISH_PERIOD * LIVE_PERIODS
    assert processes[0].metrics.providers["anilist"].requests == 0
    assert [p.process for p in own] == [worker.process_id, web.process_id]


async def test_closing_deletes_the_process_s_row(settings: Settings, database: Database,
                                                 tmp_path: Path) -> None:
    """A process publishes as it opens and deletes its row as it closes; one that only reads
    or queues work (no role, no loader: a short CLI command) publishes nothing."""
    on_postgres(settings)
    async with SeriesApp.open(settings, loader=False, role="web") as web:
        assert await rows(database) == {web.process_id: "web"}
        async with SeriesApp.open(second(settings, tmp_path), loader=False) as command:
            assert await rows(database) == {web.process_id: "web"}
            assert [p.process for p in await command.process_metrics()] == [
                command.process_id, web.process_id]
    assert await rows(database) == {}


async def test_a_stale_row_is_not_shown_and_an_old_one_is_deleted(
        settings: Settings, database: Database) -> None:
    """A row not written for three periods is left out (its process stopped or is stuck); once
    older than ``FORGET_AFTER`` the next publish deletes it, and a row that cannot be read is
    skipped."""
    on_postgres(settings)

    def insert(session: Session) -> None:
        for process, seconds in (("stuck", PUBLISH_PERIOD * LIVE_PERIODS + 60),
                                 ("dead", FORGET_AFTER + 60), ("garbled", 0)):
            session.execute(text(
                "INSERT INTO process_metrics (process, role, leader, updated_at, snapshot) "
                "VALUES (:process, 'worker', false, now() - make_interval(secs => :seconds), "
                "CAST(:snapshot AS json))"),
                {"process": process, "seconds": seconds,
                 "snapshot": '{"completed": "x"}' if process == "garbled" else "{}"})

    async with SeriesApp.open(settings, loader=False) as app:
        await database.session(insert)
        assert [p.process for p in await app.process_metrics()] == [app.process_id]
        assert set(await rows(database)) == {"stuck", "dead", "garbled"}
    async with SeriesApp.open(settings, loader=False, role="web") as web:
        assert set(await rows(database)) == {"stuck", "garbled", web.process_id}


async def test_a_process_s_own_figures_are_fresh(fake_settings: Settings) -> None:
    """The process asked shows what it counts now, not what it last published."""
    on_postgres(fake_settings)
    async with SeriesApp.open(fake_settings, loader=False, role="web") as web:
        assert await web.search("Cowboy", provider="anilist")
        [own] = [p for p in await web.process_metrics() if p.current]
    assert isinstance(own, ProcessMetrics)
    assert own.metrics.providers["anilist"].requests == 1

