"""The wire format of live events: each event's ``to_json()`` as compact JSON text."""

from __future__ import annotations

import json
from collections import OrderedDict

from aniworld_core import Event


class WireTexts:
    """Each event's wire text, encoded once however many clients it goes to (a hundred open
    pages would otherwise encode every event a hundred times). Holds the latest ``size``."""

    def __init__(self, size: int = 4096) -> None:
        self._size = size
        self._texts: OrderedDict[int, tuple[Event, str]] = OrderedDict()

    def __call__(self, event: Event) -> str:
        known = self._texts.get(id(event))
        if known is not None and known[0] is event:
            return known[1]
        text = json.dumps(event.to_json(), separators=(",", ":"))
        self._texts[id(event)] = (event, text)  # the event is kept, so its id stays unique
        if len(self._texts) > self._size:
            self._texts.popitem(last=False)
        return text
