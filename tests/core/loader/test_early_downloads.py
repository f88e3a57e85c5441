"""Artwork downloads started while a series' episodes load (``loader.early_downloads``), against
the fake servers over the real network; the transport only holds or answers chosen requests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

from aniworld_core import LoadingStatus, SeriesApp

from .conftest import settings_for

pytestmark = pytest.mark.anyio

EPISODE = "Cowboy Bebop - 01 [1080p].mkv"


class Network(httpx.AsyncBaseTransport):
    """The real network, noting the order of episodes requests and image downloads.

    ``hold_episodes``: the episodes request waits until that many images were asked for
    (``None``: it goes at once; ``-1``: it waits for good). ``refuse``: an image whose URL
    holds that text is answered with a 404 instead of asking the image host."""

    def __init__(self, image_host: str, *, hold_episodes: int | None = None,
                 refuse: str | None = None) -> None:
        self._network = httpx.AsyncHTTPTransport()
        self._image_host = image_host
        self._hold = hold_episodes
        self._refuse = refuse
        self.events: list[str] = []
        self.released = anyio.Event()
        self.two_images = anyio.Event()

    def images(self) -> list[str]:
        return [event for event in self.events if event.startswith("image")]

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        if url.startswith(self._image_host):
            self.events.append(f"image {request.url.path}")
            if len(self.images()) >= 2:
                self.two_images.set()
            if self._hold is not None and len(self.images()) >= self._hold >= 0:
                self.released.set()
            if self._refuse is not None and self._refuse in url:
                return httpx.Response(404, text="Not Found")
        elif request.url.path.endswith("/episodes"):
            self.events.append("episodes asked")
            if self._hold is not None:
                await self.released.wait()
            response = await self._network.handle_async_request(request)
            await response.aread()
            self.events.append("episodes answered")
            return response
        return await self._network.handle_async_request(request)

    async def aclose(self) -> None:
        await self._network.aclose()


def scanned_bebop(fakes: Any, tmp_path: Path, database_url: str, **loader: Any
                  ) -> tuple[Any, Path]:
    """Settings and a library holding Cowboy Bebop's folder, named with its AniList id (its
    folder is known before any step runs, as after a scan)."""
    settings = settings_for(fakes, tmp_path, database_url,
                            **{f"loader.{key}": value for key, value in loader.items()})
    folder = Path(settings.library[0]) / "Cowboy Bebop [anilistid-1]"
    folder.mkdir(parents=True)
    (folder / EPISODE).write_bytes(b"video")
    return settings, folder


async def load(settings: Any, transport: Network) -> Any:
    async with SeriesApp.open(settings, transport=transport) as app:
        await app.scan()
        with anyio.fail_after(30):
            await app.wait_idle()
        (series,) = await app.list_series()
    return series


async def test_artwork_downloads_while_the_episodes_load(
        fakes: Any, tmp_path: Path, database_url: str) -> None:
    """The episodes request is held until the poster and the banner were asked for: only a
    loader that downloads them during the episodes request gets past it."""
    settings, folder = scanned_bebop(fakes, tmp_path, database_url)
    transport = Network(fakes.fakes["images"].url, hold_episodes=2)
    series = await load(settings, transport)
    assert series.loading_status is LoadingStatus.COMPLETED, series.loading_error
    assert transport.events.index("episodes answered") > max(
        n for n, event in enumerate(transport.events) if event.startswith("image"))
    assert len(transport.images()) == 2  # not again by the steps
    assert (folder / "poster.jpg").stat().st_size > 0
    assert (folder / "banner.jpg").stat().st_size > 0


async def test_without_early_downloads_artwork_comes_after_the_episodes(
        fakes: Any, tmp_path: Path, database_url: str) -> None:
    """``early_downloads = false`` (the original design's order): every image is asked for
    once the episodes are in."""
    settings, folder = scanned_bebop(fakes, tmp_path, database_url, early_downloads=False)
    transport = Network(fakes.fakes["images"].url)
    series = await load(settings, transport)
    assert series.loading_status is LoadingStatus.COMPLETED, series.loading_error
    first_image = min(n for n, event in enumerate(transport.events) if event.startswith("image"))
    assert transport.events.index("episodes answered") < first_image
    assert (folder / "poster.jpg").exists()
    assert (folder / "banner.jpg").exists()


async def test_a_failed_early_download_fails_the_images_step_with_its_reason(
        fakes: Any, tmp_path: Path, database_url: str) -> None:
    """The image host refuses the poster: the series fails at its images step, saying so, as
    it would had the step downloaded it; the poster was asked for once, not again."""
    settings, folder = scanned_bebop(fakes, tmp_path, database_url, max_attempts=1)
    transport = Network(fakes.fakes["images"].url, hold_episodes=2, refuse="coverxl")
    series = await load(settings, transport)
    assert series.loading_status is LoadingStatus.FAILED
    assert series.loading_error.startswith("Images: ")
    assert "404" in series.loading_error
    assert [image for image in transport.images() if "coverxl" in image] == [
        next(image for image in transport.images() if "coverxl" in image)]
    assert not (folder / "poster.jpg").exists()


async def test_artwork_in_a_scanned_folder_is_kept_and_not_downloaded_early(
        fakes: Any, tmp_path: Path, database_url: str) -> None:
    """The user's own poster in a scanned folder is left alone: only the banner is
    downloaded, early or not."""
    settings, folder = scanned_bebop(fakes, tmp_path, database_url)
    own = b"\x89PNG\r\n\x1a\n the user's own poster"
    (folder / "poster.png").write_bytes(own)
    transport = Network(fakes.fakes["images"].url, hold_episodes=1)
    series = await load(settings, transport)
    assert series.loading_status is LoadingStatus.COMPLETED, series.loading_error
    assert (folder / "poster.png").read_bytes() == own
    assert not (folder / "poster.jpg").exists()
    (asked,) = transport.images()
    assert "banner" in asked


async def test_cancelling_during_the_episodes_calls_off_early_downloads(
        fakes: Any, tmp_path: Path, database_url: str) -> None:
    """Cancelled while its episodes request is out and its artwork already asked for, the
    series ends cancelled with no artwork written, and the app closes at once."""
    settings, folder = scanned_bebop(fakes, tmp_path, database_url)
    transport = Network(fakes.fakes["images"].url, hold_episodes=-1)
    with anyio.fail_after(30):
        async with SeriesApp.open(settings, transport=transport) as app:
            await app.scan()
            (series,) = await app.list_series()
            await transport.two_images.wait()
            await app.cancel_loading(series.id)
            await app.wait_idle()
            cancelled = await app.get_series(series.id)
    assert cancelled.loading_status is LoadingStatus.CANCELLED
    assert not any((folder / name).exists() for name in ("poster.jpg", "banner.jpg"))
