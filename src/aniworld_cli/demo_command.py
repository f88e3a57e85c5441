"""``demo``: aniworld on a machine with no network and no anime library.

Builds a sample library of about thirty well-known series (empty placeholder files), starts the
fake providers of :mod:`aniworld_testing` in this process with the real services' latency and
rate limits, and loads the library live: in the web UI (an admin with a random password is made
for it) or, with ``--cli``, in the terminal. Unless told otherwise, everything lives in a
temporary folder, so the user's own data dir and library are never touched.
"""

from __future__ import annotations

import contextlib
import secrets
import shlex
import sys
import tempfile
from pathlib import Path

import click
from rich.text import Text

from aniworld_cli.demo_library import build_library
from aniworld_cli.demo_web import HOST, listen, serve_web
from aniworld_cli.loading import follow, run_loading
from aniworld_cli.main import CliContext, cli, pass_context
from aniworld_cli.progress import make_view
from aniworld_cli.scan_command import render_report
from aniworld_cli.summary import RunSummary, render_summary, summarize
from aniworld_core import LoadingStatus, ScanReport, SeriesApp
from aniworld_testing import REALISTIC_LATENCY, FakeBundle

ADMIN = "admin"


def demo_fakes(speed: float) -> FakeBundle:
    """The fake providers with the real services' latency and limits, ``speed`` times faster."""
    latency = {name: seconds / speed for name, seconds in REALISTIC_LATENCY.items()}
    return FakeBundle(latency=latency, jitter=0.04 / speed, rate_limit_scale=speed)


@cli.command()
@click.option("--dir", "library_dir", type=click.Path(path_type=Path, file_okay=False),
              help="Build the sample library here and keep it (default: a temporary folder).")
@click.option("--cli", "in_terminal", is_flag=True,
              help="Scan and load in the terminal, with progress, instead of the web UI.")
@click.option("--exit-when-idle", is_flag=True,
              help="Stop the web UI once everything is loaded (--cli always stops then).")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True,
              help="Port of the web UI on 127.0.0.1.")
@click.option("--speed", type=click.FloatRange(min=1), default=1.0, hidden=True,
              help="Run the fake providers' rate limits and latency this many times faster.")
@pass_context
def demo(obj: CliContext, library_dir: Path | None, in_terminal: bool, exit_when_idle: bool,
         port: int, speed: float) -> None:
    """Try aniworld offline: a sample library loaded live from built-in fake providers."""
    keep_data = "data_dir" in obj.overrides
    with contextlib.ExitStack() as stack:
        scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="aniworld-demo-")))
        library = library_dir or scratch / "library"
        data_dir = Path(obj.overrides["data_dir"]) if keep_data else scratch / "data"
        catalogue = obj.call(lambda: build_library(library))
        fakes = stack.enter_context(demo_fakes(speed))
        obj.overrides.update({**fakes.settings_overrides(), "library": [str(library)],
                              "data_dir": str(data_dir)})
        obj.overrides.setdefault("database_url", f"sqlite:///{data_dir / 'aniworld.db'}")
        _introduce(obj, len(catalogue), library, kept=library_dir is not None)
        if in_terminal:
            resume = None
            if library_dir is not None and keep_data:
                resume = shlex.join(["aniworld", "--data-dir", str(data_dir), "demo", "--cli",
                                     "--dir", str(library)])
            summary = _load_in_terminal(obj, resume)
        else:
            summary = _load_in_browser(obj, port, exit_when_idle=exit_when_idle)
    if summary.with_status(LoadingStatus.FAILED):
        sys.exit(1)  # every demo series should load: a failure is a bug worth a red CI run


def _introduce(obj: CliContext, count: int, library: Path, *, kept: bool) -> None:
    where = "kept" if kept else "deleted when the demo ends; --dir keeps it"
    obj.out.print(Text(f"aniworld demo: a sample library of {count} series with empty "
                       f"placeholder videos in {library} ({where})."))
    obj.out.print("Metadata comes from fake AniList, Jikan, TVmaze, TMDB and fanart.tv servers "
                  "running in this process, with the real services' latency and rate limits. "
                  "AniList allows 30 requests a minute and Jikan 60, so loading takes a minute "
                  "or two; every longer wait is shown with its reason.", markup=False)


def _load_in_terminal(obj: CliContext, resume: str | None) -> RunSummary:
    async def work(app: SeriesApp) -> RunSummary:
        async def first() -> None:
            render_report(obj.out, await app.scan())

        summary = await follow(app, make_view(obj.out, as_json=False), first)
        render_summary(obj.out, summary)
        return summary

    return run_loading(obj, work, resume=resume)


def _load_in_browser(obj: CliContext, port: int, *, exit_when_idle: bool) -> RunSummary:
    async def prepare(app: SeriesApp) -> tuple[str | None, ScanReport]:
        password = None
        if not await app.accounts.has_users():
            password = secrets.token_urlsafe(12)
            await app.accounts.set_password(ADMIN, password)
        return password, await app.scan()

    with listen(port) as sock:
        password, report = obj.run(prepare)
        render_report(obj.out, report)
        obj.out.print(f"Open http://{HOST}:{port}/ in a browser", markup=False)
        if password is not None:
            obj.out.print(f"and log in as {ADMIN!r} with the password {password!r} (shown "
                          "only now).", markup=False)
        else:
            obj.out.print("and log in with your account of this data dir.")
        obj.out.print("The library loads live while you watch. Ctrl-C stops the demo.")
        settings = obj.call(obj.settings)
        stopped = serve_web(obj, settings, sock, exit_when_idle=exit_when_idle)

    async def sum_up(app: SeriesApp) -> RunSummary:
        return await summarize(app, [series.id for series in await app.list_series()])

    summary = obj.run(sum_up)
    render_summary(obj.out, summary)
    if stopped:
        obj.err.print("Stopped.")
    return summary
