"""Live progress: ``/ws`` (WebSocket) and ``/api/events`` (server-sent events).

Both send the hub's snapshot first, then every event as its ``to_json()`` (the wire format), one
JSON object per WebSocket text message or per SSE ``data:`` line. Each connection holds one
subscription and releases it the moment the client leaves. The hub never waits for a client: an
event still waiting to be sent when a newer one for the same series comes is replaced by it (a
page shows the latest state; during a burst a connection skips states that have passed instead
of replaying them), and a client that stops reading for :data:`SEND_TIMEOUT` seconds is dropped
(closed with 1008). So is a stream whose session or API key stops working (a logout, an ended
session, a new password, a revoked key: see :mod:`aniworld_web.live_access`); an event stream
then simply ends. When the server begins to shut down every stream ends at once (WebSockets
close with 1001), and none is opened any more.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

import anyio
from starlette.routing import Route, WebSocketRoute
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect

from aniworld_core import Event, Subscription
from aniworld_web.live_access import AccessWatch
from aniworld_web.security import principal_of
from aniworld_web.state import WebContext, context_in
from aniworld_web.wire import SEND_TEXTS, WireTexts

SEND_TIMEOUT = 30.0
#: At most this many waiting events go out to a client in one write.
BATCH = 64
#: An SSE comment this often keeps proxies from closing a quiet stream.
KEEPALIVE_SECONDS = 15.0
_GOING_AWAY, _POLICY = 1001, 1008


class LiveSocket:
    """The ``/ws`` endpoint, written as plain ASGI so that, under a server offering
    :data:`SEND_TEXTS` (``aniworld serve``), a burst of events goes out in one ASGI message
    and one write; elsewhere each event is one ``websocket.send``."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        websocket = WebSocket(scope, receive, send)
        context = context_in(scope)
        if context.closing:
            await websocket.close(_GOING_AWAY)
            return
        watch = SendWatch(SEND_TIMEOUT)
        access = _access(scope, context)
        # Subscribed before the client sees the connection open: from then on nothing is missed.
        async with context.core.events.subscribe(coalesce=True) as events:
            await websocket.accept()
            async with anyio.create_task_group() as group:
                group.start_soon(_cancel_on_disconnect, websocket, group.cancel_scope)
                group.start_soon(watch.guard, group.cancel_scope)
                group.start_soon(access.guard, group.cancel_scope)
                # A task of its own, so waking it per event resumes a shallow stack (not the
                # whole middleware chain's).
                group.start_soon(_forward, websocket, events,
                                 _sender(websocket, send, context.wire), watch, group.cancel_scope)
            if watch.expired or access.revoked:
                reason = "Too slow to keep up." if watch.expired else "Logged out."
                with anyio.move_on_after(1):
                    await websocket.close(_POLICY, reason)


Batch = Callable[[list[Event]], Awaitable[None]]


def _sender(websocket: WebSocket, send: Send, wire: WireTexts) -> Batch:
    """How a batch of events goes out on this connection."""
    if SEND_TEXTS in (websocket.scope.get("extensions") or {}):
        async def send_texts(batch: list[Event]) -> None:
            await send({"type": SEND_TEXTS, "texts": [wire.encoded(event) for event in batch]})
        return send_texts

    async def send_each(batch: list[Event]) -> None:
        for event in batch:
            await websocket.send_text(wire(event))
    return send_each


async def _forward(websocket: WebSocket, events: Subscription, send_batch: Batch,
                   watch: SendWatch, scope: anyio.CancelScope) -> None:
    """Every event to the client until the hub closes (then say goodbye) or the client
    leaves; then end the connection."""
    try:
        while batch := await events.next_batch(BATCH):
            watch.since = time.monotonic()
            await send_batch(batch)
            watch.since = None
        await websocket.close(_GOING_AWAY, "The server is shutting down.")
    except (WebSocketDisconnect, OSError):
        pass  # the client left while we were sending
    scope.cancel()


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
        if context.closing:
            await _shutting_down(send)
            return
        access = _access(scope, context)
        async with context.core.events.subscribe(coalesce=True) as events:  # before it opens
            try:
                await send({"type": "http.response.start", "status": 200, "headers": [
                    (b"content-type", b"text/event-stream; charset=utf-8"),
                    (b"cache-control", b"no-store"),
                    (b"x-accel-buffering", b"no"),
                ]})
                async with anyio.create_task_group() as group:
                    group.start_soon(_cancel_on_http_disconnect, receive, group.cancel_scope)
                    group.start_soon(_end_when_revoked, access, events)
                    await _stream(events, send, context.wire)
                    group.cancel_scope.cancel()
            except OSError:
                pass  # the client left while we were sending


def _access(scope: Scope, context: WebContext) -> AccessWatch:
    principal = principal_of(scope)
    assert principal is not None  # the gate lets no one else in
    return AccessWatch(principal, context.core.accounts)


async def _end_when_revoked(access: AccessWatch, events: Subscription) -> None:
    """End the event stream (as the hub's closing would: the client sees it end) once its
    credentials stop working."""
    with anyio.CancelScope() as scope:
        await access.guard(scope)
    if access.revoked:
        events.close()


async def _shutting_down(send: Send) -> None:
    await send({"type": "http.response.start", "status": 503,
                "headers": [(b"content-type", b"application/json"), (b"retry-after", b"5")]})
    await send({"type": "http.response.body",
                "body": b'{"error":{"code":"shutting_down","message":"The server is shutting '
                        b'down."}}'})


async def _stream(events: Subscription, send: Send, wire: WireTexts) -> None:
    """Every event as a ``data:`` line, a comment when all is quiet, until the hub closes.
    The events waiting together (a burst: fifty series of one batched answer) go out in one
    chunk, one write, as on the WebSocket."""
    await _chunk(send, b"retry: 3000\n\n")
    while True:
        batch: list[Event] | None = None
        with anyio.move_on_after(KEEPALIVE_SECONDS):
            batch = await events.next_batch(BATCH)
        if batch is None:
            await _chunk(send, b": keep-alive\n\n")
        elif not batch:
            break  # the hub closed
        else:
            await _chunk(send, b"".join(b"data: %s\n\n" % wire.encoded(event)
                                        for event in batch))
    await send({"type": "http.response.body", "body": b"", "more_body": False})


async def _chunk(send: Send, body: bytes) -> None:
    await send({"type": "http.response.body", "body": body, "more_body": True})


async def _cancel_on_http_disconnect(receive: Receive, scope: anyio.CancelScope) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass
    scope.cancel()


ROUTES = [
    WebSocketRoute("/ws", LiveSocket()),
    Route("/api/events", EventStream(), methods=["GET"]),
]
