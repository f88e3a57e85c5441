"""The library roots a person added at run time (``library_roots``): listed, added, removed.

Paths are stored as given to it, resolved and absolute (``library_root_key``); the rules (must
exist, must not nest) are checked by the caller before it adds one.
"""

from __future__ import annotations

import datetime as dt

import attrs
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from aniworld_core.storage.database import Database
from aniworld_core.storage.library_tables import LibraryRootRow
from aniworld_core.storage.types import utcnow


@attrs.frozen
class StoredRoot:
    path: str
    added_at: dt.datetime


class RootStore:
    """Typed async access to the ``library_roots`` table."""

    def __init__(self, database: Database) -> None:
        self._db = database

    async def all(self) -> list[StoredRoot]:
        """Every remembered root, in the order they were added."""

        def work(session: Session) -> list[StoredRoot]:
            rows = session.execute(select(LibraryRootRow.path, LibraryRootRow.added_at)
                                   .order_by(LibraryRootRow.id))
            return [StoredRoot(path, added_at) for path, added_at in rows]

        return await self._db.session(work)

    async def add(self, path: str) -> StoredRoot:
        """Remember ``path``; a root remembered already (by another process, too) is answered
        as it is."""

        def work(session: Session) -> StoredRoot:
            found = session.scalar(select(LibraryRootRow).where(LibraryRootRow.path == path))
            if found is not None:
                return StoredRoot(found.path, found.added_at)
            row = LibraryRootRow(path=path, added_at=utcnow())
            session.add(row)
            session.flush()
            return StoredRoot(row.path, row.added_at)

        try:
            return await self._db.session(work)
        except IntegrityError:  # added by another process between the look and the insert
            [found] = [root for root in await self.all() if root.path == path]
            return found

    async def remove(self, path: str) -> bool:
        """Forget ``path``; whether it was remembered."""

        def work(session: Session) -> bool:
            result = session.execute(delete(LibraryRootRow).where(LibraryRootRow.path == path))
            return bool(getattr(result, "rowcount", 0))

        return await self._db.session(work)
