"""The event bridge: events to NOTIFY payloads and back, and its connection to the database."""

from __future__ import annotations

import contextlib
import json
import logging
import uuid
from collections.abc import AsyncIterator
from functools import partial
from typing import Any

import anyio
import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from aniworld_core import LoadingStatus, Progress
from aniworld_core.download_events import DownloadUpdate, ImportsChanged
from aniworld_core.downloads.model import Download, DownloadState, Offer
from aniworld_core.event_bridge import (
    EventBridge,
    cancel_payloads,
    event_payloads,
    remote_event,
)
from aniworld_core.events import (
    Event,
    EventHub,
    LibraryChanged,
    LibraryRootUpdate,
    LoaderIdle,
    ProviderWaiting,
    ScanProgress,
    SeriesAdded,
    SeriesLoadingUpdate,
    SeriesRemoved,
)
from aniworld_core.jobs import JobState, JobUpdate
from aniworld_core.jobs.model import JobProgress
from aniworld_core.storage import Database
from aniworld_core.storage.notify import MAX_PAYLOAD, Listener, Notifier, channel, connector

pytestmark = pytest.mark.anyio

PATIENCE = 20.0


def loading(series_id: str, status: LoadingStatus, error: str | None = None
            ) -> SeriesLoadingUpdate:
    return SeriesLoadingUpdate.of_parts(series_id, series_id.title(), status, Progress(), error)


def every_kind_of_event() -> list[Event]:
    offer = Offer(source="http", title="Show - 01", url="http://files.invalid/1.mkv")
    download = Download(id=3, series_id="s1", series_title="Show", season=1, episodes=(1, 2),
                        source="http", offer=offer, state=DownloadState.DOWNLOADING)
    return [
        SeriesAdded("s1", "Show", LoadingStatus.PENDING), SeriesRemoved("s2"),
        loading("s1", LoadingStatus.LOADING_EPISODES), ProviderWaiting("anilist", 2.5, "429"),
        LoaderIdle(3, 1), ScanProgress(1, 2, 30), LibraryChanged(("s1", "s3"), 2, 1),
        LibraryRootUpdate("/media", True, False, "watched"), DownloadUpdate(download),
        ImportsChanged(1, 2), JobUpdate(9, "series.load", "s1", JobState.RUNNING,
                                        JobProgress(1, 4, "episodes")),
    ]


def decoded(payloads: list[str]) -> list[dict[str, object]]:
    events: list[dict[str, object]] = []
    for payload in payloads:
        assert len(payload.encode()) <= MAX_PAYLOAD
        message = json.loads(payload)
        assert message["o"] == "me"
        events.extend(message["e"])
    return events


def test_an_event_from_elsewhere_is_the_event_it_was() -> None:
    """Every kind of event comes back with its type, JSON and coalesce key."""
    for event in every_kind_of_event():
        (data,) = decoded(event_payloads("me", [event.to_json()]))
        remote = remote_event(data)
        assert (remote.type, remote.to_json(), remote.coalesce_key) == (
            event.type, event.to_json(), event.coalesce_key)
        assert remote.timestamp.replace(microsecond=0) == event.timestamp.replace(microsecond=0)


def test_events_share_payloads_in_order() -> None:
    """A thousand small events go in a few payloads, none over the limit, in order."""
    events = [loading(f"s{n}", LoadingStatus.LOADING_NFO).to_json() for n in range(1000)]
    payloads = event_payloads("me", events)
    assert len(payloads) < 100
    assert decoded(payloads) == events


def test_an_event_too_large_for_a_payload_loses_its_long_fields() -> None:
    """A 20 kB error is cut; the event says it was truncated and keeps its ids and state."""
    event = loading("s1", LoadingStatus.FAILED, error="x" * 20_000).to_json()
    (sent,) = decoded(event_payloads("me", [event]))
    assert sent["truncated"] is True
    assert {key: sent[key] for key in ("type", "series_id", "status")} == {
        "type": "series_loading_update", "series_id": "s1", "status": "failed"}
    assert len(str(sent["error"])) < 1000


