"""/ws and /api/events: the snapshot first, then every event in the wire format; a client that
leaves leaves nothing behind; a client that stops reading costs the producer nothing."""

from __future__ import annotations

import json
from typing import Any

import anyio
import httpx
import pytest

from aniworld_core import LoadingStatus, Progress, SeriesLoadingUpdate
from aniworld_web.api import events as events_api

from .asgi_driver import Rejected, event_stream, scope_for, websocket
from .conftest import Web

pytestmark = pytest.mark.anyio


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    """Streaming, disconnects and shutdown on both anyio backends."""
    return str(request.param)


def session_scope(web: Web, client: httpx.AsyncClient, kind: str, path: str) -> dict[str, Any]:
    return scope_for(kind, path, web.state, cookie=client.cookies["aniworld_session"])


def update(series_id: str, step: int) -> SeriesLoadingUpdate:
    return SeriesLoadingUpdate(series_id=series_id, title="Trigun",
                               status=LoadingStatus.LOADING_NFO, progress=Progress(episodes=True),
                               message=f"step {step}")


async def test_websocket_sends_snapshot_then_live_events(
        web: Web, browser_like: httpx.AsyncClient) -> None:
    """Unfinished series arrive first; then additions, updates and removals as they happen."""
    waiting = await web.core.add_series("Monster")
    async with websocket(web.asgi, session_scope(web, browser_like, "websocket", "/ws")) as ws:
        snapshot = await ws.receive_json()
        assert snapshot["type"] == "series_loading_update"
        assert (snapshot["series_id"], snapshot["status"]) == (waiting.id, "pending")
        assert web.core.events.subscriber_count == 1

        added = await web.core.add_series("Trigun")
        event = await ws.receive_json()
        assert event == {"type": "series_added", "series_id": added.id, "title": "Trigun",
                         "status": "pending", "timestamp": event["timestamp"]}
        event = await ws.receive_json()
        assert event["type"] == "series_loading_update"
        assert event["progress"] == {"episodes": False, "nfo": False, "logo": False,
                                     "images": False}
        assert event["message"] == "Waiting to load..."

        await web.core.remove_series(added.id)
        assert (await ws.receive_json())["type"] == "series_removed"
    assert web.core.events.subscriber_count == 0


async def test_event_stream_sends_snapshot_then_live_events(
        web: Web, browser_like: httpx.AsyncClient) -> None:
    """The SSE stream carries the same JSON, one ``data:`` line per event."""
    waiting = await web.core.add_series("Monster")
    async with event_stream(web.asgi, session_scope(web, browser_like, "http",
                                                    "/api/events")) as stream:
        assert stream.status == 200
        assert stream.headers["content-type"].startswith("text/event-stream")
        assert stream.headers["cache-control"] == "no-store"
        assert (await stream.next_event())["series_id"] == waiting.id
        web.core.events.publish(update(waiting.id, 1))
        event = await stream.next_event()
        assert (event["status"], event["message"]) == ("loading_nfo", "step 1")
        assert event["progress"]["episodes"] is True
        assert web.core.events.subscriber_count == 1
    assert web.core.events.subscriber_count == 0


async def test_an_event_stream_sends_a_burst_in_one_write(
        web: Web, browser_like: httpx.AsyncClient) -> None:
    """Events published together (fifty series of one batched answer) leave in one chunk, in
    order, each its own ``data:`` line: one write instead of one per event."""
    waiting = await web.core.add_series("Monster")
    async with event_stream(web.asgi, session_scope(web, browser_like, "http",
                                                    "/api/events")) as stream:
        with anyio.fail_after(10):
            assert (await stream.next_event())["series_id"] == waiting.id  # the snapshot
            for step in range(20):
                web.core.events.publish(update(f"series-{step}", step))
            message = await stream.connection.next_message()
        body = message["body"].decode()
        blocks = [block for block in body.split("\n\n") if block]
        assert [json.loads(block.removeprefix("data: "))["series_id"] for block in blocks] == [
            f"series-{step}" for step in range(20)]


