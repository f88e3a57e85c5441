"""The circuit breaker in front of every provider, on a simulated clock: a provider that keeps
failing is marked down and not asked, one probe at a time checks whether it is back, and a
network that is down is named as such after one round of retries."""

from __future__ import annotations

from collections.abc import AsyncIterator

import anyio
import httpx
import pytest

from aniworld_core import ProviderDown, ProviderError
from aniworld_core._priority import in_background
from aniworld_core.providers.base import ProviderConfig, RateLimit
from aniworld_core.providers.breaker import CircuitBreaker
from aniworld_core.providers.http import ATTEMPTS, ProviderHttpClient
from aniworld_core.providers.limiter import ProviderLimiter

from .provider_fakes import SimulatedClock, json_response

pytestmark = pytest.mark.anyio

FAILURES = 8
COOLDOWN = 30.0


class Server:
    """Answers with ``answer`` (a response, or an exception to raise), counting requests;
    while ``gate`` is set to an unset event, each request waits for it first."""

    def __init__(self, answer: httpx.Response | Exception) -> None:
        self.answer = answer
        self.requests = 0
        self.gate: anyio.Event | None = None
        self.arrived = anyio.Event()

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        self.arrived.set()
        if self.gate is not None:
            await self.gate.wait()
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


@pytest.fixture
async def client(clock: SimulatedClock) -> AsyncIterator[tuple[ProviderHttpClient, Server]]:
    server = Server(json_response(503, {"message": "down for maintenance"}))
    limiter = ProviderLimiter("anilist", [RateLimit(1000, 1.0)], label="AniList", clock=clock,
                              sleep=clock.sleep)
    breaker = CircuitBreaker("anilist", label="AniList", failures=FAILURES, cooldown=COOLDOWN,
                             clock=clock, sleep=clock.sleep)
    config = ProviderConfig("anilist", "https://graphql.example")
    http = ProviderHttpClient(config, limiter, transport=httpx.MockTransport(server),  # type: ignore[arg-type]
                              breaker=breaker)
    try:
        yield http, server
    finally:
        await http.aclose()


async def _get(http: ProviderHttpClient) -> object:
    with in_background():
        return await http.get_json("/x", request="series 1")


async def _take_down(http: ProviderHttpClient) -> None:
    with pytest.raises(ProviderError):
        await _get(http)  # four tries: four failures in a row
    with pytest.raises(ProviderDown):
        await _get(http)  # the eighth failure: down, no more tries


async def test_failures_in_a_row_mark_the_provider_down_and_nothing_more_is_sent(
        client: tuple[ProviderHttpClient, Server]) -> None:
    """After eight failed tries in a row the provider is down: requests of background work
    fail at once with ProviderDown (saying why and when it is checked), and nothing is sent."""
    http, server = client
    await _take_down(http)
    assert server.requests == FAILURES
    for _ in range(5):
        with pytest.raises(ProviderDown) as caught:
            await _get(http)
    assert server.requests == FAILURES
    down = caught.value
    assert down.cause == "AniList keeps failing (HTTP 503 Service Unavailable, 8 times in a row)"
    assert down.retry_in == COOLDOWN
    assert str(down) == ("anilist: series 1: down: AniList keeps failing (HTTP 503 Service "
                         "Unavailable, 8 times in a row); next check in 30 s")
    state = http.breaker.state()
    assert (state.down, state.times_down) == (True, 1)


async def test_one_probe_at_a_time_checks_whether_it_is_back(
        client: tuple[ProviderHttpClient, Server], clock: SimulatedClock) -> None:
    """Once the cool-down has passed, one request goes as the probe while the others wait for
    its outcome (without sending); when it gets an answer the provider is up and they go."""
    http, server = client
    await _take_down(http)
    clock.advance(COOLDOWN)
    server.answer = json_response(200, {"ok": True})
    server.gate = anyio.Event()
    server.arrived = anyio.Event()
    answers: list[object] = []

    async def ask() -> None:
        answers.append(await _get(http))

    with anyio.fail_after(10):
        async with anyio.create_task_group() as task_group:
            for _ in range(3):
                task_group.start_soon(ask)
            await server.arrived.wait()
            for _ in range(10):  # the others had every chance to send meanwhile
                await anyio.lowlevel.checkpoint()
            assert server.requests == FAILURES + 1
            server.gate.set()
    assert answers == [{"ok": True}] * 3
    assert server.requests == FAILURES + 3
    assert not http.breaker.state().down


