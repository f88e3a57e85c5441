"""The download manager through ``SeriesApp``: a missing episode is found by the ``http``
source, fetched from the fake file server into staging, put at its name in the series folder,
linked (no longer missing) and told as ``download_update`` events; pause keeps the partial and
resume goes on from it; cancel removes it; bad offers leave nothing behind. Real database,
real files, both anyio backends."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import anyio
import attrs
import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from aniworld_core import EpisodeInfo, ProviderSettings, SeriesApp, Settings
from aniworld_core.download_events import DownloadUpdate
from aniworld_core.downloads.model import Download, DownloadState, Offer
from aniworld_core.errors import EpisodeNotFound, InvalidInput, StateConflict
from aniworld_core.jobs.model import JobUpdate
from aniworld_core.metadata import ProviderRef, SeriesInfo
from aniworld_core.storage.library_store import LibraryStore
from aniworld_core.storage.tables import SeriesRow
from aniworld_testing import FakeFileServer

pytestmark = pytest.mark.anyio
MB = 1 << 20


@pytest.fixture(scope="module")
def server() -> Iterator[FakeFileServer]:
    with FakeFileServer() as running:
        yield running


@pytest.fixture
def files(server: FakeFileServer) -> Iterator[FakeFileServer]:
    yield server
    server.reset()


@pytest.fixture
def download_settings(settings: Settings, tmp_path: Path) -> Settings:
    """A library root, no metadata providers (the episode list is saved by the test)."""
    off = ProviderSettings(enabled=False)
    return attrs.evolve(settings, library=(tmp_path / "library",),
                        providers={"anilist": off, "jikan": off})


@pytest.fixture
async def opened(download_settings: Settings, tmp_path: Path) -> AsyncIterator[SeriesApp]:
    folder = tmp_path / "library" / "Mushishi (2005)" / "Season 01"
    folder.mkdir(parents=True)
    (folder / "Mushishi - S01E01.mkv").write_bytes(b"v")
    async with SeriesApp.open(download_settings) as app:
        yield app


async def scanned(app: SeriesApp, files: FakeFileServer) -> str:
    """Mushishi with a list of 4 aired episodes (1 on disk) and its http URL template."""
    await app.scan()
    (series,) = await app.list_series()
    aired = dt.date(2005, 10, 1)
    await LibraryStore(app._database).save_provider_episodes(series.id, [
        EpisodeInfo(number=n, title=f"Episode {n}", air_date=aired) for n in range(1, 5)])
    await app.set_series_source(series.id, "http",
                                {"url": files.url + "/files/mushishi-{episode:00}.mkv"})
    return series.id


async def until(app: SeriesApp, download_id: int, *states: DownloadState,
                events: Any) -> Download:
    """Read events until the download reaches one of ``states``."""
    with anyio.fail_after(30):
        async for event in events:
            if isinstance(event, DownloadUpdate) and event.download.id == download_id \
                    and event.download.state in states:
                return event.download
    raise AssertionError("the event stream ended")


async def past(size: int, events: Any) -> None:
    """Read events until a download has ``size`` bytes."""
    with anyio.fail_after(30):
        async for event in events:
            if isinstance(event, DownloadUpdate) and event.download.bytes_done >= size:
                return


async def stopped(job_id: int, events: Any) -> None:
    """Read events until the job of a download ended (its handler is done)."""
    with anyio.fail_after(30):
        async for event in events:
            if isinstance(event, JobUpdate) and event.job_id == job_id \
                    and event.state.is_final:
                return


async def test_a_missing_episode_is_downloaded_named_and_linked(
        opened: SeriesApp, files: FakeFileServer, tmp_path: Path) -> None:
    app = opened
    episode = files.add("mushishi-02.mkv", 3 * MB)
    series_id = await scanned(app, files)
    wanted = await app.wanted()
    assert [(e.season, e.number) for e in wanted[0].episodes] == [(1, 2), (1, 3), (1, 4)]
    offers = await app.find_offers(series_id, 1, 2)
    assert [(o.source, o.size) for o in offers] == [("http", 3 * MB)]
    async with app.events.subscribe(snapshot=False) as events:
        queued = await app.download(series_id, 1, 2)
        assert queued.state in (DownloadState.QUEUED, DownloadState.DOWNLOADING)
        seen: list[DownloadUpdate] = []
        with anyio.fail_after(30):
            async for event in events:
                if isinstance(event, DownloadUpdate) and event.download.id == queued.id:
                    seen.append(event)
                    if event.download.state.is_final:
                        break
    done = seen[-1].download
    assert done.state is DownloadState.COMPLETED, done.error
    assert done.path == "Season 01/Mushishi - S01E02 - Episode 2.mkv"
    placed = tmp_path / "library" / "Mushishi (2005)" / done.path
    import hashlib

    assert hashlib.sha256(placed.read_bytes()).hexdigest() == episode.sha256()
    assert DownloadState.DOWNLOADING in {event.download.state for event in seen}
    assert max(event.download.bytes_done for event in seen) == 3 * MB
    assert [(e.season, e.number) for e in await app.missing_episodes(series_id)] == [
        (1, 3), (1, 4)]
    linked = {(e.season, e.number): e.file_path for e in await app.episodes(series_id)}
    assert linked[(1, 2)] == done.path
    staging = tmp_path / "library" / ".aniworld-downloads"
    assert list(staging.iterdir()) == []  # no partial, no sidecar left
    assert (await app.get_download(queued.id)).state is DownloadState.COMPLETED
    # A second request for an episode that has its file now is refused.
    with pytest.raises(StateConflict, match="has a file already"):
        await app.download(series_id, 1, 2)


async def test_a_downloaded_episode_gets_its_nfo(opened: SeriesApp, files: FakeFileServer,
                                                tmp_path: Path) -> None:
    """A series whose metadata is loaded: once the download is placed (before it is told
    completed), the episode's NFO stands beside it and names that episode."""
    app = opened
    files.add("mushishi-03.mkv", MB)
    series_id = await scanned(app, files)
    info = SeriesInfo(ref=ProviderRef("anilist", "457"), title="Mushishi", status="Ended")

    def loaded(session: Session) -> None:
        session.execute(update(SeriesRow).where(SeriesRow.id == series_id)
                        .values(series_metadata=info.to_dict(), anilist_id="457"))

    await app._database.session(loaded)
    async with app.events.subscribe(snapshot=False) as events:
        queued = await app.download(series_id, 1, 3)
        done = await until(app, queued.id, DownloadState.COMPLETED, DownloadState.FAILED,
                           events=events)
    assert done.state is DownloadState.COMPLETED, done.error
    video = tmp_path / "library" / "Mushishi (2005)" / done.path
    nfo = ET.parse(video.with_suffix(".nfo")).getroot()
    assert nfo.tag == "episodedetails"
    assert (nfo.findtext("title"), nfo.findtext("season"), nfo.findtext("episode")) == (
        "Episode 3", "1", "3")
    assert nfo.findtext("showtitle") == "Mushishi"


