"""Users, API keys, sessions and login attempts in the database. Hashing and the rules happen in
:mod:`aniworld_core.auth`; this module only stores and finds what it is given, each method one
transaction in a database thread."""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from aniworld_core.errors import StateConflict
from aniworld_core.storage.auth_tables import ApiKeyRow, LoginAttemptRow, SessionRow, UserRow
from aniworld_core.storage.database import Database
from aniworld_core.storage.types import utcnow


@attrs.frozen
class StoredSession:
    """A session row with its user's name."""

    id: int
    username: str
    created_at: dt.datetime
    last_seen_at: dt.datetime
    address: str
    user_agent: str
    token_hash: str


class AccountStore:
    """Typed async access to the ``users``, ``api_keys`` and ``sessions`` tables."""

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

    async def save_password(self, username: str, password_hash: str) -> int:
        """Set the user's hash, creating the user when needed, and end every session of theirs
        (in the same transaction); returns how many were ended."""

        def work(session: Session) -> int:
            row = session.scalars(select(UserRow).where(UserRow.username == username)).first()
            now = utcnow()
            if row is None:
                session.add(UserRow(username=username, password_hash=password_hash,
                                    created_at=now, updated_at=now))
                return 0
            row.password_hash = password_hash
            row.updated_at = now
            ended = session.execute(delete(SessionRow).where(SessionRow.user_id == row.id))
            return int(ended.rowcount)  # type: ignore[attr-defined]

        try:
            return await self._db.session(work)
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

    # -- sessions -----------------------------------------------------------------------------

    async def add_session(self, username: str, token_hash: str, *, address: str,
                          user_agent: str, now: dt.datetime) -> int | None:
        """A new session of ``username`` (its id), or ``None`` if there is no such user."""

        def work(session: Session) -> int | None:
            user_id = session.scalar(select(UserRow.id).where(UserRow.username == username))
            if user_id is None:
                return None
            row = SessionRow(user_id=user_id, token_hash=token_hash, created_at=now,
                             last_seen_at=now, address=address, user_agent=user_agent)
            session.add(row)
            session.flush()
            return row.id

        return await self._db.session(work)

    async def find_session(self, token_hash: str, *, idle_since: dt.datetime,
                           touch_before: dt.datetime, now: dt.datetime) -> StoredSession | None:
        """The session with this token, unless it was last seen before ``idle_since`` (then it
        is deleted). Its ``last_seen_at`` becomes now when it was before ``touch_before``, so a
        session in use is written at most that often."""

        def work(session: Session) -> StoredSession | None:
            found = session.execute(
                select(SessionRow, UserRow.username).join(UserRow)
                .where(SessionRow.token_hash == token_hash)
            ).first()
            if found is None:
                return None
            row, username = found
            if row.last_seen_at < idle_since:
                session.delete(row)
                return None
            if row.last_seen_at < touch_before:
                row.last_seen_at = now
            return _stored(row, username)

        return await self._db.session(work)

    async def sessions_of(self, username: str) -> list[StoredSession]:
        """The user's sessions, most recently seen first."""

        def work(session: Session) -> list[StoredSession]:
            rows = session.execute(
                select(SessionRow, UserRow.username).join(UserRow)
                .where(UserRow.username == username)
                .order_by(SessionRow.last_seen_at.desc(), SessionRow.id.desc())
            ).all()
            return [_stored(row, name) for row, name in rows]

        return await self._db.session(work)

    async def delete_session(self, token_hash: str) -> bool:
        def work(session: Session) -> bool:
            result = session.execute(delete(SessionRow).where(SessionRow.token_hash == token_hash))
            return bool(result.rowcount)  # type: ignore[attr-defined]

        return await self._db.session(work)

    async def delete_sessions(self, username: str, *, session_id: int | None = None,
                              idle_since: dt.datetime | None = None) -> int:
        """Delete the user's session ``session_id``, or all of them; with ``idle_since``, only
        those last seen before it. Returns how many went."""

        def work(session: Session) -> int:
            user_id = session.scalar(select(UserRow.id).where(UserRow.username == username))
            if user_id is None:
                return 0
            query = delete(SessionRow).where(SessionRow.user_id == user_id)
            if session_id is not None:
                query = query.where(SessionRow.id == session_id)
            if idle_since is not None:
                query = query.where(SessionRow.last_seen_at < idle_since)
            return int(session.execute(query).rowcount)  # type: ignore[attr-defined]

        return await self._db.session(work)


def _stored(row: SessionRow, username: str) -> StoredSession:
    return StoredSession(id=row.id, username=username, created_at=row.created_at,
                         last_seen_at=row.last_seen_at, address=row.address,
                         user_agent=row.user_agent, token_hash=row.token_hash)


@attrs.frozen
class AttemptLimits:
    """At most ``per_username`` and ``per_address`` unforgiven attempts within ``window``."""

    per_username: int
    per_address: int
    window: dt.timedelta


class LoginAttemptStore:
    """The ``login_attempts`` table: what the login throttle counts, shared by every process."""

    def __init__(self, database: Database) -> None:
        self._db = database

    async def begin(self, username: str, address: str, *, now: dt.datetime,
                    limits: AttemptLimits) -> int | dt.datetime:
        """Record an attempt (its id), unless the username or the address has used up its
        attempts: then when the next one may be made. Attempts older than the window are
        deleted on the way."""

        def work(session: Session) -> int | dt.datetime:
            if self._db.dialect == "postgresql":
                # Counting and recording are one step for every process: parallel guesses
                # cannot all see a count below the limit.
                session.execute(text("LOCK TABLE login_attempts IN SHARE ROW EXCLUSIVE MODE"))
            since = now - limits.window
            session.execute(delete(LoginAttemptRow).where(LoginAttemptRow.attempted_at <= since))
            waits = [
                _free_at(session, column == value, limit, limits.window)
                for column, value, limit in (
                    (LoginAttemptRow.username, username, limits.per_username),
                    (LoginAttemptRow.address, address, limits.per_address),
                )
            ]
            blocked = [moment for moment in waits if moment is not None]
            if blocked:
                return max(blocked)
            row = LoginAttemptRow(username=username, address=address, attempted_at=now)
            session.add(row)
            session.flush()
            return row.id

        return await self._db.session(work)

    async def forgive(self, attempt_id: int, address: str) -> None:
        """The attempt succeeded: it, and every earlier attempt from its address, no longer
        count. (Other addresses' attempts on the username still do.)"""

        def work(session: Session) -> None:
            session.execute(delete(LoginAttemptRow).where(
                (LoginAttemptRow.id == attempt_id) | (LoginAttemptRow.address == address)))

        await self._db.session(work)


def _free_at(session: Session, condition: Any, limit: int,
             window: dt.timedelta) -> dt.datetime | None:
    """When fewer than ``limit`` attempts matching ``condition`` will be left, or ``None`` if
    fewer are left already."""
    times = session.scalars(select(LoginAttemptRow.attempted_at).where(condition)
                            .order_by(LoginAttemptRow.attempted_at.desc()).limit(limit)).all()
    if len(times) < limit:
        return None
    return times[-1] + window
