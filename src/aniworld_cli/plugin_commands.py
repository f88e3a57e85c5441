"""``plugins``: every metadata provider, where it came from, whether it can be used, and
whether it is down (it kept failing; work that needs it waits for its next check)."""

from __future__ import annotations

import datetime as dt
import json

import click
from rich.table import Table
from rich.text import Text

from aniworld_cli.main import CliContext, cli, pass_context
from aniworld_core import ProviderStatus, SeriesApp


def down_line(status: ProviderStatus, now: dt.datetime | None = None) -> str:
    """``anilist is down since 12:03 UTC: cannot reach AniList (network down?); next check
    12:04 UTC``."""
    now = now or dt.datetime.now(dt.UTC)
    line = f"{status.name} is down"
    if status.down_since is not None:
        line += f" since {status.down_since:%Y-%m-%d %H:%M} UTC"
    line += f": {status.down_reason or 'it kept failing'}"
    if status.next_check_at is not None and status.next_check_at > now:
        line += f"; next check {status.next_check_at:%H:%M:%S} UTC"
    else:
        line += "; checked again when something needs it"
    return line


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
                ("down" if status.down else "yes") if status.available else "no",
            )
            table.add_row(*(Text(cell) for cell in cells))  # plugin text is never markup
        obj.out.print(table)
        for status in statuses:
            if not status.available:
                obj.out.print(f"{status.name} is unavailable: {status.reason}", markup=False)
            elif status.down:
                obj.out.print(down_line(status), markup=False)

    obj.run(work)
