"""The wire text of an event is its ``to_json()`` as compact JSON, encoded once per event."""

from __future__ import annotations

import json

from aniworld_core import LoadingStatus, SeriesAdded
from aniworld_web.wire import WireTexts


def test_each_event_is_encoded_once_and_exactly() -> None:
    """The same event gives the very same text every time; an equal but distinct event, and
    an event pushed out of the cache, are encoded afresh and correctly."""
    wire = WireTexts(size=2)
    first = SeriesAdded("a", "Trigun", LoadingStatus.PENDING)
    text = wire(first)
    assert json.loads(text) == first.to_json()
    assert " " not in text.replace("Trigun", "")
    assert wire(first) is text
    assert wire.encoded(first) == text.encode()
    assert wire.encoded(first) is wire.encoded(first)
    twin = SeriesAdded("a", "Trigun", LoadingStatus.PENDING, timestamp=first.timestamp)
    assert wire(twin) == text
    assert wire(twin) is not text
    for title in ("Monster", "Akira"):
        wire(SeriesAdded("b", title, LoadingStatus.PENDING))
    assert wire(first) == text
    assert wire(first) is not text  # evicted, then encoded again


def test_the_bytes_are_utf8() -> None:
    """The bytes decode as UTF-8 to the same JSON: titles beyond ASCII arrive intact."""
    wire = WireTexts()
    event = SeriesAdded("a", "進撃の巨人", LoadingStatus.PENDING)
    assert json.loads(wire.encoded(event).decode("utf-8")) == event.to_json()
