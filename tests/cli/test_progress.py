"""The progress views, fed events by hand: honest totals, honest waits, plain lines off a
terminal, JSON lines for programs."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from rich.console import Console

from aniworld_cli.progress import JsonView, LiveView, PlainView, make_view
from aniworld_cli.run_state import RunState
from aniworld_core import (
    LoadingStatus,
    Progress,
    ProviderWaiting,
    ScanProgress,
    SeriesAdded,
    SeriesLoadingUpdate,
    SeriesRemoved,
)

NOW = dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.UTC)


def update(series_id: str, title: str, status: LoadingStatus, *, error: str | None = None,
           progress: Progress | None = None, message: str | None = None) -> SeriesLoadingUpdate:
    return SeriesLoadingUpdate(series_id, title, status, progress or Progress(),
                               message or status.message, error, timestamp=NOW)


def console(*, terminal: bool) -> Console:
    return Console(file=io.StringIO(), force_terminal=terminal, width=120, color_system=None)


def text_of(view: LiveView) -> str:
    out = console(terminal=False)
    out.print(view.render())
    assert isinstance(out.file, io.StringIO)
    return out.file.getvalue()


def test_the_total_is_what_is_queued_and_grows_as_work_arrives() -> None:
    """Series queued at the start and series added later make the total; finishing counts
    once; a removed series leaves the run; an earlier failure in the snapshot is not counted."""
    state = RunState(now=lambda: NOW)
    state.apply(update("a", "Akira", LoadingStatus.PENDING))
    assert (state.done, state.total) == (0, 1)
    state.apply(SeriesAdded("b", "Trigun", LoadingStatus.PENDING, timestamp=NOW))
    state.apply(SeriesAdded("c", "Monster", LoadingStatus.PENDING, timestamp=NOW))
    finished = state.apply(update("a", "Akira", LoadingStatus.COMPLETED))
    assert finished is not None
    assert finished.title == "Akira"
    assert state.apply(update("a", "Akira", LoadingStatus.COMPLETED)) is None
    state.apply(SeriesRemoved("c", timestamp=NOW))
    assert (state.done, state.total) == (1, 2)


def test_live_view_draws_the_bar_active_series_and_honest_waits() -> None:
    """The live view shows done of total, each loading series with its ✓ items, and a provider
    wait counting down from what the event said."""
    clock = [NOW]
    view = LiveView(console(terminal=True), RunState(now=lambda: clock[0]))
    view.state.apply(update("a", "Cowboy Bebop", LoadingStatus.LOADING_NFO,
                            progress=Progress(episodes=True)))
    view.state.apply(update("b", "Trigun", LoadingStatus.PENDING))
    view.handle(ProviderWaiting("anilist", 12.0, "AniList rate limit", timestamp=NOW))
    drawn = text_of(view)
    assert "0/2 series" in drawn
    assert "Cowboy Bebop" in drawn
    assert "Writing NFO..." in drawn
    assert "episodes ✓  nfo ·  logo ·  images ·" in drawn
    assert "1 queued" in drawn
    assert "AniList rate limit, 12 s" in drawn
    clock[0] = NOW + dt.timedelta(seconds=5)
    assert "AniList rate limit, 7 s" in text_of(view)
    clock[0] = NOW + dt.timedelta(seconds=13)
    view.handle(update("a", "Cowboy Bebop", LoadingStatus.COMPLETED))
    drawn = text_of(view)
    assert "rate limit" not in drawn
    assert "1/2 series" in drawn


def test_live_view_shows_the_scan_while_it_runs() -> None:
    """During a scan the live view has a bar of folders done."""
    view = LiveView(console(terminal=True), RunState(now=lambda: NOW))
    view.handle(ScanProgress(200, 1000, 5120, timestamp=NOW))
    assert "200/1000 folders, 5120 files" in text_of(view)
    view.handle(ScanProgress(1000, 1000, 25000, finished=True, timestamp=NOW))
    assert "folders" not in text_of(view)


def test_plain_view_prints_lines_for_finished_series_waits_and_retries() -> None:
    """Off a terminal: a numbered line per finished series, failures with their reason, each
    wait and each retry once; no escape codes."""
    out = console(terminal=False)
    view = PlainView(out, RunState(now=lambda: NOW))
    view.state.apply(update("a", "Akira", LoadingStatus.PENDING))
    view.state.apply(update("b", "[bold]Monster[/]", LoadingStatus.PENDING))
    view.start()
    view.handle(ProviderWaiting("anilist", 9.6, "AniList rate limit", timestamp=NOW))
    retry = update("b", "[bold]Monster[/]", LoadingStatus.LOADING_EPISODES,
                   error="Episodes: HTTP 503", message="Retrying in 1 s: Episodes: HTTP 503")
    view.handle(retry)
    view.handle(retry)
    view.handle(update("a", "Akira", LoadingStatus.COMPLETED))
    view.handle(update("b", "[bold]Monster[/]", LoadingStatus.FAILED, error="Episodes: HTTP 503"))
    assert isinstance(out.file, io.StringIO)
    assert out.file.getvalue().splitlines() == [
        "2 series queued.",
        "Waiting: AniList rate limit, 10 s",
        "  [bold]Monster[/]: Retrying in 1 s: Episodes: HTTP 503",
        "[1/2] ✓ Akira",
        "[2/2] ✗ [bold]Monster[/] — Episodes: HTTP 503",
    ]


def test_json_view_prints_each_event_as_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    """The JSON view prints every event's wire format, one object per line."""
    view = JsonView(console(terminal=False))
    events = [SeriesAdded("a", "Akira", LoadingStatus.PENDING, timestamp=NOW),
              ProviderWaiting("anilist", 3.0, "AniList rate limit", timestamp=NOW)]
    for event in events:
        view.handle(event)
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert lines == [event.to_json() for event in events]


@pytest.mark.parametrize(("terminal", "as_json", "kind"), [
    (True, False, LiveView), (False, False, PlainView), (True, True, JsonView),
])
def test_the_view_follows_the_output(terminal: bool, as_json: bool, kind: type) -> None:
    """Live bars only on a terminal, plain lines elsewhere, JSON when asked."""
    assert isinstance(make_view(console(terminal=terminal), as_json=as_json), kind)
