"""A library with two missing episodes, and a fake file server offering them: what the
downloads' web tests (API and browser) start from."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import anyio
import attrs
import httpx
import pytest

from aniworld_core import Settings
from aniworld_testing import FakeFile, FakeFileServer
from aniworld_web import create_app
from tests.show_files import season_folders

from .conftest import Web, log_in

TITLE = "Mob Psycho 100"
#: The episodes the library lacks (season, episode); every other one of the show is there.
MISSING = [(1, 3), (1, 4)]
#: Mob Psycho 100's seasons in the fake dataset: 12, 13 and 12 episodes.
SEASONS = {1: 12, 2: 13, 3: 12}
SIZE = 3 << 20


def file_name(season: int, episode: int) -> str:
    return f"mob-{season}-{episode}.mkv"


@attrs.frozen
class Shop:
    """The app with its loader, a logged-in browser session, the show's id, the file server
    and its two episode files, and where the library and the downloads folder are."""

    web: Web
    client: httpx.AsyncClient
    series_id: str
    server: FakeFileServer
    files: dict[tuple[int, int], FakeFile]
    library: Path
    incoming: Path

    async def wait_for(self, download_id: int, *states: str,
                       seconds: float = 30) -> dict[str, Any]:
        """The download once it is in one of ``states`` (polled through the API)."""
        with anyio.fail_after(seconds):
            while True:
                body: dict[str, Any] = (await self.client.get(
                    f"/api/downloads/{download_id}")).json()
                if body["state"] in states:
                    return body
                await anyio.sleep(0.05)


@pytest.fixture(name="file_server")
def file_server_fixture() -> Iterator[FakeFileServer]:
    server = FakeFileServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(name="shop")
async def shop_fixture(fake_settings: Settings, tmp_path: Path,
               file_server: FakeFileServer) -> AsyncIterator[Shop]:
    """Mob Psycho 100 without S01E03 and S01E04, scanned and loaded; the ``http`` source set
    to the file server for it, which serves both (3 MiB each)."""
    library = tmp_path / "library"
    incoming = tmp_path / "incoming"
    incoming.mkdir()
    season_folders(library / TITLE, TITLE,
                   [(season, number) for season, count in SEASONS.items()
                    for number in range(1, count + 1) if (season, number) not in MISSING])
    files = {(season, episode): file_server.add(file_name(season, episode), SIZE)
             for season, episode in MISSING}
    settings = attrs.evolve(fake_settings, library=(library,), downloads=attrs.evolve(
        fake_settings.downloads, import_folder=incoming))
    app = create_app(settings, loader=True)
    async with app.router.lifespan_context(app) as state:
        web = Web(app, dict(state or {}))
        await web.core.scan()
        with anyio.fail_after(60):
            await web.core.wait_idle()
        [series] = await web.core.list_series()
        await web.core.set_series_source(
            series.id, "http", {"url": f"{file_server.url}/files/mob-{{season}}-{{episode}}.mkv"})
        await web.user()
        async with web.client() as client:
            await log_in(client)
            yield Shop(web, client, series.id, file_server, files, library, incoming)
