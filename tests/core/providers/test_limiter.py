"""The per-provider limiter: sliding windows, bursts, pauses, no busy waiting, on both backends."""

from __future__ import annotations

import math

import anyio
import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from aniworld_core.providers.base import RateLimit
from aniworld_core.providers.limiter import (
    ARRIVAL_MARGIN,
    EXACT,
    ProviderLimiter,
    SlidingWindow,
    windows_for,
)

from .provider_fakes import SimulatedClock

rate_limits = st.builds(
    lambda requests, per_seconds, burst: RateLimit(
        requests, per_seconds, None if burst is None else min(burst, requests)
    ),
    st.integers(1, 6),
    st.floats(0.05, 20, allow_nan=False),
    st.none() | st.integers(1, 6),
)
operations = st.lists(
    st.tuples(st.sampled_from(["request", "pause", "wait"]), st.floats(0, 30, allow_nan=False)),
    max_size=60,
)


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
@hypothesis_settings(max_examples=150, deadline=None)
@given(limits=st.lists(rate_limits, min_size=1, max_size=3), steps=operations)
def test_no_window_ever_holds_more_than_its_limit(
    backend: str, limits: list[RateLimit], steps: list[tuple[str, float]]
) -> None:
    """For any limits and any sequence of requests, server pauses and idle time, on a simulated
    clock: no window holds more requests than its limit, nothing is sent during a pause, and a
    request that waited went at the first moment some limit or pause allowed."""
    clock = SimulatedClock()
    limiter = ProviderLimiter("p", limits, clock=clock, sleep=clock.sleep)
    sent: list[tuple[float, float]] = []  # (asked at, sent at)
    pauses: list[tuple[int, float, float]] = []  # (requests sent before, start, end)

    async def run() -> None:
        for kind, value in steps:
            if kind == "wait":
                clock.advance(value)
            elif kind == "pause":
                limiter.pause(value, "server said so")
                if value > 0:
                    pauses.append((len(sent), clock.now, clock.now + value))
            else:
                asked = clock.now
                waited = await limiter.acquire()
                assert waited == pytest.approx(clock.now - asked)
                sent.append((asked, clock.now))

    anyio.run(run, backend=backend)
    times = [at for _, at in sent]
    for limit, seconds in [(w.limit, w.seconds) for w in windows_for(limits, margin=EXACT)]:
        for first, later in zip(times, times[limit:], strict=False):
            assert later >= first + seconds  # the declared limits hold, with room to spare
    windows = [(w.limit, w.seconds) for w in windows_for(limits)]
    for before, start, end in pauses:
        assert not any(start <= at < end for at in times[before:])
    bounds = {end for _, _, end in pauses} | {t + s for t in times for _, s in windows}
    for asked, at in sent:
        assert at == asked or any(math.isclose(at, bound, abs_tol=1e-9) for bound in bounds)


def test_burst_becomes_a_shorter_window() -> None:
    """A burst of 5 on 30 requests a minute also allows at most 5 in any 10 seconds."""
    windows = windows_for([RateLimit(30, 60.0, burst=5)], margin=EXACT)
    assert [(w.limit, w.seconds) for w in windows] == [(30, 60.0), (5, 10.0)]


def test_windows_keep_a_margin_for_arrival_jitter() -> None:
    """By default each window is a little longer than declared, so requests sent one window
    apart cannot arrive inside one window at the server."""
    fraction, extra = ARRIVAL_MARGIN
    windows = windows_for([RateLimit(3, 1.0)])
    assert [(w.limit, w.seconds) for w in windows] == [(3, 1.0 * (1 + fraction) + extra)]
    assert windows[0].seconds > 1.0


def test_window_frees_exactly_when_the_oldest_request_leaves() -> None:
    """A full window is free again ``seconds`` after its oldest request, not a moment before."""
    window = SlidingWindow(2, 1.0)
    window.record(0.0)
    window.record(0.4)
    assert window.free_at(0.5) == 1.0
    assert window.free_at(1.0) == 1.0
    window.record(1.0)
    assert window.free_at(1.0) == 1.4


