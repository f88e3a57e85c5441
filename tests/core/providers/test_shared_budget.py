"""One rate budget per provider across processes: the turn arithmetic, the limiter drawing from
a budget (turns used between their moment and their expiry, never late), and the budget in
PostgreSQL shared by several limiters, each on its own connection pool as a process would be."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import AsyncIterator, Sequence
from typing import Any

import anyio
import pytest
from sqlalchemy import event, text
from sqlalchemy.orm import Session

from aniworld_core import SeriesApp, Settings
from aniworld_core.providers.base import ProviderConfig, RateLimit
from aniworld_core.providers.budget import (
    TURN_EXPIRY,
    Grant,
    Window,
    next_turns,
    shared_windows,
)
from aniworld_core.providers.http import ProviderHttpClient
from aniworld_core.providers.limiter import EXACT, ProviderLimiter
from aniworld_core.storage import Database
from aniworld_core.storage.rate_budget import HOLD_LIMIT_MS, LOCK_SPACE, PostgresRateBudget

from .provider_fakes import JikanApi, SimulatedClock, jikan_anime

pytestmark = pytest.mark.anyio

#: A hang guard for tests that send real requests to a served fake.
SLOW = 120
JIKAN = (RateLimit(3, 1.0), RateLimit(60, 60.0))


def most_in_any_window(moments: Sequence[float], seconds: float) -> int:
    """The most ``moments`` within any half-open span of ``seconds`` (less a nanosecond: a
    turn one window after another, ``a + w``, can come out ``w - 1e-13`` from ``a``)."""
    ordered = sorted(moments)
    best = start = 0
    for end, moment in enumerate(ordered):
        while moment - ordered[start] >= seconds - 1e-9:
            start += 1
        best = max(best, end - start + 1)
    return best


# -- the arithmetic -------------------------------------------------------------------------------


def test_turns_keep_every_window_and_stop_at_the_horizon() -> None:
    """Turns come as early as every window allows, after every turn already taken, and none
    beyond the horizon: then the grant says when to ask again."""
    windows = [Window(3, 1.0), Window(5, 10.0)]
    grant = next_turns([], windows, 8, 100.0)
    assert grant.turns == (100.0, 100.0, 100.0, 101.0, 101.0)
    assert grant.retry_at == 110.0
    later = next_turns([*grant.turns], windows, 2, 101.0)
    assert later == Grant((), retry_at=110.0)


def test_turns_come_after_those_of_others() -> None:
    """Turns another process holds ahead of now count: new ones come after them."""
    grant = next_turns([100.5], [Window(2, 1.0)], 3, 100.0)
    assert grant.turns == (100.5,)
    assert grant.retry_at == 101.5


def test_a_pause_holds_every_turn_back() -> None:
    """No turn before a pause ends; the grant says until when it lasts."""
    grant = next_turns([], [Window(3, 1.0)], 3, 100.0, not_before=130.0)
    assert grant == Grant((), retry_at=130.0, paused_until=130.0)
    assert next_turns([], [Window(3, 1.0)], 1, 130.0, not_before=130.0).turns == (130.0,)


def test_shared_windows_are_longer_by_a_turn_s_expiry() -> None:
    """A request may go up to ``TURN_EXPIRY`` after its turn, so every window the budget keeps
    is that much longer than the limiter's (a burst adds its shorter window)."""
    windows = shared_windows([RateLimit(30, 60.0, burst=5)], EXACT)
    assert windows == [Window(30, 60.0 + TURN_EXPIRY), Window(5, 10.0 + TURN_EXPIRY)]


# -- the limiter with a budget --------------------------------------------------------------------


class MemoryBudget:
    """A budget in memory (one process's view of a shared one), recording what it gave."""

    def __init__(self, stall: tuple[SimulatedClock, float] | None = None) -> None:
        #: ``(clock, seconds)``: the process stops that long right after its first grant.
        self.stall = stall
        self.turns: list[float] = []
        self.given: list[float] = []
        self.paused_until = 0.0
        self.asks = 0

    async def take(self, provider: str, windows: Sequence[Window], count: int,
                   now: float) -> Grant:
        self.asks += 1
        grant = next_turns(self.turns, windows, count, now, not_before=self.paused_until)
        self.turns += grant.turns
        self.given += grant.turns
        if self.stall is not None:
            clock, seconds = self.stall
            clock.advance(seconds)
            self.stall = None
        return grant

    async def pause(self, provider: str, until: float, reason: str) -> None:
        self.paused_until = max(self.paused_until, until)


def used_within_their_turns(sent: Sequence[float], given: Sequence[float]) -> bool:
    """Every moment in ``sent`` used a turn of its own from ``given``, within its validity."""
    free = sorted(given)
    for moment in sorted(sent):
        usable = [turn for turn in free if turn <= moment <= turn + TURN_EXPIRY]
        if not usable:
            return False
        free.remove(usable[0])
    return True


