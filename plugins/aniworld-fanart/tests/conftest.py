"""Fixtures for the fanart.tv plugin's tests: both anyio backends, and from aniworld's pytest
plugin an environment that leaks nothing in and retries without backoff (the fake servers come
from there too)."""

from __future__ import annotations

import pytest


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    """Async tests run on both anyio backends."""
    return str(request.param)


@pytest.fixture(autouse=True)
def _isolated(aniworld_isolated_environment: None, aniworld_instant_retries: None) -> None:
    """Every test: nothing from the developer's environment, retries without backoff."""
