"""The shared rate budget (:class:`~aniworld_core.providers.budget.SharedBudget`) in PostgreSQL.

Every process on one database takes its providers' turns here. One grant is one transaction of
three statements, serialised per provider by a transaction-level advisory lock (released at
commit, so a process that dies holds nothing):

1. ``pg_advisory_xact_lock(SPACE, hashtext(provider))``: the provider's lock (the two-key form,
   a key space of its own), with ``idle_in_transaction_session_timeout`` set for this
   transaction: a process stopped while it holds the lock (SIGSTOP) is disconnected by the
   server after :data:`HOLD_LIMIT_MS`, which frees the lock for the others (its grant is
   undone, and asked for again once it resumes);
2. one read of the pause in force and the turns within the longest window (``rate_turns``, a
   few dozen rows at most);
3. one write of the new turns, which also deletes turns older than the longest window.

The turns themselves are chosen by :func:`~aniworld_core.providers.budget.next_turns`. A turn
handed out and never used stays counted until it is older than the longest window: a process
that dies holding turns loses those, and nobody loses more.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

from aniworld_core.providers.budget import Grant, Window, next_turns
from aniworld_core.storage.database import Database

log = logging.getLogger(__name__)

#: The first key of the budget's advisory locks (``'rate'`` in ASCII), so they never meet the
#: locks of other features (those take other first keys or the one-key form).
LOCK_SPACE = 0x72617465

#: How long (ms) a transaction of the budget may sit idle holding its lock.
HOLD_LIMIT_MS = 2000

_LOCK = text("SELECT set_config('idle_in_transaction_session_timeout', :hold, true), "
             "pg_advisory_xact_lock(:space, hashtext(:provider))")
_READ = text(
    "SELECT (SELECT until FROM rate_pauses WHERE provider = :provider) AS paused_until, "
    "ARRAY(SELECT at FROM rate_turns WHERE provider = :provider AND at > :since "
    "ORDER BY at) AS taken"
)
_WRITE = text(
    "WITH gone AS (DELETE FROM rate_turns WHERE provider = :provider AND at <= :since) "
    "INSERT INTO rate_turns (provider, at) "
    "SELECT :provider, unnest(CAST(:moments AS double precision[]))"
)
_PAUSE = text(
    "INSERT INTO rate_pauses (provider, until, reason) VALUES (:provider, :until, :reason) "
    "ON CONFLICT (provider) DO UPDATE SET until = EXCLUDED.until, reason = EXCLUDED.reason "
    "WHERE rate_pauses.until < EXCLUDED.until"
)


class PostgresRateBudget:
    """The turns of every process on one PostgreSQL database (a ``SharedBudget``)."""

    def __init__(self, database: Database) -> None:
        if database.dialect != "postgresql":
            raise ValueError(f"a shared rate budget needs PostgreSQL, not {database.dialect}")
        self._database = database

    async def take(self, provider: str, windows: Sequence[Window], count: int,
                   now: float) -> Grant:
        def work(connection: Connection) -> Grant:
            return _take(connection, provider, windows, count, now)

        try:
            return await self._database.connection(work)
        except DBAPIError as error:
            if not error.connection_invalidated:
                raise
            # The server dropped the connection (this process was stopped while it held the
            # lock, or the server restarted): nothing was granted; ask once more afresh.
            log.info("The rate budget's connection was lost; asking again: %s", error)
            return await self._database.connection(work)

    async def pause(self, provider: str, until: float, reason: str) -> None:
        def work(connection: Connection) -> None:
            connection.execute(_PAUSE, {"provider": provider, "until": until,
                                        "reason": reason})

        await self._database.connection(work)


def _take(connection: Connection, provider: str, windows: Sequence[Window], count: int,
          now: float) -> Grant:
    longest = max((window.seconds for window in windows), default=0.0)
    since = now - longest
    connection.execute(_LOCK, {"hold": str(HOLD_LIMIT_MS), "space": LOCK_SPACE,
                               "provider": provider})
    paused_until, taken = connection.execute(
        _READ, {"provider": provider, "since": since}).one()
    grant = next_turns(list(taken), windows, count, now,
                       not_before=paused_until if paused_until is not None else 0.0)
    if grant.turns:
        connection.execute(_WRITE, {"provider": provider, "since": since,
                                    "moments": list(grant.turns)})
    return grant


__all__ = ["HOLD_LIMIT_MS", "LOCK_SPACE", "PostgresRateBudget"]
