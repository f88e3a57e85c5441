"""The Tasks page in Debian's Chromium: the schedules with "Run now", a job that appears and
completes live without a reload, switching a schedule off and on, and a failed job with its
error and Retry."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from .browser_support import browser_tests, logged_in, no_script_errors, screenshot
from .live_server import LiveServer

pytestmark = browser_tests


def mark_page(page: Page) -> None:
    """Note this page load: a reload would forget it (see :func:`not_reloaded`)."""
    page.evaluate("() => { window.sameLoad = true; }")


def not_reloaded(page: Page) -> None:
    assert page.evaluate("() => window.sameLoad === true")


def test_run_now_adds_a_job_that_completes_live(server: LiveServer, page: Page) -> None:
    """The page lists the rescan schedule (never run yet); Run now adds its job, which appears
    and reaches Completed without a reload, and the schedule shows its last run in local
    time."""
    logged_in(server, page, "/tasks")
    expect(page.get_by_role("heading", name="Tasks", level=1)).to_be_visible()
    schedule = page.locator("tr.schedule", has_text="rescan")
    expect(schedule).to_contain_text("library.scan")
    expect(schedule).to_contain_text("every 1 day")
    expect(schedule.locator(".last-run")).to_have_text("Never")
    expect(page.get_by_text("No job has finished yet.")).to_be_visible()
    mark_page(page)

    page.get_by_role("button", name="Run now: rescan").click()
    recent = page.locator('tbody[data-jobs="finished"] tr.job')
    expect(recent).to_have_count(1)
    expect(recent.locator(".state")).to_have_text("Completed")
    expect(recent).to_contain_text("library.scan")
    expect(page.get_by_text("No job has finished yet.")).to_be_hidden()
    expect(page.locator('tbody[data-jobs="running"] tr.job')).to_have_count(0)
    expect(page.get_by_text("Nothing is running.")).to_be_visible()
    [job] = server.call(server.core.jobs.list)
    assert job.state.value == "completed"
    expect(recent).to_have_attribute("data-job-id", str(job.id))
    last_run = schedule.locator(".last-run")
    expect(last_run).to_contain_text(f"(#{job.id})")
    expect(last_run.locator("time")).to_have_attribute("data-local", "true")
    expect(last_run.locator("time")).to_have_text(re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d$"))
    not_reloaded(page)
    screenshot(page, "tasks.png", full_page=True)
    no_script_errors(page)


def test_a_schedule_is_switched_off_and_on(server: LiveServer, page: Page) -> None:
    """Disable turns the schedule off (no next run) and offers Enable, which turns it back on
    with a next run; the core agrees each time."""
    logged_in(server, page, "/tasks")
    schedule = page.locator("tr.schedule", has_text="rescan")
    mark_page(page)
    page.get_by_role("button", name="Disable rescan").click()
    expect(schedule.locator(".next-run")).to_have_text("Off")
    assert server.call(server.core.jobs.schedule, "rescan").enabled is False
    expect(page.get_by_role("button", name="Enable rescan")).to_be_focused()
    page.get_by_role("button", name="Enable rescan").click()
    expect(schedule.locator(".next-run time")).to_be_visible()
    assert server.call(server.core.jobs.schedule, "rescan").enabled is True
    expect(page.get_by_role("button", name="Disable rescan")).to_be_visible()
    not_reloaded(page)
    no_script_errors(page)


def test_a_job_that_failed_shows_why_and_is_cancelled_and_retried(
        server: LiveServer, page: Page, tmp_path: Path) -> None:
    """A scan of a library folder that is gone waits to be tried again, queued with the reason;
    Cancel moves it to Recent, and Retry (the folder back) runs it again to Completed, all
    without a reload."""
    root = tmp_path / "library"
    root.rmdir()
    logged_in(server, page, "/tasks")
    mark_page(page)
    job = server.call(server.core.jobs.add, "library.scan", {"roots": [str(root)]})
    row = page.locator(f'tr.job[data-job-id="{job.id}"]')
    queued = page.locator('tbody[data-jobs="pending"]')
    expect(queued.locator("tr.job .note")).not_to_be_empty()
    waiting = server.call(server.core.jobs.get, job.id)
    assert (waiting.state.value, waiting.attempts) == ("pending", 1)
    assert waiting.error
    expect(row.locator(".state")).to_have_text("Queued")
    expect(row.locator(".note")).to_have_text(waiting.error)
    expect(page.get_by_role("button", name=f"Retry job {job.id}")).to_be_hidden()

    page.get_by_role("button", name=f"Cancel job {job.id}").click()
    finished = page.locator('tbody[data-jobs="finished"]')
    expect(finished.locator("tr.job .state")).to_have_text("Cancelled")
    expect(row.locator(".note")).to_have_text("Cancelled by the user.")
    expect(queued.locator("tr.job")).to_have_count(0)
    expect(page.get_by_text("Nothing is queued.")).to_be_visible()

    root.mkdir()
    page.get_by_role("button", name=f"Retry job {job.id}").click()
    expect(finished.locator("tr.job .state")).to_have_text("Completed")
    expect(row.locator(".note")).to_be_empty()
    expect(row.locator(".progress-text")).to_contain_text("1/1")
    assert server.call(server.core.jobs.get, job.id).state.value == "completed"
    not_reloaded(page)
    no_script_errors(page)