async def test_pause_keeps_the_partial_and_resume_goes_on_from_it(
        opened: SeriesApp, files: FakeFileServer, tmp_path: Path) -> None:
    app = opened
    files.add("mushishi-03.mkv", 8 * MB, rate=2 * MB)
    series_id = await scanned(app, files)
    async with app.events.subscribe(snapshot=False) as events:
        queued = await app.download(series_id, 1, 3)
        await past(MB, events)
        paused = await app.pause_download(queued.id)
        await stopped(queued.id, events)
    assert paused.state is DownloadState.PAUSED
    part = tmp_path / "library" / ".aniworld-downloads" / f"{queued.id}.part"
    kept = part.stat().st_size
    after = await app.get_download(queued.id)
    assert kept >= MB
    assert after.bytes_done == kept
    assert after.state is DownloadState.PAUSED
    files.files["mushishi-03.mkv"].rate = 0
    async with app.events.subscribe(snapshot=False) as events:
        await app.resume_download(queued.id)
        done = await until(app, queued.id, DownloadState.COMPLETED, DownloadState.FAILED,
                           events=events)
    assert done.state is DownloadState.COMPLETED, done.error
    resumed = files.requests_for("mushishi-03.mkv")[-1]
    assert resumed.range_start == kept
    assert files.bytes_sent("mushishi-03.mkv") - kept <= 8 * MB - kept + 2 * MB
    assert not part.exists()


async def test_cancel_removes_the_partial(opened: SeriesApp, files: FakeFileServer,
                                          tmp_path: Path) -> None:
    app = opened
    files.add("mushishi-04.mkv", 8 * MB, rate=2 * MB)
    series_id = await scanned(app, files)
    async with app.events.subscribe(snapshot=False) as events:
        queued = await app.download(series_id, 1, 4)
        await past(MB, events)
        ended = await app.cancel_download(queued.id)
        await stopped(queued.id, events)
    assert ended.state is DownloadState.CANCELLED
    staging = tmp_path / "library" / ".aniworld-downloads"
    assert list(staging.iterdir()) == []
    assert not list((tmp_path / "library" / "Mushishi (2005)").rglob("*S01E04*"))
    assert (await app.get_download(queued.id)).state is DownloadState.CANCELLED
    assert [(e.season, e.number) for e in await app.missing_episodes(series_id)][-1] == (1, 4)


