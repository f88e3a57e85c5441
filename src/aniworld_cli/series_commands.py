"""``add``, ``list`` and ``remove``: series in the library.

Wherever a command takes SERIES, it may be the id, the start of the id, or the title (see
``SeriesApp.find_series``).
"""

from __future__ import annotations

import json

import click
from rich.table import Table
from rich.text import Text

from aniworld_cli.main import CliContext, cli, pass_context
from aniworld_core import ProviderRef, SeriesApp

#: Said after every command that only queues work: this process does not load.
LOAD_HINT = "run `aniworld load` or `aniworld serve` to load it"


def short_id(series_id: str) -> str:
    """The first eight characters: enough to name a series on the command line."""
    return series_id[:8]


@cli.command()
@click.argument("title", required=False)
@click.option("--anilist", "anilist_id", metavar="ID", help="Add by AniList id instead of title.")
@click.option("--year", type=int, help="Year of the first episode, to tell remakes apart.")
@pass_context
def add(obj: CliContext, title: str | None, anilist_id: str | None, year: int | None) -> None:
    """Add a series by TITLE (or --anilist ID) and queue it for loading."""
    ref = ProviderRef("anilist", anilist_id) if anilist_id else None

    async def work(app: SeriesApp) -> None:
        series = await app.add_series(title, ref, year=year)
        obj.out.print(Text(f"Added {series.title} ({short_id(series.id)}), queued; {LOAD_HINT}."))

    obj.run(work)


@cli.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per series.")
@pass_context
def list_(obj: CliContext, as_json: bool) -> None:
    """List every series with its loading status."""

    async def work(app: SeriesApp) -> None:
        all_series = await app.list_series()
        if as_json:
            for series in all_series:
                click.echo(json.dumps(series.to_dict(), ensure_ascii=False))
            return
        if not all_series:
            obj.out.print("The library is empty. Add a series with `aniworld add TITLE` or "
                          "scan a folder with `aniworld scan FOLDER`.", markup=False)
            return
        table = Table("Title", "Year", "Status", "Id")
        for series in all_series:
            table.add_row(Text(series.title), str(series.year or ""),
                          series.loading_status.value, short_id(series.id))
        obj.out.print(table)

    obj.run(work)


@cli.command()
@click.argument("series")
@pass_context
def remove(obj: CliContext, series: str) -> None:
    """Remove SERIES from the library (files on disk are kept)."""

    async def work(app: SeriesApp) -> None:
        found = await app.find_series(series)
        await app.remove_series(found.id)
        obj.out.print(Text(f"Removed {found.title} ({short_id(found.id)}); its files are kept."))

    obj.run(work)
