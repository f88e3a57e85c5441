"""Errors: one table maps every core error to a status, and even a crash answers in the same
JSON shape."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

import aniworld_core.errors
from aniworld_core import AniworldError, Settings
from aniworld_core.storage.engine import open_engine
from aniworld_web.errors import STATUSES, status_of

from .conftest import Web

pytestmark = pytest.mark.anyio


def test_every_core_error_has_its_own_row() -> None:
    """Each error class the core exports is mapped explicitly (no silent fallback to 500)."""
    mapped = {error_class for error_class, _, _ in STATUSES}
    exported = {getattr(aniworld_core.errors, name) for name in aniworld_core.errors.__all__}
    assert exported - mapped == set()


def test_subclasses_come_before_their_bases() -> None:
    """The first match wins, so no row may be shadowed by an earlier, more general one."""
    for index, (error_class, _, _) in enumerate(STATUSES):
        for earlier, _, _ in STATUSES[:index]:
            assert not issubclass(error_class, earlier), (error_class, earlier)


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (aniworld_core.errors.SeriesNotFound("x"), 404, "not_found"),
        (aniworld_core.errors.SeriesExists("m", series_id="x"), 409, "series_exists"),
        (aniworld_core.errors.StateConflict("m"), 409, "conflict"),
        (aniworld_core.errors.InvalidInput("m"), 422, "invalid_input"),
        (aniworld_core.errors.PathNotAllowed("m"), 422, "path_not_allowed"),
        (aniworld_core.errors.ProviderError("p", "r", "why"), 502, "provider_error"),
        (aniworld_core.errors.ProviderUnavailable("p", "why"), 503, "provider_unavailable"),
        (aniworld_core.errors.ProviderDown("p", "r", "no network", retry_in=3), 503,
         "provider_down"),
        (aniworld_core.errors.StorageError("m"), 503, "storage_unavailable"),
        (AniworldError("m"), 500, "error"),
    ],
)
def test_statuses(error: AniworldError, status: int, code: str) -> None:
    """The statuses the API promises: 404 unknown, 409 conflicts, 422 bad input, 5xx upstream."""
    assert status_of(error) == (status, code)


async def test_a_crash_still_answers_in_the_error_shape(web: Web, settings: Settings) -> None:
    """An unexpected failure (here a database whose series table vanished) is a 500 with the
    usual body and no internals in it."""
    key = await web.core.accounts.create_api_key("ops")
    engine = open_engine(settings.resolved_database_url)
    try:
        with engine.begin() as connection:
            connection.execute(sa.text("ALTER TABLE series RENAME TO series_gone"))
    finally:
        engine.dispose()
    async with web.client(headers={"Authorization": f"Bearer {key}"},
                          raise_app_exceptions=False) as client:
        response = await client.get("/api/series")
    assert response.status_code == 500
    assert response.json() == {"error": {
        "code": "internal",
        "message": "Something went wrong on our side; the server log has the details."}}
