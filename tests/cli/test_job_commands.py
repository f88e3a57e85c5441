"""``jobs`` (list, cancel, retry) and ``schedules`` (list, set, run, enable, disable) through
click's runner, checked against the core."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import anyio
import pytest

from aniworld_core import SeriesApp, Settings
from tests.cli.conftest import Run

T = TypeVar("T")
SCAN = "library.scan"
#: A terminal wide enough that no table cell wraps.
WIDE = {"COLUMNS": "160"}


def with_app(data_dir: Path, work: Callable[[SeriesApp], Awaitable[T]], *,
             loader: bool = False) -> T:
    """``work(app)`` in an app on the commands' database (``loader=True``: one that runs
    background work, and so creates the built-in schedules)."""

    async def main() -> T:
        async with SeriesApp.open(Settings(data_dir=data_dir, load_entry_points=False),
                                  loader=loader) as app:
            return await work(app)

    return anyio.run(main)


async def _nothing(app: SeriesApp) -> None:
    return None


@pytest.fixture
def scheduled(data_dir: Path) -> Path:
    """The data dir after a process that runs background work has started once."""
    with_app(data_dir, _nothing, loader=True)
    return data_dir


def queued_jobs(data_dir: Path) -> list[int]:
    """Three queued scans (the second with a key), the middle one cancelled; their ids."""

    async def work(app: SeriesApp) -> list[int]:
        first = await app.jobs.add(SCAN, {})
        second = await app.jobs.add(SCAN, {}, key="nightly")
        third = await app.jobs.add(SCAN, {})
        await app.jobs.cancel(second.id)
        return [first.id, second.id, third.id]

    return with_app(data_dir, work)


def jobs_now(data_dir: Path) -> list[dict[str, Any]]:
    async def work(app: SeriesApp) -> list[dict[str, Any]]:
        return [job.to_dict() for job in await app.jobs.list()]

    return with_app(data_dir, work)


def schedule_now(data_dir: Path) -> dict[str, Any]:
    async def work(app: SeriesApp) -> dict[str, Any]:
        return (await app.jobs.schedule("rescan")).to_dict()

    return with_app(data_dir, work)


def test_jobs_lists_the_core_shapes_newest_first(run: Run, data_dir: Path) -> None:
    """``jobs --json`` prints each job's to_dict, newest first; --state (repeated or
    comma-separated) and --kind narrow it."""
    first, second, third = queued_jobs(data_dir)
    listed = run("jobs", "--json")
    assert listed.code == 0, listed.err
    assert listed.json_lines() == jobs_now(data_dir)
    assert [job["id"] for job in listed.json_lines()] == [third, second, first]

    def ids(*args: str) -> list[int]:
        outcome = run("jobs", "--json", *args)
        assert outcome.code == 0, outcome.err
        return [job["id"] for job in outcome.json_lines()]

    assert ids("--state", "cancelled") == [second]
    assert ids("--state", "pending") == [third, first]
    assert ids("--state", "pending,cancelled") == [third, second, first]
    assert ids("--state", "pending", "--state", "cancelled") == [third, second, first]
    assert ids("--kind", SCAN, "--limit", "1") == [third]


def test_jobs_table(run: Run, data_dir: Path) -> None:
    """Without --json a table with id, kind, state, attempts and the error; without jobs, a
    line saying what will show up."""
    assert "No jobs yet" in run("jobs").out
    _, second, _ = queued_jobs(data_dir)
    table = run("jobs", env=WIDE).out
    assert "library.scan" in table
    assert "cancelled" in table
    assert "pending" in table
    assert "Cancelled by the user." in table
    assert str(second) in table
    assert run("jobs", "--state", "failed").out.strip() == "No jobs."


@pytest.mark.parametrize(("args", "message"), [
    (("--state", "bogus"), "Unknown job state 'bogus'"),
    (("--kind", "nope"), "Unknown job kind 'nope'"),
])
def test_bad_filters_fail_with_the_core_message(run: Run, args: tuple[str, ...],
                                                message: str) -> None:
    """A state or kind the core does not know is a one-line error and exit status 1."""
    outcome = run("jobs", *args)
    assert outcome.code == 1
    assert message in outcome.err
    assert outcome.out == ""


def test_cancel_and_retry_a_queued_job(run: Run, data_dir: Path) -> None:
    """``jobs cancel`` cancels a queued job (again: says it is cancelled already); ``jobs
    retry`` queues it again, and says what will run it."""
    first, _, _ = queued_jobs(data_dir)
    cancelled = run("jobs", "cancel", str(first))
    assert (cancelled.code, cancelled.out.strip()) == (0, f"Cancelled job {first} ({SCAN}).")
    again = run("jobs", "cancel", str(first))
    assert again.out.strip() == f"Job {first} ({SCAN}) has cancelled already."
    retried = run("jobs", "retry", str(first))
    assert retried.code == 0
    assert retried.out.startswith(f"Job {first} ({SCAN}) is pending; ")
    assert "`aniworld serve`" in retried.out
    [job] = [job for job in jobs_now(data_dir) if job["id"] == first]
    assert (job["state"], job["attempts"], job["error"]) == ("pending", 0, None)


@pytest.mark.parametrize(("args", "message"), [
    (("jobs", "cancel", "424242"), "No job with id 424242."),
    (("jobs", "retry", "424242"), "No job with id 424242."),
    (("jobs", "cancel", "abc"), "A job id is a positive whole number."),
    (("jobs", "retry", "0"), "A job id is a positive whole number."),
    (("schedules", "run", "nope"), "No schedule named 'nope'."),
    (("schedules", "disable", "nope"), "No schedule named 'nope'."),
    (("schedules", "set", "nope", "--every", "60"), "No schedule named 'nope'."),
])
def test_unknown_jobs_and_schedules_fail(run: Run, args: tuple[str, ...],
                                         message: str) -> None:
    """Unknown ids and names, and ids that are none, are one-line errors, exit status 1."""
    outcome = run(*args)
    assert outcome.code == 1
    assert outcome.err.strip() == f"Error: {message}"


def test_schedules_list_as_json_and_table(run: Run, data_dir: Path) -> None:
    """Before any process ran background work there are none (and it says so); then the
    built-in ones, by name, as their to_dict with --json, in a table without."""
    assert "No schedules yet" in run("schedules").out
    assert run("schedules", "--json").out == ""
    with_app(data_dir, _nothing, loader=True)
    listed = run("schedules", "--json").json_lines()
    assert [schedule["name"] for schedule in listed] == ["refresh", "rescan"]
    assert listed[1] == schedule_now(data_dir)
    assert (listed[1]["name"], listed[1]["every"], listed[1]["enabled"]) == (
        "rescan", 86400.0, True)
    table = run("schedules", env=WIDE).out
    assert "rescan" in table
    assert "every 86400 s" in table
    assert "library.scan" in table


def test_schedules_set_every_or_cron(run: Run, scheduled: Path) -> None:
    """``schedules set`` takes --every SECONDS or --cron EXPR (with --timezone) and says when
    the schedule runs next."""
    hourly = run("schedules", "set", "rescan", "--every", "3600")
    assert hourly.code == 0, hourly.err
    assert hourly.out.startswith("rescan: every 3600 s, next run ")
    assert (schedule_now(scheduled)["every"], schedule_now(scheduled)["cron"]) == (3600.0, None)
    nightly = run("schedules", "set", "rescan", "--cron", "0 4 * * *", "--timezone",
                  "Europe/Berlin")
    assert nightly.out.startswith("rescan: cron 0 4 * * * (Europe/Berlin), next run ")
    now = schedule_now(scheduled)
    assert (now["every"], now["cron"], now["timezone"]) == (None, "0 4 * * *", "Europe/Berlin")


@pytest.mark.parametrize(("args", "code", "message"), [
    (("--every", "0"), 1, "'every' must be at least 1 s"),
    (("--cron", "0 0 30 2 *"), 1, "never fires"),
    (("--cron", "0 4 * * *", "--timezone", "Mars/Olympus_Mons"), 1, "Unknown time zone"),
    (("--every", "soon"), 2, "'soon' is not a valid float"),
    (("--every", "60", "--cron", "0 4 * * *"), 2, "Give --every SECONDS or --cron EXPR"),
    (("--timezone", "UTC"), 2, "Give --every SECONDS or --cron EXPR"),
])
def test_a_bad_timing_changes_nothing(run: Run, scheduled: Path, args: tuple[str, ...],
                                      code: int, message: str) -> None:
    """A timing the core refuses is its one-line message and exit 1; options that cannot
    make a timing are a usage error (exit 2); either way the schedule stays as it was."""
    before = schedule_now(scheduled)
    outcome = run("schedules", "set", "rescan", *args)
    assert outcome.code == code
    assert message in outcome.err
    assert schedule_now(scheduled) == before


def test_run_disable_and_enable_a_schedule(run: Run, scheduled: Path) -> None:
    """``schedules run`` queues the schedule's job now; ``disable`` switches it off and
    ``enable`` on again, each saying so."""
    ran = run("schedules", "run", "rescan")
    assert ran.code == 0, ran.err
    [job] = jobs_now(scheduled)
    assert ran.out.startswith(f"Job {job['id']} ({SCAN}) is pending; ")
    assert schedule_now(scheduled)["last_job_id"] == job["id"]
    off = run("schedules", "disable", "rescan")
    assert off.out.strip() == "rescan: every 86400 s, disabled."
    assert schedule_now(scheduled)["enabled"] is False
    assert "off" in run("schedules", env=WIDE).out
    on = run("schedules", "enable", "rescan")
    assert on.out.startswith("rescan: every 86400 s, next run ")
    assert schedule_now(scheduled)["enabled"] is True
