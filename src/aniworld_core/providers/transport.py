"""The HTTP transport of aniworld's clients: httpx's own, with one cost taken out.

Before every request and after every response, httpcore's connection pool asks each idle
connection whether the server has closed it (``get_extra_info("is_readable")``). Through anyio
that question rebuilds the socket's whole attribute table, a ``getpeername`` system call
included, every time: a fifth of the event loop's time while loading 500 series
(``benchmarks/loader.py`` under py-spy). The network backend here remembers each connection's
socket and asks the operating system directly; everything else is httpcore's.
"""

# The ``timeout`` parameters are httpcore's interface for network backends, not ours to change.
# ruff: noqa: ASYNC109

from __future__ import annotations

import select
import ssl
import typing
from collections.abc import Iterable

import httpcore
import httpx


def http_transport(limits: httpx.Limits) -> httpx.AsyncHTTPTransport:
    """httpx's default transport with ``limits``, its connections asking cheaply whether the
    server closed them. Should httpx or httpcore ever be laid out differently, it is simply
    httpx's default transport."""
    transport = httpx.AsyncHTTPTransport(limits=limits)
    pool = getattr(transport, "_pool", None)
    backend = getattr(pool, "_network_backend", None)
    if isinstance(backend, httpcore.AsyncNetworkBackend):
        pool._network_backend = _SocketRemembering(backend)  # type: ignore[union-attr]
    return transport


class _SocketRemembering(httpcore.AsyncNetworkBackend):
    def __init__(self, backend: httpcore.AsyncNetworkBackend) -> None:
        self._backend = backend

    async def connect_tcp(
        self, host: str, port: int, timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        return _Stream(await self._backend.connect_tcp(host, port, timeout, local_address,
                                                       socket_options))

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        return _Stream(await self._backend.connect_unix_socket(path, timeout, socket_options))

    async def sleep(self, seconds: float) -> None:
        await self._backend.sleep(seconds)


class _Stream(httpcore.AsyncNetworkStream):
    def __init__(self, stream: httpcore.AsyncNetworkStream) -> None:
        self._stream = stream
        # A socket.socket, or on asyncio the transport's wrapper of one; both have ``fileno``.
        found = stream.get_extra_info("socket")
        self._socket: _HasFileno | None = found if hasattr(found, "fileno") else None

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return await self._stream.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        await self._stream.write(buffer, timeout)

    async def aclose(self) -> None:
        await self._stream.aclose()

    async def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: str | None = None,
                        timeout: float | None = None) -> httpcore.AsyncNetworkStream:
        return _Stream(await self._stream.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> typing.Any:
        if info == "is_readable" and self._socket is not None:
            return _readable(self._socket)
        return self._stream.get_extra_info(info)


class _HasFileno(typing.Protocol):
    def fileno(self) -> int: ...


def _readable(sock: _HasFileno) -> bool:
    """Whether reading would not block: data, or the end of a connection the server closed
    (a socket that is gone counts as readable, so the pool drops the connection)."""
    descriptor = sock.fileno()
    if descriptor < 0:
        return True
    poller = select.poll()
    poller.register(descriptor, select.POLLIN)
    return bool(poller.poll(0))
