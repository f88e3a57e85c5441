"""``parse``: what aniworld reads in file names, the way a scan reads them."""

from __future__ import annotations

import json

import click
from rich.table import Table

from aniworld_cli.main import CliContext, cli, pass_context
from aniworld_core import ParsedName, parse_path


def parsed_json(path: str, parsed: ParsedName) -> dict[str, object]:
    return {
        "path": path,
        "title": parsed.title,
        "season": parsed.season,
        "episode": parsed.episode,
        "episode_end": parsed.episode_end,
        "special": parsed.special,
    }


@cli.command()
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@click.option("--series", metavar="NAME",
              help="The series folder's name, so its title is not read as numbers.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per path.")
@pass_context
def parse(obj: CliContext, paths: tuple[str, ...], series: str | None, as_json: bool) -> None:
    """Show the season and episode aniworld reads in each PATH (files need not exist)."""
    results = [(path, parse_path(path, series)) for path in paths]
    if as_json:
        for path, parsed in results:
            click.echo(json.dumps(parsed_json(path, parsed), ensure_ascii=False))
        return
    table = Table("Path", "Title", "Season", "Episode", "Special")
    for path, parsed in results:
        episode = "" if parsed.episode is None else str(parsed.episode)
        if parsed.episode_end is not None:
            episode += f"-{parsed.episode_end}"
        table.add_row(path, parsed.title or "", "" if parsed.season is None else str(parsed.season),
                      episode, "yes" if parsed.special else "")
    obj.out.print(table)