async def test_a_failed_probe_waits_twice_as_long(
        client: tuple[ProviderHttpClient, Server], clock: SimulatedClock) -> None:
    """A probe that fails keeps the provider down and doubles the wait before the next one;
    the probe is a single try."""
    http, server = client
    await _take_down(http)
    clock.advance(COOLDOWN)
    with pytest.raises(ProviderDown) as caught:
        await _get(http)
    assert server.requests == FAILURES + 1
    assert caught.value.retry_in == 2 * COOLDOWN


async def test_a_person_does_not_wait_for_the_check(
        client: tuple[ProviderHttpClient, Server]) -> None:
    """A request a person waits for (not background work) is sent at once as the probe, even
    before the cool-down has passed, and brings the provider back when it gets an answer."""
    http, server = client
    await _take_down(http)
    server.answer = json_response(200, {"ok": True})
    assert await http.get_json("/x", request="search") == {"ok": True}
    assert server.requests == FAILURES + 1
    assert not http.breaker.state().down


async def test_answers_between_failures_keep_it_up(
        client: tuple[ProviderHttpClient, Server]) -> None:
    """Any answer, a 4xx or a 429 included, resets the count: failures that are not in a
    row never mark a provider down."""
    http, server = client
    for answer in (json_response(404, {"message": "no"}), json_response(429, {}),
                   json_response(200, {"ok": 1})):
        server.answer = json_response(503, {})
        with pytest.raises(ProviderError):
            await _get(http)
        server.answer = answer
        outcomes: list[object] = []
        try:
            outcomes.append(await _get(http))
        except ProviderError as error:
            outcomes.append(error)
        assert not isinstance(outcomes[0], ProviderDown)
    assert not http.breaker.state().down


async def test_a_round_that_never_connects_says_the_network_is_down(
        clock: SimulatedClock) -> None:
    """When no try of a request reaches the server, the provider is down after that one round
    of retries, as "cannot reach AniList (network down?)"; requests that never left do not
    count against the rate limit, so nothing waits for it."""
    server = Server(httpx.ConnectError("All connection attempts failed"))
    waits: list[tuple[str, float, str]] = []
    limiter = ProviderLimiter("anilist", [RateLimit(2, 60.0)], label="AniList", clock=clock,
                              sleep=clock.sleep, on_wait=lambda *wait: waits.append(wait))
    breaker = CircuitBreaker("anilist", label="AniList", clock=clock, sleep=clock.sleep)
    config = ProviderConfig("anilist", "https://graphql.example")
    http = ProviderHttpClient(config, limiter, transport=httpx.MockTransport(server),  # type: ignore[arg-type]
                              breaker=breaker)
    try:
        with pytest.raises(ProviderDown) as caught:
            await _get(http)
        assert caught.value.cause == "cannot reach AniList (network down?)"
        assert server.requests == ATTEMPTS
        assert waits == []
        assert limiter.next_free_at() <= clock()
        assert clock.sleeps == []
    finally:
        await http.aclose()


async def test_shutting_down_ends_the_wait_for_a_probe(
        client: tuple[ProviderHttpClient, Server], clock: SimulatedClock) -> None:
    """Requests waiting for a probe's outcome fail at once when the app shuts down; the
    probe itself, on the wire, goes on."""
    http, server = client
    await _take_down(http)
    clock.advance(COOLDOWN)
    server.gate = anyio.Event()
    server.arrived = anyio.Event()
    outcomes: list[str] = []

    async def ask() -> None:
        try:
            await _get(http)
        except ProviderError as error:
            outcomes.append(error.reason)

    with anyio.fail_after(10):
        async with anyio.create_task_group() as task_group:
            task_group.start_soon(ask)
            await server.arrived.wait()
            task_group.start_soon(ask)
            task_group.start_soon(ask)
            for _ in range(10):
                await anyio.lowlevel.checkpoint()
            http.breaker.stop_waiting("not sent: shutting down")
            for _ in range(10):
                await anyio.lowlevel.checkpoint()
            assert outcomes == ["not sent: shutting down"] * 2
            server.gate.set()
    assert server.requests == FAILURES + 1
