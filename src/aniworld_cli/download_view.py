"""Following downloads from the event stream: rich bars (bytes, speed, ETA) on a terminal, one
line per download that ends elsewhere (pipes, CI). The core computes speed and ETA; this only
draws what ``download_update`` events say.
"""

from __future__ import annotations

import signal
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable

import anyio
import attrs
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn
from rich.text import Text

from aniworld_core import Download, DownloadUpdate, SeriesApp, size_text

#: How often the downloads are also read (a safety net: events of a slow reader coalesce).
POLL_SECONDS = 2.0
_MARKS = {"completed": "✓", "failed": "✗", "cancelled": "–"}


def eta_text(seconds: float | None) -> str:
    if seconds is None:
        return ""
    whole = max(0, round(seconds))
    return f"{whole // 3600}:{whole // 60 % 60:02d}:{whole % 60:02d}"


def code_of(download: Download) -> str:
    """``S01E03`` (``S01E03E04`` for a multi-episode file)."""
    return f"S{download.season:02d}" + "".join(f"E{n:02d}" for n in download.episodes)


def render_download_line(download: Download) -> Text:
    """``#12 ✓ Cowboy Bebop S01E03 completed (1.2 GB)``, or with the error; never markup."""
    mark = _MARKS.get(download.state.value, "·")
    line = Text(f"#{download.id} {mark} {download.series_title} {code_of(download)} "
                f"{download.state.value}")
    if download.bytes_total or download.bytes_done:
        line.append(f" ({size_text(download.bytes_total or download.bytes_done)})")
    if download.error:
        line.append(f" — {download.error}")
    if download.note:
        line.append(f" ({download.note})")
    return line


class DownloadBars:
    """One bar per download on a terminal; plain lines as each ends elsewhere."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.live = console.is_terminal
        self.progress = Progress(
            TextColumn("{task.description}"), BarColumn(bar_width=30),
            TextColumn("{task.fields[bytes]:>22}"), TextColumn("{task.fields[speed]:>12}"),
            TextColumn("{task.fields[eta]:>8}"), TextColumn("{task.fields[state]}"),
            console=console, transient=False, auto_refresh=True, refresh_per_second=4)
        self.tasks: dict[int, TaskID] = {}
        self.latest: dict[int, Download] = {}

    def start(self, downloads: Iterable[Download]) -> None:
        for download in downloads:
            self.latest[download.id] = download
            if self.live:
                self.tasks[download.id] = self.progress.add_task(
                    f"{download.series_title} {code_of(download)}", total=None,
                    bytes="", speed="", eta="", state="")
                self._draw(download)
        if self.live:
            self.progress.start()
        else:
            self.console.print(f"Downloading {len(self.latest)}...", markup=False)

    def update(self, download: Download) -> None:
        before = self.latest.get(download.id)
        if before is None:
            return
        self.latest[download.id] = download
        if self.live:
            self._draw(download)
        elif download.state.is_final and not before.state.is_final:
            self.console.print(render_download_line(download))

    def _draw(self, download: Download) -> None:
        running = download.state.value == "downloading"
        done = size_text(download.bytes_done)
        total = download.bytes_total
        if total is None and download.state.value == "completed":
            total = download.bytes_done
        self.progress.update(
            self.tasks[download.id], completed=download.bytes_done, total=total,
            bytes=f"{done} / {size_text(total)}" if total else done,
            speed=f"{size_text(download.speed)}/s" if running and download.speed else "",
            eta=eta_text(download.eta) if running else "",
            state=download.state.value + (f": {download.error}" if download.error else ""))

    @property
    def finished(self) -> bool:
        return all(download.state.is_final for download in self.latest.values())

    def stop(self) -> None:
        if self.live:
            self.progress.stop()


@attrs.frozen
class Followed:
    """The downloads as last seen, and whether a signal (Ctrl-C) stopped the following."""

    downloads: list[Download]
    interrupted: bool = False


async def follow_downloads(app: SeriesApp, queue: Callable[[], Awaitable[list[Download]]],
                           console: Console) -> Followed:
    """Queue (``queue``), then draw the downloads it returned until every one has ended (or
    Ctrl-C / SIGTERM stops the following: what is unfinished stays queued for the next
    process that runs background work). Subscribed before queueing: no update is missed."""
    bars = DownloadBars(console)
    # Signals are taken over before anything is shown: Ctrl-C from then on stops cleanly.
    with anyio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
        return await _follow(app, queue, bars, signals)


async def _follow(app: SeriesApp, queue: Callable[[], Awaitable[list[Download]]],
                  bars: DownloadBars, signals: AsyncIterator[int]) -> Followed:
    interrupted = False
    async with app.events.subscribe(snapshot=False) as events:
        queued = await queue()
        if not queued:
            return Followed([])
        bars.start(queued)
        try:
            async with anyio.create_task_group() as group:

                def take(download: Download) -> None:
                    bars.update(download)
                    if bars.finished:
                        group.cancel_scope.cancel()

                async def poll() -> None:
                    while True:
                        for download_id, download in list(bars.latest.items()):
                            if not download.state.is_final:
                                take(await app.get_download(download_id))
                        await anyio.sleep(POLL_SECONDS)

                async def stop_on_signal() -> None:
                    nonlocal interrupted
                    async for _ in signals:
                        interrupted = True
                        group.cancel_scope.cancel()
                        return

                group.start_soon(poll)
                group.start_soon(stop_on_signal)
                async for event in events:
                    if isinstance(event, DownloadUpdate):
                        take(event.download)
        finally:
            bars.stop()
    return Followed(list(bars.latest.values()), interrupted)
