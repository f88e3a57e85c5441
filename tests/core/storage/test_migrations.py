"""Migrations reach the head from empty, match the tables, and refuse a newer database."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from aniworld_core import (
    JobState,
    LoadingStatus,
    SchemaTooNew,
    SeriesApp,
    Settings,
    StateConflict,
)
from aniworld_core.storage import migrate
from aniworld_core.storage.engine import open_engine
from aniworld_core.storage.tables import Base

pytestmark = [pytest.mark.anyio, pytest.mark.empty_database]


def test_empty_database_migrates_to_head(database_url: str) -> None:
    """An empty database gets every table and is stamped with the newest revision."""
    engine = open_engine(database_url)
    try:
        migrate.upgrade(engine)
        with engine.connect() as connection:
            assert migrate.current_revisions(connection) == (migrate.head_revision(),)
            tables = set(sa.inspect(connection).get_table_names())
        assert {"series", "episodes", "jobs", "job_runs", "schedules",
                "alembic_version"} <= tables
        assert "load_runs" not in tables
    finally:
        engine.dispose()


def test_migrations_match_the_tables(database_url: str) -> None:
    """What the migrations build is exactly what the ORM tables declare."""
    engine = open_engine(database_url)
    try:
        migrate.upgrade(engine)
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, Base.metadata)
        assert differences == []
    finally:
        engine.dispose()


def test_upgrade_twice_is_harmless(database_url: str) -> None:
    """Opening an up-to-date database migrates nothing and keeps the data."""
    engine = open_engine(database_url)
    try:
        migrate.upgrade(engine)
        migrate.upgrade(engine)
        with engine.connect() as connection:
            assert migrate.current_revisions(connection) == (migrate.head_revision(),)
    finally:
        engine.dispose()


async def test_database_from_newer_version_is_refused(settings: Settings) -> None:
    """A database stamped with an unknown revision raises SchemaTooNew and is left untouched."""
    engine = open_engine(settings.resolved_database_url)
    try:
        migrate.upgrade(engine)
        with engine.begin() as connection:
            connection.execute(sa.text("UPDATE alembic_version SET version_num = '9999_future'"))
    finally:
        engine.dispose()

    with pytest.raises(SchemaTooNew, match=r"9999_future.*newer aniworld"):
        async with SeriesApp.open(settings):
            pass

    engine = open_engine(settings.resolved_database_url)
    try:
        with engine.connect() as connection:
            assert migrate.current_revisions(connection) == ("9999_future",)
    finally:
        engine.dispose()


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path: object) -> None:
    """The default SQLite database uses WAL, enforces foreign keys and waits when busy."""
    engine = open_engine(f"sqlite:///{tmp_path}/x.db")
    try:
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30_000
    finally:
        engine.dispose()


async def test_lists_from_before_seasons_load_again(settings: Settings) -> None:
    """A series whose episode list was saved before shows had seasons (one entry's numbers) is
    queued to load its metadata, seasons and episodes again, and its missing episodes are
    unknown until then instead of wrong."""
    engine = open_engine(settings.resolved_database_url)
    try:
        with engine.connect() as connection:
            config = migrate.alembic_config(connection)
            command.upgrade(config, "0004_merge")
            connection.commit()
        now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
        with engine.begin() as connection:
            connection.execute(sa.text(
                "INSERT INTO series (id, title, loading_status, episodes_loaded, nfo_loaded, "
                "logo_loaded, images_loaded, priority, attempts, series_metadata, created_at, "
                "updated_at, extra_ids) VALUES ('00000000-0000-4000-8000-000000000005', "
                "'Attack on Titan', 'completed', :yes, :yes, :yes, :yes, 20, 0, '{}', :now, "
                ":now, '{}')"), {"yes": True, "now": now if engine.dialect.name != "sqlite"
                                  else now.replace(tzinfo=None)})
            connection.execute(sa.text(
                "INSERT INTO library_series (series_id, provider_episodes) VALUES "
                "('00000000-0000-4000-8000-000000000005', :yes)"), {"yes": True})
        migrate.upgrade(engine)
    finally:
        engine.dispose()
    async with SeriesApp.open(settings, loader=False) as app:
        series = await app.get_series("00000000-0000-4000-8000-000000000005")
        loads = await app.jobs.list(kind="series.load", key=f"series:{series.id}")
        with pytest.raises(StateConflict, match="not been loaded yet"):
            await app.missing_episodes(series.id)
    assert (series.loading_status, series.episodes_loaded, series.metadata) == (
        LoadingStatus.PENDING, False, None)
    assert [job.state for job in loads] == [JobState.PENDING]
    assert series.logo_loaded
