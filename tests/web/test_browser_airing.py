"""An airing show's series page in Debian's Chromium says when its next episode airs, in the
reader's own time zone."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.show_files import touch

from .browser_support import browser_tests, logged_in, no_script_errors
from .live_server import LiveServer

pytestmark = browser_tests


def test_the_next_episode_and_when_it_airs(server: LiveServer, page: Page,
                                           tmp_path: Path) -> None:
    """ONE PIECE airs weekly (the fake AniList names its next episode and moment): the page
    says "Episode 1123 airs Sat 17:30 (local time)" with the UTC moment in the tooltip, and
    the API answers the same episode in UTC."""
    touch(tmp_path / "library" / "ONE PIECE", ["[Group] ONE PIECE - 1122 [1080p].mkv"])
    server.call(server.core.scan)
    server.wait_idle()
    (series,) = server.call(server.core.list_series)
    upcoming = server.call(server.core.next_episode, series.id)
    assert upcoming is not None, series.loading_error
    assert (upcoming.season, upcoming.number) == (1, 1123)
    assert upcoming.airs_at > dt.datetime.now(dt.UTC)
    logged_in(server, page, f"/series/{series.id}")
    note = page.locator("#next-episode")
    expect(note).to_have_text(re.compile(
        r"^Episode 1123 airs (Mon|Tue|Wed|Thu|Fri|Sat|Sun)( \d{1,2} \w{3})? \d\d:\d\d "
        r"\(local time\)$"))
    moment = note.locator("time")
    expect(moment).to_have_attribute("datetime", upcoming.airs_at.isoformat())
    expect(moment).to_have_attribute("title", upcoming.airs_at.strftime("%a %d %b %H:%M UTC"))
    shown = page.evaluate(
        "([iso, text]) => { const d = new Date(iso); const pad = (n) => String(n)"
        ".padStart(2, '0'); return text.endsWith(`${pad(d.getHours())}:"
        "${pad(d.getMinutes())}`); }", [upcoming.airs_at.isoformat(), moment.inner_text()])
    assert shown is True
    no_script_errors(page)
