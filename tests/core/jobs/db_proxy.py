"""A TCP proxy between an app and PostgreSQL that a test can cut and restore: a real network
fault (every connection closed, new ones closed as they come), with nothing left to timing.

    async with DatabaseProxy.serving(database_url) as proxy:
        database = await Database.open(proxy.url, migrate_schema=False)
        proxy.cut()
        ...
        proxy.restore()
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
from anyio.abc import ByteStream, SocketAttribute, SocketStream
from sqlalchemy.engine import make_url


class DatabaseProxy:
    """Carries bytes between its clients and the database of ``database_url`` while not cut."""

    def __init__(self, database_url: str) -> None:
        self._database = make_url(database_url)
        self.port = 0
        self._cut = False
        self._links: set[anyio.CancelScope] = set()

    @classmethod
    @asynccontextmanager
    async def serving(cls, database_url: str) -> AsyncIterator[DatabaseProxy]:
        """A proxy for ``database_url``, listening on a free local port until the block ends."""
        proxy = cls(database_url)
        async with anyio.create_task_group() as task_group:
            await task_group.start(proxy._serve)
            try:
                yield proxy
            finally:
                proxy.cut()
                task_group.cancel_scope.cancel()

    @property
    def url(self) -> str:
        """The database URL, through this proxy."""
        return self._database.set(host="127.0.0.1", port=self.port).render_as_string(
            hide_password=False)

    def cut(self) -> None:
        """Close every connection, and each new one as it comes."""
        self._cut = True
        for link in list(self._links):
            link.cancel()

    def restore(self) -> None:
        """Carry new connections again."""
        self._cut = False

    async def _serve(self, *, task_status: anyio.abc.TaskStatus[None]) -> None:
        listener = await anyio.create_tcp_listener(local_host="127.0.0.1", local_port=0)
        async with listener:
            self.port = listener.listeners[0].extra(SocketAttribute.local_port)
            task_status.started()
            await listener.serve(self._carry)

    async def _carry(self, client: SocketStream) -> None:
        async with client:
            if self._cut:
                return
            try:
                server = await anyio.connect_tcp(self._database.host or "127.0.0.1",
                                                 self._database.port or 5432)
            except OSError:
                return
            async with server:
                with anyio.CancelScope() as link:
                    self._links.add(link)
                    try:
                        async with anyio.create_task_group() as task_group:
                            task_group.start_soon(_pipe, client, server, link)
                            task_group.start_soon(_pipe, server, client, link)
                    finally:
                        self._links.discard(link)


async def _pipe(source: ByteStream, sink: ByteStream, link: anyio.CancelScope) -> None:
    """Copy ``source`` to ``sink``; when either ends, end the link (both directions)."""
    try:
        async for chunk in source:
            await sink.send(chunk)
    except (anyio.BrokenResourceError, anyio.ClosedResourceError, OSError):
        pass
    finally:
        link.cancel()
