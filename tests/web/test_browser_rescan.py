"""The watched library in Debian's Chromium: the series page's Rescan folder button says what it
found; a series folder removed from the watched library shows "Folder missing" on its card and
its page as it happens (a ``library_changed`` event), and not any more once it is back; a
library folder that disappears is announced in the status line."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from .browser_support import browser_tests, logged_in, no_script_errors
from .live_server import LiveServer

pytestmark = browser_tests

FOLDER = "Quillon Marrowgate (2001)"


def library_with_a_series(server: LiveServer, tmp_path: Path) -> tuple[Path, str]:
    """The server's library folder with two scanned series folders (a library left with none
    would look like an unmounted disk); the first folder and its series' id."""
    folder = tmp_path / "library" / FOLDER
    folder.mkdir()
    for number in (1, 2):
        (folder / f"Quillon Marrowgate - {number:02d}.mkv").write_bytes(b"video")
    other = tmp_path / "library" / "Xanthe Brightwater Saga (2003)"
    other.mkdir()
    (other / "Xanthe Brightwater Saga - 01.mkv").write_bytes(b"video")
    server.call(server.core.scan)
    server.wait_idle()
    series = {s.folder: s.id for s in server.call(server.core.list_series)}
    return folder, series[FOLDER]


def test_the_rescan_button_says_what_it_found(server: LiveServer, page: Page,
                                              tmp_path: Path) -> None:
    """Rescan folder reads the series' folder again and says how many video files it read."""
    _, series_id = library_with_a_series(server, tmp_path)
    logged_in(server, page, f"/series/{series_id}")
    button = page.get_by_role("button", name="Rescan folder")
    expect(page.locator("html")).to_have_attribute("data-ready", "true")
    button.click()
    result = page.locator("#rescan-result")
    expect(result).to_have_text(re.compile(r"^Rescanned: 2 video files read, "))
    expect(button).to_be_enabled()
    no_script_errors(page)


def test_a_folder_removed_and_back_shows_on_the_card_and_the_page(
        server: LiveServer, page: Page, tmp_path: Path) -> None:
    """The library is watched: moving a series folder out of it marks the series "Folder
    missing" on its card and on its page at once, and moving it back clears that."""
    folder, series_id = library_with_a_series(server, tmp_path)
    logged_in(server, page)
    card = page.locator(f'.card[data-series-id="{series_id}"]')
    badge = card.locator(".folder-missing")
    expect(badge).to_be_hidden()
    parked = tmp_path / "parked"
    folder.rename(parked)
    expect(badge).to_be_visible()
    parked.rename(folder)
    expect(badge).to_be_hidden()

    page.goto(f"{server.url}/series/{series_id}")
    expect(page.locator("#connection")).to_have_text(re.compile(r"^Live \("))
    notice = page.locator("#folder-missing")
    expect(notice).to_be_hidden()
    folder.rename(parked)
    expect(notice).to_contain_text("Folder missing.")
    parked.rename(folder)
    expect(notice).to_be_hidden()
    no_script_errors(page)


def test_a_library_folder_that_disappears_is_announced(server: LiveServer, page: Page,
                                                       tmp_path: Path) -> None:
    """Moving the whole library folder away (an unmounted disk) says so in the status line;
    its series are not marked as having lost their folder."""
    _, series_id = library_with_a_series(server, tmp_path)
    logged_in(server, page)
    (tmp_path / "library").rename(tmp_path / "unmounted")
    expect(page.locator("#notice")).to_contain_text("is not available: it does not exist")
    expect(page.locator(f'.card[data-series-id="{series_id}"] .folder-missing')).to_be_hidden()
    no_script_errors(page)
