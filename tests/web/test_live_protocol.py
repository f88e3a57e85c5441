"""The WebSocket protocol ``aniworld serve`` gives uvicorn: a burst of text messages in one ASGI
message and one write (:data:`SEND_TEXTS`), each message arriving whole and in order, compressed
or not; and ``/ws`` using it under that server.

The server runs in a thread (real uvicorn, real sockets); the client is websockets' own.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from aniworld_core import LoadingStatus, SeriesAdded, Settings
from aniworld_web.wire import SEND_TEXTS

from .live_server import live_server, uvicorn_thread

TIMEOUT = 15
#: Short, past the 125-byte and past the 65,535-byte frame length forms, beyond ASCII.
TEXTS = ["a", "é" * 100, "x" * 70_000, '{"type":"série"}']


class Recorder:
    """What a test app saw and did, read by the test's thread once ``done`` is set."""

    def __init__(self) -> None:
        self.extensions: dict[str, Any] = {}
        self.errors: list[BaseException] = []
        self.done = threading.Event()


def sending(texts: list[str], recorder: Recorder) -> ASGIApp:
    """An app that accepts, sends ``texts`` through :data:`SEND_TEXTS` in two bursts, waits
    for the client to leave and then tries once more (which must fail: the client is gone)."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        recorder.extensions = dict(scope.get("extensions") or {})
        await receive()  # websocket.connect
        await send({"type": "websocket.accept"})
        encoded = [text.encode() for text in texts]
        await send({"type": SEND_TEXTS, "texts": encoded[:1]})
        await send({"type": SEND_TEXTS, "texts": encoded[1:]})
        while (await receive())["type"] != "websocket.disconnect":
            pass
        try:
            await send({"type": SEND_TEXTS, "texts": encoded})
        except OSError as error:
            recorder.errors.append(error)
        recorder.done.set()

    return app


@pytest.mark.parametrize("deflate", [False, True], ids=["plain", "compressed"])
def test_a_burst_arrives_as_whole_messages_in_order(deflate: bool) -> None:
    """Every text of a burst is one text message, in order and intact, whether or not the
    client and server agreed on compression; a send after the client left raises ``OSError``
    (what an app expects of a closed connection)."""
    recorder = Recorder()
    with uvicorn_thread(sending(TEXTS, recorder), lifespan="off", ws_deflate=deflate) as url:
        with connect(url.replace("http", "ws", 1) + "/ws", open_timeout=TIMEOUT,
                     max_size=None) as client:
            received = [client.recv(timeout=TIMEOUT) for _ in TEXTS]
            compressed = "permessage-deflate" in client.response.headers.get(
                "Sec-WebSocket-Extensions", "")
        assert recorder.done.wait(TIMEOUT)
    assert SEND_TEXTS in recorder.extensions
    assert compressed is deflate
    assert received == TEXTS
    assert len(recorder.errors) == 1


def test_the_burst_message_before_accepting_is_an_error() -> None:
    """Sending a burst before the handshake is the app's mistake, said as such; the client is
    refused as when an app closes before accepting."""
    recorder = Recorder()

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        try:
            await send({"type": SEND_TEXTS, "texts": [b"too early"]})
        except RuntimeError as error:
            recorder.errors.append(error)
        await send({"type": "websocket.close"})
        recorder.done.set()

    with uvicorn_thread(app, lifespan="off") as url:
        with pytest.raises(InvalidStatus):
            connect(url.replace("http", "ws", 1) + "/ws", open_timeout=TIMEOUT)
        assert recorder.done.wait(TIMEOUT)
    assert len(recorder.errors) == 1
    assert SEND_TEXTS in str(recorder.errors[0])


def counting(app: ASGIApp, counts: Counter[str]) -> ASGIApp:
    """``app``, counting the types of the WebSocket messages it sends."""

    async def counted(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "websocket":
            await app(scope, receive, send)
            return

        async def send_counted(message: Message) -> None:
            counts[message["type"]] += 1
            await send(message)

        await app(scope, receive, send_counted)

    return counted


def test_a_page_gets_a_burst_of_events_in_a_few_writes(tmp_path: Path) -> None:
    """Three hundred events published at once reach a page complete and in order, and go
    out as a few batches, not as three hundred messages."""
    counts: Counter[str] = Counter()
    with live_server(Settings(data_dir=tmp_path / "data")) as server:
        server.app = counting(server.app, counts)
        key = server.call(server.core.accounts.create_api_key, "test")
        events = [SeriesAdded(f"s{n}", f"Series {n}", LoadingStatus.PENDING) for n in range(300)]

        async def burst() -> None:
            for event in events:
                server.core.events.publish(event)

        with connect(server.url.replace("http", "ws", 1) + "/ws", open_timeout=TIMEOUT,
                     additional_headers={"Authorization": f"Bearer {key}"}) as client:
            # The page subscribed before the handshake completed: it misses nothing.
            assert server.core.events.subscriber_count == 1
            server.call(burst)
            received = [json.loads(client.recv(timeout=TIMEOUT)) for _ in events]
    assert received == [event.to_json() for event in events]
    assert counts["websocket.send"] == 0
    assert 300 // 64 <= counts[SEND_TEXTS] <= 300 // 64 + 2
