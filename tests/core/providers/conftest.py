"""Provider test fixtures: instant retries, a simulated clock, the AniList and Jikan stand-ins."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import stamina

from aniworld_core.providers.http import ATTEMPTS

from .provider_fakes import AniListApi, JikanApi, SimulatedClock


@pytest.fixture(autouse=True)
def _instant_retries() -> Iterator[None]:
    """Retries keep their number of attempts but lose their backoff (stamina's testing mode)."""
    with stamina.set_testing(True, attempts=ATTEMPTS, cap=True):
        yield


@pytest.fixture
def clock() -> SimulatedClock:
    return SimulatedClock()


@pytest.fixture
def anilist_api() -> AniListApi:
    return AniListApi()


@pytest.fixture
def jikan_api() -> JikanApi:
    return JikanApi()
