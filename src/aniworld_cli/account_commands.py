"""``user set-password`` and ``api-key create|list|revoke``: who may use the web UI and API."""

from __future__ import annotations

import click
from rich.table import Table

from aniworld_cli.main import CliContext, cli, pass_context
from aniworld_core import SeriesApp


@cli.group()
def user() -> None:
    """People who may log in to the web UI."""


@user.command("set-password")
@click.argument("username", default="admin")
@pass_context
def set_password(obj: CliContext, username: str) -> None:
    """Set USERNAME's password (default: admin), creating the user if needed."""
    password = click.prompt("New password", hide_input=True,
                            confirmation_prompt="Repeat the new password")

    async def work(app: SeriesApp) -> str:
        return await app.accounts.set_password(username, password)

    obj.out.print(f"Password set for {obj.run(work)}.")


@cli.group("api-key")
def api_key() -> None:
    """Keys for scripts and scrapers, sent as 'Authorization: Bearer KEY'."""


@api_key.command("create")
@click.argument("name")
@pass_context
def create_key(obj: CliContext, name: str) -> None:
    """Create a key called NAME and print it. It is shown only this once."""

    async def work(app: SeriesApp) -> str:
        return await app.accounts.create_api_key(name)

    key = obj.run(work)
    click.echo(key)
    obj.err.print("Keep it now: aniworld stores only a hash and cannot show it again.")


@api_key.command("list")
@pass_context
def list_keys(obj: CliContext) -> None:
    """List the keys by name (the keys themselves are never stored)."""

    async def work(app: SeriesApp) -> None:
        keys = await app.accounts.list_api_keys()
        if not keys:
            obj.out.print("No API keys. Create one with: aniworld api-key create NAME")
            return
        table = Table("Name", "Starts with", "Created")
        for key in keys:
            table.add_row(key.name, f"{key.prefix}…", key.created_at.strftime("%Y-%m-%d %H:%M"))
        obj.out.print(table)

    obj.run(work)


@api_key.command("revoke")
@click.argument("name")
@pass_context
def revoke_key(obj: CliContext, name: str) -> None:
    """Revoke the key called NAME; scripts using it are refused from now on."""

    async def work(app: SeriesApp) -> None:
        await app.accounts.revoke_api_key(name)

    obj.run(work)
    obj.out.print(f"Revoked {name}.")
