"""The knobs every fake shares: rate limits, Retry-After, forced 429s, faults, latency, reset."""

from __future__ import annotations

import json
import time
from typing import Any

import anyio
import httpx
import pytest

from aniworld_core.providers.base import RateLimit
from aniworld_testing import FakeAniList, FakeJikan, FakeOptions, FakeService

pytestmark = pytest.mark.anyio

QUERY = {"query": "{ Media(id: 1) { id } }"}


async def ask(client: httpx.AsyncClient, fake: FakeService) -> httpx.Response:
    if isinstance(fake, FakeAniList):
        return await client.post("/", json=QUERY)
    return await client.get("/anime/1")


async def test_anilist_429_carries_the_real_headers_and_body() -> None:
    """Once over the limit AniList answers 429 with Retry-After, X-RateLimit-Reset (unix time),
    X-RateLimit-Remaining 0 and its Too Many Requests body."""
    anilist = FakeAniList()
    anilist.options.rate_limits = (RateLimit(5, 30.0),)
    anilist.options.penalty = 0.0
    async with anilist.client() as client:
        accepted = [(await ask(client, anilist)).status_code for _ in range(5)]
        before = time.time()
        limited = await ask(client, anilist)
        after = time.time()
    assert accepted == [200] * 5
    assert limited.status_code == 429
    assert limited.json() == {"data": None,
                              "errors": [{"message": "Too Many Requests.", "status": 429}]}
    retry_after = int(limited.headers["Retry-After"])
    assert 1 <= retry_after <= 30
    # The moment the answer was made lies between before and after, however slow the machine.
    reset = int(limited.headers["X-RateLimit-Reset"])
    assert int(before) + retry_after - 1 <= reset <= after + retry_after + 1
    assert limited.headers["X-RateLimit-Remaining"] == "0"
    assert limited.headers["X-RateLimit-Limit"] == "90"
    assert anilist.stats.count_429 == 1
    assert anilist.stats.faults()[-1] == "rate_limited"


async def test_waiting_retry_after_is_enough() -> None:
    """After a 429 on a small scaled window, the request after waiting Retry-After succeeds."""
    anilist = FakeAniList()
    anilist.options.rate_limits = (RateLimit(2, 0.5),)
    anilist.options.penalty = 0.0
    with anyio.fail_after(5):
        async with anilist.client() as client:
            statuses = [(await ask(client, anilist)).status_code for _ in range(2)]
            limited = await ask(client, anilist)
            assert limited.status_code == 429
            await anyio.sleep(int(limited.headers["Retry-After"]))  # what a client must do
            retried = await ask(client, anilist)
    assert statuses == [200, 200]
    assert retried.status_code == 200


async def test_the_server_never_lets_more_than_the_limit_through() -> None:
    """Under a burst, the accepted requests in any window never exceed the limit."""
    jikan = FakeJikan(options=FakeOptions(rate_limits=(RateLimit(4, 30.0),)))
    async with jikan.client() as client, anyio.create_task_group() as group:
        for _ in range(12):
            group.start_soon(ask, client, jikan)
    assert jikan.stats.count == 12
    assert jikan.stats.count_429 == 8
    assert jikan.stats.max_requests_in_any_window(30.0, statuses={200}) == 4
    assert jikan.stats.max_requests_in_any_window(30.0) == 12


async def test_forced_429s_answer_the_next_n_requests() -> None:
    """force_429(2, retry_after=3) refuses exactly the next two requests, with Retry-After 3,
    even on a fake that doesn't send Retry-After on its own."""
    jikan = FakeJikan(options=FakeOptions())
    jikan.options.force_429(2, retry_after=3)
    async with jikan.client() as client:
        responses = [await ask(client, jikan) for _ in range(3)]
    assert [r.status_code for r in responses] == [429, 429, 200]
    assert [r.headers.get("Retry-After") for r in responses] == ["3", "3", None]
    assert responses[0].json()["type"] == "RateLimitException"
    assert jikan.stats.faults() == ["forced_429", "forced_429", None]


async def faults_for(seed: int, count: int = 60) -> list[str | None]:
    jikan = FakeJikan(options=FakeOptions(error_rate=0.2, malformed_rate=0.2, seed=seed))
    async with jikan.client() as client:
        for _ in range(count):
            await ask(client, jikan)
    return jikan.stats.faults()


async def test_fault_injection_is_reproducible_for_a_seed() -> None:
    """The same seed gives the same faults in the same order; another seed gives others."""
    first, again, other = await faults_for(7), await faults_for(7), await faults_for(8)
    assert first == again
    assert first != other
    errors, malformed = first.count("error"), first.count("malformed")
    assert 4 <= errors <= 24
    assert 3 <= malformed <= 20


async def test_injected_errors_use_the_services_error_format() -> None:
    """error_rate=1 answers error_status with the provider's own error body."""
    anilist = FakeAniList(options=FakeOptions(error_rate=1.0, error_status=502))
    async with anilist.client() as client:
        response = await ask(client, anilist)
    assert response.status_code == 502
    assert response.json()["errors"][0]["status"] == 502


async def test_malformed_bodies_are_status_200_and_invalid_json() -> None:
    """malformed_rate=1 answers 200 with a JSON body cut in half."""
    jikan = FakeJikan(options=FakeOptions(malformed_rate=1.0))
    async with jikan.client() as client:
        response = await ask(client, jikan)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.content)


async def test_an_injected_timeout_answers_after_the_delay() -> None:
    """timeout_rate=1 with a short delay still answers, late, with the normal response."""
    anilist = FakeAniList(options=FakeOptions(timeout_rate=1.0, timeout_delay=0.05))
    async with anilist.client() as client:
        started = anyio.current_time()  # the clock the fake's sleep keeps
        response = await ask(client, anilist)
    assert response.status_code == 200
    assert anyio.current_time() - started >= 0.05
    assert anilist.stats.faults() == ["timeout"]


async def test_a_client_that_gives_up_on_a_timeout_is_recorded_without_status() -> None:
    """A client cancelling a hanging request leaves a record with status 0."""
    anilist = FakeAniList(options=FakeOptions(timeout_rate=1.0, timeout_delay=300))
    async with anilist.client() as client:
        with anyio.move_on_after(0.1) as scope:
            await ask(client, anilist)
    assert scope.cancelled_caught
    assert [(r.status, r.fault) for r in anilist.stats.records] == [(0, "timeout")]


async def test_latency_delays_every_response() -> None:
    """latency adds at least that many seconds to a response."""
    jikan = FakeJikan(options=FakeOptions(latency=0.05))
    async with jikan.client() as client:
        started = anyio.current_time()  # the clock the fake's sleep keeps
        await ask(client, jikan)
    assert anyio.current_time() - started >= 0.05


async def test_reset_restores_defaults_and_clears_the_record() -> None:
    """reset() restores the default options on the same object, empties the record and the
    rate-limit windows."""
    jikan = FakeJikan()
    options = jikan.options
    results: list[Any] = []
    async with jikan.client() as client:
        for _ in range(4):
            results.append((await ask(client, jikan)).status_code)
        jikan.options.latency = 3.0
        jikan.options.force_429(5)
        jikan.reset()
        after = await ask(client, jikan)
    assert results[-1] == 429
    assert jikan.options is options
    assert jikan.options == FakeJikan.default_options()
    assert after.status_code == 200
    assert jikan.stats.count == 1
