"""When a request takes its turn at the provider's limiter, against a real local HTTP server
(the turn is taken as the request is written, which only a real transport reports), and
against transports that report the stages of a request. The limiter waits on a simulated
clock throughout: no test here depends on how fast the machine is."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator

import anyio
import anyio.abc
import httpx
import pytest

from aniworld_core.errors import ProviderError
from aniworld_core.providers.base import ProviderConfig, RateLimit
from aniworld_core.providers.http import PREPARE_LEAD, ProviderHttpClient
from aniworld_core.providers.limiter import EXACT, ProviderLimiter

from .local_http import Requests
from .provider_fakes import SimulatedClock

pytestmark = pytest.mark.anyio

BODY = b'{"ok": true}'
RESPONSE = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n\r\n%s" % (len(BODY), BODY))


@pytest.fixture
async def server(clock: SimulatedClock) -> AsyncIterator[tuple[str, list[float]]]:
    """A keep-alive HTTP/1.1 server answering every request with ``{"ok": true}``; yields its
    URL and the moments requests arrived, on the simulated ``clock`` (which does not move
    while the network works, so they are the moments the requests' turns came)."""
    arrivals: list[float] = []

    async def serve(stream: anyio.abc.SocketStream) -> None:
        async with stream:
            requests = Requests(stream)
            while await requests.next() is not None:
                arrivals.append(clock.now)
                await stream.send(RESPONSE)

    async with await anyio.create_tcp_listener(local_host="127.0.0.1") as listener, \
            anyio.create_task_group() as task_group:
        task_group.start_soon(listener.serve, serve)
        port = listener.extra(anyio.abc.SocketAttribute.local_port)
        yield f"http://127.0.0.1:{port}", arrivals
        task_group.cancel_scope.cancel()


#: The limiter's window (simulated seconds) and the request timeout (real seconds) in the test
#: below: each request waits a window for its turn, longer than its timeout; the timeout is long
#: enough that the exchange itself (a local round trip) never times out on a loaded machine.
WINDOW = 60.0
TIMEOUT = 10.0
#: The test's own bound (real seconds).
TEST_TIMEOUT = 120


async def test_waiting_for_the_turn_is_not_a_timeout(server: tuple[str, list[float]],
                                                     clock: SimulatedClock) -> None:
    """Requests held back by the limiter (one per window) wait longer than their timeout for
    their turn, and still get their answer at the first try: only the exchange itself is
    timed, so no request's deadline bounds the wait. The server sees them a window apart.
    The wait is on a simulated clock, so a busy machine changes nothing."""
    url, arrivals = server
    left_while_waiting: list[float] = []

    async def sleep(seconds: float) -> None:
        # How long until some deadline would cancel this wait: the request's own (its
        # timeout) if the wait counted against it, else only the test's.
        left_while_waiting.append(anyio.current_effective_deadline() - anyio.current_time())
        await clock.sleep(seconds)

    limiter = ProviderLimiter("jikan", [RateLimit(1, WINDOW)], margin=EXACT, clock=clock,
                              sleep=sleep)
    client = ProviderHttpClient(ProviderConfig("jikan", url, timeout=TIMEOUT), limiter)
    try:
        with anyio.fail_after(TEST_TIMEOUT):
            answers = [await client.get_json(f"/{number}", request=str(number))
                       for number in range(4)]
    finally:
        await client.aclose()
    assert answers == [{"ok": True}] * 4
    assert [later - earlier for earlier, later in itertools.pairwise(arrivals)] == [
        pytest.approx(WINDOW)] * 3
    assert left_while_waiting
    assert min(left_while_waiting) > TIMEOUT
    assert (client.metrics.requests, client.metrics.retries) == (4, 0)
    assert client.metrics.waited_seconds == pytest.approx(3 * WINDOW)
    assert client.metrics.latency_count == 4


class _BreaksWhileWriting(httpx.AsyncBaseTransport):
    """Reports the stages of a request as httpcore does; ``/broken`` fails as it is written."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        trace = request.extensions["trace"]
        await trace("http11.send_request_headers.started", {})
        if request.url.path == "/broken":
            raise httpx.WriteError("Broken pipe")
        await trace("http11.send_request_headers.complete", {})
        return httpx.Response(200, json={"ok": True})


async def test_a_request_that_fails_as_it_is_written_frees_its_turn() -> None:
    """A turn whose request never made it onto the network (the write failed, each of its
    tries) counts from when it failed; it does not go on counting as leaving now, which
    would hold every later request back for good."""
    clock = SimulatedClock()
    limiter = ProviderLimiter("p", [RateLimit(1, 1.0)], clock=clock, sleep=clock.sleep,
                              margin=EXACT)
    client = ProviderHttpClient(ProviderConfig("p", "http://p.example"), limiter,
                                transport=_BreaksWhileWriting())
    # Simulated time: a turn stuck as leaving would make the last request wait for ever.
    try:
        with anyio.fail_after(10):
            assert await client.get_json("/ok", request="ok") == {"ok": True}
            with pytest.raises(ProviderError, match="Broken pipe"):
                await client.get_json("/broken", request="broken")
            assert limiter.next_free_at() == pytest.approx(clock.now + 1.0)  # its last try
            clock.advance(5.0)
            assert limiter.next_free_at() == clock.now  # free: nothing counts as leaving still
            assert await client.get_json("/ok", request="ok") == {"ok": True}
    finally:
        await client.aclose()


class _RecordsStages(httpx.AsyncBaseTransport):
    """Reports the stages of a request as httpcore does and notes when each was reached."""

    def __init__(self, clock: SimulatedClock) -> None:
        self.clock = clock
        self.stages: list[tuple[str, str, float]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        trace = request.extensions["trace"]
        self.stages.append((request.url.path, "prepared", self.clock.now))
        await trace("http11.send_request_headers.started", {})
        await trace("http11.send_request_headers.complete", {})
        self.stages.append((request.url.path, "sent", self.clock.now))
        return httpx.Response(200, json={"ok": True})


async def test_a_waiting_request_is_on_its_connection_before_its_turn_comes() -> None:
    """A request held back by the rate limit is prepared (built, on a connection) a little
    before its turn, so the moment the turn comes it only has to be written; it is still
    written no earlier than the turn."""
    clock = SimulatedClock()
    limiter = ProviderLimiter("p", [RateLimit(1, 10.0)], clock=clock, sleep=clock.sleep,
                              margin=EXACT)
    transport = _RecordsStages(clock)
    client = ProviderHttpClient(ProviderConfig("p", "http://p.example"), limiter,
                                transport=transport)
    try:
        with anyio.fail_after(10):
            await client.get_json("/first", request="first")
            await client.get_json("/second", request="second")
    finally:
        await client.aclose()
    assert transport.stages == [
        ("/first", "prepared", 0.0), ("/first", "sent", 0.0),
        ("/second", "prepared", 10.0 - PREPARE_LEAD), ("/second", "sent", 10.0),
    ]
