"""``SeriesApp``: the one way in for every frontend and every library user.

    async with SeriesApp.open(settings) as app:
        series = await app.add_series("Cowboy Bebop")

``open()`` prepares the data dir, opens and migrates the database and starts the background work
in its own task group; leaving the block shuts all of it down.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import anyio
import attrs

from aniworld_core.app_downloads import DownloadsFacade
from aniworld_core.app_library import LibraryFacade, today_utc
from aniworld_core.app_watch import WatchFacade
from aniworld_core.auth import Accounts
from aniworld_core.builtin_jobs import define_builtin_schedules, register_builtin_kinds
from aniworld_core.downloads.importer import Importer
from aniworld_core.downloads.manager import DownloadManager
from aniworld_core.downloads.source_set import SourceSet
from aniworld_core.errors import (
    InvalidInput,
    SeriesExists,
    SeriesNotFound,
    StateConflict,
    StorageError,
)
from aniworld_core.event_bridge import EventBridge
from aniworld_core.events import (
    Event,
    EventHub,
    ProviderWaiting,
    SeriesAdded,
    SeriesLoadingUpdate,
    SeriesRemoved,
)
from aniworld_core.jobs import Engine
from aniworld_core.jobs.facade import Jobs
from aniworld_core.jobs.owners import new_owner
from aniworld_core.jobs.wake import WakingEngine
from aniworld_core.leader import Leadership, try_interval
from aniworld_core.library.scan import Library
from aniworld_core.loader.loader import Loader
from aniworld_core.loader.metrics import LoaderMetrics
from aniworld_core.loader.pool import RegistryPool
from aniworld_core.loader.steps import default_steps
from aniworld_core.lookup import match_series
from aniworld_core.metadata import (
    ID_TYPES,
    Capability,
    ProviderIds,
    ProviderRef,
    SearchResult,
)
from aniworld_core.models import (
    Episode,
    Health,
    LoadingState,
    LoadRun,
    Priority,
    Series,
)
from aniworld_core.process_metrics import MetricsBoard, ProcessMetrics
from aniworld_core.providers.breaker import BreakerState
from aniworld_core.providers.registry import ProviderRegistry, ProviderStatus
from aniworld_core.refresh import RefreshStore, register_refresh
from aniworld_core.settings import Settings
from aniworld_core.storage import Database, NewSeries, SeriesStore, stalled
from aniworld_core.storage.convert import id_columns
from aniworld_core.storage.download_store import DownloadStore
from aniworld_core.storage.library_store import LibraryStore
from aniworld_core.storage.process_metrics_store import ProcessMetricsStore
from aniworld_core.storage.rate_budget import PostgresRateBudget
from aniworld_core.storage.work import WorkStore
from aniworld_core.validation import (
    check_id,
    check_provider_ref,
    check_series_id,
    check_title,
    check_year,
    is_provider_name,
)

if TYPE_CHECKING:
    import httpx

log = logging.getLogger(__name__)
#: Seconds a health check waits for the database.
HEALTH_TIMEOUT = 5.0


class SeriesApp(LibraryFacade, WatchFacade, DownloadsFacade):
    """The aniworld facade. Create it with :meth:`open`; never construct it directly."""

    def __init__(self, settings: Settings, database: Database) -> None:
        self.settings = settings
        self._database = database
        self._series = SeriesStore(database)
        self._work = WorkStore(database)
        self.events = EventHub(snapshot=self._snapshot)
        self.accounts = Accounts(database)
        self._library = Library(LibraryStore(database), self.events,
                                on_queued=self._work_added)

    @classmethod
    @asynccontextmanager
    async def open(
        cls, settings: Settings | None = None, *, transport: httpx.AsyncBaseTransport | None = None,
        loader: bool = True, role: str | None = None,
    ) -> AsyncIterator[SeriesApp]:
        """Open storage (migrating it), start the providers and background work, and shut it all
        down on exit. ``transport`` (tests, in-process fake servers) takes every provider request.

        ``loader=False`` opens without loading in the background, for a short-lived process
        that only reads or queues work (the CLI's ``add``, ``list``...): what it queues waits
        for a process that runs the loader.

        ``role`` says what the process is (``"web"``, ``"worker"``...) where its metrics are
        shown (:meth:`process_metrics`). On PostgreSQL a process with a role, or that runs the
        loader, publishes its metrics for the other processes on the database to show.
        """
        if settings is None:
            settings = Settings.load()
        await anyio.to_thread.run_sync(prepare_data_dir, settings.data_dir)
        database = await Database.open(settings.resolved_database_url)
        body_error: Exception | None = None
        try:
            app = cls(settings, database)
            # PostgreSQL: every process on the database draws from one rate budget.
            budget = PostgresRateBudget(database) if database.dialect == "postgresql" else None
            async with ProviderRegistry.open(
                settings, transport=transport, on_wait=app._provider_waiting,
                on_down=app._provider_down, budget=budget,
            ) as providers, SourceSet.open(settings, providers.plugins, transport=transport
                                           ) as sources, anyio.create_task_group() as task_group:
                app._providers = providers
                app._sources = sources
                if not loader:  # show what the loading process found; a loader checks afresh
                    providers.seed_down(await app._work.waiting_for_providers())
                pool = RegistryPool(providers, batching=settings.loader.batching)
                await task_group.start(pool.run)
                app._engine = WakingEngine(database, app.events.publish, owner=new_owner(),
                                           lease_seconds=settings.loader.lease_seconds,
                                           shutdown_grace=settings.loader.shutdown_grace,
                                           closed_gates=lambda: {*pool.closed_gates(),
                                                                 *app._downloads.closed_gates()})
                app._refresh, airing = register_refresh(app._engine, database, providers,
                                                        settings)
                steps = default_steps(threshold=settings.loader.identify_threshold,
                                      library=LibraryStore(database), series_store=app._series,
                                      roots=app.library_roots,
                                      downloads_per_series=settings.loader.downloads_per_series,
                                      plan_airing=airing.plan)
                app._loader = Loader(app._work, app.events, pool, steps, settings.loader,
                                     app._engine, largest_batch=pool.largest_batch)
                register_builtin_kinds(app._engine, settings, app.scan, app.library_roots)
                app._downloads = DownloadManager(
                    store=DownloadStore(database), engine=app._engine,
                    publish=app.events.publish, settings=settings, sources=sources,
                    series=app._series, placed=app._placed)
                app._downloads.register()
                app._importer = Importer(database, settings, naming=app._downloads.naming,
                                         placed=app._imported)
                app.jobs = Jobs(app._engine)
                # PostgreSQL: events, and work queued, reach every process on the database.
                bridge = await EventBridge.open(database, app.events, runs_jobs=loader)
                if bridge is not None:
                    bridge.attach(app._engine)
                    await task_group.start(bridge.run)
                if database.dialect == "postgresql" and (loader or role is not None):
                    task_group.start_soon(stalled.sweep, database)  # see storage/stalled.py
                if loader:
                    await app._loader.prepare()
                    await define_builtin_schedules(app._engine, settings)
                    await task_group.start(app._engine.run)
                    # Watching is done once for all processes on the database: by the leader.
                    app._leadership = Leadership(
                        database, owner=app._engine.owner,
                        interval=try_interval(settings.loader.lease_seconds))
                    await task_group.start(app._leadership.run, app._leader_duties)
                app._board = MetricsBoard(
                    ProcessMetricsStore(database) if database.dialect == "postgresql" else None,
                    process=app.process_id, role=role or ("jobs" if loader else "client"),
                    snapshot=app.metrics, leader=lambda: app.is_leader)
                if app._board.shared and (loader or role is not None):
                    await task_group.start(app._board.run)
                try:
                    yield app
                except Exception as error:
                    # Re-raised below, outside the task group, so callers catch the error they
                    # expect (``except SeriesNotFound``) rather than an ExceptionGroup.
                    body_error = error
                finally:
                    with anyio.CancelScope(shield=True):
                        await app._engine.stop()
                    app.events.close()
                    task_group.cancel_scope.cancel()
        finally:
            await database.close()
        if body_error is not None:
            raise body_error

    # -- series -------------------------------------------------------------------------------

    async def add_series(
        self,
        title: str | None = None,
        provider_ref: ProviderRef | None = None,
        *,
        year: int | None = None,
    ) -> Series:
        """Add a series and return it at once (``loading_status == "pending"``).

        Give a title, a provider reference, or both. A reference that is already in the library
        raises :class:`SeriesExists`, and so does a title alone that a series in the library has
        (ignoring case; two known years that differ tell them apart), naming that series. Bad
        input, a provider that does not exist included, raises :class:`InvalidInput`. Either
        way nothing is written.
        """
        ids = ProviderIds()
        id_type: str | None = None
        if provider_ref is not None:
            ref = check_provider_ref(provider_ref.provider, provider_ref.id)
            id_type = self._checked_id_type(ref)
            ids = ids.with_id(id_type, ref.id)
        elif title is None:
            raise InvalidInput("Give a title or a provider id.", field="title")
        clean_title = check_title(title) if title is not None else f"{ref.provider} {ref.id}"
        new = NewSeries(title=clean_title, year=check_year(year), ids=ids, priority=Priority.USER)
        series = await self._series.add(new, exclusive=id_type, unique_title=id_type is None)
        self.events.publish(SeriesAdded(series.id, series.title, series.loading_status))
        self.events.publish(SeriesLoadingUpdate.of(series))
        self._work_added()
        return series

    async def get_series(self, series_id: str) -> Series:
        """The series with this id (with its "47/50 episodes" counts once its episode list has
        loaded), or :class:`SeriesNotFound`."""
        series = await self._series.get(check_series_id(series_id))
        counts = await self._library.store.episode_counts([series.id], today=today_utc())
        return attrs.evolve(series, episode_counts=counts.get(series.id))

    async def find_series(self, name: str) -> Series:
        """The series a person means by ``name`` (with its counts, as :meth:`get_series`): its
        id, the start of its id, or its title (ignoring case; a unique part of it will do).
        Ambiguous names raise
        :class:`InvalidInput` listing the candidates; unknown ones :class:`SeriesNotFound`."""
        try:
            series_id = check_series_id(name)
        except SeriesNotFound:
            return match_series(await self.list_series(), name)
        return await self.get_series(series_id)

    async def list_series(self) -> list[Series]:
        """Every series, sorted by title, with its "47/50 episodes" counts once its episode
        list has loaded."""
        all_series = await self._series.all()
        counts = await self._library.store.episode_counts(None, today=today_utc())
        return [attrs.evolve(series, episode_counts=counts.get(series.id))
                if series.id in counts else series for series in all_series]

    async def remove_series(self, series_id: str) -> None:
        """Remove a series with its episodes and history (files on disk are not touched); a load
        in progress stops."""
        series_id = check_series_id(series_id)
        removed = await self._series.remove(series_id)
        # Stopped once its job is gone: stopped before, the load would go back to the queue
        # as interrupted, and could be claimed again before the removal deleted it.
        self._loader.forget(series_id)
        self.events.publish(SeriesRemoved(removed.id))

    async def loading_status(self, series_id: str) -> LoadingState:
        """Status, progress flags, start time, message and error of a series' load."""
        return LoadingState.of(await self.get_series(series_id))

    async def episodes(self, series_id: str) -> list[Episode]:
        """Every known episode of a series, present or missing, by season and number."""
        return await self._series.episodes(check_series_id(series_id))

    async def load_runs(self, series_id: str) -> Sequence[LoadRun]:
        """The series' load attempts, newest first."""
        return await self._series.load_runs(check_series_id(series_id))

    # -- loading ------------------------------------------------------------------------------

    _loader: Loader
    _engine: Engine
    _refresh: RefreshStore
    #: Jobs and schedules: list, cancel, retry, run a schedule now, edit a schedule.
    jobs: Jobs

    async def refresh_series(self, series_id: str) -> Series:
        """Load the series' metadata, episodes, NFO and artwork again, before resumed work.

        A series that is loading right now is not queued twice.
        """
        series = await self._work.requeue(check_series_id(series_id), priority=Priority.USER,
                                          refresh=True, changes={"needs_choice": False})
        if series is None:
            raise SeriesNotFound(series_id)
        self.events.publish(SeriesLoadingUpdate.of(series))
        self._work_added()
        return series

    async def cancel_loading(self, series_id: str) -> None:
        """Stop the series' load (mid-step if need be, in whichever process runs it); it
        becomes ``cancelled``, or stays loaded if an earlier load completed (a cancelled
        refresh). :class:`StateConflict` when it is not loading or queued.
        """
        series_id = check_series_id(series_id)
        if await self._loader.cancel(series_id):
            return
        series = await self._series.get(series_id)
        raise StateConflict(
            f"{series.title!r} is not loading (it is {series.loading_status.value}).")

    async def identify(self, series_id: str, provider_ref: ProviderRef) -> Series:
        """Tell aniworld which provider entry the series is (after identification failed, or to
        correct it) and load it again from that entry."""
        series_id = check_series_id(series_id)
        ref = check_provider_ref(provider_ref.provider, provider_ref.id)
        id_type = self._checked_id_type(ref)
        if self._loader.is_active(series_id):
            raise StateConflict("The series is loading; cancel it first, then identify it.")
        series = await self._series.get(series_id)
        existing = await self._series.find_by_id(id_type, ref.id)
        if existing is not None and existing.id != series_id:
            raise SeriesExists(f"{existing.title!r} ({ref}) is already in the library.",
                               series_id=existing.id)
        changes = {**id_columns(series.ids.with_id(id_type, ref.id)), "series_metadata": None,
                   "needs_choice": False}
        updated = await self._work.requeue(series_id, priority=Priority.USER,
                                           reset_progress=True, changes=changes)
        if updated is None:
            raise SeriesNotFound(series_id)
        self.events.publish(SeriesLoadingUpdate.of(updated))
        self._work_added()
        return updated

    async def stop_loading(self) -> None:
        """Stop the background loader now, as leaving :meth:`open` would: running steps get
        ``loader.shutdown_grace`` seconds, series that only wait stop at once, and whatever
        is left goes back to the queue as ``queued``. The app stays open for reading."""
        await self._engine.stop()

    async def wait_idle(self) -> None:
        """Return once nothing is queued (scheduled retries included) or loading, but series
        waiting for a provider that is down (``queued``; they go on after its next check)."""
        await self._loader.wait_idle()

    async def health(self) -> Health:
        """Whether the database answers (within :data:`HEALTH_TIMEOUT` seconds) and whether
        this process runs the loader."""
        problem = await self._database.problem(within=HEALTH_TIMEOUT)
        return Health(database_error=problem, loader_running=self._engine.running)

    async def metrics(self) -> LoaderMetrics:
        """Queue depth per priority, steps in flight, counts, step durations, and per provider
        requests, 429s, retries and latency."""
        metrics = await self._loader.metrics()
        return attrs.evolve(metrics, providers=self._providers.metrics())

    _board: MetricsBoard

    async def process_metrics(self) -> list[ProcessMetrics]:
        """:meth:`metrics` of every process on the database: this one's first, taken now, then
        what each other live process last published (PostgreSQL; on SQLite this one's alone).
        See :mod:`aniworld_core.process_metrics`."""
        return await self._board.gather()

    # -- internals ----------------------------------------------------------------------------

    def _work_added(self) -> None:
        """Tell the background loader that series were queued (called after every commit that
        queues work: add, refresh, scan)."""
        self._loader.work_added()

    def _id_type(self, provider: str) -> str:
        return self._providers.id_type(provider) or provider

    def _checked_id_type(self, ref: ProviderRef) -> str:
        """The id type of a ref the user gave: a provider's name (``jikan`` refs are ``mal``
        ids), or an id type itself (a well-known one, or one an installed provider keys by);
        anything else is :class:`InvalidInput`, so it never reaches an NFO. The id must have
        that id type's shape too (a ``jikan`` id is a MAL number)."""
        provider = ref.provider
        id_type = self._providers.id_type(provider)
        if id_type is None:
            known = {status.id_type for status in self._providers.statuses()}
            if provider not in ID_TYPES and provider not in known:
                raise InvalidInput(f"No provider is called {provider!r}.", field="provider")
            id_type = provider
        check_id(id_type, ref.id)
        return id_type

    async def _snapshot(self) -> Sequence[Event]:
        rows = await self._series.unfinished_progress()
        return [*(SeriesLoadingUpdate.of_parts(*row[:5], needs_choice=row[5]) for row in rows),
                *self._root_snapshot(), *await self._download_snapshot()]

    # -- providers ----------------------------------------------------------------------------

    _providers: ProviderRegistry

    async def search(
        self, query: str, *, provider: str | None = None, year: int | None = None
    ) -> list[SearchResult]:
        """Candidates for ``query``, best first, from ``provider`` or else the first available
        provider that can search (in ``providers.order``).

        Bad input raises :class:`InvalidInput` (a provider that cannot search included); a
        provider that is unknown or switched off raises :class:`ProviderUnavailable`; a failed
        request :class:`ProviderError`.
        """
        clean_query = check_title(query, field="query")
        clean_year = check_year(year)
        if provider is None:
            chosen = self._providers.first(Capability.SEARCH)
        elif not is_provider_name(provider):
            raise InvalidInput(f"{provider!r} is not a provider name.", field="provider")
        else:
            chosen = self._providers.get(provider)
            if Capability.SEARCH not in chosen.capabilities:
                raise InvalidInput(f"{chosen.display_name} cannot search; search with a "
                                   "provider that can (see 'aniworld plugins').",
                                   field="provider")
        return list(await chosen.search(clean_query, year=clean_year))

    async def library_ids(self, refs: Sequence[ProviderRef]) -> dict[ProviderRef, str]:
        """For the refs already in the library (search results, say), the series that is each."""
        keyed = {ref: (self._id_type(ref.provider), ref.id) for ref in refs}
        found = await self._series.ids_of_refs(list(keyed.values()))
        return {ref: found[key] for ref, key in keyed.items() if key in found}

    def providers(self) -> list[ProviderStatus]:
        """Every provider with its package, version, capabilities and availability, in
        ``providers.order``."""
        return self._providers.statuses()

    def _provider_waiting(self, provider: str, seconds: float, reason: str) -> None:
        self.events.publish(ProviderWaiting(provider, seconds, reason))

    def _provider_down(self, provider: str, state: BreakerState) -> None:
        """A provider went down, stayed down at its check, or came back: shown like a wait
        ("cannot reach AniList (network down?), 30 s"); back is a wait of 0 s."""
        if state.down and state.next_check_at is not None:
            seconds = max(0.0, (state.next_check_at - dt.datetime.now(dt.UTC)).total_seconds())
            self.events.publish(ProviderWaiting(provider, seconds, state.cause or "down"))
        else:
            self.events.publish(ProviderWaiting(provider, 0.0, f"{provider} is back"))
            self._engine.work_added()  # loads that waited for it go on


def prepare_data_dir(path: Path) -> None:
    """Create the data dir readable only by its owner; a clear error when that is impossible."""
    try:
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as error:
        raise StorageError(f"Cannot create the data directory {path}: {error.strerror}.") from None
    if not os.access(path, os.W_OK):
        raise StorageError(f"The data directory {path} is not writable.")
