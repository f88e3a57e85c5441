"""The HTTP transport of aniworld's clients: httpx's own, with its connection pool's costs under
many concurrent requests taken out.

httpcore's pool, on every request and every response, walks its connections: it asks each idle
one whether the server has closed it, and hands queued requests to idle connections. Two things
made that walk the event loop's largest cost while loading 500 series (``benchmarks/loader.py``
under py-spy):

* The question is a system call per idle connection per walk, which also gives the GIL away each
  time: with database and file work running in threads, the loop then waited for it back.
  Here one ``poll`` answers for every connection of the client, and only in walks that may
  hand a connection out (a request is waiting for one).
* An idle connection handed to a queued request stays idle until that request starts on it, so
  the same walk (or the next) hands it to other requests too; all but one then fail with
  ``ConnectionNotAvailable`` and walk again (encode/httpcore#1110). Here a connection spoken for
  is neither handed out again nor closed as surplus until its request is done with it.

Should httpcore ever be laid out differently, this is simply httpx's default transport.
"""

# The ``timeout`` parameters are httpcore's interface for network backends, not ours to change.
# ruff: noqa: ASYNC109

from __future__ import annotations

import functools
import select
import ssl
import typing
import weakref
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import httpcore
import httpx

#: The httpcore releases whose pool this module knows (its walk is replaced, see ``_Pool``).
_KNOWN_HTTPCORE = ("1.0.",)


@functools.cache
def shared_ssl_context() -> ssl.SSLContext:
    """httpx's default TLS context (certifi's certificates), made once per process: loading
    the certificates takes about 30 ms, which every client paid at every start."""
    return httpx.create_ssl_context()


def http_transport(limits: httpx.Limits) -> httpx.AsyncHTTPTransport:
    """httpx's default transport with ``limits`` (HTTP/1.1), over the pool described above."""
    transport = httpx.AsyncHTTPTransport(limits=limits, verify=shared_ssl_context())
    stock = getattr(transport, "_pool", None)
    backend = getattr(stock, "_network_backend", None)
    context = getattr(stock, "_ssl_context", None)
    if (httpcore.__version__.startswith(_KNOWN_HTTPCORE)
            and type(stock) is httpcore.AsyncConnectionPool
            and isinstance(backend, httpcore.AsyncNetworkBackend)
            and isinstance(context, ssl.SSLContext)):
        transport._pool = _Pool(
            ssl_context=context,  # the shared one
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=_SocketRemembering(backend),
        )
    return transport


class _Pool(httpcore.AsyncConnectionPool):
    """httpcore 1.0's pool with its walk (``_assign_requests_to_connections``) replaced by one
    that keeps what it decides the same, but hands each connection to at most one request at a
    time and asks about closed connections with one poll."""

    def _assign_requests_to_connections(self) -> list[httpcore.AsyncConnectionInterface]:
        backend = self._network_backend
        if not isinstance(backend, _SocketRemembering):
            return self._assign()
        with backend.readiness.walk(probing=any(r.is_queued() for r in self._requests)):
            return self._assign()

    def _assign(self) -> list[httpcore.AsyncConnectionInterface]:
        closing: list[httpcore.AsyncConnectionInterface] = []
        spoken_for = {id(request.connection) for request in self._requests
                      if request.connection is not None}
        # Closed, expired and surplus idle connections go, as in httpcore (which counts every
        # connection, idle or not, against the keep-alive limit).
        for connection in list(self._connections):
            if connection.is_closed():
                self._connections.remove(connection)
            elif connection.has_expired() or (
                id(connection) not in spoken_for and connection.is_idle()
                and len(self._connections) > self._max_keepalive_connections
            ):
                self._connections.remove(connection)
                closing.append(connection)
        for request in [request for request in self._requests if request.is_queued()]:
            origin = request.request.url.origin
            free = [connection for connection in self._connections
                    if id(connection) not in spoken_for]
            found = next((c for c in free
                          if c.can_handle_request(origin) and c.is_available()), None)
            if found is None:
                if len(self._connections) >= self._max_connections:
                    idle = next((c for c in free if c.is_idle()), None)
                    if idle is None:
                        continue  # waits for a connection to come free
                    self._connections.remove(idle)
                    closing.append(idle)
                found = self.create_connection(origin)
                self._connections.append(found)
            request.assign_to_connection(found)
            spoken_for.add(id(found))
        return closing


