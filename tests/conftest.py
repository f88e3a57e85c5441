"""Shared fixtures: both anyio backends, a real database (SQLite, and PostgreSQL when
``ANIWORLD_TEST_DATABASE_URL`` is set), settings in a temporary data dir, an open ``SeriesApp``."""

from __future__ import annotations

import os
import shutil
import textwrap
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest
import sqlalchemy as sa

from aniworld_core import ProviderSettings, SeriesApp, Settings
from aniworld_core.storage import Database, migrate
from aniworld_core.storage.engine import open_engine
from aniworld_testing import postgres_schema

POSTGRES_URL = os.environ.get("ANIWORLD_TEST_DATABASE_URL")
DATABASES = ["sqlite", "postgres"] if POSTGRES_URL else ["sqlite"]


@pytest.fixture(autouse=True)
def _isolated_environment(aniworld_isolated_environment: None,
                          monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads the developer's data dir, their ANIWORLD_* variables or the plugins that
    happen to be installed (a test that wants entry points sets ANIWORLD_LOAD_ENTRY_POINTS=1)."""
    monkeypatch.setenv("ANIWORLD_LOAD_ENTRY_POINTS", "0")


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    """Core code runs on both anyio backends."""
    return str(request.param)


class DatabaseTemplates:
    """Databases migrated once per test process and copied for each test: running the
    migrations (alembic runs every script) cost a fifth of the suite's setup time.

    SQLite: the migrated file is copied. PostgreSQL: the statements the migrations sent are
    recorded once and sent again to each new schema (the same statements in the same order on
    the same empty schema: the same result, without alembic's Python around them)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._sqlite: Path | None = None
        self._postgres: list[tuple[str, Any]] | None = None
        self._engine: sa.Engine | None = None

    def sqlite(self, target: Path) -> None:
        if self._sqlite is None:
            path = self.folder / "template.db"
            engine = open_engine(f"sqlite:///{path}")
            try:
                migrate.upgrade(engine)
            finally:
                engine.dispose()  # the last connection folds the WAL into the file
            self._sqlite = path
        shutil.copyfile(self._sqlite, target)

    def postgres(self, url: str) -> None:
        if self._postgres is None:
            assert POSTGRES_URL is not None
            self._postgres = _recorded_migrations(POSTGRES_URL)
            self._engine = open_engine(POSTGRES_URL)  # one for every schema of this process
        assert self._engine is not None
        schema = schema_of(url)
        with self._engine.begin() as connection:
            connection.exec_driver_sql(f'SET LOCAL search_path TO "{schema}"')
            for statement, parameters in self._postgres:
                connection.exec_driver_sql(statement, parameters)

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()


def schema_of(url: str) -> str:
    """The schema of a URL made by ``postgres_schema`` (its ``search_path``)."""
    return url.rpartition("%3D")[2]


def _recorded_migrations(url: str) -> list[tuple[str, Any]]:
    """The statements that migrate an empty PostgreSQL schema to the head."""
    recorded: list[tuple[str, Any]] = []
    with postgres_schema(url, prefix="template") as schema_url:
        engine = open_engine(schema_url)

        @sa.event.listens_for(engine, "before_cursor_execute")
        def record(_connection: Any, _cursor: Any, statement: str, parameters: Any,
                   _context: Any, _many: bool) -> None:
            recorded.append((statement, parameters))

        try:
            migrate.upgrade(engine)
            schema = schema_of(schema_url)
        finally:
            engine.dispose()
    kept = [(statement, parameters) for statement, parameters in recorded
            if "pg_advisory" not in statement]
    assert not [statement for statement, _ in kept if schema in statement], "schema-bound"
    return kept


@pytest.fixture(scope="session")
def database_templates(tmp_path_factory: pytest.TempPathFactory
                       ) -> Iterator[DatabaseTemplates]:
    templates = DatabaseTemplates(tmp_path_factory.mktemp("templates"))
    yield templates
    templates.close()


@pytest.fixture(params=DATABASES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path,
                 database_templates: DatabaseTemplates) -> Iterator[str]:
    """A fresh database migrated to the head (empty for tests marked ``empty_database``): a
    SQLite file, or a PostgreSQL schema of its own."""
    migrated = request.node.get_closest_marker("empty_database") is None
    if request.param == "sqlite":
        path = tmp_path / "test.db"
        if migrated:
            database_templates.sqlite(path)
        yield f"sqlite:///{path}"
        return
    assert POSTGRES_URL is not None
    with postgres_schema(POSTGRES_URL) as url:
        if migrated:
            database_templates.postgres(url)
        yield url


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    """The test database, opened and migrated."""
    opened = await Database.open(database_url)
    try:
        yield opened
    finally:
        await opened.close()


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """Settings with a private data dir and the test database; built-in providers only."""
    return Settings(data_dir=tmp_path / "data", database_url=database_url,
                    load_entry_points=False)


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[SeriesApp]:
    """An open ``SeriesApp`` on the test database, without background loading (tests of
    loading open their own, pointed at the fake provider servers)."""
    async with SeriesApp.open(settings, loader=False) as opened:
        yield opened


# -- the fake provider servers (from aniworld_testing's pytest plugin) ---------------------

FAST = 60  # rate limits of the fakes and of aniworld's limiters, 60 times faster


@pytest.fixture
def fakes(fake_bundle: Any) -> Any:
    """Every fake provider server, reset, its rate limits 60 times faster, no added latency."""
    for name, fake in fake_bundle.fakes.items():
        if name != "images":
            fake.options.scale_rate_limits(FAST)
    return fake_bundle


def pointed_at(settings: Settings, fakes: Any) -> Settings:
    """``settings`` with every provider pointed at the fakes, limits matching their speed."""
    providers: dict[str, ProviderSettings] = {}
    for key, value in fakes.settings_overrides().items():
        _, name, field = key.split(".")
        providers.setdefault(name, ProviderSettings(rate_scale=FAST))
        providers[name] = attrs.evolve(providers[name], **{field: value})
    return attrs.evolve(settings, providers=providers)


@pytest.fixture
def fake_settings(settings: Settings, fakes: Any) -> Settings:
    """The test's settings with every provider pointed at the fake servers."""
    return pointed_at(settings, fakes)



#: ``install_plugin(source, entry_point=..., dist=..., version=...)`` → the module's name.
Install = Callable[..., str]


@pytest.fixture
def install_plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Install:
    """Installs a plugin the way pip does, as far as importlib.metadata can tell: a module plus a
    ``*.dist-info`` with ``entry_points.txt``, on ``sys.path``."""

    def install(source: str, *, entry_point: str = "demo", dist: str = "aniworld-demo",
                version: str = "1.2.3") -> str:
        module = f"aniworld_demo_{uuid.uuid4().hex[:12]}"
        site = tmp_path / module
        info = site / f"{dist.replace('-', '_')}-{version}.dist-info"
        info.mkdir(parents=True)
        (site / f"{module}.py").write_text(textwrap.dedent(source), encoding="utf-8")
        (info / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n", encoding="utf-8"
        )
        (info / "entry_points.txt").write_text(f"[aniworld]\n{entry_point} = {module}\n",
                                               encoding="utf-8")
        monkeypatch.syspath_prepend(str(site))
        return module

    return install
