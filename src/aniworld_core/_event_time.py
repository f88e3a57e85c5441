"""The ``timestamp`` of every event on the wire: UTC, ISO 8601, to the millisecond (events a
few milliseconds apart keep their order, and a client can tell how late one arrived)."""

from __future__ import annotations

import datetime as dt


def event_timestamp(moment: dt.datetime) -> str:
    """``2026-11-01T12:00:00.123Z``."""
    return moment.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
