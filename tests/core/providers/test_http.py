"""The providers' HTTP client against ``httpx.MockTransport``: retries, 429s, server quotas,
timeouts, malformed answers and clear errors, on asyncio and trio. Waits are measured on a
simulated clock (the limiter's, and the server's notes of arrivals): how busy the machine is
never decides a test."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable

import anyio
import httpx
import pytest

from aniworld_core import ProviderError, __version__
from aniworld_core.providers.base import ProviderConfig, RateLimit
from aniworld_core.providers.http import ATTEMPTS, ProviderHttpClient
from aniworld_core.providers.limiter import ProviderLimiter

from .provider_fakes import SimulatedClock, json_response

pytestmark = pytest.mark.anyio

#: The wall clock (a unix time) when a simulated clock reads 0.
WALL = 1_800_000_000.0

Handler = Callable[[httpx.Request], object]


class Server:
    """Answers from a list (the last one repeats) and remembers when each request arrived."""

    def __init__(self, *answers: httpx.Response | Exception,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.answers = list(answers)
        self.arrivals: list[float] = []
        self.requests: list[httpx.Request] = []
        self.clock = clock

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.arrivals.append(self.clock())
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer


def open_client(
    handler: Handler,
    *,
    limits: tuple[RateLimit, ...] = (RateLimit(100, 1.0),),
    timeout: float = 20.0,
    waits: list[tuple[str, float, str]] | None = None,
    clock: SimulatedClock | None = None,
) -> ProviderHttpClient:
    """A client of ``handler``; with ``clock`` its limiter waits on that simulated clock, and
    its wall clock reads ``WALL`` plus that clock's time."""
    timing: dict[str, object] = {} if clock is None else {"clock": clock, "sleep": clock.sleep}
    limiter = ProviderLimiter("anilist", limits, label="AniList",
                              on_wait=None if waits is None else lambda *w: waits.append(w),
                              **timing)  # type: ignore[arg-type]
    config = ProviderConfig("anilist", "https://graphql.example", timeout=timeout)
    wall: dict[str, object] = {} if clock is None else {"wall_clock": lambda: WALL + clock.now}
    return ProviderHttpClient(config, limiter, transport=httpx.MockTransport(handler),  # type: ignore[arg-type]
                              **wall)  # type: ignore[arg-type]


@pytest.fixture
async def closing() -> AsyncIterator[list[ProviderHttpClient]]:
    clients: list[ProviderHttpClient] = []
    yield clients
    for client in clients:
        await client.aclose()


async def test_success_returns_the_json_body_and_sends_who_we_are(
    closing: list[ProviderHttpClient],
) -> None:
    """A 200 answer's JSON is returned; every request names aniworld and its version, asks for
    JSON, and carries timeouts."""
    server = Server(json_response(200, {"data": {"ok": True}}))
    client = open_client(server)
    closing.append(client)
    answer = await client.post_json("", body={"query": "{}"}, request="test")
    assert answer == {"data": {"ok": True}}
    sent = server.requests[0]
    assert sent.headers["User-Agent"].startswith(f"aniworld/{__version__} ")
    assert sent.headers["Accept"] == "application/json"
    assert sent.extensions["timeout"] == {"connect": 20.0, "read": 20.0, "write": 20.0,
                                          "pool": 20.0}
    assert client.metrics.requests == 1
    assert client.metrics.latency_count == 1


async def test_paths_and_params_go_under_the_configured_url(
    closing: list[ProviderHttpClient],
) -> None:
    """A path is appended to the configured URL (a mirror's path prefix is kept)."""
    server = Server(json_response(200, {"data": []}))
    limiter = ProviderLimiter("jikan", [RateLimit(3, 1.0)])
    config = ProviderConfig("jikan", "https://mirror.example/jikan/v4")
    client = ProviderHttpClient(config, limiter, transport=httpx.MockTransport(server))
    closing.append(client)
    await client.get_json("/anime", params={"q": "Bebop", "limit": 10}, request="search")
    assert str(server.requests[0].url) == "https://mirror.example/jikan/v4/anime?q=Bebop&limit=10"


