"""Engines for SQLite (the default) and PostgreSQL, configured the way aniworld needs them."""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from aniworld_core.errors import StorageError

SQLITE_BUSY_TIMEOUT_MS = 30_000
#: How long (ms) a PostgreSQL transaction of aniworld may sit idle. Nothing of aniworld's waits
#: inside a transaction, so only a process stopped (SIGSTOP, a frozen VM) or hung mid-transaction
#: reaches it: the server then ends that session, and the rows it had locked (a job's, which
#: claims skip while locked) are free for the processes that take its work over.
IDLE_IN_TRANSACTION_MS = 5_000
#: How aniworld's sessions are named in ``pg_stat_activity`` (then the process id and host).
APPLICATION_NAME_PREFIX = "aniworld pid "


def normalise_url(url: str) -> str:
    """Plain ``postgresql://`` means psycopg 3, the driver aniworld ships an extra for."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


def open_engine(url: str, *, pool_size: int = 8) -> Engine:
    """An engine for ``url``; for SQLite the file's directory is created and WAL is switched on."""
    url = normalise_url(url)
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StorageError(f"{url!r} is not a database URL.") from None
    try:
        if parsed.get_backend_name() == "sqlite":
            return _sqlite_engine(url, parsed.database)
        if parsed.get_backend_name() == "postgresql":
            return _postgres_engine(url, pool_size)
    except NoSuchModuleError:
        raise StorageError(
            f"No driver for {parsed.drivername}; install aniworld[postgres] for PostgreSQL."
        ) from None
    except ModuleNotFoundError as error:
        raise StorageError(
            f"The database driver {error.name} is not installed; "
            "install aniworld[postgres] for PostgreSQL."
        ) from None
    raise StorageError(
        f"Unsupported database {parsed.get_backend_name()!r}: use SQLite or PostgreSQL."
    )


def _postgres_engine(url: str, pool_size: int) -> Engine:
    engine = create_engine(url, pool_size=pool_size, max_overflow=4, pool_pre_ping=True)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        with dbapi_connection.cursor() as cursor:
            cursor.execute(
                f"SET idle_in_transaction_session_timeout = {IDLE_IN_TRANSACTION_MS}")
            # Whose session is whose, in pg_stat_activity.
            name = f"{APPLICATION_NAME_PREFIX}{os.getpid()} on {socket.gethostname()}"
            cursor.execute("SELECT set_config('application_name', %s, false)", (name[:63],))
        dbapi_connection.commit()

    return engine


def _sqlite_engine(url: str, database: str | None) -> Engine:
    if database and database != ":memory:":
        path = Path(database)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise StorageError(
                f"Cannot create the database directory {path.parent}: {error.strerror}."
            ) from None
    engine = create_engine(url, connect_args={"check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # IMMEDIATE takes the write lock up front: another process that holds it makes this
        # one wait (busy timeout) instead of failing at once with "database is locked" when a
        # reading transaction later tries to write.
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine
