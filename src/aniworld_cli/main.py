"""The click group, its global options, and the bridge from commands to ``SeriesApp``."""

from __future__ import annotations

import gc
import logging
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import anyio
import click
from rich.console import Console
from rich.logging import RichHandler
from rich.markup import escape

from aniworld_core import AniworldError, SeriesApp, Settings, __version__

T = TypeVar("T")


class CliContext:
    """What every command gets: how to build settings, and consoles to render on."""

    def __init__(self, overrides: dict[str, Any], config: Path | None) -> None:
        self.overrides = overrides
        self.config = config
        self.out = Console(highlight=False, soft_wrap=True)
        self.err = Console(stderr=True, highlight=False, soft_wrap=True)

    def settings(self) -> Settings:
        return Settings.load(self.config, overrides=self.overrides)

    def run(self, work: Callable[[SeriesApp], Awaitable[T]], *, loader: bool = False) -> T:
        """Open ``SeriesApp``, run ``work`` in it, close it; errors become one-line messages.

        Background loading runs only for commands that ask for it (``load``, ``scan``...);
        the others just read or queue work.
        """

        async def main() -> T:
            async with SeriesApp.open(self.settings(), loader=loader,
                                      role="cli" if loader else None) as app:
                return await work(app)

        return self.call(lambda: anyio.run(main))

    def call(self, fn: Callable[[], T]) -> T:
        """``fn()``; an :class:`AniworldError` (alone, or as the one error of a task group)
        becomes a one-line message on stderr and exit status 1."""
        try:
            return fn()
        except AniworldError as error:
            self.fail(error)
        except BaseExceptionGroup as group:
            sole = _sole_error(group)
            if sole is None:
                raise
            self.fail(sole)

    def fail(self, error: AniworldError) -> NoReturn:
        self.err.print(f"[bold red]Error:[/] {escape(str(error))}", markup=True)
        sys.exit(1)


def _sole_error(error: BaseException) -> AniworldError | None:
    """The AniworldError behind nested single-error exception groups, if that is all it is."""
    while isinstance(error, BaseExceptionGroup) and len(error.exceptions) == 1:
        error = error.exceptions[0]
    return error if isinstance(error, AniworldError) else None


pass_context = click.make_pass_decorator(CliContext)

#: The group's options that take a value; accepted after the command name too.
GLOBAL_OPTIONS = ("--data-dir", "--database-url", "--config")


class AniworldGroup(click.Group):
    """The ``aniworld`` group: its options may also follow the command
    (``aniworld demo --data-dir X`` is ``aniworld --data-dir X demo``)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        return super().parse_args(ctx, self._globals_first(ctx, args))

    def _globals_first(self, ctx: click.Context, args: list[str]) -> list[str]:
        """``args`` with the global options found after the command moved before it, unless
        the command has an option of that name itself; nothing after ``--`` moves."""
        at = 0
        while at < len(args) and args[at].startswith("-") and args[at] != "--":
            at += 2 if args[at] in GLOBAL_OPTIONS else 1
        if at >= len(args) or args[at] == "--":
            return args
        command = self.get_command(ctx, args[at])
        own = {opt for param in command.params for opt in param.opts} if command else set()
        moved: list[str] = []
        kept: list[str] = []
        rest = iter(args[at + 1:])
        for token in rest:
            name = token.partition("=")[0]
            if token == "--":
                kept += [token, *rest]
            elif name not in GLOBAL_OPTIONS or name in own:
                kept.append(token)
            elif "=" in token:
                moved.append(token)
            else:
                moved += [token, *([value] if (value := next(rest, None)) is not None else [])]
        return [*args[:at], *moved, args[at], *kept]


@click.group(cls=AniworldGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="aniworld")
@click.option("--data-dir", type=click.Path(path_type=Path, file_okay=False),
              help="Where aniworld keeps its database and secrets [env: ANIWORLD_DATA_DIR].")
@click.option("--database-url", metavar="URL",
              help="SQLAlchemy URL; SQLite in the data dir by default "
                   "[env: ANIWORLD_DATABASE_URL].")
@click.option("--config", type=click.Path(path_type=Path, dir_okay=False),
              help="A TOML settings file; aniworld.toml in the data dir by default.")
@click.pass_context
def cli(ctx: click.Context, data_dir: Path | None, database_url: str | None,
        config: Path | None) -> None:
    """aniworld: manage an anime library, load its metadata, find missing episodes.

    The options above go before the command or after it (`aniworld --data-dir DIR demo` or
    `aniworld demo --data-dir DIR`).
    """
    overrides: dict[str, Any] = {}
    if data_dir is not None:
        overrides["data_dir"] = str(data_dir)
    if database_url is not None:
        overrides["database_url"] = database_url
    ctx.obj = CliContext(overrides, config)


def load_commands() -> click.Group:
    """The ``aniworld`` group with every command registered."""
    from aniworld_cli import (  # importing a command module registers its commands
        account_commands,  # noqa: F401
        demo_command,  # noqa: F401
        download_commands,  # noqa: F401
        job_commands,  # noqa: F401
        loading_commands,  # noqa: F401
        parse_command,  # noqa: F401
        plugin_commands,  # noqa: F401
        roots_command,  # noqa: F401
        scan_command,  # noqa: F401
        series_commands,  # noqa: F401
        serve_command,  # noqa: F401
        status_commands,  # noqa: F401
        worker_command,  # noqa: F401
    )

    return cli


def main() -> None:
    """Console-script entry point."""
    configure_logging()
    group = load_commands()
    # What is imported by now (some 125,000 objects) lives as long as the process; frozen,
    # full garbage collections no longer walk it. In a long load each of them stopped the
    # event loop for ~100 ms, holding back provider requests (benchmarks/loader.py). Nothing
    # is garbage yet, so nothing is kept that would have been freed; freezing costs nothing.
    gc.freeze()
    group()


#: Libraries whose INFO records are one line per HTTP request: shown at DEBUG only.
CHATTY_LOGGERS = ("httpx", "httpcore")


def set_log_level(level: str) -> None:
    """Log at ``level`` (the ``log_level`` setting) from now on. httpx's line per provider
    request waits for DEBUG: at INFO a busy loader wrote thousands (and formatting them cost
    it a tenth of its CPU); aniworld's own records say what matters."""
    logging.getLogger().setLevel(level)
    chatty = logging.NOTSET if logging.getLevelName(level) <= logging.DEBUG else logging.WARNING
    for name in CHATTY_LOGGERS:
        logging.getLogger(name).setLevel(chatty)


def configure_logging() -> None:
    """Log records go to stderr. Only errors by default: what a command does is shown from the
    event stream, and warnings such as "series failed" would repeat it; ``serve`` lowers the
    level to the ``log_level`` setting."""
    handler = RichHandler(console=Console(stderr=True), show_time=False, show_path=False)
    logging.basicConfig(level=logging.ERROR, format="%(name)s: %(message)s", handlers=[handler],
                        force=True)
