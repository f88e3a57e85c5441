"""Helpers shared by the fetcher tests: a progress recorder, one fetch with a deadline, and
file checks kept out of async tests (they would block the event loop)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

from aniworld_core.downloads.fetch import Fetcher, FetchResult, sidecar_path
from aniworld_core.errors import DownloadError
from aniworld_testing import FakeFile

MIB = 1 << 20
FETCHER_OPTIONS = ("bandwidth", "chunk_size", "free_space", "open_part")


class Progress:
    """Records ``on_progress`` calls."""

    def __init__(self) -> None:
        self.calls: list[tuple[int, int | None]] = []

    def __call__(self, done: int, total: int | None) -> None:
        self.calls.append((done, total))



def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def size_of(path: Path) -> int:
    return path.stat().st_size


def gone(path: Path) -> bool:
    return not path.exists()


def leave_partial(part: Path, content: bytes, sidecar: dict[str, Any]) -> None:
    part.parent.mkdir(parents=True, exist_ok=True)
    part.write_bytes(content)
    sidecar_path(part).write_text(json.dumps(sidecar))


def damage(part: Path) -> None:
    with part.open("r+b") as damaged:
        damaged.write(b"\0" * 10)


async def fetch(client: httpx.AsyncClient, file: FakeFile | str, part: Path,
                **options: Any) -> FetchResult:
    fetcher_options = {k: options.pop(k) for k in FETCHER_OPTIONS if k in options}
    options.setdefault("on_progress", Progress())
    url = file if isinstance(file, str) else file.url
    with anyio.fail_after(30):
        return await Fetcher(client, **fetcher_options).fetch(url, part, **options)


async def failure(client: httpx.AsyncClient, file: FakeFile | str, part: Path,
                  **options: Any) -> DownloadError:
    with pytest.raises(DownloadError) as caught:
        await fetch(client, file, part, **options)
    return caught.value

