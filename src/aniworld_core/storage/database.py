"""Run database work in worker threads so the event loop never blocks (on asyncio and trio).

SQLite allows one writer at a time, so its work goes through one lane; PostgreSQL gets as many
lanes as the connection pool has connections. Lanes serve work a person waits for (an API
request, a CLI command) before the loader's background work.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import anyio
import anyio.to_thread
import attrs
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from aniworld_core._priority import PrioritySlots, current_priority
from aniworld_core.storage import migrate
from aniworld_core.storage.engine import open_engine

log = logging.getLogger(__name__)

T = TypeVar("T")
Item = TypeVar("Item")

POSTGRES_THREADS = 8

#: Writes of one kind made together, applied by one call: ``(session, items) -> results``, one
#: result per item in order. Raise to have each item applied on its own instead.
Merged = Callable[[Session, Sequence[Item]], Sequence[T]]


@attrs.define
class _Write:
    fn: Callable[[Session], Any] | None
    merged: Merged[Any, Any] | None = None
    item: Any = None
    done: anyio.Event = attrs.field(factory=anyio.Event)
    result: Any = None
    error: BaseException | None = None

    def apply_alone(self, session: Session) -> Any:
        if self.merged is not None:
            return self.merged(session, [self.item])[0]
        assert self.fn is not None
        return self.fn(session)


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
        return await self._submit(_Write(fn))  # type: ignore[no-any-return]

    async def write_merged(self, merged: Merged[Item, T], item: Item) -> T:
        """Like :meth:`write`, for writes of one kind that many callers make at once: the
        items waiting together are applied by one ``merged(session, items)`` call (one
        ``executemany`` instead of one statement per caller), each caller getting its own
        result. Should that call fail, every item is applied again on its own, so one item's
        error reaches only its caller."""
        return await self._submit(_Write(None, merged, item))  # type: ignore[no-any-return]

    async def _submit(self, write: _Write) -> Any:
        self._writes.append(write)
        async with self._writing:
            if not write.done.is_set():
                batch, self._writes = self._writes, []
                try:
                    # The batch holds other callers' writes too: a caller cancelled while it
                    # leads one still applies it (its own cancel comes right after), so no
                    # caller is ever handed another task's cancellation.
                    with anyio.CancelScope(shield=True):
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
        return write.result

    async def connection(self, fn: Callable[[Connection], T]) -> T:
        """Call ``fn(connection)`` inside one Core transaction (for batched ``executemany``)."""

        def work() -> T:
            with self.engine.begin() as connection:
                return fn(connection)

        return await self.run_sync(work)

    async def problem(self, *, within: float) -> str | None:
        """What keeps the database from answering (its schema version is read), for people:
        ``None`` when it answers within ``within`` seconds. Only the kind of failure is said
        (health checks are public); the details go to the log."""
        try:
            with anyio.fail_after(within):
                await self.session(lambda session: session.execute(
                    text("SELECT version_num FROM alembic_version")).all())
        except TimeoutError:
            return f"The database did not answer within {within:g} s."
        except (SQLAlchemyError, OSError) as error:
            log.warning("Health check: the database failed: %s", error)
            return f"The database cannot be read ({type(error).__name__})."
        return None

    async def close(self) -> None:
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(self.engine.dispose)


def _apply_all(session: Session, batch: list[_Write]) -> None:
    """Every call in one transaction, merged writes of a kind by one call; the first error
    fails them all (see ``_apply``). The calls were made concurrently, so any order is one
    their callers could have seen."""
    merged: dict[Merged[Any, Any], list[_Write]] = {}
    for write in batch:
        if write.merged is None:
            write.result = write.apply_alone(session)
        else:
            merged.setdefault(write.merged, []).append(write)
    if merged:
        session.flush()  # what the others changed through the ORM is written before
    for apply, writes in merged.items():
        results = apply(session, [write.item for write in writes])
        for write, result in zip(writes, results, strict=True):
            write.result = result
    session.flush()


def _apply(session: Session, batch: list[_Write]) -> None:
    """Every call in a savepoint of its own, its error kept for its caller."""
    for write in batch:
        try:
            with session.begin_nested():
                write.result = write.apply_alone(session)
        except Exception as error:
            write.error = error

