"""Users and API keys in the database. Hashing happens in :mod:`aniworld_core.auth`; this module
only stores and finds what it is given, each method one transaction in a database thread."""

from __future__ import annotations

from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from aniworld_core.errors import StateConflict
from aniworld_core.storage.auth_tables import ApiKeyRow, UserRow
from aniworld_core.storage.database import Database
from aniworld_core.storage.types import utcnow


class AccountStore:
    """Typed async access to the ``users`` and ``api_keys`` tables."""

    def __init__(self, database: Database) -> None:
        self._db = database

    async def count_users(self) -> int:
        def work(session: Session) -> int:
            return session.scalar(select(func.count()).select_from(UserRow)) or 0

        return await self._db.session(work)

    async def password_hash(self, username: str) -> str | None:
        def work(session: Session) -> str | None:
            return session.scalar(select(UserRow.password_hash).where(UserRow.username == username))

        return await self._db.session(work)

    async def save_password(self, username: str, password_hash: str) -> None:
        """Set the user's hash, creating the user when needed."""

        def work(session: Session) -> None:
            row = session.scalars(select(UserRow).where(UserRow.username == username)).first()
            now = utcnow()
            if row is None:
                session.add(UserRow(username=username, password_hash=password_hash,
                                    created_at=now, updated_at=now))
            else:
                row.password_hash = password_hash
                row.updated_at = now

        try:
            await self._db.session(work)
        except IntegrityError:
            raise StateConflict(
                f"The user {username!r} was created at the same moment elsewhere; try again."
            ) from None

    async def create_first_user(self, username: str, password_hash: str) -> bool:
        """Create the user only while no user exists at all; ``False`` if one already did."""

        def work(session: Session) -> bool:
            if self._db.dialect == "postgresql":
                # Two first visitors at once must not both become the admin.
                session.execute(text("LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE"))
            if session.scalar(select(func.count()).select_from(UserRow)):
                return False
            now = utcnow()
            session.add(UserRow(username=username, password_hash=password_hash,
                                created_at=now, updated_at=now))
            return True

        try:
            return await self._db.session(work)
        except IntegrityError:
            return False

    async def replace_hash(self, username: str, old: str, new: str) -> None:
        """Swap ``old`` for ``new`` (a rehash) unless the password changed meanwhile."""

        def work(session: Session) -> None:
            session.execute(
                update(UserRow)
                .where(UserRow.username == username, UserRow.password_hash == old)
                .values(password_hash=new)
            )

        await self._db.session(work)

    async def add_api_key(self, name: str, prefix: str, key_hash: str) -> ApiKeyRow:
        def work(session: Session) -> ApiKeyRow:
            row = ApiKeyRow(name=name, prefix=prefix, key_hash=key_hash, created_at=utcnow())
            session.add(row)
            session.flush()
            return row

        try:
            return await self._db.session(work)
        except IntegrityError:
            raise StateConflict(
                f"An API key named {name!r} exists already; revoke it or pick another name."
            ) from None

    async def has_api_key(self, key_hash: str) -> bool:
        def work(session: Session) -> bool:
            found = session.scalar(select(ApiKeyRow.id).where(ApiKeyRow.key_hash == key_hash))
            return found is not None

        return await self._db.session(work)

    async def api_keys(self) -> list[ApiKeyRow]:
        def work(session: Session) -> list[ApiKeyRow]:
            return list(session.scalars(select(ApiKeyRow).order_by(ApiKeyRow.name)))

        return await self._db.session(work)

    async def delete_api_key(self, name: str) -> bool:
        def work(session: Session) -> bool:
            result = session.execute(delete(ApiKeyRow).where(ApiKeyRow.name == name))
            return bool(result.rowcount)  # type: ignore[attr-defined]

        return await self._db.session(work)
