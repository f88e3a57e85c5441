"""``user set-password``, ``user sessions`` and ``api-key create|list|revoke``: who may use the
web UI and API."""

from __future__ import annotations

import datetime as dt
import sys

import click
from rich.markup import escape
from rich.table import Table

from aniworld_cli.main import CliContext, cli, pass_context
from aniworld_core import Accounts, InvalidInput, SeriesApp, UserSession


@cli.group()
def user() -> None:
    """People who may log in to the web UI."""


@user.command("set-password")
@click.argument("username", default="admin")
@click.option("--password-stdin", is_flag=True,
              help="Read the new password from standard input (its first line), for scripts.")
@pass_context
def set_password(obj: CliContext, username: str, password_stdin: bool) -> None:
    """Set USERNAME's password (default: admin), creating the user if needed."""
    obj.call(lambda: Accounts.check_username(username))  # before anyone types a password
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise click.ClickException("No password on standard input (--password-stdin).")
    else:
        password = click.prompt("New password", hide_input=True,
                                confirmation_prompt="Repeat the new password")

    async def work(app: SeriesApp) -> str:
        return await app.accounts.set_password(username, password)

    name = obj.run(work)
    obj.out.print(f"Password set for {name}. Every session of {name} has ended.")


@user.command("sessions")
@click.argument("username", default="admin")
@click.option("--end", "end", type=click.IntRange(min=1), metavar="ID",
              help="End the session with this id (as listed).")
@click.option("--end-all", is_flag=True, help="End every session of the user: log out "
                                              "everywhere.")
@pass_context
def sessions(obj: CliContext, username: str, end: int | None, end_all: bool) -> None:
    """List USERNAME's browser sessions (default: admin), or end one or all of them.

    An ended session is logged out wherever its cookie is, and its live updates stop (a web
    server in another process notices within a few seconds)."""
    if end is not None and end_all:
        raise click.UsageError("Give --end ID or --end-all, not both.")

    async def work(app: SeriesApp) -> None:
        accounts = app.accounts
        if end_all:
            ended = await accounts.end_sessions(username)
            obj.out.print(f"Ended {ended} session{'' if ended == 1 else 's'} of {username}.")
        elif end is not None:
            if not await accounts.end_sessions(username, end):
                raise InvalidInput(f"{username} has no session {end}; list them with "
                                   f"'aniworld user sessions {username}'.", field="session")
            obj.out.print(f"Ended session {end} of {username}.")
        else:
            _print_sessions(obj, username, await accounts.sessions(username))

    obj.run(work)


def _print_sessions(obj: CliContext, username: str, listed: list[UserSession]) -> None:
    if not listed:
        obj.out.print(f"{username} has no sessions: nobody is logged in as {username}.")
        return
    table = Table("ID", "Browser", "From", "Logged in", "Last used")
    for session in listed:
        table.add_row(str(session.id), escape(session.user_agent or "unknown"),
                      escape(session.address), _local(session.created_at),
                      _local(session.last_seen_at))
    obj.out.print(table)
    obj.out.print(f"End one with: aniworld user sessions {username} --end ID")


def _local(moment: dt.datetime) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


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
