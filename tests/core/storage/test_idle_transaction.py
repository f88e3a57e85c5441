"""A process stopped in the middle of a transaction (SIGSTOP, a frozen VM) does not keep its row
locks: PostgreSQL ends a session of aniworld's that sits idle in a transaction, so the rows are
free for the processes that take its work over (claims skip locked rows)."""

from __future__ import annotations

import anyio
import anyio.to_thread
import pytest
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

from aniworld_core.storage import Database, stalled
from aniworld_core.storage import engine as engine_module

pytestmark = pytest.mark.anyio


def make_probe(engine: Engine) -> None:
    """A table of one row, for sessions to lock."""
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE probe (id integer PRIMARY KEY)"))
        connection.execute(text("INSERT INTO probe VALUES (1)"))


def lock_probe(engine: Engine) -> int:
    """Lock the probe's row, waiting until no other session holds it."""
    with engine.begin() as connection:
        connection.execute(text("SET LOCAL lock_timeout = '30s'"))  # a hang guard
        return int(connection.execute(text(
            "SELECT id FROM probe WHERE id = 1 FOR UPDATE")).scalar_one())


async def test_a_transaction_left_idle_loses_its_locks(database_url: str,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL's session timeout (SQLite has one process and no row locks)")
    monkeypatch.setattr(engine_module, "IDLE_IN_TRANSACTION_MS", 300)
    database = await Database.open(database_url)
    try:
        engine = database.engine
        make_probe(engine)
        stalled = engine.connect()
        stalled.begin()
        stalled.execute(text("SELECT id FROM probe WHERE id = 1 FOR UPDATE"))
        # ... and the process holding it stops here, its transaction open.

        with anyio.fail_after(30):
            assert await anyio.to_thread.run_sync(lock_probe, engine) == 1
        with pytest.raises(DBAPIError, match="idle-in-transaction timeout"):
            stalled.execute(text("SELECT 1"))
        stalled.invalidate()
        stalled.close()
    finally:
        await database.close()


async def test_every_pooled_session_has_the_limit(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL's session timeout")
    database = await Database.open(database_url)
    try:
        with database.engine.connect() as connection:
            assert connection.execute(text(
                "SHOW idle_in_transaction_session_timeout")).scalar_one() == "5s"
    finally:
        await database.close()


async def test_a_stalled_session_the_server_keeps_is_ended_by_the_others(
        database_url: str) -> None:
    """A session idle in a transaction that the server does not end (stopped between the
    statements of a pipeline, where its idle timer never starts) is ended by
    :func:`stalled.end_stalled` in another process, and its locks go with it; sessions of
    other programs, and aniworld's sessions at work, are left alone."""
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL's sessions")
    database = await Database.open(database_url)
    prefix = f"aniworld-test-stall {id(database)} "
    try:
        engine = database.engine
        make_probe(engine)

        def session_named(name: str) -> Connection:
            connection = engine.connect()
            connection.execute(text("SET idle_in_transaction_session_timeout = 0"))
            connection.execute(text("SELECT set_config('application_name', :name, false)"),
                               {"name": name})
            connection.commit()
            return connection

        stalled_one, other_program = session_named(prefix + "1"), session_named("psql")
        stalled_one.execute(text("SELECT id FROM probe WHERE id = 1 FOR UPDATE"))
        other_program.execute(text("SELECT 1"))  # idle in a transaction too, not aniworld's
        with engine.connect() as sweeper:
            ended = stalled.end_stalled(sweeper, after=0.0, prefix=prefix)
            sweeper.commit()
        assert [name for _, name in ended] == [prefix + "1"]

        with anyio.fail_after(30):
            assert await anyio.to_thread.run_sync(lock_probe, engine) == 1
        with pytest.raises(DBAPIError):
            stalled_one.execute(text("SELECT 1"))
        assert other_program.execute(text("SELECT 1")).scalar_one() == 1
        for connection in (stalled_one, other_program):
            connection.invalidate()
            connection.close()
    finally:
        await database.close()
