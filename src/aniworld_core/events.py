"""Events: what changed, as typed attrs values, and the hub that fans them out.

``async with app.events.subscribe() as events: async for event in events: ...``

Each subscriber has its own bounded buffer filled without ever waiting. A subscriber that falls
behind gets coalesced updates instead: the latest event per series (and per kind for the others),
so it never blocks the producer and never misses a final state. A new subscriber first receives a
snapshot: a loading update for every series that is not completed.
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict, deque
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from typing import Any, ClassVar, Protocol

import anyio
import anyio.lowlevel
import attrs

from aniworld_core._event_time import event_timestamp
from aniworld_core.library_events import LibraryChanged, LibraryRootUpdate
from aniworld_core.models import LoadingStatus, Progress, Series


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Event(Protocol):
    """What every event offers."""

    type: ClassVar[str]

    @property
    def timestamp(self) -> dt.datetime: ...

    @property
    def coalesce_key(self) -> Hashable: ...

    def to_json(self) -> dict[str, Any]: ...


@attrs.frozen
class SeriesAdded:
    """A series was added to the library (by a user, a scan or a script)."""

    type: ClassVar[str] = "series_added"
    series_id: str
    title: str
    status: LoadingStatus
    timestamp: dt.datetime = attrs.field(factory=_now)

    @property
    def coalesce_key(self) -> Hashable:
        return ("series", self.series_id)

    def to_json(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "series_id": self.series_id,
            "title": self.title,
            "status": self.status.value,
            "timestamp": event_timestamp(self.timestamp),
        }


@attrs.frozen
class SeriesRemoved:
    """A series was removed."""

    type: ClassVar[str] = "series_removed"
    series_id: str
    timestamp: dt.datetime = attrs.field(factory=_now)

    @property
    def coalesce_key(self) -> Hashable:
        return ("series", self.series_id)

    def to_json(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "series_id": self.series_id,
            "timestamp": event_timestamp(self.timestamp),
        }


@attrs.frozen
class SeriesLoadingUpdate:
    """The loading state of a series changed. The JSON form is the original wire format."""

    type: ClassVar[str] = "series_loading_update"
    series_id: str
    title: str
    status: LoadingStatus
    progress: Progress
    message: str
    error: str | None = None
    #: The user must pick the provider entry (``Series.needs_choice``).
    needs_choice: bool = False
    timestamp: dt.datetime = attrs.field(factory=_now)

    @classmethod
    def of(cls, series: Series, *, message: str | None = None) -> SeriesLoadingUpdate:
        return cls.of_parts(series.id, series.title, series.loading_status, series.progress,
                            series.loading_error, message=message,
                            needs_choice=series.needs_choice)

    @classmethod
    def of_parts(cls, series_id: str, title: str, status: LoadingStatus, progress: Progress,
                 error: str | None, *, message: str | None = None,
                 needs_choice: bool = False) -> SeriesLoadingUpdate:
        """The update for a series in this state (the status line unless ``message``)."""
        if message is None:
            message = status.message
            if error and status is LoadingStatus.FAILED:
                message = f"Failed: {error}"
        return cls(series_id=series_id, title=title, status=status, progress=progress,
                   message=message, error=error, needs_choice=needs_choice)

    @property
    def coalesce_key(self) -> Hashable:
        return ("series", self.series_id)

    def to_json(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "series_id": self.series_id,
            "title": self.title,
            "status": self.status.value,
            "progress": self.progress.to_dict(),
            "message": self.message,
            "error": self.error,
            "needs_choice": self.needs_choice,
            "timestamp": event_timestamp(self.timestamp),
        }


@attrs.frozen
class ProviderWaiting:
    """A provider is paused (rate limit or Retry-After); work for it resumes at ``until``."""

    type: ClassVar[str] = "provider_waiting"
    provider: str
    seconds: float
    reason: str
    timestamp: dt.datetime = attrs.field(factory=_now)

    @property
    def coalesce_key(self) -> Hashable:
        return ("provider", self.provider)

    def to_json(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "provider": self.provider,
            "seconds": round(self.seconds, 1),
            "reason": self.reason,
            "timestamp": event_timestamp(self.timestamp),
        }


@attrs.frozen
class LoaderIdle:
    """Nothing is queued or running any more."""

    type: ClassVar[str] = "loader_idle"
    completed: int = 0
    failed: int = 0
    timestamp: dt.datetime = attrs.field(factory=_now)

    @property
    def coalesce_key(self) -> Hashable:
        return ("loader",)

    def to_json(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "completed": self.completed,
            "failed": self.failed,
            "timestamp": event_timestamp(self.timestamp),
        }


@attrs.frozen
class ScanProgress:
    """A library scan moved on: series folders done of the total, video files seen so far."""

    type: ClassVar[str] = "scan_progress"
    folders_done: int
    folders_total: int
    files: int
    finished: bool = False
    timestamp: dt.datetime = attrs.field(factory=_now)

    @property
    def coalesce_key(self) -> Hashable:
        return ("scan",)

    def to_json(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "folders_done": self.folders_done,
            "folders_total": self.folders_total,
            "files": self.files,
            "finished": self.finished,
            "timestamp": event_timestamp(self.timestamp),
        }


Snapshot = Callable[[], Awaitable[Sequence[Event]]]
#: A subscription hands out at most this many waiting events before it yields to the event loop.
YIELD_EVERY = 16


class Subscription:
    """One subscriber's view of the stream; iterate it with ``async for``."""

    def __init__(self, max_buffer: int, *, coalesce: bool = False) -> None:
        self._max_buffer = max_buffer
        self._coalesce = coalesce
        # Each waiting event in a one-item list, so a newer update can take its place.
        self._buffer: deque[list[Event]] = deque()
        #: With ``coalesce``: per key, the slot of the last event waiting for it.
        self._last: dict[Hashable, list[Event]] = {}
        self._coalesced: OrderedDict[Hashable, Event] = OrderedDict()
        self._wakeup = anyio.Event()
        self._closed = False
        self._unyielded = 0
        #: Events dropped unread because a newer one of the same key replaced them.
        self.coalesced_count = 0

    def offer(self, event: Event) -> None:
        """Take ``event`` without waiting; coalesce once the buffer is full."""
        if self._closed:
            return
        key = event.coalesce_key
        if self._coalesced or len(self._buffer) >= self._max_buffer:
            # Once behind, everything goes through the coalescing map so the order per key holds:
            # the newest event of a key replaces a waiting one and goes to the back.
            if self._coalesced.pop(key, None) is not None:
                self.coalesced_count += 1
            self._coalesced[key] = event
        elif (self._coalesce and event.type == SeriesLoadingUpdate.type
              and (slot := self._last.get(key)) is not None
              and slot[0].type == SeriesLoadingUpdate.type):  # another process's, too
            slot[0] = event  # the state still waiting has passed: send the newer one instead
            self.coalesced_count += 1
        else:
            slot = [event]
            self._buffer.append(slot)
            if self._coalesce:
                self._last[key] = slot
        self._wakeup.set()

    def put_first(self, events: Sequence[Event]) -> None:
        """Queue ``events`` ahead of everything offered so far (the snapshot goes first)."""
        live = [*(slot[0] for slot in self._buffer), *self._coalesced.values()]
        self._buffer = deque()
        self._last = {}
        self._coalesced = OrderedDict()
        for event in [*events, *live]:
            self.offer(event)

    def close(self) -> None:
        self._closed = True
        self._wakeup.set()

    def __aiter__(self) -> Subscription:
        return self

    async def __anext__(self) -> Event:
        while True:
            if self._buffer or self._coalesced:
                self._unyielded += 1
                if self._unyielded >= YIELD_EVERY:
                    # A reader working through a backlog (a snapshot of thousands of series)
                    # lets the rest of the event loop run now and then.
                    self._unyielded = 0
                    await anyio.lowlevel.checkpoint()
                    continue
                return self._pop()
            if self._closed:
                raise StopAsyncIteration
            self._wakeup = anyio.Event()
            self._unyielded = 0
            await self._wakeup.wait()

    async def next_batch(self, limit: int) -> list[Event]:
        """The next event (waiting for it) and those waiting behind it, at most ``limit``, in
        order; ``[]`` once the hub has closed and nothing is left. For a reader that can pass
        on several events at once more cheaply than one by one (a WebSocket writing a burst
        in one go). A reader working through a backlog still lets others run between batches."""
        try:
            batch = [await self.__anext__()]
        except StopAsyncIteration:
            return []
        while len(batch) < limit and (self._buffer or self._coalesced):
            batch.append(self._pop())
        self._unyielded += len(batch) - 1
        return batch

    def _pop(self) -> Event:
        """The first waiting event (there is one), out of the buffer."""
        if self._buffer:
            slot = self._buffer.popleft()
            event = slot[0]
            if self._last and self._last.get(event.coalesce_key) is slot:
                del self._last[event.coalesce_key]
            return event
        return self._coalesced.popitem(last=False)[1]

    def pending(self) -> int:
        """Events waiting to be read (buffered plus coalesced)."""
        return len(self._buffer) + len(self._coalesced)


