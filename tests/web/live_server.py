"""The real app under uvicorn (as ``aniworld serve`` runs it) on a free loopback port, in a
thread, for browser tests and the WebSocket protocol's.

The socket is bound before the server starts, so a browser can connect at once (the kernel
queues it until uvicorn accepts). :meth:`LiveServer.call` runs a coroutine function on the
server's event loop (to add series as a script would); :meth:`LiveServer.wait_idle` waits
for the loader.
"""

from __future__ import annotations

import threading
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import anyio
import anyio.from_thread
import uvicorn
from anyio.lowlevel import EventLoopToken, current_token
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from aniworld_cli.serve_command import Server, server_options
from aniworld_core import SeriesApp, Settings
from aniworld_testing import listening_socket
from aniworld_web import create_app

T = TypeVar("T")
START_TIMEOUT = 15


class LiveServer:
    def __init__(self, settings: Settings, *, loader: bool = False) -> None:
        self.app: ASGIApp = create_app(settings, loader=loader)
        self.started = threading.Event()
        self.state: dict[str, Any] = {}
        self.token: EventLoopToken | None = None
        self.url = ""

    async def asgi(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The app, noting its lifespan state and event loop once it has started."""
        if scope["type"] != "lifespan":
            await self.app(scope, receive, send)
            return

        async def note_startup(message: Message) -> None:
            if message["type"] == "lifespan.startup.complete":
                self.state = scope["state"]
                self.token = current_token()
                self.started.set()
            await send(message)

        await self.app(scope, receive, note_startup)

    @property
    def core(self) -> SeriesApp:
        core: SeriesApp = self.state["web"].core
        return core

    def call(self, fn: Callable[..., Awaitable[T]], *args: object) -> T:
        """Run ``fn(*args)`` on the server's event loop and return its result."""
        return anyio.from_thread.run(fn, *args, token=self.token)

    def wait_idle(self, timeout: float = 30) -> None:
        """Until the loader has nothing queued or running."""

        async def idle() -> None:
            with anyio.fail_after(timeout):
                await self.core.wait_idle()

        self.call(idle)


@contextmanager
def live_server(settings: Settings, *, loader: bool = False) -> Iterator[LiveServer]:
    server = LiveServer(settings, loader=loader)
    with uvicorn_thread(server.asgi) as url:
        server.url = url
        assert server.started.wait(START_TIMEOUT), "the server did not start"
        yield server


@contextmanager
def uvicorn_thread(app: ASGIApp, *, lifespan: str = "on",
                   ws_deflate: bool = False) -> Iterator[str]:
    """``app`` under uvicorn configured as ``aniworld serve`` configures it, in a thread, on a
    free loopback port that listens before this yields the base URL."""
    listener = listening_socket()
    host, port = listener.getsockname()
    options = {**server_options(), "ws_per_message_deflate": ws_deflate,
               "timeout_graceful_shutdown": 2}
    server = Server(uvicorn.Config(app, log_level="warning", lifespan=lifespan,
                                   interface="asgi3", **options))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(START_TIMEOUT)
        listener.close()