async def test_a_web_page_instead_of_a_video_fails_and_leaves_nothing(
        opened: SeriesApp, files: FakeFileServer, tmp_path: Path) -> None:
    app = opened
    files.add("mushishi-02.mkv", MB, html=True)
    series_id = await scanned(app, files)
    async with app.events.subscribe(snapshot=False) as events:
        queued = await app.download(series_id, 1, 2)
        ended = await until(app, queued.id, DownloadState.FAILED, DownloadState.COMPLETED,
                            events=events)
    assert ended.state is DownloadState.FAILED
    assert ended.error is not None
    assert "web page" in ended.error
    assert list((tmp_path / "library" / ".aniworld-downloads").iterdir()) == []
    assert not list((tmp_path / "library" / "Mushishi (2005)").rglob("*S01E02*"))


async def test_offers_that_cannot_be_fetched_are_refused(opened: SeriesApp,
                                                         files: FakeFileServer) -> None:
    app = opened
    series_id = await scanned(app, files)
    with pytest.raises(StateConflict, match="No source offers"):
        await app.download(series_id, 1, 2)  # the server has no such file
    for url in ("file:///etc/passwd", "ftp://host/x.mkv", "javascript:alert(1)"):
        with pytest.raises(InvalidInput, match="Only http"):
            await app.download(series_id, 1, 2, offer=Offer("http", "x", url=url))
    with pytest.raises(EpisodeNotFound, match="not an episode"):
        await app.download(series_id, 1, 99)
    with pytest.raises(InvalidInput, match="not an http"):
        await app.set_series_source(series_id, "http", {"url": "file:///x/{episode}.mkv"})
    with pytest.raises(InvalidInput, match="Unknown token"):
        await app.set_series_source(series_id, "http", {"url": "http://h/{nope}.mkv"})
    assert await app.downloads() == []


async def most_at_once(settings: Settings, files: FakeFileServer, tmp_path: Path, *,
                       concurrency: int, per_source: int) -> int:
    """Download Mushishi's three missing episodes from one source under these limits and
    return how many were downloading at once, at most (all three must complete)."""
    folder = tmp_path / "library" / "Mushishi (2005)" / "Season 01"
    folder.mkdir(parents=True)
    (folder / "Mushishi - S01E01.mkv").write_bytes(b"v")
    settings = attrs.evolve(settings, downloads=attrs.evolve(
        settings.downloads, concurrency=concurrency, per_source=per_source))
    for n in (2, 3, 4):
        files.add(f"mushishi-{n:02d}.mkv", 2 * MB, rate=4 * MB)
    async with SeriesApp.open(settings) as app:
        series_id = await scanned(app, files)
        running: set[int] = set()
        most = 0
        async with app.events.subscribe(snapshot=False) as events:
            queued = await app.download_missing(series_id)
            assert len(queued) == 3
            finished: set[int] = set()
            with anyio.fail_after(60):
                async for event in events:
                    if not isinstance(event, DownloadUpdate):
                        continue
                    state = event.download.state
                    if state is DownloadState.DOWNLOADING:
                        running.add(event.download.id)
                    elif state.is_final:
                        running.discard(event.download.id)
                        finished.add(event.download.id)
                    most = max(most, len(running))
                    if len(finished) == 3:
                        break
        states = {d.state for d in await app.downloads()}
    assert states == {DownloadState.COMPLETED}
    return most


async def test_one_source_runs_at_most_its_share_at_once(
        download_settings: Settings, files: FakeFileServer, tmp_path: Path) -> None:
    assert await most_at_once(download_settings, files, tmp_path,
                              concurrency=3, per_source=1) == 1


async def test_all_sources_together_run_at_most_the_overall_limit_at_once(
        download_settings: Settings, files: FakeFileServer, tmp_path: Path) -> None:
    """``downloads.concurrency`` bounds downloads of every source together, and is reached:
    two run side by side, the third waits for one of them."""
    assert await most_at_once(download_settings, files, tmp_path,
                              concurrency=2, per_source=3) == 2
