"""A process stopped in the middle of a transaction (SIGSTOP, a frozen VM) does not keep its row
locks: PostgreSQL ends a session of aniworld's that sits idle in a transaction, so the rows are
free for the processes that take its work over (claims skip locked rows)."""

from __future__ import annotations

import anyio
import anyio.to_thread
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from aniworld_core.storage import Database
from aniworld_core.storage import engine as engine_module

pytestmark = pytest.mark.anyio


async def test_a_transaction_left_idle_loses_its_locks(database_url: str,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL's session timeout (SQLite has one process and no row locks)")
    monkeypatch.setattr(engine_module, "IDLE_IN_TRANSACTION_MS", 300)
    database = await Database.open(database_url)
    try:
        engine = database.engine
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE probe (id integer PRIMARY KEY)"))
            connection.execute(text("INSERT INTO probe VALUES (1)"))
        stalled = engine.connect()
        stalled.begin()
        stalled.execute(text("SELECT id FROM probe WHERE id = 1 FOR UPDATE"))
        # ... and the process holding it stops here, its transaction open.

        def lock_it() -> int:
            with engine.begin() as connection:
                return int(connection.execute(text(
                    "SELECT id FROM probe WHERE id = 1 FOR UPDATE")).scalar_one())

        with anyio.fail_after(30):
            assert await anyio.to_thread.run_sync(lock_it) == 1
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
