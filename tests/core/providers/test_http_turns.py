"""When a request takes its turn at the provider's limiter, against a real local HTTP server
(the turn is taken as the request is written, which only a real transport reports)."""

from __future__ import annotations

import itertools
import time
from collections.abc import AsyncIterator

import anyio
import anyio.abc
import pytest

from aniworld_core.providers.base import ProviderConfig, RateLimit
from aniworld_core.providers.http import ProviderHttpClient
from aniworld_core.providers.limiter import EXACT, ProviderLimiter

from .local_http import Requests

pytestmark = pytest.mark.anyio

BODY = b'{"ok": true}'
RESPONSE = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n\r\n%s" % (len(BODY), BODY))


@pytest.fixture
async def server() -> AsyncIterator[tuple[str, list[float]]]:
    """A keep-alive HTTP/1.1 server answering every request with ``{"ok": true}``; yields its
    URL and the moments (``time.monotonic``) requests arrived."""
    arrivals: list[float] = []

    async def serve(stream: anyio.abc.SocketStream) -> None:
        async with stream:
            requests = Requests(stream)
            while await requests.next() is not None:
                arrivals.append(time.monotonic())
                await stream.send(RESPONSE)

    async with await anyio.create_tcp_listener(local_host="127.0.0.1") as listener, \
            anyio.create_task_group() as task_group:
        task_group.start_soon(listener.serve, serve)
        port = listener.extra(anyio.abc.SocketAttribute.local_port)
        yield f"http://127.0.0.1:{port}", arrivals
        task_group.cancel_scope.cancel()


async def test_waiting_for_the_turn_is_not_a_timeout(server: tuple[str, list[float]]) -> None:
    """Requests queued behind the limiter (one per 0.4 s) wait longer than their 0.3 s timeout
    for their turn, and still get their answer: only the exchange itself is timed. The server
    sees them one window apart."""
    url, arrivals = server
    limiter = ProviderLimiter("jikan", [RateLimit(1, 0.4)], margin=EXACT)
    client = ProviderHttpClient(ProviderConfig("jikan", url, timeout=0.3), limiter)
    try:
        with anyio.fail_after(10):
            assert await client.get_json("/first", request="first") == {"ok": True}
            answers: list[object] = []

            async def get(number: int) -> None:
                answers.append(await client.get_json(f"/{number}", request=str(number)))

            async with anyio.create_task_group() as task_group:
                for number in range(3):
                    task_group.start_soon(get, number)
    finally:
        await client.aclose()
    assert answers == [{"ok": True}] * 3
    gaps = [later - earlier for earlier, later in itertools.pairwise(arrivals)]
    assert len(arrivals) == 4
    assert min(gaps) >= 0.4
    assert client.metrics.requests == 4
    assert client.metrics.waited_seconds >= 3 * 0.4
    # The latency is the exchange's, not the time spent queued for the turn.
    assert client.metrics.latency_count == 4
    assert client.metrics.latency_sum < 0.3 * 4
