"""The wire format of live events: each event's ``to_json()`` as compact JSON text."""

from __future__ import annotations

import json
from collections import OrderedDict

from aniworld_core import Event

#: The ASGI extension through which the server (``aniworld_web.live_protocol`` under uvicorn)
#: takes several WebSocket text messages in one ASGI message:
#: ``{"type": SEND_TEXTS, "texts": [b"...", ...]}``, each item one message's UTF-8 text.
SEND_TEXTS = "aniworld.websocket.send_texts"


class WireTexts:
    """Each event's wire text, encoded once however many clients it goes to (a hundred open
    pages would otherwise encode every event a hundred times), as text and as UTF-8 bytes.
    Holds the latest ``size``."""

    def __init__(self, size: int = 4096) -> None:
        self._size = size
        self._texts: OrderedDict[int, tuple[Event, str, bytes]] = OrderedDict()

    def __call__(self, event: Event) -> str:
        return self._entry(event)[1]

    def encoded(self, event: Event) -> bytes:
        """The wire text in UTF-8: the very same ``bytes`` object for every client."""
        return self._entry(event)[2]

    def _entry(self, event: Event) -> tuple[Event, str, bytes]:
        known = self._texts.get(id(event))
        if known is not None and known[0] is event:
            return known
        text = json.dumps(event.to_json(), separators=(",", ":"))
        # The event is kept with its texts, so its id stays unique while they are cached.
        entry = self._texts[id(event)] = (event, text, text.encode())
        if len(self._texts) > self._size:
            self._texts.popitem(last=False)
        return entry
