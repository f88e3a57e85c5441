"""Tables for the people and scripts allowed in: users with password hashes, API key hashes,
browser sessions, and the login attempts the throttle counts.

They share :class:`~aniworld_core.storage.tables.Base`, so the migration test sees them; the
``0003_auth`` migration creates the first two, ``0006_sessions`` the others.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from aniworld_core.storage.tables import Base


class UserRow(Base):
    """Someone who may log in; only an argon2 hash of the password is kept."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64))
    password_hash: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]

    __table_args__ = (UniqueConstraint("username", name="uq_users_username"),)


class ApiKeyRow(Base):
    """A key for scripts: its SHA-256 and a short prefix to recognise it by, never the key."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64))
    prefix: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime]

    __table_args__ = (
        UniqueConstraint("name", name="uq_api_keys_name"),
        UniqueConstraint("key_hash", name="uq_api_keys_key_hash"),
    )


class SessionRow(Base):
    """A browser session: the SHA-256 of the token its cookie carries, never the token.

    Deleting the row ends the session wherever its cookie is (logout, "end session", a new
    password)."""

    __tablename__ = "sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime]
    last_seen_at: Mapped[dt.datetime]
    address: Mapped[str] = mapped_column(String(64))
    user_agent: Mapped[str] = mapped_column(String(200))

    __table_args__ = (UniqueConstraint("token_hash", name="uq_sessions_token_hash"),)


class LoginAttemptRow(Base):
    """A login attempt that has not succeeded (yet): counted per username and per address for
    a minute, then deleted. In the database so that every process counts the same."""

    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(64))
    attempted_at: Mapped[dt.datetime]

    __table_args__ = (
        Index("ix_login_attempts_username", "username", "attempted_at"),
        Index("ix_login_attempts_address", "address", "attempted_at"),
    )
