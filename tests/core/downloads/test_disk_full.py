"""A library root on a disk that fills up: its download fails with "disk full: N MB free on
…" and keeps its partial for a later resume, while a download to another disk goes on. The
small disk is a real tmpfs where the test may mount one (root), else the test is skipped (the
fetcher's own tests cover the error with an injected writer)."""

from __future__ import annotations

import datetime as dt
import subprocess
from collections.abc import Iterator
from pathlib import Path

import anyio
import attrs
import pytest

from aniworld_core import (
    DownloadState,
    DownloadUpdate,
    EpisodeInfo,
    ProviderSettings,
    SeriesApp,
    Settings,
)
from aniworld_core.storage.library_store import LibraryStore
from aniworld_testing import FakeFileServer

pytestmark = pytest.mark.anyio
MB = 1 << 20


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 4 MB tmpfs, or a skip where mounting is not allowed."""
    mount = tmp_path / "small"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)],
                          capture_output=True, check=False)
    if done.returncode != 0:
        pytest.skip("cannot mount a tmpfs here: " + done.stderr.decode(errors="replace"))
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


@pytest.fixture
def server() -> Iterator[FakeFileServer]:
    with FakeFileServer() as running:
        yield running


async def test_a_full_disk_fails_its_download_and_the_other_disk_goes_on(
        settings: Settings, small_disk: Path, tmp_path: Path,
        server: FakeFileServer) -> None:
    big = tmp_path / "big"
    for root, title in ((small_disk, "Mushishi"), (big, "Haibane Renmei")):
        (root / title).mkdir(parents=True)
        (root / title / f"{title} - 01.mkv").write_bytes(b"v")
    off = ProviderSettings(enabled=False)
    settings = attrs.evolve(settings, library=(small_disk, big),
                            providers={"anilist": off, "jikan": off})
    server.add("Mushishi-02.mkv", 8 * MB, chunked=True)  # size unknown until the disk is full
    server.add("Haibane%20Renmei-02.mkv", 8 * MB)
    async with SeriesApp.open(settings) as app:
        await app.scan()
        ids = {}
        for series in await app.list_series():
            ids[series.title] = series.id
            await LibraryStore(app._database).save_provider_episodes(series.id, [
                EpisodeInfo(number=n, air_date=dt.date(2005, 10, 1)) for n in (1, 2)])
            await app.set_series_source(series.id, "http",
                                        {"url": server.url + "/files/{title}-{episode:00}.mkv"})
        ended: dict[int, DownloadUpdate] = {}
        async with app.events.subscribe(snapshot=False) as events:
            small = await app.download(ids["Mushishi"], 1, 2)
            other = await app.download(ids["Haibane Renmei"], 1, 2)
            with anyio.fail_after(60):
                async for event in events:
                    if isinstance(event, DownloadUpdate) and event.download.state in (
                            DownloadState.COMPLETED, DownloadState.FAILED):
                        ended[event.download.id] = event
                        if len(ended) == 2:
                            break
    full = ended[small.id].download
    assert full.state is DownloadState.FAILED
    assert full.error is not None
    assert full.error.startswith("disk full: ")
    assert str(small_disk) in full.error
    part = small_disk / ".aniworld-downloads" / f"{small.id}.part"
    assert part.stat().st_size > 0  # kept for a later resume
    assert ended[other.id].download.state is DownloadState.COMPLETED
    assert (big / "Haibane Renmei" / str(ended[other.id].download.path)).stat().st_size \
        == 8 * MB
