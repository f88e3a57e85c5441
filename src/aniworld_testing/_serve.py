"""Serve any ASGI app on 127.0.0.1 from synchronous code or either anyio backend.

uvicorn only runs on asyncio, so each server runs in a thread of its own with its own event
loop. The port is bound before the thread starts (port 0 picks a free one, with no race), and
``start()`` returns once uvicorn accepts connections. ``stop()`` asks uvicorn to shut down, which
first tells in-flight requests that the server is going away (the fakes' injected timeouts answer
at once), and joins the thread; the socket is closed either way. Nothing crosses threads but
uvicorn's own ``should_exit`` flag.
"""

from __future__ import annotations

import socket
import threading
from types import TracebackType
from typing import Self

import anyio
import anyio.to_thread
import uvicorn
from starlette.types import ASGIApp, Receive, Scope, Send

from aniworld_testing._harness import SHUTDOWN_KEY

_START_TIMEOUT = 10.0
_STOP_TIMEOUT = 10.0


def listening_socket(host: str = "127.0.0.1", port: int = 0, *,
                     backlog: int = 128) -> socket.socket:
    """A TCP socket listening on ``host``:``port`` (port 0 picks a free one), to hand to
    ``uvicorn.Server.serve(sockets=[...])`` when the address must be known before it starts.

    The socket names its protocol (``IPPROTO_TCP``): asyncio turns Nagle's algorithm off only for
    connections accepted from such a socket. Without that, a small write that follows another (a
    live event, a response body after its headers) waits for the peer's delayed ACK: up to 40 ms.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(backlog)
    except OSError:
        sock.close()
        raise
    return sock


class _Server(uvicorn.Server):
    """uvicorn's server, telling the starting thread when it listens (or failed to), and its
    requests when it begins to shut down (all within the server's own event loop)."""

    def __init__(self, config: uvicorn.Config, listening: threading.Event) -> None:
        super().__init__(config)
        self._listening = listening
        self.stopping: anyio.Event | None = None

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        self.stopping = anyio.Event()
        try:
            await super().startup(sockets)
        finally:
            self._listening.set()

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        if self.stopping is not None:
            self.stopping.set()
        await super().shutdown(sockets)


class Startable:
    """A context manager, sync or async on either anyio backend, over blocking ``start()`` and
    ``stop()`` (the async form runs them in a worker thread; stopping is shielded)."""

    def start(self) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def __aenter__(self) -> Self:
        await anyio.to_thread.run_sync(self.start)
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(self.stop)


class ServedApp(Startable):
    """An ASGI app served on ``host`` (default 127.0.0.1) in a background thread.

    Use it as a context manager, sync or async::

        with ServedApp(app) as server:
            httpx.get(server.url + "/")

        async with ServedApp(app) as server:   # asyncio or trio
            ...

    ``url`` is ``http://127.0.0.1:<port>`` (no trailing slash).
    """

    def __init__(self, app: ASGIApp, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.app = app
        self.host = host
        self._port = port
        self._socket: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._server: _Server | None = None
        self._error: BaseException | None = None

    @property
    def port(self) -> int:
        if self._socket is None:
            raise RuntimeError("the server is not running; call start() first")
        port: int = self._socket.getsockname()[1]
        return port

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Bind, start uvicorn in its thread and wait until it accepts connections."""
        if self._thread is not None:
            raise RuntimeError("the server was already started")
        self._socket = listening_socket(self.host, self._port)
        config = uvicorn.Config(self._wrapped, log_config=None, log_level=None,
                                access_log=False, lifespan="off", ws="none", http="h11",
                                interface="asgi3", timeout_graceful_shutdown=2)
        listening = threading.Event()
        self._server = _Server(config, listening)
        self._thread = threading.Thread(target=self._run, name=f"aniworld-fake-{self.port}",
                                        daemon=True)
        self._thread.start()
        if not listening.wait(_START_TIMEOUT) or not self._server.started:
            error = self._error
            self._error = None
            self.stop()
            raise RuntimeError(f"the server on {self.host} did not start") from error

    def begin_stop(self) -> None:
        """Ask the server to shut down without waiting (``stop()`` waits)."""
        if self._server is not None:
            self._server.should_exit = True  # uvicorn checks it every 0.1 s

    def stop(self) -> None:
        """Shut down, join the thread, close the socket. Safe to call more than once."""
        thread, server = self._thread, self._server
        try:
            self.begin_stop()
            if thread is not None and server is not None:
                thread.join(_STOP_TIMEOUT)
                if thread.is_alive():
                    server.force_exit = True
                    thread.join(_STOP_TIMEOUT)
        finally:
            if self._socket is not None:
                self._socket.close()
        if self._error is not None and not isinstance(self._error, SystemExit):
            raise RuntimeError("the fake server thread failed") from self._error

    def _run(self) -> None:
        try:
            anyio.run(self._main, backend="asyncio")
        except BaseException as error:  # reported by start() or stop()
            self._error = error

    async def _main(self) -> None:
        assert self._server is not None
        assert self._socket is not None
        await self._server.serve(sockets=[self._socket])

    async def _wrapped(self, scope: Scope, receive: Receive, send: Send) -> None:
        stopping = self._server.stopping if self._server is not None else None
        await self.app({**scope, SHUTDOWN_KEY: stopping}, receive, send)


def serve_app(app: ASGIApp, *, host: str = "127.0.0.1", port: int = 0) -> ServedApp:
    """A :class:`ServedApp` for ``app``, not yet started (use it as a context manager)."""
    return ServedApp(app, host=host, port=port)
