"""Loading as a person watches it, in Debian's Chromium: add a series picked from search and see
its card load live (WebSocket, and the SSE fallback), cancel a load stuck mid-step, refresh it,
and pick the right series after identification failed. The real loader does the work, against
the fake providers; the page is never reloaded."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Page, expect

from aniworld_core import ProviderRef

from .browser_support import (
    LOAD_WITHIN,
    browser_tests,
    logged_in,
    no_script_errors,
    requests_elsewhere,
    screenshot,
)
from .live_server import LiveServer

pytestmark = browser_tests

#: Slow enough that the page shows the episodes step, fast enough for a short test.
EPISODES_LATENCY = 1.0


def remember_page(page: Page) -> None:
    page.evaluate("window.stillTheSamePage = true")


def same_page(page: Page) -> bool:
    return page.evaluate("window.stillTheSamePage") is True


def test_add_from_search_and_watch_it_load(server: LiveServer, page: Page, fakes: Any) -> None:
    """Typing "Cowboy" lists both Cowboy Bebop entries (their initials, no provider's image);
    picking the series adds it, and its card goes from pending through the episodes step to
    Loaded, every item ✓, its poster (written into its folder) shown from aniworld, without
    reloading and without a request to any other server. Searching again shows it as in the
    library."""
    fakes.jikan.options.latency = EPISODES_LATENCY
    elsewhere = requests_elsewhere(server, page)
    logged_in(server, page)
    expect(page.locator("#connection")).to_have_text("Live (WebSocket)")  # not the fallback
    remember_page(page)

    page.get_by_role("button", name="Add series").click()
    page.get_by_label("Title").fill("Cowboy")
    results = page.locator("#add-results .result")
    expect(results).to_have_count(2)
    expect(results.locator(".name")).to_have_text(["Cowboy Bebop", "Cowboy Bebop: The Movie"])
    expect(results.locator(".facts")).to_have_text(["1998 · TV · 26 episodes",
                                                    "2001 · MOVIE · 1 episode"])
    expect(results.locator(".placeholder")).to_have_text(["C", "C"])
    expect(results.locator("img")).to_have_count(0)
    page.get_by_role("button", name="Add Cowboy Bebop (1998)", exact=True).click()
    expect(page.get_by_role("dialog")).to_be_hidden()

    bebop = page.locator(".card").filter(has_text="Cowboy Bebop")
    expect(bebop).to_have_attribute("data-status", "loading_episodes")
    expect(bebop.locator(".status")).to_have_text("Loading episodes...")
    expect(bebop.locator(".items .mark")).to_have_text(["·", "·", "·", "·"])
    expect(page.locator("#counts")).to_have_text("1 series · 1 loading · 0 failed")
    expect(bebop.locator(".status")).to_have_text("Loaded", timeout=LOAD_WITHIN)
    expect(bebop).to_have_attribute("data-status", "completed")
    expect(bebop.locator(".items .mark")).to_have_text(["✓", "✓", "✓", "✓"])
    expect(page.locator("#counts")).to_have_text("1 series · 0 loading · 0 failed")
    expect(page.locator("#notice")).to_have_text("All loads finished")
    poster = bebop.locator(".poster img")
    expect(poster).to_have_attribute("src", re.compile(r"^/api/series/[^/]+/artwork/poster"))
    expect(poster).to_have_js_property("complete", True)
    assert poster.evaluate("image => image.naturalWidth") > 0
    screenshot(page, "library-live.png")

    page.get_by_role("button", name="Add series").click()
    page.get_by_label("Title").fill("Cowboy")
    expect(results.nth(0).get_by_role("link", name="In your library")).to_be_visible()
    expect(page.get_by_role("button", name="Add Cowboy Bebop: The Movie (2001)")).to_be_visible()
    screenshot(page, "add-dialog-search.png")
    assert same_page(page)
    assert elsewhere == []
    no_script_errors(page)


def test_falls_back_to_server_sent_events(server: LiveServer, page: Page, fakes: Any) -> None:
    """Without the WebSocket the page follows the same load over SSE."""
    fakes.jikan.options.latency = EPISODES_LATENCY
    logged_in(server, page, "/?live=sse")
    expect(page.locator("#connection")).to_have_text("Live (server-sent events)")
    server.call(server.core.add_series, None, ProviderRef("anilist", "19"))
    monster = page.locator(".card").filter(has_text="Monster")
    expect(monster.locator(".status")).to_have_text("Loading episodes...")
    expect(monster.locator(".status")).to_have_text("Loaded", timeout=LOAD_WITHIN)
    expect(monster.locator('[data-item="images"]')).to_have_attribute("data-done", "true")
    no_script_errors(page)


def test_cancel_mid_load_then_refresh(server: LiveServer, page: Page, fakes: Any) -> None:
    """On the series page, a load stuck in its episodes step is cancelled with the Cancel
    button; Refresh then loads it again and the episode list and history appear, the missing
    episodes marked, without reloading."""
    fakes.jikan.options.latency = 30
    series = server.call(server.core.add_series, None, ProviderRef("anilist", "1"))
    logged_in(server, page, f"/series/{series.id}")
    remember_page(page)
    article = page.locator("article.series")
    refresh = page.get_by_role("button", name="Refresh")
    cancel = page.get_by_role("button", name="Cancel loading")
    expect(article.locator(".status")).to_have_text("Loading episodes...")
    expect(refresh).to_be_disabled()
    cancel.click()
    expect(article.locator(".status")).to_have_text("Cancelled")
    expect(cancel).to_be_disabled()
    expect(refresh).to_be_enabled()
    expect(page.locator("#history tbody tr")).to_have_count(1)
    expect(page.locator("#history tbody tr td").nth(2)).to_have_text("cancelled")
    screenshot(page, "series-cancelled.png", full_page=True)

    fakes.jikan.options.latency = 0
    refresh.click()
    expect(article.locator(".status")).to_have_text("Loaded", timeout=LOAD_WITHIN)
    expect(page.get_by_text("26 known, 26 missing.")).to_be_visible()
    expect(page.locator("#episodes tr.missing")).to_have_count(26)
    expect(page.locator("#history tbody tr td:nth-child(3)")).to_have_text(
        ["completed", "cancelled"])
    expect(cancel).to_be_disabled()
    screenshot(page, "series-loaded.png", full_page=True)
    assert same_page(page)
    no_script_errors(page)


def test_pick_the_series_after_identification_failed(server: LiveServer, page: Page) -> None:
    """A series no provider matched shows why and offers a search filled in with its title;
    searching for the right name and choosing it loads the series."""
    series = server.call(server.core.add_series, "Bebop Cowboy Space Western Thing")
    server.wait_idle()
    logged_in(server, page, f"/series/{series.id}")
    expect(page.locator("#series-error")).to_contain_text("Identify: no confident match")
    expect(page.locator("article.series .status")).to_have_text("Failed")
    search = page.get_by_role("searchbox", name="Search for")
    expect(search).to_have_value("Bebop Cowboy Space Western Thing")
    expect(page.locator("#identify-status")).to_contain_text("Nothing found")
    search.fill("Cowboy Bebop")
    search.press("Enter")
    choose = page.get_by_role("button", name="Choose Cowboy Bebop (1998)", exact=True)
    screenshot(page, "identify.png", full_page=True)
    choose.click()
    expect(page.locator("#identify-status")).to_have_text("Loading again as Cowboy Bebop.")
    expect(page.locator("article.series .status")).to_have_text("Loaded",
                                                                       timeout=LOAD_WITHIN)
    expect(page.locator("#series-error")).to_be_hidden()
    expect(page.locator("#episodes tbody tr")).to_have_count(26)
    expect(page.locator("#identify")).to_be_visible()  # to correct it again, if need be
    no_script_errors(page)
