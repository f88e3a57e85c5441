"""The shared rate budget with real processes: two processes load the served fake Jikan through
one PostgreSQL budget, and one of them is stopped (SIGSTOP) in the middle and resumed after the
other finished; the fake's own record shows no window ever held more than its limit.

Run as a script, this module is the child process: ``python <this file> DATABASE_URL API_URL
REQUESTS``. It prints ``ready``, waits for ``go`` on stdin, prints ``answered`` after every
answer and ``done <budget asks> <turns expired>`` at the end.
"""

from __future__ import annotations

import functools
import signal
import sys
from pathlib import Path
from typing import Any

import anyio
import pytest
from anyio.abc import Process
from anyio.streams.text import TextReceiveStream

from aniworld_core.providers.base import ProviderConfig, RateLimit
from aniworld_core.providers.http import ProviderHttpClient
from aniworld_core.providers.limiter import ProviderLimiter
from aniworld_core.storage import Database
from aniworld_core.storage.rate_budget import PostgresRateBudget

#: The fake's and the clients' Jikan limits, ten times faster: 3 per 0.1 s, 60 per 6 s.
SCALE = 10
LIMITS = tuple(limit.scaled(SCALE) for limit in (RateLimit(3, 1.0), RateLimit(60, 60.0)))
#: A hang guard for work that involves starting Python processes on a busy machine.
SLOW = 120


async def child(database_url: str, api_url: str, requests: int) -> None:
    """One process: its own pool, budget, limiter and client; ``requests`` at once on ``go``."""
    database = await Database.open(database_url, migrate_schema=False)
    limiter = ProviderLimiter("jikan", LIMITS, budget=PostgresRateBudget(database))
    client = ProviderHttpClient(ProviderConfig("jikan", api_url), limiter)

    async def one(n: int) -> None:
        await client.get_json("/anime/1", request=f"anime {n}")
        print("answered", flush=True)

    try:
        print("ready", flush=True)
        await anyio.to_thread.run_sync(sys.stdin.readline)
        async with anyio.create_task_group() as task_group:
            for n in range(requests):
                task_group.start_soon(functools.partial(one, n))
        print(f"done {limiter.budget_asks} {limiter.turns_expired}", flush=True)
    finally:
        await client.aclose()
        await database.close()


# -- the test -------------------------------------------------------------------------------------

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    """The child processes run on asyncio; the parent's backend changes nothing here."""
    return "asyncio"


class Child:
    """A child process, its stdout line by line, and its stdin."""

    def __init__(self, process: Process) -> None:
        assert process.stdout is not None
        self.process = process
        self._stdout = TextReceiveStream(process.stdout)
        self._buffer = ""

    async def line(self) -> str:
        while "\n" not in self._buffer:
            try:
                self._buffer += await self._stdout.receive()
            except anyio.EndOfStream:
                raise AssertionError("the child ended early") from None
        line, self._buffer = self._buffer.split("\n", 1)
        return line

    async def until(self, prefix: str, *, count: int = 1) -> str:
        """Read lines until the ``count``-th one starting with ``prefix``; return it."""
        while True:
            line = await self.line()
            if line.startswith(prefix):
                count -= 1
                if count == 0:
                    return line

    async def go(self) -> None:
        assert self.process.stdin is not None
        await self.process.stdin.send(b"go\n")


async def test_two_processes_one_stopped_and_resumed_keep_every_window(
        database: Database, database_url: str, fakes: Any) -> None:
    """Two processes send 40 requests each to the fake Jikan at once; one is stopped with
    SIGSTOP after five answers and resumed only once the other is done. The fake answered
    all 80 without a 429 and never saw more than 3 requests in 0.1 s or 60 in 6 s."""
    if database.dialect != "postgresql":
        pytest.skip("a budget shared by processes: on PostgreSQL (ANIWORLD_TEST_DATABASE_URL)")
    fake = fakes.fakes["jikan"]
    fake.options.scale_rate_limits(SCALE)
    command = [sys.executable, str(Path(__file__)), database_url, fake.api_url, "40"]
    with anyio.fail_after(SLOW):
        async with await anyio.open_process(command) as first_process, \
                await anyio.open_process(command) as second_process:
            first, second = Child(first_process), Child(second_process)
            assert await first.line() == "ready"
            assert await second.line() == "ready"
            await first.go()
            await second.go()
            await first.until("answered", count=5)
            first_process.send_signal(signal.SIGSTOP)
            try:
                await second.until("done")
            finally:
                first_process.send_signal(signal.SIGCONT)
            await first.until("done")
            assert await first_process.wait() == 0
            assert await second_process.wait() == 0
    # Every request was answered. A request whose answer came while its process was held
    # up past its timeout (a stopped or starved process) is sent again, taking a turn of
    # its own, so a few more answers than requests can be seen; the windows below hold.
    assert 80 <= fake.stats.count_status(200) <= 84
    assert fake.stats.count_429 == 0
    assert fake.stats.max_requests_in_any_window(0.1) <= 3
    assert fake.stats.max_requests_in_any_window(6.0) <= 60


if __name__ == "__main__":
    anyio.run(child, sys.argv[1], sys.argv[2], int(sys.argv[3]))
