"""Metrics that add up across the processes sharing one database.

On PostgreSQL every long-running process (a worker, a web process, one that runs jobs)
publishes its :meth:`SeriesApp.metrics() <aniworld_core.SeriesApp.metrics>` snapshot to the
database every :data:`PUBLISH_PERIOD` seconds, and :meth:`SeriesApp.process_metrics()
<aniworld_core.SeriesApp.process_metrics>` of any process returns every live process's figures:
its own taken when asked, the others' as they last published them. A process that has not
published for :data:`LIVE_PERIODS` periods is left out (it stopped or is stuck); its row is
deleted by whichever process publishes next once it is :data:`FORGET_AFTER` seconds old. A
process that closes deletes its row at once (its counters end with it, as a restarted
process's do).

On SQLite there is one process: it shows its own figures and publishes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

import anyio
import attrs
from anyio.abc import TaskStatus

from aniworld_core._priority import in_background
from aniworld_core.loader.metrics import LoaderMetrics
from aniworld_core.storage.process_metrics_store import ProcessMetricsStore

log = logging.getLogger(__name__)

#: Seconds between two snapshots a process publishes.
PUBLISH_PERIOD = 5.0
#: A process that published nothing for this many periods is not shown.
LIVE_PERIODS = 3
#: Seconds after which the row of a process that never closed (it died) is deleted.
FORGET_AFTER = 3600.0
#: Most seconds a closing process spends deleting its row (the database may be gone).
WITHDRAW_TIMEOUT = 5.0

#: Takes this process's snapshot.
Snapshot = Callable[[], Awaitable[LoaderMetrics]]


@attrs.frozen
class ProcessMetrics:
    """One process's figures: ``process`` (its :attr:`SeriesApp.process_id`), its ``role``
    (``"web"``, ``"worker"``, ``"web+jobs"``...), whether it leads the processes on the
    database, and its snapshot, published ``age`` seconds ago. ``current`` marks the process
    that was asked: its figures were taken then (``age`` 0)."""

    process: str
    role: str
    leader: bool
    metrics: LoaderMetrics
    age: float = 0.0
    current: bool = False


class MetricsBoard:
    """This process's part: publishing its snapshot (:meth:`run`, with a ``store``, i.e. on
    PostgreSQL) and gathering every live process's (:meth:`gather`)."""

    def __init__(self, store: ProcessMetricsStore | None, *, process: str, role: str,
                 snapshot: Snapshot, leader: Callable[[], bool],
                 period: float = PUBLISH_PERIOD, forget_after: float = FORGET_AFTER) -> None:
        self.process = process
        self.role = role
        self.period = period
        self.forget_after = forget_after
        self._store = store
        self._snapshot = snapshot
        self._leader = leader
        self._failing = False
        #: Processes whose row could not be read, told once each.
        self._unreadable: set[str] = set()

    @property
    def shared(self) -> bool:
        """Whether the processes on this database publish their figures (PostgreSQL)."""
        return self._store is not None

    async def gather(self) -> list[ProcessMetrics]:
        """This process's figures, taken now, then those of every other process that published
        within the last :data:`LIVE_PERIODS` periods, by process id."""
        own = ProcessMetrics(self.process, self.role, self._leader(), await self._snapshot(),
                             current=True)
        if self._store is None:
            return [own]
        found = [own]
        for row in await self._store.live(self.period * LIVE_PERIODS, excluding=self.process):
            try:
                metrics = LoaderMetrics.from_json(row.snapshot)
            except ValueError as error:
                if row.process not in self._unreadable:
                    self._unreadable.add(row.process)
                    log.warning("The metrics process %s published cannot be read: %s",
                                row.process, error)
                continue
            found.append(ProcessMetrics(row.process, row.role, row.leader, metrics,
                                        age=row.age))
        return found

    async def publish(self) -> bool:
        """Publish this process's snapshot now (and delete the rows of processes gone for
        :data:`FORGET_AFTER` seconds); ``False`` when the database refused, which is logged
        and tried again at the next period."""
        assert self._store is not None, "nothing is published on SQLite"
        try:
            snapshot = await self._snapshot()
            forgotten = await self._store.publish(
                self.process, self.role, leader=self._leader(), snapshot=snapshot.to_json(),
                forget_after=self.forget_after)
        except Exception as error:
            if not self._failing:
                self._failing = True
                log.warning("Cannot publish this process's metrics (tried again every %g s): "
                            "%s", self.period, error)
            return False
        if self._failing:
            self._failing = False
            log.info("This process's metrics are published again.")
        if forgotten:
            log.info("Deleted the metrics of %d process(es) not heard from for %g s.",
                     forgotten, self.forget_after)
        return True

    async def run(self, *, task_status: TaskStatus[None] = anyio.TASK_STATUS_IGNORED) -> None:
        """Publish now (started once done, so the others see this process at once) and every
        :attr:`period` seconds until cancelled; then delete this process's row."""
        try:
            with in_background():
                await self.publish()
                task_status.started()
                while True:
                    await anyio.sleep(self.period)
                    await self.publish()
        finally:
            with anyio.CancelScope(shield=True), anyio.move_on_after(WITHDRAW_TIMEOUT):
                await self.withdraw()

    async def withdraw(self) -> None:
        """Delete this process's row: it is closing (a failure is logged, and the row goes
        once it is :data:`FORGET_AFTER` seconds old)."""
        assert self._store is not None, "nothing is published on SQLite"
        try:
            await self._store.remove(self.process)
        except Exception as error:
            log.warning("Cannot delete this process's metrics: %s", error)


__all__ = ["FORGET_AFTER", "LIVE_PERIODS", "PUBLISH_PERIOD", "MetricsBoard", "ProcessMetrics"]
