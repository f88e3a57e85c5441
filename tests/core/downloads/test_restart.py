"""A download outlives its process: after a shutdown in the middle, and after ``kill -9`` in the
middle, the next process goes on from the ``.part`` file (``Range``), and the file at its name
is whole. Real processes, real database, real files."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import signal
import subprocess
import sys
import textwrap
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
from aniworld_core.settings import LoaderSettings
from aniworld_core.storage.library_store import LibraryStore
from aniworld_testing import FakeFileServer

pytestmark = pytest.mark.anyio
MB = 1 << 20
SIZE = 16 * MB


@pytest.fixture
def server() -> Iterator[FakeFileServer]:
    with FakeFileServer() as running:
        yield running


@pytest.fixture
def restart_settings(settings: Settings, tmp_path: Path) -> Settings:
    show = tmp_path / "library" / "Mushishi (2005)"
    show.mkdir(parents=True)
    (show / "Mushishi - 01.mkv").write_bytes(b"v")
    off = ProviderSettings(enabled=False)
    return attrs.evolve(settings, library=(tmp_path / "library",),
                        providers={"anilist": off, "jikan": off},
                        loader=LoaderSettings(lease_seconds=1.0, shutdown_grace=0.5))


async def prepared(settings: Settings, server: FakeFileServer) -> str:
    async with SeriesApp.open(settings, loader=False) as app:
        await app.scan()
        (series,) = await app.list_series()
        await LibraryStore(app._database).save_provider_episodes(series.id, [
            EpisodeInfo(number=n, title=f"Episode {n}", air_date=dt.date(2005, 10, 1))
            for n in (1, 2)])
        await app.set_series_source(series.id, "http",
                                    {"url": server.url + "/files/mushishi-{episode:00}.mkv"})
        return series.id


async def finish(settings: Settings, download_id: int) -> DownloadUpdate:
    """Open a new process's app and read events until the download ends."""
    async with SeriesApp.open(settings) as app, app.events.subscribe() as events:
        with anyio.fail_after(60):
            async for event in events:
                if isinstance(event, DownloadUpdate) and event.download.id == download_id \
                        and event.download.state.is_final:
                    return event
    raise AssertionError("no end")


def whole(path: Path, server: FakeFileServer) -> bool:
    return hashlib.sha256(path.read_bytes()).hexdigest() == \
        server.files["mushishi-02.mkv"].sha256()


async def test_a_download_interrupted_by_a_shutdown_goes_on_at_the_next_start(
        restart_settings: Settings, server: FakeFileServer, tmp_path: Path) -> None:
    file = server.add("mushishi-02.mkv", SIZE, rate=4 * MB)
    series_id = await prepared(restart_settings, server)
    async with SeriesApp.open(restart_settings) as app, app.events.subscribe() as events:
        queued = await app.download(series_id, 1, 2)
        with anyio.fail_after(30):
            async for event in events:
                if isinstance(event, DownloadUpdate) and event.download.bytes_done >= 2 * MB:
                    break
    part = tmp_path / "library" / ".aniworld-downloads" / f"{queued.id}.part"
    kept = part.stat().st_size
    assert kept >= 2 * MB
    file.rate = 0
    ended = await finish(restart_settings, queued.id)
    assert ended.download.state is DownloadState.COMPLETED, ended.download.error
    assert server.requests_for("mushishi-02.mkv")[-1].range_start == kept
    assert whole(tmp_path / "library" / "Mushishi (2005)" / str(ended.download.path), server)


CHILD = textwrap.dedent('''
    import sys
    import anyio
    from aniworld_core import DownloadUpdate, SeriesApp, Settings

    async def main() -> None:
        async with SeriesApp.open(Settings.load(sys.argv[1])) as app:
            async with app.events.subscribe() as events:
                queued = await app.download(sys.argv[2], 1, 2)
                print("queued", queued.id, flush=True)
                async for event in events:
                    if isinstance(event, DownloadUpdate):
                        print("bytes", event.download.bytes_done, flush=True)

    anyio.run(main)
''')


def kill_at_half_way(config: Path, series_id: str) -> int:
    """Run a process that downloads, ``kill -9`` it once half the file is in; its id."""
    download_id = 0
    with subprocess.Popen([sys.executable, "-c", CHILD, str(config), series_id],
                          stdout=subprocess.PIPE, text=True,
                          env={**os.environ, "PYTHONUNBUFFERED": "1"}) as child:
        try:
            assert child.stdout is not None
            for line in child.stdout:  # ends if the child dies
                word, number = line.split()
                if word == "queued":
                    download_id = int(number)
                elif int(number) >= SIZE // 2:
                    break
            child.send_signal(signal.SIGKILL)
        finally:
            child.kill()
            child.wait(30)
    return download_id


async def test_a_download_killed_mid_way_goes_on_from_its_partial(
        restart_settings: Settings, server: FakeFileServer, tmp_path: Path) -> None:
    """``kill -9`` at half way: the next process takes the job over once its lease expires
    and fetches only what the partial lacks (what was in flight to the dead process, at most
    a little, is fetched again)."""
    server.add("mushishi-02.mkv", SIZE, rate=4 * MB)
    series_id = await prepared(restart_settings, server)
    config = tmp_path / "child.toml"
    config.write_text(textwrap.dedent(f'''
        data_dir = "{restart_settings.data_dir}"
        database_url = "{restart_settings.resolved_database_url}"
        library = ["{tmp_path / 'library'}"]
        load_entry_points = false
        [providers.anilist]
        enabled = false
        [providers.jikan]
        enabled = false
        [loader]
        lease_seconds = 1.0
    '''), encoding="utf-8")
    download_id = await anyio.to_thread.run_sync(kill_at_half_way, config, series_id)
    part = tmp_path / "library" / ".aniworld-downloads" / f"{download_id}.part"
    kept = part.stat().st_size
    assert kept >= SIZE // 2
    server.files["mushishi-02.mkv"].rate = 0
    ended = await finish(restart_settings, download_id)
    assert ended.download.state is DownloadState.COMPLETED, ended.download.error
    resumed = server.requests_for("mushishi-02.mkv")[-1]
    assert resumed.range_start == kept
    fetched_again = server.bytes_sent("mushishi-02.mkv") - SIZE
    assert fetched_again <= 4 * MB  # what was in flight to the dead process (socket buffers)
    assert whole(tmp_path / "library" / "Mushishi (2005)" / str(ended.download.path), server)
