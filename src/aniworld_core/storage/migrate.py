"""Bring a database to the schema this version of aniworld expects.

Called by ``SeriesApp.open()`` (in a worker thread). A database stamped with a revision this
version does not know was written by a newer aniworld: :class:`SchemaTooNew`, and nothing changes.
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import SQLAlchemyError

from aniworld_core.errors import SchemaTooNew, StorageError

MIGRATIONS = Path(__file__).parent / "migrations"
# Any constant works; it only has to be the same for every aniworld process.
_PG_MIGRATION_LOCK = 0x616E69776F726C64 & 0x7FFFFFFFFFFFFFFF

log = logging.getLogger(__name__)


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


@functools.cache
def _scripts() -> ScriptDirectory:
    """The migration scripts (read once per process: reading them runs every script)."""
    return ScriptDirectory.from_config(alembic_config())


def head_revision() -> str:
    """The newest schema revision this version of aniworld knows."""
    head = _scripts().get_current_head()
    assert head is not None
    return head


def current_revisions(connection: Connection) -> tuple[str, ...]:
    return tuple(MigrationContext.configure(connection).get_current_heads())


def upgrade(engine: Engine) -> None:
    """Apply every migration the database lacks; refuse a database from a newer version."""
    try:
        with engine.connect() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_lock(:key)"),
                                   {"key": _PG_MIGRATION_LOCK})
                connection.commit()
            try:
                current = _check_not_newer(connection)
                if current != (head_revision(),):  # else at the head already: nothing to run
                    command.upgrade(alembic_config(connection), "head")
                connection.commit()
            finally:
                if connection.dialect.name == "postgresql":
                    connection.execute(text("SELECT pg_advisory_unlock(:key)"),
                                       {"key": _PG_MIGRATION_LOCK})
                    connection.commit()
    except SQLAlchemyError as error:
        raise StorageError(f"Cannot migrate the database: {error.__class__.__name__}: "
                           f"{str(error).splitlines()[0]}") from error


def _check_not_newer(connection: Connection) -> tuple[str, ...]:
    """The database's revisions, unless one is unknown here (:class:`SchemaTooNew`)."""
    script = _scripts()
    revisions = current_revisions(connection)
    for revision in revisions:
        try:
            known = script.get_revision(revision)
        except CommandError:
            known = None
        if known is None:
            raise SchemaTooNew(
                f"The database is at schema revision {revision!r}, which this version of "
                f"aniworld does not know (newest known: {script.get_current_head()!r}). It was "
                "written by a newer aniworld; upgrade aniworld instead of using this database."
            )
    return revisions
