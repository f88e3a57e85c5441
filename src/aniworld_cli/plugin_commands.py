"""``plugins``: every metadata provider, where it came from, and whether it can be used."""

from __future__ import annotations

import json

import click
from rich.table import Table
from rich.text import Text

from aniworld_cli.main import CliContext, cli, pass_context
from aniworld_core import SeriesApp


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="One JSON object per provider.")
@pass_context
def plugins(obj: CliContext, as_json: bool) -> None:
    """List every metadata provider with its package, version and availability."""

    async def work(app: SeriesApp) -> None:
        statuses = app.providers()
        if as_json:
            for status in statuses:
                click.echo(json.dumps(status.to_dict()))
            return
        table = Table("Provider", "Name", "Package", "Version", "Can", "Available")
        for status in statuses:
            cells = (
                status.display_name,
                status.name,
                status.package or "?",
                status.version or "?",
                ", ".join(sorted(capability.value for capability in status.capabilities)),
                "yes" if status.available else "no",
            )
            table.add_row(*(Text(cell) for cell in cells))  # plugin text is never markup
        obj.out.print(table)
        for status in statuses:
            if not status.available:
                obj.out.print(f"{status.name} is unavailable: {status.reason}", markup=False)

    obj.run(work)