@pytest.mark.parametrize(
    "failure",
    [
        json_response(503, {"message": "upstream down"}),
        httpx.ConnectError("connection refused"),
        httpx.ReadTimeout("read timed out"),
        httpx.RemoteProtocolError("server disconnected"),
    ],
    ids=["503", "connect", "timeout", "disconnect"],
)
async def test_transient_failures_are_retried(
    failure: httpx.Response | Exception, closing: list[ProviderHttpClient]
) -> None:
    """5xx answers, connection errors, timeouts and dropped connections are retried, then the
    answer that finally comes is returned."""
    server = Server(failure, failure, json_response(200, {"ok": 1}))
    client = open_client(server)
    closing.append(client)
    assert await client.get_json("/x", request="test") == {"ok": 1}
    assert len(server.requests) == 3
    assert client.metrics.retries == 2
    assert client.metrics.errors == 0


async def test_retries_give_up_with_a_provider_error(closing: list[ProviderHttpClient]) -> None:
    """A server that keeps failing yields a ProviderError naming provider, request, reason and
    status after the last attempt."""
    server = Server(json_response(502, {"message": "bad gateway"}))
    client = open_client(server)
    closing.append(client)
    with pytest.raises(ProviderError) as caught:
        await client.get_json("/x", request="search 'Bebop'")
    assert str(caught.value) == (
        f"anilist: search 'Bebop': HTTP 502 Bad Gateway: bad gateway (tried {ATTEMPTS} times)"
    )
    assert caught.value.status == 502
    assert len(server.requests) == ATTEMPTS
    assert client.metrics.errors == 1


@pytest.mark.parametrize(
    ("status", "body", "reason"),
    [
        (404, {"data": {"Media": None}, "errors": [{"message": "Not Found.", "status": 404}]},
         "HTTP 404 Not Found: Not Found."),
        (400, {"status": 400, "type": "ValidationException", "message": "Invalid page"},
         "HTTP 400 Bad Request: Invalid page"),
        (401, {"status_code": 7, "status_message": "Invalid API key"},
         "HTTP 401 Unauthorized: Invalid API key"),
        (403, "<html>forbidden</html>", "HTTP 403 Forbidden"),
        (410, "Gone for good", "HTTP 410 Gone: Gone for good"),
    ],
)
async def test_other_client_errors_fail_at_once(
    status: int, body: object, reason: str, closing: list[ProviderHttpClient]
) -> None:
    """A 4xx other than 429 is never retried; the error quotes the server's own message."""
    if isinstance(body, str):  # HTML is not quoted; plain text is
        kind = "text/html" if body.startswith("<") else "text/plain"
        answer = httpx.Response(status, content=body.encode(), headers={"Content-Type": kind})
    else:
        answer = json_response(status, body)
    server = Server(answer, json_response(200, {"ok": 1}))
    client = open_client(server)
    closing.append(client)
    with pytest.raises(ProviderError) as caught:
        await client.get_json("/x", request="series 1")
    assert caught.value.reason == reason
    assert caught.value.status == status
    assert (caught.value.provider, caught.value.request) == ("anilist", "series 1")
    assert len(server.requests) == 1


@pytest.mark.parametrize("body", [b"<html>Service Unavailable</html>", b"", b'{"data": '])
async def test_malformed_json_is_an_error_not_data(
    body: bytes, closing: list[ProviderHttpClient]
) -> None:
    """A 200 answer that is not JSON becomes a ProviderError instead of being returned."""
    client = open_client(Server(httpx.Response(200, content=body)))
    closing.append(client)
    with pytest.raises(ProviderError, match=r"^anilist: series 1: the answer is not valid JSON"):
        await client.get_json("/x", request="series 1")


async def test_every_request_has_an_overall_timeout(closing: list[ProviderHttpClient]) -> None:
    """A server that never answers makes the request fail after the configured timeout, on
    every attempt, with a message that says so."""

    async def never_answers(request: httpx.Request) -> httpx.Response:
        await anyio.sleep_forever()
        raise AssertionError("unreachable")

    client = open_client(never_answers, timeout=0.05)
    closing.append(client)
    with anyio.fail_after(5), pytest.raises(ProviderError) as caught:
        await client.get_json("/x", request="series 1")
    assert caught.value.reason == f"timed out after 0.05 s (tried {ATTEMPTS} times)"
    assert client.metrics.retries == ATTEMPTS - 1


