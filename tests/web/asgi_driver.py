"""Drive long-lived ASGI connections (WebSocket, server-sent events) the way a server does.

httpx's ASGI transport waits for a response to finish, which a live stream never does; these
drivers run the real app in a task, feed it the server's messages and hand back what it sends,
so a test can read a stream, hang up, and check that the app let go of everything.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream
from starlette.types import ASGIApp, Message

TIMEOUT = 5


def scope_for(kind: str, path: str, state: dict[str, Any], *, cookie: str | None = None,
              headers: dict[str, str] | None = None, client: str = "127.0.0.1") -> dict[str, Any]:
    raw_headers = [(b"host", b"localhost")]
    if cookie:
        raw_headers.append((b"cookie", f"aniworld_session={cookie}".encode()))
    raw_headers += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    scope: dict[str, Any] = {
        "type": kind, "asgi": {"version": "3.0", "spec_version": "2.4"}, "http_version": "1.1",
        "scheme": "ws" if kind == "websocket" else "http", "server": ("localhost", 80),
        "client": (client, 50000), "root_path": "", "path": path, "raw_path": path.encode(),
        "query_string": b"", "headers": raw_headers, "state": dict(state),
    }
    if kind == "http":
        scope["method"] = "GET"
    else:
        scope["subprotocols"] = []
    return scope


class Connection:
    """One connection: ``to_app`` is what the client says, ``from_app`` what the app answers."""

    def __init__(self, to_app: MemoryObjectSendStream[Message],
                 from_app: MemoryObjectReceiveStream[Message]) -> None:
        self.to_app = to_app
        self.from_app = from_app
        self.finished = anyio.Event()

    async def next_message(self) -> Message:
        with anyio.fail_after(TIMEOUT):
            return await self.from_app.receive()


@asynccontextmanager
async def connect(app: ASGIApp, scope: dict[str, Any], *,
                  client_buffer: int = 1000) -> AsyncIterator[Connection]:
    """Run the app on ``scope`` until the block ends and the app has returned.

    ``client_buffer`` is how many messages the client takes before it stops reading; a small
    one makes a slow client.
    """
    to_app_send, to_app_receive = anyio.create_memory_object_stream[Message](16)
    from_app_send, from_app_receive = anyio.create_memory_object_stream[Message](client_buffer)
    connection = Connection(to_app_send, from_app_receive)

    async def serve() -> None:
        try:
            await app(scope, to_app_receive.receive, from_app_send.send)
        finally:
            connection.finished.set()
            from_app_send.close()

    with to_app_send, to_app_receive, from_app_receive:
        async with anyio.create_task_group() as group:
            group.start_soon(serve)
            yield connection
            with anyio.fail_after(TIMEOUT):
                await connection.finished.wait()


class WebSocketClient:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    async def receive_json(self) -> dict[str, Any]:
        message = await self.connection.next_message()
        assert message["type"] == "websocket.send", message
        data: dict[str, Any] = json.loads(message["text"])
        return data


class Rejected(Exception):
    """The app closed the WebSocket handshake instead of accepting it."""


@asynccontextmanager
async def websocket(app: ASGIApp, scope: dict[str, Any],
                    client_buffer: int = 1000) -> AsyncIterator[WebSocketClient]:
    """An accepted WebSocket; hangs up (``websocket.disconnect``) when the block ends.

    :class:`Rejected` if the app closes the handshake instead.
    """
    refusal: Message | None = None
    async with connect(app, scope, client_buffer=client_buffer) as connection:
        await connection.to_app.send({"type": "websocket.connect"})
        first = await connection.next_message()
        if first["type"] == "websocket.close":
            refusal = first
        else:
            assert first["type"] == "websocket.accept", first
            try:
                yield WebSocketClient(connection)
            finally:
                if not connection.finished.is_set():
                    await connection.to_app.send({"type": "websocket.disconnect", "code": 1000})
    if refusal is not None:
        raise Rejected(refusal.get("code"))


class EventStreamClient:
    def __init__(self, connection: Connection, status: int, headers: dict[str, str]) -> None:
        self.connection = connection
        self.status = status
        self.headers = headers
        self._pending = ""
        self.ended = False

    async def next_event(self) -> dict[str, Any]:
        """The next ``data:`` payload, skipping comments and the retry hint."""
        while True:
            block, separator, rest = self._pending.partition("\n\n")
            if separator:
                self._pending = rest
                for line in block.splitlines():
                    if line.startswith("data: "):
                        data: dict[str, Any] = json.loads(line.removeprefix("data: "))
                        return data
                continue
            message = await self.connection.next_message()
            assert message["type"] == "http.response.body", message
            self._pending += message["body"].decode()
            if not message.get("more_body", False):
                self.ended = True
                raise EOFError("the stream ended")


@asynccontextmanager
async def event_stream(app: ASGIApp, scope: dict[str, Any]) -> AsyncIterator[EventStreamClient]:
    """A GET of an event stream; hangs up (``http.disconnect``) when the block ends."""
    async with connect(app, scope) as connection:
        await connection.to_app.send({"type": "http.request", "body": b"", "more_body": False})
        start = await connection.next_message()
        assert start["type"] == "http.response.start", start
        headers = {k.decode(): v.decode() for k, v in start["headers"]}
        try:
            yield EventStreamClient(connection, start["status"], headers)
        finally:
            if not connection.finished.is_set():
                await connection.to_app.send({"type": "http.disconnect"})