class _Readiness:
    """Which of a client's connections the server has closed (their sockets read as ready).

    During a pool walk one poll of them all answers every question, taken at the first one;
    a walk with no request waiting for a connection asks nothing (a closed connection is found
    by the next walk that would hand it out). Outside a walk, one poll per question."""

    def __init__(self) -> None:
        self._streams: weakref.WeakSet[_Stream] = weakref.WeakSet()
        self._walking = False
        self._probing = False
        self._ready: set[int] | None = None
        self._polled: set[int] = set()

    def add(self, stream: _Stream) -> None:
        self._streams.add(stream)

    def discard(self, stream: _Stream) -> None:
        self._streams.discard(stream)

    @contextmanager
    def walk(self, *, probing: bool) -> Iterator[None]:
        self._walking, self._probing = True, probing
        try:
            yield
        finally:
            self._walking = self._probing = False
            self._ready = None
            self._polled = set()

    def readable(self, descriptor: int) -> bool:
        """Whether reading would not block: data, or the end of a connection the server closed
        (a socket that is gone counts as readable, so the pool drops the connection)."""
        if descriptor < 0:
            return True
        if self._walking:
            if not self._probing:
                return False
            if self._ready is None:
                self._poll_all()
            if descriptor in self._polled:
                return descriptor in (self._ready or ())
        poller = select.poll()
        poller.register(descriptor, select.POLLIN)
        return bool(poller.poll(0))

    def _poll_all(self) -> None:
        poller = select.poll()
        self._polled = set()
        for stream in list(self._streams):
            descriptor = stream.fileno()
            if descriptor >= 0:
                poller.register(descriptor, select.POLLIN)
                self._polled.add(descriptor)
        self._ready = {descriptor for descriptor, _ in poller.poll(0)} if self._polled else set()


class _SocketRemembering(httpcore.AsyncNetworkBackend):
    def __init__(self, backend: httpcore.AsyncNetworkBackend) -> None:
        self._backend = backend
        self.readiness = _Readiness()

    async def connect_tcp(
        self, host: str, port: int, timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        return _Stream(await self._backend.connect_tcp(host, port, timeout, local_address,
                                                       socket_options), self.readiness)

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        return _Stream(await self._backend.connect_unix_socket(path, timeout, socket_options),
                       self.readiness)

    async def sleep(self, seconds: float) -> None:
        await self._backend.sleep(seconds)


class _Stream(httpcore.AsyncNetworkStream):
    def __init__(self, stream: httpcore.AsyncNetworkStream, readiness: _Readiness) -> None:
        self._stream = stream
        self._readiness = readiness
        # A socket.socket, or on asyncio the transport's wrapper of one; both have ``fileno``.
        found = stream.get_extra_info("socket")
        self._socket: _HasFileno | None = found if hasattr(found, "fileno") else None
        if self._socket is not None:
            readiness.add(self)

    def fileno(self) -> int:
        return self._socket.fileno() if self._socket is not None else -1

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return await self._stream.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        await self._stream.write(buffer, timeout)

    async def aclose(self) -> None:
        self._readiness.discard(self)
        await self._stream.aclose()

    async def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: str | None = None,
                        timeout: float | None = None) -> httpcore.AsyncNetworkStream:
        self._readiness.discard(self)
        return _Stream(await self._stream.start_tls(ssl_context, server_hostname, timeout),
                       self._readiness)

    def get_extra_info(self, info: str) -> typing.Any:
        if info == "is_readable" and self._socket is not None:
            return self._readiness.readable(self._socket.fileno())
        return self._stream.get_extra_info(info)


class _HasFileno(typing.Protocol):
    def fileno(self) -> int: ...
