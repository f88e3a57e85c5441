"""What the fetcher's tests share: an HTTP client and where the partial goes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=10.0) as opened:
        yield opened


@pytest.fixture
def part(tmp_path: Path) -> Path:
    return tmp_path / "staging" / "42.part"
