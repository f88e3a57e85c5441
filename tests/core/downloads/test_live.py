"""How a running download tells: ``download_update`` events at most every
:data:`EVENT_INTERVAL` seconds however often bytes arrive (and always the last byte and every
change of state), speed and ETA over the recent past, and the database at most every
:data:`WRITE_INTERVAL`. A clock the test moves stands for the event loop's."""

from __future__ import annotations

import attrs
import pytest

from aniworld_core.downloads.live import EVENT_INTERVAL, WRITE_INTERVAL, LiveDownload
from aniworld_core.downloads.model import Download, DownloadState, Offer

pytestmark = pytest.mark.anyio  # a running download has a cancel scope
MB = 1_000_000


@attrs.define
class Clock:
    now: float = 1000.0

    def __call__(self) -> float:
        return self.now


def running(clock: Clock) -> tuple[LiveDownload, list[Download]]:
    told: list[Download] = []
    download = Download(id=7, series_id="s", series_title="Mushishi", season=1, episodes=(2,),
                        source="http", offer=Offer("http", "Mushishi 02"),
                        state=DownloadState.QUEUED)
    return LiveDownload(download, told.append, clock=clock), told


@pytest.mark.parametrize("chunks_per_second", [4, 100, 5000])
async def test_progress_is_told_a_few_times_a_second_however_often_bytes_arrive(
        chunks_per_second: int) -> None:
    clock = Clock()
    live, told = running(clock)
    live.state(DownloadState.DOWNLOADING)
    seconds, total = 10, 10 * MB
    chunks = seconds * chunks_per_second
    for n in range(1, chunks + 1):
        clock.now += 1 / chunks_per_second
        live.progress(n * total // chunks, total)
    progress = [d for d in told if d.bytes_done > 0]
    most = seconds / EVENT_INTERVAL + 1
    assert len(progress) <= min(chunks, most)
    assert len(progress) >= min(chunks, most) - 2  # and at that pace, not fewer
    assert progress[-1].bytes_done == total  # the last byte is always told
    done = [d.bytes_done for d in progress]
    assert done == sorted(done)


async def test_a_change_of_state_is_told_at_once() -> None:
    clock = Clock()
    live, told = running(clock)
    live.state(DownloadState.DOWNLOADING)
    clock.now += 0.01
    live.progress(1000, 10_000)  # too soon after the last event: kept, not told
    clock.now += 0.01
    live.state(DownloadState.PAUSED)
    assert [(d.state, d.bytes_done) for d in told] == [
        (DownloadState.DOWNLOADING, 0), (DownloadState.PAUSED, 1000)]


async def test_speed_and_eta_follow_the_recent_rate() -> None:
    clock = Clock()
    live, _ = running(clock)
    done, total = 0, 100 * MB
    for _ in range(30):  # 1 MB/s for 3 s, then 4 MB/s for 7 s
        clock.now += 0.1
        done += MB // 10
        live.progress(done, total)
    assert live.download.speed == pytest.approx(MB, rel=0.01)
    assert live.download.eta == pytest.approx((total - done) / MB, rel=0.01)
    for _ in range(70):
        clock.now += 0.1
        done += 4 * MB // 10
        live.progress(done, total)
    assert live.download.speed == pytest.approx(4 * MB, rel=0.01)  # the old rate has gone
    assert live.download.eta == pytest.approx((total - done) / (4 * MB), rel=0.01)


async def test_speed_is_unknown_until_a_fifth_of_a_second_has_passed() -> None:
    clock = Clock()
    live, _ = running(clock)
    live.progress(0, MB)
    clock.now += 0.1
    live.progress(MB // 2, MB)
    assert (live.download.speed, live.download.eta) == (None, None)


async def test_bytes_are_written_to_the_database_at_most_every_write_interval() -> None:
    clock = Clock()
    live, _ = running(clock)
    assert not live.due_write()  # nothing new
    writes = 0
    for n in range(1, 1001):  # 10 s of progress, every 10 ms
        clock.now += 0.01
        live.progress(n * 1000, 10**6)
        writes += live.due_write()
    assert writes == pytest.approx(10 / WRITE_INTERVAL, abs=1)
    assert not live.due_write()  # nothing new since the last write
