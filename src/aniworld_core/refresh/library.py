"""The library-wide refresh (``library.refresh``; the built-in schedule ``refresh`` runs it every
``refresh.library_every`` seconds).

Every loaded show's last entry, and any entry of it that has not finished, is asked for again,
fifty per request where the provider batches (AniList), and compared with what is stored
(:func:`changed`): status, episode count, the provider's change stamp, the next airing and the
sequels. Only shows that changed load their episode list again (an episodes-only refresh), or
everything when an entry's status changed or a sequel appeared (``tvshow.nfo`` says whether it
airs; a new season gets its ``season.nfo`` and poster); shows whose entries all finished load
everything again once ``refresh.finished_every`` has passed since their last load. A show
whose provider cannot be asked in batches is refreshed by age alone. A provider that is down
postpones the refresh until its next check; nothing loaded is touched before the answers are
in.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from aniworld_core.errors import InvalidInput, ProviderDown, ProviderError
from aniworld_core.jobs import Engine, JobContext, JobError, Kind, Postpone, RetryPolicy
from aniworld_core.metadata import Capability, ProviderRef, SeriesInfo
from aniworld_core.providers.registry import ProviderRegistry
from aniworld_core.reading import ENDED
from aniworld_core.settings import Settings
from aniworld_core.storage.refresh_store import Candidate, RefreshStore
from aniworld_core.storage.work_queue import GATE_PREFIX

log = logging.getLogger("aniworld.refresh")
LIBRARY_REFRESH = "library.refresh"
REFRESH_SCHEDULE = "refresh"


def _sequels(info: SeriesInfo) -> frozenset[ProviderRef]:
    return frozenset(r.ref for r in info.relations if r.kind == "SEQUEL")


def changed(stored: SeriesInfo, fresh: SeriesInfo) -> bool:
    """Whether an entry changed in a way its episode list may follow: status, episode count,
    change stamp (when both know one), next airing, or its sequels (a new season)."""
    if stored.updated_at is not None and stored.updated_at != fresh.updated_at:
        return True
    return (stored.episode_count != fresh.episode_count or stored.next_airing != fresh.next_airing
            or reshaped(stored, fresh))


def reshaped(stored: SeriesInfo, fresh: SeriesInfo) -> bool:
    """Whether more than the episode list follows a change: the entry's status (the NFO says
    whether the show airs), or its sequels (a new season: its NFO and poster)."""
    return stored.status != fresh.status or _sequels(stored) != _sequels(fresh)


def _no_payload(payload: Mapping[str, Any]) -> dict[str, Any]:
    if payload:
        raise InvalidInput(f"{LIBRARY_REFRESH} takes no payload.", field="payload")
    return {}


class LibraryRefresh:
    """Registers ``library.refresh``."""

    def __init__(self, engine: Engine, store: RefreshStore, providers: ProviderRegistry,
                 settings: Settings) -> None:
        self._engine = engine
        self._store = store
        self._providers = providers
        self.settings = settings.refresh
        engine.register(Kind(LIBRARY_REFRESH, self._run, check_payload=_no_payload,
                             concurrency=1, max_pending=settings.jobs.max_pending,
                             retry=RetryPolicy(max_attempts=5, base=300.0, cap=6 * 3600.0)))

    async def _run(self, context: JobContext) -> None:
        candidates = await self._store.candidates()
        now = dt.datetime.now(dt.UTC)
        await context.progress(0, len(candidates), f"Asking about {len(candidates)} shows")
        fresh = await self._ask(context, candidates)
        changes, stale = [], []
        finished_before = now - dt.timedelta(seconds=self.settings.finished_every)
        for candidate in candidates:
            asked = _asked(candidate)
            answers = [(entry, fresh.get(entry.ref)) for entry in asked]
            answer = answers[-1][1] if answers else None
            if any(new is not None and reshaped(old, new) for old, new in answers):
                stale.append(candidate.series_id)
            elif any(new is not None and changed(old, new) for old, new in answers):
                changes.append(candidate.series_id)
            elif _all_finished(candidate) and (candidate.completed_at is None
                                               or candidate.completed_at < finished_before):
                stale.append(candidate.series_id)
            elif answer is None and not _all_finished(candidate) and _older(
                    candidate, now, self.settings.library_every):
                changes.append(candidate.series_id)  # not asked in batches: by age
        queued = await self._store.queue(changes)
        queued_full = await self._store.queue(stale, full=True)
        if queued or queued_full:
            self._engine.work_added()
        log.info("library refresh: %d shows, %d with new episodes, %d to load again; %d queued",
                 len(candidates), len(changes), len(stale), len(queued) + len(queued_full))
        await context.progress(len(candidates), len(candidates),
                               f"{len(changes)} with new episodes, {len(stale)} to load again, "
                               f"{len(queued) + len(queued_full)} queued")

    async def _ask(self, context: JobContext, candidates: Sequence[Candidate]
                   ) -> dict[ProviderRef, SeriesInfo]:
        """Fresh metadata of every show's last entry, from providers that batch."""
        wanted: dict[str, list[ProviderRef]] = {}
        for candidate in candidates:
            for entry in _asked(candidate):
                wanted.setdefault(entry.ref.provider, []).append(entry.ref)
        found: dict[ProviderRef, SeriesInfo] = {}
        asked, total = 0, sum(len(set(refs)) for refs in wanted.values())
        for provider in self._providers.available(Capability.SERIES):
            name, size = type(provider).name, type(provider).batch_size
            refs = list(dict.fromkeys(wanted.get(name, ())))
            if size <= 1 or not refs:
                continue
            for start in range(0, len(refs), size):
                chunk = refs[start:start + size]
                try:
                    answers = await provider.fetch_series(chunk)
                except ProviderDown as error:
                    raise Postpone(f"waiting for {name}: {error.cause}",
                                   seconds=max(1.0, error.retry_in),
                                   gate=f"{GATE_PREFIX}{name}") from None
                except ProviderError as error:
                    raise JobError(str(error)) from None
                found.update((ProviderRef(name, key), info) for key, info in answers.items())
                asked += len(chunk)
                await context.progress(asked, total,
                                       f"Asked {name} about {asked} of {total} entries")
        return found


def _asked(candidate: Candidate) -> list[SeriesInfo]:
    """The entries of a show a refresh asks about: those that have not finished, and the last
    (whose sequels make a new season)."""
    if not candidate.entries:
        return []
    *earlier, last = candidate.entries
    return [entry for entry in earlier if entry.status != ENDED] + [last]


def _all_finished(candidate: Candidate) -> bool:
    return bool(candidate.entries) and all(e.status == ENDED for e in candidate.entries)


def _older(candidate: Candidate, now: dt.datetime, seconds: float) -> bool:
    return candidate.completed_at is None or (
        now - candidate.completed_at).total_seconds() >= seconds * 0.9
