"""Files of the downloads folder the importer looked at (``imports``): imported ones (so a
hard-linked file still there is not imported twice) and pending ones (a person must match
them).

A file is known by its path, size and modification time: a file replaced under the same name
is new. A path has at most one pending row; imported rows are kept as history.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from typing import Any

import attrs
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from aniworld_core.storage.database import Database
from aniworld_core.storage.download_tables import ImportRow
from aniworld_core.storage.library_link import chunks
from aniworld_core.storage.types import utcnow

IMPORTED = "imported"
PENDING = "pending"


@attrs.frozen
class FileLook:
    """A file as it was seen: its absolute path, size and modification time."""

    path: str
    size: int
    mtime_ns: int


@attrs.frozen
class ImportRecord:
    """A stored row: ``series_id`` and ``target`` when imported, ``reason`` and ``guess``
    (``title``, ``season``, ``episode``) when pending."""

    look: FileLook
    state: str
    seen_at: dt.datetime
    reason: str | None = None
    series_id: str | None = None
    target: str | None = None
    guess: Mapping[str, Any] = attrs.field(factory=dict)


def _record(row: ImportRow) -> ImportRecord:
    return ImportRecord(FileLook(row.path, row.size, row.mtime_ns), row.state, row.seen_at,
                        row.reason, row.series_id, row.target, dict(row.guess or {}))


class ImportStore:
    """Typed async access to the ``imports`` table."""

    def __init__(self, database: Database) -> None:
        self._db = database

    async def imported_looks(self, paths: Collection[str] | None = None) -> set[FileLook]:
        """The looks of files imported already (of ``paths``, or of every path)."""

        def work(session: Session) -> set[FileLook]:
            query = select(ImportRow.path, ImportRow.size, ImportRow.mtime_ns).where(
                ImportRow.state == IMPORTED)
            if paths is None:
                return {FileLook(*row) for row in session.execute(query)}
            looks: set[FileLook] = set()
            for chunk in chunks(sorted(paths)):
                looks.update(FileLook(*row) for row in session.execute(
                    query.where(ImportRow.path.in_(chunk))))
            return looks

        return await self._db.session(work)

    async def pending(self) -> list[ImportRecord]:
        """Every pending file, by path."""

        def work(session: Session) -> list[ImportRecord]:
            rows = session.scalars(select(ImportRow).where(ImportRow.state == PENDING)
                                   .order_by(ImportRow.path))
            return [_record(row) for row in rows]

        return await self._db.session(work)

    async def imported(self, look: FileLook, series_id: str, target: str) -> ImportRecord:
        """Record ``look`` as imported to ``target`` of the series (its pending row goes)."""

        def work(session: Session) -> ImportRecord:
            _drop_pending(session, look.path)
            row = ImportRow(path=look.path, size=look.size, mtime_ns=look.mtime_ns,
                            state=IMPORTED, series_id=series_id, target=target,
                            seen_at=utcnow())
            session.add(row)
            session.flush()
            return _record(row)

        return await self._db.write(work)

    async def set_pending(self, look: FileLook, reason: str,
                          guess: Mapping[str, Any]) -> ImportRecord:
        """Record ``look`` as pending for ``reason`` (replacing the path's pending row; its
        first ``seen_at`` is kept while the file is unchanged)."""

        def work(session: Session) -> ImportRecord:
            row = session.scalar(select(ImportRow).where(ImportRow.path == look.path,
                                                         ImportRow.state == PENDING))
            if row is None or (row.size, row.mtime_ns) != (look.size, look.mtime_ns):
                _drop_pending(session, look.path)
                row = ImportRow(path=look.path, size=look.size, mtime_ns=look.mtime_ns,
                                state=PENDING, seen_at=utcnow())
                session.add(row)
            row.reason, row.guess = reason, dict(guess)
            session.flush()
            return _record(row)

        return await self._db.write(work)

    async def forget_pending(self, paths: Collection[str]) -> int:
        """Drop the pending rows of ``paths`` (files that are gone); how many went."""
        if not paths:
            return 0

        def work(session: Session) -> int:
            gone = 0
            for path in paths:
                gone += _drop_pending(session, path)
            return gone

        return await self._db.write(work)


def _drop_pending(session: Session, path: str) -> int:
    result = session.execute(delete(ImportRow).where(ImportRow.path == path,
                                                     ImportRow.state == PENDING))
    return int(getattr(result, "rowcount", 0) or 0)
