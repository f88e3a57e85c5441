"""An engine that tells other processes when work was queued, and can be woken by them."""

from __future__ import annotations

from collections.abc import Callable

from aniworld_core.jobs.engine import Engine

#: Told of work queued in this process: its kind, or ``None`` for any kind.
OnWorkAdded = Callable[[str | None], None]


class WakingEngine(Engine):
    """:class:`Engine` plus ``on_work_added``: every :meth:`work_added` of this process (a job
    added, a series queued, a retry...) is passed on, so processes that run jobs claim it at
    once instead of at their next poll. Work heard of from elsewhere comes in through
    :meth:`woken`, which is not passed on again."""

    on_work_added: OnWorkAdded | None = None

    def work_added(self, kind: str | None = None) -> None:
        super().work_added(kind)
        if self.on_work_added is not None:
            self.on_work_added(kind)

    def woken(self, kind: str | None = None) -> None:
        """Another process queued work of ``kind`` (``None``: any kind)."""
        super().work_added(kind)


__all__ = ["OnWorkAdded", "WakingEngine"]
