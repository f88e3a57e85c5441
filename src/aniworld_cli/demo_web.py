"""The demo's web half: serve the web UI on 127.0.0.1, optionally until loading is done.

The web app opens its own ``SeriesApp`` (with the loader) in its lifespan, so the demo queues the
library before the server starts and the server's loader loads it live. ``--exit-when-idle``
watches the queue in the database, where that loader records its work.
"""

from __future__ import annotations

import signal
import socket
from types import FrameType

import anyio
import uvicorn

from aniworld_cli.listening import listen_on
from aniworld_cli.main import CliContext
from aniworld_cli.serve_command import server_options, tune_for_serving, web_app
from aniworld_core import SeriesApp, Settings

HOST = "127.0.0.1"
#: How often ``--exit-when-idle`` looks at the queue, in seconds.
IDLE_POLL = 0.5


def listen(port: int) -> socket.socket:
    """A socket listening on 127.0.0.1:``port`` (connections wait in the kernel's queue until
    the server accepts them, so the address can be printed before the server starts)."""
    return listen_on(HOST, port, hint="; choose another --port")


def serve_web(obj: CliContext, settings: Settings, sock: socket.socket, *,
              exit_when_idle: bool) -> bool:
    """Serve on ``sock`` until Ctrl-C (or SIGTERM), or until nothing is queued with
    ``exit_when_idle``; ``True`` when a signal stopped it. The server shuts down gracefully
    either way."""
    server = uvicorn.Server(uvicorn.Config(web_app(obj, settings), log_level="warning",
                                           **server_options()))
    tune_for_serving()
    caught: list[int] = []

    def note(number: int, frame: FrameType | None) -> None:
        caught.append(number)

    # uvicorn handles the signals itself, then raises them again for the handlers it found:
    # these, so the demo can still print its summary.
    previous = {number: signal.signal(number, note) for number in (signal.SIGINT, signal.SIGTERM)}
    try:
        anyio.run(_serve, server, sock, settings if exit_when_idle else None)
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
    return bool(caught)


async def _serve(server: uvicorn.Server, sock: socket.socket,
                 settings: Settings | None) -> None:
    async with anyio.create_task_group() as group:
        if settings is not None:
            group.start_soon(_stop_when_idle, server, settings)
        await server.serve(sockets=[sock])
        group.cancel_scope.cancel()


async def _stop_when_idle(server: uvicorn.Server, settings: Settings) -> None:
    async with SeriesApp.open(settings, loader=False) as app:
        while not server.should_exit:
            await anyio.sleep(IDLE_POLL)
            if server.started and not sum((await app.metrics()).queue_depth.values()):
                server.should_exit = True
