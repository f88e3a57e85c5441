"""A show with seasons in Debian's Chromium: library cards count a series' episodes once it has
loaded (live, without reloading), and the series page groups episodes by season, links the
season another folder holds, lists the file it could not place, and works from the keyboard
and at 375 px."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from aniworld_core import Series
from tests.show_files import season_folders, touch

from .browser_support import (
    LOAD_WITHIN,
    browser_tests,
    logged_in,
    no_script_errors,
    screenshot,
)
from .live_server import LiveServer

pytestmark = browser_tests


def write_library(root: Path) -> Path:
    """Mob Psycho 100 in season folders (season 1 without episode 3, season 3's first episode,
    a file naming a season 4) and its second season in a folder of its own (two episodes)."""
    season_folders(root / "Mob Psycho 100", "Mob Psycho 100",
                   [(1, n) for n in range(1, 13) if n != 3] + [(3, 1), (4, 1)])
    touch(root / "Mob Psycho 100 II",
          [f"[Group] Mob Psycho 100 II - {n:02d} [1080p].mkv" for n in (1, 2)])
    return root


def scanned(server: LiveServer, root: Path) -> dict[str, Series]:
    """Scan ``root`` and wait until everything has loaded; the series by title."""
    server.call(server.core.scan, [write_library(root)])
    server.wait_idle()
    return {series.title: series for series in server.call(server.core.list_series)}


def counts_text(series: Series) -> str:
    assert series.episode_counts is not None, series.loading_error
    return f"{series.episode_counts.present}/{series.episode_counts.known} episodes"


def test_cards_count_episodes_once_loaded(server: LiveServer, page: Page,
                                          tmp_path: Path) -> None:
    """Cards that appear live while a scan's series load show "present/known episodes" once
    each has loaded, without reloading the page; none says its folder is missing."""
    logged_in(server, page)
    page.evaluate("window.stillTheSamePage = true")
    loaded = scanned(server, tmp_path / "library")
    second = page.locator(".card").filter(has_text="Mob Psycho 100 II")
    expect(second.locator(".status")).to_have_text("Loaded", timeout=LOAD_WITHIN)
    expect(second.locator(".episode-count")).to_have_text("2/13 episodes")
    first = page.locator(".card").filter(
        has=page.get_by_role("link", name="Mob Psycho 100", exact=True))
    expect(first.locator(".episode-count")).to_have_text(counts_text(loaded["Mob Psycho 100"]))
    expect(page.locator(".card .folder-missing")).to_have_count(2)
    for notice in page.locator(".card .folder-missing").all():
        expect(notice).to_be_hidden()
    assert page.evaluate("window.stillTheSamePage") is True
    screenshot(page, "library-counts.png")
    no_script_errors(page)


def test_series_page_groups_episodes_by_season(server: LiveServer, page: Page,
                                               tmp_path: Path) -> None:
    """The series page has a heading per season with its entries and counts, a captioned
    table of its episodes showing each present file's name, the season another folder holds
    as a link reached and followed from the keyboard, and the file it could not place."""
    loaded = scanned(server, tmp_path / "library")
    show = loaded["Mob Psycho 100"]
    logged_in(server, page, f"/series/{show.id}")
    headings = page.get_by_role("heading", level=3)
    expect(headings).to_have_text(["Season 1 · Mob Psycho 100", "Season 2 · Mob Psycho 100 II",
                                   "Season 3 · Mob Psycho 100 III"])
    season_one = page.locator("#season-1")
    expect(season_one.locator(".entries")).to_have_text("AniList 21507")
    expect(season_one.locator(".count")).to_have_text("11/12 episodes")
    table = page.get_by_role("table", name="Episodes of Season 1 · Mob Psycho 100")
    expect(table.locator("tbody tr")).to_have_count(12)
    expect(table.locator("tbody tr").nth(0).locator("td.file")).to_have_text(
        "Mob Psycho 100 - S01E01.mkv")
    expect(table.locator("tbody tr.missing td")).to_have_text(
        ["S01E03", "Episode 3", "2016-07-26", "Missing Download"])
    expect(table.get_by_role("button", name="Download S01E03")).to_be_enabled()
    expect(page.locator("#season-3 tbody tr.missing")).to_have_count(11)

    unplaced = page.get_by_role("region", name="Files not placed")
    expect(unplaced.get_by_role("row")).to_have_count(2)  # the header and the file
    expect(unplaced.locator("tbody td")).to_have_text([
        "Season 04/Mob Psycho 100 - S04E01.mkv",
        "it names season 4, but only seasons 1-3 are known"])

    season_two = page.locator("#season-2")
    expect(season_two.get_by_role("table")).to_have_count(0)
    link = season_two.get_by_role("link", name="Mob Psycho 100 II")
    expect(season_two.locator(".entries")).to_have_text("AniList 101338 in Mob Psycho 100 II")
    screenshot(page, "series-seasons.png", full_page=True)
    link.focus()
    expect(link).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Mob Psycho 100 II", level=1)).to_be_visible()
    expect(page.locator("#season-1 .count")).to_have_text("2/13 episodes")
    no_script_errors(page)


def test_series_with_seasons_at_375_px(server: LiveServer, browser: Browser,
                                       tmp_path: Path) -> None:
    """At 375 px the season headings, entry lines, episode tables and the unplaced files fit
    without scrolling the page sideways."""
    loaded = scanned(server, tmp_path / "library")
    context = browser.new_context(viewport={"width": 375, "height": 740}, device_scale_factor=2)
    context.set_default_timeout(5000)
    try:
        narrow = context.new_page()
        logged_in(server, narrow, f"/series/{loaded['Mob Psycho 100'].id}")
        expect(narrow.get_by_role("heading", name="Files not placed")).to_be_visible()
        assert narrow.evaluate("document.documentElement.scrollWidth") <= 375
        screenshot(narrow, "series-seasons-375.png", full_page=True)
    finally:
        context.close()
