"""``status`` and ``missing``: how far loading is, and which episodes have no file."""

from __future__ import annotations

import json
from collections import Counter

import click
from rich.table import Table
from rich.text import Text

from aniworld_cli.main import CliContext, cli, pass_context
from aniworld_cli.progress import emit
from aniworld_cli.series_commands import short_id
from aniworld_core import LoadingStatus, Series, SeriesApp


@cli.command()
@click.argument("series", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
@pass_context
def status(obj: CliContext, series: str | None, as_json: bool) -> None:
    """Show the loading status of SERIES, or a summary of the whole library."""

    async def one(app: SeriesApp, name: str) -> None:
        found = await app.find_series(name)
        state = await app.loading_status(found.id)
        if as_json:
            click.echo(json.dumps(state.to_dict(), ensure_ascii=False))
            return
        year = f" ({found.year})" if found.year else ""
        obj.out.print(Text(f"{found.title}{year}  {found.id}", style="bold"))
        flags = "  ".join(f"{name} {'✓' if done else '·'}"
                          for name, done in state.progress.to_dict().items())
        obj.out.print(Text(f"{state.status.value}: {state.message}  {flags}"))
        if state.error and state.status is not LoadingStatus.FAILED:
            obj.out.print(Text(f"last error: {state.error}"))
        if found.episodes_loaded:
            episodes = await app.episodes(found.id)
            present = sum(1 for episode in episodes if episode.present)
            obj.out.print(f"{len(episodes)} episodes known, {present} with a file.")

    async def library(app: SeriesApp) -> None:
        all_series = await app.list_series()
        counts = Counter(series.loading_status for series in all_series)
        failed = [series for series in all_series
                  if series.loading_status is LoadingStatus.FAILED]
        queued = sum(1 for series in all_series if series.queued_at is not None)
        if as_json:
            emit({"total": len(all_series),
                  "statuses": {status.value: counts[status] for status in LoadingStatus},
                  "queued": queued,
                  "failed": [series.to_dict() for series in failed]})
            return
        if not all_series:
            obj.out.print("The library is empty.")
            return
        parts = [f"{counts[status]} {status.value}" for status in LoadingStatus if counts[status]]
        obj.out.print(f"{len(all_series)} series: {', '.join(parts)}.")
        if queued:
            obj.out.print(f"{queued} queued; `aniworld load` or `aniworld serve` loads them.",
                          markup=False)
        _failures(obj, failed)

    obj.run(lambda app: one(app, series) if series is not None else library(app))


def _failures(obj: CliContext, failed: list[Series]) -> None:
    if not failed:
        return
    obj.out.print("Failed:")
    for series in failed:
        obj.out.print(Text(f"  {series.title} ({short_id(series.id)}): {series.loading_error}"))
    obj.out.print("Fix the cause, then `aniworld refresh SERIES` (or `aniworld identify SERIES "
                  "--anilist ID` when it was not recognised).", markup=False)


@cli.command()
@click.argument("series")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per missing episode.")
@pass_context
def missing(obj: CliContext, series: str, as_json: bool) -> None:
    """List the aired episodes of SERIES that have no file."""

    async def work(app: SeriesApp) -> None:
        found = await app.find_series(series)
        episodes = await app.missing_episodes(found.id)
        if as_json:
            for episode in episodes:
                click.echo(json.dumps(episode.to_dict(), ensure_ascii=False))
            return
        if not episodes:
            obj.out.print(Text(f"No episodes of {found.title} are missing."))
            return
        table = Table("Season", "Episode", "Title", "Aired",
                      title=Text(f"{found.title}: {len(episodes)} missing"))
        for episode in episodes:
            table.add_row(str(episode.season), str(episode.number), Text(episode.title or ""),
                          episode.air_date.isoformat() if episode.air_date else "")
        obj.out.print(table)

    obj.run(work)
