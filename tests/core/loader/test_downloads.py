"""Artwork downloads: how many images of one series download at the same time
(``loader.downloads_per_series``), and artwork already in the folder is kept."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

from aniworld_core import LoadingStatus, ProviderRef, SeriesApp

from .conftest import settings_for

pytestmark = pytest.mark.anyio


class CountingImages(httpx.AsyncBaseTransport):
    """The real network, with the image host's requests counted while in flight. With
    ``hold_until`` set, each image request waits until that many are in flight together."""

    def __init__(self, image_host: str, hold_until: int | None = None) -> None:
        self._network = httpx.AsyncHTTPTransport()
        self._image_host = image_host
        self._hold_until = hold_until
        self._together = anyio.Event()
        self.in_flight = 0
        self.most_in_flight = 0
        self.images = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if not str(request.url).startswith(self._image_host):
            return await self._network.handle_async_request(request)
        self.images += 1
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            if self._hold_until is None:
                # Every other task gets its chance to start a download before this one goes on.
                await anyio.wait_all_tasks_blocked()
            else:
                if self.in_flight >= self._hold_until:
                    self._together.set()
                await self._together.wait()
            response = await self._network.handle_async_request(request)
            await response.aread()
            return response
        finally:
            self.in_flight -= 1

    async def aclose(self) -> None:
        await self._network.aclose()


async def load_bebop(fakes: Any, tmp_path: Path, database_url: str,
                     transport: CountingImages, **loader: Any) -> Path:
    settings = settings_for(fakes, tmp_path, database_url,
                            **{f"loader.{key}": value for key, value in loader.items()})
    async with SeriesApp.open(settings, transport=transport) as app:
        added = await app.add_series(provider_ref=ProviderRef("anilist", "1"))
        with anyio.fail_after(30):
            await app.wait_idle()
        series = await app.get_series(added.id)
    assert series.loading_status is LoadingStatus.COMPLETED, series.loading_error
    return Path(settings.library[0]) / "Cowboy Bebop (1998)"


async def test_a_series_images_download_side_by_side(fakes: Any, tmp_path: Path,
                                                     database_url: str) -> None:
    """By default the poster and the banner are fetched at the same time: each request is
    held until both are in flight, which one-after-another loading would never reach."""
    transport = CountingImages(fakes.fakes["images"].url, hold_until=2)
    folder = await load_bebop(fakes, tmp_path, database_url, transport)
    assert transport.most_in_flight >= 2
    assert (folder / "poster.jpg").exists()
    assert (folder / "banner.jpg").exists()


async def test_one_download_per_series_fetches_images_one_after_another(
        fakes: Any, tmp_path: Path, database_url: str) -> None:
    """``downloads_per_series = 1`` never has two images of the series in flight, even when
    every other task has had its chance to start one."""
    transport = CountingImages(fakes.fakes["images"].url)
    folder = await load_bebop(fakes, tmp_path, database_url, transport,
                              downloads_per_series=1)
    assert transport.images >= 2
    assert transport.most_in_flight == 1
    assert (folder / "poster.jpg").exists()
    assert (folder / "banner.jpg").exists()


async def test_artwork_already_in_the_folder_is_kept_and_not_downloaded(
        fakes: Any, tmp_path: Path, database_url: str) -> None:
    """A poster the user put in the folder (in any format) stays as it is: only the missing
    banner is asked of the image host."""
    settings = settings_for(fakes, tmp_path, database_url)
    folder = Path(settings.library[0]) / "Cowboy Bebop (1998)"
    folder.mkdir(parents=True)
    own = b"\x89PNG\r\n\x1a\n the user's own poster"
    (folder / "poster.png").write_bytes(own)
    transport = CountingImages(fakes.fakes["images"].url)
    assert await load_bebop(fakes, tmp_path, database_url, transport) == folder
    assert (folder / "poster.png").read_bytes() == own
    assert not (folder / "poster.jpg").exists()
    assert (folder / "banner.jpg").exists()
    assert transport.images == 1