async def test_the_limiter_sends_only_on_turns_the_budget_gave(clock: SimulatedClock) -> None:
    """Thirty requests at once: each goes at a turn the budget gave, one turn each, and the
    budget is asked a few turns at a time rather than once per request."""
    clock.now = 1000.0
    budget = MemoryBudget()
    limiter = ProviderLimiter("jikan", JIKAN, clock=clock, sleep=clock.sleep, budget=budget,
                              wall_clock=clock)
    sent: list[float] = []

    async def request() -> None:
        sent.append(await limiter.take())

    async with anyio.create_task_group() as task_group:
        for _ in range(30):
            task_group.start_soon(request)
    assert used_within_their_turns(sent, budget.given)
    assert budget.asks < len(sent)
    assert most_in_any_window(sent, 1.0) <= 3


async def test_a_stalled_process_drops_its_turns_and_asks_again(clock: SimulatedClock) -> None:
    """A process stopped for minutes (SIGSTOP) right after the budget gave it a turn finds
    the turn expired when it resumes: it drops it and sends nothing until the budget gives it
    a new turn."""
    clock.now = 1000.0
    budget = MemoryBudget(stall=(clock, 300.0))
    limiter = ProviderLimiter("jikan", JIKAN, clock=clock, sleep=clock.sleep, budget=budget,
                              wall_clock=clock)
    sent = [await limiter.take(), await limiter.take()]
    assert budget.given[0] == 1000.0
    assert limiter.turns_expired == 1
    assert min(sent) >= 1300.0
    assert used_within_their_turns(sent, budget.given)


async def test_a_pause_is_shared_through_the_budget(clock: SimulatedClock) -> None:
    """A pause one limiter saw reaches the budget; another limiter on it sends nothing before
    the pause ends."""
    clock.now = 1000.0
    budget = MemoryBudget()
    first, second = (ProviderLimiter("jikan", JIKAN, clock=clock, sleep=clock.sleep,
                                     budget=budget, wall_clock=clock) for _ in range(2))
    await first.pause_everywhere(30.0, "Jikan asked to wait (HTTP 429)")
    assert budget.paused_until == 1030.0
    assert await second.take() >= 1030.0
    assert second.paused_until is None


async def test_a_request_whose_connection_came_after_its_turn_expired_takes_a_new_one(
        clock: SimulatedClock) -> None:
    """A turn taken before the request had a connection is stale once the connection took
    longer than the turn lasts: the request gives it back locally and takes a new one."""
    clock.now = 1000.0
    limiter = ProviderLimiter("jikan", JIKAN, clock=clock, sleep=clock.sleep,
                              budget=MemoryBudget(), wall_clock=clock)
    counted_at = await limiter.take()
    assert not limiter.stale(counted_at)
    clock.advance(TURN_EXPIRY * 2)  # connecting
    assert limiter.stale(counted_at)
    limiter.forget(counted_at)
    assert not limiter.stale(counted_at)


# -- the budget in PostgreSQL ---------------------------------------------------------------------


@pytest.fixture
async def databases(database: Database, database_url: str) -> AsyncIterator[list[Database]]:
    """Two connection pools on the test's PostgreSQL schema, as two processes would have."""
    if database.dialect != "postgresql":
        pytest.skip("a budget shared by processes: on PostgreSQL (ANIWORLD_TEST_DATABASE_URL)")
    other = await Database.open(database_url, migrate_schema=False)
    try:
        yield [database, other]
    finally:
        await other.close()


async def test_two_processes_share_every_window(databases: list[Database]) -> None:
    """Two budgets on one database asking over two simulated minutes, first one then the
    other first: together their turns never exceed any window, and each got a share."""
    budgets = [PostgresRateBudget(database) for database in databases]
    windows = shared_windows(JIKAN, EXACT)
    turns: list[list[float]] = [[], []]
    now = 1000.0
    step = 0
    while now < 1120.0:
        for index in (0, 1) if step % 2 else (1, 0):
            grant = await budgets[index].take("jikan", windows, 8, now)
            turns[index] += grant.turns
        now += 0.25
        step += 1
    every = turns[0] + turns[1]
    assert all(turns)
    for window in windows:
        assert most_in_any_window(every, window.seconds) <= window.limit
    assert len(every) >= 110  # 60 a minute, two minutes (the budget keeps up)


async def test_a_pause_seen_by_one_process_pauses_the_other(databases: list[Database]) -> None:
    """A pause written by one process: the other gets no turn before it ends, then again."""
    first, second = (PostgresRateBudget(database) for database in databases)
    windows = shared_windows(JIKAN, EXACT)
    await first.pause("jikan", 1030.0, "Jikan asked to wait (HTTP 429)")
    await first.pause("jikan", 1010.0, "a shorter pause never shortens it")
    assert await second.take("jikan", windows, 3, 1000.0) == Grant(
        (), retry_at=1030.0, paused_until=1030.0)
    assert (await second.take("jikan", windows, 3, 1030.0)).turns == (1030.0,) * 3


