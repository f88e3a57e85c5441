"""The wire format of live events: each event's ``to_json()`` as compact JSON text."""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

from aniworld_core import Event

#: The ASGI extension through which the server (``aniworld_web.live_protocol`` under uvicorn)
#: takes several WebSocket text messages in one ASGI message:
#: ``{"type": SEND_TEXTS, "texts": [b"...", ...]}``, each item one message's UTF-8 text.
SEND_TEXTS = "aniworld.websocket.send_texts"

K = TypeVar("K")
V = TypeVar("V")


class IdentityCache(Generic[K, V]):
    """``make(key)`` computed once per key object however often it is asked for (the same
    event for a hundred clients). Each key is kept with its value, so its ``id`` stays unique
    while cached; holds the latest ``size``."""

    def __init__(self, make: Callable[[K], V], size: int) -> None:
        self._make = make
        self._size = size
        self._values: OrderedDict[int, tuple[K, V]] = OrderedDict()

    def __call__(self, key: K) -> V:
        known = self._values.get(id(key))
        if known is not None and known[0] is key:
            return known[1]
        value = self._make(key)
        self._values[id(key)] = (key, value)
        if len(self._values) > self._size:
            self._values.popitem(last=False)
        return value


class WireTexts:
    """Each event's wire text, encoded once however many clients it goes to (a hundred open
    pages would otherwise encode every event a hundred times), as text and as UTF-8 bytes.
    Holds the latest ``size``."""

    def __init__(self, size: int = 4096) -> None:
        self._texts = IdentityCache(_encode, size)

    def __call__(self, event: Event) -> str:
        return self._texts(event)[0]

    def encoded(self, event: Event) -> bytes:
        """The wire text in UTF-8: the very same ``bytes`` object for every client."""
        return self._texts(event)[1]


def _encode(event: Event) -> tuple[str, bytes]:
    text = json.dumps(event.to_json(), separators=(",", ":"))
    return text, text.encode()
