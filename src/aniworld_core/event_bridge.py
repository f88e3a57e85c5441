"""Events and wakes across the processes of one PostgreSQL database.

Every event published on this process's hub goes out as NOTIFY on the events channel; every
event another process sent comes in as a :class:`RemoteEvent` and is published on this hub, so
each subscriber of each process sees every event once. Work queued here is announced on the jobs
channel, and processes that run jobs wake their engine on hearing it; so is a cancel asked here
of a job another process runs, which that process then stops at once (not at its next poll).

Payloads (each at most :data:`~aniworld_core.storage.notify.MAX_PAYLOAD` bytes of JSON)::

    events channel  {"o": "<origin>", "e": [<event.to_json()>, ...]}
    jobs channel    {"o": "<origin>", "k": ["<kind>" | "*", ...]}
                    {"o": "<origin>", "c": [<job id>, ...]}

``origin`` names the sending process (:func:`~aniworld_core.jobs.owners.new_owner`); a process
ignores what it sent itself. Several events waiting together go in one payload, in the order
they were published; one listening connection hears them in commit order, so the order per
series holds. An event too large for a payload loses its long fields (``"truncated": true``:
pages read the thing again); a ``library_changed`` of many series is split into several.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

import anyio
import anyio.abc

from aniworld_core.events import Event, EventHub
from aniworld_core.jobs.engine import Engine
from aniworld_core.jobs.owners import new_owner
from aniworld_core.jobs.wake import WakingEngine
from aniworld_core.storage.database import Database
from aniworld_core.storage.notify import (
    BACKOFF,
    MAX_PAYLOAD,
    Listener,
    Notifier,
    OnNotify,
    channel,
    connector,
    current_schema,
)

if TYPE_CHECKING:
    import psycopg

log = logging.getLogger("aniworld.events")

#: The most events (wakes, cancels) in one round of NOTIFYs.
BATCH = 500
#: Notifications kept while the database cannot be reached (the oldest go first).
MAX_UNSENT = 1000
#: Seconds a closing app waits at most to send what is still waiting.
FLUSH_SECONDS = 2.0
#: The most job ids in one cancel payload (well within a payload's size).
CANCELS_PER_PAYLOAD = 300
#: Longer text is cut to this many characters in an event too large for a payload.
LONG_TEXT = 300
#: The type keys of events whose coalesce key is not ``("series", series_id)``.
_KEYS: dict[str, tuple[str, str | None]] = {
    "download_update": ("download", "id"),
    "job_update": ("job", "job_id"),
    "library_root": ("library_root", "root"),
    "provider_waiting": ("provider", "provider"),
    "loader_idle": ("loader", None),
    "scan_progress": ("scan", None),
    "imports_changed": ("imports", None),
}


class RemoteEvent:
    """An event another process published, as its JSON: ``type``, ``to_json()`` and
    ``coalesce_key`` are those of the event it was, so pages and the hub treat it alike. Each
    type has a subclass of its own (see :func:`remote_event`)."""

    type: ClassVar[str] = "remote"
    __slots__ = ("_data", "coalesce_key", "timestamp")

    def __init__(self, data: Mapping[str, Any]) -> None:
        self._data = dict(data)
        self.timestamp = _parse_time(data.get("timestamp"))
        self.coalesce_key = coalesce_key_of(data)

    def to_json(self) -> dict[str, Any]:
        return dict(self._data)

    def __repr__(self) -> str:
        return f"RemoteEvent({self._data!r})"


_remote_types: dict[str, type[RemoteEvent]] = {}


def remote_event(data: Mapping[str, Any]) -> RemoteEvent:
    """The event ``data`` (a ``to_json()`` with a ``type``) stands for."""
    name = str(data["type"])
    cls = _remote_types.get(name)
    if cls is None:
        cls = type(f"Remote_{name}", (RemoteEvent,), {"type": name, "__slots__": ()})
        if len(_remote_types) < 200:  # only so many kinds of event exist
            _remote_types[name] = cls
    return cls(data)


def coalesce_key_of(data: Mapping[str, Any]) -> Hashable:
    """The coalesce key the event with this JSON has (as its class computes it)."""
    kind = str(data.get("type"))
    if kind == "library_changed":
        return ("library_changed", tuple(str(item) for item in data.get("series_ids") or ()))
    if kind in _KEYS:
        name, field = _KEYS[kind]
        return (name,) if field is None else (name, _hashable(data.get(field)))
    if "series_id" in data:
        return ("series", _hashable(data["series_id"]))
    return ("remote", kind)


def _hashable(value: object) -> Hashable:
    return value if isinstance(value, str | int | float | bool | None) else repr(value)


def _parse_time(value: object) -> dt.datetime:
    if isinstance(value, str):
        try:
            return dt.datetime.fromisoformat(value)
        except ValueError:
            pass
    return dt.datetime.now(dt.UTC)


# -- payloads ---------------------------------------------------------------------------------

def _dumps(value: object) -> str:
    return json.dumps(value, separators=(",", ":"), default=str)


def event_payloads(origin: str, events: Sequence[Mapping[str, Any]],
                   limit: int = MAX_PAYLOAD) -> list[str]:
    """``events`` (``to_json()`` each) in as few payloads of at most ``limit`` bytes as they
    fit, in order."""
    head, tail = '{"o":' + _dumps(origin) + ',"e":[', "]}"
    room = limit - len(head) - len(tail)
    payloads: list[str] = []
    parts: list[str] = []
    size = 0
    for event in events:
        for text in (_dumps(part) for part in fitted(event, room)):
            if parts and size + 1 + len(text) > room:
                payloads.append(head + ",".join(parts) + tail)
                parts, size = [], 0
            parts.append(text)
            size += len(text) + (1 if len(parts) > 1 else 0)
    if parts:
        payloads.append(head + ",".join(parts) + tail)
    return payloads


def fitted(event: Mapping[str, Any], room: int) -> list[Mapping[str, Any]]:
    """``event``, or what stands for it in at most ``room`` bytes: a ``library_changed`` split
    by series; any other event with its long text cut and big fields emptied, marked
    ``"truncated": true``."""
    if len(_dumps(event)) <= room:
        return [event]
    ids = event.get("series_ids")
    if event.get("type") == "library_changed" and isinstance(ids, list) and len(ids) > 1:
        half = len(ids) // 2
        return [*fitted({**event, "series_ids": ids[:half]}, room),
                *fitted({**event, "series_ids": ids[half:]}, room)]
    trimmed = {key: _trimmed(value) for key, value in event.items()} | {"truncated": True}
    if len(_dumps(trimmed)) <= room:
        return [trimmed]
    return [{key: value for key, value in trimmed.items()
             if value is None or isinstance(value, bool | int | float)
             or (isinstance(value, str) and len(value) <= 80)}]


def _trimmed(value: Any) -> Any:
    if isinstance(value, str) and len(value) > LONG_TEXT:
        return value[:LONG_TEXT] + "…"
    if isinstance(value, list | dict) and len(_dumps(value)) > 4 * LONG_TEXT:
        return type(value)()
    return value


def wake_payload(origin: str, kinds: set[str]) -> str:
    return _dumps({"o": origin, "k": ["*"] if "*" in kinds else sorted(kinds)})


def cancel_payloads(origin: str, job_ids: set[int]) -> list[str]:
    ordered = sorted(job_ids)
    return [_dumps({"o": origin, "c": ordered[start:start + CANCELS_PER_PAYLOAD]})
            for start in range(0, len(ordered), CANCELS_PER_PAYLOAD)]


# -- the bridge -------------------------------------------------------------------------------

#: What the bridge hands its notifier: an event's JSON, a kind of work queued (``None``: any),
#: or a job to cancel.
_Item = tuple[str, Any]


class EventBridge:
    """Carries this hub's events to the other processes on the database and theirs to it, and
    wakes this engine (when it runs jobs) on work queued, or cancels asked, elsewhere. Create
    with :meth:`open`, attach the engine, then ``await task_group.start(bridge.run)``.

    Events are handed to the notifier's thread as they are published, so they go out at once
    even while this process's event loop is busy."""

    def __init__(self, hub: EventHub, connect: Callable[[], psycopg.Connection[Any]],
                 listen: Callable[[Sequence[str], OnNotify], Listener], *, schema: str,
                 runs_jobs: bool, origin: str | None = None) -> None:
        self.origin = origin or new_owner()
        self._hub = hub
        self._notifier: Notifier[_Item] = Notifier(connect, self._render, batch=BATCH,
                                                   max_unsent=MAX_UNSENT,
                                                   retry_seconds=BACKOFF[2])
        self.events_channel = channel(schema, "events")
        self.jobs_channel = channel(schema, "jobs")
        channels = [self.events_channel, *([self.jobs_channel] if runs_jobs else [])]
        self._listener = listen(channels, self._heard)
        self._woken: Callable[[str | None], None] | None = None
        self._cancel_heard: Callable[[list[int]], None] | None = None
        #: Events passed on to other processes, and heard from them (metrics, tests).
        self.sent = 0
        self.heard = 0

    @classmethod
    async def open(cls, database: Database, hub: EventHub, *, runs_jobs: bool
                   ) -> EventBridge | None:
        """A bridge for ``database``; ``None`` unless it is PostgreSQL (a SQLite library has
        one process)."""
        if database.dialect != "postgresql":
            return None
        connect = connector(database.engine)
        schema = await current_schema(connect)
        return cls(hub, connect,
                   lambda channels, on_notify: Listener(connect, channels, on_notify),
                   schema=schema, runs_jobs=runs_jobs)

    @property
    def listener(self) -> Listener:
        return self._listener

    @property
    def notifier(self) -> Notifier[_Item]:
        return self._notifier

    def attach(self, engine: Engine) -> None:
        """Announce the work ``engine`` is told of and the cancels of jobs running elsewhere;
        wake it on work queued elsewhere, and pass on cancels asked elsewhere."""
        if isinstance(engine, WakingEngine):
            engine.on_work_added = self.wake_others
            engine.on_cancel_asked = self.cancel_elsewhere
            self._woken = engine.woken
            self._cancel_heard = engine.cancel_heard

    def wake_others(self, kind: str | None = None) -> None:
        """Tell the processes that run jobs that work of ``kind`` (``None``: any) was queued;
        several calls close together go out as one notification."""
        self._notifier.put(("k", kind))

    def cancel_elsewhere(self, job_id: int) -> None:
        """Tell the processes that run jobs that someone asked to cancel job ``job_id``
        (sent even by a process that runs none: any connection may NOTIFY)."""
        self._notifier.put(("c", job_id))

    async def run(self, *, task_status: anyio.abc.TaskStatus[None] = anyio.TASK_STATUS_IGNORED
                  ) -> None:
        """Send and hear until cancelled; ready once listening. What is still waiting then
        goes out within :data:`FLUSH_SECONDS`."""
        self._notifier.start()
        try:
            with self._hub.tap(self._publishing):
                async with anyio.create_task_group() as task_group:
                    await task_group.start(self._listener.run)
                    task_status.started()
        finally:
            await self._notifier.stop(FLUSH_SECONDS)

    def _publishing(self, event: Event) -> None:
        """An event published here: pass it on (not one heard from elsewhere)."""
        if not isinstance(event, RemoteEvent):
            self._notifier.put(("e", event.to_json()))

    def _render(self, items: list[_Item]) -> list[tuple[str, str]]:
        """The notifications for ``items`` (in the notifier's thread): the events in as few
        payloads as they fit, in order; the wakes in one; the cancels in as few as fit."""
        events = [value for tag, value in items if tag == "e"]
        kinds = {"*" if value is None else str(value) for tag, value in items if tag == "k"}
        cancels = {int(value) for tag, value in items if tag == "c"}
        self.sent += len(events)
        return [*((self.events_channel, payload)
                  for payload in event_payloads(self.origin, events)),
                *([(self.jobs_channel, wake_payload(self.origin, kinds))] if kinds else []),
                *((self.jobs_channel, payload)
                  for payload in cancel_payloads(self.origin, cancels))]

    def _heard(self, channel_name: str, payload: str) -> None:
        """A notification: publish the events of another process, or wake the engine."""
        try:
            message = json.loads(payload)
            origin = message["o"]
        except (ValueError, TypeError, KeyError):
            log.debug("Ignored a notification that is not ours: %.200s", payload)
            return
        if origin == self.origin:
            return
        if channel_name == self.events_channel:
            for item in message.get("e") or ():
                if isinstance(item, dict) and isinstance(item.get("type"), str):
                    self.heard += 1
                    self._hub.publish(remote_event(item))
        elif channel_name == self.jobs_channel:
            for kind in message.get("k") or ():
                if self._woken is not None:
                    self._woken(None if kind == "*" else str(kind))
            cancels = [job_id for job_id in message.get("c") or ()
                       if isinstance(job_id, int) and not isinstance(job_id, bool)]
            if cancels and self._cancel_heard is not None:
                self._cancel_heard(cancels)


__all__ = ["EventBridge", "RemoteEvent", "coalesce_key_of", "event_payloads", "remote_event"]
