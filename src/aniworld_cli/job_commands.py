"""``jobs`` and ``schedules``: background jobs (list, cancel, retry) and the schedules that add
them (list, set, run now, enable, disable).

These commands only read and change the queue: a process that runs background work
(``aniworld serve``) runs what they queue.
"""

from __future__ import annotations

import datetime as dt
import json

import click
from rich.table import Table
from rich.text import Text

from aniworld_cli.main import CliContext, cli, pass_context
from aniworld_core import Job, JobState, Schedule, SeriesApp

#: Said after every command that queues a job: this process runs none.
RUN_HINT = "a process running background work (`aniworld serve`) runs it"


def _local(moment: dt.datetime | None) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M") if moment else ""


def _progress(job: Job) -> str:
    """``3/10 · Scanning /srv/anime``"""
    progress = job.progress
    count = f"{progress.done}/{progress.total}" if progress.total is not None else ""
    return " · ".join(part for part in (count, progress.message or "") if part)


def _states(values: tuple[str, ...]) -> list[str]:
    """``--state`` given as often as wanted, each a state or a comma-separated list of them."""
    return [state.strip() for value in values for state in value.split(",") if state.strip()]


def _table(*groups: tuple[str, ...]) -> Table:
    """A table whose columns in the 1st, 3rd... group never wrap (ids, kinds, states, times)
    and in the others do (progress, errors, timings, which may be long)."""
    table = Table()
    for index, group in enumerate(groups):
        for header in group:
            table.add_column(header, no_wrap=index % 2 == 0)
    return table


def _echo_json(values: list[Job] | list[Schedule]) -> None:
    for value in values:
        click.echo(json.dumps(value.to_dict(), ensure_ascii=False))


