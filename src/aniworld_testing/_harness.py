"""The ASGI layer in front of every fake: rate limits, latency, injected faults, the record.

Order for each request: record its arrival, apply forced 429s and the rate limits, wait the
latency, then either inject a fault or run the fake's app. Each request's random draws come
from ``Random(f"{seed}:{sequence}")``, so one seed and one request order give the same faults.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import anyio
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from aniworld_testing._limits import Limiter
from aniworld_testing._options import FakeOptions
from aniworld_testing._stats import RequestRecord

if TYPE_CHECKING:
    from aniworld_testing._service import FakeService

#: Scope key under which the serving thread passes an event set at shutdown.
SHUTDOWN_KEY = "aniworld.shutdown"
#: Scope key carrying this request's extra random draw (the image host uses it).
ROLL_KEY = "aniworld.roll"


class _Capture:
    """Wraps ``send``: remembers the status, adds headers to the response start, and calls
    ``finished`` just before the last body chunk goes out (so a client that has the whole
    response always finds its request in the record). A 204 or 304 has no body: the client
    has it whole once its head is sent, so ``finished`` comes before the head."""

    def __init__(self, send: Send, headers: list[tuple[bytes, bytes]],
                 finished: Callable[[], None]) -> None:
        self._send = send
        self._headers = headers
        self._finished = finished
        self.status = 0

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            if self.status in (204, 304):
                self._finished()
            if self._headers:
                message = {**message, "headers": [*message.get("headers", ()), *self._headers]}
        elif message["type"] == "http.response.body" and not message.get("more_body", False):
            self._finished()
        await self._send(message)


class Harness:
    """Wraps a fake's Starlette app with the behaviour its :class:`FakeOptions` ask for."""

    def __init__(self, service: FakeService, app: ASGIApp) -> None:
        self._service = service
        self._app = app
        self._limiter = Limiter()
        self._lock = threading.Lock()
        self._sequence = 0

    def reset(self) -> None:
        self._limiter.reset()
        with self._lock:
            self._sequence = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        arrived = time.monotonic()
        service, options = self._service, self._service.options
        with self._lock:
            sequence = self._sequence
            self._sequence += 1
        draw = random.Random(f"{options.seed}:{sequence}")
        error, hang, malformed, jitter, roll = (draw.random() for _ in range(5))
        refusal, fault, headers = self._admit(options, arrived)
        recorded = False

        def record() -> None:
            nonlocal recorded
            if not recorded:
                recorded = True
                service.stats.add(RequestRecord(
                    time=arrived, method=scope["method"], path=scope["path"],
                    query=scope["query_string"].decode("latin-1"), status=capture.status,
                    fault=fault))

        capture = _Capture(send, headers, record)
        try:
            held = options.held
            if held is not None and not held.is_set():
                await anyio.to_thread.run_sync(held.wait, abandon_on_cancel=True)
            delay = options.latency + jitter * options.jitter
            if delay > 0:
                await anyio.sleep(delay)
            if refusal is not None:
                await refusal(scope, receive, capture)
            elif error < options.error_rate:
                fault = "error"
                await service.error_response(options.error_status)(scope, receive, capture)
            elif hang < options.timeout_rate:
                fault = "timeout"
                await self._hang(scope, receive, capture, options.timeout_delay)
            elif malformed < options.malformed_rate:
                fault = "malformed"
                await self._malformed(scope, receive, capture)
            else:
                fault = service.injected_fault(roll)
                await self._app({**scope, ROLL_KEY: roll}, receive, capture)
        finally:
            record()

    def _admit(self, options: FakeOptions, arrived: float
               ) -> tuple[Response | None, str | None, list[tuple[bytes, bytes]]]:
        """A 429 response and its fault name if the request is refused (forced or over the
        limits), else the rate-limit headers to add to the response."""
        service = self._service
        with self._lock:
            forced = options.forced_429 > 0
            if forced:
                options.forced_429 -= 1
        if forced:
            retry = options.forced_retry_after
            refusal = service.rate_limited_response(retry, int(time.time()) + retry, None,
                                                    forced=True)
            return refusal, "forced_429", []
        admission = self._limiter.admit(options, arrived)
        if not admission.allowed:
            refusal = service.rate_limited_response(
                admission.retry_after, admission.reset_at, admission.limit, forced=False)
            return refusal, "rate_limited", []
        if admission.limit is None or admission.remaining is None:
            return None, None, []
        headers = service.limit_headers(admission.limit, admission.remaining)
        return None, None, [(k.lower().encode(), v.encode()) for k, v in headers.items()]

    async def _hang(self, scope: Scope, receive: Receive, send: Send, delay: float) -> None:
        """Answer after ``delay`` seconds; give up silently if the client leaves first; answer
        503 at once if the server shuts down meanwhile."""
        body = await _read_body(receive)
        outcome = "disconnected"
        shutdown: anyio.Event | None = scope.get(SHUTDOWN_KEY)

        async with anyio.create_task_group() as group:

            async def wait(what: str, awaitable: Callable[[], Any]) -> None:
                nonlocal outcome
                await awaitable()
                outcome = what
                group.cancel_scope.cancel()

            group.start_soon(wait, "disconnected", lambda: _until_disconnect(receive))
            group.start_soon(wait, "answered", lambda: anyio.sleep(delay))
            if shutdown is not None:
                group.start_soon(wait, "shutdown", shutdown.wait)
        if outcome == "answered":
            await self._app({**scope, ROLL_KEY: 1.0}, _replay(body, receive), send)
        elif outcome == "shutdown":
            await self._service.error_response(503)(scope, receive, send)

    async def _malformed(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the app, then send status 200 with the first half of its body (same headers)."""
        messages: list[Message] = []

        async def collect(message: Message) -> None:
            messages.append(message)

        await self._app({**scope, ROLL_KEY: 1.0}, receive, collect)
        start = next((m for m in messages if m["type"] == "http.response.start"), {})
        body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
        cut = body[: len(body) // 2] if len(body) > 1 else b'{"data":'
        headers = [(k, v) for k, v in start.get("headers", ()) if k.lower() != b"content-length"]
        await send({"type": "http.response.start", "status": 200,
                    "headers": [*headers, (b"content-length", str(len(cut)).encode())]})
        await send({"type": "http.response.body", "body": cut})


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


async def _until_disconnect(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay
