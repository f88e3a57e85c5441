"""``worker``: run jobs (loading, downloads, imports, schedules) without a web server.

Several workers and web processes (``serve --no-jobs``) may share one PostgreSQL database: the
workers share the jobs, and one of them leads (watches the library and the downloads folder).
"""

from __future__ import annotations

import signal

import anyio

from aniworld_cli.main import CliContext, cli, pass_context, set_log_level
from aniworld_core import SeriesApp


@cli.command()
@pass_context
def worker(obj: CliContext) -> None:
    """Run jobs, schedules and watching, without a web server, until interrupted (Ctrl+C or
    SIGTERM); running jobs then get loader.shutdown_grace seconds to finish."""
    settings = obj.call(obj.settings)
    set_log_level(settings.log_level)

    async def main() -> None:
        async with SeriesApp.open(settings, loader=True, role="worker") as app:
            with anyio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
                obj.out.print(f"aniworld worker {app.process_id} runs jobs "
                              "(Ctrl+C to stop).", markup=False)
                async for _ in signals:
                    break
            # The default handlers are back: a second Ctrl-C quits at once.
            obj.err.print("Stopping: running jobs get up to "
                          f"{settings.loader.shutdown_grace:g} s to finish (Ctrl-C again "
                          "quits at once)...", markup=False)
        obj.out.print("Stopped.", markup=False)

    obj.call(lambda: anyio.run(main))
