"""The UI's rough edges, smoothed, in Debian's Chromium: the add dialog's "Enter a title." goes
once a title is typed; a new card is sorted in, highlighted and announced; a focused card is
never under the status line; cards say what to click; times are the reader's own; and the
account page ends another browser's session, which that browser notices at once."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from playwright.sync_api import Browser, BrowserContext, Page, expect

from .browser_support import (
    browser_tests,
    logged_in,
    no_script_errors,
)
from .conftest import PASSWORD, USERNAME
from .live_server import LiveServer

pytestmark = browser_tests

#: Titles no fake provider knows: identifying them fails, so they stay as added.
UNKNOWN = ["Quillon Marrowgate", "Xanthe Brightwater Saga", "Dravik Ollenstone"]


def add_unknown(server: LiveServer, *titles: str) -> None:
    for title in titles:
        server.call(server.core.add_series, title)
    server.wait_idle()


def test_enter_a_title_goes_once_a_title_is_typed(server: LiveServer, page: Page) -> None:
    """Searching with no title says "Enter a title."; typing one takes the message away."""
    logged_in(server, page)
    page.get_by_role("button", name="Add series").click()
    page.get_by_role("button", name="Search").click()
    alert = page.get_by_role("alert")
    expect(alert).to_have_text("Enter a title.")
    page.get_by_label("Title").press_sequentially("Mo")
    expect(alert).to_be_hidden()
    no_script_errors(page)


def test_a_new_card_is_sorted_in_and_highlighted(server: LiveServer, page: Page) -> None:
    """A series added from the dialog takes its place in title order among the cards, is
    highlighted, and the status line (a live region) says it was added."""
    add_unknown(server, "Aaron Quillfeather Story", "Zelphine Dorrowmark Tale")
    logged_in(server, page)
    # The highlight lasts a moment only: note every card that gets it, whenever that is.
    page.evaluate("""() => {
        window.highlighted = [];
        new MutationObserver((records) => {
            for (const record of records) {
                if (record.target.classList.contains("new")) {
                    window.highlighted.push(record.target.querySelector(".title a").textContent);
                }
            }
        }).observe(document.getElementById("grid"),
                   {attributes: true, attributeFilter: ["class"], subtree: true});
        window.announced = [];
        const notice = document.getElementById("notice");
        new MutationObserver(() => window.announced.push(notice.textContent))
            .observe(notice, {childList: true, characterData: true, subtree: true});
    }""")
    page.get_by_role("button", name="Add series").click()
    page.get_by_label("Title").fill("Marrowgate Quill Chronicle")
    page.get_by_role("button", name="Add by title only").click()
    titles = page.locator(".card .title")
    expect(titles).to_have_text(["Aaron Quillfeather Story", "Marrowgate Quill Chronicle",
                                 "Zelphine Dorrowmark Tale"])
    page.wait_for_function("window.highlighted.includes('Marrowgate Quill Chronicle')")
    # The status line (a live region) said so, whatever it has said since.
    page.wait_for_function("window.announced.includes('Added Marrowgate Quill Chronicle')")
    no_script_errors(page)


def test_a_focused_card_is_never_under_the_status_line(server: LiveServer,
                                                       browser: Browser) -> None:
    """Tabbing through a screenful and more of cards scrolls each one clear of the status
    line fixed at the bottom of the window."""
    add_unknown(server, *(f"{name} {number}" for number in range(4) for name in UNKNOWN))
    small: BrowserContext = browser.new_context(viewport={"width": 900, "height": 420})
    small.set_default_timeout(5000)
    try:
        page = small.new_page()
        logged_in(server, page)
        footer = page.locator(".status-line").bounding_box()
        assert footer is not None
        checked = 0
        for _ in range(40):
            page.keyboard.press("Tab")
            box = page.evaluate("""() => {
                const element = document.activeElement;
                if (!element?.matches(".card .title a")) return null;
                return {...element.getBoundingClientRect().toJSON(), text: element.textContent};
            }""")
            if box is None:
                continue
            assert box["bottom"] <= footer["y"], (box, footer)
            assert box["top"] >= 0, box
            checked += 1
        assert checked >= 10
    finally:
        small.close()


def test_cards_say_what_to_click(server: LiveServer, page: Page) -> None:
    """A card whose series needs the user's choice says to open it and pick one (not the CLI's
    "identify"); its page offers the search to pick from."""
    add_unknown(server, UNKNOWN[0])
    logged_in(server, page)
    card = page.locator(".card").filter(has_text=UNKNOWN[0])
    expect(card.locator(".status")).to_have_text("Open it and pick the right series")
    assert "identify" not in card.inner_text()
    card.get_by_role("link", name=UNKNOWN[0]).click()
    expect(page.get_by_role("button", name="Search")).to_be_visible()


def test_times_are_shown_in_the_readers_time_zone(server: LiveServer, browser: Browser) -> None:
    """In Tokyo the load history shows Tokyo time (UTC in its tooltip); the API keeps UTC."""
    add_unknown(server, UNKNOWN[1])
    [series] = server.call(server.core.list_series)
    [run] = server.call(server.core.load_runs, series.id)
    tokyo = browser.new_context(timezone_id="Asia/Tokyo")
    tokyo.set_default_timeout(5000)
    try:
        page = tokyo.new_page()
        logged_in(server, page, f"/series/{series.id}")
        started = page.locator("#history tbody tr td time").first
        local = run.started_at.astimezone(ZoneInfo("Asia/Tokyo"))
        expect(started).to_have_text(local.strftime("%Y-%m-%d %H:%M"))
        expect(started).to_have_attribute("title", run.started_at.astimezone(dt.UTC).strftime(
            "%Y-%m-%d %H:%M UTC"))
        api = page.request.get(f"{server.url}/api/series/{series.id}").json()
        assert api["load_runs"][0]["started_at"].endswith(("Z", "+00:00"))
    finally:
        tokyo.close()


def test_the_account_page_ends_another_browsers_session(server: LiveServer,
                                                        browser: Browser) -> None:
    """The account page lists both browsers; ending the other one's session logs it out: its
    live connection closes and it lands on the login page without anyone reloading it."""
    first, second = browser.new_context(), browser.new_context(user_agent="Phone browser")
    try:
        for context in (first, second):
            context.set_default_timeout(10000)
        mine, theirs = first.new_page(), second.new_page()
        logged_in(server, theirs)  # sets the password, so only once
        mine.goto(server.url + "/login")
        mine.get_by_label("Username").fill(USERNAME)
        mine.get_by_label("Password").fill(PASSWORD)
        mine.get_by_role("button", name="Log in").click()
        mine.get_by_role("link", name="admin").click()
        # The account page's script is set up (a click before it is lost).
        expect(mine).to_have_url(server.url + "/account")
        expect(mine.locator("html")).to_have_attribute("data-ready", "true")
        rows = mine.locator("#sessions tbody tr")
        expect(rows).to_have_count(2)
        expect(rows.filter(has_text="(this browser)")).to_have_count(1)
        mine.get_by_role("button", name=re.compile(r"^End the session of Phone browser")).click()
        expect(rows).to_have_count(1)
        expect(theirs).to_have_url(server.url + "/login")
        expect(mine.get_by_role("heading", name="Your sessions")).to_be_visible()
    finally:
        first.close()
        second.close()
