"""The event hub: snapshot first, fan-out to every subscriber, coalescing for slow ones."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import anyio
import anyio.lowlevel
import pytest

from aniworld_core import (
    LoadingStatus,
    Progress,
    SeriesAdded,
    SeriesApp,
    SeriesLoadingUpdate,
    SeriesRemoved,
)
from aniworld_core.events import Event, EventHub, LoaderIdle, Subscription

pytestmark = pytest.mark.anyio


def update(series_id: str, status: LoadingStatus) -> SeriesLoadingUpdate:
    return SeriesLoadingUpdate(series_id=series_id, title=series_id, status=status,
                               progress=Progress(), message=status.message)


async def test_every_subscriber_gets_every_event() -> None:
    """Two subscribers each receive all events in order (broadcast, not distribution)."""
    hub = EventHub()
    async with hub.subscribe() as first, hub.subscribe() as second:
        for n in range(3):
            hub.publish(update(f"s{n}", LoadingStatus.PENDING))
        with anyio.fail_after(5):
            for subscription in (first, second):
                got = [await subscription.__anext__() for _ in range(3)]
                assert [e.series_id for e in got] == ["s0", "s1", "s2"]  # type: ignore[attr-defined]


async def test_slow_subscriber_gets_latest_state_per_series() -> None:
    """A full buffer coalesces: publishing never waits, and the final state is never lost."""
    hub = EventHub(max_buffer=2)
    async with hub.subscribe() as slow:
        statuses = [LoadingStatus.PENDING, LoadingStatus.LOADING_EPISODES,
                    LoadingStatus.LOADING_NFO, LoadingStatus.COMPLETED]
        for status in statuses:
            for series in ("a", "b", "c"):
                hub.publish(update(series, status))
        hub.publish(LoaderIdle(completed=3))
        received: list[Event] = []
        with anyio.fail_after(5):
            while slow.pending():
                received.append(await slow.__anext__())
    final = {e.series_id: e.status for e in received if isinstance(e, SeriesLoadingUpdate)}
    assert final == {"a": LoadingStatus.COMPLETED, "b": LoadingStatus.COMPLETED,
                     "c": LoadingStatus.COMPLETED}
    assert len(received) < 13
    assert isinstance(received[-1], LoaderIdle)


async def test_a_coalescing_subscriber_skips_states_that_have_passed() -> None:
    """``coalesce=True``: a loading update still waiting is replaced, in its place, by the
    series' next one; additions and removals are never dropped nor overtaken."""
    hub = EventHub()
    async with hub.subscribe(coalesce=True) as page, hub.subscribe() as log:
        hub.publish(SeriesAdded("a", "a", LoadingStatus.PENDING))
        hub.publish(update("a", LoadingStatus.LOADING_NFO))
        hub.publish(update("b", LoadingStatus.LOADING_NFO))
        hub.publish(update("a", LoadingStatus.LOADING_LOGO))
        hub.publish(update("a", LoadingStatus.COMPLETED))
        hub.publish(SeriesRemoved("b"))
        hub.publish(update("b", LoadingStatus.CANCELLED))
        hub.publish(LoaderIdle(completed=1))
        with anyio.fail_after(5):
            shown = [await page.__anext__() for _ in range(page.pending())]
            recorded = [await log.__anext__() for _ in range(log.pending())]
    assert [(type(e).__name__, getattr(e, "series_id", None), getattr(e, "status", None))
            for e in shown] == [
        ("SeriesAdded", "a", LoadingStatus.PENDING),
        ("SeriesLoadingUpdate", "a", LoadingStatus.COMPLETED),
        ("SeriesLoadingUpdate", "b", LoadingStatus.LOADING_NFO),
        ("SeriesRemoved", "b", None),
        ("SeriesLoadingUpdate", "b", LoadingStatus.CANCELLED),
        ("LoaderIdle", None, None),
    ]
    assert page.coalesced_count == 2
    assert len(recorded) == 8  # without coalesce=True every state is kept while there is room


async def read_one(subscription: Subscription) -> int:
    await subscription.__anext__()
    return 1


async def read_a_batch(subscription: Subscription) -> int:
    return len(await subscription.next_batch(64))