def test_a_library_change_of_many_series_is_split() -> None:
    """Every series of a change too large for one payload is in one of its parts."""
    ids = tuple(f"series-{n:05}" for n in range(3000))
    parts = decoded(event_payloads("me", [LibraryChanged(ids, 5, 0).to_json()]))
    assert len(parts) > 1
    assert [i for part in parts for i in part["series_ids"]] == list(ids)  # type: ignore[attr-defined]


def test_many_cancels_go_out_in_payloads_that_fit() -> None:
    """A thousand jobs cancelled at once (the largest ids) go out in a few payloads, none
    over the limit, each id once."""
    job_ids = set(range(2**63 - 1000, 2**63))
    payloads = cancel_payloads("me", job_ids)
    assert 1 < len(payloads) < 10
    heard: list[int] = []
    for payload in payloads:
        assert len(payload.encode()) <= MAX_PAYLOAD
        message = json.loads(payload)
        assert message["o"] == "me"
        heard += message["c"]
    assert heard == sorted(job_ids)


async def test_a_page_coalesces_loading_updates_from_elsewhere() -> None:
    """A page's subscription replaces a waiting loading update by the series' next one, for
    updates from other processes as for its own."""
    hub = EventHub()
    async with hub.subscribe(snapshot=False, coalesce=True) as page:
        for status in (LoadingStatus.PENDING, LoadingStatus.LOADING_EPISODES):
            hub.publish(remote_event(loading("s1", status).to_json()))
        with anyio.fail_after(5):
            only = await page.__anext__()
        assert only.to_json()["status"] == "loading_episodes"
        assert page.pending() == 0


# -- on PostgreSQL ----------------------------------------------------------------------------

@pytest.fixture
def anyio_backend(request: pytest.FixtureRequest) -> str:
    """Both backends: the listener waits on its socket through anyio."""
    return str(getattr(request, "param", "asyncio"))


@pytest.fixture
async def two_databases(database_url: str) -> AsyncIterator[tuple[Database, Database]]:
    if not database_url.startswith("postgres"):
        pytest.skip("LISTEN/NOTIFY: on PostgreSQL (ANIWORLD_TEST_DATABASE_URL)")
    first, second = await Database.open(database_url), await Database.open(database_url)
    try:
        yield first, second
    finally:
        await first.close()
        await second.close()


def kill(pid: int | None, session: Session) -> None:
    """End the server process ``pid`` (its client sees the connection drop)."""
    session.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})


@contextlib.asynccontextmanager
async def running_bridges(databases: tuple[Database, Database]
                          ) -> AsyncIterator[tuple[tuple[EventHub, EventBridge], ...]]:
    """A hub and a running bridge on each database (two processes, as far as the database
    can tell); stopped on leaving."""
    pairs = []
    for database in databases:
        hub = EventHub()
        bridge = await EventBridge.open(database, hub, runs_jobs=False)
        assert bridge is not None
        pairs.append((hub, bridge))
    async with anyio.create_task_group() as task_group:
        for _, bridge in pairs:
            await task_group.start(bridge.run)
        yield tuple(pairs)
        task_group.cancel_scope.cancel()


@pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"], indirect=True)
async def test_a_lost_listening_connection_is_opened_again(
        two_databases: tuple[Database, Database], caplog: pytest.LogCaptureFixture) -> None:
    """The listening connection is killed on the server: that is logged once, the bridge
    listens again, and events published after that arrive."""
    database_a, _ = two_databases
    caplog.set_level(logging.WARNING, logger="aniworld.notify")
    async with running_bridges(two_databases) as ((hub_a, _), (hub_b, bridge_b)), \
            hub_b.subscribe(snapshot=False) as in_b:
        for _ in range(2):  # two outages
            await database_a.session(partial(kill, bridge_b.listener.backend_pid))
            with anyio.fail_after(PATIENCE):
                await bridge_b.listener.wait_opened(bridge_b.listener.opened + 1)
        hub_a.publish(ProviderWaiting("after", 0.0, "back"))
        with anyio.fail_after(PATIENCE):
            event = await in_b.__anext__()
    assert event.to_json()["provider"] == "after"
    lost = [r for r in caplog.records if "Lost the connection" in r.getMessage()]
    assert len(lost) == 2  # once per outage, not once per attempt


@pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"], indirect=True)
async def test_a_lost_sending_connection_is_opened_again_and_nothing_is_lost(
        two_databases: tuple[Database, Database], caplog: pytest.LogCaptureFixture) -> None:
    """The sending connection is killed on the server: the next send fails, that is logged
    once, and what it held goes out, in order, on a new connection."""
    _, database_b = two_databases
    caplog.set_level(logging.INFO, logger="aniworld.notify")
    async with running_bridges(two_databases) as ((hub_a, bridge_a), (hub_b, _)), \
            hub_b.subscribe(snapshot=False) as in_b:
        hub_a.publish(ProviderWaiting("first", 0.0, "opens the connection"))
        with anyio.fail_after(PATIENCE):
            first = await in_b.__anext__()
        assert bridge_a.notifier.opened == 1
        await database_b.session(partial(kill, bridge_a.notifier.backend_pid))
        for name in ("second", "third"):
            hub_a.publish(ProviderWaiting(name, 0.0, "after the kill"))
        with anyio.fail_after(PATIENCE):
            later = [await in_b.__anext__() for _ in range(2)]
    assert first.to_json()["provider"] == "first"
    assert [event.to_json()["provider"] for event in later] == ["second", "third"]
    assert bridge_a.notifier.opened == 2
    messages = [record.getMessage() for record in caplog.records]
    assert len([m for m in messages if m.startswith("Cannot tell other processes")]) == 1
    assert "Telling other processes about events again" in messages


async def test_while_the_database_cannot_be_reached_only_the_newest_notifications_wait(
        two_databases: tuple[Database, Database], caplog: pytest.LogCaptureFixture) -> None:
    """Sending fails (the first connection cannot be opened): what piles up meanwhile is cut
    to the newest ``max_unsent``, which go out in order once the database is back."""
    database, _ = two_databases
    connect = connector(database.engine)
    name = channel(f"test {uuid.uuid4()}", "events")
    heard: list[str] = []
    last_heard = anyio.Event()

    def on_notify(_channel: str, payload: str) -> None:
        heard.append(payload)
        if payload == "2999":
            last_heard.set()

    attempts = 0

    def away_at_first() -> psycopg.Connection[Any]:
        nonlocal attempts
        attempts += 1
        if attempts == 1:
            raise psycopg.OperationalError("the database is away")
        return connect()

    notifier: Notifier[int] = Notifier(
        away_at_first, lambda items: [(name, str(item)) for item in items], batch=500,
        max_unsent=1000, retry_seconds=0.05)
    for number in range(3000):
        notifier.put(number)
    caplog.set_level(logging.INFO, logger="aniworld.notify")
    async with anyio.create_task_group() as task_group:
        await task_group.start(Listener(connect, [name], on_notify).run)
        notifier.start()
        with anyio.fail_after(PATIENCE):
            await last_heard.wait()
        task_group.cancel_scope.cancel()
    await notifier.stop(PATIENCE)
    assert heard == [str(number) for number in range(2000, 3000)]
    messages = [record.getMessage() for record in caplog.records]
    assert messages == ["Cannot tell other processes about events (the database is away); "
                        "trying again", "Telling other processes about events again"]


async def test_a_tap_sees_every_event_as_it_is_published_and_is_not_a_reader() -> None:
    """A tap (the bridge's way out) is called inside ``publish``, with every event in order,
    and is not one of the hub's readers."""
    hub = EventHub()
    tapped: list[Event] = []
    with hub.tap(tapped.append):
        assert hub.subscriber_count == 0
        first, second = LoaderIdle(1, 0), LoaderIdle(0, 0)
        hub.publish(first)
        assert tapped == [first]
        hub.publish(second)
        assert tapped == [first, second]
    hub.publish(LoaderIdle())
    assert len(tapped) == 2
