"""One leader among the processes that share a database: the one that does what must be done
once (watching the library roots and the downloads folder).

On PostgreSQL the leader holds a session-level advisory lock on a connection of its own for as
long as it leads. PostgreSQL releases the lock when that connection or its process ends, so
another process wins it at its next try (every :func:`try_interval` seconds, well within the
jobs' lease). No table is needed: the lock's key is made from the database's name and the
schema the connection uses, so processes on other schemas of one database (tests) each have a
leader of their own. A process that cannot reach its connection any more stops leading at its
next check and tries again until it wins the lock back (or another process has it).

On SQLite there is one process, and it always leads.
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
from collections.abc import Callable, Coroutine
from typing import Any

import anyio
from anyio.abc import TaskStatus
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.pool import NullPool

from aniworld_core.storage.database import Database

log = logging.getLogger("aniworld.leader")

#: Most seconds between two tries to win the lock, or two checks that it is still held.
MAX_INTERVAL = 5.0
#: What the lock's key is made from, with the database's name and the connection's schema.
LOCK_NAME = "aniworld.leader"
#: ``duties(task_status=...)``: started (``task_status``) once running, cancelled when
#: leadership is lost.
Duties = Callable[..., Coroutine[Any, Any, None]]


def try_interval(lease_seconds: float) -> float:
    """Seconds between tries: a quarter of the jobs' lease, at most :data:`MAX_INTERVAL`."""
    return max(0.05, min(MAX_INTERVAL, lease_seconds / 4))


def lock_key(database: str, schema: str) -> int:
    """The advisory lock's key (a signed 64-bit number) for ``schema`` of ``database``."""
    digest = hashlib.blake2b(f"{LOCK_NAME}:{database}:{schema}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def application_name() -> str:
    """What the lock's connection is called in ``pg_stat_activity``: which process leads is
    the one whose connection holds the advisory lock (``pg_locks``)."""
    return f"aniworld leader pid {os.getpid()} on {socket.gethostname()}"[:63]


class Leadership:
    """Whether this process leads; run :meth:`run` to take part in the election.

    ``is_leader`` is true exactly while the duties may run: set before they start, cleared
    once they have been cancelled. ``terms`` counts how often this process began to lead."""

    def __init__(self, database: Database, *, owner: str, interval: float) -> None:
        self.owner = owner
        self.interval = interval
        self.is_leader = False
        self.terms = 0
        self._lock = None if database.dialect == "sqlite" else _AdvisoryLock(
            database.engine, timeout=max(2.0, 2 * interval))

    @property
    def backend_pid(self) -> int | None:
        """The PostgreSQL backend whose session holds (or tries for) the lock (operators and
        tests: ``pg_terminate_backend`` takes leadership away)."""
        return None if self._lock is None else self._lock.backend_pid

    async def run(self, duties: Duties, *,
                  task_status: TaskStatus[None] = anyio.TASK_STATUS_IGNORED) -> None:
        """Take part until cancelled: lead (run ``duties``) whenever the lock is won, stop
        them when it is lost. Started once the first try is over: a process that won it has
        its duties running by then."""
        started = False

        def ready() -> None:
            nonlocal started
            if not started:
                started = True
                task_status.started()

        try:
            while True:
                if await self._try():
                    await self._lead(duties, ready)
                ready()
                await anyio.sleep(self.interval)
        finally:
            if self._lock is not None:
                with anyio.CancelScope(shield=True), anyio.move_on_after(self.interval + 1):
                    await anyio.to_thread.run_sync(self._lock.close, abandon_on_cancel=True)

    async def _lead(self, duties: Duties, ready: Callable[[], None]) -> None:
        self.terms += 1
        self.is_leader = True
        # On SQLite there is nothing to elect: only a change of leader is worth a line.
        log.log(logging.DEBUG if self._lock is None else logging.INFO,
                "This process (%s) leads now: it watches the library and the downloads "
                "folder.", self.owner)
        try:
            async with anyio.create_task_group() as group:
                await group.start(duties)
                ready()
                await self._hold()
                group.cancel_scope.cancel()
        finally:
            self.is_leader = False
        log.warning("This process (%s) lost the lead (its database connection is gone); it "
                    "tries to win it back every %g s.", self.owner, self.interval)

    async def _try(self) -> bool:
        if self._lock is None:
            return True
        try:
            return await anyio.to_thread.run_sync(self._lock.try_take, abandon_on_cancel=True)
        except Exception as error:
            log.debug("Cannot try for the lead: %s", error)
            await anyio.to_thread.run_sync(self._lock.close, abandon_on_cancel=True)
            return False

    async def _hold(self) -> None:
        """Return once the lock is lost (never on SQLite)."""
        if self._lock is None:
            await anyio.sleep_forever()
        assert self._lock is not None
        while True:
            await anyio.sleep(self.interval)
            try:
                await anyio.to_thread.run_sync(self._lock.check, abandon_on_cancel=True)
            except Exception as error:
                log.debug("The lead's connection failed: %s", error)
                await anyio.to_thread.run_sync(self._lock.close, abandon_on_cancel=True)
                return


class _AdvisoryLock:
    """The advisory lock, on a connection outside the pool (one that only this uses). Its
    methods block: call them in a worker thread, one at a time."""

    def __init__(self, engine: Engine, *, timeout: float) -> None:
        seconds = max(1, round(timeout))
        # A connection of its own (no pool): closing it is what lets another process lead.
        # The timeouts make a vanished server fail the calls instead of hanging them.
        self._engine = create_engine(
            engine.url, poolclass=NullPool,
            connect_args={"application_name": application_name(),
                          "connect_timeout": seconds, "tcp_user_timeout": seconds * 1000,
                          "keepalives": 1, "keepalives_idle": seconds,
                          "keepalives_interval": 1, "keepalives_count": 3})
        self._connection: Connection | None = None
        self._key = 0
        self.backend_pid: int | None = None

    def try_take(self) -> bool:
        if self._connection is None:
            connection = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            try:
                row = connection.execute(text(
                    "SELECT current_database(), coalesce(current_schema(), ''), "
                    "pg_backend_pid()")).one()
            except BaseException:
                connection.close()
                raise
            self._connection, self._key = connection, lock_key(row[0], row[1])
            self.backend_pid = int(row[2])
        taken = self._connection.execute(text("SELECT pg_try_advisory_lock(:key)"),
                                         {"key": self._key}).scalar()
        return bool(taken)

    def check(self) -> None:
        """Raise unless the connection (and so the lock) is still there."""
        assert self._connection is not None
        self._connection.execute(text("SELECT 1")).scalar()

    def close(self) -> None:
        """Close the connection (releasing the lock); the next try connects afresh."""
        connection, self._connection, self.backend_pid = self._connection, None, None
        if connection is not None:
            try:
                connection.invalidate()
                connection.close()
            except Exception as error:
                log.debug("Closing the lead's connection failed: %s", error)
