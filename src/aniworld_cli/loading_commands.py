"""``load``, ``refresh``, ``cancel`` and ``identify``: the background load of series.

``load`` runs the loader in this process until nothing is queued. The others only change the
queue; what they queue waits for a process that runs the loader (``load`` or ``serve``).
"""

from __future__ import annotations

import click
from rich.text import Text

from aniworld_cli.loading import follow, run_loading
from aniworld_cli.main import CliContext, cli, pass_context
from aniworld_cli.progress import emit, make_view
from aniworld_cli.series_commands import LOAD_HINT
from aniworld_cli.summary import render_summary
from aniworld_core import ProviderRef, SeriesApp


@cli.command()
@click.option("--json", "as_json", is_flag=True,
              help="Stream every event, then a summary, as JSON lines.")
@pass_context
def load(obj: CliContext, as_json: bool) -> None:
    """Load every queued series now, with progress, until nothing is left."""

    async def work(app: SeriesApp) -> None:
        summary = await follow(app, make_view(obj.out, as_json=as_json))
        if as_json:
            emit(summary.to_json())
        else:
            render_summary(obj.out, summary)

    run_loading(obj, work, as_json=as_json)


@cli.command()
@click.argument("series")
@pass_context
def refresh(obj: CliContext, series: str) -> None:
    """Queue SERIES to load its metadata, episodes, NFO and artwork again."""

    async def work(app: SeriesApp) -> None:
        found = await app.refresh_series((await app.find_series(series)).id)
        obj.out.print(Text(f"Queued {found.title} to load again; {LOAD_HINT}."))

    obj.run(work)


@cli.command()
@click.argument("series")
@pass_context
def cancel(obj: CliContext, series: str) -> None:
    """Cancel the queued load of SERIES (`refresh` queues it again)."""

    async def work(app: SeriesApp) -> None:
        found = await app.find_series(series)
        await app.cancel_loading(found.id)
        obj.out.print(Text(f"Cancelled loading {found.title}."))

    obj.run(work)


@cli.command()
@click.argument("series")
@click.option("--anilist", "anilist_id", metavar="ID", required=True,
              help="The AniList id SERIES really is (from its anilist.co address).")
@pass_context
def identify(obj: CliContext, series: str, anilist_id: str) -> None:
    """Say which AniList entry SERIES is, and queue it to load again from there."""

    async def work(app: SeriesApp) -> None:
        found = await app.find_series(series)
        updated = await app.identify(found.id, ProviderRef("anilist", anilist_id))
        obj.out.print(Text(f"{updated.title} is AniList {anilist_id} now; queued to load "
                           f"again; {LOAD_HINT}."))

    obj.run(work)
