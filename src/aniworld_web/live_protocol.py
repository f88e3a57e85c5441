"""uvicorn's WebSocket protocol, able to send a burst of text messages in one write.

Every open page gets every event on ``/ws``. Sent as one ASGI message each, every event cost
every connection a pass through the middleware's send wrappers, a frame of its own and a
``send`` system call of its own: with a hundred pages open, the last of them heard of a burst of
fifty events (the loader finishing a batch) 50-75 ms after it was published, and everything
published meanwhile waited behind it. ``aniworld serve`` therefore runs uvicorn with
:class:`LiveWebSocketProtocol`: uvicorn's own ``websockets-sansio`` protocol plus the ASGI
extension :data:`~aniworld_web.wire.SEND_TEXTS`. The app sends
``{"type": SEND_TEXTS, "texts": [b"...", ...]}`` and the protocol frames every text (each
distinct ``bytes`` object once for all connections, unless compression was negotiated) and
writes them in one go: the same burst then reaches the last page in 15-20 ms. The app only uses
the extension when ``scope["extensions"]`` offers it, so it runs unchanged under any other ASGI
server.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from uvicorn.protocols.utils import ClientDisconnected
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.frames import Frame, Opcode
from websockets.http11 import Request
from websockets.protocol import State

from aniworld_web.wire import SEND_TEXTS, IdentityCache

if TYPE_CHECKING:
    from uvicorn._types import ASGISendEvent


def _text_frame(text: bytes) -> bytes:
    return Frame(Opcode.TEXT, text).serialize(mask=False, extensions=[])


#: Each text's frame (server frames are not masked), built once for every connection it goes to.
_frames = IdentityCache(_text_frame, 1024)


class LiveWebSocketProtocol(WebSocketsSansIOProtocol):
    """uvicorn's ``websockets-sansio`` protocol offering :data:`SEND_TEXTS`."""

    def handle_connect(self, event: Request) -> None:
        super().handle_connect(event)
        if self.handshake_initiated and not self.close_sent:
            # Accepted: the app's task has been created but has not run yet.
            self.scope["extensions"][SEND_TEXTS] = {}

    async def send(self, message: ASGISendEvent) -> None:
        if message["type"] != SEND_TEXTS:
            await super().send(message)
            return
        texts: Sequence[bytes] = message["texts"]  # type: ignore[typeddict-item]
        await self.writable.wait()
        if self.disconnected:
            raise ClientDisconnected()
        if not self.handshake_complete or self.close_sent or self.initial_response is not None:
            raise RuntimeError(f"Unexpected ASGI message '{SEND_TEXTS}' outside an open "
                               "WebSocket connection.")
        if self.conn.state is not State.OPEN:
            raise ClientDisconnected()  # the client has begun to close
        if self.conn.extensions:  # compressed: every connection has its own state
            for text in texts:
                self.conn.send_text(text)
            data = b"".join(self.conn.data_to_send())
        else:
            data = b"".join([_frames(text) for text in texts])
        self.transport.write(data)
