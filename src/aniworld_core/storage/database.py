"""Run database work in worker threads so the event loop never blocks (on asyncio and trio).

SQLite allows one writer at a time, so its work goes through one lane; PostgreSQL gets as many
lanes as the connection pool has connections. Lanes serve work a person waits for (an API
request, a CLI command) before the loader's background work.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import anyio
import anyio.to_thread
import attrs
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

from aniworld_core._priority import PrioritySlots, current_priority
from aniworld_core.storage import migrate
from aniworld_core.storage.engine import open_engine

T = TypeVar("T")

POSTGRES_THREADS = 8


@attrs.define
class _Write:
    fn: Callable[[Session], Any]
    done: anyio.Event = attrs.field(factory=anyio.Event)
    result: Any = None
    error: BaseException | None = None


class Database:
    """An engine plus the threads that use it. Create with :meth:`open`, end with :meth:`close`."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        threads = 1 if self.dialect == "sqlite" else POSTGRES_THREADS
        self.limiter = anyio.CapacityLimiter(threads)
        self._lanes = PrioritySlots(threads)
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._writes: list[_Write] = []
        self._writing = anyio.Lock()

    @classmethod
    async def open(cls, url: str, *, migrate_schema: bool = True) -> Database:
        """Connect and (by default) migrate the schema to this version's head."""
        engine = await anyio.to_thread.run_sync(
            lambda: open_engine(url, pool_size=POSTGRES_THREADS)
        )
        database = cls(engine)
        if migrate_schema:
            try:
                await database.run_sync(migrate.upgrade, engine)
            except BaseException:
                await database.close()
                raise
        return database

    async def run_sync(self, fn: Callable[..., T], *args: object) -> T:
        """Call ``fn(*args)`` in a database thread, foreground work first."""
        async with self._lanes.hold(current_priority(), self._lanes.ticket()):
            return await anyio.to_thread.run_sync(fn, *args, limiter=self.limiter)

    async def session(self, fn: Callable[[Session], T]) -> T:
        """Call ``fn(session)`` inside one transaction in a database thread; commit on success."""

        def work() -> T:
            with self._sessions.begin() as session:
                return fn(session)

        return await self.run_sync(work)

    async def write(self, fn: Callable[[Session], T]) -> T:
        """Like :meth:`session`, but writes made at the same time share one transaction
        (group commit): one call's error undoes only that call's changes and is raised to that
        caller alone. Under load this turns hundreds of small commits into a few; when idle it
        costs nothing extra.

        A batch is first applied as it comes; only when something in it fails is it applied
        again with a savepoint around each call (the calls are database work only, so running
        them again after the rollback is safe). Savepoints for every call cost a sixth of the
        database thread's time while loading."""
        write = _Write(fn)
        self._writes.append(write)
        async with self._writing:
            if not write.done.is_set():
                batch, self._writes = self._writes, []
                try:
                    try:
                        await self.session(lambda session: _apply_all(session, batch))
                    except Exception:
                        for item in batch:
                            item.result = item.error = None
                        await self.session(lambda session: _apply(session, batch))
                except BaseException as error:
                    for item in batch:
                        if item.error is None:
                            item.error = error
                    raise
                finally:
                    for item in batch:
                        item.done.set()
        await write.done.wait()
        if write.error is not None:
            raise write.error
        result: T = write.result
        return result

    async def connection(self, fn: Callable[[Connection], T]) -> T:
        """Call ``fn(connection)`` inside one Core transaction (for batched ``executemany``)."""

        def work() -> T:
            with self.engine.begin() as connection:
                return fn(connection)

        return await self.run_sync(work)

    async def close(self) -> None:
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(self.engine.dispose)


def _apply_all(session: Session, batch: list[_Write]) -> None:
    """Every call in one transaction; the first error fails them all (see ``_apply``)."""
    for item in batch:
        item.result = item.fn(session)
    session.flush()


def _apply(session: Session, batch: list[_Write]) -> None:
    """Every call in a savepoint of its own, its error kept for its caller."""
    for item in batch:
        try:
            with session.begin_nested():
                item.result = item.fn(session)
        except Exception as error:
            item.error = error

