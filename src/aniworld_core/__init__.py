"""aniworld: a library-first anime library manager.

The public API is what this module exports, plus ``aniworld_core.reading`` (reading API answers
defensively) for provider authors, whose tests also get fake provider servers and a pytest plugin
from the separate package ``aniworld_testing``. Everything else is private and may change.

    import anyio
    from aniworld_core import SeriesApp, Settings

    async def main() -> None:
        async with SeriesApp.open(Settings.load()) as app:
            series = await app.add_series("Cowboy Bebop")
            print(await app.loading_status(series.id))

    anyio.run(main)
"""

from aniworld_core._version import __version__
from aniworld_core.app import SeriesApp
from aniworld_core.auth import Accounts, ApiKey, LoggedIn, LoginRefused, UserSession
from aniworld_core.builtin_jobs import kind_description
from aniworld_core.download_events import DownloadUpdate, ImportsChanged
from aniworld_core.downloads.model import (
    Download,
    DownloadState,
    EpisodeWant,
    FetchMethod,
    ImportedFile,
    ImportReport,
    Offer,
    PendingImport,
    SourceInfo,
    WantedEpisode,
    WantedSeries,
    size_text,
)
from aniworld_core.downloads.sources import EpisodeSource, HandsOff, SourceContext
from aniworld_core.errors import (
    AniworldError,
    ConfigError,
    DownloadError,
    DownloadNotFound,
    EpisodeNotFound,
    IdentificationFailed,
    InvalidInput,
    JobNotFound,
    LibraryError,
    PathNotAllowed,
    PluginError,
    ProviderDown,
    ProviderError,
    ProviderUnavailable,
    QueueFull,
    SchemaTooNew,
    SeriesExists,
    SeriesNotFound,
    StateConflict,
    StorageError,
)
from aniworld_core.events import (
    Event,
    LibraryChanged,
    LibraryRootUpdate,
    LoaderIdle,
    ProviderWaiting,
    ScanProgress,
    SeriesAdded,
    SeriesLoadingUpdate,
    SeriesRemoved,
    Subscription,
)
from aniworld_core.jobs import (
    Job,
    JobProgress,
    JobRun,
    JobState,
    JobUpdate,
    RunState,
    Schedule,
)
from aniworld_core.jobs.facade import MAX_JOB_ID, Jobs
from aniworld_core.jobs.timing import time_zones
from aniworld_core.library.release import ParsedName, parse_path
from aniworld_core.library.roots import LibraryRoot, RootSource, SeriesFolder
from aniworld_core.library.scan import ScanReport
from aniworld_core.loader.metrics import DURATION_BUCKETS, Histogram, LoaderMetrics
from aniworld_core.metadata import (
    Airing,
    Artwork,
    ArtworkKind,
    Capability,
    EpisodeInfo,
    ProviderIds,
    ProviderRef,
    Relation,
    SearchResult,
    SeriesInfo,
)
from aniworld_core.models import (
    Episode,
    EpisodeCounts,
    Health,
    LoadingState,
    LoadingStatus,
    LoadRun,
    Priority,
    Progress,
    Season,
    SeasonEntry,
    Series,
    UnplacedFile,
)
from aniworld_core.process_metrics import ProcessMetrics
from aniworld_core.providers.base import (
    MetadataProvider,
    ProviderConfig,
    ProviderContext,
    ProviderHttp,
    RateLimit,
)
from aniworld_core.providers.hookspecs import RegisterProvider, RegisterSource, hookimpl
from aniworld_core.providers.markup import plain_text
from aniworld_core.providers.metrics import LATENCY_BUCKETS, ProviderMetrics
from aniworld_core.providers.registry import ProviderStatus, open_provider
from aniworld_core.settings import (
    DownloadSettings,
    JobsSettings,
    LoaderSettings,
    ProviderSettings,
    Settings,
    WatchSettings,
    WebSettings,
)
from aniworld_core.storage.refresh_store import NextEpisode
from aniworld_core.validation import MAX_EPISODE_NUMBER, check_library_roots, whole_number

__all__ = [
    "DURATION_BUCKETS",
    "LATENCY_BUCKETS",
    "MAX_EPISODE_NUMBER",
    "MAX_JOB_ID",
    "Accounts",
    "Airing",
    "AniworldError",
    "ApiKey",
    "Artwork",
    "ArtworkKind",
    "Capability",
    "ConfigError",
    "Download",
    "DownloadError",
    "DownloadNotFound",
    "DownloadSettings",
    "DownloadState",
    "DownloadUpdate",
    "Episode",
    "EpisodeCounts",
    "EpisodeInfo",
    "EpisodeNotFound",
    "EpisodeSource",
    "EpisodeWant",
    "Event",
    "FetchMethod",
    "HandsOff",
    "Health",
    "Histogram",
    "IdentificationFailed",
    "ImportReport",
    "ImportedFile",
    "ImportsChanged",
    "InvalidInput",
    "Job",
    "JobNotFound",
    "JobProgress",
    "JobRun",
    "JobState",
    "JobUpdate",
    "Jobs",
    "JobsSettings",
    "LibraryChanged",
    "LibraryError",
    "LibraryRoot",
    "LibraryRootUpdate",
    "LoadRun",
    "LoaderIdle",
    "LoaderMetrics",
    "LoaderSettings",
    "LoadingState",
    "LoadingStatus",
    "LoggedIn",
    "LoginRefused",
    "MetadataProvider",
    "NextEpisode",
    "Offer",
    "ParsedName",
    "PathNotAllowed",
    "PendingImport",
    "PluginError",
    "Priority",
    "ProcessMetrics",
    "Progress",
    "ProviderConfig",
    "ProviderContext",
    "ProviderDown",
    "ProviderError",
    "ProviderHttp",
    "ProviderIds",
    "ProviderMetrics",
    "ProviderRef",
    "ProviderSettings",
    "ProviderStatus",
    "ProviderUnavailable",
    "ProviderWaiting",
    "QueueFull",
    "RateLimit",
    "RegisterProvider",
    "RegisterSource",
    "Relation",
    "RootSource",
    "RunState",
    "ScanProgress",
    "ScanReport",
    "Schedule",
    "SchemaTooNew",
    "SearchResult",
    "Season",
    "SeasonEntry",
    "Series",
    "SeriesAdded",
    "SeriesApp",
    "SeriesExists",
    "SeriesFolder",
    "SeriesInfo",
    "SeriesLoadingUpdate",
    "SeriesNotFound",
    "SeriesRemoved",
    "Settings",
    "SourceContext",
    "SourceInfo",
    "StateConflict",
    "StorageError",
    "Subscription",
    "UnplacedFile",
    "UserSession",
    "WantedEpisode",
    "WantedSeries",
    "WatchSettings",
    "WebSettings",
    "__version__",
    "check_library_roots",
    "hookimpl",
    "kind_description",
    "open_provider",
    "parse_path",
    "plain_text",
    "size_text",
    "time_zones",
    "whole_number",
]