async def test_turns_of_a_stopped_process_hold_back_no_more_than_their_windows(
        databases: list[Database]) -> None:
    """A process takes turns and stops without using them: they stay counted (they may have
    been sent), so the other's next turn comes one window after them, and no later."""
    first, second = (PostgresRateBudget(database) for database in databases)
    windows = shared_windows(JIKAN, EXACT)
    held = await first.take("jikan", windows, 8, 1000.0)
    assert held.turns == (1000.0,) * 3
    short = windows[0].seconds
    waiting = await second.take("jikan", windows, 3, 1000.0)
    assert waiting == Grant((), retry_at=1000.0 + short)
    assert (await second.take("jikan", windows, 3, 1000.0 + short)).turns == (
        1000.0 + short,) * 3


async def test_a_stopped_lock_holder_holds_the_others_up_only_briefly(
        databases: list[Database]) -> None:
    """A process stopped (SIGSTOP) inside the budget's transaction, holding a provider's
    lock, is disconnected by the server after ``HOLD_LIMIT_MS``: the others get their turns."""
    stopped = await anyio.to_thread.run_sync(databases[0].engine.connect)
    try:
        await anyio.to_thread.run_sync(lambda: stopped.execute(text(
            "SELECT set_config('idle_in_transaction_session_timeout', :hold, true), "
            "pg_advisory_xact_lock(:space, hashtext('jikan'))"),
            {"hold": str(HOLD_LIMIT_MS), "space": LOCK_SPACE}))
        with anyio.fail_after(SLOW):
            grant = await PostgresRateBudget(databases[1]).take(
                "jikan", shared_windows(JIKAN, EXACT), 3, 1000.0)
        assert grant.turns == (1000.0,) * 3
    finally:
        with contextlib.suppress(Exception):
            await anyio.to_thread.run_sync(stopped.close)


async def test_a_series_app_on_postgresql_draws_from_the_shared_budget(
        settings: Settings, database: Database, jikan_api: JikanApi) -> None:
    """``SeriesApp`` on PostgreSQL takes its providers' turns from the shared budget (they
    appear in ``rate_turns``); on SQLite, one process, it keeps today's local limiter only."""
    jikan_api.anime[1] = jikan_anime(1)
    async with SeriesApp.open(settings, transport=jikan_api.transport, loader=False) as app:
        assert await app.search("Cowboy", provider="jikan")

    def turns(session: Session) -> int:
        return int(session.execute(text(
            "SELECT count(*) FROM rate_turns WHERE provider = 'jikan'")).scalar_one())

    shared = await database.session(turns)
    assert shared >= 1 if database.dialect == "postgresql" else shared == 0


async def test_turns_far_behind_are_deleted(databases: list[Database]) -> None:
    """Turns older than the longest window are deleted as new ones are written: the table
    stays as small as the windows."""
    budget = PostgresRateBudget(databases[0])
    windows = [Window(2, 1.0)]
    for second in range(10):
        await budget.take("jikan", windows, 2, 1000.0 + second)

    def count(session: Session) -> int:
        return int(session.execute(text("SELECT count(*) FROM rate_turns")).scalar_one())

    assert await databases[0].session(count) <= 4


async def test_two_processes_never_exceed_a_served_fake_s_windows(
        databases: list[Database], fakes: Any) -> None:
    """Two clients of the fake Jikan, each with its own limiter and its own connection pool
    on one PostgreSQL budget, send 80 requests at once: the server never sees more than its
    limits in any window (3 per 0.1 s and 60 per 6 s here) and answers no 429."""
    fake = fakes.fakes["jikan"]
    fake.options.scale_rate_limits(10)
    limits = tuple(limit.scaled(10) for limit in JIKAN)
    queries = [0]

    def count(*_: Any) -> None:
        queries[0] += 1

    clients = []
    for database in databases:
        event.listen(database.engine, "before_cursor_execute", count)
        limiter = ProviderLimiter("jikan", limits, budget=PostgresRateBudget(database))
        clients.append(ProviderHttpClient(ProviderConfig("jikan", fake.api_url), limiter))
    try:
        with anyio.fail_after(SLOW):
            async with anyio.create_task_group() as task_group:
                for n in range(80):
                    task_group.start_soon(functools.partial(
                        clients[n % 2].get_json, "/anime/1", request=f"anime {n}"))
    finally:
        for client in clients:
            await client.aclose()
        for database in databases:
            event.remove(database.engine, "before_cursor_execute", count)
    # Every request was answered. A request whose answer came while its process was held
    # up past its timeout (a stopped or starved process) is sent again, taking a turn of
    # its own, so a few more answers than requests can be seen; the windows below hold.
    assert 80 <= fake.stats.count_status(200) <= 84
    assert fake.stats.count_429 == 0
    assert fake.stats.max_requests_in_any_window(0.1) <= 3
    assert fake.stats.max_requests_in_any_window(6.0) <= 60
    # The budget's database work, a few statements per grant of several turns.
    asks = sum(client.limiter.budget_asks for client in clients)
    assert queries[0] <= 3 * asks
