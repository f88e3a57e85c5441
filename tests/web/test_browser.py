"""The UI in a real browser: Debian's Chromium driven by Playwright against uvicorn.

First-run setup and logging in, the add dialog from the keyboard, the series page's remove
button, and the layout at 375 px. The loading flow is in ``test_browser_loading.py``.
"""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect

from aniworld_core import ProviderRef

from .browser_support import (
    browser_tests,
    logged_in,
    no_script_errors,
    screenshot,
)
from .live_server import LiveServer

pytestmark = browser_tests


def test_first_run_setup_then_log_out_and_in(server: LiveServer, page: Page) -> None:
    """A first visitor is sent to setup, sets the password, lands in the library, logs out,
    and logs back in with the form."""
    page.goto(server.url + "/")
    expect(page).to_have_url(server.url + "/setup")
    page.get_by_label("Username").fill("Admin")
    page.get_by_label("Password", exact=True).fill("a fine password")
    page.get_by_label("Password again").fill("a fine password")
    page.get_by_role("button", name="Set password and log in").click()
    expect(page.get_by_text("The library is empty")).to_be_visible()
    expect(page.locator("#connection")).to_have_text("Live (WebSocket)")
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(server.url + "/login")
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_have_text("Wrong username or password.")
    page.get_by_label("Password").fill("a fine password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Library")).to_be_visible()
    no_script_errors(page)


def test_add_dialog_works_from_the_keyboard(server: LiveServer, page: Page) -> None:
    """The dialog opens from the keyboard and takes focus, closes with Escape (focus returns to
    its button), explains an empty title, searches on Enter, adds the result reached with Tab,
    and adds by title alone with its own button."""
    logged_in(server, page)
    add = page.get_by_role("button", name="Add series")
    add.focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Add a series")
    title = page.get_by_label("Title")
    expect(dialog).to_be_visible()
    expect(title).to_be_focused()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(add).to_be_focused()

    page.keyboard.press("Enter")
    expect(title).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_have_text("Enter a title.")
    page.keyboard.type("Mushi")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status").filter(has_text="found")).to_have_text("1 found")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Year")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Add Mushi-Shi (2005)")).to_be_focused()
    page.keyboard.press("Enter")
    expect(dialog).to_be_hidden()
    expect(page.locator(".card").filter(has_text="Mushi-Shi")).to_be_visible()
    expect(add).to_be_focused()

    page.keyboard.press("Enter")
    page.keyboard.type("Akira")
    for _ in range(2):  # past the year, and the Search button
        page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Search")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Add by title only")).to_be_focused()
    page.keyboard.press("Enter")
    expect(dialog).to_be_hidden()
    expect(page.locator(".card").filter(has_text="Akira")).to_be_visible()
    no_script_errors(page)


#: A title no fake provider knows: identifying it fails, so the series stays as added.
UNKNOWN_TITLE = "Quillon Marrowgate Vexabyte Saga"


def test_series_page_and_remove(server: LiveServer, page: Page) -> None:
    """A card leads to the series page; removing the series there returns to the library."""
    server.call(server.core.add_series, UNKNOWN_TITLE)
    server.wait_idle()  # its identification has failed: nothing changes under the test
    logged_in(server, page)
    page.get_by_role("link", name=UNKNOWN_TITLE).click()
    expect(page.get_by_role("heading", name=UNKNOWN_TITLE, level=1)).to_be_visible()
    expect(page.locator("#series-error")).to_contain_text("Identify:")
    expect(page.get_by_text("No episodes known yet")).to_be_visible()
    # The button works once the page's script has set it up (on a busy machine the click
    # came first, and nothing happened).
    expect(page.locator("html[data-ready]")).to_have_count(1)
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Remove from library").click()
    expect(page).to_have_url(server.url + "/")
    expect(page.get_by_text("The library is empty")).to_be_visible()


def fits(page: Page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_layout_at_375_px(server: LiveServer, browser: Browser) -> None:
    """At 375 px nothing scrolls sideways: cards sit two to a row, the dialog and its search
    results fit, and so does a series page; screenshots are saved as artifacts."""
    context = browser.new_context(viewport={"width": 375, "height": 740},
                                  device_scale_factor=2)
    context.set_default_timeout(5000)
    try:
        page = context.new_page()
        for anilist_id in ("1", "30", "457", "6"):
            server.call(server.core.add_series, None, ProviderRef("anilist", anilist_id))
        server.wait_idle()
        logged_in(server, page)
        expect(page.locator(".card")).to_have_count(4)
        expect(page.locator(".card .status")).to_have_text(["Loaded"] * 4)
        fits(page, 375)
        boxes = [page.locator(".card").nth(i).bounding_box() for i in range(2)]
        assert boxes[0]
        assert boxes[1]
        assert boxes[0]["y"] == boxes[1]["y"]  # side by side
        assert boxes[1]["x"] + boxes[1]["width"] <= 375
        library = screenshot(page, "library-375.png", full_page=True)
        assert re.fullmatch(r"\d+ series · \d+ loading · \d+ failed",
                            page.locator("#counts").inner_text())

        page.get_by_role("button", name="Add series").click()
        page.get_by_label("Title").fill("Cowboy")
        expect(page.locator("#add-results .result")).to_have_count(2)
        dialog = page.get_by_role("dialog").bounding_box()
        assert dialog
        assert dialog["x"] >= 0
        assert dialog["x"] + dialog["width"] <= 375
        results = page.locator("#add-results").bounding_box()
        assert results
        assert results["x"] + results["width"] <= dialog["x"] + dialog["width"]
        screenshot(page, "add-dialog-375.png")
        page.get_by_role("button", name="Cancel").click()

        page.get_by_role("link", name="Cowboy Bebop").click()
        expect(page.get_by_role("heading", name="Cowboy Bebop", level=1)).to_be_visible()
        fits(page, 375)
        screenshot(page, "series-375.png", full_page=True)
    finally:
        context.close()
    assert library.stat().st_size > 1000
