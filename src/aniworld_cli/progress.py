"""Drawing a loading run from the event stream: live bars on a terminal, plain lines elsewhere,
JSON lines for programs. Every view keeps a :class:`RunState`; none of them decides anything.

- :class:`LiveView`: an overall bar (series done of the series in the run), one line per series
  being loaded with its ✓ items, and the providers that are waiting ("AniList rate limit, 12 s").
- :class:`PlainView`: one line per series as it finishes, per wait and per retry (pipes, CI).
- :class:`JsonView`: every event's ``to_json()``, one object per line.
"""

from __future__ import annotations

import json
import time
from typing import Protocol

import click
from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

from aniworld_cli.run_state import RunState, Tracked
from aniworld_core import Event, LoadingStatus, ProviderWaiting, SeriesLoadingUpdate

#: Series lines a live view shows at most; the rest are counted in one line.
MAX_LINES = 10
#: Shorter provider waits are routine pacing: the live view shows them, plain logs do not.
PLAIN_WAIT_SECONDS = 2.0
_MARKS = {LoadingStatus.COMPLETED: "✓", LoadingStatus.FAILED: "✗", LoadingStatus.CANCELLED: "–"}


class View(Protocol):
    """Something that draws a run: started once, fed every event, stopped once."""

    state: RunState

    def start(self) -> None: ...

    def handle(self, event: Event) -> None: ...

    def stop(self) -> None: ...


def make_view(console: Console, *, as_json: bool) -> View:
    """JSON lines when asked, live bars on a terminal, plain lines otherwise."""
    if as_json:
        return JsonView(console)
    if console.is_terminal:
        return LiveView(console)
    return PlainView(console)


def flags(tracked: Tracked) -> str:
    """``episodes ✓  nfo ·  logo ·  images ·``"""
    return "  ".join(f"{name} {'✓' if done else '·'}"
                     for name, done in tracked.progress.to_dict().items())


def finished_line(tracked: Tracked) -> Text:
    """``✓ Cowboy Bebop`` or ``✗ Title — the reason``, never read as markup."""
    line = Text(f"{_MARKS.get(tracked.status, '?')} {tracked.title}")
    if tracked.status is not LoadingStatus.COMPLETED and tracked.error:
        line.append(f" — {tracked.error}")
    return line


class LiveView:
    """Bars and lines redrawn in place on a terminal."""

    def __init__(self, console: Console, state: RunState | None = None) -> None:
        self.console = console
        self.state = state or RunState()
        self._started = time.monotonic()
        self._live = Live(console=console, get_renderable=self.render, refresh_per_second=4,
                          transient=True)

    def start(self) -> None:
        self._started = time.monotonic()
        self._live.start()

    def handle(self, event: Event) -> None:
        finished = self.state.apply(event)
        if finished is not None and finished.status is not LoadingStatus.COMPLETED:
            self.console.print(finished_line(finished))  # failures stay on screen

    def stop(self) -> None:
        self._live.stop()

    def render(self) -> RenderableType:
        state = self.state
        parts: list[RenderableType] = []
        scan = state.scan
        if scan is not None and not scan.finished:
            parts.append(_bar("Scanning", scan.folders_done, scan.folders_total,
                              f"{scan.folders_done}/{scan.folders_total} folders, "
                              f"{scan.files} files"))
        failed = state.count(LoadingStatus.FAILED)
        elapsed = int(time.monotonic() - self._started)
        detail = f"{state.done}/{state.total} series"
        if failed:
            detail += f", {failed} failed"
        parts.append(_bar("Loading", state.done, state.total,
                          f"{detail}  {elapsed // 60}:{elapsed % 60:02d}"))
        active = state.active()
        lines = Table.grid(padding=(0, 2))
        for tracked in active[:MAX_LINES]:
            lines.add_row(Text(f"  {tracked.title}", overflow="ellipsis", no_wrap=True),
                          Text(tracked.message, overflow="ellipsis", no_wrap=True),
                          Text(flags(tracked), style="dim", no_wrap=True))
        parts.append(lines)
        waiting = state.total - state.done - len(active)
        rest = []
        if len(active) > MAX_LINES:
            rest.append(f"{len(active) - MAX_LINES} more loading")
        if waiting > 0:
            rest.append(f"{waiting} queued")
        if rest:
            parts.append(Text(f"  … {', '.join(rest)}", style="dim"))
        for wait in state.current_waits():
            parts.append(Text(f"  ⏳ {wait}", style="yellow"))
        return Group(*parts)


def _bar(label: str, done: int, total: int, detail: str) -> Table:
    row = Table.grid(padding=(0, 1))
    row.add_row(Text(f"{label:<9}", style="bold"),
                ProgressBar(total=max(total, 1), completed=done, width=40), Text(detail))
    return row


class PlainView:
    """A line per finished series, per provider wait and per retry: for logs and pipes."""

    def __init__(self, console: Console, state: RunState | None = None) -> None:
        self.console = console
        self.state = state or RunState()
        self._errors: dict[str, str] = {}

    def start(self) -> None:
        if self.state.total:
            self.console.print(f"{self.state.total} series queued.")

    def handle(self, event: Event) -> None:
        finished = self.state.apply(event)
        if finished is not None:
            line = Text(f"[{self.state.done}/{self.state.total}] ").append(
                finished_line(finished))
            self.console.print(line)
        elif isinstance(event, ProviderWaiting) and event.seconds >= PLAIN_WAIT_SECONDS:
            self.console.print(Text(f"Waiting: {event.reason}, {event.seconds:.0f} s"))
        elif (isinstance(event, SeriesLoadingUpdate) and event.error
              and not event.status.is_final and event.status is not LoadingStatus.QUEUED
              and self._errors.get(event.series_id) != event.error):
            # Series back in the queue (a provider is down) are told once, by the provider's
            # wait and the summary: a line each would flood a big library's log.
            # The first update carrying a new error is the one that schedules the retry.
            self._errors[event.series_id] = event.error
            self.console.print(Text(f"  {event.title}: {event.message}"))

    def stop(self) -> None:
        return None


class JsonView:
    """Every event as one JSON object per line."""

    def __init__(self, console: Console, state: RunState | None = None) -> None:
        self.console = console
        self.state = state or RunState()

    def start(self) -> None:
        return None

    def handle(self, event: Event) -> None:
        self.state.apply(event)
        emit(event.to_json())

    def stop(self) -> None:
        return None


def emit(obj: object) -> None:
    """One JSON object on its own line, untouched by rich (no wrapping, no markup)."""
    click.echo(json.dumps(obj, ensure_ascii=False))
