"""The library page's Rescan button and where an added series' files go, in Debian's Chromium,
against the real app and loader (fake providers); the page is never reloaded."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from aniworld_core import Settings
from aniworld_core.auth import set_testing
from tests.conftest import pointed_at

from .browser_support import (
    LOAD_WITHIN,
    browser_tests,
    logged_in,
    no_script_errors,
    screenshot,
)
from .live_server import LiveServer, live_server

pytestmark = browser_tests


def remember_page(page: Page) -> None:
    page.evaluate("window.stillTheSamePage = true")


def same_page(page: Page) -> bool:
    return page.evaluate("window.stillTheSamePage") is True


@pytest.fixture
def bare_server(tmp_path: Path, fakes: Any) -> Iterator[LiveServer]:
    """The app loading in the background, with no library folder at all."""
    set_testing(True)
    try:
        with live_server(pointed_at(Settings(data_dir=tmp_path / "data"), fakes),
                         loader=True) as running:
            yield running
    finally:
        set_testing(False)


def test_rescan_shows_its_progress_and_what_it_found(server: LiveServer, page: Page,
                                                     tmp_path: Path) -> None:
    """A series folder dropped into the library folder is there after Rescan: the status line
    follows the rescan to "finished" with what it found, the series' card loads, and the job
    is a library.scan of every folder; Rescan again runs a new one."""
    (tmp_path / "library" / "Cowboy Bebop (1998)").mkdir()
    (tmp_path / "library" / "Cowboy Bebop (1998)" / "Cowboy Bebop - 01.mkv").touch()
    logged_in(server, page)
    remember_page(page)
    expect(page.locator("#no-library")).to_have_count(0)
    status = page.locator("#rescan-status")
    expect(status).to_be_hidden()

    page.get_by_role("button", name="Rescan library").click()
    # "0 new" when watching the library folder found it first.
    expect(status).to_have_text(re.compile(r"^Rescan finished: 1 series folders, [01] new$"))
    expect(status).to_have_attribute("data-state", "completed")
    bebop = page.locator(".card").filter(has_text="Cowboy Bebop")
    expect(bebop.locator(".status")).to_have_text("Loaded", timeout=LOAD_WITHIN)
    expect(bebop.locator(".items .mark")).to_have_text(["✓", "✓", "✓", "✓"])
    [job] = server.call(partial(server.core.jobs.list, kind="library.scan"))
    assert (job.state.value, job.payload) == ("completed", {})
    screenshot(page, "library-rescanned.png")

    expect(status).to_have_attribute("data-job-id", str(job.id))
    page.get_by_role("button", name="Rescan library").click()
    expect(status).not_to_have_attribute("data-job-id", str(job.id))
    expect(status).to_have_text("Rescan finished: 1 series folders, 0 new")
    assert len(server.call(partial(server.core.jobs.list, kind="library.scan"))) == 2
    assert same_page(page)
    no_script_errors(page)


def test_without_a_library_folder_the_page_says_what_to_do(bare_server: LiveServer,
                                                           page: Page) -> None:
    """With no library folder, the page and the Rescan button say how to add one, the add
    dialog says no files will be written, and a series added there loads with its NFO, logo
    and images shown as not written (on its card and its page), never ✓."""
    logged_in(bare_server, page)
    remember_page(page)
    expect(page.locator("#no-library")).to_contain_text(
        "No library folder is set, so there is nothing to rescan")
    page.get_by_role("button", name="Rescan library").click()
    status = page.locator("#rescan-status")
    expect(status).to_have_text(
        "No library folder is set, so there is nothing to rescan: add one with `aniworld "
        "roots add PATH` or set `library` in the settings.")
    assert bare_server.call(partial(bare_server.core.jobs.list, kind="library.scan")) == []

    page.get_by_role("button", name="Add series").click()
    expect(page.locator("#add-files")).to_have_text(
        "No library folder is set: NFO files and artwork will not be written. Add one with "
        "aniworld roots add PATH or set library in the settings.")
    page.get_by_label("Title").fill("Cowboy Bebop")
    page.get_by_role("button", name="Add by title only").click()
    expect(page.get_by_role("dialog")).to_be_hidden()
    expect(page.locator("#notice")).to_contain_text(
        "Added Cowboy Bebop. No library folder is set: NFO files and artwork will not be "
        "written.")
    bebop = page.locator(".card").filter(has_text="Cowboy Bebop")
    expect(bebop.locator(".status")).to_have_text("Loaded", timeout=LOAD_WITHIN)
    expect(bebop).to_have_attribute("data-files", "no")
    expect(bebop.locator(".items .mark")).to_have_text(["✓", "–", "–", "–"])
    expect(bebop.locator('[data-item="nfo"] .sr')).to_have_text(" not written: no folder")
    screenshot(page, "library-no-folder.png")
    assert same_page(page)

    bebop.get_by_role("link", name="Cowboy Bebop").click()
    article = page.locator("article.series")
    expect(article.locator(".items .mark")).to_have_text(["✓", "–", "–", "–"])
    expect(page.locator("#files-note")).to_have_text(
        "No library folder is set: NFO files and artwork will not be written. Add one with "
        "`aniworld roots add PATH` or set `library` in the settings.")
    no_script_errors(page)
