"""In Debian's Chromium: the series page opens the entry picker the moment a live update says
the series needs the user's choice (its ``needs_choice``), without reloading the page."""

from __future__ import annotations

import threading
from typing import Any

from playwright.sync_api import Page, expect

from .browser_support import (
    browser_tests,
    logged_in,
    no_script_errors,
)
from .live_server import LiveServer

pytestmark = browser_tests


def test_the_picker_opens_when_identification_fails_live(server: LiveServer, page: Page,
                                                         fakes: Any) -> None:
    """A series page open while identification is still searching opens "Pick the right
    series" when the failure arrives, by the update's needs_choice."""
    search = threading.Event()  # the page is up before the search answers
    fakes.anilist.options.held = search
    series = server.call(server.core.add_series, "Bebop Cowboy Space Western Thing")
    logged_in(server, page, f"/series/{series.id}")
    page.evaluate("window.stillTheSamePage = true")
    details = page.locator("#identify-details")
    expect(details).not_to_have_attribute("open", "")
    search.set()
    expect(page.locator("article.series .status")).to_have_text("Failed", timeout=30_000)
    expect(details).to_have_attribute("open", "")
    assert page.evaluate("window.stillTheSamePage") is True
    no_script_errors(page)
