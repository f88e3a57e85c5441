"""The metrics the processes on one PostgreSQL database publish (``process_metrics``).

Each process rewrites its own row every few seconds (one upsert, in the transaction that also
deletes the rows of processes gone for long) and deletes it when it closes. Every time is the
database's clock, so processes on machines whose clocks differ agree on how old a row is.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs
from sqlalchemy import JSON, Connection, bindparam, text

from aniworld_core.storage.database import Database

_PUBLISH = text(
    "INSERT INTO process_metrics (process, role, leader, updated_at, snapshot) "
    "VALUES (:process, :role, :leader, now(), :snapshot) "
    "ON CONFLICT (process) DO UPDATE SET role = EXCLUDED.role, leader = EXCLUDED.leader, "
    "updated_at = EXCLUDED.updated_at, snapshot = EXCLUDED.snapshot"
).bindparams(bindparam("snapshot", type_=JSON))
_FORGET = text(
    "DELETE FROM process_metrics "
    "WHERE updated_at < now() - make_interval(secs => CAST(:seconds AS double precision))"
)
_LIVE = text(
    "SELECT process, role, leader, snapshot, "
    "CAST(EXTRACT(EPOCH FROM now() - updated_at) AS double precision) AS age "
    "FROM process_metrics "
    "WHERE updated_at >= now() - make_interval(secs => CAST(:seconds AS double precision)) "
    "AND process <> :excluding ORDER BY process"
).columns(snapshot=JSON)
_REMOVE = text("DELETE FROM process_metrics WHERE process = :process")


@attrs.frozen
class PublishedMetrics:
    """One process's row: who it is, and the snapshot it published ``age`` seconds ago."""

    process: str
    role: str
    leader: bool
    snapshot: Mapping[str, Any]
    age: float


class ProcessMetricsStore:
    """Reads and writes ``process_metrics`` (PostgreSQL only: its statements are PostgreSQL's).
    """

    def __init__(self, database: Database) -> None:
        if database.dialect != "postgresql":
            raise ValueError(f"published metrics need PostgreSQL, not {database.dialect}")
        self._database = database

    async def publish(self, process: str, role: str, *, leader: bool,
                      snapshot: Mapping[str, Any], forget_after: float) -> int:
        """Write this process's row, stamped now, and delete the rows not written for
        ``forget_after`` seconds (processes that died); returns how many were deleted."""

        def work(connection: Connection) -> int:
            connection.execute(_PUBLISH, {"process": process, "role": role, "leader": leader,
                                          "snapshot": dict(snapshot)})
            return connection.execute(_FORGET, {"seconds": forget_after}).rowcount

        return await self._database.connection(work)

    async def live(self, within: float, *, excluding: str) -> list[PublishedMetrics]:
        """The rows written in the last ``within`` seconds but ``excluding``'s, by process."""

        def work(connection: Connection) -> list[PublishedMetrics]:
            rows = connection.execute(_LIVE, {"seconds": within, "excluding": excluding})
            return [PublishedMetrics(row.process, row.role, row.leader, row.snapshot,
                                     max(0.0, row.age)) for row in rows]

        return await self._database.connection(work)

    async def remove(self, process: str) -> None:
        """Delete ``process``'s row (it is closing)."""
        await self._database.connection(
            lambda connection: connection.execute(_REMOVE, {"process": process}))


__all__ = ["ProcessMetricsStore", "PublishedMetrics"]