@pytest.mark.parametrize(("read", "least_turns"), [(read_one, 2000 // 32),
                                                   (read_a_batch, 2000 // 64 - 1)],
                         ids=["one by one", "in batches"])
async def test_a_reader_working_through_a_backlog_lets_others_run(
        read: Callable[[Subscription], Awaitable[int]], least_turns: int) -> None:
    """Reading thousands of waiting events (a new page's snapshot) is not one long step of the
    event loop: another task gets turns meanwhile, every few events read one by one and
    between batches read in batches."""
    hub = EventHub(max_buffer=5000)
    turns = 0
    draining = True

    async def other_task() -> None:
        nonlocal turns
        while draining:
            turns += 1
            await anyio.lowlevel.checkpoint()

    async with hub.subscribe() as subscription, anyio.create_task_group() as group:
        for n in range(2000):
            hub.publish(update(f"s{n}", LoadingStatus.PENDING))
        group.start_soon(other_task)
        await anyio.lowlevel.checkpoint()  # the other task has started
        before = turns
        done = 0
        with anyio.fail_after(5):
            while done < 2000:
                done += await read(subscription)
        during = turns - before
        draining = False
    assert during >= least_turns


async def test_a_batch_is_what_waits_in_order_up_to_the_limit() -> None:
    """``next_batch`` waits for the first event, then takes what waits behind it, in order and
    with the same coalescing as one by one; ``[]`` once the hub has closed and all is read."""
    hub = EventHub()
    async with hub.subscribe(coalesce=True) as page, anyio.create_task_group() as group:
        batches: list[list[Event]] = []
        got_one = anyio.Event()

        async def read_one() -> None:
            batches.append(await page.next_batch(10))
            got_one.set()

        group.start_soon(read_one)
        await anyio.wait_all_tasks_blocked()  # the reader waits: nothing is there
        assert batches == []
        first = update("a", LoadingStatus.PENDING)
        hub.publish(first)
        with anyio.fail_after(5):
            await got_one.wait()
        assert batches == [[first]]

        hub.publish(update("b", LoadingStatus.PENDING))
        hub.publish(update("b", LoadingStatus.LOADING_NFO))  # replaces b's waiting state
        hub.publish(SeriesRemoved("c"))
        hub.publish(update("d", LoadingStatus.PENDING))
        with anyio.fail_after(5):
            two = await page.next_batch(2)
            rest = await page.next_batch(10)
        assert [(type(e).__name__, getattr(e, "status", None)) for e in two] == [
            ("SeriesLoadingUpdate", LoadingStatus.LOADING_NFO), ("SeriesRemoved", None)]
        assert [e.series_id for e in rest] == ["d"]  # type: ignore[attr-defined]
        hub.close()
        with anyio.fail_after(5):
            assert await page.next_batch(10) == []


async def test_subscribers_arriving_together_share_one_snapshot_read() -> None:
    """Thirty subscribers arriving at staggered moments need far fewer snapshot reads than
    thirty, and none of them gets a snapshot read before it registered (it would miss what
    happened in between)."""
    hub: EventHub
    reads = 0

    async def snapshot() -> list[Event]:
        nonlocal reads
        reads += 1
        registered = hub.subscriber_count  # everyone registered when the reading began
        for _ in range(3):
            await anyio.lowlevel.checkpoint()  # a database query takes a while
        return [LoaderIdle(completed=registered)]

    hub = EventHub(snapshot=snapshot)
    seen: dict[int, int] = {}
    everyone_subscribed = anyio.Event()

    async def subscriber(delay: int) -> None:
        for _ in range(delay):
            await anyio.lowlevel.checkpoint()
        number = hub.subscriber_count + 1  # registering happens before subscribe's first await
        async with hub.subscribe() as subscription:
            first = await subscription.__anext__()
            assert isinstance(first, LoaderIdle)
            seen[number] = first.completed
            if len(seen) == 30:
                everyone_subscribed.set()
            await everyone_subscribed.wait()  # nobody leaves: the numbers stay true

    with anyio.fail_after(5):
        async with anyio.create_task_group() as group:
            for n in range(30):
                group.start_soon(subscriber, n % 7)
    assert len(seen) == 30
    assert all(registered >= number for number, registered in seen.items())
    assert reads <= 10


async def test_a_cancelled_subscriber_still_finishes_the_read_others_wait_for() -> None:
    """The subscriber that is to start the next shared reading is cancelled while it waits:
    the reading still happens, the one sharing it gets its snapshot, and the cancelled one
    leaves without a subscription."""
    gate = anyio.Event()
    reads = 0

    async def snapshot() -> list[Event]:
        nonlocal reads
        reads += 1
        await gate.wait()
        return [LoaderIdle()]

    hub = EventHub(snapshot=snapshot)
    entered: list[str] = []
    got: list[Event] = []
    cancelled = anyio.CancelScope()

    async def first() -> None:
        async with hub.subscribe():
            entered.append("first")

    async def starter() -> None:
        with cancelled:
            async with hub.subscribe():
                entered.append("starter")

    async def sharer() -> None:
        async with hub.subscribe() as subscription:
            entered.append("sharer")
            got.append(await subscription.__anext__())

    with anyio.fail_after(5):
        async with anyio.create_task_group() as group:
            group.start_soon(first)  # the first reading, held at the gate
            await anyio.wait_all_tasks_blocked()
            group.start_soon(starter)  # will start the next reading once the first ends
            await anyio.wait_all_tasks_blocked()
            group.start_soon(sharer)  # shares that next reading
            await anyio.wait_all_tasks_blocked()
            cancelled.cancel()
            gate.set()
    assert reads == 2
    assert sorted(entered) == ["first", "sharer"]
    assert len(got) == 1
    assert hub.subscriber_count == 0


async def test_a_failed_snapshot_read_fails_its_readers_only() -> None:
    """Everyone sharing a reading that failed gets its error; the next subscriber reads
    afresh."""
    failures = [RuntimeError("database is locked")]

    async def snapshot() -> list[Event]:
        await anyio.lowlevel.checkpoint()
        if failures:
            raise failures.pop()
        return [LoaderIdle()]

    hub = EventHub(snapshot=snapshot)
    with pytest.raises(RuntimeError, match="database is locked"):
        async with hub.subscribe():
            pass
    assert hub.subscriber_count == 0
    async with hub.subscribe() as subscription:
        with anyio.fail_after(5):
            assert isinstance(await subscription.__anext__(), LoaderIdle)


async def test_iteration_ends_when_the_hub_closes() -> None:
    """Closing the hub ends every ``async for`` over a subscription."""
    hub = EventHub()
    seen: list[Event] = []
    async with hub.subscribe() as subscription:
        hub.publish(LoaderIdle())
        hub.close()
        with anyio.fail_after(5):
            async for event in subscription:
                seen.append(event)
    assert len(seen) == 1


async def test_unsubscribed_listener_leaves_nothing_behind() -> None:
    """Leaving the subscribe block removes the subscriber."""
    hub = EventHub()
    async with hub.subscribe():
        assert hub.subscriber_count == 1
    assert hub.subscriber_count == 0


async def test_new_subscriber_gets_snapshot_of_unfinished_series(app: SeriesApp) -> None:
    """Subscribing to the app's events starts with every series that is not completed."""
    first = await app.add_series("Akira")
    second = await app.add_series("Trigun")
    async with app.events.subscribe() as events:
        with anyio.fail_after(5):
            snapshot = [await events.__anext__() for _ in range(2)]
    assert {e.series_id for e in snapshot} == {first.id, second.id}  # type: ignore[attr-defined]
    assert all(isinstance(e, SeriesLoadingUpdate) for e in snapshot)


async def test_add_and_remove_are_published(app: SeriesApp) -> None:
    """Adding publishes series_added then a loading update; removing publishes series_removed."""
    async with app.events.subscribe(snapshot=False) as events:
        series = await app.add_series("Akira")
        await app.remove_series(series.id)
        with anyio.fail_after(5):
            got = [await events.__anext__() for _ in range(3)]
    assert [type(e) for e in got] == [SeriesAdded, SeriesLoadingUpdate, SeriesRemoved]
    assert got[0].to_json()["title"] == "Akira"


def test_loading_update_wire_format() -> None:
    """``to_json`` gives the original system's wire format."""
    event = update("abc", LoadingStatus.LOADING_EPISODES)
    wire = event.to_json()
    assert wire["type"] == "series_loading_update"
    assert wire["series_id"] == "abc"
    assert wire["status"] == "loading_episodes"
    assert wire["progress"] == {"episodes": False, "nfo": False, "logo": False, "images": False}
    assert wire["message"] == "Loading episodes..."
    assert wire["timestamp"].endswith("Z")