@pytest.mark.anyio
async def test_concurrent_requests_queue_in_order(clock: SimulatedClock) -> None:
    """Six requests at once on 2 per second go in pairs, one second apart, first come first."""
    limiter = ProviderLimiter("p", [RateLimit(2, 1.0)], clock=clock, sleep=clock.sleep,
                              margin=EXACT)
    order: list[tuple[int, float]] = []

    async def request(number: int) -> None:
        await limiter.acquire()
        order.append((number, clock.now))

    with anyio.fail_after(5):
        async with anyio.create_task_group() as group:
            for number in range(6):
                group.start_soon(request, number)
                await anyio.lowlevel.checkpoint()
    assert order == [(0, 0.0), (1, 0.0), (2, 1.0), (3, 1.0), (4, 2.0), (5, 2.0)]


@pytest.mark.anyio
async def test_pause_holds_every_request_and_is_reported(clock: SimulatedClock) -> None:
    """A pause delays every request until it ends, is reported once through on_wait, and a
    shorter pause never cuts a longer one short."""
    reports: list[tuple[str, float, str]] = []
    limiter = ProviderLimiter("anilist", [RateLimit(90, 60.0)], label="AniList", clock=clock,
                              sleep=clock.sleep, margin=EXACT,
                              on_wait=lambda *report: reports.append(report))
    limiter.pause(12.0, "AniList asked to wait (HTTP 429)")
    limiter.pause(3.0, "shorter")
    assert limiter.paused_until == 12.0
    assert limiter.next_free_at() == 12.0
    assert await limiter.acquire() == 12.0
    assert limiter.paused_until is None
    assert reports == [("anilist", 12.0, "AniList asked to wait (HTTP 429)")]


@pytest.mark.anyio
async def test_long_waits_for_a_window_are_reported(clock: SimulatedClock) -> None:
    """A request that must wait a second or more for its window is reported; short waits aren't."""
    reports: list[tuple[str, float, str]] = []
    limiter = ProviderLimiter("jikan", [RateLimit(3, 1.0), RateLimit(4, 60.0)], label="Jikan",
                              clock=clock, sleep=clock.sleep, margin=EXACT,
                              on_wait=lambda *report: reports.append(report))
    for _ in range(4):
        await limiter.acquire()
    assert reports == []  # the fourth waited one second for the 3/s window: under the notice
    assert limiter.next_free_at() == 60.0
    await limiter.acquire()
    assert reports == [("jikan", 59.0, "Jikan rate limit")]


@pytest.mark.anyio
async def test_waiting_does_not_busy_loop(clock: SimulatedClock) -> None:
    """A paused limiter sleeps through the pause in one sleep instead of polling the clock.
    On a simulated clock: how long the machine takes to wake a sleeper changes nothing here
    (on the real clock a busy machine once made 0.2 s measure 0.197 s)."""
    reads = 0

    def counting_clock() -> float:
        nonlocal reads
        reads += 1
        return clock()

    limiter = ProviderLimiter("p", [RateLimit(10, 1.0)], clock=counting_clock,
                              sleep=clock.sleep)
    limiter.pause(0.2, "test")
    with anyio.fail_after(5):  # a loop that never sleeps would never end here
        waited = await limiter.acquire()
    assert clock.sleeps == [pytest.approx(0.2)]
    assert waited == pytest.approx(0.2)
    assert reads <= 6


@pytest.mark.anyio
async def test_wait_ready_sleeps_until_free_without_taking_the_slot(clock: SimulatedClock) -> None:
    """``wait_ready`` returns when a request could go, in one sleep, and reserves nothing."""
    limiter = ProviderLimiter("p", [RateLimit(1, 10.0)], clock=clock, sleep=clock.sleep,
                              margin=EXACT)
    await limiter.acquire()
    limiter.pause(3.0, "test")
    await limiter.wait_ready()
    assert (clock.now, clock.sleeps) == (10.0, [10.0])
    assert await limiter.acquire() == 0.0