@attrs.define
class _SnapshotRead:
    """One reading of the snapshot, shared by every subscriber waiting for it."""

    done: anyio.Event = attrs.field(factory=anyio.Event)
    events: Sequence[Event] = ()
    error: Exception | None = None


class EventHub:
    """Fans events out to subscribers. ``publish`` never waits; call it from the event loop."""

    def __init__(self, *, max_buffer: int = 256, snapshot: Snapshot | None = None) -> None:
        self._subscribers: set[Subscription] = set()
        self._max_buffer = max_buffer
        self._snapshot = snapshot
        #: The snapshot being read, and the one that newcomers wait for (it begins after it).
        self._reading: _SnapshotRead | None = None
        self._next_read: _SnapshotRead | None = None
        self.published = 0
        #: Called with each event as it is published (passing events on to other processes).
        self._taps: list[Callable[[Event], None]] = []

    def publish(self, event: Event) -> None:
        self.published += 1
        for tap in self._taps:
            tap(event)
        for subscriber in tuple(self._subscribers):
            subscriber.offer(event)

    @property
    def subscriber_count(self) -> int:
        """Readers subscribed now (taps are not readers)."""
        return len(self._subscribers)

    @contextmanager
    def tap(self, callback: Callable[[Event], None]) -> Iterator[None]:
        """Call ``callback`` with every event as it is published, in order, inside
        :meth:`publish` (so it must be quick and never raise: hand the event on to a queue).
        For passing events on at once, with no reader task in between that a busy event loop
        would run late."""
        self._taps.append(callback)
        try:
            yield
        finally:
            self._taps.remove(callback)

    @asynccontextmanager
    async def subscribe(
        self, *, snapshot: bool = True, max_buffer: int | None = None, coalesce: bool = False,
    ) -> AsyncIterator[Subscription]:
        """A subscription that receives the snapshot first (unless ``snapshot=False``).

        Events wait in a buffer of ``max_buffer``; once it is full they are coalesced: a newer
        event for the same series (provider, scan...) replaces the one still waiting, so a reader
        that fell behind gets the latest state of each and never misses a final one.
        ``coalesce=True`` is for readers that show state rather than record history (a page, a
        progress bar): from the first event on, a loading update still waiting is replaced in its
        place by the series' next one, so a reader that falls behind during a burst skips the
        states that have already passed instead of replaying them. Other events (added,
        removed...) are never dropped that way, nor is an update moved past one of them.
        """
        subscription = Subscription(max_buffer or self._max_buffer, coalesce=coalesce)
        # Register before reading the snapshot, so nothing published meanwhile is lost.
        self._subscribers.add(subscription)
        try:
            if snapshot and self._snapshot is not None:
                subscription.put_first(await self._read_snapshot(self._snapshot))
            yield subscription
        finally:
            self._subscribers.discard(subscription)
            subscription.close()

    async def _read_snapshot(self, snapshot: Snapshot) -> Sequence[Event]:
        """The snapshot, read after the caller registered.

        Subscribers arriving together (a hundred pages opening after a restart) share one
        reading instead of a database query and a set of events each. A reading already under
        way may have begun before the caller registered, so a newcomer never joins it: it joins
        the next one, which begins as soon as that one ends and serves everyone who came
        meanwhile. Whoever starts a reading finishes it even if cancelled (the others wait for
        it; it takes a database query's time)."""
        read = self._next_read
        if read is None:
            read = self._next_read = _SnapshotRead()
            with anyio.CancelScope(shield=True):
                if self._reading is not None:
                    await self._reading.done.wait()
                self._next_read = None  # anyone later may come after the reading began
                self._reading = read
                try:
                    read.events = await snapshot()
                except Exception as error:
                    read.error = error
                except BaseException:
                    read.error = RuntimeError("The snapshot could not be read.")
                    raise
                finally:
                    self._reading = None
                    read.done.set()
            await anyio.lowlevel.checkpoint_if_cancelled()  # cancelled meanwhile: go now
        else:
            await read.done.wait()
        if read.error is not None:
            raise read.error
        return read.events

    def close(self) -> None:
        """End every subscription's iteration (the app is shutting down)."""
        for subscription in tuple(self._subscribers):
            subscription.close()


__all__ = [
    "Event",
    "EventHub",
    "LibraryChanged",
    "LibraryRootUpdate",
    "LoaderIdle",
    "ProviderWaiting",
    "ScanProgress",
    "SeriesAdded",
    "SeriesLoadingUpdate",
    "SeriesRemoved",
    "Subscription",
]
