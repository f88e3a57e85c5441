"""PostgreSQL LISTEN/NOTIFY for telling other processes on the database what happened.

A :class:`Listener` holds one connection of its own that LISTENs on some channels and hands each
notification to a callback on the event loop, in the order the database delivered them (commit
order). It waits for the socket to become readable rather than holding a thread, so it works on
asyncio and trio alike. A lost connection is logged once and opened again with backoff until it
works; what was sent meanwhile is not heard (LISTEN has no memory).

A :class:`Notifier` sends notifications from a thread of its own on another connection of its
own, so events never wait behind the database lanes that queries share, nor for the event loop:
what is put goes out from that thread at once, whatever the loop is busy with (a worker in a
burst of loads had its loop run late by tens of milliseconds, and each hop through it added
that to an event's delay between processes). What waits meanwhile goes out together in the
next round: one query of several statements, so one transaction and one round trip (one
commit; the server delivers a round's notifications in order, and drops exact repeats within
it, which say nothing new), committed without waiting for the disk.

Channels are per database, so their names carry a hash of the schema in use (two libraries in
two schemas of one database, or parallel tests, never hear each other): see :func:`channel`.
"""

from __future__ import annotations

import hashlib
import logging
import queue
import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

import anyio
import anyio.abc
import anyio.to_thread
from sqlalchemy import Engine

if TYPE_CHECKING:
    import psycopg

log = logging.getLogger("aniworld.notify")

#: The most bytes one NOTIFY payload may hold (PostgreSQL's limit is 8000).
MAX_PAYLOAD = 7900
#: Seconds between attempts to open a lost connection again: doubling up to the last.
BACKOFF = (0.1, 0.5, 1.0, 2.0, 5.0, 10.0)
#: A notification heard: ``(channel, payload)``; called on the event loop.
OnNotify = Callable[[str, str], None]


def channel(schema: str, name: str) -> str:
    """The channel for ``name`` ("events", "jobs") of a library in ``schema``."""
    return f"aniworld_{name}_{hashlib.sha256(schema.encode()).hexdigest()[:16]}"


def connector(engine: Engine) -> Callable[[], psycopg.Connection[Any]]:
    """Opens a new autocommit connection to the database of ``engine`` (outside its pool), with
    a connect timeout and TCP keepalives so a vanished server is noticed."""
    import psycopg

    args, params = engine.dialect.create_connect_args(engine.url)
    params = {"connect_timeout": 10, "keepalives": 1, "keepalives_idle": 10,
              "keepalives_interval": 5, "keepalives_count": 3, **params}

    def connect() -> psycopg.Connection[Any]:
        return psycopg.connect(*args, autocommit=True, **params)

    return connect


async def current_schema(connect: Callable[[], psycopg.Connection[Any]]) -> str:
    """The schema new tables go to on connections made by ``connect``."""

    def read() -> str:
        with connect() as connection:
            row = connection.execute("SELECT current_schema()").fetchone()
        return str(row[0]) if row and row[0] else "public"

    return await anyio.to_thread.run_sync(read)


class Listener:
    """LISTENs on ``channels`` and calls ``on_notify`` for each notification, until cancelled."""

    def __init__(self, connect: Callable[[], psycopg.Connection[Any]], channels: Sequence[str],
                 on_notify: OnNotify) -> None:
        self._connect = connect
        self._channels = tuple(channels)
        self._on_notify = on_notify
        #: Whether the connection is down (it was logged once; said again when it is back).
        self.down = False
        #: Connections opened so far, and the server process of the current one (tests).
        self.opened = 0
        self.backend_pid: int | None = None
        self._reopened = anyio.Event()

    async def run(self, *, task_status: anyio.abc.TaskStatus[None] = anyio.TASK_STATUS_IGNORED
                  ) -> None:
        """Listen; report ready once the first LISTEN is in place (or failed: then it keeps
        trying in the background)."""
        failures = 0
        ready = False
        while True:
            connection = None
            try:
                connection, early = await anyio.to_thread.run_sync(self._open)
                self.opened += 1
                self.backend_pid = connection.info.backend_pid
                self._reopened.set()
                self._reopened = anyio.Event()
                if self.down:
                    log.info("Listening to other processes again")
                    self.down = False
                failures = 0
                if not ready:
                    ready = True
                    task_status.started()
                for heard in early:
                    self._on_notify(heard.channel, heard.payload)
                await self._listen(connection)
            except Exception as error:  # any failure means: open it again
                if not self.down:
                    log.warning("Lost the connection that hears other processes (%s); "
                                "opening it again", error)
                    self.down = True
            finally:
                if connection is not None:
                    with anyio.CancelScope(shield=True):
                        await anyio.to_thread.run_sync(connection.close)
            if not ready:
                ready = True
                task_status.started()
            await anyio.sleep(BACKOFF[min(failures, len(BACKOFF) - 1)])
            failures += 1

    async def wait_opened(self, count: int) -> None:
        """Return once ``count`` connections have been opened in all."""
        while self.opened < count:
            await self._reopened.wait()

    def _open(self) -> tuple[psycopg.Connection[Any], list[psycopg.Notify]]:
        """A connection listening on every channel, and what it heard while LISTEN ran."""
        from psycopg import sql

        connection = self._connect()
        early: list[psycopg.Notify] = []
        try:
            connection.add_notify_handler(early.append)
            for name in self._channels:
                connection.execute(sql.SQL("LISTEN {}").format(sql.Identifier(name)))
        except BaseException:
            connection.close()
            raise
        return connection, early

    async def _listen(self, connection: psycopg.Connection[Any]) -> None:
        """Hand on notifications as they arrive; return (raise) when the connection fails."""
        from psycopg import pq

        pgconn = connection.pgconn
        socket = connection.fileno()
        while True:
            await anyio.wait_readable(socket)
            pgconn.consume_input()  # raises when the server closed the connection
            if pgconn.status != pq.ConnStatus.OK:
                raise ConnectionError("the connection is not usable")
            while (heard := pgconn.notifies()) is not None:
                self._on_notify(heard.relname.decode(), heard.extra.decode())