async def test_disconnecting_clients_leave_nothing_behind(
        web: Web, browser_like: httpx.AsyncClient) -> None:
    """Many clients come and go, idle or mid-stream; afterwards no subscription is left."""
    for round_ in range(10):
        async with websocket(web.asgi, session_scope(web, browser_like, "websocket", "/ws")), \
                event_stream(web.asgi, session_scope(web, browser_like, "http", "/api/events")):
            assert web.core.events.subscriber_count == 2
            web.core.events.publish(update("x", round_))
    assert web.core.events.subscriber_count == 0


async def test_a_client_that_stops_reading_costs_nothing(
        web: Web, browser_like: httpx.AsyncClient) -> None:
    """With a client that reads nothing, 10,000 events are published without waiting, the
    connection holds a bounded backlog, and the client still ends on the latest state."""
    scope = session_scope(web, browser_like, "websocket", "/ws")
    async with websocket(web.asgi, scope, client_buffer=1) as slow:
        for step in range(10_000):
            web.core.events.publish(update("busy", step))  # never awaits: it cannot block
        received = []
        with anyio.fail_after(5):
            while not received or received[-1]["message"] != "step 9999":
                received.append(await slow.receive_json())
    assert len(received) < 300
    assert web.core.events.subscriber_count == 0


async def test_a_client_that_stops_reading_is_dropped(
        web: Web, browser_like: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """A client whose send has been stuck for the send timeout is disconnected and its
    subscription released, while the hub goes on publishing."""
    monkeypatch.setattr(events_api, "SEND_TIMEOUT", 0.2)
    scope = session_scope(web, browser_like, "websocket", "/ws")
    async with websocket(web.asgi, scope, client_buffer=1) as stuck:
        for step in range(10):
            web.core.events.publish(update(f"busy-{step}", step))  # not coalesced
        with anyio.fail_after(5):
            await stuck.connection.finished.wait()
        assert web.core.events.subscriber_count == 0
        web.core.events.publish(update("busy", 10))


async def test_scripts_use_an_api_key(web: Web) -> None:
    """A Bearer key opens the WebSocket without a session."""
    key = await web.core.accounts.create_api_key("dashboard")
    scope = scope_for("websocket", "/ws", web.state, headers={"Authorization": f"Bearer {key}"})
    async with websocket(web.asgi, scope) as ws:
        web.core.events.publish(update("s", 1))
        assert (await ws.receive_json())["message"] == "step 1"


async def test_anonymous_event_stream_is_401(anonymous: httpx.AsyncClient) -> None:
    """The SSE stream needs authentication like everything else."""
    response = await anonymous.get("/api/events")
    assert response.status_code == 401


async def test_shutdown_ends_live_connections(web: Web, browser_like: httpx.AsyncClient) -> None:
    """When the app shuts down, WebSockets are closed with 1001 and event streams end."""
    async with websocket(web.asgi, session_scope(web, browser_like, "websocket", "/ws")) as ws, \
            event_stream(web.asgi, session_scope(web, browser_like, "http",
                                                 "/api/events")) as stream:
        web.core.events.close()
        closing = await ws.connection.next_message()
        assert (closing["type"], closing["code"]) == ("websocket.close", 1001)
        with pytest.raises(EOFError):
            await stream.next_event()
        with anyio.fail_after(5):
            await ws.connection.finished.wait()
            await stream.connection.finished.wait()
    assert web.core.events.subscriber_count == 0


async def test_beginning_shutdown_ends_streams_and_refuses_new_ones(
        web: Web, browser_like: httpx.AsyncClient) -> None:
    """The server's "shutting down" call (``begin_shutdown`` in the lifespan state, which
    ``aniworld serve`` makes before it waits for connections) ends every live stream at once
    and turns new ones away, so none holds the shutdown up."""
    async with websocket(web.asgi, session_scope(web, browser_like, "websocket", "/ws")) as ws, \
            event_stream(web.asgi, session_scope(web, browser_like, "http",
                                                 "/api/events")) as stream:
        web.state["begin_shutdown"]()
        closing = await ws.connection.next_message()
        assert (closing["type"], closing["code"]) == ("websocket.close", 1001)
        with pytest.raises(EOFError):
            await stream.next_event()
    with pytest.raises(Rejected):
        async with websocket(web.asgi, session_scope(web, browser_like, "websocket", "/ws")):
            pass
    response = await browser_like.get("/api/events")
    assert response.status_code == 503
    assert web.core.events.subscriber_count == 0