@pytest.mark.anyio
async def test_wait_ready_with_a_lead_returns_that_much_before_the_slot_frees(
    clock: SimulatedClock,
) -> None:
    """A request preparing itself ahead of its turn is let go ``lead`` seconds early; the slot
    itself still frees only when the window says (nothing was taken)."""
    limiter = ProviderLimiter("p", [RateLimit(1, 10.0)], clock=clock, sleep=clock.sleep,
                              margin=EXACT)
    await limiter.acquire()
    await limiter.wait_ready(lead=0.25)
    assert clock.now == 9.75
    assert limiter.next_free_at() == 10.0
    await limiter.wait_ready(lead=0.25)  # already within the lead: no further sleep
    assert clock.sleeps == [9.75]
    assert await limiter.acquire() == 0.25


@pytest.mark.anyio
async def test_a_broken_listener_does_not_stop_requests(clock: SimulatedClock) -> None:
    """An on_wait callback that raises is logged and the request still goes."""

    def broken(provider: str, seconds: float, reason: str) -> None:
        raise RuntimeError("listener bug")

    limiter = ProviderLimiter("p", [RateLimit(1, 1.0)], clock=clock, sleep=clock.sleep,
                              margin=EXACT, on_wait=broken)
    limiter.pause(5.0, "test")
    assert await limiter.acquire() == 5.0


@pytest.mark.anyio
async def test_waiting_counts_queued_requests() -> None:
    """``waiting`` tells a scheduler how many requests are queued behind the limiter."""
    limiter = ProviderLimiter("p", [RateLimit(1, 1.0)])
    await limiter.acquire()
    assert limiter.waiting == 0
    async with anyio.create_task_group() as group:
        group.start_soon(limiter.acquire)
        group.start_soon(limiter.acquire)
        await anyio.wait_all_tasks_blocked()
        assert limiter.waiting == 2
        group.cancel_scope.cancel()
    assert limiter.waiting == 0


@pytest.mark.anyio
async def test_a_request_counts_from_when_it_really_left(clock: SimulatedClock) -> None:
    """A request that leaves later than its slot was taken (a stall, a new connection) is
    counted from when it left, so the next one waits a full window from then."""
    limiter = ProviderLimiter("p", [RateLimit(1, 1.0)], clock=clock, sleep=clock.sleep,
                              margin=EXACT)
    counted_at = await limiter.take()
    assert counted_at == 0.0
    limiter.restamp(counted_at, 0.4)  # the request really left at 0.4
    assert limiter.next_free_at() == 1.4
    limiter.restamp(0.4, 0.1)  # never earlier than first counted
    assert limiter.next_free_at() == 1.4


@pytest.mark.anyio
async def test_a_turn_not_yet_sent_counts_as_leaving_now(clock: SimulatedClock) -> None:
    """A turn taken ``until_sent`` counts as a request leaving at every moment until it has
    been written: a stall between the turn and the network cannot let the next request
    through a window after the *turn* while the first has not even gone. Once written, it
    counts from then."""
    limiter = ProviderLimiter("p", [RateLimit(2, 1.0, burst=1)], clock=clock,
                              sleep=clock.sleep, margin=EXACT)
    counted_at = await limiter.take(until_sent=True)
    clock.advance(0.7)  # stalled: not written yet
    assert limiter.next_free_at() == pytest.approx(0.7 + 0.5)  # the burst window, from now
    clock.advance(0.6)
    assert limiter.next_free_at() == pytest.approx(1.3 + 0.5)  # still unsent: still now
    limiter.restamp(counted_at, 1.3)  # written at last
    assert limiter.next_free_at() == pytest.approx(1.8)
    clock.advance(0.5)
    assert await limiter.take() == pytest.approx(1.8)
    # Two turns with one unsent: the full window counts both, the unsent one at now.
    clock.advance(0.5)
    assert await limiter.take(until_sent=True) == pytest.approx(2.3)
    assert limiter.next_free_at() == pytest.approx(1.8 + 1.0)
    clock.advance(2.0)
    assert limiter.next_free_at() == pytest.approx(4.3 + 0.5)