#: What a notifier puts out; turned into notifications in its thread.
T = TypeVar("T")
#: Put in a notifier's queue by :meth:`Notifier.stop`.
_STOP = object()


class Notifier(Generic[T]):
    """Sends notifications from a thread of its own, on a connection of its own.

    :meth:`put` never waits and may be called from any thread. Items go out in the order put,
    in rounds: what waits (at most ``batch`` items) is turned into ``(channel, payload)``
    pairs by ``render`` (called in the thread) and sent as one query. When the database
    cannot be reached, that is logged once, the newest ``max_unsent`` notifications are kept,
    and the thread tries again every ``retry_seconds`` with a new connection."""

    def __init__(self, connect: Callable[[], psycopg.Connection[Any]],
                 render: Callable[[list[T]], list[tuple[str, str]]], *, batch: int = 500,
                 max_unsent: int = 1000, retry_seconds: float = 1.0) -> None:
        self._connect = connect
        self._render = render
        self._batch = batch
        self._max_unsent = max_unsent
        self._retry_seconds = retry_seconds
        self._queue: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._connection: psycopg.Connection[Any] | None = None
        self._thread: threading.Thread | None = None
        self._stopping = False
        self._wakeup = threading.Event()
        self._finished = threading.Event()
        self._finished.set()  # until started
        #: Whether sending fails now (it was logged once; said again when it works).
        self.down = False
        #: Connections opened so far, and the server process of the current one (tests).
        self.opened = 0
        self.backend_pid: int | None = None

    def start(self) -> None:
        """Start the thread (once)."""
        if self._thread is None:
            self._finished.clear()
            self._thread = threading.Thread(target=self._run, name="aniworld-notify",
                                            daemon=True)
            self._thread.start()

    def put(self, item: T) -> None:
        """Send ``item`` soon; never waits."""
        self._queue.put(item)

    async def stop(self, seconds: float) -> None:
        """Send what waits (unless the database cannot be reached: then the other processes
        find out when they poll), close the connection, and end the thread; wait for that at
        most ``seconds``."""
        self._stopping = True
        self._queue.put(_STOP)
        self._wakeup.set()
        with anyio.CancelScope(shield=True):
            finished = await anyio.to_thread.run_sync(self._finished.wait, seconds)
        if not finished:
            log.info("Could not tell other processes about the last events in %g s", seconds)

    def _run(self) -> None:
        unsent: list[tuple[str, str]] = []
        try:
            while True:
                items = self._take(wait=not unsent and not self._stopping)
                if self.down:  # all that came meanwhile was taken: keep only the newest
                    del items[:max(0, len(items) - self._max_unsent)]
                if items:
                    unsent += self._render(items)
                if self.down:
                    del unsent[:max(0, len(unsent) - self._max_unsent)]
                if not unsent:
                    if self._stopping and self._queue.empty():
                        return
                    continue
                try:
                    self._send(unsent)
                except Exception as error:  # the database may be gone for a while
                    self._close()
                    if not self.down:
                        self.down = True
                        log.warning("Cannot tell other processes about events (%s); "
                                    "trying again", error)
                    if self._stopping or self._wakeup.wait(self._retry_seconds):
                        return  # stopping: the others poll
                    continue
                unsent = []
                if self.down:
                    self.down = False
                    log.info("Telling other processes about events again")
        except Exception:  # a bug: say so, rather than end the thread silently
            log.exception("The thread that tells other processes about events failed")
        finally:
            self._close()
            self._finished.set()

    def _take(self, *, wait: bool) -> list[T]:
        """What waits, oldest first: at most ``batch`` items, or all of it while sending
        fails (so nothing piles up); with ``wait``, wait for one."""
        items: list[T] = []
        block = wait
        while self.down or len(items) < self._batch:
            try:
                item = self._queue.get(block=block)
            except queue.Empty:
                break
            block = False
            if item is _STOP:
                break
            items.append(cast(T, item))
        return items

    def _send(self, notifications: list[tuple[str, str]]) -> None:
        if self._connection is None:
            connection = self._connect()
            try:
                # A notification is gone once heard: its commit need not wait for the disk.
                connection.execute("SET synchronous_commit = off")
            except BaseException:
                connection.close()
                raise
            self._connection = connection
            self.opened += 1
            self.backend_pid = connection.info.backend_pid
        self._connection.execute(_notify_query(self._connection, notifications))

    def _close(self) -> None:
        if self._connection is not None:
            connection, self._connection = self._connection, None
            try:
                connection.close()
            except Exception:  # closing a broken connection may fail too
                log.debug("Closing a broken notify connection failed", exc_info=True)


def _notify_query(connection: psycopg.Connection[Any],
                  notifications: Sequence[tuple[str, str]]) -> bytes:
    """One query of a ``pg_notify`` per notification (several statements in one simple query
    are one transaction)."""
    from psycopg import pq

    escaping = pq.Escaping(connection.pgconn)
    encoding = connection.info.encoding

    def literal(text: str) -> bytes:
        return escaping.escape_literal(text.encode(encoding))

    return b";".join(b"SELECT pg_notify(" + literal(name) + b"," + literal(payload) + b")"
                     for name, payload in notifications)
