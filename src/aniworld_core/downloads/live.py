"""A running download as this process sees it: bytes so far, speed and ETA, and when to tell
(a ``download_update`` at most every :data:`EVENT_INTERVAL` seconds, the database at most
every :data:`WRITE_INTERVAL`)."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

import anyio
import attrs

from aniworld_core.downloads.model import Download, DownloadState

#: Seconds between two progress events of one download, at least.
EVENT_INTERVAL = 0.25
#: Seconds between two writes of one download's bytes to the database, at least.
WRITE_INTERVAL = 2.0
#: Speed is measured over the last this many seconds.
SPEED_WINDOW = 5.0


@attrs.define
class SpeedMeter:
    """Bytes per second over the last :data:`SPEED_WINDOW` seconds."""

    samples: deque[tuple[float, int]] = attrs.field(factory=deque)

    def add(self, moment: float, done: int) -> float | None:
        self.samples.append((moment, done))
        while len(self.samples) > 2 and moment - self.samples[1][0] >= SPEED_WINDOW:
            self.samples.popleft()
        first_at, first = self.samples[0]
        if moment - first_at < 0.2:
            return None
        return max(0.0, (done - first) / (moment - first_at))


@attrs.define
class LiveDownload:
    """One download running here."""

    download: Download
    publish: Callable[[Download], None]
    meter: SpeedMeter = attrs.field(factory=SpeedMeter)
    last_event: float = -1e9
    last_write: float = -1e9
    #: Bytes not yet written to the database.
    dirty: bool = False
    #: Cancels the fetch alone (a pause), not the whole job.
    scope: anyio.CancelScope = attrs.field(factory=anyio.CancelScope)
    #: Seconds, monotonic: the event loop's clock.
    clock: Callable[[], float] = anyio.current_time

    def state(self, state: DownloadState, **changes: object) -> None:
        """Move to ``state`` and tell at once."""
        self.download = attrs.evolve(self.download, state=state, **changes)  # type: ignore[arg-type]
        self.last_event = self.clock()
        self.publish(self.download)

    def progress(self, done: int, total: int | None) -> None:
        """Bytes so far (of ``total``): told when the last event is old enough, or at the
        end."""
        now = self.clock()
        speed = self.meter.add(now, done)
        eta = None
        if speed and total is not None and total >= done:
            eta = (total - done) / speed
        self.download = attrs.evolve(self.download, bytes_done=done, bytes_total=total,
                                     speed=speed, eta=eta)
        self.dirty = True
        if now - self.last_event >= EVENT_INTERVAL or (total is not None and done >= total):
            self.last_event = now
            self.publish(self.download)

    def due_write(self) -> bool:
        now = self.clock()
        if self.dirty and now - self.last_write >= WRITE_INTERVAL:
            self.last_write = now
            self.dirty = False
            return True
        return False
