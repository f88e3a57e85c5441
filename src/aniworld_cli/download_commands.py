"""``wanted``, ``download``, ``downloads`` (+ pause, resume, cancel), ``import`` and
``sources``: episode downloads from the terminal.

``download`` queues and, unless ``--no-wait``, runs what it queued in this process with live
bars (bytes, speed, ETA) drawn from ``download_update`` events (:mod:`aniworld_cli.download_view`).
The other commands read or change the queue; a process that runs background work
(``aniworld serve``) runs what they queue.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import click
from rich.table import Table
from rich.text import Text

from aniworld_cli.download_view import (
    Followed,
    code_of,
    follow_downloads,
    render_download_line,
)
from aniworld_cli.loading import STOPPED
from aniworld_cli.main import CliContext, cli, pass_context
from aniworld_core import Download, SeriesApp, size_text

#: Said after a command that only queues: this process runs nothing.
RUN_HINT = "a process running background work (`aniworld serve`) runs it"


def _states(values: tuple[str, ...]) -> list[str]:
    return [state.strip() for value in values for state in value.split(",") if state.strip()]


@cli.command()
@click.argument("series", required=False)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per missing episode.")
@pass_context
def wanted(obj: CliContext, series: str | None, as_json: bool) -> None:
    """List the aired episodes without a file, by show and season (of SERIES, if given)."""

    async def work(app: SeriesApp) -> None:
        series_id = (await app.find_series(series)).id if series is not None else None
        shows = await app.wanted(series_id)
        if as_json:
            for show in shows:
                for episode in show.episodes:
                    click.echo(json.dumps({"series_id": show.series_id,
                                           "series_title": show.title, **episode.to_dict()},
                                          ensure_ascii=False))
            return
        if not shows:
            obj.out.print("No episode is missing.", markup=False)
            return
        for show in shows:
            obj.out.print(Text(f"{show.title}: {len(show.episodes)} missing", style="bold"))
            seasons: dict[int, list[str]] = {}
            for episode in show.episodes:
                line = f"S{episode.season:02d}E{episode.number:02d}"
                if episode.title:
                    line += f" {episode.title}"
                if episode.download_id is not None:
                    line += f" (download #{episode.download_id})"
                seasons.setdefault(episode.season, []).append(line)
            for season, lines in seasons.items():
                name = "Specials" if season == 0 else f"Season {season}"
                obj.out.print(Text(f"  {name}: {len(lines)} missing"))
                for line in lines:
                    obj.out.print(Text(f"    {line}"))

    obj.run(work)


@cli.command()
@click.argument("series")
@click.option("--season", type=click.IntRange(0), help="Only this season.")
@click.option("--episode", type=click.IntRange(1),
              help="Only this episode (of --season, 1 by default).")
@click.option("--source", metavar="SOURCE", help="Ask only this episode source (e.g. http).")
@click.option("--no-wait", is_flag=True,
              help="Queue only; a process running background work downloads.")
@pass_context
def download(obj: CliContext, series: str, season: int | None, episode: int | None,
             source: str | None, no_wait: bool) -> None:
    """Download the missing episodes of SERIES (an id or a name): all of them, those of
    --season, or one --episode; with progress until they end, unless --no-wait."""

    async def work(app: SeriesApp) -> Followed:
        found = await app.find_series(series)

        async def queue() -> list[Download]:
            if episode is not None:
                queued = [await app.download(found.id, 1 if season is None else season,
                                             episode, source=source)]
            else:
                queued = await app.download_missing(found.id, season=season, source=source)
            if not queued:
                obj.out.print(Text(f"Nothing to download: no source offers a missing episode "
                                   f"of {found.title} (`aniworld sources`)."))
            return queued

        if not no_wait:
            return await follow_downloads(app, queue, obj.out)
        queued = await queue()
        for item in queued:
            obj.out.print(render_download_line(item))
        if queued:
            obj.out.print(f"Queued {len(queued)}; {RUN_HINT}.", markup=False)
        return Followed(queued)

    followed = obj.run(work, loader=not no_wait)
    if no_wait:
        return
    if followed.interrupted:
        left = sum(1 for item in followed.downloads if not item.state.is_final)
        obj.err.print(f"Stopped; {left} download(s) not finished stay queued (what was fetched "
                      "is kept) — `aniworld serve` or this command again goes on.",
                      markup=False)
        raise SystemExit(STOPPED)
    failed = [item for item in followed.downloads if item.state.value != "completed"]
    for item in failed:
        obj.err.print(Text(f"{item.series_title} {code_of(item)} {item.state.value}: "
                           f"{item.error or 'no reason given'}"))
    if failed:
        raise SystemExit(1)


@cli.group(invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per download.")
@click.option("--state", "states", metavar="STATE", multiple=True,
              help="Only downloads in this state: queued, downloading, paused, importing, "
                   "completed, failed, cancelled (repeat it, or separate with commas).")
@click.option("--limit", type=click.IntRange(1, 500), default=50, show_default=True,
              help="At most this many, newest first.")
@click.pass_context
def downloads(ctx: click.Context, as_json: bool, states: tuple[str, ...], limit: int) -> None:
    """List downloads, newest first; `downloads pause|resume|cancel ID` acts on one."""
    if ctx.invoked_subcommand is not None:
        return
    obj = ctx.find_object(CliContext)
    assert obj is not None

    async def work(app: SeriesApp) -> None:
        found = await app.downloads(states=_states(states), limit=limit)
        if as_json:
            for item in found:
                click.echo(json.dumps(item.to_dict(), ensure_ascii=False))
            return
        if not found:
            obj.out.print("No downloads." if states else "No downloads yet: `aniworld "
                                                         "download SERIES` queues some.",
                          markup=False)
            return
        obj.out.print(download_table(found))

    obj.run(work)


def download_table(found: Sequence[Download]) -> Table:
    table = Table("ID", "Series", "Episode", "State", "Progress", "Source", "Error")
    for item in found:
        progress = size_text(item.bytes_done)
        if item.bytes_total:
            progress += f" of {size_text(item.bytes_total)}"
        table.add_row(str(item.id), Text(item.series_title), code_of(item), item.state.value,
                      progress, Text(item.source), Text(item.error or item.note or ""))
    return table


def _action(name: str, verb: str, help_text: str) -> None:
    @downloads.command(name, help=help_text)
    @click.argument("download_id", metavar="ID", type=click.IntRange(1))
    @pass_context
    def act(obj: CliContext, download_id: int) -> None:
        async def work(app: SeriesApp) -> None:
            method = {"pause": app.pause_download, "resume": app.resume_download,
                      "cancel": app.cancel_download}[name]
            item = await method(download_id)
            obj.out.print(Text(f"{verb} download {item.id} ({item.series_title} "
                               f"{code_of(item)}): {item.state.value}."))

        obj.run(work)


_action("pause", "Paused", "Pause download ID, keeping what it fetched.")
_action("resume", "Resumed", "Queue download ID again (a paused one goes on from its "
                             "partial file).")
_action("cancel", "Cancelled", "Cancel download ID for good (its partial file is removed).")


@cli.command("import")
@click.argument("path", required=False, type=click.Path(path_type=Path))
@click.option("--series", metavar="SERIES", help="Import PATH (one file) as this show.")
@click.option("--season", type=click.IntRange(0), help="With --series: its season.")
@click.option("--episode", "episodes", type=click.IntRange(1), multiple=True,
              help="With --series: its episode (repeat it for a multi-episode file).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@pass_context
def import_(obj: CliContext, path: Path | None, series: str | None, season: int | None,
            episodes: tuple[int, ...], as_json: bool) -> None:
    """Import the finished files of PATH (default: the downloads folder) that match a show
    and an episode, and list those waiting for you; with --series, --season and --episode,
    import the one file PATH as that episode."""
    if series is None and (season is not None or episodes):
        raise click.UsageError("--season and --episode go with --series.")
    if series is not None and (path is None or season is None or not episodes):
        raise click.UsageError("A manual import needs PATH, --series, --season and --episode.")

    async def manual(app: SeriesApp) -> None:
        assert path is not None
        assert series is not None
        assert season is not None
        found = await app.find_series(series)
        imported = await app.import_file(path, found.id, season, list(episodes))
        if as_json:
            click.echo(json.dumps(imported.to_dict(), ensure_ascii=False))
        else:
            obj.out.print(Text(f"Imported {imported.source_path} into {found.title} as "
                               f"{imported.target}."))

    async def folder(app: SeriesApp) -> None:
        report = await app.import_folder(path, anywhere=True)
        if as_json:
            click.echo(json.dumps(report.to_dict(), ensure_ascii=False))
            return
        for item in report.imported:
            obj.out.print(Text(f"✓ {item.source_path} → {item.target}"))
        obj.out.print(f"Imported {len(report.imported)}; {len(report.pending)} waiting for you.",
                      markup=False)
        for pending in report.pending:
            obj.out.print(Text(f"  {pending.path} — {pending.reason}"))
        if report.pending:
            obj.out.print("Import one with `aniworld import PATH --series S --season N "
                          "--episode N`.", markup=False)

    obj.run(manual if series is not None else folder)


@cli.group(invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per source.")
@click.pass_context
def sources(ctx: click.Context, as_json: bool) -> None:
    """List the episode sources; `sources set` and `sources unset` configure one for a show."""
    if ctx.invoked_subcommand is not None:
        return
    obj = ctx.find_object(CliContext)
    assert obj is not None

    async def work(app: SeriesApp) -> None:
        found = app.episode_sources()
        if as_json:
            for source in found:
                click.echo(json.dumps(source.to_dict(), ensure_ascii=False))
            return
        table = Table("Name", "Source", "Built in", "Note")
        for source in found:
            table.add_row(source.name, Text(source.display_name),
                          "yes" if source.builtin else "no", Text(source.problem or ""))
        obj.out.print(table)

    obj.run(work)


@sources.command("set")
@click.argument("series")
@click.argument("source")
@click.argument("url_template")
@pass_context
def set_source(obj: CliContext, series: str, source: str, url_template: str) -> None:
    """Point SOURCE at URL_TEMPLATE for SERIES, e.g. `aniworld sources set "Cowboy Bebop" http
    "https://nas/bebop/S{season:00}E{episode:00}.mkv"` ({season}, {episode}, {absolute})."""

    async def work(app: SeriesApp) -> None:
        found = await app.find_series(series)
        await app.set_series_source(found.id, source, {"url": url_template})
        obj.out.print(Text(f"{found.title} now gets episodes from {source}: {url_template}"))

    obj.run(work)


@sources.command("unset")
@click.argument("series")
@click.argument("source")
@pass_context
def unset_source(obj: CliContext, series: str, source: str) -> None:
    """Forget what was set for SOURCE on SERIES."""

    async def work(app: SeriesApp) -> None:
        found = await app.find_series(series)
        await app.set_series_source(found.id, source, None)
        obj.out.print(Text(f"{found.title} no longer has {source} set."))

    obj.run(work)
