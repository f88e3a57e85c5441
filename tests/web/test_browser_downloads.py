"""Downloads in Debian's Chromium: the Downloads page draws a download's bar live until it is
done, and pauses and cancels one; the Wanted page and the series page queue episodes."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from aniworld_core import DownloadSettings, Settings
from aniworld_core.auth import set_testing
from aniworld_testing import FakeFileServer
from tests.conftest import pointed_at
from tests.show_files import season_folders

from .browser_support import browser_tests, logged_in, no_script_errors, screenshot
from .live_server import LiveServer, live_server

pytestmark = browser_tests

TITLE = "Mob Psycho 100"
MISSING = [(1, 3), (1, 4)]
SEASONS = {1: 12, 2: 13, 3: 12}
SIZE = 4 << 20


@pytest.fixture
def files() -> Iterator[FakeFileServer]:
    """The two missing episodes, slow enough (2 MiB/s, 1 MiB/s) for a page to watch."""
    server = FakeFileServer()
    server.add("mob-1-3.mkv", SIZE, rate=2 << 20)
    server.add("mob-1-4.mkv", SIZE, rate=1 << 20)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def show_missing_two(server: LiveServer, files: FakeFileServer, tmp_path: Path) -> str:
    """Mob Psycho 100 in the server's library without S01E03 and S01E04, loaded, its http
    source pointed at ``files``; its id."""
    season_folders(tmp_path / "library" / TITLE, TITLE,
                   [(season, number) for season, count in SEASONS.items()
                    for number in range(1, count + 1) if (season, number) not in MISSING])
    server.call(server.core.scan)
    server.wait_idle(60)
    [series] = server.call(server.core.list_series)
    server.call(server.core.set_series_source, series.id, "http",
                {"url": f"{files.url}/files/mob-{{season}}-{{episode}}.mkv"})
    return str(series.id)


def test_a_bar_fills_live_until_done_and_one_is_paused_and_cancelled(
        server: LiveServer, page: Page, files: FakeFileServer, tmp_path: Path) -> None:
    """A download queued while the Downloads page is open appears, its bar fills, and it moves
    to the history as completed; a slower one pauses with Pause and ends with Cancel."""
    series_id = show_missing_two(server, files, tmp_path)
    logged_in(server, page, "/downloads")
    expect(page.locator("html")).to_have_attribute("data-ready", "true")
    expect(page.get_by_text("Nothing is downloading.")).to_be_visible()

    done = server.call(server.core.download, series_id, 1, 3)
    row = page.locator(f'tr.download[data-download-id="{done.id}"]')
    expect(row.locator(".state")).to_have_text("Downloading")
    expect(row.locator(".speed")).to_have_text(re.compile(r"B/s$"))
    history = page.locator('tbody[data-downloads="history"]')
    expect(history.locator(f'tr[data-download-id="{done.id}"] .state')).to_have_text(
        "Completed", timeout=30_000)
    bar = row.locator("progress")
    expect(bar).to_have_attribute("max", str(SIZE))
    assert bar.evaluate("bar => bar.value") == SIZE
    screenshot(page, "downloads-completed.png", full_page=True)

    slow = server.call(server.core.download, series_id, 1, 4)
    slow_row = page.locator(f'tr.download[data-download-id="{slow.id}"]')
    expect(slow_row.locator(".state")).to_have_text("Downloading")
    slow_row.get_by_role("button", name=f"Pause download {slow.id}").click()
    expect(slow_row.locator(".state")).to_have_text("Paused")
    expect(slow_row.get_by_role("button", name=f"Resume download {slow.id}")).to_be_visible()
    slow_row.get_by_role("button", name=f"Cancel download {slow.id}").click()
    expect(history.locator(f'tr[data-download-id="{slow.id}"] .state')).to_have_text(
        "Cancelled")
    expect(page.get_by_text("Nothing is downloading.")).to_be_visible()
    no_script_errors(page)


def test_wanted_and_series_pages_queue_episodes(
        server: LiveServer, page: Page, files: FakeFileServer, tmp_path: Path) -> None:
    """Find on the Wanted page lists the http offer; Download queues the episode and its row
    follows it to completed; the series page's Download button queues the other."""
    series_id = show_missing_two(server, files, tmp_path)
    logged_in(server, page, "/wanted")
    expect(page.locator("html")).to_have_attribute("data-ready", "true")
    page.get_by_role("button", name=f"Find {TITLE} S01E03").click()
    expect(page.get_by_role("list", name="Offers for S01E03").locator("li")).to_have_count(1)
    page.get_by_role("button", name=f"Download {TITLE} S01E03").click()
    row = page.locator('tr.wanted-episode[data-season="1"][data-episode="3"]')
    expect(row.locator(".download-state")).to_have_text("Completed", timeout=30_000)
    screenshot(page, "wanted.png", full_page=True)

    page.goto(f"{server.url}/series/{series_id}")
    expect(page.locator("#connection")).to_have_text(re.compile(r"^Live \("))
    button = page.get_by_role("button", name="Download S01E04")
    button.click()
    expect(button).to_have_text(re.compile(r"^(Queued|Downloading|Completed)"))
    no_script_errors(page)


@pytest.fixture
def importing_server(tmp_path: Path, fakes: Any) -> Iterator[LiveServer]:
    """The browser tests' server with a downloads folder (``tmp_path / "incoming"``)."""
    set_testing(True)
    (tmp_path / "library").mkdir()
    (tmp_path / "incoming").mkdir()
    settings = Settings(data_dir=tmp_path / "data", library=(tmp_path / "library",),
                        downloads=DownloadSettings(import_folder=tmp_path / "incoming"))
    try:
        with live_server(pointed_at(settings, fakes), loader=True) as running:
            yield running
    finally:
        set_testing(False)


def test_a_file_no_show_matches_is_imported_by_hand(
        importing_server: LiveServer, page: Page, files: FakeFileServer,
        tmp_path: Path) -> None:
    """"Import from the downloads folder" lists a finished file naming no show; choosing the
    show, season and episode in its form imports it into the library."""
    server = importing_server
    show_missing_two(server, files, tmp_path)
    stray = tmp_path / "incoming" / "holiday video.mkv"
    stray.write_bytes(b"\x1aE\xdf\xa3" + bytes(4096))
    an_hour_ago = time.time() - 3600  # finished: the importer leaves changing files alone
    os.utime(stray, (an_hour_ago, an_hour_ago))
    logged_in(server, page, "/downloads")
    expect(page.locator("html")).to_have_attribute("data-ready", "true")
    page.get_by_role("button", name="Import from the downloads folder").click()
    expect(page.locator("#imports-status")).to_have_text("Imported 0; 1 wait for you.")
    form = page.get_by_role("form", name=f"Import {stray}")
    form.get_by_label("Series").select_option(label=TITLE)
    form.get_by_label("Season").fill("1")
    form.get_by_label("Episode(s)").fill("4")
    form.get_by_role("button", name="Import").click()
    expect(page.locator("#imports-status")).to_have_text(
        re.compile(rf"^Imported {re.escape(str(stray))} as .*S01E04.*\.mkv\.$"))
    expect(page.get_by_text("No file waits to be matched.")).to_be_visible()
    assert not stray.exists()
    no_script_errors(page)
