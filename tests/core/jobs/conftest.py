"""An engine on the test database, with the events it published collected."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from aniworld_core.jobs import Engine
from aniworld_core.storage import Database


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    db = await Database.open(database_url)
    try:
        yield db
    finally:
        await db.close()


@pytest.fixture
def published() -> list[Any]:
    return []


@pytest.fixture
def engine(database: Database, published: list[Any]) -> Engine:
    return Engine(database, published.append, owner="test-host:1:abc", lease_seconds=30)
