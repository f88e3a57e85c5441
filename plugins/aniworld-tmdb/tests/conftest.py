"""Fixtures for the TMDB plugin's tests: both anyio backends, an environment that leaks
nothing in, and retries without backoff. The fake servers come from aniworld's pytest plugin."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
import stamina


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    """Async tests run on both anyio backends."""
    return str(request.param)


@pytest.fixture(autouse=True)
def _isolated_environment(tmp_path_factory: pytest.TempPathFactory,
                          monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads the developer's data dir or their ANIWORLD_* variables."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path_factory.mktemp("xdg-data")))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("xdg-config")))
    for name in list(os.environ):
        if name.startswith("ANIWORLD_") and not name.startswith("ANIWORLD_TEST_"):
            monkeypatch.delenv(name)


@pytest.fixture(autouse=True)
def _instant_retries() -> Iterator[None]:
    """Retries keep their number of attempts but lose their backoff."""
    with stamina.set_testing(True, attempts=4, cap=True):
        yield