@cli.group(invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per job.")
@click.option("--kind", metavar="KIND", help="Only jobs of this kind (e.g. library.scan).")
@click.option("--state", "states", metavar="STATE", multiple=True,
              help="Only jobs in this state: pending, running, completed, failed, cancelled "
                   "(repeat it, or separate states with commas).")
@click.option("--limit", type=click.IntRange(1, 500), default=50, show_default=True,
              help="At most this many jobs, newest first.")
@click.pass_context
def jobs(ctx: click.Context, as_json: bool, kind: str | None, states: tuple[str, ...],
         limit: int) -> None:
    """List background jobs, newest first; `jobs cancel ID` and `jobs retry ID` act on one."""
    if ctx.invoked_subcommand is not None:
        return
    obj = ctx.find_object(CliContext)
    assert obj is not None

    async def work(app: SeriesApp) -> None:
        found = await app.jobs.list(kind=kind, states=_states(states), limit=limit)
        if as_json:
            _echo_json(found)
            return
        if not found:
            obj.out.print("No jobs." if kind or states else
                          "No jobs yet: scans, and what the schedules add, appear here.",
                          markup=False)
            return
        table = _table(("ID", "Kind", "State", "Tries", "Created"), ("Progress or error",))
        for job in found:
            details = (Text(job.error, style="red" if job.state is JobState.FAILED else "")
                       if job.error else Text(_progress(job)))
            table.add_row(str(job.id), Text(job.kind), job.state.value,
                          f"{job.attempts}/{job.max_attempts}", _local(job.created_at),
                          details)
        obj.out.print(table)

    obj.run(work)


@jobs.command("cancel")
@click.argument("job_id", metavar="ID")
@pass_context
def cancel_job(obj: CliContext, job_id: str) -> None:
    """Cancel the job ID if it is queued; stop it if it is running."""

    async def work(app: SeriesApp) -> None:
        job = await app.jobs.get(job_id)
        if job.state.is_final:
            obj.out.print(Text(f"Job {job.id} ({job.kind}) has {job.state.value} already."))
            return
        job = await app.jobs.cancel(job.id)
        if job.state is JobState.CANCELLED:
            obj.out.print(Text(f"Cancelled job {job.id} ({job.kind})."))
        elif job.state is JobState.RUNNING:
            obj.out.print(Text(f"Asked job {job.id} ({job.kind}) to stop; the process running "
                               "it stops it within a second."))
        else:
            obj.out.print(Text(f"Job {job.id} ({job.kind}) has {job.state.value} already."))

    obj.run(work)


@jobs.command("retry")
@click.argument("job_id", metavar="ID")
@pass_context
def retry_job(obj: CliContext, job_id: str) -> None:
    """Queue the finished job ID again, its attempts afresh."""

    async def work(app: SeriesApp) -> None:
        job = await app.jobs.retry(job_id)
        obj.out.print(Text(f"Job {job.id} ({job.kind}) is {job.state.value}; {RUN_HINT}."))

    obj.run(work)


def _timing(schedule: Schedule) -> str:
    if schedule.cron:
        return f"cron {schedule.cron} ({schedule.timezone})"
    return f"every {schedule.every:g} s"


@cli.group(invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per schedule.")
@click.pass_context
def schedules(ctx: click.Context, as_json: bool) -> None:
    """List the schedules that add jobs, with their last and next runs."""
    if ctx.invoked_subcommand is not None:
        return
    obj = ctx.find_object(CliContext)
    assert obj is not None

    async def work(app: SeriesApp) -> None:
        found = await app.jobs.schedules()
        if as_json:
            _echo_json(found)
            return
        if not found:
            obj.out.print("No schedules yet: the built-in ones are created when a process that "
                          "runs background work (`aniworld serve`) starts.", markup=False)
            return
        table = _table(("Name", "Kind"), ("When",), ("Last run", "Next run"))
        for schedule in found:
            last = _local(schedule.last_run_at) or "never"
            if schedule.last_job_id is not None:
                last += f" (job {schedule.last_job_id})"
            table.add_row(Text(schedule.name), Text(schedule.kind), Text(_timing(schedule)),
                          last, _local(schedule.next_run_at) if schedule.enabled else "off")
        obj.out.print(table)

    obj.run(work)


def _print_schedule(obj: CliContext, schedule: Schedule) -> None:
    state = (f"next run {_local(schedule.next_run_at)}" if schedule.enabled
             else "disabled")
    obj.out.print(Text(f"{schedule.name}: {_timing(schedule)}, {state}."))


@schedules.command("set")
@click.argument("name")
@click.option("--every", type=float, metavar="SECONDS", help="Run every SECONDS seconds.")
@click.option("--cron", metavar="EXPR", help="Run by a five-field cron expression "
                                             "(\"0 4 * * *\").")
@click.option("--timezone", metavar="TZ", help="The time zone of the cron expression (an IANA "
                                               "name like Europe/Berlin).")
@pass_context
def set_schedule(obj: CliContext, name: str, every: float | None, cron: str | None,
                 timezone: str | None) -> None:
    """Change when the schedule NAME runs; its next run is computed from now."""
    if (every is None) == (cron is None):
        raise click.UsageError("Give --every SECONDS or --cron EXPR (one of them).")

    async def work(app: SeriesApp) -> Schedule:
        return await app.jobs.edit_schedule(name, every=every, cron=cron, timezone=timezone)

    _print_schedule(obj, obj.run(work))


@schedules.command("run")
@click.argument("name")
@pass_context
def run_schedule(obj: CliContext, name: str) -> None:
    """Add the job of the schedule NAME now (its next run stays as it was)."""

    async def work(app: SeriesApp) -> Job:
        return await app.jobs.run_schedule(name)

    job = obj.run(work)
    obj.out.print(Text(f"Job {job.id} ({job.kind}) is {job.state.value}; {RUN_HINT}."))


def _switch(obj: CliContext, name: str, *, enabled: bool) -> None:
    async def work(app: SeriesApp) -> Schedule:
        return await app.jobs.edit_schedule(name, enabled=enabled)

    _print_schedule(obj, obj.run(work))


@schedules.command("enable")
@click.argument("name")
@pass_context
def enable_schedule(obj: CliContext, name: str) -> None:
    """Switch the schedule NAME on; its next run is one period from now."""
    _switch(obj, name, enabled=True)


@schedules.command("disable")
@click.argument("name")
@pass_context
def disable_schedule(obj: CliContext, name: str) -> None:
    """Switch the schedule NAME off until `schedules enable NAME`."""
    _switch(obj, name, enabled=False)
