"""PostgreSQL LISTEN/NOTIFY for telling other processes on the database what happened.

A :class:`Listener` holds one connection of its own that LISTENs on some channels and hands each
notification to a callback on the event loop, in the order the database delivered them (commit
order). It waits for the socket to become readable rather than holding a thread, so it works on
asyncio and trio alike. A lost connection is logged once and opened again with backoff until it
works; what was sent meanwhile is not heard (LISTEN has no memory).

A :class:`Notifier` sends notifications on another connection of its own, so events never wait
behind the database lanes that queries share. It sends on the event loop, waiting for the
socket as the listener does: a hop to a worker thread and back costs a busy process tens of
milliseconds (each side waits for the GIL), which was most of an event's delay between
processes. Each batch is one query of several statements, so one transaction and one round
trip (one commit; the server delivers a batch's notifications in order, and drops exact repeats
within it, which say nothing new), committed without waiting for the disk. Only opening the
connection blocks, and it happens in a thread.

Channels are per database, so their names carry a hash of the schema in use (two libraries in
two schemas of one database, or parallel tests, never hear each other): see :func:`channel`.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

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


class Notifier:
    """Sends notifications on one connection of its own, one batch at a time."""

    def __init__(self, connect: Callable[[], psycopg.Connection[Any]]) -> None:
        self._connect = connect
        self._connection: psycopg.Connection[Any] | None = None
        self._lock = anyio.Lock()
        #: Connections opened so far, and the server process of the current one (tests).
        self.opened = 0
        self.backend_pid: int | None = None

    async def send(self, notifications: Sequence[tuple[str, str]]) -> None:
        """NOTIFY each ``(channel, payload)`` in order. Raises when the database cannot be
        reached (the next call opens a new connection); cancelled mid-send, the connection
        is closed (its state is unknown) and the next call opens a new one."""
        if not notifications:
            return
        async with self._lock:
            try:
                if self._connection is None or self._connection.closed:
                    with anyio.CancelScope(shield=True):  # a connection opened is kept
                        await anyio.to_thread.run_sync(self._open)
                connection = self._connection
                assert connection is not None
                await _run(connection, _notify_query(connection, notifications))
            except BaseException:
                self._close()
                raise

    def _open(self) -> None:
        connection = self._connect()
        try:
            # A notification is gone once heard, so its commit need not wait for the disk.
            connection.execute("SET synchronous_commit = off")
            connection.pgconn.nonblocking = 1
        except BaseException:
            connection.close()
            raise
        self._connection = connection
        self.opened += 1
        self.backend_pid = connection.info.backend_pid

    def _close(self) -> None:
        if self._connection is not None:
            connection, self._connection = self._connection, None
            try:
                connection.close()
            except Exception:  # closing a broken connection may fail too
                log.debug("Closing a broken notify connection failed", exc_info=True)

    async def close(self) -> None:
        """Close the connection (after a send under way, which a caller bounds in time)."""
        with anyio.CancelScope(shield=True):
            async with self._lock:
                self._close()


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


async def _run(connection: psycopg.Connection[Any], query: bytes) -> None:
    """Run ``query`` on ``connection`` (non-blocking mode) without blocking the event loop;
    raise on an error or a failed connection."""
    from psycopg import pq

    pgconn = connection.pgconn
    socket = connection.fileno()
    pgconn.send_query(query)
    while pgconn.flush():  # 1: not all of it went out yet
        await anyio.wait_writable(socket)
    error: str | None = None
    while True:
        while pgconn.is_busy():
            await anyio.wait_readable(socket)
            pgconn.consume_input()  # raises when the server closed the connection
        result = pgconn.get_result()
        if result is None:
            break
        if result.status not in (pq.ExecStatus.TUPLES_OK, pq.ExecStatus.COMMAND_OK):
            error = error or result.get_error_message(connection.info.encoding)
    if error is not None:
        raise ConnectionError(f"NOTIFY failed: {error.strip()}")
