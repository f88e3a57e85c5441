"""Keeping loaded series current: airing checks (:mod:`.airing`) and the library-wide refresh
(:mod:`.library`), both jobs of the engine."""

from __future__ import annotations

from aniworld_core.jobs import Engine
from aniworld_core.providers.registry import ProviderRegistry
from aniworld_core.refresh.airing import AiringChecks
from aniworld_core.refresh.library import LIBRARY_REFRESH, REFRESH_SCHEDULE, LibraryRefresh
from aniworld_core.settings import Settings
from aniworld_core.storage.database import Database
from aniworld_core.storage.refresh_store import AIRING_CHECK, NextEpisode, RefreshStore

__all__ = ["AIRING_CHECK", "LIBRARY_REFRESH", "REFRESH_SCHEDULE", "AiringChecks", "NextEpisode",
           "RefreshStore", "register_refresh"]


def register_refresh(engine: Engine, database: Database, providers: ProviderRegistry,
                     settings: Settings) -> tuple[RefreshStore, AiringChecks]:
    """Register ``series.airing`` and ``library.refresh``; the airing checks plan themselves
    through the episodes step (give it ``AiringChecks.plan``)."""
    store = RefreshStore(database, engine.store)
    checks = AiringChecks(engine, store, settings.refresh)
    LibraryRefresh(engine, store, providers, settings)
    return store, checks
