"""Commands that load in the foreground (``scan``, ``load``, ``demo --cli``): open ``SeriesApp``
with its loader, draw the run from the event stream until the loader is idle, and stop
gracefully on Ctrl-C or SIGTERM.

On a signal the work is cancelled and the loader stops: series that only wait stop at once,
running steps get their grace period, and whatever is left stays queued in the database (as
"queued, resumes at next start") for the next time a loader runs. The still-queued count is read
from the same open app, so the process exits right after the grace period. A second Ctrl-C
quits at once.
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Awaitable, Callable
from typing import TypeVar

import anyio
import attrs

from aniworld_cli.main import CliContext
from aniworld_cli.progress import View, emit
from aniworld_cli.summary import RunSummary, summarize
from aniworld_core import SeriesApp, Subscription

T = TypeVar("T")

#: Exit status after a graceful stop on a signal (128 + SIGINT, as shells report Ctrl-C).
STOPPED = 130


def run_loading(obj: CliContext, work: Callable[[SeriesApp], Awaitable[T]], *,
                resume: str | None = "aniworld load", as_json: bool = False) -> T:
    """Run ``work`` with the background loader; on SIGINT/SIGTERM stop gracefully, say how many
    series are still queued and how to resume (``resume``: a command, or ``None`` when the run
    cannot be resumed), and exit with :data:`STOPPED`."""
    settings = obj.call(obj.settings)

    async def main() -> T | _Stopped:
        async with SeriesApp.open(settings, loader=True, role="cli") as app:
            with anyio.CancelScope() as stopped:
                async with anyio.create_task_group() as group:
                    group.start_soon(_stop_on_signal, stopped)
                    result = await work(app)
                    group.cancel_scope.cancel()
                return result
            # Reached only when a signal cancelled the work (its progress view is gone now).
            obj.err.print(f"Stopping: running steps get up to {settings.loader.shutdown_grace:g}"
                          " s to finish (Ctrl-C again quits at once)...", markup=False)
            queued = 0
            with anyio.CancelScope(shield=True):
                await app.stop_loading()
                queued = sum((await app.metrics()).queue_depth.values())
            return _Stopped(queued)

    result = obj.call(lambda: anyio.run(main))
    if not isinstance(result, _Stopped):
        return result
    queued = result.queued
    if as_json:
        emit({"type": "stopped", "still_queued": queued})
    message = f"Stopped; {queued} series still queued"
    if resume and queued:
        message += f" — resume with `{resume}`"
    obj.err.print(message + ".", markup=False)
    sys.exit(STOPPED)


async def _stop_on_signal(scope: anyio.CancelScope) -> None:
    with anyio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
        async for _ in signals:
            scope.cancel()
            return  # leaving restores the default handlers: a second Ctrl-C interrupts


@attrs.frozen
class _Stopped:
    """What the work "returns" when a signal stopped it: how many series are still queued."""

    queued: int


async def follow(app: SeriesApp, view: View,
                 first: Callable[[], Awaitable[None]] | None = None) -> RunSummary:
    """Draw the run on ``view`` while ``first`` runs (a scan) and until the loader is idle;
    then the summary of the run's series."""
    async with app.events.subscribe(snapshot=False) as events:
        # Subscribed first: whatever is queued now or later is seen, nothing twice.
        view.state.start(s for s in await app.list_series() if not s.loading_status.is_final)
        view.start()
        try:
            async with anyio.create_task_group() as group:
                group.start_soon(_consume, events, view)
                if first is not None:
                    await first()
                await app.wait_idle()
                group.cancel_scope.cancel()
            while events.pending():  # what was published before idle but not drawn yet
                view.handle(await anext(events))
        finally:
            view.stop()
    return await summarize(app, view.state.series)


async def _consume(events: Subscription, view: View) -> None:
    async for event in events:
        view.handle(event)
