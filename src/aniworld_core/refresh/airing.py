"""Airing checks: an airing show loads its episode list again when its next episode has aired.

Every time a show's chain of entries is saved, its one airing check is planned again
(:func:`plan_next`): for the entry that airs, at the moment its next episode airs plus
``refresh.airing_delay`` (MyAnimeList lists episodes some hours after they air). The check (a
``series.airing`` job, planned ahead without keeping the engine busy) queues an episodes-only
refresh of the show, which plans the next check. While the latest aired episode is not listed
yet, the check comes again after ``refresh.airing_retry`` seconds, doubling, for at most
``refresh.airing_tries`` checks; then the next episode is planned anyway. The episode is
missing from the moment it airs either way (see ``loader.entry_episodes``).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from aniworld_core.errors import InvalidInput
from aniworld_core.jobs import Engine, JobContext, JobError, Kind, RetryPolicy
from aniworld_core.loader.entry_episodes import EntryEpisodes
from aniworld_core.loader.job import Job
from aniworld_core.metadata import SeriesInfo
from aniworld_core.models import Priority
from aniworld_core.settings import RefreshSettings
from aniworld_core.storage.convert import entry_key
from aniworld_core.storage.load_queue import AIRING_CHECK, check_prefix, checked_airing
from aniworld_core.storage.refresh_store import RefreshStore

log = logging.getLogger("aniworld.refresh")


@attrs.frozen
class Plan:
    """An airing check: when, for which entry's episode, and how many checks came before."""

    at: dt.datetime
    entry: str
    episode: int
    tries: int = 0

    def payload(self, series_id: str) -> dict[str, Any]:
        return {"series_id": series_id, "entry": self.entry, "episode": self.episode,
                "tries": self.tries}

    def key(self, series_id: str) -> str:
        return f"{check_prefix(series_id)}{self.entry}:{self.episode}:{self.tries}"


def plan_next(found: Sequence[tuple[SeriesInfo, EntryEpisodes]],
              answered: Mapping[str, Any] | None, now: dt.datetime,
              settings: RefreshSettings) -> Plan | None:
    """The show's next airing check, from its entries just loaded (``answered``: the check
    this load answered, if it did); ``None`` when nothing of it airs."""
    if settings.airing_delay < 0:
        return None
    airing = [(info, episodes) for info, episodes in found if info.next_airing is not None]
    if not airing:
        return None
    info, episodes = airing[-1]
    upcoming = info.next_airing
    assert upcoming is not None
    key = entry_key(info.ref)
    latest = upcoming.episode - 1
    if latest >= 1 and latest not in episodes.listed:
        before = 0
        if answered and answered.get("entry") == key and answered.get("episode") == latest:
            before = int(answered.get("tries", 0))
        tries = before + 1
        if tries <= settings.airing_tries:
            wait = dt.timedelta(seconds=settings.airing_retry * 2 ** (tries - 1))
            return Plan(now + wait, key, latest, tries)
        log.info("%s: episode %d is still not listed after %d checks; the next check is for "
                 "episode %d", info.title, latest, before, upcoming.episode)
    at = upcoming.airs_at + dt.timedelta(seconds=settings.airing_delay)
    if at <= now:  # the provider has not moved on yet: not again at once
        at = now + dt.timedelta(seconds=settings.airing_retry)
    return Plan(at, key, upcoming.episode)


def _check_payload(payload: Mapping[str, Any]) -> dict[str, Any]:
    series_id = payload.get("series_id")
    if not isinstance(series_id, str) or not series_id:
        raise InvalidInput(f"A {AIRING_CHECK} job needs 'series_id'.", field="payload")
    return {"series_id": series_id, **checked_airing(payload)}


class AiringChecks:
    """Registers ``series.airing`` and plans each show's check as its list is saved."""

    def __init__(self, engine: Engine, store: RefreshStore, settings: RefreshSettings) -> None:
        self._engine = engine
        self._store = store
        self.settings = settings
        engine.register(Kind(AIRING_CHECK, self._run, check_payload=_check_payload,
                             concurrency=4, planned=True,
                             retry=RetryPolicy(max_attempts=5, base=60.0, cap=3600.0)))

    async def plan(self, job: Job, found: Sequence[tuple[SeriesInfo, EntryEpisodes]]) -> None:
        """After a load saved the show's list: its next check replaces the one pending."""
        series_id = job.series.id
        plan = plan_next(found, job.airing, dt.datetime.now(dt.UTC), self.settings)
        new = None if plan is None else self._engine.new_job(
            AIRING_CHECK, plan.payload(series_id), key=plan.key(series_id),
            priority=Priority.SCHEDULED, not_before=plan.at)
        await self._store.plan_check(series_id, new)
        if new is not None:
            self._engine.work_added(AIRING_CHECK)

    async def _run(self, context: JobContext) -> None:
        payload = context.payload
        answered = {name: payload[name] for name in ("entry", "episode", "tries")}
        try:
            queued = await self._store.queue([payload["series_id"]], airing=answered)
        except Exception as error:
            raise JobError(f"could not queue the episode refresh: {error}") from error
        if queued:
            self._engine.work_added()
            await context.progress(1, 1, f"Checking for episode {payload['episode']}")
