"""Live progress: ``/ws`` (WebSocket) and ``/api/events`` (server-sent events).

Both send the hub's snapshot first, then every event as its ``to_json()`` (the wire format), one
JSON object per WebSocket text message or per SSE ``data:`` line. Each connection holds one
subscription and releases it the moment the client leaves. The hub never waits for a client: an
event still waiting to be sent when a newer one for the same series comes is replaced by it (a
page shows the latest state; during a burst a connection skips states that have passed instead
of replaying them), and a client that stops reading for :data:`SEND_TIMEOUT` seconds is dropped
(closed with 1008).
"""

from __future__ import annotations

import time

import anyio
from starlette.routing import Route, WebSocketRoute
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect

from aniworld_core import Subscription
from aniworld_web.state import context_in, context_of
from aniworld_web.wire import WireTexts

SEND_TIMEOUT = 30.0
#: An SSE comment this often keeps proxies from closing a quiet stream.
KEEPALIVE_SECONDS = 15.0
_GOING_AWAY, _TOO_SLOW = 1001, 1008


async def live_socket(websocket: WebSocket) -> None:
    context = context_of(websocket)
    hub, wire = context.core.events, context.wire
    watch = SendWatch(SEND_TIMEOUT)
    # Subscribed before the client sees the connection open: from then on nothing is missed.
    async with hub.subscribe(coalesce=True) as events:
        await websocket.accept()
        try:
            async with anyio.create_task_group() as group:
                group.start_soon(_cancel_on_disconnect, websocket, group.cancel_scope)
                group.start_soon(watch.guard, group.cancel_scope)
                async for event in events:
                    watch.since = time.monotonic()
                    await websocket.send_text(wire(event))
                    watch.since = None
                else:
                    await websocket.close(_GOING_AWAY, "The server is shutting down.")
                group.cancel_scope.cancel()
            if watch.expired:
                with anyio.move_on_after(1):
                    await websocket.close(_TOO_SLOW, "Too slow to keep up.")
        except WebSocketDisconnect:
            pass  # the client left while we were sending


class SendWatch:
    """Ends a connection whose send has taken :data:`SEND_TIMEOUT` (the client stopped
    reading). One watcher per connection instead of a timeout around every send: a send is the
    hot path, a hundred open pages times every event."""

    def __init__(self, limit: float) -> None:
        self.limit = limit
        #: When the send in progress began (``time.monotonic()``), or ``None``.
        self.since: float | None = None
        self.expired = False

    async def guard(self, scope: anyio.CancelScope) -> None:
        """Cancel ``scope`` once a send has taken ``limit`` seconds (noticed within a quarter
        of that)."""
        while True:
            await anyio.sleep(self.limit / 4)
            since = self.since
            if since is not None and time.monotonic() - since >= self.limit:
                self.expired = True
                scope.cancel()
                return


async def _cancel_on_disconnect(websocket: WebSocket,
                                scope: anyio.CancelScope) -> None:
    """Read (and ignore) what the client sends until it leaves, then end the connection."""
    while (await websocket.receive())["type"] != "websocket.disconnect":
        pass
    scope.cancel()


class EventStream:
    """The SSE response: written as plain ASGI so it notices a disconnect at once, whatever
    ASGI version the server speaks, even while no event is due."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        context = context_in(scope)
        async with context.core.events.subscribe(coalesce=True) as events:  # before it opens
            try:
                await send({"type": "http.response.start", "status": 200, "headers": [
                    (b"content-type", b"text/event-stream; charset=utf-8"),
                    (b"cache-control", b"no-store"),
                    (b"x-accel-buffering", b"no"),
                ]})
                async with anyio.create_task_group() as group:
                    group.start_soon(_cancel_on_http_disconnect, receive, group.cancel_scope)
                    await _stream(events, send, context.wire)
                    group.cancel_scope.cancel()
            except OSError:
                pass  # the client left while we were sending


async def _stream(events: Subscription, send: Send, wire: WireTexts) -> None:
    """Every event as a ``data:`` line, a comment when all is quiet, until the hub closes."""
    await _chunk(send, "retry: 3000\n\n")
    while True:
        with anyio.move_on_after(KEEPALIVE_SECONDS):
            try:
                event = await anext(events)
            except StopAsyncIteration:
                break
            await _chunk(send, f"data: {wire(event)}\n\n")
            continue
        await _chunk(send, ": keep-alive\n\n")
    await send({"type": "http.response.body", "body": b"", "more_body": False})


async def _chunk(send: Send, text: str) -> None:
    await send({"type": "http.response.body", "body": text.encode(), "more_body": True})


async def _cancel_on_http_disconnect(receive: Receive, scope: anyio.CancelScope) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass
    scope.cancel()


ROUTES = [
    WebSocketRoute("/ws", live_socket),
    Route("/api/events", EventStream(), methods=["GET"]),
]
