"""``roots``: the library folders (list, add, remove). Every folder directly under one is a
series; ``scan``, the scheduled rescan and watching cover them all.

The settings' folders (``library``) are listed first and are changed in the settings only; those
added here (or by ``aniworld scan ROOT``) are remembered in the database.
"""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich.text import Text

from aniworld_cli.main import CliContext, cli, pass_context
from aniworld_core import LibraryRoot, SeriesApp


def added_line(root: LibraryRoot) -> str:
    """What is said when ``root`` was added."""
    return (f"Added {root.path} to the library folders; later scans, rescans and watching "
            "include it.")


def _describe(root: LibraryRoot) -> str:
    """``/srv/anime (settings)``, ``/mnt/b (added 2026-12-07 10:00) — not available``."""
    if root.added_at is None:
        source = "settings"
    else:
        source = f"added {root.added_at.astimezone().strftime('%Y-%m-%d %H:%M')}"
    text = f"{root.path} ({source})"
    if not root.available:
        text += " — not available (missing or not mounted)"
    return text


@cli.group(invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per library folder.")
@click.pass_context
def roots(ctx: click.Context, as_json: bool) -> None:
    """List the library folders: those of the settings (`library`), then those added (`roots
    add PATH`, `scan ROOT`). New series get their folder in the first."""
    if ctx.invoked_subcommand is not None:
        return
    obj = ctx.find_object(CliContext)
    assert obj is not None

    async def work(app: SeriesApp) -> None:
        found = await app.list_library_roots()
        if as_json:
            for root in found:
                click.echo(json.dumps(root.to_dict(), ensure_ascii=False))
            return
        if not found:
            obj.out.print("No library folders: add one with `aniworld roots add PATH` or set "
                          "`library` in the settings.", markup=False)
            return
        for root in found:
            obj.out.print(Text(_describe(root)))

    obj.run(work)


@roots.command("add")
@click.argument("path", type=click.Path(path_type=Path))
@pass_context
def add_root(obj: CliContext, path: Path) -> None:
    """Add the folder PATH to the library folders (remembered: `scan`, `serve`, the scheduled
    rescan and watching include it). Nothing is scanned until `aniworld scan` or a rescan."""

    given = path.absolute()

    async def work(app: SeriesApp) -> None:
        root = await app.add_library_root(given)
        if not root.new:
            obj.out.print(Text(f"{root.path} is a library folder already."))
            return
        obj.out.print(Text(added_line(root) + " Run `aniworld scan` to scan it now."))

    obj.run(work)


@roots.command("remove")
@click.argument("path", type=click.Path(path_type=Path))
@pass_context
def remove_root(obj: CliContext, path: Path) -> None:
    """Stop treating PATH as a library folder. Its series stay in the library and its files on
    disk are untouched; it is no longer scanned. A folder of the settings is removed there."""

    given = path.absolute()

    async def work(app: SeriesApp) -> None:
        root = await app.remove_library_root(given)
        obj.out.print(Text(f"Removed {root.path} from the library folders; its series stay in "
                           "the library (files on disk untouched) and are no longer scanned."))

    obj.run(work)
