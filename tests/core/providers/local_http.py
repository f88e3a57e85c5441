"""What the tests' small HTTP/1.1 servers share: reading the requests a connection carries."""

from __future__ import annotations

import anyio
from anyio.abc import SocketStream


class Requests:
    """The requests arriving on one connection (requests without a body)."""

    def __init__(self, stream: SocketStream) -> None:
        self._stream = stream
        self._buffer = b""

    async def next(self) -> bytes | None:
        """The next request's head; ``None`` once the client has closed the connection."""
        while b"\r\n\r\n" not in self._buffer:
            try:
                self._buffer += await self._stream.receive()
            except (anyio.EndOfStream, anyio.BrokenResourceError):
                return None
        head, self._buffer = self._buffer.split(b"\r\n\r\n", 1)
        return head
