"""``status`` and ``missing``: how far loading is, a series' seasons, which episodes have no
file, and the files that could not be placed."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from aniworld_cli.main import CliContext, cli, pass_context
from aniworld_cli.progress import emit
from aniworld_cli.series_commands import short_id
from aniworld_cli.summary import episode_code
from aniworld_core import (
    Episode,
    LoadingStatus,
    ProviderRef,
    Season,
    SeasonEntry,
    Series,
    SeriesApp,
    UnplacedFile,
)


@cli.command()
@click.argument("series", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
@pass_context
def status(obj: CliContext, series: str | None, as_json: bool) -> None:
    """Show the loading status of SERIES, or a summary of the whole library."""

    async def one(app: SeriesApp, name: str) -> None:
        found = await app.find_series(name)  # with its counts
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
        if state.needs_choice and state.status is LoadingStatus.FAILED:
            obj.out.print(Text(f"Say which entry it is: {_identify_hint(found)}"))
        if found.folder_missing_at is not None:
            obj.out.print(Text(f"Folder missing since {found.folder_missing_at:%Y-%m-%d %H:%M} "
                               f"UTC: {found.folder}", style="bold red"))
        counts = found.episode_counts
        if counts is None:
            return
        obj.out.print(f"{counts.known} episodes known, {counts.present} with a file.")
        seasons = await app.seasons(found.id)
        if seasons:
            obj.out.print(season_table(seasons, ShowNames.of(app)))
        render_unplaced(obj.out, await app.unplaced_files(found.id))
        render_note(obj.out, await app.season_note(found.id))

    async def library(app: SeriesApp) -> None:
        all_series = await app.list_series()
        counts = Counter(series.loading_status for series in all_series)
        failed = [series for series in all_series
                  if series.loading_status is LoadingStatus.FAILED]
        queued = sum(1 for series in all_series if not series.loading_status.is_final)
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
        if series.needs_choice:
            obj.out.print(Text(f"    → {_identify_hint(series)}"))
    if not all(series.needs_choice for series in failed):
        obj.out.print("Fix the cause, then `aniworld refresh SERIES`.", markup=False)


def _identify_hint(series: Series) -> str:
    """The command that tells aniworld which AniList entry a series is."""
    return f"aniworld identify {short_id(series.id)} --anilist ID"


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
        seasons = await app.seasons(found.id)
        if not episodes:
            obj.out.print(Text(f"No episodes of {found.title} are missing."))
        else:
            obj.out.print(Text(f"{found.title}: {len(episodes)} missing", style="bold"))
            names = ShowNames.of(app)
            for table in missing_tables(episodes, seasons, names):
                obj.out.print(table)
        upcoming = await app.next_episode(found.id)
        if upcoming is not None:
            local = upcoming.airs_at.astimezone()
            obj.out.print(Text(f"Next: S{upcoming.season:02d}E{upcoming.number:02d} airs "
                               f"{local:%a %Y-%m-%d %H:%M} ({local:%Z})."))
        render_unplaced(obj.out, await app.unplaced_files(found.id))
        render_note(obj.out, await app.season_note(found.id))

    obj.run(work)


class ShowNames:
    """How entries are named to people: providers by their display name, the library series
    that hold an entry by their title."""

    def __init__(self, providers: Mapping[str, str]) -> None:
        self.providers = providers

    @classmethod
    def of(cls, app: SeriesApp) -> ShowNames:
        return cls({status.name: status.display_name for status in app.providers()})

    def ref(self, ref: ProviderRef) -> str:
        """``AniList 104578``"""
        return f"{self.providers.get(ref.provider, ref.provider)} {ref.id}"

    def entry(self, entry: SeasonEntry) -> str:
        """``AniList 104578 (from episode 13)``, or ``AniList 20958 in Other Title`` for an
        entry another library folder holds."""
        text = self.ref(entry.ref)
        if entry.offset:
            text += f" (from episode {entry.offset + 1})"
        if entry.elsewhere:
            text += f" in {entry.elsewhere_title or 'another folder'}"
        return text

    def entries(self, season: Season) -> str:
        return ", ".join(self.entry(entry) for entry in season.entries)


def season_heading(season: Season) -> str:
    """``Season 2 · Mob Psycho 100 II`` (just ``Season 2`` when that is its title)."""
    plain = f"Season {season.number}"
    return plain if season.title in ("", plain) else f"{plain} · {season.title}"


def season_table(seasons: Sequence[Season], names: ShowNames) -> Table:
    """Each season with its title, "present/known" episodes and the entries behind it."""
    table = Table("Season", "Title", "Episodes", "Entries", title="Seasons",
                  title_justify="left")
    for season in seasons:
        table.add_row(str(season.number), Text(season.title),
                      f"{season.present}/{season.known}", Text(names.entries(season)))
    return table


def missing_tables(episodes: Sequence[Episode], seasons: Sequence[Season],
                   names: ShowNames) -> list[Table]:
    """A table of missing episodes per season, headed by the season and its entries."""
    by_number = {season.number: season for season in seasons}
    grouped: dict[int, list[Episode]] = {}
    for episode in episodes:
        grouped.setdefault(episode.season, []).append(episode)
    tables = []
    for number, missing in grouped.items():
        season = by_number.get(number)
        heading = season_heading(season) if season else f"Season {number}"
        if season and season.entries:
            heading += f" ({names.entries(season)})"
        table = Table("Episode", "Title", "Aired", "Entry", title_justify="left",
                      title=Text(f"{heading}: {len(missing)} missing"))
        for episode in missing:
            entry = (f"{names.ref(episode.entry)} · {episode.entry_number}"
                     if episode.entry is not None and episode.entry_number is not None else "")
            table.add_row(episode_code(episode), Text(episode.title or ""),
                          episode.air_date.isoformat() if episode.air_date else "", Text(entry))
        tables.append(table)
    return tables


def render_unplaced(console: Console, unplaced: Sequence[UnplacedFile]) -> None:
    """The video files that name no listed episode, each with why."""
    if not unplaced:
        return
    count = f"{len(unplaced)} file{'' if len(unplaced) == 1 else 's'}"
    console.print(Text(f"Not placed ({count} naming no listed episode):", style="bold"))
    for file in unplaced:
        console.print(Text(f"  {file.path} — {file.reason}"))


def render_note(console: Console, note: str | None) -> None:
    if note:
        console.print(Text(f"The seasons may be incomplete: {note}.", style="yellow"))
