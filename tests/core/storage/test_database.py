"""The database's lanes: writes made together share a transaction without sharing failures,
and work a person waits for goes before the loader's background work."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

import anyio
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aniworld_core._priority import in_background
from aniworld_core.storage import Database, NewSeries, SeriesStore
from aniworld_core.storage.series import new_series_row
from aniworld_core.storage.tables import SeriesRow

pytestmark = pytest.mark.anyio


def count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(SeriesRow)) or 0


async def test_writes_made_together_keep_their_own_failures(database: Database) -> None:
    """Of ten writes made at once, the one that fails raises to its caller alone and leaves
    nothing behind; the other nine are stored."""
    outcomes: dict[int, object] = {}

    async def write(number: int) -> None:
        def work(session: Session) -> str:
            row = new_series_row(NewSeries(title=f"S{number}"))
            session.add(row)
            session.flush()
            if number == 3:
                raise ValueError("this one fails")
            return row.id

        try:
            outcomes[number] = await database.write(work)
        except ValueError as error:
            outcomes[number] = error

    with anyio.fail_after(10):
        async with anyio.create_task_group() as task_group:
            for number in range(10):
                task_group.start_soon(write, number)
    assert isinstance(outcomes.pop(3), ValueError)
    assert await database.session(count) == 9
    stored = await SeriesStore(database).all()
    assert "S3" not in {s.title for s in stored}
    # Each caller gets the result of the work that was committed (a batch that failed is
    # applied again, and what the first try returned is gone with its rollback).
    assert set(outcomes.values()) == {s.id for s in stored}


def add_titles(session: Session, titles: Sequence[str]) -> list[str]:
    """Merged writes of a test's own: one row per title; the title "bad" fails the call."""
    calls.append(len(titles))
    if "bad" in titles:
        raise ValueError("a bad title")
    rows = [new_series_row(NewSeries(title=title)) for title in titles]
    session.add_all(rows)
    session.flush()
    return [row.id for row in rows]


calls: list[int] = []


async def test_merged_writes_are_applied_together_and_fail_alone(database: Database) -> None:
    """Writes of one kind waiting together are applied by one call, each caller getting its
    own result; when one item fails, the rest are applied one by one and only its caller
    sees the error."""
    calls.clear()
    outcomes: dict[str, object] = {}

    async def write(title: str) -> None:
        try:
            outcomes[title] = await database.write_merged(add_titles, title)
        except ValueError as error:
            outcomes[title] = error

    titles = [f"S{n}" for n in range(8)] + ["bad"]
    with anyio.fail_after(10):
        async with anyio.create_task_group() as task_group:
            task_group.start_soon(database.session, lambda session: None)
            for title in titles:
                task_group.start_soon(write, title)
    assert isinstance(outcomes.pop("bad"), ValueError)
    assert max(calls) > 1  # those that waited together were applied by one call
    stored = {s.title: s.id for s in await SeriesStore(database).all()}
    assert stored == outcomes


async def test_foreground_work_goes_before_waiting_background_work(database_url: str,
                                                                   database: Database) -> None:
    """While the lanes are busy, a request a person waits for overtakes the loader's queued
    background calls."""
    if database.dialect != "sqlite":
        pytest.skip("PostgreSQL has several lanes; SQLite shows the order with one")
    release = threading.Event()
    order: list[str] = []

    def blocking(session: Session) -> None:
        release.wait(10)

    def note(name: str):  # type: ignore[no-untyped-def]
        def work(session: Session) -> None:
            order.append(name)
        return work

    async def background(name: str) -> None:
        with in_background():
            await database.session(note(name))

    with anyio.fail_after(10):
        async with anyio.create_task_group() as task_group:
            task_group.start_soon(database.session, blocking)
            await anyio.wait_all_tasks_blocked()
            for name in ("b1", "b2", "b3"):
                task_group.start_soon(background, name)
            await anyio.wait_all_tasks_blocked()
            task_group.start_soon(database.session, note("request"))
            await anyio.wait_all_tasks_blocked()
            release.set()
    assert order[0] == "request"  # the background calls arrived first, in any order
    assert sorted(order[1:]) == ["b1", "b2", "b3"]


async def test_a_cancelled_caller_leading_a_batch_hands_no_one_its_cancellation(
        database: Database) -> None:
    """A caller is cancelled while the batch it leads waits for a database lane; another
    caller's write is in that batch. The batch is applied, the other caller gets its result,
    and only the cancelled caller sees the cancellation (before, the other caller was handed
    it: a pause of a download cancelled the request that asked for it)."""
    lanes = int(database.limiter.total_tokens)
    first, second = threading.Event(), threading.Event()
    led_first, results = anyio.Event(), {}
    scope = anyio.CancelScope()

    def held(event: threading.Event) -> Callable[[Session], bool]:
        return lambda _session: event.wait(30)

    def add(title: str) -> Callable[[Session], str]:
        def work(session: Session) -> str:
            row = new_series_row(NewSeries(title=title))
            session.add(row)
            session.flush()
            return row.id
        return work

    async def leads_first() -> None:
        results["C"] = await database.write(add("C"))
        led_first.set()

    async def cancelled() -> None:
        with scope:
            await database.write(add("A"))

    async def other() -> None:
        results["B"] = await database.write(add("B"))

    with anyio.fail_after(30):
        async with anyio.create_task_group() as task_group:
            for _ in range(lanes):  # every lane busy
                task_group.start_soon(database.session, held(first))
            await anyio.wait_all_tasks_blocked()
            task_group.start_soon(leads_first)  # holds the writing lock, waits for a lane
            await anyio.wait_all_tasks_blocked()
            for _ in range(lanes):  # the lanes again, queued after that batch
                task_group.start_soon(database.session, held(second))
            await anyio.wait_all_tasks_blocked()
            task_group.start_soon(cancelled)  # both wait for the lock: one batch, A leads
            await anyio.wait_all_tasks_blocked()
            task_group.start_soon(other)
            await anyio.wait_all_tasks_blocked()
            first.set()
            await led_first.wait()
            await anyio.wait_all_tasks_blocked()  # A leads [A, B] and waits for a lane
            scope.cancel()
            await anyio.wait_all_tasks_blocked()
            second.set()
    assert scope.cancelled_caught
    titles = {s.title: s.id for s in await SeriesStore(database).all()}
    assert results == {"C": titles["C"], "B": titles["B"]}
    assert "A" in titles  # the cancelled caller's batch was applied
