"""The Tasks page with more than the built-in rescan schedule, in Debian's Chromium: every
schedule is listed with what its job does, its last and next run, and Run now works for each."""

from __future__ import annotations

import re
from functools import partial
from pathlib import Path

from playwright.sync_api import Page, expect

from .browser_support import browser_tests, logged_in, no_script_errors
from .live_server import LiveServer

pytestmark = browser_tests


def test_every_schedule_is_described_and_runs_now(server: LiveServer, page: Page,
                                                  tmp_path: Path) -> None:
    """A second schedule (a nightly scan of the library folder, by cron) is listed beside
    ``rescan``, each saying what it does, with its next run; Run now on it adds its job, which
    completes live and becomes its last run, while ``rescan`` stays never run."""
    library = str(tmp_path / "library")
    server.call(partial(server.core._engine.define_schedule, "nightly", "library.scan",
                        {"roots": [library]}, cron="0 3 * * *", timezone="Europe/Berlin"))
    logged_in(server, page, "/tasks")
    for name in ("nightly", "rescan"):
        row = page.locator(f'tr.schedule[data-schedule="{name}"]')
        expect(row.locator(".schedule-description")).to_have_text(
            "Rescans the library folders: series folders and video files added, changed or "
            "removed since the last scan.")
        expect(row.locator(".next-run time")).to_have_text(
            re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d$"))
        expect(row.locator(".last-run")).to_have_text("Never")
    nightly = page.locator('tr.schedule[data-schedule="nightly"]')
    expect(nightly).to_contain_text("cron 0 3 * * * (Europe/Berlin)")

    page.get_by_role("button", name="Run now: nightly").click()
    finished = page.locator('tbody[data-jobs="finished"] tr.job')
    expect(finished.locator(".state")).to_have_text("Completed")
    [job] = server.call(partial(server.core.jobs.list, kind="library.scan"))
    assert (job.state.value, job.payload) == ("completed", {"roots": [library]})
    expect(nightly.locator(".last-run")).to_contain_text(f"(#{job.id})")
    expect(page.locator('tr.schedule[data-schedule="rescan"] .last-run')).to_have_text("Never")
    no_script_errors(page)
