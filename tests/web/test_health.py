"""``/api/health`` means something: it reads the database (503 when it cannot) and says whether
this process runs the loader."""

from __future__ import annotations

import httpx
import pytest
import sqlalchemy as sa

from aniworld_core import Settings, __version__
from aniworld_core.storage.engine import open_engine

from .conftest import Web
from .schema_check import answer_schema, problems

pytestmark = pytest.mark.anyio


def rename_schema_table(settings: Settings, old: str, new: str) -> None:
    engine = open_engine(settings.resolved_database_url)
    try:
        with engine.begin() as connection:
            connection.execute(sa.text(f"ALTER TABLE {old} RENAME TO {new}"))
    finally:
        engine.dispose()


async def test_healthy_without_the_loader(web: Web, anonymous: httpx.AsyncClient,
                                          script: httpx.AsyncClient) -> None:
    """A working server answers 200, says its database is fine and that it does not load
    (``loader=False``), in the documented shape, to anyone."""
    response = await anonymous.get("/api/health")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body == {"status": "ok", "version": __version__, "database": "ok", "loader": "off"}
    spec = (await script.get("/openapi.json")).json()
    assert problems(body, answer_schema(spec, "/api/health", "get", 200), spec) == []


async def test_says_the_loader_runs(loading_web: Web) -> None:
    """A server that loads says so."""
    async with loading_web.client() as client:
        assert (await client.get("/api/health")).json()["loader"] == "running"


async def test_a_database_that_cannot_be_read_is_503(web: Web, settings: Settings,
                                                     script: httpx.AsyncClient) -> None:
    """When the database cannot be read the health check answers 503 with the kind of
    failure (no details for the public), in the documented shape; once it can, 200 again."""
    spec = (await script.get("/openapi.json")).json()
    rename_schema_table(settings, "alembic_version", "alembic_version_gone")
    try:
        async with web.client() as client:
            response = await client.get("/api/health")
        assert response.status_code == 503
        body = response.json()
        assert body["status"] == "failing"
        assert body["database"].startswith("The database cannot be read (")
        assert "alembic" not in body["database"]
        assert problems(body, answer_schema(spec, "/api/health", "get", 503), spec) == []
    finally:
        rename_schema_table(settings, "alembic_version_gone", "alembic_version")
    async with web.client() as client:
        assert (await client.get("/api/health")).status_code == 200