async def test_429_pauses_the_whole_provider_until_retry_after(
    closing: list[ProviderHttpClient],
) -> None:
    """A 429 with Retry-After holds this request and every other one of the provider until the
    pause ends, reports the wait, then both succeed."""
    rate_limited = anyio.Event()
    answered_429_at: list[float] = []
    clock = SimulatedClock()

    def handler(request: httpx.Request) -> httpx.Response:
        if not rate_limited.is_set():
            answered_429_at.append(clock.now)
            rate_limited.set()
            return json_response(
                429, {"data": None, "errors": [{"message": "Too Many Requests.", "status": 429}]},
                {"Retry-After": "0.3", "X-RateLimit-Remaining": "0"},
            )
        arrivals.append(clock.now)
        return json_response(200, {"data": request.url.path})

    arrivals: list[float] = []
    waits: list[tuple[str, float, str]] = []
    client = open_client(handler, waits=waits, clock=clock)
    closing.append(client)
    results: dict[str, object] = {}

    async def get(path: str) -> None:
        results[path] = await client.get_json(path, request=path)

    with anyio.fail_after(5):
        async with anyio.create_task_group() as group:
            group.start_soon(get, "/first")
            await rate_limited.wait()
            group.start_soon(get, "/second")
    assert results == {"/first": {"data": "/first"}, "/second": {"data": "/second"}}
    assert len(arrivals) == 2
    assert all(arrival >= answered_429_at[0] + 0.3 for arrival in arrivals)
    assert waits == [("anilist", pytest.approx(0.3), "AniList asked to wait (HTTP 429)")]
    assert client.metrics.rate_limited == 1
    assert client.metrics.retries == 0


async def test_429_without_retry_after_waits_for_the_reset_time(
    closing: list[ProviderHttpClient],
) -> None:
    """A 429 with only X-RateLimit-Reset (a unix time) pauses until that moment."""
    clock = SimulatedClock()
    server = Server(
        json_response(429, {"status": 429}, {"X-RateLimit-Reset": str(WALL + 0.2)}),
        json_response(200, {"ok": 1}),
        clock=clock,
    )
    client = open_client(server, clock=clock)
    closing.append(client)
    with anyio.fail_after(5):
        assert await client.get_json("/x", request="test") == {"ok": 1}
    assert server.arrivals[1] - server.arrivals[0] >= 0.2 - 1e-6


async def test_endless_429s_become_an_error(closing: list[ProviderHttpClient]) -> None:
    """A server that answers 429 to every try ends in a ProviderError with status 429."""
    server = Server(json_response(429, {"status": 429}, {"Retry-After": "0"}))
    client = open_client(server)
    closing.append(client)
    with pytest.raises(ProviderError, match="still rate limited") as caught:
        await client.get_json("/x", request="test")
    assert caught.value.status == 429
    assert client.metrics.rate_limited == len(server.requests)


async def test_quota_used_up_waits_for_the_reset(closing: list[ProviderHttpClient]) -> None:
    """``X-RateLimit-Remaining: 0`` with ``X-RateLimit-Reset`` on a success holds the next request
    until the reset, though the answer itself is returned at once."""
    clock = SimulatedClock()
    server = Server(
        json_response(200, {"n": 1}, {"X-RateLimit-Remaining": "0",
                                      "X-RateLimit-Reset": f"{WALL + 0.3:.3f}"}),
        json_response(200, {"n": 2}, {"X-RateLimit-Remaining": "89"}),
        clock=clock,
    )
    waits: list[tuple[str, float, str]] = []
    client = open_client(server, waits=waits, clock=clock)
    closing.append(client)
    with anyio.fail_after(5):
        assert await client.get_json("/x", request="one") == {"n": 1}
        assert client.limiter.paused_until is not None
        assert await client.get_json("/x", request="two") == {"n": 2}
    assert server.arrivals[1] - server.arrivals[0] >= 0.3 - 1e-6  # the reset had 3 decimals
    assert [reason for _, _, reason in waits] == ["AniList quota used up"]


async def test_the_declared_limit_paces_requests(closing: list[ProviderHttpClient]) -> None:
    """Requests beyond the declared limit wait for the window instead of reaching the server."""
    clock = SimulatedClock()
    server = Server(json_response(200, {"ok": 1}), clock=clock)
    client = open_client(server, limits=(RateLimit(2, 0.2),), clock=clock)
    closing.append(client)
    with anyio.fail_after(5):
        for _ in range(3):
            await client.get_json("/x", request="test")
    assert server.arrivals[2] >= server.arrivals[0] + 0.2
    assert client.metrics.waited_seconds > 0


async def test_closing_closes_the_connection_pool() -> None:
    """``aclose`` closes the provider's one httpx client."""
    client = open_client(Server(json_response(200, {})))
    await client.aclose()
    assert client.client.is_closed
