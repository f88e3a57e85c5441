"""A provider that is down, or a network that is: work that needs it waits in the queue
without being counted as failing, the provider is asked nothing but a check now and then, and
everyone is told why."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

from aniworld_core import (
    JobState,
    LoadingStatus,
    ProviderRef,
    ProviderWaiting,
    SeriesApp,
    SeriesLoadingUpdate,
)
from aniworld_core.providers.http import ATTEMPTS
from aniworld_testing import Dataset

from .conftest import settings_for

#: ``loader.breaker_failures``' default.
FAILURES = 8


pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("aniworld_instant_retries")]


def _ids(count: int) -> list[str]:
    return [str(record.anilist_id) for record in Dataset.default() if record.mal_id][:count]


async def test_a_dead_provider_gets_a_handful_of_requests_not_dozens_per_series(
        fakes: Any, tmp_path: Path, database_url: str) -> None:
    """With Jikan failing every request, it is marked down after eight failures in a row: it
    gets no more requests than that (and those already on their way), the series that need
    it wait in the queue with the reason and no attempt counted, and the provider's status
    and metrics say it is down."""
    fakes.jikan.options.error_rate = 1.0
    # Every request must meet the error: with the fake's rate limit on, a request that a busy
    # machine delayed can arrive early in the fake's window and be refused with a 429 instead
    # (which pauses, is tried again and is no failure of the provider), and the count below
    # would depend on how busy the CPU is.
    fakes.jikan.options.rate_limits = ()
    settings = settings_for(fakes, tmp_path, database_url)
    ids = _ids(6)
    async with SeriesApp.open(settings) as app:
        added = [await app.add_series(provider_ref=ProviderRef("anilist", i)) for i in ids]
        with anyio.fail_after(60):
            await app.wait_idle()
        stored = [await app.get_series(series.id) for series in added]
        runs = [await app.load_runs(series.id) for series in added]
        loads = {series.id: (await app.jobs.list(key=f"series:{series.id}"))[0]
                 for series in added}
        status = {s.name: s for s in app.providers()}["jikan"]
        metrics = (await app.metrics()).providers["jikan"]
    assert fakes.jikan.stats.count <= FAILURES + len(ids)
    cause = "Jikan (MyAnimeList) keeps failing (HTTP 500 Internal Server Error, 8 times in a row)"
    for series, series_runs in zip(stored, runs, strict=True):
        assert series.loading_status is LoadingStatus.QUEUED, series.loading_error
        assert series.loading_error == f"Waiting: {cause}"
        # A request that failed its whole round before the eighth failure fails one attempt;
        # waiting for the provider counts none.
        assert loads[series.id].attempts <= 1
        assert loads[series.id].state is JobState.PENDING
        assert loads[series.id].gate == "provider:jikan"
        assert series_runs[0].status is LoadingStatus.INTERRUPTED
    assert (status.down, status.down_reason) == (True, cause)
    assert status.next_check_at is not None
    assert (metrics.down, metrics.times_down) == (True, 1)


async def test_work_waiting_for_a_provider_goes_on_once_a_check_finds_it_back(
        fakes: Any, tmp_path: Path, database_url: str) -> None:
    """When the provider answers again, its next check finds it back and the series that
    waited for it load completely, with nobody asking."""
    fakes.jikan.options.error_rate = 1.0
    settings = settings_for(fakes, tmp_path, database_url, **{"loader.breaker_cooldown": 0.5})
    ids = _ids(4)
    async with SeriesApp.open(settings) as app, app.events.subscribe(snapshot=False) as events:
        added = [await app.add_series(provider_ref=ProviderRef("anilist", i)) for i in ids]
        with anyio.fail_after(60):
            await app.wait_idle()
            fakes.jikan.options.error_rate = 0.0
            completed: set[str] = set()
            async for event in events:
                if (isinstance(event, SeriesLoadingUpdate)
                        and event.status is LoadingStatus.COMPLETED):
                    completed.add(event.series_id)
                    if len(completed) == len(ids):
                        break
            await app.wait_idle()  # every run has ended
        runs = [await app.load_runs(series.id) for series in added]
        status = {s.name: s for s in app.providers()}["jikan"]
    assert completed == {series.id for series in added}
    # The newest run of each completed. (An attempt may have failed before the breaker saw
    # enough failures in a row to mark the provider down: how many did depends on timing.)
    for series_runs in runs:
        assert series_runs[0].status is LoadingStatus.COMPLETED
    assert not status.down


class NoNetwork(httpx.AsyncBaseTransport):
    """Every connection fails, as with the network cable out; counts the tries."""

    def __init__(self) -> None:
        self.tries = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.tries += 1
        raise httpx.ConnectError("[Errno 101] Network is unreachable", request=request)


async def test_without_a_network_the_work_stays_queued_and_says_so(
        fakes: Any, tmp_path: Path, database_url: str) -> None:
    """With no network, after one round of retries AniList is "cannot reach AniList (network
    down?)": that is what is shown (never a rate-limit wait, since nothing was answered), the
    series stay queued with no attempt counted, and the loader is idle rather than retrying
    for minutes."""
    settings = settings_for(fakes, tmp_path, database_url)
    network = NoNetwork()
    titles = ["Cowboy Bebop", "Trigun", "Monster"]
    waits: list[ProviderWaiting] = []
    async with SeriesApp.open(settings, transport=network) as app, \
            app.events.subscribe(snapshot=False) as events:
        added = [await app.add_series(title) for title in titles]
        with anyio.fail_after(60):
            await app.wait_idle()
        while events.pending():
            event = await anext(events)
            if isinstance(event, ProviderWaiting):
                waits.append(event)
        stored = [await app.get_series(series.id) for series in added]
        loads = {series.id: (await app.jobs.list(key=f"series:{series.id}"))[0]
                 for series in added}
        anilist = {s.name: s for s in app.providers()}["anilist"]
    assert network.tries <= len(titles) * ATTEMPTS
    assert [wait.reason for wait in waits] == ["cannot reach AniList (network down?)"]
    for series in stored:
        assert series.loading_status is LoadingStatus.QUEUED
        assert series.loading_error == "Waiting: cannot reach AniList (network down?)"
        assert loads[series.id].attempts == 0
    assert anilist.down
