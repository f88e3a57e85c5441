"""Sessions of stalled aniworld processes, ended by the processes that are not stalled.

A process stopped in the middle of a transaction (``SIGSTOP``, a frozen VM) keeps that
transaction's row locks until it goes on: the jobs it had claimed are skipped by every other
claim, and the series it was writing cannot be written by the process that took its load over.
PostgreSQL's ``idle_in_transaction_session_timeout`` (set on every aniworld session, see
:mod:`.engine`) ends most such sessions, but not one stopped between the statements of a
pipeline (psycopg sends ``executemany`` as one): the server has not said it is ready for the
next query, so its idle timer never starts.

So every long-running process on PostgreSQL looks, every :data:`SWEEP_EVERY` seconds, for
aniworld sessions of its own database user that have sat idle in a transaction for longer than
:data:`STALLED_AFTER` (a working aniworld process never does: nothing of it waits inside a
transaction) and ends them with ``pg_terminate_backend``. The stalled process finds its
connection gone when it goes on, like after a lost connection.
"""

from __future__ import annotations

import logging

import anyio
from sqlalchemy import Connection, text

from aniworld_core.storage.database import Database
from aniworld_core.storage.engine import APPLICATION_NAME_PREFIX, IDLE_IN_TRANSACTION_MS

log = logging.getLogger(__name__)

#: Seconds idle in a transaction after which a session counts as stalled: twice the server's
#: own limit, so that the server ends every session it can before this does.
STALLED_AFTER = 2 * IDLE_IN_TRANSACTION_MS / 1000
#: Seconds between looks.
SWEEP_EVERY = IDLE_IN_TRANSACTION_MS / 1000

_END = text(
    "SELECT pid, application_name, pg_terminate_backend(pid) FROM pg_stat_activity "
    "WHERE datname = current_database() AND usename = current_user "
    "AND pid <> pg_backend_pid() AND application_name LIKE :prefix "
    "AND state LIKE 'idle in transaction%' "
    "AND state_change < clock_timestamp() - make_interval(secs => :after)")


def end_stalled(connection: Connection, after: float = STALLED_AFTER, *,
                prefix: str = APPLICATION_NAME_PREFIX) -> list[tuple[int, str]]:
    """End the sessions named ``prefix…`` (aniworld's) idle in a transaction for more than
    ``after`` seconds; ``(server pid, application name)`` of each."""
    rows = connection.execute(_END, {"prefix": f"{prefix}%", "after": after}).all()
    return [(int(pid), str(name)) for pid, name, _ in rows]


async def sweep(database: Database, *, every: float = SWEEP_EVERY,
                after: float = STALLED_AFTER) -> None:
    """End stalled sessions every ``every`` seconds, for ever (PostgreSQL only)."""
    while True:
        await anyio.sleep(every)
        try:
            ended = await database.connection(lambda connection: end_stalled(connection, after))
        except Exception as error:  # the database is away: the jobs' leases say so
            log.debug("Cannot look for stalled sessions: %s", error)
            continue
        for pid, name in ended:
            log.warning("Ended database session %s of %r: it had been idle inside a "
                        "transaction for over %g s (a stalled process holding locks others "
                        "wait for)", pid, name, after)


__all__ = ["STALLED_AFTER", "SWEEP_EVERY", "end_stalled", "sweep"]
