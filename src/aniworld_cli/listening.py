"""Taking the web server's port before anything else starts, so a port in use is one line and
exit status 1 rather than a loader started and stopped again (uvicorn binds only after the app's
lifespan, which starts the loader, has run)."""

from __future__ import annotations

import errno
import socket

import click

#: Connections waiting for the server to accept them.
BACKLOG = 2048


def listen_on(host: str, port: int, *, hint: str = "") -> socket.socket:
    """A TCP socket listening on ``host``:``port``, for ``uvicorn.Server.serve(sockets=[...])``.

    A port in use is a :class:`click.ClickException` saying ``port 8000 is in use`` (then
    ``hint``); any other reason it cannot listen there says that reason. The socket names its
    protocol (``IPPROTO_TCP``): asyncio turns Nagle's algorithm off only for connections
    accepted from such a socket.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(BACKLOG)
    except OSError as error:
        sock.close()
        if error.errno == errno.EADDRINUSE:
            raise click.ClickException(f"port {port} is in use{hint}") from None
        raise click.ClickException(f"Cannot listen on {host}:{port}: "
                                   f"{error.strerror or error}{hint}") from None
    return sock
