"""Artwork downloads started while a series' episodes load.

The logo and images steps come after the episodes and the NFO, yet what they download is known
from the metadata alone. When a series' episodes request takes its turn, the loader starts those
downloads: they run during that request's round trip, and the artwork steps find the bytes
waiting and only write them. Without this, the last series of a load waited one more round trip
to the image host after its episodes came in.

Only what is final is started: the series' folder must be known (nothing is created ahead of
its step) and no artwork provider may remain to be asked (its images might be chosen instead).
At most ``room`` series hold early downloads at a time, so the memory they take stays bounded;
a series beyond that downloads in its steps as before. A download that failed fails its step as
the step's own would have (the same retries were made); one called off (the series ended first,
or the loader is stopping) is made by the step, should it still run.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import anyio
import anyio.abc

from aniworld_core.loader.artwork_steps import ArtworkStep, season_poster_exists
from aniworld_core.loader.job import EarlyImage, Job, Step

log = logging.getLogger("aniworld.loader")

#: Series holding early downloads at a time, at most, and the bytes they may hold together (a
#: series counts from its episodes turn until its load ends). At the benchmark's pace (Jikan's
#: limits scaled 60x: 60 series a second) 40-60 series are between those two moments, holding
#: a few KB each; at the real limits one or two are, with a few hundred KB of posters each.
ROOM = 128
BUDGET = 64 * 2**20


class EarlyDownloads:
    """Starts and ends the early artwork downloads of one loader's jobs."""

    def __init__(self, steps: Sequence[Step], *, room: int = ROOM, budget: int = BUDGET) -> None:
        self._steps = [step for step in steps if isinstance(step, ArtworkStep)]
        self._room = room
        self._budget = budget
        self._scopes: dict[str, anyio.CancelScope] = {}
        self._bytes: dict[str, int] = {}  # downloaded early, by series, until its load ends
        #: Where the downloads run (the loader's task group, set while it runs).
        self.task_group: anyio.abc.TaskGroup | None = None

    @property
    def holding(self) -> tuple[int, int]:
        """Series with early downloads (running or done) and the bytes downloaded for them."""
        return len(self._scopes), sum(self._bytes.values())

    def begin(self, job: Job) -> None:
        """Start ``job``'s artwork downloads, once per run, when there is room for them."""
        series_id = job.series.id
        if (self.task_group is None or not self._steps or series_id in self._scopes
                or len(self._scopes) >= self._room or job.stopping()
                or sum(self._bytes.values()) >= self._budget):
            return
        scope = self._scopes[series_id] = anyio.CancelScope()
        self.task_group.start_soon(self._download_all, job, scope,
                                   name=f"early artwork {series_id}")

    def end(self, job: Job) -> None:
        """``job`` is over: call off what it still downloads and drop what it did not use."""
        scope = self._scopes.pop(job.series.id, None)
        if scope is not None:
            scope.cancel()
        self._bytes.pop(job.series.id, None)
        job.early_images.clear()

    async def _download_all(self, job: Job, scope: anyio.CancelScope) -> None:
        started: list[EarlyImage] = []
        try:
            with scope:
                urls = await self._choose(job)
                started += [job.early_images.setdefault(url, EarlyImage()) for url in urls]
                slots = anyio.CapacityLimiter(min(step.at_once for step in self._steps))
                async with anyio.create_task_group() as downloads:
                    for url, early in zip(urls, started, strict=True):
                        downloads.start_soon(self._download, job, url, early, slots)
        finally:
            for early in started:  # called off before it was made: the step makes it
                early.done.set()

    async def _choose(self, job: Job) -> list[str]:
        """The URLs the artwork steps will download, as far as that is final now."""
        urls: list[str] = []
        for step in self._steps:
            if not step.needed(job):
                continue
            try:
                plan = await step.plan(job, early=True)
                if plan is None:
                    continue
                for art, season in plan.chosen:
                    if art.url not in urls and art.url not in job.early_images and \
                            not await season_poster_exists(plan.series_dir, art, season):
                        urls.append(art.url)
            except Exception:
                # The step plans again and meets the same error where it is reported.
                log.debug("no early %s for %s", step.name, job.series.id, exc_info=True)
        return urls

    async def _download(self, job: Job, url: str, early: EarlyImage,
                        slots: anyio.CapacityLimiter) -> None:
        try:
            async with slots, job.providers.turn("images", job.series.priority, job.ticket):
                if not job.stopping():
                    early.image = await job.providers.fetch_image(url)
                    if job.series.id in self._scopes:
                        self._bytes[job.series.id] = (self._bytes.get(job.series.id, 0)
                                                      + len(early.image[0]))
        except Exception as error:
            early.error = error
        finally:
            early.done.set()
